"""What every request passes before any route sees it, and every response leaves with.

- A request whose path or query holds a NUL is refused (PostgreSQL cannot store one, and no
  valid address has one).
- Bodies are bounded: :data:`SMALL_BODY_BYTES` for forms and JSON, :data:`LARGE_BODY_BYTES` for
  uploads and platforms' bulk writes. A declared length past the bound is refused before
  reading; a body that grows past it while streaming is cut off and refused (nothing parsed).
- Responses carry the browser protections an agency's pages need: no framing, no sniffing, a
  content security policy of the site's own scripts, and HSTS when served over HTTPS.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flexcover.kit.problems import Problem

SMALL_BODY_BYTES = 1024 * 1024
LARGE_BODY_BYTES = 32 * 1024 * 1024
"""The largest upload: a returned task workbook (20 MiB), a bulk roster or order request (32 MiB),
a claim's file (10 MiB, checked by the claim)."""
LARGE_BODY_PREFIXES = (
    "/api/v1/platforms/",
    "/api/v1/tasks/outcomes.xlsx",
    "/staff/tasks/import",
    "/api/v1/injury/claims/",
)

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        b"frame-ancestors 'none'",
    ),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")


class RequestTooLarge(Problem):
    code = "request_too_large"
    status = 413
    title = {"zh-CN": "请求体过大", "en": "Request body too large"}
    detail = {
        "zh-CN": "请求体超过 {limit} 字节，未处理。",
        "en": "The request body is over {limit} bytes and was not processed.",
    }


class BadAddress(Problem):
    code = "bad_address"
    status = 400
    title = {"zh-CN": "地址无效", "en": "Invalid address"}
    detail = {
        "zh-CN": "请求地址含有不允许的字符。",
        "en": "The address holds a character that is not allowed.",
    }


def body_limit(path: str) -> int:
    return LARGE_BODY_BYTES if path.startswith(LARGE_BODY_PREFIXES) else SMALL_BODY_BYTES


class RequestGuard:
    """A pure ASGI middleware (it streams: nothing is buffered here)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                if https:
                    headers.append(HSTS)
                message = {**message, "headers": headers}
            await send(message)

        query = scope.get("query_string", b"")
        # The API speaks English unless asked otherwise, the pages Chinese (as web.i18n does).
        language = "en" if scope["path"].startswith("/api/") else "zh-CN"
        if "\x00" in scope["path"] or b"\x00" in query or b"%00" in query.lower():
            await _refuse(send_secured, BadAddress(), language)
            return
        limit = body_limit(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send_secured, RequestTooLarge(limit=limit), language)
            return
        received = 0

        async def receive_bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit=limit)  # answered by the app's problem handler
            return message

        await self.app(scope, receive_bounded, send_secured)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Any, problem: Problem, language: str) -> None:
    body = json.dumps(problem.to_dict(language), ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": problem.status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
