"""occupational injury

职业伤害保障: the platforms' injury profiles and served places, their orders (partitioned by month
on PostgreSQL; the partitions are made by ``flexcover injury partitions`` and on demand), the
monthly platform bills, and the claims with their steps, attachments and benefits. The ledger
gains the premium and fund accounts, and logins the commissioned insurer's role.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:31:59
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from flexcover.kit.database import UtcDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = (
    "'receivable', 'collection_clearing', 'contributions_billed', 'personal_pension', "
    "'personal_medical', 'pooled_pension', 'pooled_medical', 'subsidy_budget', "
    "'subsidy_payable', 'refund_payable', 'platform_payable'"
)
KINDS_AFTER = KINDS_BEFORE + (
    ", 'injury_premium_receivable', 'injury_premium_billed', 'injury_fund', "
    "'injury_benefit_payable'"
)
ROLES_BEFORE = (
    "'worker', 'platform', 'district_officer', 'city_officer', 'province_officer', "
    "'auditor', 'admin'"
)
ROLES_AFTER = ROLES_BEFORE + ", 'insurer'"


def _checks(kinds: str, roles: str) -> None:
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_ledger_accounts_kind_known"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_ledger_accounts_kind_known"), f"kind IN ({kinds})"
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_role_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_users_role_known"), f"role IN ({roles})")


def upgrade() -> None:
    _checks(KINDS_AFTER, ROLES_AFTER)
    op.create_table(
        "injury_bills",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=6), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("base_fen", sa.BigInteger(), nullable=False),
        sa.Column("adjustment", sa.String(length=12), nullable=False),
        sa.Column("due_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("issued_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("reissued_at", UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'paid', 'arrears')", name=op.f("ck_injury_bills_status_known")
        ),
        sa.CheckConstraint(
            "paid_fen >= 0 AND due_fen >= 0", name=op.f("ck_injury_bills_amounts_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdictions.code"],
            name=op.f("fk_injury_bills_jurisdiction_code_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_injury_bills_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_injury_bills")),
        sa.UniqueConstraint(
            "platform_id",
            "jurisdiction_code",
            "month",
            name=op.f("uq_injury_bills_platform_id_jurisdiction_code_month"),
        ),
    )
    with op.batch_alter_table("injury_bills", schema=None) as batch_op:
        batch_op.create_index("ix_injury_bills_month_status", ["month", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_injury_bills_platform_id"), ["platform_id"], unique=False
        )

    op.create_table(
        "injury_claims",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=6), nullable=False),
        sa.Column("accident_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("order_ref", sa.String(length=64), nullable=True),
        sa.Column("reporter_kind", sa.String(length=10), nullable=False),
        sa.Column("reported_by", sa.String(length=100), nullable=False),
        sa.Column("reported_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("report_deadline", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column(
            "duplicate_of", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("responsibility", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=15), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("died", sa.Boolean(), nullable=False),
        sa.Column("bank_account_masked", sa.String(length=40), nullable=True),
        sa.Column("total_fen", sa.BigInteger(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("computed_by", sa.String(length=100), nullable=True),
        sa.Column("proposal", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "reporter_kind IN ('platform', 'worker', 'relative', 'union', 'officer')",
            name=op.f("ck_injury_claims_reporter_known"),
        ),
        sa.CheckConstraint(
            "status IN ('reported', 'returned', 'accepted', 'investigating', 'confirmed', 'not_confirmed', 'assessed', 'computed', 'approved', 'paid', 'closed', 'appealed')",
            name=op.f("ck_injury_claims_status_known"),
        ),
        sa.CheckConstraint(
            "grade IS NULL OR (grade BETWEEN 1 AND 10)", name=op.f("ck_injury_claims_grade_known")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["injury_claims.id"],
            name=op.f("fk_injury_claims_duplicate_of_injury_claims"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdictions.code"],
            name=op.f("fk_injury_claims_jurisdiction_code_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_injury_claims_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_injury_claims_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_injury_claims")),
    )
    with op.batch_alter_table("injury_claims", schema=None) as batch_op:
        batch_op.create_index("ix_injury_claims_person", ["person_id", "accident_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_injury_claims_platform_id"), ["platform_id"], unique=False
        )
        batch_op.create_index(
            "ix_injury_claims_region_status", ["jurisdiction_code", "status"], unique=False
        )

    op.create_table(
        "injury_orders",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("order_ref", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=6), nullable=False),
        sa.Column("industry", sa.String(length=30), nullable=False),
        sa.Column("accepted_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("end_kind", sa.String(length=10), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("premium_fen", sa.Integer(), nullable=False),
        sa.Column("received_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "end_kind IN ('completed', 'cancelled')", name=op.f("ck_injury_orders_end_known")
        ),
        sa.CheckConstraint(
            "ended_at >= accepted_at", name=op.f("ck_injury_orders_ends_after_start")
        ),
        sa.CheckConstraint("premium_fen >= 0", name=op.f("ck_injury_orders_premium_not_negative")),
        sa.PrimaryKeyConstraint("platform_id", "order_ref", "month", name=op.f("pk_injury_orders")),
        postgresql_partition_by="RANGE (month)",
    )
    with op.batch_alter_table("injury_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_injury_orders_bill", ["platform_id", "jurisdiction_code", "month"], unique=False
        )
        batch_op.create_index(
            "ix_injury_orders_person_accepted", ["person_id", "accepted_at"], unique=False
        )

    op.create_table(
        "injury_profiles",
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(length=30), nullable=False),
        sa.Column("float_steps", sa.Integer(), nullable=False),
        sa.Column("onboarded_by", sa.String(length=100), nullable=False),
        sa.Column("onboarded_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("changed_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "industry IN ('mobility', 'instant_delivery', 'instant_delivery_errand', 'freight', 'food_delivery')",
            name=op.f("ck_injury_profiles_industry_known"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_injury_profiles_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("platform_id", name=op.f("pk_injury_profiles")),
    )
    op.create_table(
        "injury_benefits",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item", sa.String(length=30), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("explain", sa.JSON(), nullable=False),
        sa.Column("paid_entry", sa.String(length=120), nullable=True),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_injury_benefits_amount_positive")),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["injury_claims.id"],
            name=op.f("fk_injury_benefits_claim_id_injury_claims"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_injury_benefits")),
        sa.UniqueConstraint(
            "claim_id",
            "item",
            "month",
            "sequence",
            name=op.f("uq_injury_benefits_claim_id_item_month_sequence"),
        ),
    )
    with op.batch_alter_table("injury_benefits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_injury_benefits_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "injury_bill_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("bill_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("due_fen", sa.BigInteger(), nullable=False),
        sa.Column("difference_fen", sa.BigInteger(), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["injury_bills.id"],
            name=op.f("fk_injury_bill_changes_bill_id_injury_bills"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_injury_bill_changes")),
        sa.UniqueConstraint(
            "bill_id", "revision", name=op.f("uq_injury_bill_changes_bill_id_revision")
        ),
    )
    op.create_table(
        "injury_claim_attachments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("added_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["injury_claims.id"],
            name=op.f("fk_injury_claim_attachments_claim_id_injury_claims"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_injury_claim_attachments")),
    )
    with op.batch_alter_table("injury_claim_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_injury_claim_attachments_claim_id"), ["claim_id"], unique=False
        )

    op.create_table(
        "injury_claim_steps",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=15), nullable=True),
        sa.Column("to_status", sa.String(length=15), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["injury_claims.id"],
            name=op.f("fk_injury_claim_steps_claim_id_injury_claims"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_injury_claim_steps")),
    )
    with op.batch_alter_table("injury_claim_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_injury_claim_steps_claim_id"), ["claim_id"], unique=False
        )

    op.create_table(
        "injury_served_areas",
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdictions.code"],
            name=op.f("fk_injury_served_areas_jurisdiction_code_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["injury_profiles.platform_id"],
            name=op.f("fk_injury_served_areas_platform_id_injury_profiles"),
        ),
        sa.PrimaryKeyConstraint(
            "platform_id", "jurisdiction_code", name=op.f("pk_injury_served_areas")
        ),
    )
    with op.batch_alter_table("injury_served_areas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_injury_served_areas_jurisdiction_code"),
            ["jurisdiction_code"],
            unique=False,
        )


def downgrade() -> None:
    op.execute(
        "DELETE FROM api_tokens WHERE user_id IN (SELECT id FROM users WHERE role = 'insurer')"
    )
    op.execute(
        "DELETE FROM login_sessions WHERE user_id IN (SELECT id FROM users WHERE role = 'insurer')"
    )
    op.execute("DELETE FROM users WHERE role = 'insurer'")
    with op.batch_alter_table("injury_served_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_injury_served_areas_jurisdiction_code"))

    op.drop_table("injury_served_areas")
    with op.batch_alter_table("injury_claim_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_injury_claim_steps_claim_id"))

    op.drop_table("injury_claim_steps")
    with op.batch_alter_table("injury_claim_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_injury_claim_attachments_claim_id"))

    op.drop_table("injury_claim_attachments")
    op.drop_table("injury_bill_changes")
    with op.batch_alter_table("injury_benefits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_injury_benefits_claim_id"))

    op.drop_table("injury_benefits")
    op.drop_table("injury_profiles")
    with op.batch_alter_table("injury_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_injury_orders_person_accepted")
        batch_op.drop_index("ix_injury_orders_bill")

    op.drop_table("injury_orders")
    with op.batch_alter_table("injury_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_injury_claims_region_status")
        batch_op.drop_index(batch_op.f("ix_injury_claims_platform_id"))
        batch_op.drop_index("ix_injury_claims_person")

    op.drop_table("injury_claims")
    with op.batch_alter_table("injury_bills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_injury_bills_platform_id"))
        batch_op.drop_index("ix_injury_bills_month_status")

    op.drop_table("injury_bills")
    _checks(KINDS_BEFORE, ROLES_BEFORE)
