"""Login, logout, the language switch and the home redirect."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from flexcover.kit.problems import LANGUAGES, Problem
from flexcover.registry import accounts
from flexcover.registry.problems import InvalidCredentials, PasswordRefused, TooManyAttempts
from flexcover.web.auth import (
    DbSession,
    InvalidCsrfToken,
    PageActor,
    check_csrf,
    client_source,
    cross_site,
    end_session,
    session_key,
    start_session,
)
from flexcover.web.i18n import LANGUAGE_COOKIE, page_language
from flexcover.web.templating import render
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

HOME_BY_ROLE = {"worker": "/worker", "platform": "/platform", "insurer": "/staff/injury/claims"}


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


class SourceThrottle:
    """Failed logins per client address in a sliding window: past ``limit`` the address is
    answered 429 before any password is checked (a lockout per login cannot stop one address
    trying many logins)."""

    def __init__(self, limit: int = 30, window: float = 600.0) -> None:
        self.limit, self.window = limit, window
        self.failures: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def _recent(self, source: str, now: float) -> deque[float]:
        times = self.failures[source]
        while times and times[0] < now - self.window:
            times.popleft()
        return times

    def blocked(self, source: str) -> bool:
        with self.lock:
            return len(self._recent(source, time.monotonic())) >= self.limit

    def failed(self, source: str) -> None:
        with self.lock:
            self._recent(source, time.monotonic()).append(time.monotonic())


def _throttle(request: Request) -> SourceThrottle:
    state = request.app.state
    if not hasattr(state, "login_throttle"):
        state.login_throttle = SourceThrottle()
    throttle: SourceThrottle = state.login_throttle
    return throttle


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form(max_length=60)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    source = client_source(request)
    throttle = _throttle(request)
    if cross_site(request):
        # Login CSRF: another site's form would log the browser in as the attacker.
        raise InvalidCsrfToken(field="csrf")
    try:
        if throttle.blocked(source):
            raise TooManyAttempts(field="password")
        user = accounts.authenticate(session=session, username=username, password=password)
    except Problem as problem:
        if isinstance(problem, InvalidCredentials):
            throttle.failed(source)
            # The refused request's transaction is rolled back: the failure is kept apart.
            session.rollback()
            with request.app.state.database.unit_of_work() as own:
                locked = accounts.note_failed_login(session=own, username=username, source=source)
            problem = locked or problem
        return render(
            request,
            "login.html",
            status_code=problem.status,
            next=_safe_next(next),
            username=username,
            error=problem.to_dict(page_language(request)),
        )
    key = accounts.open_login_session(session=session, user=user, source=source)
    target = "/account/password?first=1" if user.must_change_password else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, key)
    return response


@router.get("/account/password")
def password_form(request: Request, actor: PageActor) -> Response:
    return render(
        request,
        "password.html",
        actor=actor,
        error=None,
        first=bool(request.query_params.get("first")),
        done=bool(request.query_params.get("done")),
    )


@router.post("/account/password")
def change_password(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    current_password: Annotated[str, Form(max_length=200)] = "",
    new_password: Annotated[str, Form(max_length=200)] = "",
    confirm_password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """修改密码: the current password, the new one twice; other sessions of the login end."""
    check_csrf(request, csrf)
    if new_password != confirm_password:
        raise PasswordRefused(
            field="confirm_password",
            reason_zh="两次输入的新密码不一致",
            reason_en="the two new passwords differ",
        )
    accounts.change_password(
        session=session,
        actor=actor,
        current=current_password,
        new=new_password,
        keep_session=session_key(request),
    )
    return RedirectResponse("/account/password?done=1", status_code=303)


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
