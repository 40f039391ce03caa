"""Concurrent posters on PostgreSQL: a key is posted once however many race for it, and posters
touching the same accounts in opposite orders queue up instead of deadlocking."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from sqlalchemy.orm import Session, sessionmaker

from flexcover.kit.database import make_engine
from flexcover.ledger.service import (
    BatchResult,
    Draft,
    JournalEntry,
    balance,
    post,
    post_batch,
    verify,
)
from tests.conftest import SYSTEM, count
from tests.ledger import BILLED, CLEARING, POOLED, bill, receivable

T = TypeVar("T")
THREADS = 50


@pytest.fixture
def sessions(database) -> Iterator[sessionmaker[Session]]:
    if database.url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: concurrency is a PostgreSQL matter")
    engine = make_engine(database.url, pool_size=THREADS + 2, max_overflow=0)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def all_at_once(threads: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` in ``threads`` threads released together; each raises or returns."""
    start = threading.Barrier(threads, timeout=30)

    def run(index: int) -> T:
        start.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(threads)))


def test_fifty_transactions_posting_the_same_draft_make_one_entry(database, sessions, factory):
    worker = factory.person()
    draft = bill(worker.id, 88080)  # its accounts do not exist yet: they race to be created too

    def one(_: int) -> int:
        with sessions.begin() as session:
            return post(session=session, draft=draft, actor=SYSTEM).id

    ids = all_at_once(THREADS, one)
    assert len(set(ids)) == 1
    with database.sessions() as session:
        assert count(session, JournalEntry) == 1
        assert balance(session=session, ref=receivable(worker.id)) == 88080
        assert balance(session=session, ref=BILLED) == 88080
        assert verify(session=session) == []


def test_fifty_transactions_posting_the_same_batch_post_it_once(database, sessions, factory):
    people = [factory.person() for _ in range(5)]
    drafts = [bill(p.id, 100 * (i + 1)) for i, p in enumerate(people)]

    def one(_: int) -> BatchResult:
        with sessions.begin() as session:
            return post_batch(session=session, drafts=drafts, actor=SYSTEM)

    results = all_at_once(THREADS, one)
    assert sum(r.posted for r in results) == 5
    assert all(r.posted + r.skipped == 5 for r in results)
    with database.sessions() as session:
        assert count(session, JournalEntry) == 5
        assert balance(session=session, ref=BILLED) == 1500
        assert verify(session=session) == []


def test_batches_touching_the_same_accounts_in_opposite_orders_do_not_deadlock(
    database, sessions, factory
):
    people = [factory.person() for _ in range(20)]
    with database.unit_of_work() as session:  # the accounts exist, so both batches only update
        post_batch(
            session=session,
            drafts=[bill(p.id, 1, key=f"open:{p.id}") for p in people],
            actor=SYSTEM,
        )
    rounds = 20

    def batches(side: int) -> int:
        order = people if side == 0 else people[::-1]
        for round_ in range(rounds):
            drafts = [bill(p.id, 100, key=f"b:{side}:{round_}:{p.id}") for p in order]
            # Two accounts that may go negative, swapped between the sides.
            first, second = (CLEARING, POOLED) if side == 0 else (POOLED, CLEARING)
            swap = Draft(
                key=f"swap:{side}:{round_}",
                kind="allocation",
                description="",
                postings=((first, 7), (second, -7)),
            )
            with sessions.begin() as session:
                post_batch(session=session, drafts=drafts, actor=SYSTEM)
            with sessions.begin() as session:
                post(session=session, draft=swap, actor=SYSTEM)
        return rounds

    assert all_at_once(2, batches) == [rounds, rounds]
    with database.sessions() as session:
        assert count(session, JournalEntry) == 20 + 2 * rounds * 21
        assert balance(session=session, ref=BILLED) == 20 + 2 * rounds * 20 * 100
        assert balance(session=session, ref=receivable(people[0].id)) == 1 + 2 * rounds * 100
        assert balance(session=session, ref=CLEARING) == 0
        assert verify(session=session) == []
