"""A correction is a reversing entry: the mirror of the original, pointing back at it, once."""

from __future__ import annotations

import pytest

from flexcover.kit.problems import NotFound
from flexcover.ledger import repository
from flexcover.ledger.problems import (
    AccountWouldGoNegative,
    AlreadyReversed,
    InvalidEntry,
    KeyReused,
    NotReversible,
)
from flexcover.ledger.service import JournalEntry, balance, post, reverse, verify
from tests.conftest import SYSTEM, count
from tests.ledger import BILLED, bill, deposit, receivable


@pytest.fixture
def worker(factory):
    return factory.person()


@pytest.fixture
def billed(database, worker):
    with database.unit_of_work() as session:
        return post(session=session, draft=bill(worker.id, 88080), actor=SYSTEM)


def test_a_reversal_mirrors_the_entry_and_restores_the_balances(database, worker, billed):
    with database.unit_of_work() as session:
        reversal = reverse(
            session=session,
            entry_id=billed.id,
            key=f"reverse:{billed.key}",
            reason="基数核定有误",
            actor=SYSTEM,
        )
    assert reversal.reverses_entry_id == billed.id
    assert reversal.kind == "reversal"
    assert reversal.description == "基数核定有误"
    assert reversal.month == billed.month  # the money belonged to that month, so does its undoing
    assert sorted((p.account_id, -p.amount_fen) for p in reversal.postings) == sorted(
        (p.account_id, p.amount_fen) for p in billed.postings
    )
    with database.sessions() as session:
        assert balance(session=session, ref=receivable(worker.id)) == 0
        assert balance(session=session, ref=BILLED) == 0
        assert count(session, JournalEntry) == 2
        assert verify(session=session) == []


def test_reversing_again_under_the_same_key_returns_the_reversal(database, billed):
    with database.unit_of_work() as session:
        first = reverse(session=session, entry_id=billed.id, key="r:1", reason="x", actor=SYSTEM)
    with database.unit_of_work() as session:
        again = reverse(session=session, entry_id=billed.id, key="r:1", reason="x", actor=SYSTEM)
    assert again.id == first.id
    with database.sessions() as session:
        assert count(session, JournalEntry) == 2


def test_reversing_twice_is_refused(database, billed):
    with database.unit_of_work() as session:
        first = reverse(session=session, entry_id=billed.id, key="r:1", reason="x", actor=SYSTEM)
    with database.sessions() as session, pytest.raises(AlreadyReversed) as refused:
        reverse(session=session, entry_id=billed.id, key="r:2", reason="x", actor=SYSTEM)
    assert refused.value.status == 409
    assert f"reversed by entry {first.id} ('r:1')" in refused.value.message("en")


def test_a_reversal_cannot_be_reversed(database, billed):
    with database.unit_of_work() as session:
        first = reverse(session=session, entry_id=billed.id, key="r:1", reason="x", actor=SYSTEM)
    with database.sessions() as session, pytest.raises(NotReversible):
        reverse(session=session, entry_id=first.id, key="r:2", reason="x", actor=SYSTEM)


def test_a_key_used_by_another_entry_is_refused(database, worker, billed):
    with database.unit_of_work() as session:
        other = post(session=session, draft=bill(worker.id, 5, month="2025-07"), actor=SYSTEM)
    with database.sessions() as session, pytest.raises(KeyReused):
        reverse(session=session, entry_id=billed.id, key=other.key, reason="x", actor=SYSTEM)


def test_an_unknown_entry_or_an_empty_reason_is_refused(session, billed):
    with pytest.raises(NotFound) as refused:
        reverse(session=session, entry_id=billed.id + 99, key="r", reason="x", actor=SYSTEM)
    assert refused.value.field == "entry_id"
    with pytest.raises(InvalidEntry) as refused:
        reverse(session=session, entry_id=billed.id, key="r", reason=" ", actor=SYSTEM)
    assert refused.value.field == "reason"


def test_reversing_money_already_spent_is_refused(database, worker):
    with database.unit_of_work() as session:
        paid = post(
            session=session, draft=deposit(worker.id, 100, key="p:1", month="2025-01"), actor=SYSTEM
        )
        post(
            session=session,
            draft=deposit(
                worker.id, -40, key="p:2", month="2025-02"
            ),  # a refund out of the account
            actor=SYSTEM,
        )
    with database.sessions() as session, pytest.raises(AccountWouldGoNegative):
        reverse(session=session, entry_id=paid.id, key="r:1", reason="退票", actor=SYSTEM)


def test_a_lost_race_for_the_key_returns_the_winners_reversal(database, billed, monkeypatch):
    with database.unit_of_work() as session:
        winner = reverse(session=session, entry_id=billed.id, key="r:1", reason="x", actor=SYSTEM)
    looked = []

    def blind_first_look(session, key):
        looked.append(key)
        return None if len(looked) == 1 else original(session, key)

    original = repository.entry_by_key
    monkeypatch.setattr(repository, "entry_by_key", blind_first_look)
    monkeypatch.setattr(repository, "reversal_of", lambda session, entry_id: None)
    with database.unit_of_work() as session:
        again = reverse(session=session, entry_id=billed.id, key="r:1", reason="x", actor=SYSTEM)
    assert again.id == winner.id
