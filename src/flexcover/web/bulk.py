"""Bulk and idempotent writes from platforms' systems.

A bulk body is a JSON array of objects or NDJSON (one object a line), gzip allowed; it is read
bounded (compressed and inflated) by an async dependency, then parsed row by row in the
endpoint's worker thread, off the event loop. A row that does not parse or validate becomes the
:class:`Problem` of its line, so the caller can answer per row.

:func:`idempotent` runs an endpoint's work under an ``Idempotency-Key``
(:mod:`flexcover.kit.idempotency`) and logs platforms' writes with the rows they refused.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from flexcover.kit import idempotency
from flexcover.kit.audit import Actor
from flexcover.kit.problems import (
    Forbidden,
    NotAuthenticated,
    NotFound,
    Problem,
    ValidationFailed,
)
from flexcover.registry import service as registry

MAX_INFLATED_BYTES = 256 * 1024 * 1024
MAX_ROWS = 100_000
Model = TypeVar("Model", bound=BaseModel)


class InflatedTooLarge(Problem):
    """A gzip body that inflates past :data:`MAX_INFLATED_BYTES` (the compressed body itself is
    bounded by the request guard, ``web.guard``)."""

    code = "inflated_too_large"
    status = 413
    title = {"zh-CN": "请求过大", "en": "Request too large"}
    detail = {
        "zh-CN": "请求体解压后超过 {limit} 字节，请分批发送。",
        "en": "The request body is over {limit} bytes inflated; send it in parts.",
    }


class TooManyRows(Problem):
    code = "too_many_rows"
    status = 413
    title = {"zh-CN": "行数过多", "en": "Too many rows"}
    detail = {
        "zh-CN": "一次最多 {limit} 行，请分批发送。",
        "en": "At most {limit} rows a request; send them in parts.",
    }


class UnreadableBody(Problem):
    code = "unreadable_body"
    status = 400
    title = {"zh-CN": "请求体无法读取", "en": "Unreadable body"}
    detail = {"zh-CN": "{field}：{reason_zh}", "en": "{field}: {reason_en}"}


class RowNotJson(Problem):
    code = "row_not_json"
    title = {"zh-CN": "该行不是 JSON 对象", "en": "Row is not a JSON object"}
    detail = {
        "zh-CN": "{field}：第 {line} 行不是 JSON 对象。",
        "en": "{field}: line {line} is not a JSON object.",
    }


async def raw_body(request: Request) -> bytes:
    """The request body, as the request guard let it through: bounded before it was read
    (``web.guard.LARGE_BODY_BYTES`` on the platforms' routes)."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        pattern=r"^[\x21-\x7e]+$",
        description="a fresh key per write: the same key again replays the first answer",
    ),
]


def inflate(body: bytes, encoding: str | None) -> bytes:
    """The body, gunzipped when sent gzip (by header or by its magic), bounded."""
    if (encoding or "").lower() != "gzip" and not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, MAX_INFLATED_BYTES + 1)
    except zlib.error:
        raise UnreadableBody(
            field="body", reason_zh="gzip 数据损坏", reason_en="the gzip data is damaged"
        ) from None
    if len(out) > MAX_INFLATED_BYTES or inflater.unconsumed_tail:
        raise InflatedTooLarge(limit=MAX_INFLATED_BYTES)
    return out


def rows_of(request: Request, body: bytes, model: type[Model]) -> list[Model | Problem]:
    """The rows of a bulk body, each validated into ``model`` or the problem of its line
    (fields are named ``<line>.<field>``, lines counted from 1)."""
    return [_validated(model, item, line) for line, item in enumerate(values_of(request, body), 1)]


def values_of(request: Request, body: bytes) -> list[Any]:
    """The rows of a bulk body as decoded JSON values (a line that is not JSON as its
    :class:`RowNotJson`), for a caller that checks them itself."""
    data = inflate(body, request.headers.get("content-encoding"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableBody(
            field="body", reason_zh="不是 UTF-8 文本", reason_en="it is not UTF-8 text"
        ) from None
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw: list[Any]
    if kind in ("application/x-ndjson", "application/jsonl", "application/ndjson"):
        raw = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                raw.append(json.loads(line))
            except json.JSONDecodeError:
                raw.append(RowNotJson(field=str(number), line=number))
            if len(raw) > MAX_ROWS:
                raise TooManyRows(limit=MAX_ROWS)
    else:
        try:
            parsed = json.loads(text) if text.strip() else None
        except (json.JSONDecodeError, RecursionError):
            raise UnreadableBody(
                field="body", reason_zh="不是有效的 JSON", reason_en="it is not valid JSON"
            ) from None
        if isinstance(parsed, dict):
            parsed = [parsed]
        if not isinstance(parsed, list) or not parsed:
            raise UnreadableBody(
                field="body",
                reason_zh="应为 JSON 对象数组或 NDJSON（每行一个对象）",
                reason_en="send a JSON array of objects, or NDJSON (an object a line)",
            )
        if len(parsed) > MAX_ROWS:
            raise TooManyRows(limit=MAX_ROWS)
        raw = parsed
    return raw


def _validated(model: type[Model], item: Any, line: int) -> Model | Problem:
    if isinstance(item, Problem):
        return item
    if not isinstance(item, dict):
        return RowNotJson(field=str(line), line=line)
    try:
        return model.model_validate(item)
    except ValidationError as invalid:
        return ValidationFailed(
            [
                {
                    "field": ".".join([str(line), *(str(part) for part in error["loc"])]),
                    "code": str(error.get("type", "invalid")),
                    "message": str(error.get("msg", "invalid")),
                }
                for error in invalid.errors()
            ]
        )


Work = Callable[[], tuple[int, Any]]


def idempotent(
    *,
    request: Request,
    session: Session,
    actor: Actor,
    key: str | None,
    body: bytes,
    work: Work,
    log_as: tuple[int, str] | None = None,
) -> JSONResponse:
    """Run ``work`` (returning status and a JSON-able body) once per ``key``; a replay answers
    what the first request got, with ``Idempotent-Replayed: true``. ``log_as`` (platform id,
    operation) records the write on the platform's request log, refused rows included."""
    claimed: idempotency.IdempotentRequest | idempotency.Replay | None = None
    if key is not None:
        claimed = idempotency.claim(
            session,
            scope=f"user:{actor.user_id or actor.username}",
            key=key,
            print_=idempotency.fingerprint(request.method, request.url.path, body),
        )
        if isinstance(claimed, idempotency.Replay):
            return JSONResponse(
                claimed.body, status_code=claimed.status, headers={"Idempotent-Replayed": "true"}
            )
    try:
        status, answer = work()
    except Problem as refused:
        if log_as is not None:
            # The request's work and its key go first: the log is written on its own, and on
            # SQLite it would wait for the request's write lock.
            session.rollback()
            _log_refusal(request, log_as, refused, key)
        raise
    encoded = jsonable_encoder(answer)
    if isinstance(claimed, idempotency.IdempotentRequest):
        idempotency.complete(session, claimed, status=status, body=encoded)
    if log_as is not None:
        rows = encoded.get("rows", []) if isinstance(encoded, dict) else []
        _log_row(session, log_as, status, rows, key)
    return JSONResponse(encoded, status_code=status)


def _log_row(
    session: Session,
    log_as: tuple[int, str],
    status: int,
    rows: list[dict[str, Any]],
    key: str | None,
) -> None:
    refused = [
        {k: row.get(k) for k in ("line", "result", "pointer")}
        for row in rows
        if row.get("result") not in ("ok", "exists")
    ]
    registry.log_platform_request(
        session,
        platform_id=log_as[0],
        operation=log_as[1],
        status=status,
        accepted=len(rows) - len(refused) if rows else (1 if status < 400 else 0),
        refused=refused,
        idempotency_key=key,
    )


def _log_refusal(
    request: Request, log_as: tuple[int, str], refused: Problem, key: str | None
) -> None:
    """A refused write is logged in a transaction of its own: the request's is rolled back.
    Refusals of who is asking (not allowed, or no such platform) are not the platform's
    requests, and are not written into its log."""
    if isinstance(refused, Forbidden | NotFound | NotAuthenticated):
        return
    rows = getattr(refused, "rows", None)
    if rows is None:
        rows = [{"line": 0, "result": refused.code, "pointer": refused.pointer}]
    with request.app.state.database.unit_of_work() as own:
        if not registry.platform_known(own, log_as[0]):
            return
        _log_row(own, log_as, refused.status, rows, key)
