"""The tables of occupational-injury protection (职业伤害保障): the platforms' injury profiles and
the places they serve, their orders (partitioned by month on PostgreSQL), the monthly platform
bills, and the claims with their steps, attachments and benefits.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexcover.kit.database import Base, UtcDateTime, one_of, utc_now
from flexcover.rules.injury import INDUSTRIES

ID = BigInteger().with_variant(Integer, "sqlite")


class OrderEnd(StrEnum):
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class InjuryBillStatus(StrEnum):
    OPEN = "open"
    """Issued, not yet paid in full."""
    PAID = "paid"
    ARREARS = "arrears"
    """Past its due date with something still owed (欠费)."""


class ClaimStatus(StrEnum):
    REPORTED = "reported"
    RETURNED = "returned"
    """Returned to the reporter for more information (补正材料)."""
    ACCEPTED = "accepted"
    INVESTIGATING = "investigating"
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"
    ASSESSED = "assessed"
    """Work capacity assessed (劳动能力鉴定): a grade 1–10, or none."""
    COMPUTED = "computed"
    APPROVED = "approved"
    PAID = "paid"
    CLOSED = "closed"
    APPEALED = "appealed"


class InjuryProfile(Base):
    """职业伤害保障参保: a platform onboarded by a province: its industry and floating
    coefficient. The places it operates in are :class:`ServedArea` rows."""

    __tablename__ = "injury_profiles"
    __table_args__ = (CheckConstraint(one_of("industry", INDUSTRIES), name="industry_known"),)

    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), primary_key=True)
    industry: Mapped[str] = mapped_column(String(30))
    float_steps: Mapped[int] = mapped_column(Integer, default=0)
    """Steps of ``injury.premium_float_step`` the premium is moved by (negative: down)."""
    onboarded_by: Mapped[str] = mapped_column(String(100))
    onboarded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class ServedArea(Base):
    """A jurisdiction a platform takes orders in (its orders elsewhere are refused)."""

    __tablename__ = "injury_served_areas"
    __table_args__ = (PrimaryKeyConstraint("platform_id", "jurisdiction_code"),)

    platform_id: Mapped[int] = mapped_column(ForeignKey("injury_profiles.platform_id"))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)


class Order(Base):
    """一单: one order a worker took through a platform, with the premium it carries (in fen,
    before the platform's floating coefficient, which the month's bill applies once).

    On PostgreSQL the table is partitioned by ``month`` (declarative, one partition a month,
    created ahead by ``flexcover injury partitions``). A unique key there must hold the
    partition key, so the business key (platform, order id) is kept forever by the ingestion,
    which checks every month under the platform's lock before it inserts: the primary key holds
    the month only because PostgreSQL requires it.

    Orders carry no foreign keys (two checks an order would double the cost of taking a batch):
    the platform is the authorised one of the request, the person the one its roster names in
    the same transaction, and flexcover never deletes people or platforms."""

    __tablename__ = "injury_orders"
    __table_args__ = (
        PrimaryKeyConstraint("platform_id", "order_ref", "month"),
        CheckConstraint(one_of("end_kind", OrderEnd), name="end_known"),
        CheckConstraint("ended_at >= accepted_at", name="ends_after_start"),
        CheckConstraint("premium_fen >= 0", name="premium_not_negative"),
        Index("ix_injury_orders_person_accepted", "person_id", "accepted_at"),
        Index("ix_injury_orders_bill", "platform_id", "jurisdiction_code", "month"),
        {"postgresql_partition_by": "RANGE (month)"},
    )

    month: Mapped[str] = mapped_column(String(7))
    """The month of acceptance, China time: the order's bill and partition."""
    platform_id: Mapped[int] = mapped_column(Integer)
    order_ref: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(Integer)
    jurisdiction_code: Mapped[str] = mapped_column(String(6))
    industry: Mapped[str] = mapped_column(String(30))
    accepted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_kind: Mapped[str] = mapped_column(String(10))
    distance_m: Mapped[int | None] = mapped_column(Integer)
    premium_fen: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class InjuryBill(Base):
    """按月缴费: what a platform owes for a month's orders in one jurisdiction. Issued again when
    late orders arrive, it changes in place (``revision``): the ledger gets the difference, never
    a second charge."""

    __tablename__ = "injury_bills"
    __table_args__ = (
        UniqueConstraint("platform_id", "jurisdiction_code", "month"),
        CheckConstraint(one_of("status", InjuryBillStatus), name="status_known"),
        CheckConstraint("paid_fen >= 0 AND due_fen >= 0", name="amounts_not_negative"),
        Index("ix_injury_bills_month_status", "month", "status"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    month: Mapped[str] = mapped_column(String(7))
    orders: Mapped[int] = mapped_column(Integer)
    base_fen: Mapped[int] = mapped_column(BigInteger)
    """The month's per-order premiums, before the floating coefficient."""
    adjustment: Mapped[str] = mapped_column(String(12))
    """The floating coefficient applied (``"0.10"``: 10 % up), as an exact decimal."""
    due_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=InjuryBillStatus.OPEN)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    reissued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class InjuryBillChange(Base):
    """One issue of a bill: what it said, and by how much it moved the amount due."""

    __tablename__ = "injury_bill_changes"
    __table_args__ = (UniqueConstraint("bill_id", "revision"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("injury_bills.id"))
    revision: Mapped[int] = mapped_column(Integer)
    orders: Mapped[int] = mapped_column(Integer)
    due_fen: Mapped[int] = mapped_column(BigInteger)
    difference_fen: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class Claim(Base):
    """职业伤害申报: one accident reported for one worker, from report to payment."""

    __tablename__ = "injury_claims"
    __table_args__ = (
        CheckConstraint(one_of("status", ClaimStatus), name="status_known"),
        CheckConstraint(
            "reporter_kind IN ('platform', 'worker', 'relative', 'union', 'officer')",
            name="reporter_known",
        ),
        CheckConstraint("grade IS NULL OR (grade BETWEEN 1 AND 10)", name="grade_known"),
        Index("ix_injury_claims_region_status", "jurisdiction_code", "status"),
        Index("ix_injury_claims_person", "person_id", "accident_at"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    """Where the accident happened: the region whose officers handle the claim."""
    accident_at: Mapped[datetime] = mapped_column(UtcDateTime)
    place: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000))
    order_ref: Mapped[str | None] = mapped_column(String(64))
    """The order the reporter names, if any."""
    reporter_kind: Mapped[str] = mapped_column(String(10))
    reported_by: Mapped[str] = mapped_column(String(100))
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    report_deadline: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("injury_claims.id"))
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"), index=True)
    """The responsible platform: the one whose order was running (or as overridden)."""
    responsibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """How the responsible platform was found: the rule, the running orders, any override."""
    status: Mapped[str] = mapped_column(String(15), default=ClaimStatus.REPORTED)
    due_on: Mapped[date | None] = mapped_column(Date)
    """When the current step is due (受理 15 days, 认定 60 days, …); None when nothing is."""
    grade: Mapped[int | None] = mapped_column(Integer)
    died: Mapped[bool] = mapped_column(Boolean, default=False)
    bank_account_masked: Mapped[str | None] = mapped_column(String(40))
    total_fen: Mapped[int | None] = mapped_column(BigInteger)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    computed_by: Mapped[str | None] = mapped_column(String(100))
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """A commissioned insurer's proposal (confirm or not, with the reason): advice, not a
    decision."""


class ClaimStep(Base):
    """One change of a claim: who, in which role, from which state to which, and why."""

    __tablename__ = "injury_claim_steps"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("injury_claims.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(15))
    to_status: Mapped[str] = mapped_column(String(15))
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class ClaimAttachment(Base):
    """A file sent with a claim (a photo, a hospital record): kept with its checked type, size
    and hash; served only as a download, never inline."""

    __tablename__ = "injury_claim_attachments"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("injury_claims.id"), index=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class Benefit(Base):
    """One benefit of a claim: a one-off amount, or one month of a monthly one (a schedule).
    ``paid_entry`` names the ledger entry that paid it."""

    __tablename__ = "injury_benefits"
    __table_args__ = (
        UniqueConstraint("claim_id", "item", "month", "sequence"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("injury_claims.id"), index=True)
    item: Mapped[str] = mapped_column(String(30))
    month: Mapped[str] = mapped_column(String(7))
    """The month it is due in (the month of approval for one-off items)."""
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    """Tells apart two items of one kind in one month (two medical bills, two dependants)."""
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    label: Mapped[str] = mapped_column(String(120))
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    explain: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    paid_entry: Mapped[str | None] = mapped_column(String(120))
