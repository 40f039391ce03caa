"""settlement status

A month's settlement run is ``running`` or ``done``, and the database says so (the status enum
``contributions.models.SettlementStatus`` builds the CHECK, as for the other statuses).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 20:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("settlement_runs", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_settlement_runs_status_known"), "status IN ('running', 'done')"
        )


def downgrade() -> None:
    with op.batch_alter_table("settlement_runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_settlement_runs_status_known"), type_="check")
