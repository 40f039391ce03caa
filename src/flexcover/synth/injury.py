"""The demo's occupational injury: its platforms onboarded, a month of orders streamed for their
riders through the same checks a platform's API call goes through, the month billed, and claims
left in several states (reported, under investigation with an insurer's proposal, computed,
paid, not confirmed).

Orders follow realistic days: each rider works most days (fewer at weekends for ride-hailing,
more for delivery), with the lunch and dinner peaks of delivery and the commuting peaks of
ride-hailing; an order lasts 15–45 minutes (freight 40–90); a few are cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from flexcover.injury import service as injury
from flexcover.injury.orders import CHINA, MAX_ORDERS
from flexcover.kit.audit import Actor
from flexcover.kit.months import Month
from flexcover.kit.problems import Problem
from flexcover.registry import roster
from flexcover.registry.models import Platform
from flexcover.registry.schemas import RosterRowIn
from flexcover.rules.parameters import Rulebook

PEAKS = {
    # (hour, weight) of the day's orders: delivery's meals, ride-hailing's commutes.
    "instant_delivery": ((8, 1), (11, 4), (12, 5), (13, 2), (17, 3), (18, 5), (19, 4), (21, 2)),
    "mobility": ((7, 4), (8, 5), (9, 2), (12, 2), (17, 4), (18, 5), (19, 3), (22, 2)),
    "freight": ((9, 3), (10, 4), (11, 3), (14, 4), (15, 4), (16, 3)),
}
LENGTH = {"instant_delivery": (15, 45), "mobility": (10, 40), "freight": (40, 90)}
PER_DAY = {"instant_delivery": 14, "mobility": 10, "freight": 4}
CANCELLED_SHARE = 0.03
RIDERS = 60
"""Riders per platform whose orders the demo streams (its roster is topped up to this many): one
per 300 people of the demo, between 4 and 60 (the demo's 20,000 people make 60)."""


def riders_for(people: int) -> int:
    return min(RIDERS, max(4, people // 300))


@dataclass(frozen=True)
class Someone:
    """What a platform's roster row carries of a person."""

    id_number: str
    name: str
    phone: str
    residence: str


@dataclass(frozen=True)
class InjuryDemo:
    orders: int
    bills: int
    claims: int


def build(
    *,
    session: Session,
    rulebook: Rulebook,
    actor: Actor,
    officers: tuple[Actor, Actor],
    insurer: Actor | None,
    platforms: list[Platform],
    people: dict[int, Someone],
    districts: list[str],
    month: Month,
    id_key: bytes,
    seed: int,
) -> InjuryDemo:
    rng = np.random.default_rng(seed + 7)
    after = month.last_day + timedelta(days=1)
    now = datetime.combine(after, datetime.min.time(), CHINA).astimezone(UTC)
    served = districts[: max(1, min(len(districts), 12))]
    sent = 0
    taken: set[int] = set()
    first_orders: dict[int, list[dict[str, str]]] = {}
    for number, platform in enumerate(platforms):
        industry = platform.industries[0] if platform.industries else "instant_delivery"
        injury.onboard(
            session=session,
            actor=actor,
            platform_id=platform.id,
            industry=industry,
            jurisdictions=served,
            float_steps=(0, 1, -1)[number % 3],
            rulebook=rulebook,
            today=month.first_day,
        )
        riders = [p for p in roster.people_on(session, platform.id, month) if p in people]
        wanted = riders_for(len(people))
        riders = riders[:wanted] + _top_up(
            session, actor, platform.id, people, taken, wanted - len(riders), month, id_key
        )
        taken.update(riders)
        id_numbers = {p: people[p].id_number for p in riders}
        rows = _orders(rng, platform.id, industry, riders, id_numbers, served, month)
        for start in range(0, len(rows), MAX_ORDERS):
            outcome = injury.record_orders(
                session=session,
                actor=actor,
                platform_id=platform.id,
                rows=rows[start : start + MAX_ORDERS],
                rulebook=rulebook,
                id_key=id_key,
                now=now,
                partial=True,
            )
            sent += outcome.recorded
        first_orders[platform.id] = rows[:2000]
    issued = injury.issue_bills(
        session=session,
        actor=actor,
        month=month,
        region=served[0][:2] + "0000",
        rulebook=rulebook,
        today=after,
    )
    claims = _claims(session, rulebook, actor, officers, insurer, first_orders, id_key, now)
    return InjuryDemo(orders=sent, bills=issued.issued, claims=claims)


def _top_up(
    session: Session,
    actor: Actor,
    platform_id: int,
    people: dict[int, Someone],
    taken: set[int],
    wanted: int,
    month: Month,
    id_key: bytes,
) -> list[int]:
    """Put ``wanted`` more people on the platform's roster from ``month``, as its API would."""
    if wanted <= 0:
        return []
    chosen = [p for p in sorted(people) if p not in taken][:wanted]
    outcome = roster.add_workers(
        session=session,
        actor=actor,
        platform_id=platform_id,
        rows=[
            RosterRowIn(
                id_number=people[p].id_number,
                name=people[p].name,
                phone=people[p].phone,
                residence_code=people[p].residence,
                work_codes=[people[p].residence],
                from_month=str(month),
            )
            for p in chosen
        ],
        id_key=id_key,
        as_of=month,
        partial=True,
    )
    return [p for p, row in zip(chosen, outcome.rows, strict=True) if row.result == "ok"]


def _orders(
    rng: np.random.Generator,
    platform_id: int,
    industry: str,
    riders: list[int],
    id_numbers: dict[int, str],
    served: list[str],
    month: Month,
) -> list[dict[str, str]]:
    peaks = PEAKS.get(industry, PEAKS["instant_delivery"])
    hours = np.array([h for h, _ in peaks])
    weights = np.array([w for _, w in peaks], dtype=float)
    weights /= weights.sum()
    shortest, longest = LENGTH.get(industry, LENGTH["instant_delivery"])
    rows: list[dict[str, str]] = []
    day = month.first_day
    while day <= month.last_day:
        weekend = day.weekday() >= 5
        for rider in riders:
            works = rng.random() < (0.6 if weekend and industry == "mobility" else 0.85)
            if not works:
                continue
            # Half the riders work in the first district (where the demo's officers are).
            home = served[0] if rider % 2 == 0 else served[rider % len(served)]
            count = int(rng.poisson(PER_DAY.get(industry, 10)))
            starts = sorted(
                int(h) * 60 + int(m)
                for h, m in zip(
                    rng.choice(hours, size=count, p=weights),
                    rng.integers(0, 60, size=count),
                    strict=True,
                )
            )
            free = 0
            for n, minute in enumerate(starts):
                minute = max(minute, free)
                if minute >= 24 * 60 - 1:
                    break
                length = int(rng.integers(shortest, longest + 1))
                accepted = datetime.combine(day, datetime.min.time(), CHINA) + timedelta(
                    minutes=minute
                )
                ended = accepted + timedelta(minutes=length)
                free = minute + length + 2
                cancelled = rng.random() < CANCELLED_SHARE
                rows.append(
                    {
                        "order_id": f"D{platform_id}-{day:%m%d}-{rider}-{n}",
                        "worker_id": id_numbers[rider],
                        "jurisdiction": home,
                        "accepted_at": accepted.isoformat(),
                        ("cancelled_at" if cancelled else "completed_at"): ended.isoformat(),
                    }
                )
        day += timedelta(days=1)
    return rows


def _claims(
    session: Session,
    rulebook: Rulebook,
    actor: Actor,
    officers: tuple[Actor, Actor],
    insurer: Actor | None,
    first_orders: dict[int, list[dict[str, str]]],
    id_key: bytes,
    now: datetime,
) -> int:
    """Claims in several states, each at a moment inside one of the first orders."""
    maker, checker = officers
    # Orders taken in the officers' own district, so that they may decide the claims.
    examples = [
        order
        for rows in first_orders.values()
        for order in rows
        if order["jurisdiction"] == maker.region_code
    ][::37][:7]
    made = 0
    plans = (
        (),
        ("accept",),
        ("accept", "investigate", "propose"),
        ("accept", "investigate", "confirm", "assess", "compute"),
        ("accept", "investigate", "confirm", "assess", "compute", "approve", "pay"),
        ("accept", "investigate", "reject"),
        ("accept", "investigate", "confirm", "assess", "compute", "approve"),
    )
    for order, plan in zip(examples, plans, strict=False):
        accepted = datetime.fromisoformat(order["accepted_at"])
        claim = injury.report_claim(
            session=session,
            actor=actor,
            worker_id=order["worker_id"],
            accident_at=(accepted + timedelta(minutes=8)).astimezone(UTC),
            jurisdiction=order["jurisdiction"],
            place="演示：配送途中路口",
            description="演示：避让车辆时摔倒，手臂擦伤骨折",
            order_ref=order["order_id"],
            reporter_kind="officer",
            rulebook=rulebook,
            id_key=id_key,
            now=now,
        )
        for action in plan:
            who = maker
            data = injury.StepInput(reason="演示")
            if action in ("investigate", "propose") and insurer is not None:
                who = insurer
            if action == "propose":
                data = injury.StepInput(reason="订单轨迹与事故地点吻合", recommendation="confirm")
            elif action == "assess":
                data = injury.StepInput(grade=9)
            elif action == "compute":
                data = injury.StepInput(medical=[("门诊及住院", 420_000)])
            elif action == "approve":
                who = checker
            elif action == "pay":
                data = injury.StepInput(bank_account="6222020200001234567")
            try:
                with session.begin_nested():
                    injury.step_claim(
                        session=session,
                        actor=who,
                        claim_id=claim.id,
                        action=injury.ClaimAction(action),
                        data=data,
                        rulebook=rulebook,
                        now=now,
                    )
            except Problem:
                # A region whose rules cannot price a step (no wage base W loaded) leaves the
                # claim at the step before, as an agency would until its figures are loaded.
                break
        made += 1
    return made


def demo_day(month: Month) -> date:
    return month.last_day + timedelta(days=1)
