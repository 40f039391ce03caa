"""Month-end settlement (月结) as a batch task: plan the month in chunks of enrolments, settle
each chunk in its own transaction (:mod:`flexcover.contributions.settlement`), with one or more
workers.

A chunk is marked settled in the transaction that settles it, and every effect has a unique
key, so a run killed anywhere and started again ends exactly where one clean run would, and a
second run after it finished changes nothing. Workers take chunks with ``FOR UPDATE SKIP
LOCKED``: on PostgreSQL several settle at once (threads here, or several processes), each waiting
for the others only on the few shared ledger accounts at the end of its chunk.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from flexcover.contributions import repository
from flexcover.contributions.models import SettlementRun, SettlementStatus
from flexcover.contributions.problems import MonthNotEnded, NothingToSettle
from flexcover.contributions.reconcile import Reconciliation, ready_groups, reconcile_group
from flexcover.contributions.settlement import settle_chunk
from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.database import Database, utc_now
from flexcover.kit.months import Month
from flexcover.rules.parameters import Rulebook

Progress = Callable[[int, int], None]

RETRIES = 5
"""A chunk that loses a deadlock or a serialization conflict is rolled back and run again."""
_TRANSIENT = {"40001", "40P01"}  # serialization_failure, deadlock_detected


@dataclass(frozen=True)
class SettlementSummary:
    month: str
    bills: int
    chunks: int
    already_done: bool
    reconciled: Reconciliation = field(default_factory=Reconciliation)


def settle(
    *,
    database: Database,
    rulebook: Rulebook,
    month: Month,
    actor: Actor,
    today: date,
    force_reason: str | None = None,
    chunk_size: int = 5000,
    workers: int = 1,
    progress: Progress | None = None,
) -> SettlementSummary:
    """Settle ``month`` for every enrolment; resumable and idempotent. ``workers`` chunks are
    settled at once on PostgreSQL (SQLite has one writer: one worker).

    A month is settled once it has ended (``today`` is after its last day): settling it earlier
    would turn last month's bills, still payable, into arrears. ``force_reason`` settles it
    anyway, and the reason is audited. Provisional bills whose figures have been published since
    are reconciled first."""
    key = str(month)
    if not database.url.startswith("postgresql"):
        workers = 1
    with database.unit_of_work() as session:
        run = session.get(SettlementRun, key, with_for_update=True)
        if run is not None and run.status == SettlementStatus.DONE:
            return SettlementSummary(key, run.bills, 0, already_done=True)
        check_settleable(session, month, today=today, force_reason=force_reason, actor=actor)
    reconciled = reconcile(database=database, rulebook=rulebook, actor=actor)
    with database.unit_of_work() as session:
        run = session.get(SettlementRun, key, with_for_update=True)
        if run is None:
            session.add(SettlementRun(month=key, bills=0, status=SettlementStatus.RUNNING))
            session.flush()
        repository.plan_chunks(session, key, chunk_size)
    reporter = _Reporter(database, key, progress)
    chunks = 0
    while True:
        chunks += _run_workers(database, rulebook, month, actor, workers, reporter)
        with database.unit_of_work() as session:
            run = session.get(SettlementRun, key, with_for_update=True)  # one planner at a time
            assert run is not None
            if run.status == SettlementStatus.DONE:  # finished by another process meanwhile
                return SettlementSummary(
                    key, run.bills, chunks, already_done=chunks == 0, reconciled=reconciled
                )
            # Enrolments registered while the run went on get chunks of their own; the run is
            # done when a look finds none.
            if repository.plan_chunks(session, key, chunk_size):
                continue
            _, _, bills, open_chunks = repository.chunk_progress(session, key)
            if not open_chunks:
                run.bills = bills
                run.status = SettlementStatus.DONE
                run.finished_at = utc_now()
                return SettlementSummary(
                    key, bills, chunks, already_done=False, reconciled=reconciled
                )
        time.sleep(0.5)  # a worker of another process holds the last chunks: wait for it


def check_settleable(
    session: Session, month: Month, *, today: date, force_reason: str | None, actor: Actor
) -> None:
    """Refuse a month not yet over (unless forced, with the reason audited) and a month before
    any enrolment, which would quietly settle nothing."""
    first = repository.first_enrolled_month(session)
    if first is None or str(month) < first:
        raise NothingToSettle(
            field="month",
            month=str(month),
            first_zh=f"（最早的参保从 {first} 开始）" if first else "",
            first_en=f" (the first begins in {first})" if first else "",
        )
    if today > month.last_day:
        return
    if not (force_reason or "").strip():
        raise MonthNotEnded(
            field="month",
            month=str(month),
            last_day=month.last_day.isoformat(),
            first_after=(month.last_day + timedelta(days=1)).isoformat(),
        )
    audit.record(
        session,
        actor=actor,
        action="settlement.forced",
        entity="settlement_run",
        entity_id=str(month),
        details={"reason": force_reason, "today": today.isoformat()},
    )


def reconcile(
    *, database: Database, rulebook: Rulebook, actor: Actor, month: Month | None = None
) -> Reconciliation:
    """补差 for every provisional bill whose figures are now published, a slice per
    transaction (so a province's January is not one transaction); returns what it did."""
    with database.unit_of_work() as session:
        groups, waiting = ready_groups(session, rulebook, month)
    done = Reconciliation(waiting=waiting)
    for jurisdiction, scheme, bill_month in groups:
        while True:
            with database.unit_of_work() as session:
                step = reconcile_group(
                    session=session,
                    rulebook=rulebook,
                    actor=actor,
                    jurisdiction=jurisdiction,
                    scheme=scheme,
                    month=bill_month,
                )
            done += step
            if not step.repriced:
                break
    return done


def _run_workers(
    database: Database,
    rulebook: Rulebook,
    month: Month,
    actor: Actor,
    workers: int,
    reporter: _Reporter,
) -> int:
    """Settle chunks until none is left to take; returns how many this process settled."""
    stop = threading.Event()

    def work() -> int:
        settled = 0
        while not stop.is_set():
            if not _settle_next(database, rulebook, month, actor):
                return settled
            settled += 1
            reporter.report()
        return settled

    if workers == 1:
        return work()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="settle") as pool:
        futures = [pool.submit(work) for _ in range(workers)]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        if any(future.exception() for future in done):
            stop.set()  # the others finish the chunk in hand and stop
        return sum(future.result() for future in futures)


def _settle_next(database: Database, rulebook: Rulebook, month: Month, actor: Actor) -> bool:
    """Settle the next free chunk in one transaction; False when there is none."""
    for attempt in range(RETRIES):
        try:
            with database.unit_of_work() as session:
                chunk = repository.claim_chunk(session, str(month))
                if chunk is None:
                    return False
                chunk.bills = settle_chunk(
                    session=session,
                    rulebook=rulebook,
                    month=month,
                    low=chunk.first_enrolment_id,
                    high=chunk.last_enrolment_id,
                    actor=actor,
                )
                chunk.settled_at = utc_now()
            return True
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) not in _TRANSIENT or attempt + 1 == RETRIES:
                raise
    raise AssertionError("unreachable")


class _Reporter:
    """Progress in enrolments, read from the plan so that every worker's chunks count."""

    def __init__(self, database: Database, month: str, progress: Progress | None) -> None:
        self.database = database
        self.month = month
        self.progress = progress
        self.lock = threading.Lock()
        self.report()

    def report(self) -> None:
        if self.progress is None:
            return
        with self.lock, self.database.unit_of_work() as session:
            done, total, _, _ = repository.chunk_progress(session, self.month)
            self.progress(done, total)
