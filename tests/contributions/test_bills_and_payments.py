"""Settlement bills every active enrolment; payments settle bills oldest first, idempotently; every
fen is a balanced ledger entry."""

import pytest
from sqlalchemy import select

from flexcover.contributions import service
from flexcover.contributions.models import ContributionBill, Payment
from flexcover.contributions.problems import IdempotencyKeyReused, NothingToPay, Overpayment
from flexcover.kit.outbox import OutboxMessage
from flexcover.kit.problems import Forbidden
from flexcover.ledger.models import JournalEntry
from flexcover.ledger.service import AccountRef, balance, verify
from tests.conftest import SYSTEM, count
from tests.contributions.conftest import FLOOR, JAN

DUE = 91060  # 4,553 × 20 %
TO_ACCOUNT = 36424  # × 8 %


def bills(session, person_id):
    session.expire_all()
    return session.scalars(
        select(ContributionBill)
        .where(ContributionBill.person_id == person_id)
        .order_by(ContributionBill.month)
    ).all()


def test_settlement_bills_the_month_at_the_chosen_base(world, session):
    person_id, _ = world.worker()
    world.enrol(person_id)
    summary = world.settle(JAN)
    assert summary.bills == 1
    [bill] = bills(session, person_id)
    assert (bill.month, bill.base_fen, bill.due_fen, bill.personal_account_fen, bill.status) == (
        "2026-01",
        FLOOR,
        DUE,
        TO_ACCOUNT,
        "open",
    )
    assert (
        balance(session=session, ref=AccountRef("receivable", "500103", person_id=person_id)) == DUE
    )
    assert session.scalars(select(OutboxMessage.topic)).all() == ["contribution.bill_due"]
    assert verify(session=session) == []


def test_settling_again_changes_nothing(world, session):
    person_id, _ = world.worker()
    world.enrol(person_id)
    world.settle(JAN)
    entries = count(session, JournalEntry)
    again = world.settle(JAN)
    assert again.already_done
    assert count(session, ContributionBill) == 1
    assert count(session, JournalEntry) == entries


def test_a_run_interrupted_between_chunks_resumes_where_it_stopped(world, session):
    people = [world.worker()[0] for _ in range(5)]
    for person_id in people:
        world.enrol(person_id)
    from flexcover.contributions.settlement import settle_chunk

    first_two = sorted(session.scalars(select(service.Enrolment.id)))[:2]
    with world.database.unit_of_work() as work:  # a chunk's work committed without its mark
        settle_chunk(
            session=work,
            rulebook=world.rulebook,
            month=JAN,
            low=first_two[0],
            high=first_two[1],
            actor=SYSTEM,
        )
    world.settle(JAN, chunk_size=2)
    assert count(session, ContributionBill) == 5
    assert verify(session=session) == []


def test_payment_settles_bills_oldest_first_and_fills_the_personal_account(world, session):
    person_id, me = world.worker()
    world.enrol(person_id, me)
    world.settle(JAN)
    world.settle(JAN + 1)
    world.pay(person_id, DUE + 100, "pay-1", me)
    first, second = bills(session, person_id)
    assert (first.status, first.paid_fen) == ("paid", DUE)
    assert (second.status, second.paid_fen) == ("open", 100)
    account = balance(
        session=session, ref=AccountRef("personal_pension", "500103", person_id=person_id)
    )
    assert account == TO_ACCOUNT
    world.pay(person_id, DUE - 100, "pay-2", me)
    assert [b.status for b in bills(session, person_id)] == ["paid", "paid"]
    assert (
        balance(session=session, ref=AccountRef("receivable", "500103", person_id=person_id)) == 0
    )
    assert verify(session=session) == []


def test_retrying_a_payment_is_a_no_op_and_a_reused_key_is_refused(world, session):
    person_id, me = world.worker()
    world.enrol(person_id, me)
    world.settle(JAN)
    first = world.pay(person_id, DUE, "same-key", me)
    entries = count(session, JournalEntry)
    again = world.pay(person_id, DUE, "same-key", me)
    assert again.id == first.id
    assert count(session, JournalEntry) == entries
    with pytest.raises(IdempotencyKeyReused) as raised:
        world.pay(person_id, DUE - 1, "same-key", me)
    assert raised.value.status == 409
    with world.database.unit_of_work() as work, pytest.raises(IdempotencyKeyReused):
        # The same amount through another channel is another payment, not a retry.
        service.pay(
            session=work,
            actor=me,
            person_id=person_id,
            amount_fen=DUE,
            idempotency_key="same-key",
            channel="counter",
        )
    assert count(session, Payment) == 1


def test_paying_more_than_is_owed_or_nothing_owed_is_refused(world, session):
    person_id, me = world.worker()
    world.enrol(person_id, me)
    with pytest.raises(NothingToPay):
        world.pay(person_id, 100, "early", me)
    world.settle(JAN)
    with pytest.raises(Overpayment) as raised:
        world.pay(person_id, DUE + 1, "too-much", me)
    assert "910.60" in raised.value.message("en")
    assert count(session, Payment) == 0


def test_nobody_pays_someone_elses_bill_through_their_login(world, session):
    person_id, _ = world.worker()
    _, other = world.worker()
    world.enrol(person_id)
    world.settle(JAN)
    with pytest.raises(Forbidden):
        world.pay(person_id, DUE, "theirs", other)
    assert count(session, Payment) == 0


def test_unpaid_bills_fall_into_arrears_and_the_worker_is_reminded(world, session):
    person_id, _ = world.worker()
    world.enrol(person_id)
    world.settle(JAN)
    world.settle(JAN + 1)
    first, second = bills(session, person_id)
    assert (first.status, second.status) == ("arrears", "open")
    topics = session.scalars(select(OutboxMessage.topic).order_by(OutboxMessage.id)).all()
    assert topics.count("contribution.arrears") == 1


def test_paused_months_are_gaps_and_resumption_bills_again(world, session):
    person_id, me = world.worker()
    enrolment = world.enrol(person_id, me)
    world.settle(JAN)
    with world.database.unit_of_work() as work:
        service.pause(
            session=work, actor=me, enrolment_id=enrolment.id, from_month=JAN + 1, as_of=JAN + 1
        )
    world.settle(JAN + 1)
    world.settle(JAN + 2)
    with world.database.unit_of_work() as work:
        service.resume(
            session=work, actor=me, enrolment_id=enrolment.id, month=JAN + 3, as_of=JAN + 3
        )
    world.settle(JAN + 3)
    assert [b.month for b in bills(session, person_id)] == ["2026-01", "2026-04"]
    from flexcover.contributions.record import record

    with world.database.unit_of_work() as work:
        found = record(session=work, actor=me, person_id=person_id, through=JAN + 3)
    months = [(m.month, m.status) for m in found.schemes[0].months]
    assert months == [
        ("2026-01", "arrears"),
        ("2026-02", "paused"),
        ("2026-03", "paused"),
        ("2026-04", "open"),
    ]
    assert found.schemes[0].gap_months == 2


def test_termination_stops_the_bills(world, session):
    person_id, me = world.worker()
    enrolment = world.enrol(person_id, me)
    with world.database.unit_of_work() as work:
        service.terminate(
            session=work,
            actor=me,
            enrolment_id=enrolment.id,
            month=JAN,
            reason="moved to an employer",
            as_of=JAN,
        )
    world.settle(JAN)
    world.settle(JAN + 1)
    assert [b.month for b in bills(session, person_id)] == ["2026-01"]
    world.enrol(person_id, me, first=JAN + 1, as_of=JAN + 1)  # a new enrolment is possible again


def test_a_new_contribution_year_moves_a_base_below_the_new_floor_and_says_so(world, session):
    """Chongqing 2025 floor 4,404 → 2026 floor 4,553: a base of 4,404 is raised, with a message."""
    from flexcover.kit.months import Month

    person_id, _ = world.worker()
    dec = Month(2025, 12)
    world.enrol(person_id, base=440400, first=dec, as_of=dec)
    world.settle(dec)
    world.settle(JAN)
    assert [b.base_fen for b in bills(session, person_id)] == [440400, FLOOR]
    message = session.scalars(
        select(OutboxMessage).where(OutboxMessage.topic == "contribution.base_adjusted")
    ).one()
    assert (message.payload["old_base_fen"], message.payload["new_base_fen"]) == (440400, FLOOR)


def test_quarterly_payers_are_billed_to_the_end_of_the_quarter(world, session):
    person_id, me = world.worker()
    world.enrol(person_id, me, first=JAN + 1, frequency="quarterly")  # February
    world.settle(JAN + 1)
    assert [b.month for b in bills(session, person_id)] == ["2026-02", "2026-03"]
    world.settle(JAN + 2)
    assert len(bills(session, person_id)) == 2  # March was billed with February
    world.pay(person_id, 2 * DUE, "q1", me)
    world.settle(JAN + 3)
    assert [b.month for b in bills(session, person_id)][2:] == ["2026-04", "2026-05", "2026-06"]
    assert [b.status for b in bills(session, person_id)] == ["paid", "paid", "open", "open", "open"]
    assert verify(session=session) == []


def test_yearly_payers_are_billed_to_the_end_of_the_contribution_year(world, session):
    person_id, me = world.worker()
    world.enrol(person_id, me, frequency="annual")
    world.settle(JAN)
    months = [b.month for b in bills(session, person_id)]
    assert months[0] == "2026-01"
    assert months[-1] == "2026-12"
    assert len(months) == 12
    world.settle(JAN + 1)
    assert len(bills(session, person_id)) == 12
    # A paid-ahead month is not overdue before it comes.
    assert {b.status for b in bills(session, person_id)} == {"arrears", "open"}
    assert [b.month for b in bills(session, person_id) if b.status == "arrears"] == ["2026-01"]
