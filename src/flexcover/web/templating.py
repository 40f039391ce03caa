"""Jinja2 pages rendered in the request's language, with the session's CSRF token at hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from flexcover.kit.audit import Actor
from flexcover.kit.divisions import current_divisions
from flexcover.kit.money import format_yuan
from flexcover.kit.months import CHINA
from flexcover.registry.authz import NATION, Target, allows
from flexcover.web.auth import csrf_token
from flexcover.web.i18n import page_language, translate, translate_plural

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters["yuan"] = lambda fen: format_yuan(fen, grouping=True)
# Times are stored in UTC; staff read them in Beijing time.
templates.env.filters["place"] = lambda code: current_divisions().get(code or "", code or "")
"""A GB/T 2260 code as its name (渝中区), where a person reads it; the code itself if unknown."""
templates.env.filters["china_time"] = lambda at: at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def may(actor: Actor | None, action: str) -> bool:
    """Whether a link or form for ``action`` in the actor's own region belongs on the page."""
    return actor is not None and allows(
        actor, action, Target(region_code=actor.region_code or NATION)
    )


templates.env.globals["may"] = may


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    language = page_language(request)

    def t(key: str, **params: object) -> str:
        return translate(key, language, **params)

    def tn(key: str, plural: str, count: int, **params: object) -> str:
        return translate_plural(key, plural, count, language, **params)

    response = templates.TemplateResponse(
        request,
        template,
        {"t": t, "tn": tn, "lang": language, "csrf_token": csrf_token(request), **context},
        status_code=status_code,
    )
    return response
