"""The outbox: messages that must leave after a transaction commits (reminders, receipts), written
in that same transaction so a message exists exactly when its cause does. A dispatcher (the
outreach capability) sends them later and marks them dispatched. Each has a unique key, so a
retried task enqueues nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from flexcover.kit.bulk import insert_new
from flexcover.kit.database import Base, UtcDateTime, utc_now


class OutboxMessage(Base):
    """发件箱: one message waiting to be sent."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    key: Mapped[str] = mapped_column(String(160), unique=True)
    topic: Mapped[str] = mapped_column(String(60), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


def enqueue(session: Session, messages: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
    """Add ``(key, topic, payload)`` messages; a key already queued is skipped, so a task that
    runs again enqueues nothing twice."""
    now = utc_now()
    insert_new(
        session,
        OutboxMessage,
        [
            {"key": key, "topic": topic, "payload": payload, "created_at": now}
            for key, topic, payload in messages
        ],
        unique=("key",),
    )
