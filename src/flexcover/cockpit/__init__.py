"""数字驾驶舱: read models and dashboards for staff."""
