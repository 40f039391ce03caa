"""Every contributions query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from flexcover.contributions.models import (
    BaseChoice,
    ContributionBill,
    Enrolment,
    Pause,
    Payment,
    PlatformAgreement,
    PlatformWorker,
    SubsidyApplication,
    SubsidyGrant,
)


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


def unpaid_bills(session: Session, person_id: int) -> Sequence[ContributionBill]:
    """Open and overdue bills, oldest first, locked for the payment that will settle them."""
    return session.scalars(
        select(ContributionBill)
        .where(ContributionBill.person_id == person_id, ContributionBill.status != "paid")
        .order_by(ContributionBill.month, ContributionBill.kind, ContributionBill.id)
        .with_for_update()
    ).all()


def payment_by_key(session: Session, person_id: int, key: str) -> Payment | None:
    return session.scalars(
        select(Payment).where(Payment.person_id == person_id, Payment.idempotency_key == key)
    ).one_or_none()


def mark_arrears(session: Session, enrolment_ids: Sequence[int], before_month: str) -> int:
    result = session.execute(
        update(ContributionBill)
        .where(
            ContributionBill.enrolment_id.in_(enrolment_ids),
            ContributionBill.status == "open",
            ContributionBill.month < before_month,
        )
        .values(status="arrears")
        .returning(ContributionBill.id)
    )
    return len(result.all())


def agreements_for(
    session: Session, person_ids: Sequence[int], month: str
) -> dict[int, tuple[int, PlatformAgreement]]:
    """For each person rostered on a platform with an agreement in force: (platform, agreement)."""
    rows = session.execute(
        select(PlatformWorker.person_id, PlatformWorker.platform_id, PlatformAgreement)
        .join(PlatformAgreement, PlatformAgreement.platform_id == PlatformWorker.platform_id)
        .where(
            PlatformWorker.person_id.in_(person_ids),
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


def approved_applications(
    session: Session, person_ids: Sequence[int], month: str
) -> dict[int, SubsidyApplication]:
    rows = session.scalars(
        select(SubsidyApplication).where(
            SubsidyApplication.person_id.in_(person_ids),
            SubsidyApplication.status == "approved",
            SubsidyApplication.first_month <= month,
            SubsidyApplication.last_month >= month,
        )
    ).all()
    return {row.person_id: row for row in rows}


def ungranted_paid_bills(
    session: Session, person_ids: Sequence[int], up_to: str
) -> Sequence[ContributionBill]:
    granted = select(SubsidyGrant.bill_id)
    return session.scalars(
        select(ContributionBill)
        .where(
            ContributionBill.person_id.in_(person_ids),
            ContributionBill.status == "paid",
            ContributionBill.kind == "regular",
            ContributionBill.month <= up_to,
            ContributionBill.id.not_in(granted),
        )
        .order_by(ContributionBill.month)
    ).all()


def months_granted(session: Session, application_id: int) -> int:
    return (
        session.scalar(
            select(func.count(func.distinct(SubsidyGrant.month))).where(
                SubsidyGrant.application_id == application_id
            )
        )
        or 0
    )


def applications_of(session: Session, person_id: int) -> Sequence[SubsidyApplication]:
    return session.scalars(
        select(SubsidyApplication)
        .where(SubsidyApplication.person_id == person_id)
        .order_by(SubsidyApplication.id)
    ).all()


def applications_to_review(session: Session, region_prefix: str) -> Sequence[SubsidyApplication]:
    return session.scalars(
        select(SubsidyApplication)
        .where(
            SubsidyApplication.jurisdiction_code.startswith(region_prefix),
            SubsidyApplication.status.in_(("submitted", "proposed")),
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
                    ContributionBill.status != "paid",
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
