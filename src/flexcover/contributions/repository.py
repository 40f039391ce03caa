"""Every contributions query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from flexcover.contributions.models import (
    BaseChoice,
    BillStatus,
    ContributionBill,
    Enrolment,
    Pause,
    Payment,
    PaymentAllocation,
    PlatformAgreement,
    PlatformPayment,
    SettlementChunk,
    SettlementRun,
    SettlementStatus,
    SubsidyApplication,
    SubsidyGrant,
    SubsidyStatus,
)
from flexcover.kit.pagination import Page, PageRequest
from flexcover.registry.authz import within
from flexcover.registry.models import Person, PlatformWorker


def get_enrolment(session: Session, enrolment_id: int, *, lock: bool = False) -> Enrolment | None:
    query = select(Enrolment).where(Enrolment.id == enrolment_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def open_enrolment(session: Session, person_id: int, scheme: str) -> Enrolment | None:
    return session.scalars(
        select(Enrolment).where(
            Enrolment.person_id == person_id,
            Enrolment.scheme == scheme,
            Enrolment.status != "terminated",
        )
    ).one_or_none()


def enrolments_of(session: Session, person_id: int) -> Sequence[Enrolment]:
    return session.scalars(
        select(Enrolment).where(Enrolment.person_id == person_id).order_by(Enrolment.id)
    ).all()


def base_choices(session: Session, enrolment_id: int) -> Sequence[BaseChoice]:
    return session.scalars(
        select(BaseChoice)
        .where(BaseChoice.enrolment_id == enrolment_id)
        .order_by(BaseChoice.effective_month)
    ).all()


def choices_at(
    session: Session, keys: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], BaseChoice]:
    """The base choices made for exactly these (enrolment, month) pairs."""
    if not keys:
        return {}
    ids = sorted({enrolment_id for enrolment_id, _ in keys})
    months = sorted({month for _, month in keys})
    wanted = set(keys)
    found = session.scalars(
        select(BaseChoice).where(
            BaseChoice.enrolment_id.between(ids[0], ids[-1]),
            BaseChoice.effective_month.in_(months),
        )
    )
    return {
        (c.enrolment_id, c.effective_month): c
        for c in found
        if (c.enrolment_id, c.effective_month) in wanted
    }


def pauses(session: Session, enrolment_id: int) -> Sequence[Pause]:
    return session.scalars(
        select(Pause).where(Pause.enrolment_id == enrolment_id).order_by(Pause.from_month)
    ).all()


def bill(
    session: Session, enrolment_id: int, month: str, kind: str = "regular"
) -> ContributionBill | None:
    return session.scalars(
        select(ContributionBill).where(
            ContributionBill.enrolment_id == enrolment_id,
            ContributionBill.month == month,
            ContributionBill.kind == kind,
        )
    ).one_or_none()


def bills_of(session: Session, person_id: int) -> Sequence[ContributionBill]:
    return session.scalars(
        select(ContributionBill)
        .where(ContributionBill.person_id == person_id)
        .order_by(ContributionBill.month, ContributionBill.scheme, ContributionBill.kind)
    ).all()


def payment_by_key(session: Session, person_id: int, key: str) -> Payment | None:
    return session.scalars(
        select(Payment).where(Payment.person_id == person_id, Payment.idempotency_key == key)
    ).one_or_none()


def allocations_of(
    session: Session, payment_id: int
) -> list[tuple[PaymentAllocation, ContributionBill]]:
    """What a payment settled, oldest bill first."""
    rows = session.execute(
        select(PaymentAllocation, ContributionBill)
        .join(ContributionBill, ContributionBill.id == PaymentAllocation.bill_id)
        .where(PaymentAllocation.payment_id == payment_id)
        .order_by(ContributionBill.month, ContributionBill.kind, ContributionBill.id)
    ).all()
    return [(allocation, bill) for allocation, bill in rows]


def ungranted_paid_bills(
    session: Session, person_ids: Sequence[int], up_to: str
) -> Sequence[ContributionBill]:
    granted = select(SubsidyGrant.bill_id)
    return session.scalars(
        select(ContributionBill)
        .where(
            ContributionBill.person_id.in_(person_ids),
            ContributionBill.status == BillStatus.PAID,
            ContributionBill.kind == "regular",
            ContributionBill.month <= up_to,
            ContributionBill.id.not_in(granted),
        )
        .order_by(ContributionBill.month)
    ).all()


def applications_of(session: Session, person_id: int) -> Sequence[SubsidyApplication]:
    return session.scalars(
        select(SubsidyApplication)
        .where(SubsidyApplication.person_id == person_id)
        .order_by(SubsidyApplication.id)
    ).all()


def applications_to_review(session: Session, region: str) -> Sequence[SubsidyApplication]:
    return session.scalars(
        select(SubsidyApplication)
        .where(
            within(SubsidyApplication.jurisdiction_code, region),
            SubsidyApplication.status.in_((SubsidyStatus.SUBMITTED, SubsidyStatus.PROPOSED)),
        )
        .order_by(SubsidyApplication.created_at)
    ).all()


def unpaid_bills_of(session: Session, person_ids: Sequence[int]) -> Sequence[ContributionBill]:
    """Open and overdue bills of many people, oldest first per person, locked."""
    found: list[ContributionBill] = []
    for start in range(0, len(person_ids), 5000):
        found.extend(
            session.scalars(
                select(ContributionBill)
                .where(
                    ContributionBill.person_id.in_(person_ids[start : start + 5000]),
                    ContributionBill.status != BillStatus.PAID,
                )
                .order_by(
                    ContributionBill.person_id,
                    ContributionBill.month,
                    ContributionBill.kind,
                    ContributionBill.id,
                )
                .with_for_update()
            )
        )
    return found


# --- funds of a region (the cockpit) -----------------------------------------------------------


def first_enrolled_month(session: Session) -> str | None:
    """The earliest first month of any enrolment."""
    return session.scalar(select(func.min(Enrolment.first_month)))


def settled_months(session: Session) -> set[str]:
    """The months whose settlement is done."""
    return set(
        session.scalars(
            select(SettlementRun.month).where(SettlementRun.status == SettlementStatus.DONE)
        )
    )


def latest_settled_month(session: Session) -> str | None:
    """The newest month whose settlement is done."""
    return session.scalar(
        select(func.max(SettlementRun.month)).where(SettlementRun.status == SettlementStatus.DONE)
    )


class DistrictFunds(NamedTuple):
    """One district's money for a month, in fen: collected on its paid bills, subsidies granted
    on them, and what is still owed on overdue bills of that month or before."""

    district: str
    collected_fen: int
    subsidy_fen: int
    arrears_fen: int


def funds_by_district(session: Session, region: str, month: str) -> list[DistrictFunds]:
    """Sums over the bills of the districts inside ``region``."""
    bill = ContributionBill
    this_month = bill.month == month
    overdue = and_(bill.status == BillStatus.ARREARS, bill.month <= month)
    owed = bill.due_fen - bill.platform_share_fen - bill.paid_fen
    rows = session.execute(
        select(
            bill.jurisdiction_code,
            func.sum(
                case((and_(this_month, bill.status == BillStatus.PAID), bill.paid_fen), else_=0)
            ),
            func.sum(case((this_month, bill.subsidy_fen), else_=0)),
            func.sum(case((overdue, owed), else_=0)),
        )
        .where(within(bill.jurisdiction_code, region), or_(this_month, overdue))
        .group_by(bill.jurisdiction_code)
        .order_by(bill.jurisdiction_code)
    ).all()
    # PostgreSQL sums bigints as numeric: back to integer fen.
    return [DistrictFunds(code, int(a or 0), int(b or 0), int(c or 0)) for code, a, b, c in rows]


class BillRow(NamedTuple):
    bill: ContributionBill
    name: str
    id_masked: str


def bills_in_region(
    session: Session,
    region: str,
    *,
    district: str | None,
    month: str | None,
    through: str | None,
    status: str | None,
    subsidised: bool,
    page: PageRequest,
) -> Page[BillRow]:
    """Bills of a region with their person's name and masked ID, newest month first."""
    query = (
        select(ContributionBill, Person.name, Person.id_masked)
        .join(Person, Person.id == ContributionBill.person_id)
        .where(within(ContributionBill.jurisdiction_code, region))
    )
    if district:
        query = query.where(ContributionBill.jurisdiction_code == district)
    if month:
        query = query.where(ContributionBill.month == month)
    if through:
        query = query.where(ContributionBill.month <= through)
    if status:
        query = query.where(ContributionBill.status == status)
    if subsidised:
        query = query.where(ContributionBill.subsidy_fen > 0)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(
            ContributionBill.month.desc(), ContributionBill.jurisdiction_code, ContributionBill.id
        )
        .offset(page.offset)
        .limit(page.size)
    ).all()
    return Page([BillRow(*row) for row in rows], total, page.page, page.size)


# --- settlement: the plan of chunks ------------------------------------------------------------


def plan_chunks(session: Session, month: str, size: int) -> int:
    """Add chunks of at most ``size`` enrolments (that began by ``month``) to the month's plan,
    covering the ids beyond its last chunk; returns how many were added. Consecutive chunks
    meet, so every id up to the last planned one lies in exactly one chunk."""
    planned_through = session.scalar(
        select(func.max(SettlementChunk.last_enrolment_id)).where(SettlementChunk.month == month)
    )
    after = planned_through or 0
    number = (func.row_number().over(order_by=Enrolment.id) - 1) // size
    ranked = (
        select(Enrolment.id, number.label("number"))
        .where(Enrolment.id > after, Enrolment.first_month <= month)
        .subquery()
    )
    groups = session.execute(
        select(func.min(ranked.c.id), func.max(ranked.c.id), func.count())
        .group_by(ranked.c.number)
        .order_by(ranked.c.number)
    ).all()
    for index, (first, last, count) in enumerate(groups):
        # Each chunk runs on to just before the next, so ids in between have a chunk too.
        through = groups[index + 1][0] - 1 if index + 1 < len(groups) else last
        session.add(
            SettlementChunk(
                month=month,
                first_enrolment_id=after + 1 if index == 0 else first,
                last_enrolment_id=through,
                enrolments=count,
            )
        )
    session.flush()
    return len(groups)


def claim_chunk(session: Session, month: str) -> SettlementChunk | None:
    """The first chunk of the month not yet settled nor being settled by another worker,
    locked until the caller's transaction ends."""
    return session.scalars(
        select(SettlementChunk)
        .where(SettlementChunk.month == month, SettlementChunk.settled_at.is_(None))
        .order_by(SettlementChunk.first_enrolment_id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def chunk_progress(session: Session, month: str) -> tuple[int, int, int, int]:
    """(enrolments in settled chunks, enrolments planned, bills so far, chunks not settled)."""
    settled = SettlementChunk.settled_at.is_not(None)
    row = session.execute(
        select(
            func.coalesce(func.sum(case((settled, SettlementChunk.enrolments), else_=0)), 0),
            func.coalesce(func.sum(SettlementChunk.enrolments), 0),
            func.coalesce(func.sum(SettlementChunk.bills), 0),
            func.count().filter(~settled),
        ).where(SettlementChunk.month == month)
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


# --- settlement: everything by enrolment-id range ----------------------------------------------


class BillableEnrolment(NamedTuple):
    id: int
    person_id: int
    scheme: str
    jurisdiction_code: str
    payment_frequency: str


def billable_enrolments(
    session: Session, low: int, high: int, month: str
) -> list[BillableEnrolment]:
    """Enrolments in the id range that owe ``month``: started, not ended before it, not paused
    in it, and not billed for it yet."""
    paused = select(Pause.enrolment_id).where(
        Pause.enrolment_id.between(low, high),
        Pause.from_month <= month,
        (Pause.until_month.is_(None)) | (Pause.until_month >= month),
    )
    billed = select(ContributionBill.enrolment_id).where(
        ContributionBill.enrolment_id.between(low, high),
        ContributionBill.month == month,
        ContributionBill.kind == "regular",
    )
    rows = session.execute(
        select(
            Enrolment.id,
            Enrolment.person_id,
            Enrolment.scheme,
            Enrolment.jurisdiction_code,
            Enrolment.payment_frequency,
        )
        .where(
            Enrolment.id.between(low, high),
            Enrolment.first_month <= month,
            (Enrolment.status != "terminated") | (Enrolment.last_month >= month),
            Enrolment.id.not_in(paused),
            Enrolment.id.not_in(billed),
        )
        .order_by(Enrolment.id)
    )
    return [BillableEnrolment(*row) for row in rows]


def bases_in_range(session: Session, low: int, high: int, month: str) -> dict[int, int]:
    """The base in force in ``month`` for each enrolment in the range (the latest choice)."""
    rows = session.execute(
        select(BaseChoice.enrolment_id, BaseChoice.base_fen)
        .where(BaseChoice.enrolment_id.between(low, high), BaseChoice.effective_month <= month)
        .order_by(BaseChoice.enrolment_id, BaseChoice.effective_month)
    )
    return {enrolment_id: base for enrolment_id, base in rows}


def agreements_in_range(
    session: Session, low: int, high: int, month: str
) -> dict[int, tuple[int, PlatformAgreement]]:
    """For people enrolled in the range who are on a platform's roster with an agreement in
    force: (platform id, agreement)."""
    rows = session.execute(
        select(PlatformWorker.person_id, PlatformWorker.platform_id, PlatformAgreement)
        .join(PlatformAgreement, PlatformAgreement.platform_id == PlatformWorker.platform_id)
        .join(Enrolment, Enrolment.person_id == PlatformWorker.person_id)
        .where(
            Enrolment.id.between(low, high),
            PlatformWorker.from_month <= month,
            (PlatformWorker.until_month.is_(None)) | (PlatformWorker.until_month >= month),
            PlatformAgreement.from_month <= month,
            (PlatformAgreement.until_month.is_(None)) | (PlatformAgreement.until_month >= month),
        )
        .order_by(PlatformWorker.person_id, PlatformAgreement.id)
    ).all()
    found: dict[int, tuple[int, PlatformAgreement]] = {}
    for person_id, platform_id, agreement in rows:
        found.setdefault(person_id, (platform_id, agreement))
    return found


def newly_overdue(
    session: Session, low: int, high: int, before: str
) -> list[tuple[int, int, str, str, str, int]]:
    """Open bills of the range from before ``before``: (enrolment, person, month, kind, scheme,
    outstanding)."""
    rows = session.execute(
        select(
            ContributionBill.enrolment_id,
            ContributionBill.person_id,
            ContributionBill.month,
            ContributionBill.kind,
            ContributionBill.scheme,
            ContributionBill.due_fen
            - ContributionBill.platform_share_fen
            - ContributionBill.paid_fen,
        ).where(
            ContributionBill.enrolment_id.between(low, high),
            ContributionBill.status == "open",
            ContributionBill.month < before,
        )
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def mark_arrears_in_range(session: Session, low: int, high: int, before: str) -> None:
    session.execute(
        update(ContributionBill)
        .where(
            ContributionBill.enrolment_id.between(low, high),
            ContributionBill.status == "open",
            ContributionBill.month < before,
        )
        .values(status=BillStatus.ARREARS)
        .execution_options(synchronize_session=False)
    )


def approved_applications_in_range(
    session: Session, low: int, high: int, month: str
) -> dict[int, SubsidyApplication]:
    """Approved applications of people enrolled in the range that began by ``month`` (a month
    paid late is still granted if it lies within the approved months)."""
    rows = session.scalars(
        select(SubsidyApplication)
        .join(Enrolment, Enrolment.person_id == SubsidyApplication.person_id)
        .where(
            Enrolment.id.between(low, high),
            SubsidyApplication.status == "approved",
            SubsidyApplication.first_month <= month,
        )
    ).all()
    return {row.person_id: row for row in rows}


def frequencies_in_range(session: Session, low: int, high: int) -> set[str]:
    return set(
        session.scalars(
            select(Enrolment.payment_frequency).where(Enrolment.id.between(low, high)).distinct()
        )
    )


# --- the insured register, for the comparison engine ------------------------------------------


class RegisteredEnrolment(NamedTuple):
    id_hash: str
    name: str
    gender: str
    birth_date: date
    scheme: str
    jurisdiction_code: str
    status: str
    first_month: str
    last_paid_month: str | None
    paid_last_12: int
    months_total: int


def insured_register(session: Session, first: str, last: str) -> list[RegisteredEnrolment]:
    """Every enrolment that began by ``last`` with its person and its paid regular months:
    the last, those from ``first`` to ``last``, and all of them."""
    paid = (ContributionBill.status == "paid") & (ContributionBill.kind == "regular")
    recent = paid & ContributionBill.month.between(first, last)
    rows = session.execute(
        select(
            Person.id_hash,
            Person.name,
            Person.gender,
            Person.birth_date,
            Enrolment.scheme,
            Enrolment.jurisdiction_code,
            Enrolment.status,
            Enrolment.first_month,
            func.max(case((paid & (ContributionBill.month <= last), ContributionBill.month))),
            func.count(ContributionBill.id).filter(recent),
            func.count(ContributionBill.id).filter(paid & (ContributionBill.month <= last)),
        )
        .join(Person, Person.id == Enrolment.person_id)
        .outerjoin(ContributionBill, ContributionBill.enrolment_id == Enrolment.id)
        .where(Enrolment.first_month <= last)
        .group_by(Enrolment.id, Person.id)
        .order_by(Enrolment.id)
    ).all()
    return [RegisteredEnrolment(*row) for row in rows]


# --- reconciliation of provisional bills ---------------------------------------------------------


def provisional_groups(
    session: Session, month: str | None = None
) -> list[tuple[str, str, str, int]]:
    """(jurisdiction, scheme, month, bills) of the bills still priced on carried-forward
    figures."""
    bill = ContributionBill
    query = select(bill.jurisdiction_code, bill.scheme, bill.month, func.count()).where(
        bill.provisional.is_(True)
    )
    if month is not None:
        query = query.where(bill.month == month)
    rows = session.execute(
        query.group_by(bill.jurisdiction_code, bill.scheme, bill.month).order_by(
            bill.month, bill.jurisdiction_code, bill.scheme
        )
    )
    return [(code, scheme, bill_month, int(n)) for code, scheme, bill_month, n in rows]


def provisional_bills(
    session: Session, jurisdiction: str, scheme: str, month: str, *, limit: int
) -> Sequence[ContributionBill]:
    """Up to ``limit`` provisional bills of one group, in id order, locked."""
    return session.scalars(
        select(ContributionBill)
        .where(
            ContributionBill.provisional.is_(True),
            ContributionBill.jurisdiction_code == jurisdiction,
            ContributionBill.scheme == scheme,
            ContributionBill.month == month,
        )
        .order_by(ContributionBill.id)
        .limit(limit)
        .with_for_update()
    ).all()


def agreement_in_force(session: Session, platform_id: int, month: str) -> PlatformAgreement | None:
    """The platform's co-contribution agreement for ``month`` (the earliest, as settlement)."""
    return session.scalars(
        select(PlatformAgreement)
        .where(
            PlatformAgreement.platform_id == platform_id,
            PlatformAgreement.from_month <= month,
            (PlatformAgreement.until_month.is_(None)) | (PlatformAgreement.until_month >= month),
        )
        .order_by(PlatformAgreement.id)
        .limit(1)
    ).first()


# --- platforms -------------------------------------------------------------------------------


def agreements_of(
    session: Session, platform_id: int, *, lock: bool = False
) -> Sequence[PlatformAgreement]:
    query = (
        select(PlatformAgreement)
        .where(PlatformAgreement.platform_id == platform_id)
        .order_by(PlatformAgreement.from_month)
    )
    if lock:
        query = query.with_for_update()
    return session.scalars(query).all()


def platform_bill_districts(session: Session, platform_id: int) -> list[str]:
    """The districts where bills shared with the platform were issued."""
    return list(
        session.scalars(
            select(ContributionBill.jurisdiction_code)
            .where(ContributionBill.platform_id == platform_id)
            .distinct()
            .order_by(ContributionBill.jurisdiction_code)
        )
    )


def platform_shares_by_month(
    session: Session, platform_id: int, *, limit: int
) -> list[tuple[str, int, int]]:
    rows = session.execute(
        select(
            ContributionBill.month,
            func.count(func.distinct(ContributionBill.person_id)),
            func.sum(ContributionBill.platform_share_fen),
        )
        .where(ContributionBill.platform_id == platform_id)
        .group_by(ContributionBill.month)
        .order_by(ContributionBill.month.desc())
        .limit(limit)
    ).all()
    return [(month, int(people), int(share or 0)) for month, people, share in rows]


def platform_payments(
    session: Session, platform_id: int, *, limit: int
) -> Sequence[PlatformPayment]:
    return session.scalars(
        select(PlatformPayment)
        .where(PlatformPayment.platform_id == platform_id)
        .order_by(PlatformPayment.id.desc())
        .limit(limit)
    ).all()
