"""settlement chunks

Settlement plans a month in chunks of enrolment ids, each marked settled in the transaction that
settles it (so several workers can share a month), instead of one cursor per run. A run left
half done by the cursor resumes from the start of its plan: chunks skip what is billed already.

For settlement's write rate: a bill's enrolment and person are checked by one composite foreign
key (which also ties the bill's person to its enrolment's), and on PostgreSQL the ledger's
accounts leave a fifth of each page free, so that a balance update can stay on its page without
touching the indexes (a HOT update).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 13:12:18.111660
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "settlement_chunks",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("first_enrolment_id", sa.BigInteger(), nullable=False),
        sa.Column("last_enrolment_id", sa.BigInteger(), nullable=False),
        sa.Column("enrolments", sa.Integer(), nullable=False),
        sa.Column("bills", sa.BigInteger(), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["month"],
            ["settlement_runs.month"],
            name=op.f("fk_settlement_chunks_month_settlement_runs"),
        ),
        sa.PrimaryKeyConstraint("month", "first_enrolment_id", name=op.f("pk_settlement_chunks")),
    )
    with op.batch_alter_table("settlement_runs", schema=None) as batch_op:
        batch_op.drop_column("last_enrolment_id")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_enrolments_id_person_id"), ["id", "person_id"]
        )
    with op.batch_alter_table("contribution_bills", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_contribution_bills_person_id_people"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_contribution_bills_enrolment_id_enrolments"), type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_contribution_bills_enrolment_id_enrolments"),
            "enrolments",
            ["enrolment_id", "person_id"],
            ["id", "person_id"],
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ledger_accounts SET (fillfactor = 80)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ledger_accounts RESET (fillfactor)")
    with op.batch_alter_table("contribution_bills", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_contribution_bills_enrolment_id_enrolments"), type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_contribution_bills_enrolment_id_enrolments"),
            "enrolments",
            ["enrolment_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_contribution_bills_person_id_people"), "people", ["person_id"], ["id"]
        )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_enrolments_id_person_id"), type_="unique")
    with op.batch_alter_table("settlement_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_enrolment_id", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.drop_table("settlement_chunks")
