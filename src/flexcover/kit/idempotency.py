"""Idempotent requests (``Idempotency-Key``): a write sent twice has its effect once, and the
second answer is the first one replayed.

The key is claimed in the request's own transaction, before the work: a row marked in progress,
completed with the answer before the commit. So a request that fails leaves no key behind (the
client may retry with it), a finished one leaves its answer, and a second request with the same
key while the first is still working finds the row locked: on PostgreSQL it waits at most
``IN_PROGRESS_WAIT`` and is answered 409; on SQLite writers take turns, so it sees the answer.
The same key with another request body is refused (422). Keys are kept ``RETENTION`` at least.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, UniqueConstraint, delete, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from flexcover.kit.database import Base, UtcDateTime, utc_now
from flexcover.kit.problems import Problem

RETENTION = timedelta(days=7)
IN_PROGRESS_WAIT = "1s"
_LOCK_TIMEOUT = "55P03"  # lock_not_available


class IdempotentRequest(Base):
    """幂等请求: the answer to a write sent with an ``Idempotency-Key``, kept for replays."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    scope: Mapped[str] = mapped_column(String(60))
    """Whose keys these are (``platform:3``, ``user:7``): keys of different callers never meet."""
    key: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)


class IdempotencyKeyMismatch(Problem):
    code = "idempotency_key_reused"
    status = 422
    title = {"zh-CN": "幂等键已用于另一请求", "en": "Idempotency key used for another request"}
    detail = {
        "zh-CN": "{field}：该 Idempotency-Key 已用于内容不同的请求；新的请求请使用新的键。",
        "en": "{field}: this Idempotency-Key was used for a request with another body; send a "
        "new key with a new request.",
    }


class RequestInProgress(Problem):
    code = "request_in_progress"
    status = 409
    title = {"zh-CN": "相同请求正在处理", "en": "The same request is in progress"}
    detail = {
        "zh-CN": "{field}：使用该 Idempotency-Key 的请求仍在处理中，请稍后重试。",
        "en": "{field}: a request with this Idempotency-Key is still being processed; retry "
        "shortly.",
    }


@dataclass(frozen=True)
class Replay:
    """The answer a request with this key got the first time."""

    status: int
    body: Any


def fingerprint(*parts: bytes | str) -> str:
    """What makes two requests the same: method, path and body."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def claim(session: Session, *, scope: str, key: str, print_: str) -> IdempotentRequest | Replay:
    """The key for this request (a fresh row to :func:`complete`), or the earlier answer."""
    found = _find(session, scope, key)
    if found is not None:
        return _replay(found, print_)
    row = IdempotentRequest(scope=scope, key=key, fingerprint=print_, status="in_progress")
    postgresql = session.get_bind().dialect.name == "postgresql"
    try:
        with session.begin_nested():
            if postgresql:  # a concurrent holder of the key: wait briefly, then say so
                session.execute(text(f"SET LOCAL lock_timeout = '{IN_PROGRESS_WAIT}'"))
            session.add(row)
            session.flush()
    except IntegrityError:
        found = _find(session, scope, key)  # the other request finished first
        if found is None:
            raise
        return _replay(found, print_)
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == _LOCK_TIMEOUT:
            raise RequestInProgress(field="Idempotency-Key") from None
        raise
    finally:
        if postgresql:
            session.execute(text("SET LOCAL lock_timeout = DEFAULT"))
    return row


def complete(session: Session, row: IdempotentRequest, *, status: int, body: Any) -> None:
    """Keep the answer with the key; it commits with the work."""
    row.status = "done"
    row.response_status = status
    row.response_body = body
    session.flush()


def purge(session: Session, *, before: datetime) -> int:
    """Forget keys older than ``before`` (never fewer than :data:`RETENTION` days)."""
    cutoff = min(before, utc_now() - RETENTION)
    result = session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def _find(session: Session, scope: str, key: str) -> IdempotentRequest | None:
    return session.scalars(
        select(IdempotentRequest).where(
            IdempotentRequest.scope == scope, IdempotentRequest.key == key
        )
    ).one_or_none()


def _replay(found: IdempotentRequest, print_: str) -> Replay:
    if found.fingerprint != print_:
        raise IdempotencyKeyMismatch(field="Idempotency-Key")
    if found.status != "done" or found.response_status is None:
        raise RequestInProgress(field="Idempotency-Key")
    return Replay(found.response_status, found.response_body)
