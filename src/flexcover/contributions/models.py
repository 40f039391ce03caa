"""Contribution tables. Months are stored as ``YYYY-MM`` text, which sorts in time order."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexcover.contributions.lifecycle import EnrolmentStatus
from flexcover.kit.database import Base, UtcDateTime, one_of, utc_now

ID = BigInteger().with_variant(Integer, "sqlite")


class BillStatus(StrEnum):
    OPEN = "open"
    """Issued and payable (partly paid counts as open)."""
    PAID = "paid"
    ARREARS = "arrears"
    """Past its due date unpaid: it fell overdue when the next month was settled."""


class SettlementStatus(StrEnum):
    RUNNING = "running"
    """Planned, chunks still to settle (or being settled)."""
    DONE = "done"


class SubsidyStatus(StrEnum):
    SUBMITTED = "submitted"
    PROPOSED = "proposed"
    """One officer proposed a decision; another must confirm it (maker–checker)."""
    APPROVED = "approved"
    REJECTED = "rejected"


SCHEMES = ("employee_pension", "employee_medical")


class Enrolment(Base):
    """参保登记: one person in one scheme, as a flexible worker, where they work."""

    __tablename__ = "enrolments"
    __table_args__ = (
        CheckConstraint("scheme IN ('employee_pension', 'employee_medical')", name="scheme_known"),
        CheckConstraint(one_of("status", EnrolmentStatus), name="status_known"),
        # One open enrolment per person and scheme, nationwide.
        Index(
            "uq_enrolments_open",
            "person_id",
            "scheme",
            unique=True,
            sqlite_where=text("status != 'terminated'"),
            postgresql_where=text("status != 'terminated'"),
        ),
        # The target of the bills' foreign key, which checks enrolment and person in one look.
        UniqueConstraint("id", "person_id"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(20))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=EnrolmentStatus.ACTIVE)
    payment_frequency: Mapped[str] = mapped_column(String(12), default="monthly")
    first_month: Mapped[str] = mapped_column(String(7))
    last_month: Mapped[str | None] = mapped_column(String(7))
    termination_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class BaseChoice(Base):
    """缴费基数: the base a worker chose, from a month on (until the next choice)."""

    __tablename__ = "base_choices"
    __table_args__ = (UniqueConstraint("enrolment_id", "effective_month"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    effective_month: Mapped[str] = mapped_column(String(7))
    base_fen: Mapped[int] = mapped_column(BigInteger)
    chosen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class Pause(Base):
    """暂停缴费: months not contributed, ``from_month`` to ``until_month`` (open while null)."""

    __tablename__ = "pauses"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    from_month: Mapped[str] = mapped_column(String(7))
    until_month: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class ContributionBill(Base):
    """应缴: what one enrolment owes for one month (a regular bill or a make-up)."""

    __tablename__ = "contribution_bills"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "month", "kind"),
        CheckConstraint(one_of("status", BillStatus), name="status_known"),
        CheckConstraint("kind IN ('regular', 'makeup')", name="kind_known"),
        CheckConstraint(
            "paid_fen >= 0 AND paid_fen + platform_share_fen <= due_fen", name="paid_le_due"
        ),
        Index("ix_contribution_bills_person_status", "person_id", "status", "month"),
        # A bill's person is its enrolment's person: one check per bill (settlement writes a
        # million), where two foreign keys would make two.
        ForeignKeyConstraint(
            ["enrolment_id", "person_id"], ["enrolments.id", "enrolments.person_id"]
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    enrolment_id: Mapped[int] = mapped_column(ID)
    person_id: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str] = mapped_column(String(20))
    jurisdiction_code: Mapped[str] = mapped_column(String(6))
    month: Mapped[str] = mapped_column(String(7), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="regular")
    base_fen: Mapped[int] = mapped_column(BigInteger)
    due_fen: Mapped[int] = mapped_column(BigInteger)
    personal_account_fen: Mapped[int] = mapped_column(BigInteger)
    pooled_fund_fen: Mapped[int] = mapped_column(BigInteger)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"))
    platform_share_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    subsidy_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Priced on last year's limits carried forward (暂按上年度标准): re-priced, and the
    difference billed or refunded, once the year's figures are loaded (多退少补)."""
    allocated_personal_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    allocated_pooled_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """What the allocation entries have already moved to the accounts (a re-priced paid bill
    moves only the difference)."""
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """How many times the bill was re-priced (its adjustments are numbered 1, 2, …)."""

    @property
    def allocated_fen(self) -> int:
        return self.allocated_personal_fen + self.allocated_pooled_fen

    @property
    def worker_due_fen(self) -> int:
        """What the worker pays: the bill less the platform's share."""
        return self.due_fen - self.platform_share_fen

    @property
    def outstanding_fen(self) -> int:
        return self.worker_due_fen - self.paid_fen


class BillAdjustment(Base):
    """补差: a bill re-priced when the figures it was provisionally priced on are published; its
    ledger entry moves only the difference (the worker owes more, or is refunded)."""

    __tablename__ = "bill_adjustments"
    __table_args__ = (UniqueConstraint("bill_id", "revision"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("contribution_bills.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    old_base_fen: Mapped[int] = mapped_column(BigInteger)
    new_base_fen: Mapped[int] = mapped_column(BigInteger)
    old_due_fen: Mapped[int] = mapped_column(BigInteger)
    new_due_fen: Mapped[int] = mapped_column(BigInteger)
    old_platform_share_fen: Mapped[int] = mapped_column(BigInteger)
    new_platform_share_fen: Mapped[int] = mapped_column(BigInteger)
    refund_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class Payment(Base):
    """实缴: money a worker paid, settled against their bills oldest first."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("person_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class PaymentAllocation(Base):
    """How much of a payment settled which bill."""

    __tablename__ = "payment_allocations"
    __table_args__ = (UniqueConstraint("payment_id", "bill_id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("contribution_bills.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class PlatformAgreement(Base):
    """平台共担协议: a platform pays part of its workers' pension bills — a share in basis points
    or a fixed amount a month — from ``from_month`` (to ``until_month``)."""

    __tablename__ = "platform_agreements"
    __table_args__ = (
        CheckConstraint(
            "(share_bp IS NOT NULL AND fixed_fen IS NULL AND share_bp BETWEEN 1 AND 10000) OR "
            "(share_bp IS NULL AND fixed_fen IS NOT NULL AND fixed_fen > 0)",
            name="one_rule",
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    share_bp: Mapped[int | None] = mapped_column(Integer)
    fixed_fen: Mapped[int | None] = mapped_column(BigInteger)
    from_month: Mapped[str] = mapped_column(String(7))
    until_month: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class PlatformPayment(Base):
    """平台缴款: money a platform paid towards what its co-contribution agreements owe."""

    __tablename__ = "platform_payments"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class SettlementRun(Base):
    """月结: one month's settlement; done when every chunk of its plan is settled."""

    __tablename__ = "settlement_runs"
    __table_args__ = (CheckConstraint(one_of("status", SettlementStatus), name="status_known"),)

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    bills: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(12), default=SettlementStatus.RUNNING)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SettlementChunk(Base):
    """月结分片: a range of enrolment ids that one transaction settles; marked settled in that same
    transaction, so a run killed anywhere resumes with the chunks that are not."""

    __tablename__ = "settlement_chunks"

    month: Mapped[str] = mapped_column(
        String(7), ForeignKey("settlement_runs.month"), primary_key=True
    )
    first_enrolment_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    last_enrolment_id: Mapped[int] = mapped_column(BigInteger)
    enrolments: Mapped[int] = mapped_column(Integer)
    bills: Mapped[int] = mapped_column(BigInteger, default=0)
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SubsidyApplication(Base):
    """灵活就业社保补贴申请: a certified employment-difficulty person or recent graduate asks; one
    district officer proposes a decision and another confirms it (maker–checker)."""

    __tablename__ = "subsidy_applications"
    __table_args__ = (
        CheckConstraint("category IN ('difficulty', 'graduate')", name="category_known"),
        CheckConstraint(one_of("status", SubsidyStatus), name="status_known"),
        CheckConstraint("decided_by IS NULL OR decided_by != proposed_by", name="four_eyes"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    category: Mapped[str] = mapped_column(String(12))
    certificate: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default=SubsidyStatus.SUBMITTED)
    proposal: Mapped[str | None] = mapped_column(String(10))
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(300))
    first_month: Mapped[str | None] = mapped_column(String(7))
    last_month: Mapped[str | None] = mapped_column(String(7))
    applied_month: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SubsidyGrant(Base):
    """补贴发放: the subsidy paid for one paid bill (never for a make-up)."""

    __tablename__ = "subsidy_grants"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("subsidy_applications.id"), index=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("contribution_bills.id"), unique=True)
    month: Mapped[str] = mapped_column(String(7))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
