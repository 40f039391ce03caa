"""Comparison and expansion-task JSON API: runs, coverage by district, tasks, outcomes, and the
task workbook for field teams."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

from flexcover.coverage import repository, service
from flexcover.coverage.expansion import TASK_CLASSES
from flexcover.coverage.labels import ACTION_LABELS, TAG_LABELS
from flexcover.coverage.models import KINDS
from flexcover.coverage.problems import RowProblem, WorkbookInvalid
from flexcover.coverage.schemas import (
    DistrictOut,
    ImportOut,
    OutcomeIn,
    ProgressOut,
    RunOut,
    TaskOut,
    TaskPage,
    choice_pattern,
)
from flexcover.kit.divisions import current_divisions
from flexcover.kit.money import round_half_up_div
from flexcover.kit.pagination import MAX_PAGE, MAX_PAGE_SIZE, MAX_RECORD_ID, PageRequest
from flexcover.kit.problems import NotFound
from flexcover.web.auth import ApiActor, DbSession
from flexcover.web.params import PathId
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(prefix="/api/v1", route_class=UnitOfWorkRoute, tags=["coverage"])
Region = Annotated[str, Query(pattern=r"^[0-9]{6}$")]
OptionalCode = Annotated[str | None, Query(pattern=r"^[0-9]{6}$")]
MAX_UPLOAD = 20 * 1024 * 1024


def rate(covered: int, of: int) -> str | None:
    """A percentage with one decimal, half up, from integers (no float)."""
    if of == 0:
        return None
    whole, tenth = divmod(round_half_up_div(covered * 1000, of), 10)
    return f"{whole}.{tenth}"


@router.get("/comparisons", response_model=list[RunOut])
def list_runs(region: Region, session: DbSession, actor: ApiActor) -> Any:
    return service.runs(session, actor, region)


@router.get("/comparisons/{run_id}", response_model=RunOut)
def get_run(run_id: PathId, session: DbSession, actor: ApiActor) -> Any:
    return service.run(session, actor, run_id)


@router.get("/coverage/districts", response_model=list[DistrictOut])
def coverage_districts(
    region: Region,
    session: DbSession,
    actor: ApiActor,
    run: Annotated[int | None, Query(ge=1, le=MAX_RECORD_ID)] = None,
) -> Any:
    """People by class per district in the newest comparison covering ``region`` (or ``run``)."""
    chosen = (
        service.run_for(session, actor, run, region)
        if run
        else service.latest_run(session, actor, region)
    )
    if chosen is None:
        raise NotFound(field="region", what="comparison", key=region)
    names = current_divisions()
    return [
        DistrictOut(
            district=row.district,
            name=names.get(row.district, row.district),
            classes=row.classes,
            tags=row.tags,
            should_be_insured=row.should_be_insured,
            covered=row.covered,
            coverage_rate=rate(row.covered, row.should_be_insured),
        )
        for row in service.coverage_by_district(session, actor, chosen, region)
    ]


@router.get("/coverage/progress", response_model=list[ProgressOut])
def expansion_progress(region: Region, session: DbSession, actor: ApiActor) -> Any:
    names = current_divisions()
    return [
        ProgressOut(name=names.get(p.district, p.district), **p.__dict__)
        for p in service.progress(session, actor, region)
    ]


Kind = Annotated[str | None, Query(pattern=choice_pattern(KINDS))]
Klass = Annotated[str | None, Query(alias="class", pattern=choice_pattern(TASK_CLASSES))]
Tag = Annotated[str | None, Query(pattern=choice_pattern(list(TAG_LABELS["en"])))]
Status = Annotated[str | None, Query(pattern=choice_pattern(repository.STATUS_CHOICES))]
Priority = Annotated[int | None, Query(ge=1, le=3)]


@router.get("/tasks", response_model=TaskPage)
def list_tasks(
    region: Region,
    session: DbSession,
    actor: ApiActor,
    district: OptionalCode = None,
    kind: Kind = None,
    klass: Klass = None,
    tag: Tag = None,
    status: Status = None,
    priority: Priority = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> Any:
    where = repository.TaskFilter(region, district, kind, klass, tag, status, priority)
    found = service.tasks(session, actor, where, PageRequest(page, size))
    return {"items": found.items, "total": found.total, "page": found.page, "size": found.size}


@router.get("/tasks/export.xlsx", response_class=Response)
def export_tasks(
    region: Region,
    session: DbSession,
    actor: ApiActor,
    district: OptionalCode = None,
    kind: Kind = None,
    klass: Klass = None,
    tag: Tag = None,
    status: Status = "open",
    priority: Priority = None,
) -> Response:
    where = repository.TaskFilter(region, district, kind, klass, tag, status, priority)
    data = service.export_tasks(session, actor, where, actions=ACTION_LABELS["zh-CN"])
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="tasks-{district or region}.xlsx"'},
    )


@router.post("/tasks/outcomes.xlsx", response_model=ImportOut)
def import_outcomes(
    request: Request, session: DbSession, actor: ApiActor, file: Annotated[UploadFile, File()]
) -> Any:
    """Outcomes a field team filled into an exported workbook: all rows recorded, or none. (Read
    and parsed in a worker thread, never on the event loop.)"""
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise WorkbookInvalid(
            field="file", problems=[RowProblem(0, "too_large", {"limit": MAX_UPLOAD})]
        )
    return {"recorded": service.import_outcomes(session, actor, data)}


@router.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(task_id: PathId, session: DbSession, actor: ApiActor) -> Any:
    """One task with the person's name, phone and birth date: an audited read."""
    return service.read_task(session, actor, task_id)


@router.post("/tasks/{task_id}/outcome", response_model=TaskOut)
def record_outcome(task_id: PathId, body: OutcomeIn, session: DbSession, actor: ApiActor) -> Any:
    return service.record_outcome(
        session, actor, task_id=task_id, outcome=body.outcome, reason=body.reason
    )
