"""The job queue: capabilities queue work in their own unit of work (so a job exists exactly when
its cause does); worker processes take it, beat while they work, and finish or fail it.

A job is taken by one worker at a time: on PostgreSQL with ``FOR UPDATE SKIP LOCKED`` (several
workers take different jobs at once), on SQLite under its one write lock. A worker beats every
few seconds; a running job whose beat is older than ``stale_after`` lost its worker (killed, the
machine restarted) and is queued again, or failed once it has been tried ``max_attempts`` times.
Handlers are therefore written to be run again: the comparison and the settlement both are.
These functions work in the caller's unit of work; the worker (:mod:`flexcover.jobs.worker`)
opens one around each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from flexcover.jobs.models import Job
from flexcover.jobs.models import JobStatus as JobStatus  # the statuses callers compare with
from flexcover.kit.audit import Actor
from flexcover.kit.database import Database, utc_now
from flexcover.kit.settings import Settings
from flexcover.rules.parameters import Rulebook

RETRY_SECONDS = (30, 120, 600)
"""How long a job that failed for a passing reason waits before its next attempt."""


@dataclass(frozen=True)
class JobView:
    """What a page or the command line shows of a job."""

    id: int
    kind: str
    key: str
    status: str
    attempts: int
    max_attempts: int
    progress: str | None
    error: str | None
    taken_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls(
            id=job.id,
            kind=job.kind,
            key=job.key,
            status=job.status,
            attempts=job.attempts,
            max_attempts=job.max_attempts,
            progress=job.progress,
            error=job.error,
            taken_by=job.taken_by,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


@dataclass(frozen=True)
class TakenJob:
    """A job a worker holds: its payload and the attempt this is."""

    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    attempt: int


@dataclass
class JobContext:
    """What a handler gets: its job, the process's database, settings and rules, and a way to say
    how far it has come (shown on the pages with the next beat)."""

    job: TakenJob
    database: Database
    settings: Settings
    rulebook: Rulebook
    worker: str
    latest: str | None = None

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    def progress(self, text: str) -> None:
        self.latest = text


Handler = Callable[[JobContext], str | None]
"""Runs a job, to be run again after a crash; returns a line saying what it did."""


def enqueue(
    session: Session,
    *,
    kind: str,
    key: str,
    payload: dict[str, Any],
    actor: Actor,
    region_code: str | None = None,
    run_after: datetime | None = None,
    max_attempts: int = 3,
) -> int:
    """Queue ``kind`` for ``key`` in the caller's unit of work; returns the job's id. A key
    already queued (or done) is the same job: nothing is added, and its id is returned, so two
    workers enqueueing one schedule's firing, or a retried request, queue it once."""
    values = {
        "kind": kind,
        "key": key,
        "payload": payload,
        "region_code": region_code,
        "status": JobStatus.QUEUED.value,
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_after": run_after or utc_now(),
        "created_by": actor.username,
        "created_at": utc_now(),
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(Job).values(**values).on_conflict_do_nothing(index_elements=["key"]))
    found = session.scalar(select(Job.id).where(Job.key == key))
    assert found is not None
    return found


def take(session: Session, *, worker: str, kinds: Iterable[str]) -> TakenJob | None:
    """The oldest job of ``kinds`` that is due, now held by ``worker``; None when there is none."""
    now = utc_now()
    job = session.scalar(
        select(Job)
        .where(
            Job.status == JobStatus.QUEUED,
            Job.run_after <= now,
            Job.kind.in_(list(kinds)),
        )
        .order_by(Job.run_after, Job.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if job is None:
        return None
    job.status = JobStatus.RUNNING
    job.taken_by = worker
    job.attempts += 1
    job.started_at = job.started_at or now
    job.heartbeat_at = now
    job.error = None
    return TakenJob(job.id, job.kind, job.key, dict(job.payload), job.attempts)


def beat(session: Session, job_id: int, *, worker: str, progress: str | None = None) -> bool:
    """Stamp the job as alive (and what it is doing); False if it is no longer ``worker``'s (it
    was taken back as stale): the worker then stops caring about it."""
    values: dict[str, Any] = {"heartbeat_at": utc_now()}
    if progress is not None:
        values["progress"] = progress[:200]
    held = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.taken_by == worker, Job.status == JobStatus.RUNNING)
        .values(**values)
    )
    return bool(held.rowcount)  # type: ignore[attr-defined]


def finish(session: Session, job_id: int, *, worker: str, progress: str | None = None) -> None:
    """The job is done."""
    values: dict[str, Any] = {"status": JobStatus.DONE, "finished_at": utc_now()}
    if progress is not None:
        values["progress"] = progress[:200]
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.taken_by == worker, Job.status == JobStatus.RUNNING)
        .values(**values)
    )


def fail(session: Session, job_id: int, *, worker: str, error: str, retry: bool) -> str:
    """The job failed with ``error`` (a text safe to show: no personal data). ``retry``: the
    reason may pass (a busy database), so it is queued again after a wait, until
    ``max_attempts``. Returns the status the job is left in."""
    job = session.get(Job, job_id, with_for_update=True)
    if job is None or job.taken_by != worker or job.status != JobStatus.RUNNING:
        return job.status if job is not None else JobStatus.FAILED
    job.error = error[:500]
    if retry and job.attempts < job.max_attempts:
        wait = RETRY_SECONDS[min(job.attempts, len(RETRY_SECONDS)) - 1]
        job.status = JobStatus.QUEUED
        job.taken_by = None
        job.run_after = utc_now() + timedelta(seconds=wait)
    else:
        job.status = JobStatus.FAILED
        job.finished_at = utc_now()
    return job.status


def release(session: Session, job_id: int, *, worker: str) -> None:
    """Give a held job back (the worker is stopping): queued again at once, and the attempt it
    was does not count against it."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.taken_by == worker, Job.status == JobStatus.RUNNING)
        .values(
            status=JobStatus.QUEUED,
            taken_by=None,
            attempts=Job.attempts - 1,
            progress="returned to the queue: its worker stopped",
        )
    )


def reap(session: Session, *, stale_after: float) -> list[int]:
    """Take back the running jobs whose worker stopped beating ``stale_after`` seconds ago:
    queued again, or failed when they have had all their attempts. Returns their ids."""
    cutoff = utc_now() - timedelta(seconds=stale_after)
    stale = session.scalars(
        select(Job)
        .where(Job.status == JobStatus.RUNNING, Job.heartbeat_at < cutoff)
        .with_for_update(skip_locked=True)
    ).all()
    for job in stale:
        lost = f"its worker ({job.taken_by}) stopped during attempt {job.attempts}"
        job.taken_by = None
        if job.attempts < job.max_attempts:
            job.status = JobStatus.QUEUED
            job.progress = f"queued again: {lost}"
        else:
            job.status = JobStatus.FAILED
            job.error = f"{lost}; no attempts left"
            job.finished_at = utc_now()
    return [job.id for job in stale]


def state(session: Session, key: str) -> JobView | None:
    """The job queued for ``key``, if any."""
    job = session.scalar(select(Job).where(Job.key == key))
    return JobView.of(job) if job is not None else None


def states(session: Session, keys: Sequence[str]) -> dict[str, JobView]:
    """The jobs of ``keys`` (those that exist), by key, in one query."""
    if not keys:
        return {}
    return {
        job.key: JobView.of(job) for job in session.scalars(select(Job).where(Job.key.in_(keys)))
    }


def recent(session: Session, *, limit: int = 50, status: str | None = None) -> list[JobView]:
    """The latest jobs, newest first (the worker's command line shows them)."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Job.status == status)
    return [JobView.of(job) for job in session.scalars(query)]
