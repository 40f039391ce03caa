"""The audit log: who did what, when, to which record, from where.

Written through the caller's session, so an audit row commits or rolls back with the change it
describes: there is never a change without its row, nor a row for a change that did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from flexcover.kit.database import Base, UtcDateTime, utc_now


@dataclass(frozen=True, slots=True)
class Actor:
    """Whoever causes a change: a logged-in user, a platform's API token, or the system.

    ``source`` says from where: the client address of a request, or ``cli`` / ``system``.
    """

    user_id: int | None
    username: str
    role: str
    region_code: str | None
    source: str
    platform_id: int | None = None
    person_id: int | None = None

    @classmethod
    def system(cls, source: str = "system") -> Actor:
        return cls(user_id=None, username="system", role="system", region_code=None, source=source)


class AuditEntry(Base):
    """审计日志: one state change (or a staff read of personal data)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(80), index=True)
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(100))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    actor_region: Mapped[str | None] = mapped_column(String(6), index=True)
    """The region of whoever acted (an auditor reads the rows of actors in their region)."""


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object,
    details: dict[str, Any] | None = None,
) -> None:
    """Add one audit row to the current unit of work. ``details`` must hold no ID numbers."""
    session.add(
        AuditEntry(
            at=utc_now(),
            actor_user_id=actor.user_id,
            actor=actor.username,
            actor_role=actor.role,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            source=actor.source,
            details=details,
            actor_region=actor.region_code,
        )
    )


def record_many(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_ids: list[object],
    details: dict[str, Any] | None = None,
) -> None:
    """One audit row per record, inserted in bulk (for batch tasks touching many records)."""
    if not entity_ids:
        return
    now = utc_now()
    session.execute(
        insert(AuditEntry),
        [
            {
                "at": now,
                "actor_user_id": actor.user_id,
                "actor": actor.username,
                "actor_role": actor.role,
                "action": action,
                "entity": entity,
                "entity_id": str(entity_id),
                "source": actor.source,
                "details": details,
                "actor_region": actor.region_code,
            }
            for entity_id in entity_ids
        ],
    )


SPREADSHEET_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A value as text that a spreadsheet opening the file shows and never evaluates: text
    beginning like a formula (``=``, ``+``, ``-``, ``@``, a tab) gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(SPREADSHEET_TRIGGERS) else text
