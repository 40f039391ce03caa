"""Posting column by column (a settlement chunk's bills): the same journal as post_batch, COPY on
PostgreSQL, and every refusal the careful path makes."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from flexcover.kit.problems import NotFound
from flexcover.ledger.columns import EntryColumns, Leg, post_columns
from flexcover.ledger.models import LedgerAccount
from flexcover.ledger.problems import (
    AccountWouldGoNegative,
    InvalidEntry,
    KeyReused,
    UnbalancedEntry,
)
from flexcover.ledger.service import (
    BatchResult,
    JournalEntry,
    Posting,
    balance,
    balances,
    post,
    post_batch,
    verify,
)
from tests.conftest import SYSTEM, count
from tests.ledger import BILLED, CQ, bill, receivable


@pytest.fixture
def workers(factory):
    return [factory.person() for _ in range(3)]


def bills(person_ids, amounts, *, month="2025-06", platform=None, shares=None) -> EntryColumns:
    """The bills of ``month`` as columns, as settlement writes them."""
    due = np.array(amounts, dtype=np.int64)
    share = np.array(shares or [0] * len(due), dtype=np.int64)
    n = len(due)
    legs = [
        Leg("contributions_billed", [CQ] * n, ["scheme:employee_pension"] * n, -due),
        Leg("receivable", [CQ] * n, [f"person:{p}" for p in person_ids], due - share),
    ]
    if platform is not None:
        legs.append(Leg("platform_payable", [CQ] * n, [f"platform:{platform}"] * n, share))
    return EntryColumns(
        kind="bill",
        keys=[f"bill:{p}:{month}" for p in person_ids],
        descriptions=["灵活就业养老保险缴费"] * n,
        months=[month] * n,
        legs=legs,
    )


def journal(session):
    """Every entry as (key, kind, month, [(account, amount)…]), ids left out."""
    rows = session.execute(
        select(
            JournalEntry.key,
            JournalEntry.kind,
            JournalEntry.month,
            LedgerAccount.kind,
            LedgerAccount.owner_key,
            Posting.amount_fen,
        )
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .order_by(JournalEntry.key, LedgerAccount.kind, LedgerAccount.owner_key)
    ).all()
    return [tuple(row) for row in rows]


def test_columns_post_the_journal_post_batch_would(database, workers):
    ids = [w.id for w in workers]
    with database.unit_of_work() as session:
        result = post_columns(session=session, entries=bills(ids, [100, 200, 300]), actor=SYSTEM)
    assert result == BatchResult(3, 0)
    assert result.copied == database.url.startswith("postgresql")  # COPY on PostgreSQL only
    with database.sessions() as session:
        ours = journal(session)
        assert [balance(session=session, ref=receivable(p)) for p in ids] == [100, 200, 300]
        assert balance(session=session, ref=BILLED) == 600
        assert verify(session=session) == []
    expected = [
        (f"bill:{p}:2025-06", "bill", "2025-06", kind, owner, amount)
        for p, due in zip(ids, [100, 200, 300], strict=True)
        for kind, owner, amount in (
            ("contributions_billed", "scheme:employee_pension", -due),
            ("receivable", f"person:{p}", due),
        )
    ]
    assert ours == sorted(expected)


def test_columns_add_to_accounts_that_exist(database, workers):
    ids = [w.id for w in workers]
    with database.unit_of_work() as session:
        post_columns(session=session, entries=bills(ids, [100, 200, 300]), actor=SYSTEM)
    with database.unit_of_work() as session:
        again = post_columns(
            session=session, entries=bills(ids, [1, 2, 3], month="2025-07"), actor=SYSTEM
        )
    assert again.copied == database.url.startswith("postgresql")
    with database.sessions() as session:
        refs = [receivable(p) for p in ids]
        assert list(balances(session=session, refs=refs).values()) == [101, 202, 303]
        assert balance(session=session, ref=BILLED) == 606
        assert count(session, LedgerAccount) == 4
        assert verify(session=session) == []


def test_a_zero_amount_is_no_posting(database, workers, factory):
    platform = factory.platform()
    ids = [w.id for w in workers]
    entries = bills(ids, [100, 200, 300], platform=platform.id, shares=[0, 50, 300])
    with database.unit_of_work() as session:
        post_columns(session=session, entries=entries, actor=SYSTEM)
    with database.sessions() as session:
        lines = journal(session)
        assert [line[3] for line in lines if line[0] == f"bill:{ids[0]}:2025-06"] == [
            "contributions_billed",
            "receivable",
        ]
        assert [line[3] for line in lines if line[0] == f"bill:{ids[2]}:2025-06"] == [
            "contributions_billed",
            "platform_payable",
        ]
        assert verify(session=session) == []


def test_a_rerun_skips_every_entry(database, workers):
    entries = bills([w.id for w in workers], [100, 200, 300])
    with database.unit_of_work() as session:
        post_columns(session=session, entries=entries, actor=SYSTEM)
    with database.unit_of_work() as session:
        rerun = post_columns(session=session, entries=entries, actor=SYSTEM)
    assert rerun == BatchResult(0, 3)
    assert not rerun.copied  # the careful path found every key posted
    with database.sessions() as session:
        assert count(session, JournalEntry) == 3
        assert balance(session=session, ref=BILLED) == 600


def test_a_batch_with_one_posted_key_posts_the_others(database, workers):
    ids = [w.id for w in workers]
    with database.unit_of_work() as session:
        post(session=session, draft=bill(ids[1], 200), actor=SYSTEM)
    with database.unit_of_work() as session:
        result = post_columns(session=session, entries=bills(ids, [100, 200, 300]), actor=SYSTEM)
    assert result == BatchResult(2, 1)
    with database.sessions() as session:
        assert balance(session=session, ref=BILLED) == 600
        assert verify(session=session) == []


def test_a_posted_key_with_other_amounts_refuses_the_batch_and_writes_nothing(database, workers):
    ids = [w.id for w in workers]
    with database.unit_of_work() as session:
        post(session=session, draft=bill(ids[1], 999), actor=SYSTEM)
    with database.sessions() as session:
        with pytest.raises(KeyReused) as refused:
            post_columns(session=session, entries=bills(ids, [100, 200, 300]), actor=SYSTEM)
        session.commit()
    assert refused.value.field == "drafts.1.key"
    with database.sessions() as session:
        assert count(session, JournalEntry) == 1
        assert balance(session=session, ref=BILLED) == 999


def test_an_unbalanced_entry_is_refused_with_its_position(database, workers):
    entries = bills([w.id for w in workers], [100, 200, 300])
    entries.legs[1].amounts[2] = 299
    with database.sessions() as session, pytest.raises(UnbalancedEntry) as refused:
        post_columns(session=session, entries=entries, actor=SYSTEM)
    assert refused.value.field == "drafts.2.postings"
    with database.sessions() as session:
        assert count(session, JournalEntry) == 0


def test_a_malformed_owner_is_refused_with_its_leg(database, workers):
    entries = bills([w.id for w in workers], [100, 200, 300])
    entries.legs[1].owners[0] = "person:abc"  # type: ignore[index]
    with database.sessions() as session, pytest.raises(InvalidEntry) as refused:
        post_columns(session=session, entries=entries, actor=SYSTEM)
    assert refused.value.field == "entries.0.legs.1"


def test_an_account_that_would_go_negative_refuses_the_batch(database, workers):
    ids = [w.id for w in workers]
    entries = bills(ids, [100, 200, 300])
    entries.legs[0].amounts[:] = [100, 200, 300]  # the worker's receivable credited below zero
    entries.legs[1].amounts[:] = [-100, -200, -300]
    with database.sessions() as session:
        with pytest.raises(AccountWouldGoNegative):
            post_columns(session=session, entries=entries, actor=SYSTEM)
        session.commit()
    with database.sessions() as session:
        assert count(session, JournalEntry) == 0
        assert count(session, LedgerAccount) == 0


def test_an_owner_that_does_not_exist_is_named(database, workers):
    ids = [w.id for w in workers] + [10**9]
    with database.sessions() as session, pytest.raises(NotFound) as refused:
        post_columns(session=session, entries=bills(ids, [1, 2, 3, 4]), actor=SYSTEM)
    assert str(10**9) in refused.value.message("en")
    with database.sessions() as session:
        assert count(session, JournalEntry) == 0


def test_columns_and_post_batch_agree_entry_for_entry(database, factory):
    people = [factory.person().id for _ in range(6)]
    platform = factory.platform().id
    amounts, shares = [91060, 45530, 120000, 7, 91060, 3], [0, 10000, 0, 7, 1, 0]
    with database.unit_of_work() as session:
        post_columns(
            session=session,
            entries=bills(people[:3] + people[3:], amounts, platform=platform, shares=shares),
            actor=SYSTEM,
        )
    with database.sessions() as session:
        ours = journal(session)
        ours_balances = session.execute(
            select(LedgerAccount.kind, LedgerAccount.owner_key, LedgerAccount.balance_fen).order_by(
                LedgerAccount.kind, LedgerAccount.owner_key
            )
        ).all()
    with database.unit_of_work() as session:
        for table in (Posting, JournalEntry, LedgerAccount):
            session.query(table).delete()
    entries = bills(people, amounts, platform=platform, shares=shares)
    with database.unit_of_work() as session:
        post_batch(session=session, drafts=entries.drafts(), actor=SYSTEM)
    with database.sessions() as session:
        assert journal(session) == ours
        assert (
            session.execute(
                select(
                    LedgerAccount.kind, LedgerAccount.owner_key, LedgerAccount.balance_fen
                ).order_by(LedgerAccount.kind, LedgerAccount.owner_key)
            ).all()
            == ours_balances
        )
