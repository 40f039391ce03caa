"""The way into occupational-injury protection (职业伤害保障) for routers, pages, commands and
other capabilities: onboarding platforms, their orders, who covered a worker when, the monthly
platform bills and their payment, and claims from report to payment. Services never commit.

Inside: ``orders.py`` checks and records orders, ``bills.py`` issues and collects the monthly
bills, ``claims.py`` takes claims through ``lifecycle.py``'s table, ``repository.py`` queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, true
from sqlalchemy.orm import Session

from flexcover.injury import bills, claims, orders, repository
from flexcover.injury.bills import Issued
from flexcover.injury.claims import Report, StepInput
from flexcover.injury.lifecycle import STATUS_WORDS, ClaimAction
from flexcover.injury.models import (
    Benefit,
    Claim,
    ClaimAttachment,
    ClaimStatus,
    ClaimStep,
    InjuryBill,
    InjuryBillStatus,
    InjuryProfile,
    Order,
)
from flexcover.injury.orders import CHINA, MAX_ORDERS, Outcome
from flexcover.injury.problems import ClaimRefused, NotOnboarded, OnboardingRefused
from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.database import utc_now
from flexcover.kit.months import Month
from flexcover.kit.problems import NotFound
from flexcover.registry import roster
from flexcover.registry import service as registry
from flexcover.registry.authz import Target, authorize, region_contains, within
from flexcover.rules.injury import FOOD_DELIVERY_MERGED, INDUSTRIES, adjustment
from flexcover.rules.parameters import Rulebook

__all__ = [
    "MAX_ORDERS",
    "ClaimAction",
    "Issued",
    "Outcome",
    "Report",
    "StepInput",
    "claim_view",
    "cover",
    "issue_bills",
    "list_bills",
    "onboard",
    "pay_bills",
    "record_orders",
    "report_claim",
    "step_claim",
]

PARTITIONS_JOB = "injury.partitions"
ARREARS_JOB = "injury.arrears"
PARTITIONS_AHEAD = 3
"""Months ahead of this one that the orders' partitions are made for."""
PILOT_START = Month(2022, 7)
"""The pilot's first month (人社部发〔2021〕110号): the orders' partitions start here."""


# --- platforms ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Onboarded:
    platform_id: int
    name: str
    profile: InjuryProfile
    served: frozenset[str]


def onboard(
    *,
    session: Session,
    actor: Actor,
    platform_id: int,
    industry: str,
    jurisdictions: Sequence[str],
    float_steps: int,
    rulebook: Rulebook,
    today: date,
) -> Onboarded:
    """职业伤害保障参保登记 by a province: the platform's industry, the places it takes orders in
    (each inside the officer's region) and its floating coefficient in steps. Sent again, it
    changes them."""
    platform = roster.platform_for(session, actor, platform_id, "injury.onboard")
    if industry not in INDUSTRIES:
        raise OnboardingRefused(
            field="industry",
            reason_zh=f"行业应为 {'、'.join(INDUSTRIES)} 之一",
            reason_en=f"one of {', '.join(INDUSTRIES)}",
        )
    if industry == "food_delivery" and today >= FOOD_DELIVERY_MERGED:
        raise OnboardingRefused(
            field="industry",
            reason_zh="自 2025-07-01 起外卖并入即时配送，请选 instant_delivery",
            reason_en="from 2025-07-01 food delivery is instant delivery: use instant_delivery",
        )
    codes = sorted(set(jurisdictions))
    if not codes:
        raise OnboardingRefused(
            field="jurisdictions",
            reason_zh="请至少列出一个经营地",
            reason_en="list at least one jurisdiction",
        )
    for index, code in enumerate(jurisdictions):  # named as the request has them
        registry.require_jurisdiction(session, code, field=f"jurisdictions.{index}")
        authorize(actor, "injury.onboard", Target(region_code=code), field=f"jurisdictions.{index}")
    for code in codes:
        adjustment(rulebook=rulebook, jurisdiction=code, steps=float_steps, on=today)
    profile = repository.profile(session, platform.id)
    if profile is None:
        profile = InjuryProfile(
            platform_id=platform.id,
            industry=industry,
            float_steps=float_steps,
            onboarded_by=actor.username,
        )
        session.add(profile)
        session.flush()
    else:
        profile.industry, profile.float_steps = industry, float_steps
        profile.changed_at = utc_now()
    repository.set_served(session, platform.id, codes)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="injury.onboard",
        entity="platform",
        entity_id=platform.id,
        details={"industry": industry, "jurisdictions": codes, "float_steps": float_steps},
    )
    return Onboarded(platform.id, platform.name, profile, frozenset(codes))


def onboarded(*, session: Session, actor: Actor, platform_id: int) -> Onboarded:
    """The platform's injury profile, for itself or the staff of its region."""
    platform = roster.platform_for(session, actor, platform_id, "injury.read")
    profile = repository.profile(session, platform.id)
    if profile is None:
        raise NotOnboarded(field="platform_id", platform_id=platform.id)
    return Onboarded(platform.id, platform.name, profile, repository.served(session, platform.id))


# --- orders ------------------------------------------------------------------------------------


def record_orders(
    *,
    session: Session,
    actor: Actor,
    platform_id: int,
    rows: Sequence[Any],
    rulebook: Rulebook,
    id_key: bytes,
    now: datetime,
    partial: bool,
) -> Outcome:
    """每单必保: a batch of the platform's orders, a result per order (see ``orders.py``)."""
    platform = roster.platform_for(session, actor, platform_id, "injury.orders")
    profile = repository.profile(session, platform.id)
    if profile is None:
        raise NotOnboarded(field="platform_id", platform_id=platform.id)
    outcome = orders.record_orders(
        session=session,
        platform_id=platform.id,
        industry=profile.industry,
        served=repository.served(session, platform.id),
        rows=rows,
        rulebook=rulebook,
        id_key=id_key,
        now=now,
        partial=partial,
    )
    audit.record(
        session,
        actor=actor,
        action="injury.orders",
        entity="platform",
        entity_id=platform.id,
        details={"counts": outcome.counts},
    )
    return outcome


def orders_per_day(
    *, session: Session, actor: Actor, platform_id: int, first: date, last: date
) -> list[tuple[str, int, int]]:
    """(day, orders, workers) received for the platform, China days ``first`` to ``last``."""
    platform = roster.platform_for(session, actor, platform_id, "injury.read")
    start = datetime.combine(first, datetime.min.time(), CHINA)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), CHINA)
    return repository.orders_per_day(session, platform.id, start, end)


def ensure_partitions(engine: Engine, first: Month, last: Month) -> list[str]:
    """PostgreSQL: make the orders' monthly partitions from ``first`` to ``last`` (the ones
    missing); the names made. Nothing to do on SQLite."""
    if engine.dialect.name != "postgresql":
        return []
    made = []
    month = first
    while month <= last:
        if repository.create_partition(engine, month):
            made.append(repository.partition_name(month))
        month += 1
    return made


def detach_partitions(engine: Engine, before: Month) -> list[str]:
    """PostgreSQL: detach the partitions of months before ``before`` (their orders stay in
    tables of their own, renamed ``…_archived``, for an archive); the archives' names."""
    if engine.dialect.name != "postgresql":
        return []
    detached = []
    month = PILOT_START
    while month < before:
        archive = repository.detach_partition(engine, month)
        if archive is not None:
            detached.append(archive)
        month += 1
    return detached


# --- cover -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cover:
    covered: bool
    """An order (with the grace for the way back) was running at the moment."""
    day_covered: bool
    """按日参保: the worker took at least one order that day."""
    running: list[dict[str, Any]]
    responsible_platform_id: int | None
    rule: str


def cover(
    *,
    session: Session,
    actor: Actor,
    worker_id: str,
    at: datetime,
    rulebook: Rulebook,
    id_key: bytes,
) -> Cover:
    """Was this person covered at this moment, and by whom: for staff and commissioned insurers
    of the region the orders were taken in. The read is audited; a person unknown, or with no
    orders in the reader's region, is simply not covered there."""
    region = actor.region_code or ""
    authorize(actor, "injury.cover", Target(region_code=region), field="worker")
    person = registry.person_with_number(session, worker_id, id_key, field="worker")
    day = at.astimezone(CHINA).date()
    start = datetime.combine(day, datetime.min.time(), CHINA)
    running: list[dict[str, Any]] = []
    day_covered = False
    chosen: int | None = None
    rule = ""
    if person is not None:
        audit.record(
            session, actor=actor, action="injury.cover_read", entity="person", entity_id=person.id
        )
        inside = [
            o
            for o in repository.orders_running(session, person.id, start, at + timedelta(days=1))
            if region_contains(region, o.jurisdiction_code)
        ]
        day_covered = any(o.accepted_at.astimezone(CHINA).date() == day for o in inside)
        codes = {o.jurisdiction_code for o in inside}
        code = min(codes) if codes else region
        if code and len(code) == 6 and code != "000000":
            chosen, evidence = claims.responsible(session, rulebook, person.id, code, at)
            running = [
                r for r in evidence["running"] if any(o.order_ref == r["order_id"] for o in inside)
            ]
            rule = evidence["rule"]
            if chosen is not None and not running:
                chosen = None
    return Cover(
        covered=bool(running),
        day_covered=day_covered,
        running=running,
        responsible_platform_id=chosen,
        rule=rule,
    )


# --- bills -------------------------------------------------------------------------------------


def issue_bills(
    *,
    session: Session,
    actor: Actor,
    month: Month,
    region: str,
    rulebook: Rulebook,
    today: date,
) -> Issued:
    """按月缴费: issue or re-issue the platforms' bills of ``month`` in ``region``."""
    registry.require_jurisdiction(session, region, field="region")
    authorize(actor, "injury.bill", Target(region_code=region), field="region")
    return bills.issue(
        session=session, actor=actor, month=month, region=region, rulebook=rulebook, today=today
    )


def list_bills(
    *,
    session: Session,
    actor: Actor,
    platform_id: int | None = None,
    region: str | None = None,
    status: InjuryBillStatus | None = None,
) -> Sequence[InjuryBill]:
    """A platform's bills (for itself or staff), or the bills of a region (for its staff)."""
    if platform_id is not None:
        platform = roster.platform_for(session, actor, platform_id, "injury.read")
        condition: Any = InjuryBill.platform_id == platform.id
    else:
        place = region or actor.region_code or ""
        authorize(actor, "injury.read", Target(region_code=place), field="region")
        condition = within(InjuryBill.jurisdiction_code, place)
    if status is not None:
        condition = condition & (InjuryBill.status == status)
    return repository.bills(session, condition)


def pay_bills(
    *,
    session: Session,
    actor: Actor,
    platform_id: int,
    amount_fen: int,
    reference: str,
    today: date,
) -> list[InjuryBill]:
    """The platform pays its premiums: its open bills, oldest first."""
    platform = roster.platform_for(session, actor, platform_id, "platform.pay")
    return bills.pay(
        session=session,
        actor=actor,
        platform_id=platform.id,
        amount_fen=amount_fen,
        reference=reference,
        today=today,
    )


# --- claims ------------------------------------------------------------------------------------


def report_claim(
    *,
    session: Session,
    actor: Actor,
    worker_id: str | None,
    accident_at: datetime,
    jurisdiction: str,
    place: str,
    description: str,
    order_ref: str | None,
    reporter_kind: str | None,
    rulebook: Rulebook,
    id_key: bytes,
    now: datetime,
) -> Claim:
    """职业伤害申报: by the worker (or a relative or the union, on the worker's login), by the
    platform for a worker on its roster, or by an officer for anyone."""
    # An accident happens in a district or county: the officers of that place handle it.
    registry.require_jurisdiction(session, jurisdiction, field="jurisdiction", levels=("district",))
    if actor.role == "worker":
        if actor.person_id is None:
            raise NotFound(field="worker_id", what="person", key="-")
        person_id = actor.person_id
        kind = reporter_kind or "worker"
        if kind not in ("worker", "relative", "union"):
            raise ClaimRefused(
                field="reporter_kind",
                reason_zh="本人、近亲属或工会",
                reason_en="worker, relative or union",
            )
    else:
        if not worker_id:
            raise ClaimRefused(
                field="worker_id",
                reason_zh="请填写受伤人员的身份证号码",
                reason_en="give the injured worker's resident ID number",
            )
        person = registry.person_with_number(session, worker_id, id_key, field="worker_id")
        if person is None or (
            actor.role == "platform"
            and not roster.on_roster(session, actor.platform_id or 0, person.id)
        ):
            raise NotFound(field="worker_id", what="person", key="-")
        person_id = person.id
        kind = "platform" if actor.role == "platform" else (reporter_kind or "officer")
    return claims.report(
        session=session,
        actor=actor,
        report=Report(
            person_id=person_id,
            accident_at=accident_at,
            jurisdiction=jurisdiction,
            place=place,
            description=description,
            order_ref=order_ref,
            reporter_kind=kind,
        ),
        rulebook=rulebook,
        now=now,
    )


def step_claim(
    *,
    session: Session,
    actor: Actor,
    claim_id: int,
    action: ClaimAction,
    data: StepInput,
    rulebook: Rulebook,
    now: datetime,
) -> Claim:
    """One step of a claim (see ``lifecycle.py``)."""
    return claims.step(
        session=session,
        actor=actor,
        claim_id=claim_id,
        action=action,
        data=data,
        rulebook=rulebook,
        now=now,
    )


@dataclass(frozen=True)
class ClaimView:
    """A claim as its parties follow it: every step, who decided and why, what is due next and
    by when, the benefits and what a payment still waits for."""

    claim: Claim
    status_zh: str
    status_en: str
    steps: Sequence[ClaimStep]
    benefits: Sequence[Benefit]
    attachments: Sequence[ClaimAttachment]
    next_actions: list[str]
    overdue: bool
    missing_for_payment: list[tuple[str, str]]
    platform_name: str | None


def claim_view(*, session: Session, actor: Actor, claim_id: int, today: date) -> ClaimView:
    claim = claims.claim_for(session, actor, claim_id, action="injury.claim.read")
    if actor.role not in ("worker", "platform"):
        audit.record(
            session,
            actor=actor,
            action="injury.claim_read",
            entity="injury_claim",
            entity_id=claim.id,
        )
    zh, en = STATUS_WORDS[ClaimStatus(claim.status)]
    return ClaimView(
        claim=claim,
        status_zh=zh,
        status_en=en,
        steps=repository.steps(session, claim.id),
        benefits=repository.benefits(session, claim.id),
        attachments=repository.attachments(session, claim.id),
        next_actions=claims.next_actions(claim),
        overdue=claim.due_on is not None and claim.due_on < today,
        missing_for_payment=claims.missing_for_payment(session, claim)
        if claim.status == ClaimStatus.APPROVED
        else [],
        platform_name=registry.platform_name(session, claim.platform_id),
    )


def claims_queue(
    *,
    session: Session,
    actor: Actor,
    region: str | None = None,
    status: ClaimStatus | None = None,
    overdue_on: date | None = None,
) -> Sequence[Claim]:
    """Claims by due date: a worker's own, a platform's, or those of a staff member's region."""
    if actor.role == "worker":
        condition: Any = Claim.person_id == (actor.person_id or 0)
    elif actor.role == "platform":
        condition = Claim.platform_id == (actor.platform_id or 0)
    else:
        place = region or actor.region_code or ""
        authorize(actor, "injury.claim.read", Target(region_code=place), field="region")
        condition = within(Claim.jurisdiction_code, place)
    if status is not None:
        condition = condition & (Claim.status == status)
    if overdue_on is not None:
        condition = condition & Claim.due_on.is_not(None) & (Claim.due_on < overdue_on)
    return repository.claims(session, condition & true())


def add_attachment(
    *,
    session: Session,
    actor: Actor,
    claim_id: int,
    filename: str,
    declared_type: str,
    data: bytes,
) -> ClaimAttachment:
    """A file for a claim, from anyone who may read it."""
    claim = claims.claim_for(session, actor, claim_id, action="injury.claim.read")
    return claims.attach(
        session=session,
        actor=actor,
        claim=claim,
        filename=filename,
        declared_type=declared_type,
        data=data,
    )


def attachment(
    *, session: Session, actor: Actor, claim_id: int, attachment_id: int
) -> ClaimAttachment:
    claim = claims.claim_for(session, actor, claim_id, action="injury.claim.read")
    found = repository.attachment(session, claim.id, attachment_id)
    if found is None:
        raise NotFound(field="attachment_id", what="attachment", key=attachment_id)
    return found


def partitions_for_firing(fired: datetime) -> tuple[str, dict[str, object]]:
    """The monthly schedule's job: the partitions up to three months after the firing's."""
    month = Month.of(fired.date())
    return f"{PARTITIONS_JOB}:{month}", {"through": str(month + PARTITIONS_AHEAD)}


def run_partitions_job(context: Any) -> str:
    """A worker's handler of :data:`PARTITIONS_JOB` (run again, it makes nothing new)."""
    through = Month.parse(str(context.payload["through"]), field="through")
    made = ensure_partitions(context.database.engine, PILOT_START, through)
    return f"{len(made)} partition(s) made, through {through}"


@dataclass(frozen=True)
class RegionFigures:
    """What the cockpit shows of occupational injury in a region."""

    month: str | None
    """The latest month with orders."""
    platforms: list[tuple[int, str, int, int]]
    """(platform, name, orders, premiums in fen) of that month."""
    workers_per_day: list[tuple[str, int]]
    claims_by_status: dict[str, int]
    overdue: int
    billed_fen: int
    premiums_received_fen: int
    benefits_paid_fen: int


def region_figures(*, session: Session, actor: Actor, region: str, today: date) -> RegionFigures:
    """The region's orders, workers covered per day, claims by state and overdue, and the
    fund's income and payouts (the cockpit's panel)."""
    authorize(actor, "injury.read", Target(region_code=region), field="region")
    orders_in = within(Order.jurisdiction_code, region)
    claims_in = within(Claim.jurisdiction_code, region)
    month = repository.latest_order_month(session, orders_in)
    billed, received = repository.bill_totals(session, within(InjuryBill.jurisdiction_code, region))
    return RegionFigures(
        month=month,
        platforms=repository.platform_month(session, month, orders_in) if month else [],
        workers_per_day=repository.workers_per_day(session, month, orders_in) if month else [],
        claims_by_status=repository.claims_by_status(session, claims_in),
        overdue=repository.claims_overdue(session, claims_in, today),
        billed_fen=billed,
        premiums_received_fen=received,
        benefits_paid_fen=repository.benefits_paid(session, claims_in),
    )


@dataclass(frozen=True)
class BenefitRun:
    claims: int
    paid_fen: int
    scheduled: int


def pay_scheduled_benefits(
    *, session: Session, actor: Actor, month: Month, region: str
) -> BenefitRun:
    """按月支付: the monthly benefits due to ``month`` of the claims paid in ``region`` (each a
    ledger entry per claim and month, so running it again pays nothing twice), and their
    schedules carried on."""
    registry.require_jurisdiction(session, region, field="region")
    authorize(actor, "injury.claim.handle", Target(region_code=region), field="region")
    condition = within(Claim.jurisdiction_code, region) & Claim.status.in_(
        [ClaimStatus.PAID, ClaimStatus.CLOSED]
    )
    paid = count = scheduled = 0
    for claim in repository.claims(session, condition, limit=1_000_000):
        amount = claims.pay_due(session=session, actor=actor, claim=claim, month=month)
        scheduled += claims.extend_schedules(session, actor, claim, month)
        if amount:
            paid += amount
            count += 1
    return BenefitRun(claims=count, paid_fen=paid, scheduled=scheduled)


def arrears_for_firing(fired: datetime) -> tuple[str, dict[str, object]]:
    """The nightly schedule's job: the platform bills past their due date become arrears."""
    day = fired.astimezone(CHINA).date()
    return f"{ARREARS_JOB}:{day.isoformat()}", {"day": day.isoformat()}


def run_arrears_job(context: Any) -> str:
    """A worker's handler of :data:`ARREARS_JOB` (run again the same night, it changes nothing)."""
    day = date.fromisoformat(str(context.payload["day"]))
    with context.database.unit_of_work() as session:
        changed = bills.mark_arrears(session=session, today=day)
    return f"{changed} platform bill(s) fell into arrears on {day}"
