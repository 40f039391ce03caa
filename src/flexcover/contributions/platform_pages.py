"""The platform's own page (平台): its roster, agreements, what it owes and paid, its API
tokens (rotate, revoke) and its recent API writes with the rows they refused."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from flexcover.contributions import platforms
from flexcover.kit.audit import Actor
from flexcover.kit.database import utc_now
from flexcover.kit.months import Month
from flexcover.kit.pagination import MAX_PAGE, MAX_RECORD_ID, PageRequest
from flexcover.kit.problems import NotFound
from flexcover.registry import accounts, roster
from flexcover.registry import service as registry
from flexcover.web.auth import DbSession, PageActor, check_csrf
from flexcover.web.templating import render
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


def _own_platform(actor: Actor) -> int:
    if actor.platform_id is None:
        raise NotFound(field="platform_id", what="platform", key="-")
    return actor.platform_id


def _page(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    page: int = 1,
    new_token: str | None = None,
) -> Response:
    platform_id = _own_platform(actor)
    platform = registry.get_platform(session=session, actor=actor, platform_id=platform_id)
    month = Month.of(request.app.state.today())
    return render(
        request,
        "platform_home.html",
        actor=actor,
        platform=platform,
        region=registry.get_jurisdiction(session=session, code=platform.region_code),
        workers=roster.list_workers(
            session=session,
            actor=actor,
            platform_id=platform_id,
            active_in=None,
            page=PageRequest(page, 50),
        ),
        on_roster=roster.roster_size(session, platform_id, month),
        month=str(month),
        agreements=platforms.agreements(session=session, actor=actor, platform_id=platform_id),
        money=platforms.account(session=session, actor=actor, platform_id=platform_id),
        tokens=accounts.platform_tokens(session=session, actor=actor, platform_id=platform_id),
        requests=registry.platform_requests(session=session, actor=actor, platform_id=platform_id),
        new_token=new_token,
        now=utc_now(),
        done=request.query_params.get("done"),
    )


@router.get("/platform")
def platform_home(
    request: Request,
    session: DbSession,
    actor: PageActor,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    return _page(request, session, actor, page=page)


@router.post("/platform/tokens/{token_id}/rotate")
def rotate_token(
    request: Request,
    token_id: Annotated[int, Path(ge=1, le=MAX_RECORD_ID)],
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """A new token replaces this one at once; it is shown on this page once, never again."""
    check_csrf(request, csrf)
    plain, _ = accounts.rotate_token(session=session, actor=actor, token_id=token_id)
    return _page(request, session, actor, new_token=plain)


@router.post("/platform/tokens/{token_id}/revoke")
def revoke_token(
    request: Request,
    token_id: Annotated[int, Path(ge=1, le=MAX_RECORD_ID)],
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    accounts.revoke_token(session=session, actor=actor, token_id=token_id)
    return RedirectResponse("/platform?done=revoked", status_code=303)
