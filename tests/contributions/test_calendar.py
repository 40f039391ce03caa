"""The calendar: next year's limits are carried forward until published (暂按上年度标准) and the
bills priced on them reconciled (多退少补); a month is settled once it is over; the record does
not count a month not yet billed as missed."""

from datetime import date

import pytest
from sqlalchemy import select

from flexcover.contributions import service
from flexcover.contributions.models import BillAdjustment, ContributionBill
from flexcover.contributions.problems import MonthNotEnded, NothingToSettle
from flexcover.contributions.record import record
from flexcover.contributions.tasks import reconcile
from flexcover.kit.audit import AuditEntry
from flexcover.kit.months import Month
from flexcover.kit.outbox import OutboxMessage
from flexcover.ledger.models import JournalEntry
from flexcover.ledger.service import AccountRef, balance, verify
from tests.conftest import SYSTEM, count
from tests.contributions.conftest import CEILING, JAN

JAN_2027 = Month(2027, 1)


def _bill(session, person_id, month):
    session.expire_all()
    return session.scalars(
        select(ContributionBill).where(
            ContributionBill.person_id == person_id, ContributionBill.month == str(month)
        )
    ).one()


def _balance(session, kind, person_id):
    return balance(session=session, ref=AccountRef(kind, "500103", person_id=person_id))


def test_a_base_for_next_january_can_be_chosen_in_december_provisionally(world, rulebook):
    person_id, me = world.worker()
    enrolment = world.enrol(person_id, me, first=Month(2026, 12), as_of=Month(2026, 12))
    with world.database.unit_of_work() as work:
        choice = service.change_base(
            session=work,
            rulebook=rulebook,
            actor=me,
            enrolment_id=enrolment.id,
            from_month=JAN_2027,
            base_fen=600000,
            as_of=Month(2026, 12),
        )
    assert (choice.effective_month, choice.base_fen) == ("2027-01", 600000)
    assert service.quote(rulebook, "500103", JAN_2027, 600000, "employee_pension").provisional
    assert not service.quote(rulebook, "500103", JAN, 600000, "employee_pension").provisional


def test_bills_of_a_year_without_published_limits_are_provisional(world, session):
    person_id, _ = world.worker()
    world.enrol(person_id, first=JAN_2027, as_of=JAN_2027)
    summary = world.settle(JAN_2027)
    assert summary.bills == 1
    bill = _bill(session, person_id, JAN_2027)
    assert (bill.due_fen, bill.provisional) == (91060, True)
    assert summary.reconciled.waiting == 0  # counted before this month's bills existed
    again = world.settle(JAN_2027 + 1)
    assert again.reconciled.waiting == 1  # January waits for its figures
    assert verify(session=session) == []


def test_published_limits_bill_the_difference_on_the_same_bill(world, session, published):
    floor_payer, _ = world.worker()
    middle, _ = world.worker()
    world.enrol(floor_payer, first=JAN_2027, as_of=JAN_2027)
    world.enrol(middle, base=600000, first=JAN_2027, as_of=JAN_2027)
    world.settle(JAN_2027)
    world.pay(floor_payer, 91060, "paid-january")
    paid = _bill(session, floor_payer, JAN_2027)
    assert (paid.status, paid.allocated_personal_fen) == ("paid", 36424)
    entries = count(session, JournalEntry)

    done = reconcile(database=world.database, rulebook=published, actor=SYSTEM)

    assert (done.repriced, done.adjusted, done.waiting) == (2, 1, 0)
    assert done.charged_fen == 96020 - 91060  # 4,801 × 20 % less 4,553 × 20 %
    bill = _bill(session, floor_payer, JAN_2027)
    assert bill.id == paid.id  # the same bill, re-priced: no second bill
    assert count(session, ContributionBill) == 2
    assert (bill.base_fen, bill.due_fen, bill.revision, bill.provisional) == (
        480100,
        96020,
        1,
        False,
    )
    assert (bill.status, bill.outstanding_fen) == ("open", 4960)
    assert _balance(session, "receivable", floor_payer) == 4960
    assert _balance(session, "personal_pension", floor_payer) == 36424  # not until it is paid
    [adjustment] = session.scalars(select(BillAdjustment)).all()
    assert (adjustment.old_due_fen, adjustment.new_due_fen, adjustment.refund_fen) == (
        91060,
        96020,
        0,
    )
    untouched = _bill(session, middle, JAN_2027)
    assert (untouched.due_fen, untouched.revision, untouched.provisional) == (120000, 0, False)
    assert count(session, JournalEntry) == entries + 1
    topics = session.scalars(
        select(OutboxMessage.topic).where(OutboxMessage.topic == "contribution.bill_adjusted")
    ).all()
    assert topics == ["contribution.bill_adjusted"]

    world.pay(floor_payer, 4960, "the-difference")
    bill = _bill(session, floor_payer, JAN_2027)
    assert (bill.status, bill.allocated_personal_fen) == ("paid", 38408)  # 8 % of 4,801
    assert _balance(session, "personal_pension", floor_payer) == 38408
    assert verify(session=session) == []
    assert reconcile(database=world.database, rulebook=published, actor=SYSTEM).repriced == 0


def test_a_lower_ceiling_refunds_what_was_paid_beyond_it(world, session, published):
    person_id, _ = world.worker()
    world.enrol(person_id, base=CEILING, first=JAN_2027, as_of=JAN_2027)
    world.settle(JAN_2027)
    world.pay(person_id, 455300, "ceiling")  # 22,765 × 20 %

    done = reconcile(database=world.database, rulebook=published, actor=SYSTEM)

    assert done.refunded_fen == 455300 - 400000
    bill = _bill(session, person_id, JAN_2027)
    assert (bill.base_fen, bill.due_fen, bill.paid_fen, bill.status) == (
        2000000,
        400000,
        400000,
        "paid",
    )
    assert _balance(session, "refund_payable", person_id) == 55300
    assert _balance(session, "personal_pension", person_id) == 160000  # 8 % of 20,000
    assert _balance(session, "receivable", person_id) == 0
    assert verify(session=session) == []


def test_the_next_settlement_reconciles_by_itself(world, session, published):
    person_id, _ = world.worker()
    world.enrol(person_id, first=JAN_2027, as_of=JAN_2027)
    world.settle(JAN_2027)
    world.rulebook = published  # the new figures are loaded; the next month-end sees them
    summary = world.settle(JAN_2027 + 1)
    assert (summary.reconciled.repriced, summary.reconciled.adjusted) == (1, 1)
    assert _bill(session, person_id, JAN_2027).due_fen == 96020
    assert _bill(session, person_id, JAN_2027 + 1).provisional is False
    assert verify(session=session) == []


def test_a_month_not_yet_over_is_not_settled(world, session):
    person_id, _ = world.worker()
    world.enrol(person_id)
    with pytest.raises(MonthNotEnded) as refused:
        world.settle(JAN, today=date(2026, 1, 31))
    assert refused.value.field == "month"
    assert "2026-01-31" in refused.value.message("en")
    assert count(session, ContributionBill) == 0


def test_an_early_settlement_needs_a_reason_and_is_audited(world, session):
    person_id, _ = world.worker()
    world.enrol(person_id)
    summary = world.settle(JAN, today=date(2026, 1, 31), force_reason="tax bureau cut-off moved")
    assert summary.bills == 1
    [event] = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "settlement.forced")
    ).all()
    assert event.details["reason"] == "tax bureau cut-off moved"


def test_a_month_before_any_enrolment_says_so(world, session):
    with pytest.raises(NothingToSettle):
        world.settle(JAN)
    person_id, _ = world.worker()
    world.enrol(person_id)
    with pytest.raises(NothingToSettle) as refused:
        world.settle(Month(2020, 1))
    assert "the first begins in 2026-01" in refused.value.message("en")


def test_the_month_in_progress_is_not_a_missed_month(world):
    person_id, me = world.worker()
    world.enrol(person_id, me)  # January, not settled yet
    with world.database.unit_of_work() as work:
        found = record(session=work, actor=me, person_id=person_id, through=JAN)
    [month] = found.schemes[0].months
    assert (month.status, found.schemes[0].gap_months) == ("not_billed", 0)
    # The CSV export says the same: the month is not billed yet, not interrupted.
    from flexcover.contributions.record import record_csv

    [header, row] = record_csv(found).splitlines()
    assert header.split(",")[3] == "status"
    assert row.split(",")[:4] == [str(JAN), "employee_pension", "regular", "not_billed"]


def test_a_worker_who_paid_every_month_has_no_gap(world):
    person_id, me = world.worker()
    world.enrol(person_id, me)
    for offset in range(11):
        world.settle(JAN + offset)
        world.pay(person_id, 91060, f"month-{offset}")
    with world.database.unit_of_work() as work:
        found = record(session=work, actor=me, person_id=person_id, through=JAN + 11)
    scheme = found.schemes[0]
    assert (scheme.contribution_months, scheme.gap_months) == (11, 0)
    assert scheme.months[-1].status == "not_billed"
