"""provisional bills and their adjustments

A bill priced on last year's limits carried forward (暂按上年度标准) is marked provisional and
re-priced when the year's figures are loaded; the difference is an adjustment of that bill (补差,
numbered by its revision), never a second bill. What the allocation entries have moved so far is
kept on the bill, so a re-priced paid bill allocates only the difference. Overpaid contributions
of a bill re-priced downwards are owed back on a new account kind, refund_payable (应退).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = (
    "'receivable', 'collection_clearing', 'contributions_billed', 'personal_pension', "
    "'personal_medical', 'pooled_pension', 'pooled_medical', 'subsidy_budget', "
    "'subsidy_payable', 'platform_payable'"
)
KINDS_AFTER = KINDS_BEFORE + ", 'refund_payable'"


def _kinds(kinds: str) -> None:
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_ledger_accounts_kind_known"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_ledger_accounts_kind_known"), f"kind IN ({kinds})"
        )


def upgrade() -> None:
    with op.batch_alter_table("contribution_bills", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("provisional", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("allocated_personal_fen", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("allocated_pooled_fen", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
    # Bills paid before this revision were allocated in full.
    op.execute(
        "UPDATE contribution_bills SET allocated_personal_fen = personal_account_fen, "
        "allocated_pooled_fen = pooled_fund_fen WHERE status = 'paid'"
    )
    op.create_table(
        "bill_adjustments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("bill_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("old_base_fen", sa.BigInteger(), nullable=False),
        sa.Column("new_base_fen", sa.BigInteger(), nullable=False),
        sa.Column("old_due_fen", sa.BigInteger(), nullable=False),
        sa.Column("new_due_fen", sa.BigInteger(), nullable=False),
        sa.Column("old_platform_share_fen", sa.BigInteger(), nullable=False),
        sa.Column("new_platform_share_fen", sa.BigInteger(), nullable=False),
        sa.Column("refund_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["contribution_bills.id"],
            name=op.f("fk_bill_adjustments_bill_id_contribution_bills"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_adjustments")),
        sa.UniqueConstraint(
            "bill_id", "revision", name=op.f("uq_bill_adjustments_bill_id_revision")
        ),
    )
    with op.batch_alter_table("bill_adjustments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bill_adjustments_bill_id"), ["bill_id"], unique=False)
    _kinds(KINDS_AFTER)


def downgrade() -> None:
    _kinds(KINDS_BEFORE)
    with op.batch_alter_table("bill_adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bill_adjustments_bill_id"))
    op.drop_table("bill_adjustments")
    with op.batch_alter_table("contribution_bills", schema=None) as batch_op:
        batch_op.drop_column("revision")
        batch_op.drop_column("allocated_pooled_fen")
        batch_op.drop_column("allocated_personal_fen")
        batch_op.drop_column("provisional")
