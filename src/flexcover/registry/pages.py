"""Registry pages: the worker's home, the staff home of an officer's region, people lists."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from flexcover.kit.audit import Actor
from flexcover.kit.pagination import MAX_PAGE, PageRequest
from flexcover.registry import repository, service
from flexcover.registry.authz import Target, authorize
from flexcover.web.auth import DbSession, PageActor
from flexcover.web.templating import render
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


def _names(session: DbSession, *codes: str) -> dict[str, str]:
    names = {}
    for code in codes:
        jurisdiction = repository.get_jurisdiction(session, code)
        names[code] = jurisdiction.full_name if jurisdiction else code
    return names


def _staff_only(actor: Actor) -> None:
    """Staff pages are for staff: a worker reads their own record on their home page."""
    authorize(actor, "staff.home", Target(region_code=actor.region_code or ""))


@router.get("/staff")
def staff_home(request: Request, session: DbSession, actor: PageActor) -> Response:
    summary = service.region_summary(session=session, actor=actor)
    return render(request, "staff_home.html", actor=actor, summary=summary)


@router.get("/staff/people")
def people_list(
    request: Request,
    session: DbSession,
    actor: PageActor,
    region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    _staff_only(actor)
    region_code = region or actor.region_code or ""
    found = service.list_people(
        session=session, actor=actor, region_code=region_code, page=PageRequest(page=page, size=50)
    )
    region_name = _names(session, region_code)[region_code]
    return render(
        request,
        "people_list.html",
        actor=actor,
        people=found,
        region_code=region_code,
        region_name=region_name,
    )


@router.get("/staff/people/{person_id}")
def person_detail(
    request: Request, person_id: int, session: DbSession, actor: PageActor
) -> Response:
    _staff_only(actor)
    person = service.get_person(session=session, actor=actor, person_id=person_id)
    return render(
        request,
        "person_detail.html",
        actor=actor,
        person=person,
        places=_names(session, person.hukou_code, person.residence_code),
    )
