"""The outbox: messages that must leave after a transaction commits (reminders, receipts), written
in that same transaction so a message exists exactly when its cause does. A dispatcher (the
outreach capability) sends them later and marks them dispatched. Each has a unique key, so a
retried task enqueues nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from flexcover.kit.bulk import REFUSED, copy_columns, insert_new, is_postgresql
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
    if not messages:
        return
    now = utc_now()
    if is_postgresql(session) and len(messages) > 1:
        # A batch's messages are almost always new: COPY them straight in, and only if one was
        # queued before, step back and insert the new ones alone.
        try:
            with session.begin_nested():
                copy_columns(
                    session,
                    OutboxMessage.__tablename__,
                    len(messages),
                    {
                        "key": [key for key, _, _ in messages],
                        "topic": [topic for _, topic, _ in messages],
                        "payload": [
                            json.dumps(payload, ensure_ascii=False) for _, _, payload in messages
                        ],
                        "created_at": now,
                    },
                )
            return
        except REFUSED:
            pass
    insert_new(
        session,
        OutboxMessage,
        [
            {"key": key, "topic": topic, "payload": payload, "created_at": now}
            for key, topic, payload in messages
        ],
        unique=("key",),
    )
