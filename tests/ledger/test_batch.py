"""Posting in batches (settlement): the same rules as one entry, a statement per table."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flexcover.kit.audit import AuditEntry
from flexcover.ledger.models import LedgerAccount
from flexcover.ledger.problems import (
    AccountWouldGoNegative,
    KeyRepeatedInBatch,
    KeyReused,
    UnbalancedEntry,
)
from flexcover.ledger.service import (
    BatchResult,
    Draft,
    JournalEntry,
    Posting,
    balance,
    balances,
    post,
    post_batch,
    verify,
)
from tests.conftest import SYSTEM, count
from tests.ledger import BILLED, CLEARING, bill, deposit, personal, receivable


@pytest.fixture
def workers(factory):
    return [factory.person() for _ in range(3)]


def test_a_batch_creates_the_accounts_and_sets_every_balance(database, workers):
    drafts = [bill(w.id, 10000 * (i + 1)) for i, w in enumerate(workers)]
    with database.unit_of_work() as session:
        assert post_batch(session=session, drafts=drafts, actor=SYSTEM) == BatchResult(3, 0)
    with database.sessions() as session:
        assert count(session, JournalEntry) == 3
        assert count(session, Posting) == 6
        assert count(session, LedgerAccount) == 4  # three receivables and the scheme
        refs = [receivable(w.id) for w in workers]
        assert list(balances(session=session, refs=refs).values()) == [10000, 20000, 30000]
        assert balance(session=session, ref=BILLED) == 60000
        assert verify(session=session) == []


def test_a_second_run_skips_every_entry(database, workers):
    drafts = [bill(w.id, 500) for w in workers]
    with database.unit_of_work() as session:
        post_batch(session=session, drafts=drafts, actor=SYSTEM)
    with database.unit_of_work() as session:
        assert post_batch(session=session, drafts=drafts, actor=SYSTEM) == BatchResult(0, 3)
    with database.sessions() as session:
        assert count(session, JournalEntry) == 3
        assert balance(session=session, ref=BILLED) == 1500


def test_a_batch_mixing_new_and_posted_keys_posts_only_the_new(database, workers):
    with database.unit_of_work() as session:
        post(session=session, draft=bill(workers[0].id, 500), actor=SYSTEM)
    drafts = [bill(w.id, 500) for w in workers] + [bill(workers[2].id, 500)]  # one twice
    with database.unit_of_work() as session:
        assert post_batch(session=session, drafts=drafts, actor=SYSTEM) == BatchResult(2, 2)
    with database.sessions() as session:
        assert balance(session=session, ref=BILLED) == 1500


def test_a_posted_key_with_other_amounts_refuses_the_whole_batch(database, workers):
    with database.unit_of_work() as session:
        post(session=session, draft=bill(workers[0].id, 500), actor=SYSTEM)
    drafts = [bill(workers[1].id, 500), bill(workers[0].id, 501)]
    with database.sessions() as session:
        with pytest.raises(KeyReused) as refused:
            post_batch(session=session, drafts=drafts, actor=SYSTEM)
        session.commit()
    assert refused.value.field == "drafts.1.key"
    with database.sessions() as session:
        assert count(session, JournalEntry) == 1


def test_the_same_key_twice_in_one_batch_with_other_amounts_is_refused(session, workers):
    drafts = [bill(workers[0].id, 500), bill(workers[0].id, 400)]
    with pytest.raises(KeyRepeatedInBatch) as refused:
        post_batch(session=session, drafts=drafts, actor=SYSTEM)
    assert refused.value.field == "drafts.1.key"
    assert "already appears in this batch (drafts.0)" in refused.value.message("en")


def test_an_unbalanced_draft_names_its_place_in_the_batch(session, workers):
    odd = Draft(key="odd", kind="bill", description="", postings=((CLEARING, 1), (BILLED, 1)))
    with pytest.raises(UnbalancedEntry) as refused:
        post_batch(session=session, drafts=[bill(workers[0].id, 5), odd], actor=SYSTEM)
    assert refused.value.field == "drafts.1.postings"


def test_a_batch_that_would_overdraw_an_account_is_refused_whole(database, workers):
    worker = workers[0]
    with database.unit_of_work() as session:
        post(
            session=session, draft=deposit(worker.id, 100, key="p:1", month="2025-01"), actor=SYSTEM
        )
    drafts = [
        bill(workers[1].id, 500),
        deposit(worker.id, -60, key="refund:1", month="2025-02"),
        deposit(worker.id, -60, key="refund:2", month="2025-03"),
    ]
    with database.sessions() as session:
        with pytest.raises(AccountWouldGoNegative) as refused:
            post_batch(session=session, drafts=drafts, actor=SYSTEM)
        session.commit()
    assert f"person:{worker.id}" in refused.value.message("en")
    assert "a change of -1.20 would leave -0.20" in refused.value.message("en")
    with database.sessions() as session:
        assert count(session, JournalEntry) == 1
        assert balance(session=session, ref=personal(worker.id)) == 100
        assert balance(session=session, ref=receivable(workers[1].id)) == 0
        assert count(session, LedgerAccount) == 2  # the batch's new accounts went with it


def test_within_a_batch_only_each_accounts_net_change_counts(database, workers):
    worker = workers[0]
    drafts = [
        deposit(worker.id, -60, key="refund:1", month="2025-02"),
        deposit(worker.id, 100, key="p:1", month="2025-01"),
    ]
    with database.unit_of_work() as session:
        assert post_batch(session=session, drafts=drafts, actor=SYSTEM) == BatchResult(2, 0)
        assert balance(session=session, ref=personal(worker.id)) == 40


def test_one_audit_row_per_batch(database, workers):
    drafts = [bill(w.id, 500) for w in workers]
    with database.unit_of_work() as session:
        post_batch(session=session, drafts=drafts, actor=SYSTEM)
        post_batch(session=session, drafts=drafts, actor=SYSTEM)  # all skipped: nothing to audit
    with database.sessions() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ledger.post_batch")
        ).all()
    assert len(rows) == 1
    keys = sorted(d.key for d in drafts)
    assert rows[0].details == {
        "count": 3,
        "skipped": 0,
        "first_key": keys[0],
        "last_key": keys[-1],
    }


def test_an_empty_batch_does_nothing(session):
    assert post_batch(session=session, drafts=[], actor=SYSTEM) == BatchResult(0, 0)


def test_a_thousand_entries_in_one_batch(database, factory):
    people = [factory.person() for _ in range(5)]
    drafts = [
        bill(people[i % 5].id, 100 + i, key=f"bill:{i}", month=f"2025-{1 + i % 12:02d}")
        for i in range(1000)
    ]
    with database.unit_of_work() as session:
        assert post_batch(session=session, drafts=drafts, actor=SYSTEM) == BatchResult(1000, 0)
    with database.sessions() as session:
        assert balance(session=session, ref=BILLED) == sum(100 + i for i in range(1000))
        assert verify(session=session) == []


def test_keys_and_descriptions_keep_every_character(database, workers):
    awkward = ['bill:"quoted"', "bill:back\\slash", "bill:{braces},commas", "bill:缴费 NULL", "b:"]
    drafts = [
        Draft(
            key=key,
            kind="bill",
            description=f'{key} \\ "摘要" {{}}' if i % 2 else "",
            postings=((receivable(workers[0].id), 1 + i), (BILLED, -1 - i)),
            month=None,
        )
        for i, key in enumerate(awkward)
    ]
    with database.unit_of_work() as session:
        assert post_batch(session=session, drafts=drafts, actor=SYSTEM) == BatchResult(5, 0)
    with database.unit_of_work() as session:
        assert post_batch(session=session, drafts=drafts, actor=SYSTEM) == BatchResult(0, 5)
        stored = {e.key: (e.description, e.month) for e in session.scalars(select(JournalEntry))}
    assert stored == {d.key: (d.description, None) for d in drafts}
