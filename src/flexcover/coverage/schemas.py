"""Comparison and expansion-task JSON shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from flexcover.coverage.models import RunStatus, TaskStatus

Code6 = Field(pattern=r"^[0-9]{6}$")


def choice_pattern(values: tuple[str, ...] | list[str], *, blank: bool = False) -> str:
    """A query pattern for one of ``values``; with ``blank`` also for nothing (a page's form
    sends an empty select as ``""``)."""
    return "^(" + "|".join(values) + ")" + ("?" if blank else "") + "$"


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutcomeIn(In):
    outcome: Literal["contacted", "enrolled", "not_applicable", "unreachable"]
    reason: str | None = Field(default=None, max_length=200)


class ComparisonIn(In):
    sources: str = Field(min_length=1, max_length=100, pattern=r"^[\w\-.]+$")
    """A folder under the data folder's ``sources/`` (the server never reads arbitrary paths)."""
    as_of: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")
    jurisdiction: str = Code6
    engine: Literal["duckdb", "spark"] = "duckdb"


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    as_of: str
    jurisdiction_code: str
    engine: str
    status: RunStatus
    people: int
    counts: dict[str, Any]
    report: dict[str, Any]
    linkage_model: str | None
    error: str | None
    started_by: str
    started_at: datetime
    finished_at: datetime | None


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    district_code: str
    klass: str | None
    tags: list[str]
    priority: int
    action: str
    channel: str
    name: str
    phone: str | None
    birth_date: str | None
    details: dict[str, Any]
    status: TaskStatus
    outcome_reason: str | None
    outcome_by: str | None
    outcome_at: datetime | None
    converted_at: datetime | None
    first_run_id: int
    last_run_id: int

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: object) -> object:
        return [t for t in value.split(",") if t] if isinstance(value, str) else value


class TaskPage(BaseModel):
    items: list[TaskOut]
    total: int
    page: int
    size: int


class DistrictOut(BaseModel):
    district: str
    name: str
    classes: dict[str, int]
    tags: dict[str, int]
    should_be_insured: int
    covered: int
    coverage_rate: str | None
    """Covered over should-be-insured, as a percentage with one decimal (``"93.4"``)."""


class ProgressOut(BaseModel):
    district: str
    name: str
    issued: int
    verified: int
    converted: int


class ImportOut(BaseModel):
    recorded: int
