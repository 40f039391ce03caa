"""Subsidy applications (灵活就业社保补贴申请) with maker–checker review (就业补助资金管理办法,
财社〔2017〕164号).

A certified employment-difficulty person or a recent graduate applies; a district officer of the
applicant's district proposes approval or rejection; a different officer decides. Approval fixes
the months covered: at most ``subsidy.duration_months`` (36), to retirement when it is within
``subsidy.near_retirement_years`` (5) at first approval, and ``graduate_duration_months`` (24)
for graduates. The first month is the checker's choice within bounds: no earlier than the
application month less ``subsidy.backdate_months`` (0: the subsidy never reaches back before
the application) nor than the enrolment, and no later than :data:`START_AHEAD_MONTHS` after the
decision. Settlement then grants each paid month, and stops by itself at the last.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from flexcover.contributions import repository
from flexcover.contributions.models import SubsidyApplication, SubsidyStatus
from flexcover.contributions.problems import SubsidyNotAllowed
from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.database import utc_now
from flexcover.kit.months import CHINA, Month
from flexcover.kit.problems import NotFound
from flexcover.registry import service as registry
from flexcover.registry.authz import Target, authorize
from flexcover.rules.parameters import Rulebook
from flexcover.rules.retirement import retirement

START_AHEAD_MONTHS = 3
"""An approval may start the subsidy up to a quarter after the decision, not later."""


def apply(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    category: str,
    certificate: str,
    as_of: Month,
) -> SubsidyApplication:
    """The worker (or an officer for them) asks for the subsidy with a certificate number in
    the month ``as_of``."""
    person = registry.person_for(session, actor, person_id, action="subsidy.apply")
    enrolment = repository.open_enrolment(session, person.id, "employee_pension")
    if enrolment is None:
        raise SubsidyNotAllowed(
            field="person_id",
            reason_zh="补贴只发给以灵活就业身份参加职工养老保险并缴费的人员",
            reason_en="the subsidy is for people enrolled and paying as flexible workers",
        )
    pending = [
        a
        for a in repository.applications_of(session, person.id)
        if a.status in ("submitted", "proposed", "approved")
    ]
    if pending:
        raise SubsidyNotAllowed(
            field="person_id",
            reason_zh=f"已有申请（编号 {pending[0].id}，{pending[0].status}）",
            reason_en=f"there is already an application ({pending[0].id}, {pending[0].status})",
        )
    application = SubsidyApplication(
        person_id=person.id,
        jurisdiction_code=enrolment.jurisdiction_code,
        category=category,
        certificate=certificate,
        status=SubsidyStatus.SUBMITTED,
        applied_month=str(as_of),
    )
    session.add(application)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="subsidy.apply",
        entity="subsidy_application",
        entity_id=application.id,
        details={"category": category, "applied_month": str(as_of)},
    )
    return application


def _application(session: Session, actor: Actor, application_id: int) -> SubsidyApplication:
    application = session.get(SubsidyApplication, application_id)
    if application is None:
        raise NotFound(field="application_id", what="subsidy application", key=application_id)
    authorize(
        actor,
        "subsidy.review",
        Target(region_code=application.jurisdiction_code),
        field="application_id",
    )
    return application


def propose(
    *, session: Session, actor: Actor, application_id: int, decision: str, note: str | None
) -> SubsidyApplication:
    """The maker: an officer proposes to approve or reject."""
    application = _application(session, actor, application_id)
    if application.status != "submitted":
        raise SubsidyNotAllowed(
            field="application_id",
            reason_zh=f"申请当前为 {application.status}，不能再提出意见",
            reason_en=f"the application is {application.status}",
        )
    application.status = SubsidyStatus.PROPOSED
    application.proposal = decision
    application.proposed_by = actor.user_id
    application.note = note
    audit.record(
        session,
        actor=actor,
        action="subsidy.propose",
        entity="subsidy_application",
        entity_id=application.id,
        details={"decision": decision},
    )
    return application


def decide(
    *,
    session: Session,
    rulebook: Rulebook,
    actor: Actor,
    application_id: int,
    confirm: bool,
    first_month: Month,
    as_of: Month,
) -> SubsidyApplication:
    """The checker: another officer confirms or overturns the proposal in the month ``as_of``;
    an approval grants from ``first_month`` (see :func:`first_month_bounds`)."""
    application = _application(session, actor, application_id)
    if application.status != "proposed":
        raise SubsidyNotAllowed(
            field="application_id",
            reason_zh=f"申请当前为 {application.status}，需先由经办人提出意见",
            reason_en=f"the application is {application.status}; it needs a proposal first",
        )
    if actor.user_id is None or actor.user_id == application.proposed_by:
        raise SubsidyNotAllowed(
            field="application_id",
            reason_zh="提出意见与审核须由两名不同的经办人完成",
            reason_en="the proposal and the decision need two different officers",
        )
    approve = (application.proposal == "approve") == confirm
    application.status = SubsidyStatus.APPROVED if approve else SubsidyStatus.REJECTED
    application.decided_by = actor.user_id
    application.decided_at = utc_now()
    if approve:
        earliest, latest = first_month_bounds(session, rulebook, application, as_of)
        if not earliest <= first_month <= latest:
            raise SubsidyNotAllowed(
                field="first_month",
                reason_zh=f"补贴起始月须在 {earliest} 至 {latest} 之间（不早于申请当月及参保首月）",
                reason_en=(
                    f"the first month must lie from {earliest} to {latest} (not before the "
                    "application month or the enrolment)"
                ),
            )
        application.first_month = str(first_month)
        application.last_month = str(_last_month(session, rulebook, application, first_month))
    audit.record(
        session,
        actor=actor,
        action="subsidy.decide",
        entity="subsidy_application",
        entity_id=application.id,
        details={
            "status": application.status,
            "first_month": application.first_month,
            "last_month": application.last_month,
        },
    )
    return application


def first_month_bounds(
    session: Session, rulebook: Rulebook, application: SubsidyApplication, as_of: Month
) -> tuple[Month, Month]:
    """The earliest and latest first month an approval decided in ``as_of`` may grant."""
    applied = (
        Month.parse(application.applied_month)
        if application.applied_month
        else Month.of(application.created_at.astimezone(CHINA).date())
    )
    back: int = rulebook.get(
        application.jurisdiction_code, "subsidy.backdate_months", applied.first_day
    ).value
    earliest = applied - back
    enrolment = repository.open_enrolment(session, application.person_id, "employee_pension")
    if enrolment is not None:
        earliest = max(earliest, Month.parse(enrolment.first_month))
    return earliest, max(earliest, as_of + START_AHEAD_MONTHS)


def default_first_month(
    session: Session, rulebook: Rulebook, application_id: int, as_of: Month
) -> Month:
    """The page's choice: the decision month, or the earliest allowed month if that is later.
    (:func:`decide` authorises and checks; an unknown application gets ``as_of``.)"""
    application = session.get(SubsidyApplication, application_id)
    if application is None:
        return as_of
    earliest, latest = first_month_bounds(session, rulebook, application, as_of)
    return min(max(as_of, earliest), latest)


def _last_month(
    session: Session, rulebook: Rulebook, application: SubsidyApplication, first: Month
) -> Month:
    day = first.first_day
    code = application.jurisdiction_code
    if application.category == "graduate":
        graduate_months: int = rulebook.get(code, "subsidy.graduate_duration_months", day).value
        return first + (graduate_months - 1)
    months: int = rulebook.get(code, "subsidy.duration_months", day).value
    near: int = rulebook.get(code, "subsidy.near_retirement_years", day).value
    person = registry.person(session, application.person_id)
    born = Month.of(person.birth_date)
    original = rulebook.get(code, f"retirement.flexible_original_age.{person.gender}", day).value
    retires = retirement(
        rulebook=rulebook,
        gender=(person.gender,),
        original_age=np.array([original]),
        birth_month=np.array([born.index]),
        on=day,
    )
    retirement_month = Month.from_index(int(retires.retirement_month[0]))
    if first.months_until(retirement_month) <= near * 12:
        return retirement_month - 1  # within five years at first approval: to retirement
    return first + (months - 1)


@dataclass(frozen=True)
class QueuedApplication:
    """One application in the officers' review queue, with what the page shows of it."""

    application: SubsidyApplication
    person: registry.Person | None
    place: registry.Jurisdiction | None
    first_month: Month


def review_queue(
    session: Session, rulebook: Rulebook, *, actor: Actor, as_of: Month
) -> list[QueuedApplication]:
    """The applications of the officer's region waiting for a proposal or a decision, with their
    people and places read in one query each; the listing of people is audited."""
    authorize(actor, "subsidy.review", Target(region_code=actor.region_code or ""))
    queue = repository.applications_to_review(session, actor.region_code or "")
    people = registry.people_by_id(session, [a.person_id for a in queue])
    places = {
        code: registry.jurisdiction(session, code) for code in {a.jurisdiction_code for a in queue}
    }
    audit.record(
        session,
        actor=actor,
        action="subsidy.queue.list",
        entity="subsidy_application",
        entity_id=actor.region_code,
        details={"applications": [a.id for a in queue], "people": sorted(people)},
    )
    return [
        QueuedApplication(
            application=a,
            person=people.get(a.person_id),
            place=places.get(a.jurisdiction_code),
            first_month=default_first_month(session, rulebook, a.id, as_of),
        )
        for a in queue
    ]
