"""Comparison tables: runs, their results and counts, and the expansion tasks they hand out."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexcover.kit.database import Base, UtcDateTime, one_of, utc_now

ID = BigInteger().with_variant(Integer, "sqlite")


class TaskStatus(StrEnum):
    ISSUED = "issued"
    CONTACTED = "contacted"
    ENROLLED = "enrolled"
    """The officer's word that the person enrolled; ``converted`` is the register's."""
    UNREACHABLE = "unreachable"
    NOT_APPLICABLE = "not_applicable"
    CONVERTED = "converted"
    RESOLVED = "resolved"
    """No longer found by a later comparison."""


OPEN_STATUSES = (
    TaskStatus.ISSUED,
    TaskStatus.CONTACTED,
    TaskStatus.ENROLLED,
    TaskStatus.UNREACHABLE,
)
"""A task in these is still being worked."""
STATUSES = tuple(TaskStatus)
KINDS = ("person", "employer_under_insured", "project_no_injury_cover")
_OPEN_SQL = ", ".join(f"'{s}'" for s in OPEN_STATUSES)


class RunStatus(StrEnum):
    QUEUED = "queued"
    """Started from a page: its job waits for a worker (``flexcover worker``)."""
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


LIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
"""A run in these holds its region: one comparison of a region at a time."""


class ComparisonRun(Base):
    """比对: one comparison of the departments' data with the insured register for a month."""

    __tablename__ = "comparison_runs"
    __table_args__ = (CheckConstraint(one_of("status", RunStatus), name="status_known"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    as_of: Mapped[str] = mapped_column(String(7))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    engine: Mapped[str] = mapped_column(String(10))
    sources: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.RUNNING)
    people: Mapped[int] = mapped_column(BigInteger, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    linkage_model: Mapped[str | None] = mapped_column(String(80))
    error: Mapped[str | None] = mapped_column(String(500))
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CoverageResult(Base):
    """比对结果: the class of one person of the population register in one comparison."""

    __tablename__ = "coverage_results"
    __table_args__ = (Index("ix_coverage_results_run_district", "run_id", "district", "klass"),)

    run_id: Mapped[int] = mapped_column(ID, ForeignKey("comparison_runs.id"), primary_key=True)
    person_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    """The keyed hash of the person's ID; ``record:<record id>`` when the register has none."""
    district: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(String(100))
    klass: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(20))
    tags: Mapped[str] = mapped_column(String(200), default=",")
    """Comma-separated and comma-framed (``,platform_worker,``), to filter with LIKE."""
    unpaid_months: Mapped[int | None] = mapped_column(Integer)
    months_total: Mapped[int | None] = mapped_column(Integer)
    retirement_month: Mapped[str | None] = mapped_column(String(7))
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)


class CoverageCount(Base):
    """比对统计: how many people of a district are in a class (and carry a tag) in a run."""

    __tablename__ = "coverage_counts"

    run_id: Mapped[int] = mapped_column(ID, ForeignKey("comparison_runs.id"), primary_key=True)
    district: Mapped[str] = mapped_column(String(6), primary_key=True)
    klass: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(20), primary_key=True)
    """``""`` for classes without reasons."""
    tag: Mapped[str] = mapped_column(String(30), primary_key=True)
    """``""``: everyone of the class; else those carrying the tag."""
    people: Mapped[int] = mapped_column(BigInteger)


class ExpansionTask(Base):
    """扩面任务: one finding handed to the district that can act on it, and what came of it."""

    __tablename__ = "expansion_tasks"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(f'{k!r}' for k in KINDS)})", name="kind_known"),
        CheckConstraint(one_of("status", TaskStatus), name="status_known"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority_known"),
        # One open task per finding: a re-run updates it instead of adding another.
        Index(
            "uq_expansion_tasks_open",
            "kind",
            "finding_key",
            unique=True,
            sqlite_where=text(f"status IN ({_OPEN_SQL})"),
            postgresql_where=text(f"status IN ({_OPEN_SQL})"),
        ),
        Index("ix_expansion_tasks_district", "district_code", "status", "priority"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30))
    finding_key: Mapped[str] = mapped_column(String(80))
    district_code: Mapped[str] = mapped_column(String(6))
    klass: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[str] = mapped_column(String(200), default=",")
    priority: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    birth_date: Mapped[str | None] = mapped_column(String(10))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="issued")
    outcome_reason: Mapped[str | None] = mapped_column(String(200))
    outcome_by: Mapped[str | None] = mapped_column(String(100))
    outcome_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    converted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_run_id: Mapped[int] = mapped_column(ID, ForeignKey("comparison_runs.id"))
    last_run_id: Mapped[int] = mapped_column(ID, ForeignKey("comparison_runs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES
