"""staff basics

Logins lock for a while after repeated wrong passwords, can be made to change their password at
the next login (an administrator's reset), and remember when it last changed. Audit rows keep
the region of whoever acted, so an auditor reads the rows of their region.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:00:53.167664
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_region", sa.String(length=6), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_audit_log_actor_region"), ["actor_region"], unique=False
        )
    # Rows written before: the region of the login that acted, where it still exists.
    op.execute(
        "UPDATE audit_log SET actor_region = (SELECT region_code FROM users "
        "WHERE users.id = audit_log.actor_user_id) WHERE actor_user_id IS NOT NULL"
    )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_actor_region"))
        batch_op.drop_column("actor_region")
