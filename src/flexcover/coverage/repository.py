"""Every comparison and expansion-task query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from flexcover.coverage.canonical import CLASS_GROUPS
from flexcover.coverage.models import (
    LIVE,
    OPEN_STATUSES,
    STATUSES,
    ComparisonRun,
    CoverageCount,
    CoverageResult,
    ExpansionTask,
    RunStatus,
)
from flexcover.jobs import service as jobs
from flexcover.jobs.service import JobStatus
from flexcover.kit.database import utc_now
from flexcover.kit.pagination import Page, PageRequest
from flexcover.registry.authz import region_prefix, within
from flexcover.registry.models import Jurisdiction


def run(session: Session, run_id: int) -> ComparisonRun | None:
    return session.get(ComparisonRun, run_id)


def runs_covering(session: Session, region: str, *, done: bool = True) -> Sequence[ComparisonRun]:
    """Runs whose jurisdiction holds ``region`` (a province run covers its districts) or lies
    inside it, newest first."""
    prefix = region_prefix(region)
    holders = [region[:2] + "0000", region[:4] + "00", region, "000000"]
    query = select(ComparisonRun).where(
        or_(
            ComparisonRun.jurisdiction_code.in_(holders),
            ComparisonRun.jurisdiction_code.startswith(prefix),
        )
    )
    if done:
        query = query.where(ComparisonRun.status == RunStatus.DONE)
    return session.scalars(query.order_by(ComparisonRun.id.desc())).all()


STALE_RUN_SECONDS = 120
"""A running comparison silent this long has lost its process (killed, or the server
restarted): its heartbeat comes every 30 seconds."""


def job_key(run_id: int) -> str:
    """The key of the job that runs a comparison started from a page."""
    return f"coverage.compare:run-{run_id}"


def live_runs(session: Session, region: str, *, stale_after: float) -> list[ComparisonRun]:
    """Runs still working whose region holds or lies inside ``region``.

    A run started from a page lives as long as its job (queued for a worker, or running): a
    worker that dies gives the job back, and the next worker runs it again. A run the job queue
    gave up on is marked failed with the job's reason. A run of the command line has no job: one
    whose heartbeat is older than ``stale_after`` seconds lost its process (killed, or the
    machine restarted) and is marked failed here. Either way it is left out."""
    now = utc_now()
    candidates = [run for run in runs_covering(session, region, done=False) if run.status in LIVE]
    held = jobs.states(session, [job_key(run.id) for run in candidates])
    alive = []
    for run in candidates:
        job = held.get(job_key(run.id))
        if job is not None:
            if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
                alive.append(run)
                continue
            _given_up(run, job.error or f"its job ended {job.status} without finishing it", now)
            continue
        if run.status == RunStatus.QUEUED:
            _given_up(run, "its job is missing; start it again", now)
            continue
        beat = run.heartbeat_at or run.started_at
        if (now - beat).total_seconds() > stale_after:
            _given_up(
                run,
                "the process running this comparison stopped (no sign of life since "
                f"{beat:%Y-%m-%d %H:%M} UTC); start it again",
                now,
            )
        else:
            alive.append(run)
    return alive


def _given_up(run: ComparisonRun, reason: str, now: datetime) -> None:
    run.status = RunStatus.FAILED
    run.error = reason[:500]
    run.finished_at = now


def lock_province(session: Session, region: str) -> None:
    """Serialise the start of comparisons in ``region``'s province: on PostgreSQL a row lock on
    the province's jurisdiction row (released at commit); SQLite's units of work already begin
    with its one write lock."""
    if session.get_bind().dialect.name == "postgresql":
        province = "000000" if region == "000000" else region[:2] + "0000"
        session.execute(
            select(Jurisdiction.code).where(Jurisdiction.code == province).with_for_update()
        )


def newer_runs(session: Session, jurisdiction: str, as_of: str) -> Sequence[ComparisonRun]:
    """Finished runs of a later reference month whose region holds or lies inside
    ``jurisdiction``: their tasks are newer than anything a run of ``as_of`` could say."""
    return [run for run in runs_covering(session, jurisdiction) if run.as_of > as_of]


def latest_run(session: Session, region: str) -> ComparisonRun | None:
    """The finished run of the latest reference month for ``region``: one that covers the whole
    region if there is any (a district's own run does not stand for its province), else one
    inside it; of the same month, the newest."""
    runs = runs_covering(session, region)
    holders = {region[:2] + "0000", region[:4] + "00", region, "000000"}
    whole = [run for run in runs if run.jurisdiction_code in holders]
    chosen = whole or list(runs)
    return max(chosen, key=lambda run: (run.as_of, run.id), default=None)


@dataclass(frozen=True)
class ClassCount:
    district: str
    klass: str
    reason: str
    tag: str
    people: int


def counts(session: Session, run_id: int, region: str) -> list[ClassCount]:
    rows = session.execute(
        select(
            CoverageCount.district,
            CoverageCount.klass,
            CoverageCount.reason,
            CoverageCount.tag,
            CoverageCount.people,
        ).where(
            CoverageCount.run_id == run_id,
            within(CoverageCount.district, region),
        )
    ).all()
    return [ClassCount(*row) for row in rows]


VERIFIED_STATUSES = ("contacted", "enrolled", "unreachable", "not_applicable", "converted")
"""An outcome has been recorded (or the register converted the task): progress's "verified"."""
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "open": OPEN_STATUSES,
    "verified": VERIFIED_STATUSES,
    "current": tuple(s for s in STATUSES if s != "resolved"),
}
"""Statuses a filter can name together, so that every progress figure has a list behind it:
``open`` (still being worked), ``verified`` and ``current`` (everything progress counts as
issued: all but the tasks a re-run no longer finds)."""
STATUS_CHOICES = (*STATUS_GROUPS, *STATUSES)
"""What a status filter accepts: a group, then each status."""


@dataclass(frozen=True)
class TaskFilter:
    region: str
    district: str | None = None
    kind: str | None = None
    klass: str | None = None
    tag: str | None = None
    status: str | None = None
    """A status, or a group of :data:`STATUS_GROUPS` (``open``, ``verified``, ``current``)."""
    priority: int | None = None


def _tasks(query: Select[Any], where: TaskFilter) -> Select[Any]:
    query = query.where(within(ExpansionTask.district_code, where.region))
    if where.district:
        query = query.where(ExpansionTask.district_code == where.district)
    if where.kind:
        query = query.where(ExpansionTask.kind == where.kind)
    if where.klass:
        query = query.where(ExpansionTask.klass == where.klass)
    if where.tag:
        query = query.where(ExpansionTask.tags.contains(f",{where.tag},"))
    if where.status in STATUS_GROUPS:
        query = query.where(ExpansionTask.status.in_(STATUS_GROUPS[where.status]))
    elif where.status:
        query = query.where(ExpansionTask.status == where.status)
    if where.priority:
        query = query.where(ExpansionTask.priority == where.priority)
    return query


def tasks(session: Session, where: TaskFilter, page: PageRequest) -> Page[ExpansionTask]:
    total: int = session.scalar(_tasks(select(func.count(ExpansionTask.id)), where)) or 0
    items = session.scalars(
        _tasks(select(ExpansionTask), where)
        .order_by(ExpansionTask.priority, ExpansionTask.district_code, ExpansionTask.id)
        .offset(page.offset)
        .limit(page.size)
    ).all()
    return Page(list(items), total, page.page, page.size)


def all_tasks(session: Session, where: TaskFilter, limit: int) -> Sequence[ExpansionTask]:
    return session.scalars(
        _tasks(select(ExpansionTask), where)
        .order_by(ExpansionTask.priority, ExpansionTask.district_code, ExpansionTask.id)
        .limit(limit)
    ).all()


def tasks_about(session: Session, id_hash: str, region: str) -> Sequence[ExpansionTask]:
    return session.scalars(
        select(ExpansionTask)
        .where(
            ExpansionTask.kind == "person",
            ExpansionTask.finding_key == id_hash,
            within(ExpansionTask.district_code, region),
        )
        .order_by(ExpansionTask.id.desc())
    ).all()


def task(session: Session, task_id: int, *, lock: bool = False) -> ExpansionTask | None:
    query = select(ExpansionTask).where(ExpansionTask.id == task_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def tasks_by_id(session: Session, ids: Sequence[int]) -> dict[int, ExpansionTask]:
    found: dict[int, ExpansionTask] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        found.update(
            (t.id, t)
            for t in session.scalars(
                select(ExpansionTask).where(ExpansionTask.id.in_(chunk)).with_for_update()
            )
        )
    return found


@dataclass(frozen=True)
class Progress:
    """Expansion progress of one district: tasks issued, verified (an outcome recorded) and
    converted (an enrolment registered)."""

    district: str
    issued: int
    verified: int
    converted: int


def progress(session: Session, region: str) -> list[Progress]:
    verified = ExpansionTask.status.in_(
        ("contacted", "enrolled", "unreachable", "not_applicable", "converted")
    )
    rows = session.execute(
        select(
            ExpansionTask.district_code,
            func.count(),
            func.count().filter(verified),
            func.count().filter(ExpansionTask.status == "converted"),
        )
        .where(
            within(ExpansionTask.district_code, region),
            ExpansionTask.status != "resolved",
        )
        .group_by(ExpansionTask.district_code)
        .order_by(ExpansionTask.district_code)
    ).all()
    return [Progress(*row) for row in rows]


def results(
    session: Session,
    run_id: int,
    region: str,
    *,
    district: str | None,
    klass: str | None,
    reason: str | None,
    tag: str | None,
    page: PageRequest,
) -> Page[CoverageResult]:
    query = select(CoverageResult).where(
        CoverageResult.run_id == run_id,
        within(CoverageResult.district, region),
    )
    if district:
        query = query.where(CoverageResult.district == district)
    if klass in CLASS_GROUPS:
        query = query.where(CoverageResult.klass.in_(CLASS_GROUPS[klass]))
    elif klass:
        query = query.where(CoverageResult.klass == klass)
    if reason:
        query = query.where(CoverageResult.reason == reason)
    if tag:
        query = query.where(CoverageResult.tags.contains(f",{tag},"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(CoverageResult.district, CoverageResult.person_key)
        .offset(page.offset)
        .limit(page.size)
    ).all()
    return Page(list(items), total, page.page, page.size)
