"""A comparison run's record while it works: claimed (one run of a region at a time), beating,
and marked failed with a reason safe to show."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import update
from sqlalchemy.orm import Session

from flexcover.coverage import repository
from flexcover.coverage.models import (
    LIVE,
    ComparisonRun,
    RunStatus,
)
from flexcover.coverage.problems import ComparisonRefused
from flexcover.kit.audit import Actor, record
from flexcover.kit.database import Database, utc_now
from flexcover.kit.months import Month
from flexcover.kit.problems import Problem

log = logging.getLogger("flexcover.coverage")


def _mark_failed(database: Database, run_id: int, failure: BaseException) -> None:
    with database.unit_of_work() as session:
        failed = session.get(ComparisonRun, run_id, with_for_update=True)
        if failed is not None and failed.status in LIVE:
            failed.status = RunStatus.FAILED
            failed.error = failure_text(failure)
            failed.finished_at = utc_now()


HEARTBEAT_SECONDS = 30
"""How often a running comparison says it is alive."""


def open_run(
    database: Database,
    *,
    actor: Actor,
    as_of: Month,
    jurisdiction: str,
    engine: str,
    sources: str,
) -> int:
    """Record a running comparison in a unit of work of its own (see :func:`claim_run`)."""
    with database.unit_of_work() as session:
        return claim_run(
            session,
            actor=actor,
            as_of=as_of,
            jurisdiction=jurisdiction,
            engine=engine,
            sources=sources,
        )


def claim_run(
    session: Session,
    *,
    actor: Actor,
    as_of: Month,
    jurisdiction: str,
    engine: str,
    sources: str,
    status: RunStatus = RunStatus.RUNNING,
) -> int:
    """Record a running (or, for a worker to take, ``queued``) comparison, if no live run holds
    or lies inside ``jurisdiction``: one comparison of a region at a time. Runs whose process
    died (no heartbeat for :data:`repository.STALE_RUN_SECONDS`) are marked failed first and do
    not stand in the way. The caller's unit of work commits it."""
    repository.lock_province(session, jurisdiction)  # two starts at once: one waits
    now = utc_now()
    for other in repository.live_runs(
        session, jurisdiction, stale_after=repository.STALE_RUN_SECONDS
    ):
        raise ComparisonRefused(
            field="jurisdiction",
            reason_zh=(f"{other.jurisdiction_code} 的比对（第 {other.id} 次）正在进行，请待其结束"),
            reason_en=(
                f"a comparison of {other.jurisdiction_code} (run {other.id}) is running; "
                "wait until it ends"
            ),
        )
    run = ComparisonRun(
        as_of=str(as_of),
        jurisdiction_code=jurisdiction,
        engine=engine,
        sources=sources,
        status=status,
        started_by=actor.username,
        counts={},
        report={},
        heartbeat_at=now,
    )
    session.add(run)
    session.flush()
    record(
        session,
        actor=actor,
        action="coverage.compare",
        entity="comparison_run",
        entity_id=run.id,
        details={"as_of": str(as_of), "engine": engine, "sources": sources},
    )
    return run.id


class Heartbeat:
    """A thread that stamps the run's ``heartbeat_at`` every :data:`HEARTBEAT_SECONDS` while the
    comparison works, so a run whose process died is told apart from a long one."""

    def __init__(self, database: Database, run_id: int) -> None:
        self._database = database
        self._run_id = run_id
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"comparison-{run_id}-heartbeat", daemon=True
        )
        self._thread.start()

    def _beat(self) -> None:
        while not self._stopped.wait(HEARTBEAT_SECONDS):
            try:
                with self._database.unit_of_work() as session:
                    session.execute(
                        update(ComparisonRun)
                        .where(ComparisonRun.id == self._run_id)
                        .values(heartbeat_at=utc_now())
                    )
            except Exception:  # a busy moment: the next beat comes soon enough
                log.warning("heartbeat of comparison %s missed", self._run_id, exc_info=True)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=HEARTBEAT_SECONDS)


def failure_text(failure: BaseException) -> str:
    """Why a run failed, as staff may read it: a refusal's own message (which names files,
    lines and reasons, never values); for anything else only its kind, since a driver's message
    can quote the data (the log keeps the rest)."""
    if isinstance(failure, Problem):
        return failure.message("en")[:500]
    return f"{type(failure).__name__}: the comparison stopped unexpectedly; see the server log"
