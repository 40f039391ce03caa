"""contributions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 05:15:00.223778
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_topic"), ["topic"], unique=False)

    op.create_table(
        "settlement_runs",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("last_enrolment_id", sa.BigInteger(), nullable=False),
        sa.Column("bills", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_settlement_runs")),
    )
    op.create_table(
        "enrolments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("payment_frequency", sa.String(length=12), nullable=False),
        sa.Column("first_month", sa.String(length=7), nullable=False),
        sa.Column("last_month", sa.String(length=7), nullable=True),
        sa.Column("termination_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "scheme IN ('employee_pension', 'employee_medical')",
            name=op.f("ck_enrolments_scheme_known"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'paused', 'terminated')", name=op.f("ck_enrolments_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdictions.code"],
            name=op.f("fk_enrolments_jurisdiction_code_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_enrolments_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enrolments_jurisdiction_code"), ["jurisdiction_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enrolments_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "uq_enrolments_open",
            ["person_id", "scheme"],
            unique=True,
            sqlite_where=sa.text("status != 'terminated'"),
            postgresql_where=sa.text("status != 'terminated'"),
        )

    op.create_table(
        "payments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_payments_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint(
            "person_id", "idempotency_key", name=op.f("uq_payments_person_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_person_id"), ["person_id"], unique=False)

    op.create_table(
        "platform_agreements",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("share_bp", sa.Integer(), nullable=True),
        sa.Column("fixed_fen", sa.BigInteger(), nullable=True),
        sa.Column("from_month", sa.String(length=7), nullable=False),
        sa.Column("until_month", sa.String(length=7), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(share_bp IS NOT NULL AND fixed_fen IS NULL AND share_bp BETWEEN 1 AND 10000) OR (share_bp IS NULL AND fixed_fen IS NOT NULL AND fixed_fen > 0)",
            name=op.f("ck_platform_agreements_one_rule"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_platform_agreements_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_agreements")),
    )
    with op.batch_alter_table("platform_agreements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_agreements_platform_id"), ["platform_id"], unique=False
        )

    op.create_table(
        "platform_workers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("from_month", sa.String(length=7), nullable=False),
        sa.Column("until_month", sa.String(length=7), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_platform_workers_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_platform_workers_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_workers")),
        sa.UniqueConstraint(
            "platform_id",
            "person_id",
            "from_month",
            name=op.f("uq_platform_workers_platform_id_person_id_from_month"),
        ),
    )
    with op.batch_alter_table("platform_workers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_workers_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_platform_workers_platform_id"), ["platform_id"], unique=False
        )

    op.create_table(
        "base_choices",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "enrolment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("effective_month", sa.String(length=7), nullable=False),
        sa.Column("base_fen", sa.BigInteger(), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_base_choices_enrolment_id_enrolments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_choices")),
        sa.UniqueConstraint(
            "enrolment_id",
            "effective_month",
            name=op.f("uq_base_choices_enrolment_id_effective_month"),
        ),
    )
    with op.batch_alter_table("base_choices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_base_choices_enrolment_id"), ["enrolment_id"], unique=False
        )

    op.create_table(
        "contribution_bills",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "enrolment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=6), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("base_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_fen", sa.BigInteger(), nullable=False),
        sa.Column("personal_account_fen", sa.BigInteger(), nullable=False),
        sa.Column("pooled_fund_fen", sa.BigInteger(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("platform_share_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("subsidy_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('regular', 'makeup')", name=op.f("ck_contribution_bills_kind_known")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'paid', 'arrears')", name=op.f("ck_contribution_bills_status_known")
        ),
        sa.CheckConstraint(
            "paid_fen >= 0 AND paid_fen + platform_share_fen <= due_fen",
            name=op.f("ck_contribution_bills_paid_le_due"),
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_contribution_bills_enrolment_id_enrolments"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_contribution_bills_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_contribution_bills_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution_bills")),
        sa.UniqueConstraint(
            "enrolment_id",
            "month",
            "kind",
            name=op.f("uq_contribution_bills_enrolment_id_month_kind"),
        ),
    )
    with op.batch_alter_table("contribution_bills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contribution_bills_month"), ["month"], unique=False)
        batch_op.create_index(
            "ix_contribution_bills_person_status", ["person_id", "status", "month"], unique=False
        )

    op.create_table(
        "pauses",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "enrolment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("from_month", sa.String(length=7), nullable=False),
        sa.Column("until_month", sa.String(length=7), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["enrolments.id"], name=op.f("fk_pauses_enrolment_id_enrolments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pauses")),
    )
    with op.batch_alter_table("pauses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pauses_enrolment_id"), ["enrolment_id"], unique=False)

    op.create_table(
        "subsidy_applications",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=6), nullable=False),
        sa.Column("category", sa.String(length=12), nullable=False),
        sa.Column("certificate", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("proposal", sa.String(length=10), nullable=True),
        sa.Column("proposed_by", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("first_month", sa.String(length=7), nullable=True),
        sa.Column("last_month", sa.String(length=7), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "category IN ('difficulty', 'graduate')",
            name=op.f("ck_subsidy_applications_category_known"),
        ),
        sa.CheckConstraint(
            "status IN ('submitted', 'proposed', 'approved', 'rejected')",
            name=op.f("ck_subsidy_applications_status_known"),
        ),
        sa.CheckConstraint(
            "decided_by IS NULL OR decided_by != proposed_by",
            name=op.f("ck_subsidy_applications_four_eyes"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_subsidy_applications_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdictions.code"],
            name=op.f("fk_subsidy_applications_jurisdiction_code_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_subsidy_applications_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["users.id"], name=op.f("fk_subsidy_applications_proposed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_applications")),
    )
    with op.batch_alter_table("subsidy_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subsidy_applications_jurisdiction_code"),
            ["jurisdiction_code"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_subsidy_applications_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "payment_allocations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "payment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("bill_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["contribution_bills.id"],
            name=op.f("fk_payment_allocations_bill_id_contribution_bills"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_allocations_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_allocations")),
        sa.UniqueConstraint(
            "payment_id", "bill_id", name=op.f("uq_payment_allocations_payment_id_bill_id")
        ),
    )
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_allocations_bill_id"), ["bill_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_allocations_payment_id"), ["payment_id"], unique=False
        )

    op.create_table(
        "subsidy_grants",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "application_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("bill_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["subsidy_applications.id"],
            name=op.f("fk_subsidy_grants_application_id_subsidy_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["contribution_bills.id"],
            name=op.f("fk_subsidy_grants_bill_id_contribution_bills"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_grants")),
        sa.UniqueConstraint("bill_id", name=op.f("uq_subsidy_grants_bill_id")),
    )
    with op.batch_alter_table("subsidy_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subsidy_grants_application_id"), ["application_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("subsidy_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subsidy_grants_application_id"))

    op.drop_table("subsidy_grants")
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_allocations_payment_id"))
        batch_op.drop_index(batch_op.f("ix_payment_allocations_bill_id"))

    op.drop_table("payment_allocations")
    with op.batch_alter_table("subsidy_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subsidy_applications_person_id"))
        batch_op.drop_index(batch_op.f("ix_subsidy_applications_jurisdiction_code"))

    op.drop_table("subsidy_applications")
    with op.batch_alter_table("pauses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pauses_enrolment_id"))

    op.drop_table("pauses")
    with op.batch_alter_table("contribution_bills", schema=None) as batch_op:
        batch_op.drop_index("ix_contribution_bills_person_status")
        batch_op.drop_index(batch_op.f("ix_contribution_bills_month"))

    op.drop_table("contribution_bills")
    with op.batch_alter_table("base_choices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_base_choices_enrolment_id"))

    op.drop_table("base_choices")
    with op.batch_alter_table("platform_workers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_workers_platform_id"))
        batch_op.drop_index(batch_op.f("ix_platform_workers_person_id"))

    op.drop_table("platform_workers")
    with op.batch_alter_table("platform_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_agreements_platform_id"))

    op.drop_table("platform_agreements")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_person_id"))

    op.drop_table("payments")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_enrolments_open",
            sqlite_where=sa.text("status != 'terminated'"),
            postgresql_where=sa.text("status != 'terminated'"),
        )
        batch_op.drop_index(batch_op.f("ix_enrolments_person_id"))
        batch_op.drop_index(batch_op.f("ix_enrolments_jurisdiction_code"))

    op.drop_table("enrolments")
    op.drop_table("settlement_runs")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_topic"))

    op.drop_table("outbox")
