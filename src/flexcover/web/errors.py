"""Every failure leaves as RFC 9457 problem+json (API) or a readable page (pages)."""

from __future__ import annotations

import logging
from functools import cache

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from flexcover.kit.database import is_busy
from flexcover.kit.problems import NotFound, Problem, ValidationFailed
from flexcover.web.auth import LoginRequired
from flexcover.web.i18n import api_language, page_language

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("flexcover.web")


class MethodNotAllowed(Problem):
    code = "method_not_allowed"
    status = 405
    title = {"zh-CN": "不支持的请求方法", "en": "Method not allowed"}
    detail = {"zh-CN": "此地址不支持 {method} 请求。", "en": "{method} is not allowed here."}


class InternalError(Problem):
    code = "internal_error"
    status = 500
    title = {"zh-CN": "系统内部错误", "en": "Internal error"}
    detail = {
        "zh-CN": "系统出现内部错误，操作未生效。请稍后重试。",
        "en": "An internal error occurred and nothing was changed. Try again later.",
    }


class ServiceBusy(Problem):
    code = "service_busy"
    status = 503
    title = {"zh-CN": "系统繁忙", "en": "Busy"}
    detail = {
        "zh-CN": "系统正忙，操作未生效。请稍后重试。",
        "en": "The system is busy and nothing was changed. Try again in a moment.",
    }


RETRY_AFTER_SECONDS = "2"


class RequestRefused(Problem):
    """A request refused before any endpoint saw it: a body that cannot be parsed, too large,
    of an unsupported type (the framework's own 4xx)."""

    code = "request_refused"
    title = {"zh-CN": "请求无法处理", "en": "Request refused"}
    detail = {
        "zh-CN": "请求无法处理（{reason}），操作未生效。",
        "en": "The request could not be processed ({reason}); nothing was changed.",
    }


@cache
def _refusal_with_status(status: int) -> type[RequestRefused]:
    return type(f"RequestRefused{status}", (RequestRefused,), {"status": status})


def _reason(exc: StarletteHTTPException) -> str:
    """The framework's short reason, without anything of the request body in it."""
    detail = exc.detail if isinstance(exc.detail, str) else ""
    known = {
        400: "the body could not be parsed",
        413: "the body is too large",
        415: "the content type is not supported",
    }
    return known.get(exc.status_code) or detail[:80] or "bad request"


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem_response(request: Request, problem: Problem) -> Response:
    if is_api(request):
        return JSONResponse(
            problem.to_dict(api_language(request), instance=request.url.path),
            status_code=problem.status,
            media_type=PROBLEM_JSON,
        )
    from flexcover.web.templating import render

    language = page_language(request)
    return render(
        request,
        "error.html",
        status_code=problem.status,
        problem=problem.to_dict(language, instance=request.url.path),
    )


def _field_path(location: tuple[object, ...]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if is_api(request):
            return problem_response(request, exc)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return problem_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "field": _field_path(tuple(error.get("loc", ()))),
                "code": str(error.get("type", "invalid")),
                "message": str(error.get("msg", "invalid")),
                **{
                    f"ctx.{name}": str(value)
                    for name, value in (error.get("ctx") or {}).items()
                    if isinstance(value, str | int | float)
                },
            }
            for error in exc.errors()
        ]
        return problem_response(request, ValidationFailed(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            return problem_response(request, MethodNotAllowed(method=request.method))
        if exc.status_code == 404:
            return problem_response(request, NotFound(what="page", key=request.url.path))
        if isinstance(exc.__cause__, Problem):
            # The framework wrapped a problem raised while it read the body (a body past its
            # bound): answer with that problem, not the wrapper.
            return problem_response(request, exc.__cause__)
        if 400 <= exc.status_code < 500:
            refusal = _refusal_with_status(exc.status_code)(reason=_reason(exc))
            return problem_response(request, refusal)
        return problem_response(request, InternalError())

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        if is_busy(exc):
            # Rolled back: the caller may try again (the request was retried already where safe).
            log.warning("database busy on %s %s", request.method, request.url.path)
            response = problem_response(request, ServiceBusy())
            response.headers["Retry-After"] = RETRY_AFTER_SECONDS
            return response
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, InternalError())
