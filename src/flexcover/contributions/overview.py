"""What a worker sees of their insurance on their home page (我的社保): each enrolment with its
base, its monthly amount and what they can do next; the bills to pay with their due dates; their
subsidy applications; the schemes they may still join where they work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from flexcover.contributions import record as records
from flexcover.contributions import repository
from flexcover.contributions.models import (
    BillStatus,
    ContributionBill,
    Enrolment,
    SubsidyApplication,
    SubsidyStatus,
)
from flexcover.contributions.service import _person, base_for, due_date, open_pause, quote
from flexcover.kit.audit import Actor
from flexcover.kit.months import Month
from flexcover.kit.problems import Problem
from flexcover.registry.authz import Target, authorize
from flexcover.rules.parameters import Rulebook

SCHEMES = ("employee_pension", "employee_medical")


@dataclass(frozen=True)
class Limits:
    floor_fen: int
    ceiling_fen: int
    provisional: bool


@dataclass(frozen=True)
class EnrolmentView:
    enrolment: Enrolment
    base_fen: int | None
    monthly_fen: int | None
    """What the base costs a month from next month on (at next month's limits)."""
    limits: Limits | None
    pause_from: str | None
    pause_begun: bool


@dataclass(frozen=True)
class BillView:
    bill: ContributionBill
    due_on: date


@dataclass(frozen=True)
class WorkerOverview:
    now: Month
    enrolments: list[EnrolmentView]
    unpaid: list[BillView]
    outstanding_fen: int
    applications: list[SubsidyApplication]
    offered: list[str]
    """Schemes the worker may join in their residence district and is not in yet."""
    limits_here: Limits | None

    @property
    def can_apply_for_subsidy(self) -> bool:
        pending = {SubsidyStatus.SUBMITTED, SubsidyStatus.PROPOSED, SubsidyStatus.APPROVED}
        pension = any(
            v.enrolment.scheme == "employee_pension" and v.enrolment.status != "terminated"
            for v in self.enrolments
        )
        return pension and not any(a.status in pending for a in self.applications)


def limits(rulebook: Rulebook, jurisdiction: str, month: Month) -> Limits | None:
    """The published (or carried-forward) base limits of a month, if any are loaded."""
    floor = rulebook.find(jurisdiction, "contribution_base.floor_yuan", month.first_day)
    ceiling = rulebook.find(jurisdiction, "contribution_base.ceiling_yuan", month.first_day)
    if floor is None or ceiling is None:
        return None
    return Limits(floor.value, ceiling.value, floor.carried or ceiling.carried)


def schemes_offered(rulebook: Rulebook, jurisdiction: str, month: Month) -> list[str]:
    """The schemes a flexible worker can join in ``jurisdiction``: the pension wherever the base
    limits are loaded; employee medical where the region's medical rate is loaded too (a
    published rate was found for few regions; elsewhere the agency's own figures must be
    loaded)."""
    if limits(rulebook, jurisdiction, month) is None:
        return []
    offered = ["employee_pension"]
    if rulebook.find(jurisdiction, "medical.rate", month.first_day) is not None:
        offered.append("employee_medical")
    return offered


def _monthly(rulebook: Rulebook, enrolment: Enrolment, month: Month, base: int) -> int | None:
    try:
        return quote(rulebook, enrolment.jurisdiction_code, month, base, enrolment.scheme)[0]
    except Problem:
        return None  # a base outside next month's limits: settlement moves it, and says so


def worker_overview(
    *, session: Session, rulebook: Rulebook, actor: Actor, person_id: int, now: Month
) -> WorkerOverview:
    person = _person(session, person_id)
    authorize(
        actor,
        "enrolment.read",
        Target(region_code=person.residence_code, person_id=person.id),
        field="person_id",
    )
    views = []
    for enrolment in repository.enrolments_of(session, person.id):
        if enrolment.status == "terminated":
            continue
        base = base_for(session, enrolment.id, now + 1) or base_for(session, enrolment.id, now)
        pause = open_pause(session, enrolment.id)
        views.append(
            EnrolmentView(
                enrolment=enrolment,
                base_fen=base,
                monthly_fen=_monthly(rulebook, enrolment, now + 1, base) if base else None,
                limits=limits(rulebook, enrolment.jurisdiction_code, now + 1),
                pause_from=pause.from_month if pause else None,
                pause_begun=bool(pause and pause.from_month <= str(now)),
            )
        )
    unpaid = [
        BillView(bill, due_date(rulebook, bill))
        for bill in repository.bills_of(session, person.id)
        if bill.status != BillStatus.PAID
    ]
    enrolled = {view.enrolment.scheme for view in views}
    return WorkerOverview(
        now=now,
        enrolments=views,
        unpaid=unpaid,
        outstanding_fen=sum(view.bill.outstanding_fen for view in unpaid),
        applications=list(repository.applications_of(session, person.id)),
        offered=[
            s for s in schemes_offered(rulebook, person.residence_code, now) if s not in enrolled
        ],
        limits_here=limits(rulebook, person.residence_code, now),
    )


@dataclass(frozen=True)
class PersonContributions:
    """What staff see of a person's contributions on the person's page."""

    overview: WorkerOverview
    bills: list[ContributionBill]
    """The latest bills, newest first."""
    record: records.Record


RECENT_BILLS = 24


def person_contributions(
    *, session: Session, rulebook: Rulebook, actor: Actor, person_id: int, now: Month
) -> PersonContributions:
    """Enrolments, the latest bills, subsidy applications and the record summary of a person,
    for staff of their region (the record read is audited)."""
    overview = worker_overview(
        session=session, rulebook=rulebook, actor=actor, person_id=person_id, now=now
    )
    bills = sorted(
        repository.bills_of(session, person_id), key=lambda b: (b.month, b.id), reverse=True
    )
    found = records.record(session=session, actor=actor, person_id=person_id, through=now)
    return PersonContributions(overview, bills[:RECENT_BILLS], found)
