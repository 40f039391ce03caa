"""expiry and heartbeats

A subsidy application remembers the month it was made in, which bounds the first month an
approval may grant. API tokens and logins can expire. A comparison run beats while it works, so a
run whose process died is told apart from one still running.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHINA = timezone(timedelta(hours=8))


def upgrade() -> None:
    with op.batch_alter_table("subsidy_applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applied_month", sa.String(length=7), nullable=True))
    # Applications made before: the month of their creation on China's clock.
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, created_at FROM subsidy_applications")).all()
    for row_id, created in rows:
        if isinstance(created, str):
            created = datetime.fromisoformat(created)
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        connection.execute(
            sa.text("UPDATE subsidy_applications SET applied_month = :month WHERE id = :id"),
            {"month": created.astimezone(CHINA).strftime("%Y-%m"), "id": row_id},
        )

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("comparison_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("comparison_runs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("subsidy_applications", schema=None) as batch_op:
        batch_op.drop_column("applied_month")
