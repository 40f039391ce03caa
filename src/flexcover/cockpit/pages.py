"""The 数字驾驶舱 page: every registered panel for one region, with a picker of the regions within
the officer's own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from flexcover.cockpit.panels import Viewing, panels
from flexcover.kit.problems import Forbidden
from flexcover.registry import service as registry
from flexcover.registry.authz import NATION, Target, authorize, region_contains
from flexcover.registry.service import Jurisdiction
from flexcover.web.auth import DbSession, PageActor
from flexcover.web.i18n import page_language
from flexcover.web.templating import render
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


@router.get("/staff/cockpit")
def cockpit(
    request: Request,
    session: DbSession,
    actor: PageActor,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
) -> Response:
    """The cockpit of ``region`` (by default the officer's own; any region inside it may be
    picked, none outside)."""
    own = actor.region_code or NATION
    code = region or own
    authorize(actor, "coverage.read", Target(region_code=code), field="region")
    place = registry.require_jurisdiction(session, code, field="region")
    lang = page_language(request)
    shown: list[dict[str, Any]] = []
    viewing = Viewing(language=lang, cache={"today": request.app.state.today()})
    for panel in panels():
        try:
            context = panel.build(session, actor, code, viewing)
        except Forbidden:
            continue  # a panel of a capability this role may not read is left out
        shown.append(
            {"key": panel.key, "title": panel.title.get(lang, panel.key), "panel": panel, **context}
        )
    return render(
        request,
        "cockpit/cockpit.html",
        actor=actor,
        place=place,
        panels=shown,
        choices=_choices(session, own, place),
        up=_up(session, own, place),
    )


def _choices(session: DbSession, own: str, place: Jurisdiction) -> list[Jurisdiction]:
    """The regions the picker offers: the officer's own, the level below it, and the districts
    of the region shown (or, for a district, its neighbours), all within the officer's region."""
    if own == place.code and place.level == "district":
        return []  # a district officer has nothing else to pick
    found: dict[str, Jurisdiction] = {}
    home = registry.get_jurisdiction(session=session, code=own)
    found[home.code] = home
    for child in registry.jurisdiction_children(session=session, code=own):
        if child.level == "city" and child.name in registry.NON_PLACE_NAMES:
            # A grouping code, named like the province: its districts stand in for it.
            for district in registry.districts_within(session=session, region_code=child.code):
                found[district.code] = district
            continue
        found[child.code] = child
    around = place.code if place.level != "district" else (place.parent_code or place.code)
    if around != NATION and region_contains(own, around):
        for district in registry.districts_within(session=session, region_code=around):
            found[district.code] = district
    return sorted(found.values(), key=lambda j: j.code)


def _up(session: DbSession, own: str, place: Jurisdiction) -> Jurisdiction | None:
    """The region above the one shown, when it is still the officer's to see."""
    parent = place.parent_code
    if place.code == own or parent is None or not region_contains(own, parent):
        return None
    return registry.get_jurisdiction(session=session, code=parent)
