"""Posting one entry: balanced, idempotent on its key, refused whole when anything is wrong, and
an account that cannot go negative is protected by the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from flexcover.kit.audit import AuditEntry
from flexcover.kit.months import Month
from flexcover.kit.problems import NotFound
from flexcover.ledger.models import LedgerAccount
from flexcover.ledger.problems import (
    AccountWouldGoNegative,
    InvalidEntry,
    KeyReused,
    UnbalancedEntry,
)
from flexcover.ledger.service import (
    AccountRef,
    Draft,
    JournalEntry,
    Posting,
    balance,
    balances,
    post,
)
from flexcover.registry.problems import UnknownJurisdiction
from tests.conftest import SYSTEM, count
from tests.ledger import BILLED, CLEARING, CQ, bill, deposit, personal, receivable


@pytest.fixture
def worker(factory):
    return factory.person()


def test_a_bill_debits_the_worker_and_credits_the_scheme(database, worker):
    with database.unit_of_work() as session:
        entry = post(session=session, draft=bill(worker.id, 88080), actor=SYSTEM)
    assert entry.key == f"bill:{worker.id}:2025-06"
    assert entry.month == "2025-06"
    assert sorted(p.amount_fen for p in entry.postings) == [-88080, 88080]
    with database.unit_of_work() as session:
        # Both accounts are on their normal side: the worker owes 880.80, the scheme awaits it.
        assert balance(session=session, ref=receivable(worker.id)) == 88080
        assert balance(session=session, ref=BILLED) == 88080


def test_an_account_never_posted_to_has_a_zero_balance(session, worker):
    assert balance(session=session, ref=personal(worker.id)) == 0
    assert balances(session=session, refs=[personal(worker.id), CLEARING]) == {
        personal(worker.id): 0,
        CLEARING: 0,
    }


def test_replaying_the_same_key_returns_the_original_and_writes_nothing(database, worker):
    with database.unit_of_work() as session:
        first = post(session=session, draft=bill(worker.id, 88080), actor=SYSTEM)
    with database.unit_of_work() as session:
        again = post(session=session, draft=bill(worker.id, 88080), actor=SYSTEM)
        assert balance(session=session, ref=receivable(worker.id)) == 88080
    assert again.id == first.id
    with database.sessions() as session:
        assert count(session, JournalEntry) == 1
        assert count(session, Posting) == 2
        assert count(session, AuditEntry) == 2  # the person's registration and the one entry


def test_replay_compares_postings_as_a_multiset_not_in_order(database, worker):
    draft = bill(worker.id, 500)
    reordered = Draft(
        key=draft.key,
        kind=draft.kind,
        description="another description",
        postings=tuple(reversed(draft.postings)),
        month=draft.month,
    )
    with database.unit_of_work() as session:
        first = post(session=session, draft=draft, actor=SYSTEM)
        assert post(session=session, draft=reordered, actor=SYSTEM).id == first.id


def test_the_same_key_with_other_amounts_is_refused_and_writes_nothing(database, worker):
    with database.unit_of_work() as session:
        first = post(session=session, draft=bill(worker.id, 88080), actor=SYSTEM)
    with database.sessions() as session:
        with pytest.raises(KeyReused) as refused:
            post(session=session, draft=bill(worker.id, 88081), actor=SYSTEM)
        session.commit()
    assert refused.value.status == 409
    assert refused.value.field == "key"
    assert str(first.id) in refused.value.message("en")
    with database.sessions() as session:
        assert count(session, JournalEntry) == 1
        assert balance(session=session, ref=receivable(worker.id)) == 88080


@pytest.mark.parametrize(
    ("postings", "reason"),
    [
        (((CLEARING, 100),), "has 1 posting"),
        (((CLEARING, 100), (BILLED, -99)), "is off by 0.01"),
        (((CLEARING, 100), (BILLED, 0), (BILLED, -100)), "zero amount"),
        ((), "has 0 posting"),
        (((CLEARING, 1.5), (BILLED, -1.5)), "not a plausible whole fen"),
        (((CLEARING, True), (BILLED, -1)), "not a plausible whole fen"),
        (((CLEARING, 10**15), (BILLED, -(10**15))), "not a plausible whole fen"),
    ],
)
def test_an_unbalanced_entry_is_refused(session, postings, reason):
    draft = Draft(key="odd", kind="bill", description="", postings=postings)
    with pytest.raises(UnbalancedEntry) as refused:
        post(session=session, draft=draft, actor=SYSTEM)
    assert refused.value.status == 400
    assert refused.value.field == "postings"
    assert reason in refused.value.message("en")
    assert count(session, JournalEntry) == 0


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        (AccountRef("wallet", CQ), "unknown account kind"),
        (AccountRef("pooled_pension", "5001"), "not a 6-digit code"),
        (AccountRef("personal_pension", CQ), "needs a person id"),
        (AccountRef("pooled_pension", CQ, person_id=1), "owned by a jurisdiction only"),
        (AccountRef("contributions_billed", CQ), "needs a scheme"),
        (AccountRef("contributions_billed", CQ, scheme="flexible"), "needs a scheme"),
    ],
)
def test_an_account_must_be_named_the_way_its_kind_says(session, ref, reason):
    draft = Draft(key="k", kind="bill", description="", postings=((ref, 1), (CLEARING, -1)))
    with pytest.raises(InvalidEntry) as refused:
        post(session=session, draft=draft, actor=SYSTEM)
    assert refused.value.field == "postings.0.account"
    assert reason in refused.value.message("en")


def test_accounts_of_unknown_owners_are_not_created(session):
    with pytest.raises(NotFound) as refused:
        post(session=session, draft=bill(999_999, 100), actor=SYSTEM)
    assert "person '999999'" in refused.value.message("en")
    foreign = Draft(
        key="k",
        kind="bill",
        description="",
        postings=((AccountRef("collection_clearing", "999999"), 1), (CLEARING, -1)),
    )
    with pytest.raises(UnknownJurisdiction):
        post(session=session, draft=foreign, actor=SYSTEM)
    assert count(session, LedgerAccount) == 0


def test_reversal_is_not_a_kind_one_may_post(session, worker):
    draft = Draft(key="k", kind="reversal", description="", postings=bill(worker.id, 1).postings)
    with pytest.raises(InvalidEntry):
        post(session=session, draft=draft, actor=SYSTEM)


def test_a_personal_account_cannot_go_negative_and_nothing_is_written(database, worker):
    with database.unit_of_work() as session:
        post(
            session=session,
            draft=deposit(worker.id, 10000, key="pay:1", month="2025-01"),
            actor=SYSTEM,
        )
    overdraw = Draft(
        key="refund:1",
        kind="refund",
        description="退费",
        postings=((personal(worker.id), 15000), (CLEARING, -15000)),
    )
    with database.sessions() as session:
        with pytest.raises(AccountWouldGoNegative) as refused:
            post(session=session, draft=overdraw, actor=SYSTEM)
        session.commit()  # the refusal left the unit of work usable and clean
    message = refused.value.message("en")
    assert f"personal_pension {CQ} person:{worker.id}" in message
    assert "holds 100.00" in message
    assert "-150.00" in message
    assert "-50.00" in message
    assert refused.value.status == 409
    with database.sessions() as session:
        assert count(session, JournalEntry) == 1
        assert balance(session=session, ref=personal(worker.id)) == 10000
        assert balance(session=session, ref=CLEARING) == 10000


def test_a_new_account_created_for_a_refused_entry_is_not_left_behind(database, worker):
    # The first posting to a receivable is a credit: it would open the account below zero.
    draft = Draft(
        key="odd",
        kind="bill",
        description="",
        postings=((receivable(worker.id), -100), (BILLED, 100)),
    )
    with database.sessions() as session:
        with pytest.raises(AccountWouldGoNegative):
            post(session=session, draft=draft, actor=SYSTEM)
        session.commit()
        assert count(session, LedgerAccount) == 0


def test_the_database_itself_refuses_a_negative_personal_balance(database, worker):
    with database.unit_of_work() as session:
        post(
            session=session,
            draft=deposit(worker.id, 100, key="pay:1", month="2025-01"),
            actor=SYSTEM,
        )
    with database.sessions() as session:
        with pytest.raises(IntegrityError):
            session.execute(
                update(LedgerAccount)
                .where(LedgerAccount.kind == "personal_pension")
                .values(balance_fen=-1)
            )
        session.rollback()
        # Accounts that may go negative may: the clearing account pays out before it collects.
        session.execute(
            text("UPDATE ledger_accounts SET balance_fen = -5 WHERE kind = :k"),
            {"k": "collection_clearing"},
        )
        session.rollback()


def test_a_refusal_keeps_the_callers_earlier_work_in_the_unit_of_work(database, worker):
    with database.sessions() as session:
        post(session=session, draft=bill(worker.id, 100, month="2025-05"), actor=SYSTEM)
        with pytest.raises(AccountWouldGoNegative):
            post(
                session=session,
                draft=Draft(
                    key="overdraw",
                    kind="refund",
                    description="",
                    postings=((personal(worker.id), 1), (CLEARING, -1)),
                ),
                actor=SYSTEM,
            )
        session.commit()
    with database.sessions() as session:
        assert count(session, JournalEntry) == 1
        assert balance(session=session, ref=receivable(worker.id)) == 100


def test_the_service_does_not_commit(database, worker):
    with database.sessions() as session:
        post(session=session, draft=bill(worker.id, 100), actor=SYSTEM)
        session.rollback()
    with database.sessions() as session:
        assert count(session, JournalEntry) == 0
        assert count(session, LedgerAccount) == 0


def test_each_entry_is_audited_with_its_key(database, worker):
    with database.unit_of_work() as session:
        entry = post(session=session, draft=bill(worker.id, 88080), actor=SYSTEM)
    with database.sessions() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "ledger.post")).one()
    assert audit.entity_id == str(entry.id)
    assert audit.details == {"key": entry.key, "kind": "bill", "amount_fen": 88080}
    assert audit.actor == SYSTEM.username


def test_entries_are_immutable(database, worker):
    with database.unit_of_work() as session:
        entry = post(session=session, draft=bill(worker.id, 100), actor=SYSTEM)
    with database.sessions() as session:
        stored = session.get(JournalEntry, entry.id)
        stored.description = "edited"
        with pytest.raises(TypeError, match="immutable"):
            session.flush()


def test_a_platform_and_its_payable(database, factory):
    platform = factory.platform()
    owed = AccountRef("platform_payable", CQ, platform_id=platform.id)
    draft = Draft(
        key="co:1",
        kind="bill",
        description="平台共担缴费",
        postings=((owed, 3000), (BILLED, -3000)),
        month=Month(2025, 6),
    )
    with database.unit_of_work() as session:
        post(session=session, draft=draft, actor=SYSTEM)
    with database.sessions() as session:
        account = session.scalars(
            select(LedgerAccount).where(LedgerAccount.kind == "platform_payable")
        ).one()
        assert (account.platform_id, account.person_id) == (platform.id, None)
        assert account.owner_key == f"platform:{platform.id}"
        assert balance(session=session, ref=owed) == 3000


def test_a_lost_race_at_the_unique_key_returns_the_winners_entry(database, worker, monkeypatch):
    from flexcover.ledger import repository

    with database.unit_of_work() as session:
        winner = post(session=session, draft=bill(worker.id, 100), actor=SYSTEM)
    original = repository.entry_by_key
    looks = []

    def blind_first_look(session, key):
        # As if the winner committed just after we looked: our INSERT meets its unique key.
        looks.append(key)
        return None if len(looks) == 1 else original(session, key)

    monkeypatch.setattr(repository, "entry_by_key", blind_first_look)
    with database.unit_of_work() as session:
        assert post(session=session, draft=bill(worker.id, 100), actor=SYSTEM).id == winner.id
        looks.clear()
        with pytest.raises(KeyReused):
            post(session=session, draft=bill(worker.id, 101), actor=SYSTEM)
    with database.sessions() as session:
        assert count(session, JournalEntry) == 1
        assert balance(session=session, ref=receivable(worker.id)) == 100


def test_numpy_integers_are_whole_fen_too(database, worker):
    import numpy as np

    amount = np.int64(88080)
    draft = Draft(
        key="bill:np",
        kind="bill",
        description="",
        postings=((receivable(worker.id), amount), (BILLED, -amount)),
    )
    with database.unit_of_work() as session:
        entry = post(session=session, draft=draft, actor=SYSTEM)
        assert post(session=session, draft=draft, actor=SYSTEM).id == entry.id
    assert all(type(p.amount_fen) is int for p in entry.postings)


@pytest.mark.parametrize(
    ("key", "kind"), [("", "bill"), ("  ", "bill"), ("k", ""), ("k" * 201, "b")]
)
def test_a_key_and_a_kind_are_required(session, worker, key, kind):
    draft = Draft(key=key, kind=kind, description="", postings=bill(worker.id, 1).postings)
    with pytest.raises(InvalidEntry) as refused:
        post(session=session, draft=draft, actor=SYSTEM)
    assert refused.value.field == ("key" if kind else "kind")
