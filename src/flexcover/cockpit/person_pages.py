"""The person page for staff (人员档案): who the person is, their enrolments, bills, record,
subsidy applications and the expansion tasks about them, in one read that is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from flexcover.contributions import service as contributions
from flexcover.coverage import service as coverage
from flexcover.coverage.service import words
from flexcover.kit.months import Month
from flexcover.kit.pagination import MAX_RECORD_ID
from flexcover.registry import service as registry
from flexcover.registry.authz import Target, authorize
from flexcover.web.auth import DbSession, PageActor
from flexcover.web.i18n import page_language
from flexcover.web.templating import render
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


@router.get("/staff/people/{person_id}")
def person_page(
    request: Request,
    person_id: Annotated[int, Path(ge=1, le=MAX_RECORD_ID)],
    session: DbSession,
    actor: PageActor,
) -> Response:
    authorize(actor, "staff.home", Target(region_code=actor.region_code or ""))
    person = registry.get_person(session=session, actor=actor, person_id=person_id)
    places = {
        code: registry.get_jurisdiction(session=session, code=code).full_name
        for code in {person.hukou_code, person.residence_code}
    }
    found = contributions.person_contributions(
        session=session,
        rulebook=request.app.state.rulebook,
        actor=actor,
        person_id=person.id,
        now=Month.of(request.app.state.today()),
    )
    return render(
        request,
        "person_detail.html",
        actor=actor,
        person=person,
        places=places,
        c=found,
        tasks=coverage.person_tasks(session, actor, person.id_hash),
        words=words(page_language(request)),
    )
