"""The comparison runs page (比对记录): the runs of a region with their counts and source reports,
and, for the province, a form that queues a comparison of a source folder for a worker."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from flexcover.coverage import service
from flexcover.coverage.canonical import CLASSES
from flexcover.coverage.labels import words
from flexcover.coverage.models import LIVE
from flexcover.coverage.pages import region_of
from flexcover.coverage.problems import ComparisonRefused
from flexcover.kit.audit import Actor
from flexcover.kit.divisions import current_divisions
from flexcover.kit.months import Month
from flexcover.kit.settings import Settings
from flexcover.registry import service as registry
from flexcover.registry.authz import Target, allows, authorize
from flexcover.web.auth import DbSession, PageActor, check_csrf
from flexcover.web.i18n import page_language
from flexcover.web.templating import render
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

ENGINES = ("duckdb", "spark")
FOLDER_NAME = re.compile(r"^[\w\-][\w\-.]{0,99}$")
FOLDER_MONTH = re.compile(r"(?<!\d)\d{4}-(0[1-9]|1[0-2])(?!\d)")
"""A month written in a folder's name (``tax-2026-05``): what the data say they are for."""
REFRESH_SECONDS = 5
"""How long the form waits for the run's row to appear, so the page it lands on shows it."""


def source_folders(settings: Settings) -> list[str]:
    """The folders under ``<data dir>/sources/`` a comparison may read: the only paths the page
    offers or accepts (never one typed in)."""
    root = settings.data_dir / "sources"
    if not root.is_dir():
        return []
    return sorted(
        entry.name
        for entry in root.iterdir()
        if entry.is_dir() and not entry.is_symlink() and FOLDER_NAME.match(entry.name)
    )


@router.get("/staff/comparisons")
def comparison_runs(
    request: Request,
    session: DbSession,
    actor: PageActor,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    started: Annotated[int | None, Query(ge=0, le=1)] = None,
) -> Response:
    return _runs_page(request, session, actor, region_of(actor, region), started=bool(started))


def _runs_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    place: str,
    *,
    started: bool = False,
    confirm: dict[str, str] | None = None,
) -> Response:
    runs = service.runs(session, actor, place)
    settings: Settings = request.app.state.settings
    may_compare = allows(actor, "coverage.compare", Target(region_code=place))
    today = Month.of(request.app.state.today())
    return render(
        request,
        "coverage/comparisons.html",
        actor=actor,
        runs=runs,
        region=place,
        region_name=registry.require_jurisdiction(session, place, field="region").full_name,
        names=current_divisions(),
        words=words(page_language(request)),
        classes=CLASSES,
        running=any(run.status in LIVE for run in runs),
        jobs=service.run_jobs(session, [run for run in runs if run.status in LIVE]),
        refresh=REFRESH_SECONDS,
        may_compare=may_compare,
        folders=source_folders(settings) if may_compare else [],
        engines=ENGINES,
        default_month=str(today - 1),
        started=started,
        confirm=confirm,
    )


@router.post("/staff/comparisons")
def start_comparison(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    jurisdiction: Annotated[str, Form(pattern=r"^[0-9]{6}$")] = "",
    sources: Annotated[str, Form(max_length=100)] = "",
    as_of: Annotated[str, Form(max_length=20)] = "",
    engine: Annotated[str, Form(max_length=20)] = "duckdb",
    confirm_month: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Queue a comparison of one offered source folder for a worker (``flexcover worker``), then
    show the runs. A folder named for another month than the run's is started only once
    confirmed. The web process never runs it itself."""
    check_csrf(request, csrf)
    authorize(actor, "coverage.compare", Target(region_code=jurisdiction), field="jurisdiction")
    registry.require_jurisdiction(session, jurisdiction, field="jurisdiction")
    settings: Settings = request.app.state.settings
    if sources not in source_folders(settings):
        raise ComparisonRefused(
            field="sources",
            reason_zh=f"“{sources}”不是 sources/ 下的数据文件夹",
            reason_en=f"'{sources}' is not a folder under sources/",
        )
    month = Month.parse(as_of, field="as_of")
    if month > Month.of(request.app.state.today()):
        raise ComparisonRefused(
            field="as_of", reason_zh="比对月份不能晚于本月", reason_en="the month is in the future"
        )
    if engine not in ENGINES:
        raise ComparisonRefused(
            field="engine",
            reason_zh=f"引擎应为 {'、'.join(ENGINES)} 之一",
            reason_en=f"the engine must be one of {', '.join(ENGINES)}",
        )
    named = FOLDER_MONTH.search(sources)
    if named and named.group(0) != str(month) and confirm_month != "yes":
        return _runs_page(
            request,
            session,
            actor,
            jurisdiction,
            confirm={
                "sources": sources,
                "folder_month": named.group(0),
                "as_of": str(month),
                "engine": engine,
            },
        )
    service.queue_comparison(
        session,
        actor,
        sources=sources,
        as_of=month,
        jurisdiction=jurisdiction,
        engine=engine,
    )
    return RedirectResponse(f"/staff/comparisons?region={jurisdiction}&started=1", status_code=303)
