"""按月缴费: the monthly bill of each platform in each jurisdiction, and its payment.

A bill is the month's per-order premiums moved by the platform's floating coefficient, rounded
once. Issued again (late orders arrived), the same bill changes: its ``revision`` rises, a
change row keeps what it said, and the ledger gets only the difference under
``injury_bill:<bill>:r<revision>``. Paying moves the money from the platform's receivable into
the jurisdiction's occupational-injury fund (accounted apart from the work-injury fund).

| event | entry (debit + / credit −) |
|---|---|
| bill issued or re-issued | injury_premium_receivable[platform] + difference, injury_premium_billed − difference |
| platform pays | collection_clearing + amount, injury_premium_receivable − amount, injury_premium_billed + amount, injury_fund − amount |
"""  # noqa: E501

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from flexcover.injury import repository
from flexcover.injury.models import InjuryBill, InjuryBillChange, InjuryBillStatus, Order
from flexcover.injury.problems import MonthNotOver, PaymentRefused
from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.database import utc_now
from flexcover.kit.money import format_yuan
from flexcover.kit.months import Month
from flexcover.ledger.service import AccountRef, Draft, post
from flexcover.registry.authz import within
from flexcover.rules.injury import adjusted, adjustment
from flexcover.rules.parameters import Rulebook


@dataclass(frozen=True)
class Issued:
    issued: int
    reissued: int
    unchanged: int
    difference_fen: int


def issue(
    *,
    session: Session,
    actor: Actor,
    month: Month,
    region: str,
    rulebook: Rulebook,
    today: date,
) -> Issued:
    """Issue (or re-issue) every platform's bill for ``month`` in ``region``. A month is billed
    after it ends."""
    if month.last_day >= today:
        raise MonthNotOver(field="month", month=str(month))
    issued = reissued = unchanged = moved = 0
    for platform_id, code, orders, base in repository.month_totals(
        session, month, within(Order.jurisdiction_code, region)
    ):
        bill = repository.bill(session, platform_id, code, month)
        if bill is None:
            profile = repository.profile(session, platform_id)
            steps = profile.float_steps if profile is not None else 0
            moved_by = adjustment(
                rulebook=rulebook, jurisdiction=code, steps=steps, on=month.first_day
            )
            due = adjusted(base, moved_by)
            days = rulebook.get(code, "injury.bill_due_days", today).value
            bill = InjuryBill(
                platform_id=platform_id,
                jurisdiction_code=code,
                month=str(month),
                orders=orders,
                base_fen=base,
                adjustment=str(moved_by),
                due_fen=due,
                paid_fen=0,
                due_date=today + timedelta(days=int(days)),
                status=InjuryBillStatus.OPEN if due else InjuryBillStatus.PAID,
                revision=1,
                provisional=False,
            )
            session.add(bill)
            session.flush()
            _change(session, actor, bill, due)
            issued += 1
            moved += due
            continue
        due = adjusted(base, Decimal(bill.adjustment))
        if orders == bill.orders and due == bill.due_fen:
            unchanged += 1
            continue
        difference = due - bill.due_fen
        bill.orders, bill.base_fen, bill.due_fen = orders, base, due
        bill.revision += 1
        bill.reissued_at = utc_now()
        bill.status = _status(bill, today)
        session.flush()
        _change(session, actor, bill, difference)
        reissued += 1
        moved += difference
    mark_arrears(session=session, today=today)
    return Issued(issued=issued, reissued=reissued, unchanged=unchanged, difference_fen=moved)


def _status(bill: InjuryBill, today: date) -> InjuryBillStatus:
    if bill.paid_fen >= bill.due_fen:
        return InjuryBillStatus.PAID
    return InjuryBillStatus.ARREARS if bill.due_date < today else InjuryBillStatus.OPEN


def _change(session: Session, actor: Actor, bill: InjuryBill, difference: int) -> None:
    session.add(
        InjuryBillChange(
            bill_id=bill.id,
            revision=bill.revision,
            orders=bill.orders,
            due_fen=bill.due_fen,
            difference_fen=difference,
        )
    )
    if difference:
        code = bill.jurisdiction_code
        post(
            session=session,
            actor=actor,
            draft=Draft(
                key=f"injury_bill:{bill.id}:r{bill.revision}",
                kind="injury_bill",
                description=f"platform {bill.platform_id} premiums {bill.month} r{bill.revision}",
                postings=(
                    (
                        AccountRef("injury_premium_receivable", code, platform_id=bill.platform_id),
                        difference,
                    ),
                    (AccountRef("injury_premium_billed", code), -difference),
                ),
                month=Month.parse(bill.month),
            ),
        )
    audit.record(
        session,
        actor=actor,
        action="injury.bill_issued" if bill.revision == 1 else "injury.bill_reissued",
        entity="injury_bill",
        entity_id=bill.id,
        details={"revision": bill.revision, "due_fen": bill.due_fen, "difference_fen": difference},
    )


def mark_arrears(*, session: Session, today: date) -> int:
    """Bills past their due date with something owed become arrears (欠费)."""
    changed = 0
    for bill in repository.bills(
        session,
        (InjuryBill.status == InjuryBillStatus.OPEN) & (InjuryBill.due_date < today),
        limit=100_000,
    ):
        bill.status = InjuryBillStatus.ARREARS
        changed += 1
    return changed


def pay(
    *,
    session: Session,
    actor: Actor,
    platform_id: int,
    amount_fen: int,
    reference: str,
    today: date,
) -> list[InjuryBill]:
    """The platform pays its open bills, oldest first; paying more than is owed is refused."""
    open_bills = [
        bill
        for bill in repository.bills(
            session,
            (InjuryBill.platform_id == platform_id)
            & InjuryBill.status.in_([InjuryBillStatus.OPEN, InjuryBillStatus.ARREARS]),
            limit=10_000,
        )
    ]
    open_bills.sort(key=lambda b: (b.month, b.jurisdiction_code))
    owed = sum(b.due_fen - b.paid_fen for b in open_bills)
    if amount_fen <= 0 or amount_fen > owed:
        raise PaymentRefused(
            field="amount_fen",
            reason_zh=f"应为 1 分至所欠 {format_yuan(owed)} 元",
            reason_en=f"between 1 fen and the {format_yuan(owed)} yuan owed",
        )
    remaining = amount_fen
    postings: list[tuple[AccountRef, int]] = []
    paid: list[InjuryBill] = []
    for bill in open_bills:
        take = min(remaining, bill.due_fen - bill.paid_fen)
        if take <= 0:
            continue
        code = bill.jurisdiction_code
        postings += [
            (AccountRef("collection_clearing", code), take),
            (AccountRef("injury_premium_receivable", code, platform_id=platform_id), -take),
            (AccountRef("injury_premium_billed", code), take),
            (AccountRef("injury_fund", code), -take),
        ]
        bill.paid_fen += take
        bill.status = _status(bill, today)
        remaining -= take
        paid.append(bill)
        if remaining == 0:
            break
    post(
        session=session,
        actor=actor,
        draft=Draft(
            key=f"injury_payment:{platform_id}:{reference}",
            kind="injury_payment",
            description=f"platform {platform_id} paid premiums {format_yuan(amount_fen)}",
            postings=tuple(postings),
        ),
    )
    audit.record(
        session,
        actor=actor,
        action="injury.bill_paid",
        entity="platform",
        entity_id=platform_id,
        details={"amount_fen": amount_fen, "bills": [b.id for b in paid]},
    )
    return paid
