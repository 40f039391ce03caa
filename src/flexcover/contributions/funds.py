"""What staff read of a region's money: the funds of the latest settled month by district, and
the bills behind each figure."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from flexcover.contributions import repository
from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.pagination import Page, PageRequest
from flexcover.registry.authz import Target, authorize


@dataclass(frozen=True)
class RegionFunds:
    """基金收支: a region's contributions collected, subsidies granted and arrears outstanding in
    the latest settled month, per district."""

    month: str
    districts: list[repository.DistrictFunds]

    @property
    def collected_fen(self) -> int:
        return sum(d.collected_fen for d in self.districts)

    @property
    def subsidy_fen(self) -> int:
        return sum(d.subsidy_fen for d in self.districts)

    @property
    def arrears_fen(self) -> int:
        return sum(d.arrears_fen for d in self.districts)


def region_funds(*, session: Session, actor: Actor, region: str) -> RegionFunds | None:
    """The funds of ``region`` in the latest settled month; None before any settlement. Arrears
    are what overdue bills of that month or before still owe (a month's bills fall overdue when
    the next month is settled)."""
    authorize(actor, "enrolment.read", Target(region_code=region), field="region")
    month = repository.latest_settled_month(session)
    if month is None:
        return None
    return RegionFunds(month, repository.funds_by_district(session, region, month))


def bills_in_region(
    *,
    session: Session,
    actor: Actor,
    region: str,
    district: str | None = None,
    month: str | None = None,
    through: str | None = None,
    status: str | None = None,
    subsidised: bool = False,
    page: PageRequest | None = None,
) -> Page[repository.BillRow]:
    """The bills behind a funds figure, with names and masked IDs (audited as a listing)."""
    authorize(actor, "enrolment.read", Target(region_code=region), field="region")
    if district:
        authorize(actor, "enrolment.read", Target(region_code=district), field="district")
    found = repository.bills_in_region(
        session,
        region,
        district=district,
        month=month,
        through=through,
        status=status,
        subsidised=subsidised,
        page=page or PageRequest(),
    )
    audit.record(
        session,
        actor=actor,
        action="bill.list",
        entity="jurisdiction",
        entity_id=district or region,
        details={
            "month": month,
            "through": through,
            "status": status,
            "people": sorted({row.bill.person_id for row in found.items}),
        },
    )
    return found
