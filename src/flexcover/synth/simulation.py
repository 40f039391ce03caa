"""Twelve months of contributions for the demo city, December 2025 to November 2026: enrolments
staggered over the year, most at the floor base, base changes at the new contribution year,
pauses and resumptions, payments on time, late and never, a platform paying part of its riders'
bills, and subsidies for certified people — every step through the real services, so the ledger
that results must verify.

Shares below are assumptions for a plausible demo, not statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from flexcover.contributions import service, subsidies
from flexcover.contributions.models import (
    ContributionBill,
    PlatformAgreement,
)
from flexcover.contributions.settlement import settle_chunk
from flexcover.kit.audit import Actor
from flexcover.kit.months import Month, age_on
from flexcover.ledger.service import AccountRef, Draft, post
from flexcover.registry.models import Platform, PlatformWorker
from flexcover.rules.parameters import Rulebook

FIRST_MONTH = Month(2025, 12)
MONTHS = 12
GIG_WORK = ("platform_rider", "ride_hailing_driver", "online_seller", "freelancer", "self_employed")
ENROLLED_SHARE = 0.35  # of gig workers aged 20–57 (flexible pension coverage is about a third)
START_NOW_SHARE = 0.6
AT_FLOOR_SHARE = 0.75
CHANGE_BASE_SHARE = 0.10
PAUSE_SHARE = 0.02
PAY_LATE_SHARE = 0.07
NEVER_PAY_SHARE = 0.05
SUBSIDY_SHARE = 0.06
PLATFORM_SHARE_BP = 3000  # the demo platform pays 30 % of its riders' pension bills
SUBSIDY_BUDGET_FEN = 100_000_000  # one million yuan for the first district


@dataclass(frozen=True)
class Simulation:
    enrolled: int
    bills: int
    months: list[str]
    enrolled_people: list[int]
    subsidised_people: list[int]


def simulate(
    *,
    session: Session,
    rulebook: Rulebook,
    actor: Actor,
    person_ids: list[int],
    columns: dict[str, list[object]],
    districts: list[str],
    platforms: list[Platform],
    officers: tuple[Actor, Actor],
    seed: int,
    progress: Callable[[str, int, int], None],
) -> Simulation:
    rng = np.random.default_rng(seed + 1)
    months = [FIRST_MONTH + i for i in range(MONTHS)]
    start_day = FIRST_MONTH.first_day
    eligible = [
        i
        for i, work in enumerate(columns["work_type"])
        if work in GIG_WORK and 20 <= age_on(as_date(columns["birth_date"][i]), start_day) <= 57
    ]
    count = round(len(eligible) * ENROLLED_SHARE)
    chosen = sorted(rng.choice(eligible, size=count, replace=False).tolist()) if count else []
    starts = np.where(
        rng.random(len(chosen)) < START_NOW_SHARE, 0, rng.integers(1, MONTHS, len(chosen))
    )
    at_floor = rng.random(len(chosen)) < AT_FLOOR_SHARE
    behaviour = rng.random(len(chosen))  # < never: never pays; < never + late: pays a month late
    enrolments: dict[int, int] = {}  # row → enrolment id
    paused: dict[int, Month] = {}  # enrolment id → resume month
    _fund_subsidies(session, actor, districts[0])
    riders = [row for row in chosen if columns["work_type"][row] == "platform_rider"][:300]
    _platform_agreement(session, platforms[0], [person_ids[row] for row in riders])
    subsidised: list[int] = []
    total_bills = 0

    for step, month in enumerate(months):
        for position, row in enumerate(chosen):
            if starts[position] != step:
                continue
            base = _base(rulebook, columns, row, month, bool(at_floor[position]))
            enrolment = service.enrol(
                session=session,
                rulebook=rulebook,
                actor=actor,
                person_id=person_ids[row],
                scheme="employee_pension",
                jurisdiction=str(columns["residence_code"][row]),
                first_month=month,
                base_fen=base,
                payment_frequency="monthly",
                as_of=month,
            )
            enrolments[row] = enrolment.id
        if step == 0:
            subsidised = _subsidies(
                session,
                rulebook,
                actor,
                officers,
                person_ids,
                columns,
                chosen,
                enrolments,
                districts[0],
                month,
                rng,
            )
        if month.month == 1:  # a new contribution year: some choose a higher base
            for row, enrolment_id in enrolments.items():
                if rng.random() < CHANGE_BASE_SHARE:
                    ceiling = rulebook.get(
                        str(columns["residence_code"][row]),
                        "contribution_base.ceiling_yuan",
                        month.first_day,
                    ).value
                    floor = rulebook.get(
                        str(columns["residence_code"][row]),
                        "contribution_base.floor_yuan",
                        month.first_day,
                    ).value
                    base = int(min(ceiling, max(floor, floor * 3 // 2)))
                    service.change_base(
                        session=session,
                        rulebook=rulebook,
                        actor=actor,
                        enrolment_id=enrolment_id,
                        from_month=month,
                        base_fen=base,
                        as_of=month,
                    )
        for enrolment_id, resume_at in list(paused.items()):
            if resume_at == month:
                service.resume(
                    session=session,
                    actor=actor,
                    enrolment_id=enrolment_id,
                    month=month,
                    as_of=month,
                )
                del paused[enrolment_id]
        for row, enrolment_id in enrolments.items():
            if (
                enrolment_id not in paused
                and starts[chosen.index(row)] < step
                and rng.random() < PAUSE_SHARE
            ):
                service.pause(
                    session=session,
                    actor=actor,
                    enrolment_id=enrolment_id,
                    from_month=month,
                    as_of=month,
                )
                paused[enrolment_id] = month + 2
        ids = sorted(enrolments.values())
        for start in range(0, len(ids), 5000):
            total_bills += settle_chunk(
                session=session,
                rulebook=rulebook,
                month=month,
                low=ids[start],
                high=ids[min(start + 5000, len(ids)) - 1],
                actor=actor,
            )
        _payments(session, actor, month, person_ids, chosen, behaviour, step == MONTHS - 1)
        progress("contributions", step + 1, MONTHS)
    return Simulation(
        enrolled=len(enrolments),
        bills=total_bills,
        months=[str(m) for m in months],
        enrolled_people=[person_ids[row] for row in enrolments],
        subsidised_people=subsidised,
    )


def as_date(value: object) -> date:
    """A birth date from a population column (Arrow gives ``datetime.date``)."""
    if not isinstance(value, date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value


def _base(
    rulebook: Rulebook, columns: dict[str, list[object]], row: int, month: Month, floor_only: bool
) -> int:
    code = str(columns["residence_code"][row])
    floor = int(rulebook.get(code, "contribution_base.floor_yuan", month.first_day).value)
    ceiling = int(rulebook.get(code, "contribution_base.ceiling_yuan", month.first_day).value)
    if floor_only:
        return floor
    income = int(str(columns["monthly_income_fen"][row])) // 100 * 100  # whole yuan
    return min(ceiling, max(floor, income))


def _payments(
    session: Session,
    actor: Actor,
    month: Month,
    person_ids: list[int],
    chosen: list[int],
    behaviour: np.ndarray,
    last: bool,
) -> None:
    """On-time payers pay what they owe this month; late payers pay last month's too; some never."""
    payers = {
        person_ids[row]
        for position, row in enumerate(chosen)
        if behaviour[position] >= NEVER_PAY_SHARE
    }
    late = {
        person_ids[row]
        for position, row in enumerate(chosen)
        if NEVER_PAY_SHARE <= behaviour[position] < NEVER_PAY_SHARE + PAY_LATE_SHARE
    }
    owed: dict[int, int] = {}
    for bill in session.scalars(
        select(ContributionBill).where(
            ContributionBill.status != "paid", ContributionBill.person_id.in_(payers)
        )
    ):
        if bill.person_id in late and bill.month == str(month) and not last:
            continue  # a late payer leaves this month's bill for next month
        owed[bill.person_id] = owed.get(bill.person_id, 0) + bill.outstanding_fen
    collections = [
        (person_id, amount, f"demo:{month}:{person_id}")
        for person_id, amount in sorted(owed.items())
        if amount > 0
    ]
    service.collect(session=session, actor=actor, collections=collections, channel="tax_bureau")


def _fund_subsidies(session: Session, actor: Actor, district: str) -> None:
    post(
        session=session,
        actor=actor,
        draft=Draft(
            key=f"demo:subsidy_budget:{district}",
            kind="budget",
            description="employment subsidy funds allocated to the district",
            postings=(
                (AccountRef("collection_clearing", district), SUBSIDY_BUDGET_FEN),
                (AccountRef("subsidy_budget", district), -SUBSIDY_BUDGET_FEN),
            ),
            month=FIRST_MONTH,
        ),
    )


def _platform_agreement(session: Session, platform: Platform, riders: list[int]) -> None:
    session.add(
        PlatformAgreement(
            platform_id=platform.id, share_bp=PLATFORM_SHARE_BP, from_month=str(FIRST_MONTH)
        )
    )
    session.add_all(
        PlatformWorker(platform_id=platform.id, person_id=person_id, from_month=str(FIRST_MONTH))
        for person_id in riders
    )
    session.flush()


def _subsidies(
    session: Session,
    rulebook: Rulebook,
    actor: Actor,
    officers: tuple[Actor, Actor],
    person_ids: list[int],
    columns: dict[str, list[object]],
    chosen: list[int],
    enrolments: dict[int, int],
    district: str,
    month: Month,
    rng: np.random.Generator,
) -> list[int]:
    """Certified people of the first district apply; one officer proposes, another confirms."""
    maker, checker = officers
    applicants = [
        row
        for row in chosen
        if row in enrolments
        and columns["residence_code"][row] == district
        and rng.random() < SUBSIDY_SHARE * 4
    ]
    approved = []
    for number, row in enumerate(applicants):
        application = subsidies.apply(
            session=session,
            actor=actor,
            person_id=person_ids[row],
            category="difficulty",
            certificate=f"渝就困证〔2025〕{number + 1:04d}",
            as_of=month,
        )
        subsidies.propose(
            session=session,
            actor=maker,
            application_id=application.id,
            decision="approve",
            note=None,
        )
        subsidies.decide(
            session=session,
            rulebook=rulebook,
            actor=checker,
            application_id=application.id,
            confirm=True,
            first_month=month,
            as_of=month,
        )
        approved.append(person_ids[row])
    return approved
