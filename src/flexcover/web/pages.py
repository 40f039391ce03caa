"""Login, logout, the language switch and the home redirect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from flexcover.kit.problems import LANGUAGES, Problem
from flexcover.registry import accounts
from flexcover.web.auth import (
    DbSession,
    PageActor,
    check_csrf,
    client_source,
    end_session,
    session_key,
    start_session,
)
from flexcover.web.i18n import LANGUAGE_COOKIE, page_language
from flexcover.web.templating import render
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

HOME_BY_ROLE = {"worker": "/worker", "platform": "/platform"}


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login page cannot be used to bounce users elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/")
def home(actor: PageActor) -> Response:
    return RedirectResponse(HOME_BY_ROLE.get(actor.role, "/staff"), status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None, username="")


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form(max_length=60)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        user = accounts.authenticate(session=session, username=username, password=password)
    except Problem as problem:
        return render(
            request,
            "login.html",
            status_code=problem.status,
            next=_safe_next(next),
            username=username,
            error=problem.to_dict(page_language(request)),
        )
    key = accounts.open_login_session(session=session, user=user, source=client_source(request))
    response = RedirectResponse(_safe_next(next), status_code=303)
    start_session(request, response, key)
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    accounts.close_login_session(session=session, actor=actor, key=session_key(request) or "")
    response = RedirectResponse("/login?bye=1", status_code=303)
    end_session(response)
    return response


@router.get("/lang/{language}")
def switch_language(language: str, next: str | None = None) -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    if language in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response
