"""Staff pages of 精准扩面: the expansion task list and each task with its outcome form, the task
workbook out and back, and the people behind a cockpit number. Forms post back here; a refusal
comes back on the page in the officer's language with nothing changed.

The comparison runs page is in :mod:`flexcover.coverage.run_pages`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from flexcover.coverage import labels, repository, service
from flexcover.coverage.canonical import CLASS_GROUPS, CLASSES
from flexcover.coverage.expansion import TASK_CLASSES
from flexcover.coverage.labels import words
from flexcover.coverage.models import KINDS, ExpansionTask
from flexcover.coverage.problems import (
    RowProblem,
    TaskClosed,
    TaskOutcomeInvalid,
    WorkbookInvalid,
)
from flexcover.coverage.schemas import choice_pattern
from flexcover.kit.audit import Actor
from flexcover.kit.divisions import current_divisions
from flexcover.kit.pagination import MAX_PAGE, MAX_RECORD_ID, PageRequest
from flexcover.registry import service as registry
from flexcover.registry.authz import NATION, Target, allows, authorize
from flexcover.web.auth import DbSession, PageActor, check_csrf
from flexcover.web.i18n import page_language
from flexcover.web.templating import render
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

PAGE_SIZE = 50
MAX_UPLOAD = 20 * 1024 * 1024
STATUS_CHOICES = repository.STATUS_CHOICES
"""What the status filter offers; an empty choice means every status."""
OUTCOMES = service.OUTCOMES


def _choice(values: tuple[str, ...] | list[str]) -> str:
    return choice_pattern(values, blank=True)


Code = Annotated[str | None, Query(pattern=r"^([0-9]{6})?$")]
Kind = Annotated[str | None, Query(pattern=_choice(KINDS))]
TaskClass = Annotated[str | None, Query(alias="class", pattern=_choice(TASK_CLASSES))]
AnyClass = Annotated[str | None, Query(alias="class", pattern=_choice((*CLASSES, *CLASS_GROUPS)))]
Reason = Annotated[str | None, Query(pattern=_choice(list(labels.REASON_LABELS["en"])))]
Tag = Annotated[str | None, Query(pattern=_choice(list(labels.TAG_LABELS["en"])))]
Status = Annotated[str | None, Query(pattern=_choice(STATUS_CHOICES))]
Priority = Annotated[str | None, Query(pattern=r"^[1-3]?$")]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]
TaskId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID)]


def region_of(actor: Actor, region: str | None) -> str:
    """The region a page shows: the one asked for, or the officer's own."""
    return region or actor.region_code or NATION


def see(actor: Actor, region: str, district: str | None) -> None:
    """Refuse with the Forbidden page unless both the region and the district are the actor's."""
    authorize(actor, "coverage.read", Target(region_code=region), field="region")
    if district:
        authorize(actor, "coverage.read", Target(region_code=district), field="district")


def districts_of(session: DbSession, region: str) -> list[tuple[str, str]]:
    """(code, name) of the districts a filter may pick within ``region``."""
    if region == NATION:
        return []  # ~2,900: a national user narrows by region first
    return [
        (d.code, d.name) for d in registry.districts_within(session=session, region_code=region)
    ]


def _safe_back(target: str | None) -> str:
    """Where "back to the list" goes: a task list of this site, nothing else."""
    if target and target.startswith("/staff/tasks") and "//" not in target and "\\" not in target:
        return target
    return "/staff/tasks"


# --- the task list -------------------------------------------------------------------------------


@router.get("/staff/tasks")
def task_list(
    request: Request,
    session: DbSession,
    actor: PageActor,
    region: Code = None,
    district: Code = None,
    kind: Kind = None,
    klass: TaskClass = None,
    tag: Tag = None,
    status: Status = None,
    priority: Priority = None,
    page: PageNumber = 1,
    imported: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
) -> Response:
    """扩面任务清单: the drill-down target of the cockpit; ``status`` absent means open tasks,
    empty means every status."""
    place = region_of(actor, region)
    see(actor, place, district)
    chosen_status = "open" if status is None else status
    where = _task_filter(place, district, kind, klass, tag, chosen_status, priority)
    found = service.tasks(session, actor, where, PageRequest(page, PAGE_SIZE))
    filters = {
        "region": region or "",
        "district": district or "",
        "kind": kind or "",
        "class": klass or "",
        "tag": tag or "",
        "status": chosen_status,
        "priority": priority or "",
    }
    query = urlencode({k: v for k, v in filters.items() if v or k == "status"})
    lang = page_language(request)
    return render(
        request,
        "coverage/tasks.html",
        actor=actor,
        tasks=found,
        filters=filters,
        query=query,
        back=f"/staff/tasks?{query}&page={found.page}",
        region_name=_region_name(session, place),
        districts=districts_of(session, place),
        names=current_divisions(),
        words=words(lang),
        status_choices=STATUS_CHOICES,
        task_classes=TASK_CLASSES,
        kinds=KINDS,
        may_record=allows(actor, "task.outcome", Target(region_code=place)),
        imported=imported,
    )


def _task_filter(
    place: str,
    district: str | None,
    kind: str | None,
    klass: str | None,
    tag: str | None,
    status: str,
    priority: str | None,
) -> repository.TaskFilter:
    """The list's query parameters as a filter; empty ones filter nothing."""
    return repository.TaskFilter(
        region=place,
        district=district or None,
        kind=kind or None,
        klass=klass or None,
        tag=tag or None,
        status=status or None,
        priority=int(priority) if priority else None,
    )


def _region_name(session: DbSession, code: str) -> str:
    return registry.require_jurisdiction(session, code, field="region").full_name


@router.get("/staff/tasks/export.xlsx")
def export_tasks(
    request: Request,
    session: DbSession,
    actor: PageActor,
    region: Code = None,
    district: Code = None,
    kind: Kind = None,
    klass: TaskClass = None,
    tag: Tag = None,
    status: Status = None,
    priority: Priority = None,
) -> Response:
    """The filtered tasks as the field teams' workbook."""
    place = region_of(actor, region)
    see(actor, place, district)
    where = _task_filter(
        place, district, kind, klass, tag, "open" if status is None else status, priority
    )
    data = service.export_tasks(session, actor, where, actions=labels.ACTION_LABELS["zh-CN"])
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="tasks-{district or place}.xlsx"'},
    )


@router.post("/staff/tasks/import")
def import_outcomes(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A filled-in workbook back from the field: every outcome recorded, or none and every wrong
    row listed. (A plain ``def``: the workbook is read and parsed in a worker thread, never on
    the event loop that serves everyone else.)"""
    check_csrf(request, csrf)
    authorize(actor, "task.outcome", Target(region_code=actor.region_code or ""))
    data = file.file.read(MAX_UPLOAD + 1) if file is not None else b""
    try:
        if not data:
            raise WorkbookInvalid(field="file", problems=[RowProblem(0, "no_file")])
        if len(data) > MAX_UPLOAD:
            raise WorkbookInvalid(
                field="file", problems=[RowProblem(0, "too_large", {"limit": MAX_UPLOAD})]
            )
        recorded = service.import_outcomes(session, actor, data)
    except WorkbookInvalid as refused:
        lang = page_language(request)
        return render(
            request,
            "coverage/import_refused.html",
            status_code=refused.status,
            actor=actor,
            problem=refused.to_dict(lang),
            lines=[(line, said) for line, said in refused.lines(lang) if line],
            reason="；".join(said for line, said in refused.lines(lang) if not line),
        )
    return RedirectResponse(f"/staff/tasks?imported={recorded}", status_code=303)


# --- one task and its outcome --------------------------------------------------------------------


def _task_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    task: ExpansionTask,
    *,
    back: str,
    status_code: int = 200,
    error: dict[str, Any] | None = None,
    chosen: str = "",
    reason: str = "",
    done: bool = False,
) -> Response:
    lang = page_language(request)
    return render(
        request,
        "coverage/task.html",
        status_code=status_code,
        actor=actor,
        task=task,
        tags=[t for t in task.tags.split(",") if t],
        district_name=current_divisions().get(task.district_code, task.district_code),
        words=words(lang),
        outcomes=OUTCOMES,
        may_record=task.open
        and allows(actor, "task.outcome", Target(region_code=task.district_code)),
        back=_safe_back(back),
        error=error,
        chosen=chosen,
        reason=reason,
        done=done,
    )


@router.get("/staff/tasks/{task_id}")
def task_detail(
    request: Request,
    task_id: TaskId,
    session: DbSession,
    actor: PageActor,
    back: str | None = None,
    done: Annotated[int | None, Query(ge=0, le=1)] = None,
) -> Response:
    task = service.read_task(session, actor, task_id)
    return _task_page(request, session, actor, task, back=back or "", done=bool(done))


@router.post("/staff/tasks/{task_id}/outcome")
def record_outcome(
    request: Request,
    task_id: TaskId,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
    back: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """核实结果: the outcome form; a refusal re-shows the form with the reason, nothing changed."""
    check_csrf(request, csrf)
    try:
        service.record_outcome(
            session, actor, task_id=task_id, outcome=outcome, reason=reason or None
        )
    except (TaskOutcomeInvalid, TaskClosed) as refused:
        task = service.task(session, actor, task_id)
        return _task_page(
            request,
            session,
            actor,
            task,
            back=back,
            status_code=refused.status,
            error=refused.to_dict(page_language(request)),
            chosen=outcome,
            reason=reason,
        )
    target = f"/staff/tasks/{task_id}?" + urlencode({"done": 1, "back": _safe_back(back)})
    return RedirectResponse(target, status_code=303)


# --- the people behind a cockpit number -----------------------------------------------------------


@router.get("/staff/coverage/people")
def coverage_people(
    request: Request,
    session: DbSession,
    actor: PageActor,
    run: Annotated[int | None, Query(ge=1, le=MAX_RECORD_ID)] = None,
    region: Code = None,
    district: Code = None,
    klass: AnyClass = None,
    reason: Reason = None,
    tag: Tag = None,
    page: PageNumber = 1,
) -> Response:
    """The people of a comparison by district, class, exclusion reason and tag: the list behind
    the cockpit's figures for classes without tasks (covered, excluded)."""
    place = region_of(actor, region)
    see(actor, place, district)
    chosen = (
        service.run_for(session, actor, run, place)
        if run
        else service.latest_run(session, actor, place)
    )
    found = None
    if chosen is not None:
        found = service.results(
            session,
            actor,
            run_id=chosen.id,
            region=place,
            district=district or None,
            klass=klass or None,
            reason=reason or None,
            tag=tag or None,
            page=PageRequest(page, PAGE_SIZE),
        )
    filters = {
        "run": str(chosen.id) if chosen else "",
        "region": region or "",
        "district": district or "",
        "class": klass or "",
        "reason": reason or "",
        "tag": tag or "",
    }
    lang = page_language(request)
    return render(
        request,
        "coverage/people.html",
        actor=actor,
        run=chosen,
        people=found,
        filters=filters,
        query=urlencode({k: v for k, v in filters.items() if v}),
        region_name=_region_name(session, district or place),
        names=current_divisions(),
        words=words(lang),
    )
