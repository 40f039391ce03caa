"""Contribution use cases for one worker: enrol, choose and change a base, pause, resume,
terminate, pay. Every amount comes from :mod:`flexcover.rules`; every movement of money is a ledger
entry; every change has its audit row; nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flexcover.contributions import lifecycle, repository
from flexcover.contributions.entries import (  # the ledger entries' shapes
    PERSONAL as PERSONAL,
)
from flexcover.contributions.entries import POOLED as POOLED
from flexcover.contributions.entries import BillLike as BillLike
from flexcover.contributions.entries import _month
from flexcover.contributions.entries import allocate as allocate
from flexcover.contributions.entries import allocation_postings as allocation_postings
from flexcover.contributions.entries import bill_drafts as bill_drafts
from flexcover.contributions.entries import enrolment_accounts as enrolment_accounts
from flexcover.contributions.entries import merged as merged
from flexcover.contributions.funds import RegionFunds as RegionFunds  # staff reads of money
from flexcover.contributions.funds import bills_in_region as bills_in_region
from flexcover.contributions.funds import region_funds as region_funds
from flexcover.contributions.lifecycle import Action, EnrolmentStatus
from flexcover.contributions.models import (
    BaseChoice,
    BillStatus,
    ContributionBill,
    Enrolment,
    Pause,
    Payment,
    PaymentAllocation,
)
from flexcover.contributions.problems import (
    AlreadyEnrolled,
    BaseChangeNotAllowed,
    FrequencyNotAllowed,
    IdempotencyKeyReused,
    MonthNotAllowed,
    NothingToPay,
    Overpayment,
)
from flexcover.contributions.register import insured_register as insured_register
from flexcover.contributions.register import (  # the register a comparison reads
    insured_register_reader as insured_register_reader,
)
from flexcover.jobs.service import JobContext
from flexcover.kit import audit, events
from flexcover.kit.audit import Actor
from flexcover.kit.database import utc_now
from flexcover.kit.money import format_yuan
from flexcover.kit.months import Month, china_today
from flexcover.kit.outbox import enqueue
from flexcover.kit.problems import NotFound
from flexcover.ledger.service import AccountRef, Draft, open_accounts, post, post_batch
from flexcover.registry import service as registry
from flexcover.registry.authz import Target, allows, authorize
from flexcover.rules.contribution import contribution
from flexcover.rules.parameters import Rulebook

if TYPE_CHECKING:
    from flexcover.contributions.overview import PersonContributions

ENROL_AHEAD_MONTHS = 12


def contribution_year_start(rulebook: Rulebook, jurisdiction: str, month: Month) -> Month:
    """The first month of the contribution year that holds ``month`` (July–June or calendar)."""
    found = rulebook.find(jurisdiction, "contribution_year.first_month", month.first_day)
    first = found.value if found is not None else 1
    return Month(month.year if month.month >= first else month.year - 1, first)


def _person(session: Session, person_id: int) -> registry.Person:
    return registry.person(session, person_id)


def _enrolment(session: Session, actor: Actor, enrolment_id: int, action: str) -> Enrolment:
    enrolment = repository.get_enrolment(session, enrolment_id, lock=True)
    if enrolment is None:
        raise NotFound(field="enrolment_id", what="enrolment", key=enrolment_id)
    authorize(
        actor,
        action,
        Target(region_code=enrolment.jurisdiction_code, person_id=enrolment.person_id),
        field="enrolment_id",
    )
    return enrolment


def get_enrolment(*, session: Session, actor: Actor, enrolment_id: int) -> Enrolment:
    """The enrolment, if ``actor`` may read it (the answer of a change made to it)."""
    enrolment = repository.get_enrolment(session, enrolment_id)
    if enrolment is None:
        raise NotFound(field="enrolment_id", what="enrolment", key=enrolment_id)
    authorize(
        actor,
        "enrolment.read",
        Target(region_code=enrolment.jurisdiction_code, person_id=enrolment.person_id),
        field="enrolment_id",
    )
    return enrolment


class Quote(NamedTuple):
    """One month's contribution at a base: the amount, its split, and whether it rests on
    figures carried forward from last year (暂按上年度标准, reconciled once published)."""

    amount_fen: int
    personal_account_fen: int
    pooled_fund_fen: int
    provisional: bool


def quote(rulebook: Rulebook, jurisdiction: str, month: Month, base_fen: int, scheme: str) -> Quote:
    """The contribution of one month at ``base_fen``; refuses a base outside the published range
    with the range."""
    result = contribution(
        rulebook=rulebook,
        jurisdiction=jurisdiction,
        month=month,
        base_fen=np.array([base_fen]),
        schemes=(scheme,),
    )
    part = result.schemes[0]
    return Quote(
        int(part.amount_fen[0]),
        int(part.personal_account_fen[0]),
        int(part.pooled_fund_fen[0]),
        provisional=bool(result.explain.carried),
    )


def enrol(
    *,
    session: Session,
    rulebook: Rulebook,
    actor: Actor,
    person_id: int,
    scheme: str,
    jurisdiction: str,
    first_month: Month,
    base_fen: int,
    payment_frequency: str,
    as_of: Month,
) -> Enrolment:
    """参保登记 where the person works, whatever their hukou; one open enrolment per scheme."""
    person = _person(session, person_id)
    registry.require_jurisdiction(session, jurisdiction, field="jurisdiction", levels=("district",))
    # Authority over the person as well as the place: an officer enrols people of their region
    # (in any district of it); a worker enrols themselves wherever they work.
    authorize(
        actor,
        "person.read",
        Target(region_code=person.residence_code, person_id=person.id),
        field="person_id",
    )
    authorize(
        actor,
        "enrolment.manage",
        Target(region_code=jurisdiction, person_id=person.id),
        field="jurisdiction",
    )
    if not as_of <= first_month <= as_of + ENROL_AHEAD_MONTHS:
        raise MonthNotAllowed(
            field="first_month",
            reason_zh=f"参保起始月应在 {as_of} 至 {as_of + ENROL_AHEAD_MONTHS} 之间；"
            "以前的月份只能按补缴政策办理",
            reason_en=f"the first month must be between {as_of} and {as_of + ENROL_AHEAD_MONTHS}; "
            "earlier months can only be made up where the make-up policy allows",
        )
    existing = repository.open_enrolment(session, person.id, scheme)
    if existing is not None:
        raise _already_enrolled(actor, existing, scheme)
    allowed = rulebook.get(
        jurisdiction, "payment.frequencies", first_month.first_day, field="first_month"
    ).value
    if payment_frequency not in allowed:
        raise FrequencyNotAllowed(
            field="payment_frequency", jurisdiction=jurisdiction, allowed=", ".join(allowed)
        )
    quote(rulebook, jurisdiction, first_month, base_fen, scheme)  # refuses a base out of range
    enrolment = Enrolment(
        person_id=person.id,
        scheme=scheme,
        jurisdiction_code=jurisdiction,
        status=EnrolmentStatus.ACTIVE,
        payment_frequency=payment_frequency,
        first_month=str(first_month),
    )
    try:
        with session.begin_nested():  # added inside, so a refused insert leaves nothing behind
            session.add(enrolment)
            session.flush()
    except IntegrityError:
        # A concurrent enrolment won the race for the one open enrolment per scheme.
        existing = repository.open_enrolment(session, person.id, scheme)
        if existing is None:
            raise
        raise _already_enrolled(actor, existing, scheme) from None
    session.add(
        BaseChoice(enrolment_id=enrolment.id, effective_month=str(first_month), base_fen=base_fen)
    )
    open_accounts(session=session, refs=enrolment_accounts(person.id, scheme, jurisdiction))
    if scheme == "employee_pension":
        # 扩面转化: the comparison's open tasks for this person are done (coverage listens).
        events.publish(
            session,
            events.PERSON_ENROLLED,
            person_key=person.id_hash,
            scheme=scheme,
            jurisdiction=jurisdiction,
        )
    audit.record(
        session,
        actor=actor,
        action="enrolment.create",
        entity="enrolment",
        entity_id=enrolment.id,
        details={
            "scheme": scheme,
            "jurisdiction": jurisdiction,
            "first_month": str(first_month),
            "base_fen": base_fen,
        },
    )
    return enrolment


def _already_enrolled(actor: Actor, existing: Enrolment, scheme: str) -> AlreadyEnrolled:
    """The refusal of a second open enrolment, naming where and which only to those who may
    read that enrolment (another district's officer learns only that there is one)."""
    if allows(
        actor,
        "enrolment.read",
        Target(region_code=existing.jurisdiction_code, person_id=existing.person_id),
    ):
        where, which = existing.jurisdiction_code, str(existing.id)
    else:
        where, which = "另一统筹地区 / another region", "—"
    return AlreadyEnrolled(field="scheme", jurisdiction=where, scheme=scheme, enrolment_id=which)


def base_for(session: Session, enrolment_id: int, month: Month) -> int | None:
    """The base chosen for ``month``: the latest choice effective on or before it."""
    chosen = None
    for choice in repository.base_choices(session, enrolment_id):
        if choice.effective_month <= str(month):
            chosen = choice.base_fen
    return chosen


def change_base(
    *,
    session: Session,
    rulebook: Rulebook,
    actor: Actor,
    enrolment_id: int,
    from_month: Month,
    base_fen: int,
    as_of: Month,
) -> BaseChoice:
    """Choose a new base from ``from_month`` on, as often as the jurisdiction allows."""
    enrolment = _enrolment(session, actor, enrolment_id, "enrolment.manage")
    lifecycle.allowed(enrolment.id, enrolment.status, Action.CHANGE_BASE)
    if from_month < as_of or str(from_month) < enrolment.first_month:
        raise MonthNotAllowed(
            field="from_month",
            reason_zh=f"只能调整 {as_of} 及以后的月份",
            reason_en=f"only months from {as_of} on can be changed",
        )
    if repository.bill(session, enrolment.id, str(from_month)) is not None:
        raise BaseChangeNotAllowed(
            field="from_month",
            reason_zh=f"{from_month} 已出账单，请从下个月起调整",
            reason_en=f"{from_month} is already billed; change from the next month",
        )
    day = from_month.first_day
    frequency = rulebook.get(
        enrolment.jurisdiction_code, "contribution_base.change_frequency", day, field="from_month"
    ).value
    choices = repository.base_choices(session, enrolment.id)
    if frequency == "window":
        window = rulebook.get(
            enrolment.jurisdiction_code,
            "contribution_base.change_window_months",
            day,
            field="from_month",
        ).value
        if from_month.month not in window:
            raise BaseChangeNotAllowed(
                field="from_month",
                reason_zh=f"本地只在每年 {'、'.join(map(str, window))} 月调整缴费基数",
                reason_en=f"here the base can only change in months {', '.join(map(str, window))}",
            )
    elif frequency == "annual":
        year_start = contribution_year_start(rulebook, enrolment.jurisdiction_code, from_month)
        year_end = year_start + 11
        changes = [
            choice
            for choice in choices
            if choice.effective_month != enrolment.first_month
            and str(year_start) <= choice.effective_month <= str(year_end)
            and choice.effective_month != str(from_month)
        ]
        if changes:
            raise BaseChangeNotAllowed(
                field="from_month",
                reason_zh=f"本缴费年度（{year_start} 至 {year_end}）已调整过一次基数",
                reason_en=f"the base was already changed once in the contribution year "
                f"{year_start} to {year_end}",
            )
    quote(rulebook, enrolment.jurisdiction_code, from_month, base_fen, enrolment.scheme)
    same_month = next((c for c in choices if c.effective_month == str(from_month)), None)
    if same_month is not None:
        same_month.base_fen = base_fen
        choice = same_month
    else:
        choice = BaseChoice(
            enrolment_id=enrolment.id, effective_month=str(from_month), base_fen=base_fen
        )
        session.add(choice)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="enrolment.change_base",
        entity="enrolment",
        entity_id=enrolment.id,
        details={"from_month": str(from_month), "base_fen": base_fen},
    )
    return choice


def pause(
    *, session: Session, actor: Actor, enrolment_id: int, from_month: Month, as_of: Month
) -> Pause:
    """暂停缴费 from ``from_month``: the months until resumption are a gap in the record."""
    enrolment = _enrolment(session, actor, enrolment_id, "enrolment.manage")
    target = lifecycle.allowed(enrolment.id, enrolment.status, Action.PAUSE)
    if from_month < as_of or repository.bill(session, enrolment.id, str(from_month)) is not None:
        raise MonthNotAllowed(
            field="from_month",
            reason_zh="只能从尚未出账单的本月或以后暂停",
            reason_en="a pause starts in a month not yet billed, from now on",
        )
    enrolment.status = target
    paused = Pause(enrolment_id=enrolment.id, from_month=str(from_month))
    session.add(paused)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="enrolment.pause",
        entity="enrolment",
        entity_id=enrolment.id,
        details={"from_month": str(from_month)},
    )
    return paused


def resume(
    *, session: Session, actor: Actor, enrolment_id: int, month: Month, as_of: Month
) -> Enrolment:
    """恢复缴费 from ``month``; the paused months stay uncontributed."""
    enrolment = _enrolment(session, actor, enrolment_id, "enrolment.manage")
    open_pause = next(
        (p for p in repository.pauses(session, enrolment.id) if p.until_month is None), None
    )
    target = lifecycle.allowed(enrolment.id, enrolment.status, Action.RESUME)
    if open_pause is None:  # a paused enrolment has its pause: the data say otherwise
        raise lifecycle.refusal(enrolment.id, enrolment.status, Action.RESUME)
    if open_pause.from_month > str(as_of):
        raise MonthNotAllowed(
            field="month",
            reason_zh=f"暂停从 {open_pause.from_month} 起才开始，尚未开始的暂停请直接撤销",
            reason_en=f"the pause only begins in {open_pause.from_month}; a pause that has not "
            "begun is withdrawn instead",
        )
    if month < as_of or str(month) <= open_pause.from_month:
        raise MonthNotAllowed(
            field="month",
            reason_zh=f"恢复月份应晚于暂停起始月 {open_pause.from_month}，且不早于 {as_of}",
            reason_en=f"resume after the pause began ({open_pause.from_month}) "
            f"and not before {as_of}",
        )
    open_pause.until_month = str(month - 1)
    enrolment.status = target
    audit.record(
        session,
        actor=actor,
        action="enrolment.resume",
        entity="enrolment",
        entity_id=enrolment.id,
        details={"month": str(month)},
    )
    return enrolment


def open_pause(session: Session, enrolment_id: int) -> Pause | None:
    """The pause in force or ahead (no end yet), if any."""
    return next(
        (p for p in repository.pauses(session, enrolment_id) if p.until_month is None), None
    )


def withdraw_pause(*, session: Session, actor: Actor, enrolment_id: int, as_of: Month) -> Enrolment:
    """撤销暂停: a pause that has not begun (it starts after ``as_of``) is taken back, as if it
    had never been asked for; one that has begun is ended by resuming."""
    enrolment = _enrolment(session, actor, enrolment_id, "enrolment.manage")
    pause = open_pause(session, enrolment.id)
    target = lifecycle.allowed(enrolment.id, enrolment.status, Action.WITHDRAW_PAUSE)
    if pause is None:  # a paused enrolment has its pause: the data say otherwise
        raise lifecycle.refusal(enrolment.id, enrolment.status, Action.WITHDRAW_PAUSE)
    if pause.from_month <= str(as_of):
        raise MonthNotAllowed(
            field="enrolment_id",
            reason_zh=f"暂停已于 {pause.from_month} 开始，请办理恢复缴费",
            reason_en=f"the pause began in {pause.from_month}; resume instead",
        )
    session.delete(pause)
    enrolment.status = target
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="enrolment.pause_withdrawn",
        entity="enrolment",
        entity_id=enrolment.id,
        details={"from_month": pause.from_month},
    )
    return enrolment


def terminate(
    *, session: Session, actor: Actor, enrolment_id: int, month: Month, reason: str, as_of: Month
) -> Enrolment:
    """终止参保 after ``month`` (the last month contributed), with the reason."""
    enrolment = _enrolment(session, actor, enrolment_id, "enrolment.manage")
    target = lifecycle.allowed(enrolment.id, enrolment.status, Action.TERMINATE)
    if month < as_of - 1 or str(month) < enrolment.first_month:
        raise MonthNotAllowed(
            field="month",
            reason_zh=f"最后缴费月不能早于 {as_of - 1}",
            reason_en=f"the last month cannot be before {as_of - 1}",
        )
    enrolment.status = target
    enrolment.last_month = str(month)
    enrolment.termination_reason = reason
    audit.record(
        session,
        actor=actor,
        action="enrolment.terminate",
        entity="enrolment",
        entity_id=enrolment.id,
        details={"last_month": str(month), "reason": reason},
    )
    return enrolment


def pay(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    amount_fen: int,
    idempotency_key: str,
    channel: str = "online",
) -> Payment:
    """实缴: settle the person's unpaid bills oldest first. Retrying with the same
    ``idempotency_key`` returns the first payment and changes nothing."""
    person = _person(session, person_id)
    authorize(
        actor,
        "payment.make",
        Target(region_code=person.residence_code, person_id=person.id),
        field="person_id",
    )
    existing = repository.payment_by_key(session, person.id, idempotency_key)
    if existing is not None:
        return _same_payment(existing, amount_fen, channel)
    if amount_fen <= 0:
        raise Overpayment(field="amount_yuan", amount=format_yuan(amount_fen), outstanding="0.00")
    payment = Payment(
        person_id=person.id,
        idempotency_key=idempotency_key,
        amount_fen=amount_fen,
        channel=channel,
        received_at=utc_now(),
    )
    try:
        with session.begin_nested():  # added inside, so a refused insert leaves nothing behind
            session.add(payment)
            session.flush()
    except IntegrityError:
        # The same key arrived twice at once: the other request's payment is the payment.
        winner = repository.payment_by_key(session, person.id, idempotency_key)
        if winner is None:
            raise
        return _same_payment(winner, amount_fen, channel)
    bills = repository.unpaid_bills_of(session, [person.id])
    outstanding = sum(bill.outstanding_fen for bill in bills)
    if not bills:
        raise NothingToPay(field="amount_yuan")
    if amount_fen > outstanding:
        raise Overpayment(
            field="amount_yuan",
            amount=format_yuan(amount_fen),
            outstanding=format_yuan(outstanding),
        )
    received, paid_bills = _allocate(session, payment, bills, amount_fen)
    postings = _payment_postings(person.id, received)
    post(
        session=session,
        actor=actor,
        draft=Draft(
            key=f"payment:{person.id}:{idempotency_key}",
            kind="payment",
            description=f"payment {format_yuan(amount_fen)} via {channel}",
            postings=postings,
        ),
    )
    for bill in paid_bills:
        allocation = allocate(bill)
        if allocation is not None:
            post(session=session, actor=actor, draft=allocation)
    enqueue(
        session,
        [
            (
                f"receipt:{payment.id}",
                "payment.receipt",
                {
                    "person_id": person.id,
                    "payment_id": payment.id,
                    "amount_fen": amount_fen,
                    "months": [bill.month for bill in paid_bills],
                },
            )
        ],
    )
    audit.record(
        session,
        actor=actor,
        action="payment.receive",
        entity="payment",
        entity_id=payment.id,
        details={
            "amount_fen": amount_fen,
            "channel": channel,
            "bills": [bill.id for bill in paid_bills],
        },
    )
    return payment


def _allocate(
    session: Session, payment: Payment, bills: Sequence[ContributionBill], amount_fen: int
) -> tuple[dict[str, int], list[ContributionBill]]:
    """Settle ``bills`` oldest first with ``amount_fen``: how much each jurisdiction received, and
    the bills now fully paid."""
    remaining = amount_fen
    received: dict[str, int] = defaultdict(int)
    paid_bills = []
    for bill in bills:
        if remaining == 0:
            break
        take = min(remaining, bill.outstanding_fen)
        if take == 0:
            continue
        bill.paid_fen += take
        remaining -= take
        received[bill.jurisdiction_code] += take
        session.add(PaymentAllocation(payment_id=payment.id, bill_id=bill.id, amount_fen=take))
        if bill.outstanding_fen == 0:
            bill.status = BillStatus.PAID
            bill.paid_at = utc_now()
            paid_bills.append(bill)
    return received, paid_bills


def _payment_postings(
    person_id: int, received: dict[str, int]
) -> tuple[tuple[AccountRef, int], ...]:
    postings: list[tuple[AccountRef, int]] = []
    for jurisdiction, amount in sorted(received.items()):
        postings.append((AccountRef("collection_clearing", jurisdiction), amount))
        postings.append((AccountRef("receivable", jurisdiction, person_id=person_id), -amount))
    return tuple(postings)


def collect(
    *,
    session: Session,
    actor: Actor,
    collections: Sequence[tuple[int, int, str]],
    channel: str = "tax_bureau",
) -> int:
    """Apply a batch of collected payments ``(person_id, amount_fen, key)`` — a tax bureau or
    bank collection file — exactly as :func:`pay` would one by one, with one ledger batch.
    Keys already applied are skipped; returns how many payments were new."""
    fresh = []
    for person_id, amount_fen, key in collections:
        existing = repository.payment_by_key(session, person_id, key)
        if existing is not None:
            _same_payment(existing, amount_fen, channel)
            continue
        fresh.append((person_id, amount_fen, key))
    if not fresh:
        return 0
    bills_by_person: dict[int, list[ContributionBill]] = defaultdict(list)
    for bill in repository.unpaid_bills_of(session, sorted({p for p, _, _ in fresh})):
        bills_by_person[bill.person_id].append(bill)
    payments = []
    for person_id, amount_fen, key in fresh:
        bills = bills_by_person[person_id]
        outstanding = sum(bill.outstanding_fen for bill in bills)
        if amount_fen <= 0 or amount_fen > outstanding:
            raise Overpayment(
                field=f"collections.{key}",
                amount=format_yuan(amount_fen),
                outstanding=format_yuan(outstanding),
            )
        payment = Payment(
            person_id=person_id,
            idempotency_key=key,
            amount_fen=amount_fen,
            channel=channel,
            received_at=utc_now(),
        )
        payments.append((payment, bills, amount_fen))
    session.add_all([payment for payment, _, _ in payments])
    session.flush()
    drafts: list[Draft] = []
    messages: list[tuple[str, str, dict[str, object]]] = []
    for payment, bills, amount_fen in payments:
        received, paid_bills = _allocate(session, payment, bills, amount_fen)
        drafts.append(
            Draft(
                key=f"payment:{payment.person_id}:{payment.idempotency_key}",
                kind="payment",
                description=f"collected via {channel}",
                postings=_payment_postings(payment.person_id, received),
            )
        )
        drafts.extend(d for bill in paid_bills if (d := allocate(bill)) is not None)
        messages.append(
            (
                f"receipt:{payment.id}",
                "payment.receipt",
                {
                    "person_id": payment.person_id,
                    "payment_id": payment.id,
                    "amount_fen": amount_fen,
                    "months": [b.month for b in paid_bills],
                },
            )
        )
    session.flush()
    post_batch(session=session, drafts=drafts, actor=actor)
    enqueue(session, messages)
    audit.record_many(
        session,
        actor=actor,
        action="payment.receive",
        entity="payment",
        entity_ids=[payment.id for payment, _, _ in payments],
        details={"channel": channel},
    )
    return len(payments)


@dataclass(frozen=True)
class PaymentOutcome:
    """What a payment did, as the payer is told: the months it paid in full (their money is now
    in the personal account and the pooled fund) and the bill it paid only part of, with what
    that bill still lacks (nothing reaches the accounts until it is paid in full)."""

    amount_fen: int
    paid_months: list[str]
    partial_month: str | None
    partial_remaining_fen: int


def payment_outcome(*, session: Session, actor: Actor, payment_id: int) -> PaymentOutcome:
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise NotFound(field="payment", what="payment", key=payment_id)
    person = _person(session, payment.person_id)
    authorize(
        actor,
        "enrolment.read",
        Target(region_code=person.residence_code, person_id=person.id),
        field="payment",
    )
    paid, partial, remaining = [], None, 0
    for _allocation, bill in repository.allocations_of(session, payment.id):
        if bill.status == BillStatus.PAID:
            paid.append(bill.month)
        elif partial is None:
            partial, remaining = bill.month, bill.outstanding_fen
    return PaymentOutcome(payment.amount_fen, paid, partial, remaining)


def due_date(rulebook: Rulebook, bill: ContributionBill) -> date:
    """缴费期限: the last day a bill can be paid before it falls into arrears, which happens
    when the month ``arrears.reminder_after_months`` after it is settled (after that month
    ends)."""
    month = _month(bill.month)
    lag = rulebook.get(bill.jurisdiction_code, "arrears.reminder_after_months", month.first_day)
    return (month + max(int(lag.value), 1)).last_day


def _same_payment(existing: Payment, amount_fen: int, channel: str) -> Payment:
    """The first payment under a key, if the retry asks for the very same payment."""
    if existing.amount_fen != amount_fen or existing.channel != channel:
        raise IdempotencyKeyReused(
            field="idempotency_key",
            amount=format_yuan(existing.amount_fen),
            channel=existing.channel,
        )
    return existing


# --- what staff read of a person --------------------------------------------------------------


def person_contributions(
    *, session: Session, rulebook: Rulebook, actor: Actor, person_id: int, now: Month
) -> PersonContributions:
    """A person's enrolments, latest bills, subsidy applications and record, for staff of their
    region (the person page); the record read is audited."""
    from flexcover.contributions import overview  # it builds on the use cases above

    return overview.person_contributions(
        session=session, rulebook=rulebook, actor=actor, person_id=person_id, now=now
    )


# --- month-end settlement as a worker's job ----------------------------------------------------

SETTLEMENT_JOB = "contributions.settle"


def settlement_job(month: Month) -> tuple[str, dict[str, object]]:
    """The key and payload of the job that settles ``month`` (one job a month, however it is
    queued)."""
    return f"{SETTLEMENT_JOB}:{month}", {"month": str(month)}


def settlement_for_firing(fired: datetime) -> tuple[str, dict[str, object]]:
    """The month-end schedule's job: at a firing on the first of a month, the month before."""
    return settlement_job(Month.of(fired.date()) - 1)


def run_settlement_job(context: JobContext) -> str:
    """A worker's handler of :data:`SETTLEMENT_JOB`: settle the month (resumable: after a crash
    it carries on from the chunks done)."""
    from flexcover.contributions.tasks import settle

    month = Month.parse(str(context.payload["month"]), field="month")

    def report(done: int, total: int) -> None:
        context.progress(f"{done:,} of {total:,} enrolments")

    summary = settle(
        database=context.database,
        rulebook=context.rulebook,
        month=month,
        actor=Actor.system("worker"),
        today=china_today(),
        workers=2,
        progress=report,
    )
    if summary.already_done:
        return f"{month} was already settled ({summary.bills:,} bills)"
    return f"{month} settled: {summary.bills:,} bills in {summary.chunks:,} chunks"
