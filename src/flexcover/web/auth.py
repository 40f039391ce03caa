"""Who is asking: a signed session cookie for pages, a bearer token for platforms' systems."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from flexcover.kit.audit import Actor
from flexcover.kit.problems import NotAuthenticated, Problem
from flexcover.registry import accounts
from flexcover.web.unit_of_work import db_session

SESSION_COOKIE = "flexcover_session"
SESSION_MAX_AGE = int(accounts.LOGIN_SESSION_LIFETIME.total_seconds())


class LoginRequired(NotAuthenticated):
    """Raised on pages: answered with a redirect to the login page rather than problem+json."""


class InvalidCsrfToken(Problem):
    code = "invalid_csrf_token"
    status = 403
    title = {"zh-CN": "页面已过期", "en": "Form expired"}
    detail = {
        "zh-CN": "表单已过期或来源不明，请刷新页面后重试。",
        "en": "The form expired or did not come from this site; reload the page and try again.",
    }


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.session_secret, salt="session")


def client_source(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def start_session(request: Request, response: Response, key: str) -> None:
    """Hand the browser its session key, signed, with the CSRF token its forms must echo."""
    payload = {"sid": key, "csrf": secrets.token_urlsafe(16)}
    response.set_cookie(
        SESSION_COOKIE,
        _serializer(request).dumps(payload),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE)


def session_payload(request: Request) -> dict[str, Any] | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        payload: dict[str, Any] = _serializer(request).loads(cookie, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None
    return payload


def session_key(request: Request) -> str | None:
    payload = session_payload(request)
    key = payload.get("sid") if payload else None
    return key if isinstance(key, str) else None


def csrf_token(request: Request) -> str:
    payload = session_payload(request)
    return str(payload["csrf"]) if payload else ""


def check_csrf(request: Request, submitted: str) -> None:
    expected = csrf_token(request)
    if not expected or not hmac.compare_digest(expected, submitted):
        raise InvalidCsrfToken(field="csrf")


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def cross_site(request: Request) -> bool:
    """Whether a browser says the request comes from another site: an Origin (or, without one, a
    Referer) whose host differs from this request's. No header says nothing. The scheme is not
    compared: behind a proxy that ends TLS the browser says https and the app sees http."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return claimed == "null"
    return urlsplit(claimed).netloc != request.url.netloc


def check_api_cookie_write(request: Request) -> None:
    """A write to the JSON API authenticated by the page cookie (not a bearer token) must come
    from this site: its X-CSRF-Token header echoes the session's token, or its Origin is ours.
    A form on another site can send the cookie, but neither."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get("x-csrf-token", "")
    expected = csrf_token(request)
    if expected and sent and hmac.compare_digest(expected, sent):
        return
    has_origin = bool(request.headers.get("origin") or request.headers.get("referer"))
    if has_origin and not cross_site(request):
        return
    raise InvalidCsrfToken(field="x-csrf-token")


def _actor(request: Request, session: Session) -> Actor | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated(field="authorization")
        bearer = accounts.user_for_token(session=session, plain=token.strip())
        return accounts.actor_for(bearer, source=client_source(request))
    key = session_key(request)
    if key is None:
        return None
    user = accounts.user_for_login_session(session=session, key=key)
    if user is None:
        return None
    return accounts.actor_for(user, source=client_source(request))


def api_actor(request: Request, session: Annotated[Session, Depends(db_session)]) -> Actor:
    """The caller of an API endpoint; 401 problem+json if there is none. A caller known by the
    page cookie writes only from this site (:func:`check_api_cookie_write`)."""
    actor = _actor(request, session)
    if actor is None:
        raise NotAuthenticated(field="authorization")
    if not request.headers.get("authorization"):
        check_api_cookie_write(request)
    return actor


def page_actor(request: Request, session: Annotated[Session, Depends(db_session)]) -> Actor:
    """The user of a page; a redirect to the login page if there is none."""
    actor = _actor(request, session)
    if actor is None:
        raise LoginRequired()
    return actor


ApiActor = Annotated[Actor, Depends(api_actor)]
PageActor = Annotated[Actor, Depends(page_actor)]
DbSession = Annotated[Session, Depends(db_session)]
