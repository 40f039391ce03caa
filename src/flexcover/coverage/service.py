"""Comparison and expansion-task use cases for the pages, the API and the other capabilities:
what an officer sees of their region, the outcomes they record, the conversion an enrolment
brings. Nothing here commits."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from flexcover.coverage import expansion, repository, workbook
from flexcover.coverage.canonical import CLASSES as CLASSES  # what others name of coverage:
from flexcover.coverage.expansion import TASK_CLASSES as TASK_CLASSES  # classes, their words,
from flexcover.coverage.labels import CLASS_LABELS as CLASS_LABELS  # and the run
from flexcover.coverage.labels import words as words
from flexcover.coverage.models import LIVE, OPEN_STATUSES, ExpansionTask, RunStatus
from flexcover.coverage.models import ComparisonRun as ComparisonRun
from flexcover.coverage.problems import (
    RowProblem,
    RunFailed,
    RunTakenOver,
    TaskClosed,
    TaskOutcomeInvalid,
    WorkbookInvalid,
)
from flexcover.jobs import service as jobs
from flexcover.jobs.service import JobContext, JobView
from flexcover.kit import audit, events
from flexcover.kit.audit import Actor
from flexcover.kit.database import Database, utc_now
from flexcover.kit.months import Month
from flexcover.kit.pagination import Page, PageRequest
from flexcover.kit.problems import NotFound, Problem
from flexcover.registry.authz import Target, allows, authorize, region_contains

if TYPE_CHECKING:
    from flexcover.coverage.tasks import OwnRegister

log = logging.getLogger("flexcover.coverage")

OUTCOMES = ("contacted", "enrolled", "not_applicable", "unreachable")
"""What an officer records of a task; ``converted`` is the register's to say."""


def _see(actor: Actor, region: str, field: str = "region") -> None:
    authorize(actor, "coverage.read", Target(region_code=region), field=field)


# --- runs and counts ---------------------------------------------------------------------------


def latest_run(session: Session, actor: Actor, region: str) -> ComparisonRun | None:
    """The finished comparison of the latest reference month that covers ``region``."""
    _see(actor, region)
    return repository.latest_run(session, region)


def runs(session: Session, actor: Actor, region: str) -> list[ComparisonRun]:
    """The region's runs, newest first; runs whose process died are marked failed on the way."""
    _see(actor, region)
    repository.live_runs(session, region, stale_after=repository.STALE_RUN_SECONDS)
    return list(repository.runs_covering(session, region, done=False))


def run_jobs(session: Session, runs: list[ComparisonRun]) -> dict[int, JobView]:
    """The jobs of page-started runs (queued for a worker, or running), by run id."""
    found = jobs.states(session, [repository.job_key(run.id) for run in runs])
    return {
        run.id: found[repository.job_key(run.id)]
        for run in runs
        if repository.job_key(run.id) in found
    }


COMPARISON_JOB = "coverage.compare"


def queue_comparison(
    session: Session,
    actor: Actor,
    *,
    sources: str,
    as_of: Month,
    jurisdiction: str,
    engine: str,
) -> int:
    """Claim a comparison of the source folder ``sources`` (a name under ``<data>/sources/``)
    and queue it for a worker, in the caller's unit of work; returns the run's id. A region
    already being compared is refused."""
    authorize(actor, "coverage.compare", Target(region_code=jurisdiction), field="jurisdiction")
    from flexcover.coverage import tasks  # the batch job's module, loaded when one starts

    run_id = tasks.claim_run(
        session,
        actor=actor,
        as_of=as_of,
        jurisdiction=jurisdiction,
        engine=engine,
        sources=sources,
        status=RunStatus.QUEUED,
    )
    jobs.enqueue(
        session,
        kind=COMPARISON_JOB,
        key=repository.job_key(run_id),
        payload={
            "run_id": run_id,
            "sources": sources,
            "as_of": str(as_of),
            "jurisdiction": jurisdiction,
            "engine": engine,
            "actor": asdict(actor),
        },
        actor=actor,
        region_code=jurisdiction,
    )
    return run_id


def run_comparison_job(
    context: JobContext, *, register_reader: Callable[[Database], OwnRegister] | None = None
) -> str:
    """A worker's handler of :data:`COMPARISON_JOB`: run the queued comparison, or, if the run
    ended already (a worker that was thought dead finished it), nothing. Run again after a
    crash, it starts the comparison over; the results are written once, at the end."""
    from flexcover.coverage import tasks

    payload = context.payload
    run_id = int(payload["run_id"])
    with context.database.unit_of_work() as session:
        claimed = session.get(ComparisonRun, run_id, with_for_update=True)
        if claimed is None or claimed.status not in LIVE:
            status = claimed.status if claimed is not None else "missing"
            return f"run {run_id} was already {status}: nothing to do"
        claimed.status = RunStatus.RUNNING
        claimed.heartbeat_at = utc_now()
        claimed.error = None
    settings = context.settings
    try:
        summary = tasks.compare(
            database=context.database,
            rulebook=context.rulebook,
            sources=settings.data_dir / "sources" / str(payload["sources"]),
            as_of=Month.parse(str(payload["as_of"]), field="as_of"),
            jurisdiction=str(payload["jurisdiction"]),
            actor=Actor(**payload["actor"]),
            id_key=settings.id_hash_key,
            workdir=settings.data_dir / "comparisons",
            options=tasks.Options(engine=str(payload["engine"])),
            own_register=register_reader(context.database) if register_reader else None,
            progress=context.progress,
            run_id=run_id,
        )
    except RunTakenOver as taken:
        return taken.message("en")
    except Problem:
        raise  # a refusal (a source the run cannot read): the run says why, the job too
    except Exception as failure:
        # compare marked the run failed; the log keeps the traceback, and the job is not tried
        # again (the same sources would fail the same way).
        log.exception("comparison run %s failed", run_id)
        raise RunFailed(run_id=run_id, reason=tasks.failure_text(failure)) from None
    people = sum(summary.counts.values())
    return f"run {run_id} done: {people:,} people, {summary.tasks.issued:,} tasks issued"


@dataclass(frozen=True)
class DistrictCoverage:
    """One district's people by class in a run; the coverage rate is covered over the people
    who should be insured (everyone but the excluded)."""

    district: str
    classes: dict[str, int]
    tags: dict[str, int]
    """People carrying a tag (any class)."""
    tags_by_class: dict[tuple[str, str], int]

    @property
    def should_be_insured(self) -> int:
        return sum(n for klass, n in self.classes.items() if klass != "excluded")

    @property
    def covered(self) -> int:
        return self.classes.get("covered", 0)


def coverage_by_district(
    session: Session, actor: Actor, run: ComparisonRun, region: str
) -> list[DistrictCoverage]:
    _see(actor, region)
    classes: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CLASSES, 0))
    tags: dict[str, dict[str, int]] = defaultdict(dict)
    by_class: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    for row in repository.counts(session, run.id, region):
        if row.tag:
            tags[row.district][row.tag] = tags[row.district].get(row.tag, 0) + row.people
            key = (row.tag, row.klass)
            by_class[row.district][key] = by_class[row.district].get(key, 0) + row.people
        else:
            classes[row.district][row.klass] += row.people
    return [
        DistrictCoverage(district, dict(classes[district]), tags[district], by_class[district])
        for district in sorted(classes)
    ]


def results(
    session: Session,
    actor: Actor,
    *,
    run_id: int,
    region: str,
    district: str | None = None,
    klass: str | None = None,
    reason: str | None = None,
    tag: str | None = None,
    page: PageRequest | None = None,
) -> Page[object]:
    """The people behind a cockpit number (audited: a staff listing of people)."""
    _see(actor, district or region, "district" if district else "region")
    found = repository.results(
        session,
        run_id,
        region,
        district=district,
        klass=klass,
        reason=reason,
        tag=tag,
        page=page or PageRequest(),
    )
    audit.record(
        session,
        actor=actor,
        action="coverage.results.list",
        entity="comparison_run",
        entity_id=run_id,
        details={"region": region, "district": district, "class": klass, "tag": tag},
    )
    return found  # type: ignore[return-value]


# --- tasks -------------------------------------------------------------------------------------


def tasks(
    session: Session, actor: Actor, where: repository.TaskFilter, page: PageRequest
) -> Page[ExpansionTask]:
    _see(actor, where.district or where.region, "district" if where.district else "region")
    found = repository.tasks(session, where, page)
    audit.record(
        session,
        actor=actor,
        action="task.list",
        entity="expansion_task",
        entity_id=where.district or where.region,
        # Who was listed, not only how: the page's task ids (each names a person).
        details={
            "class": where.klass,
            "tag": where.tag,
            "status": where.status,
            "tasks": [t.id for t in found.items],
        },
    )
    return found


def task(session: Session, actor: Actor, task_id: int, *, lock: bool = False) -> ExpansionTask:
    found = repository.task(session, task_id, lock=lock)
    if found is None:
        raise NotFound(field="task_id", what="expansion task", key=task_id)
    _see(actor, found.district_code, "task_id")
    return found


def person_tasks(session: Session, actor: Actor, id_hash: str) -> list[ExpansionTask]:
    """The expansion tasks about one person (by the keyed hash of their ID) in the actor's
    region, newest first; the caller has audited the read of the person."""
    region = actor.region_code or ""
    _see(actor, region)
    return list(repository.tasks_about(session, id_hash, region))


def read_task(session: Session, actor: Actor, task_id: int) -> ExpansionTask:
    """A task opened by staff on its own page: a read of a person's record, so audited."""
    found = task(session, actor, task_id)
    audit.record(
        session,
        actor=actor,
        action="task.read",
        entity="expansion_task",
        entity_id=found.id,
        details={"district": found.district_code},
    )
    return found


def run(session: Session, actor: Actor, run_id: int) -> ComparisonRun:
    """A run the actor may read: one over a region they see, or one covering their own region
    (a district officer reads the province's run that counted their district)."""
    found = repository.run(session, run_id)
    if found is None:
        raise NotFound(field="run_id", what="comparison", key=run_id)
    place = found.jurisdiction_code
    own = actor.region_code
    if own is not None and region_contains(place, own) and own != place:
        _see(actor, own, "run_id")
    else:
        _see(actor, place, "run_id")
    return found


def run_for(session: Session, actor: Actor, run_id: int, region: str) -> ComparisonRun:
    """A run whose results ``region`` may read: one that covers the region or lies inside it."""
    _see(actor, region)
    found = repository.run(session, run_id)
    if found is None or not (
        region_contains(found.jurisdiction_code, region)
        or region_contains(region, found.jurisdiction_code)
    ):
        raise NotFound(field="run", what="comparison", key=run_id)
    return found


def record_outcome(
    session: Session, actor: Actor, *, task_id: int, outcome: str, reason: str | None
) -> ExpansionTask:
    """核实结果: what the district found when it worked the task."""
    found = task(session, actor, task_id, lock=True)
    authorize(actor, "task.outcome", Target(region_code=found.district_code), field="task_id")
    apply_outcome(found, outcome, reason, actor=actor, field="")
    audit.record(
        session,
        actor=actor,
        action="task.outcome",
        entity="expansion_task",
        entity_id=found.id,
        details={"outcome": outcome, "reason": found.outcome_reason},
    )
    return found


def apply_outcome(
    found: ExpansionTask, outcome: str, reason: str | None, *, actor: Actor, field: str
) -> None:
    """Check and set an outcome on an open task (shared by the form and the workbook import)."""
    if outcome not in OUTCOMES:
        raise TaskOutcomeInvalid(
            field=f"{field}outcome",
            reason_zh=f"结果应为 {'、'.join(OUTCOMES)} 之一",
            reason_en=f"the outcome must be one of {', '.join(OUTCOMES)}",
        )
    reason = (reason or "").strip() or None
    if outcome == "not_applicable" and not reason:
        raise TaskOutcomeInvalid(
            field=f"{field}reason",
            reason_zh="“不适用”须说明原因",
            reason_en="'not applicable' needs a reason",
        )
    if reason is not None and len(reason) > 200:
        raise TaskOutcomeInvalid(
            field=f"{field}reason",
            reason_zh="原因不超过 200 字",
            reason_en="the reason is at most 200 characters",
        )
    if found.status not in OPEN_STATUSES:
        raise TaskClosed(field=f"{field}task_id", task_id=found.id, status=found.status)
    found.status = outcome
    found.outcome_reason = reason
    found.outcome_by = actor.username
    found.outcome_at = utc_now()
    found.updated_at = found.outcome_at


def progress(session: Session, actor: Actor, region: str) -> list[repository.Progress]:
    _see(actor, region)
    return repository.progress(session, region)


def enrolled(session: Session, *, id_hash: str, at: datetime | None = None) -> int:
    """An enrolment was registered for the person with this keyed ID hash: their open tasks are
    converted; returns how many tasks it closed."""
    return expansion.convert(session, person_key=id_hash, at=at)


def on_person_enrolled(session: Session, event: events.Event) -> None:
    """Listener of ``person.enrolled`` (wired by ``flexcover.wiring``): 扩面转化."""
    enrolled(session, id_hash=str(event.data["person_key"]))


# --- workbooks for field teams -----------------------------------------------------------------


def export_tasks(
    session: Session, actor: Actor, where: repository.TaskFilter, *, actions: dict[str, str]
) -> bytes:
    """The tasks as a workbook (at most :data:`workbook.MAX_ROWS`), audited as a listing."""
    _see(actor, where.district or where.region, "district" if where.district else "region")
    found = repository.all_tasks(session, where, workbook.MAX_ROWS)
    audit.record(
        session,
        actor=actor,
        action="task.export",
        entity="expansion_task",
        entity_id=where.district or where.region,
        details={"tasks": len(found), "class": where.klass, "tag": where.tag},
    )
    return workbook.export(found, actions=actions)


def import_outcomes(session: Session, actor: Actor, data: bytes) -> int:
    """Record the outcomes a field team filled into an exported workbook. Every row is checked
    first; if any is wrong, nothing is recorded and every wrong row is named by its line."""
    filled, problems = workbook.read(data)
    found = repository.tasks_by_id(session, [row.task_id for row in filled])
    checked = []
    for row in filled:
        task_found = found.get(row.task_id)
        if task_found is None or not allows(
            actor, "task.outcome", Target(region_code=task_found.district_code)
        ):
            problems.append(RowProblem(row.line, "not_yours", {"task_id": row.task_id}))
            continue
        try:
            apply_outcome(task_found, row.outcome, row.reason, actor=actor, field="")
        except (TaskOutcomeInvalid, TaskClosed) as refused:
            problems.append(RowProblem(row.line, "refused", refusal=refused))
            continue
        checked.append(task_found)
    if problems:
        # Raising leaves the unit of work to roll back the outcomes set above.
        raise WorkbookInvalid(field="file", problems=problems)
    if checked:
        audit.record_many(
            session,
            actor=actor,
            action="task.outcome",
            entity="expansion_task",
            entity_ids=[t.id for t in checked],
            details={"via": "workbook"},
        )
    return len(checked)
