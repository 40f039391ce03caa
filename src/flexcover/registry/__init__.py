"""People, jurisdictions, platforms, employers, staff users and who may do what where."""
