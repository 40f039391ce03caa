"""Page languages: zh-CN by default, English on request. The API defaults to English. The texts
are in the gettext catalogs (``flexcover.kit.i18n``)."""

from __future__ import annotations

from fastapi import Request

from flexcover.kit.i18n import translate, translate_plural
from flexcover.kit.problems import LANGUAGES, choose_language

LANGUAGE_COOKIE = "flexcover_lang"

__all__ = ["LANGUAGE_COOKIE", "api_language", "page_language", "translate", "translate_plural"]


def page_language(request: Request) -> str:
    """An explicit choice (``?lang=`` or the cookie) wins; then Accept-Language; then zh-CN."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return choose_language(request.headers.get("accept-language"), default="zh-CN")


def api_language(request: Request) -> str:
    return choose_language(request.headers.get("accept-language"), default="en")
