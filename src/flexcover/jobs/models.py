"""The job queue's one table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from flexcover.kit.database import Base, UtcDateTime, one_of, utc_now


class JobStatus(StrEnum):
    QUEUED = "queued"
    """Waiting for a worker (again, after a worker that held it stopped)."""
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    """Refused, or tried ``max_attempts`` times: ``error`` says why."""


class Job(Base):
    """作业: one piece of work for a worker process, with who asked for it and how it goes."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(one_of("status", JobStatus), name="status_known"),
        CheckConstraint("attempts >= 0 AND max_attempts >= 1", name="attempts_counted"),
        Index("ix_jobs_waiting", "status", "run_after"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    """What the job is about (``coverage.compare:run-17``): the same work is never queued twice."""
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    run_after: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    taken_by: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    progress: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(String(500))
