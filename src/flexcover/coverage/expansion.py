"""Findings become expansion tasks (扩面任务) for the districts that can act on them.

A person of class ``never_insured``, ``dropped`` or ``interrupted`` and each employer finding is a
task for the district of the person's residence or of the employer / project, with a priority
(1: near retirement with a short record, 2: a platform worker, 3: the rest), a suggested action
and a contact channel. A re-run of the comparison updates the open task of the same finding
instead of adding another; an open task whose finding a re-run no longer makes is resolved; an
enrolment registered in flexcover afterwards closes the person's open tasks as converted.
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from flexcover.coverage.models import OPEN_STATUSES, ExpansionTask
from flexcover.kit.bulk import insert_columns
from flexcover.kit.database import utc_now
from flexcover.registry.authz import region_prefix

TASK_CLASSES = ("never_insured", "dropped", "interrupted")
TASKS = typing.cast(Table, ExpansionTask.__table__)
ACTIONS = {
    "never_insured": "enrol_flexible",
    "dropped": "restore_enrolment",
    "interrupted": "resume_payment",
    "employer_under_insured": "employer_enrol_staff",
    "project_no_injury_cover": "project_injury_cover",
}
"""What the district is asked to do, by class or finding (the labels are in web/i18n)."""


@dataclass(frozen=True)
class Finding:
    """One finding of a run, as a task would hold it."""

    kind: str
    finding_key: str
    district_code: str
    klass: str | None
    tags: str
    priority: int
    action: str
    channel: str
    name: str
    phone: str | None
    birth_date: str | None
    details: dict[str, Any]


def person_findings(results: pa.Table) -> list[Finding]:
    """The task-worthy people of a classification (rows of :func:`classify.classify`)."""
    findings = []
    chosen = results.filter(pc.is_in(results["klass"], pa.array(TASK_CLASSES)))
    for row in chosen.to_pylist():
        tags = tag_list(row["tags"])
        if "near_retirement_short" in tags:
            priority = 1
        elif "platform_no_pension" in tags:
            priority = 2
        else:
            priority = 3
        if "platform_worker" in tags:
            channel = "platform"
        elif row["phone"]:
            channel = "phone"
        else:
            channel = "visit"
        details = {
            "evidence": sorted(row["evidence"] or []),
            "unpaid_months": row["unpaid_months"],
            "months_total": row["months_total"],
            "retirement_month": row["retirement_month"],
        }
        findings.append(
            Finding(
                kind="person",
                finding_key=person_key(row),
                district_code=row["district"],
                klass=row["klass"],
                tags=tag_text(tags),
                priority=priority,
                action=ACTIONS[row["klass"]],
                channel=channel,
                name=row["name"] or "",
                phone=row["phone"],
                birth_date=row["birth_date"].isoformat() if row["birth_date"] else None,
                details={k: v for k, v in details.items() if v not in (None, [])},
            )
        )
    return findings


def employer_task_findings(findings: pa.Table) -> list[Finding]:
    """Employer and project findings (rows of :func:`classify.employer_findings`)."""
    return [
        Finding(
            kind=row["kind"],
            finding_key=row["key"],
            district_code=row["district"],
            klass=None,
            tags=",",
            priority=3,
            action=ACTIONS[row["kind"]],
            channel="visit",
            name=row["name"] or row["key"],
            phone=None,
            birth_date=None,
            details={
                k: row[k] for k in ("headcount", "insured", "reference") if row[k] is not None
            },
        )
        for row in findings.to_pylist()
    ]


def person_key(row: dict[str, Any]) -> str:
    """A person's key across runs: the keyed hash, or the population record without one."""
    return row["id_hash"] or f"record:{row['person']}"


def tag_list(text: str | None) -> list[str]:
    """The tags of a comma-framed text."""
    return [tag for tag in (text or "").split(",") if tag]


def tag_text(tags: list[str]) -> str:
    """``,a,b,``: comma-framed, so that ``LIKE '%,a,%'`` finds a tag."""
    return "," + "".join(f"{tag}," for tag in tags)


@dataclass(frozen=True)
class TaskChanges:
    issued: int
    updated: int
    resolved: int


def hand_out(
    session: Session,
    *,
    run_id: int,
    jurisdiction: str,
    findings: list[Finding],
    resolve: bool = True,
) -> TaskChanges:
    """Update the open task of each finding, issue a task for each new one, and (``resolve``)
    resolve the open tasks in the run's jurisdiction that the run no longer finds. Set-based: a
    province run has millions of findings."""
    now = utc_now()
    prefix = region_prefix(jurisdiction)
    # A run acts inside its region only: findings elsewhere, and other regions' tasks, are not
    # its to issue, update or resolve.
    staged = _stage(session, [f for f in findings if f.district_code.startswith(prefix)])
    tasks = TASKS
    details: Any = staged.c.details
    if session.get_bind().dialect.name == "postgresql":
        details = cast(details, JSON)  # SQLite keeps JSON as text and must not cast it
    same = and_(
        tasks.c.kind == staged.c.kind,
        tasks.c.finding_key == staged.c.finding_key,
        tasks.c.status.in_(OPEN_STATUSES),
        tasks.c.district_code.startswith(prefix),
    )
    carried = [
        "district_code",
        "klass",
        "tags",
        "priority",
        "action",
        "channel",
        "name",
        "phone",
        "birth_date",
        "details",
    ]
    updated = _count(
        session.execute(
            update(tasks)
            .where(same)
            .values(
                **{name: staged.c[name] for name in carried if name != "details"},
                details=details,
                last_run_id=run_id,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    )
    already = exists().where(
        tasks.c.kind == staged.c.kind,
        tasks.c.finding_key == staged.c.finding_key,
        tasks.c.status.in_(OPEN_STATUSES),
    )
    # Counted first: PostgreSQL's driver does not report the rows of an INSERT … SELECT.
    issued = session.scalar(select(func.count()).select_from(staged).where(~already)) or 0
    session.execute(
        insert(tasks).from_select(
            [
                *carried,
                *("kind", "finding_key", "status", "first_run_id", "last_run_id"),
                *("created_at", "updated_at"),
            ],
            select(
                *[details if name == "details" else staged.c[name] for name in carried],
                staged.c.kind,
                staged.c.finding_key,
                literal("issued"),
                literal(run_id),
                literal(run_id),
                literal(now),
                literal(now),
            ).where(~already),
        )
    )
    found = exists().where(
        tasks.c.kind == staged.c.kind, tasks.c.finding_key == staged.c.finding_key
    )
    if not resolve:
        staged.drop(session.connection())
        return TaskChanges(issued=issued, updated=updated, resolved=0)
    resolved = _count(
        session.execute(
            update(tasks)
            .where(
                tasks.c.status.in_(OPEN_STATUSES),
                tasks.c.last_run_id != run_id,
                tasks.c.district_code.startswith(prefix),
                ~found,
            )
            .values(
                status="resolved",
                outcome_reason=f"comparison {run_id} no longer finds it",
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    )
    staged.drop(session.connection())
    return TaskChanges(issued=issued, updated=updated, resolved=resolved)


def _stage(session: Session, findings: list[Finding]) -> Table:
    """The findings in a temporary table, written in bulk."""
    staged = Table(
        "staged_findings",
        MetaData(),
        Column("kind", String(30)),
        Column("finding_key", String(80)),
        Column("district_code", String(6)),
        Column("klass", String(16)),
        Column("tags", String(200)),
        Column("priority", Integer),
        Column("action", String(40)),
        Column("channel", String(20)),
        Column("name", String(200)),
        Column("phone", String(20)),
        Column("birth_date", String(10)),
        Column("details", String),  # JSON text, cast where it is copied into tasks
        Column("seq", BigInteger),
        prefixes=["TEMPORARY"],
    )
    staged.drop(session.connection(), checkfirst=True)
    staged.create(session.connection())
    insert_columns(
        session,
        staged,
        len(findings),
        {
            "kind": [f.kind for f in findings],
            "finding_key": [f.finding_key for f in findings],
            "district_code": [f.district_code for f in findings],
            "klass": [f.klass for f in findings],
            "tags": [f.tags for f in findings],
            "priority": [f.priority for f in findings],
            "action": [f.action for f in findings],
            "channel": [f.channel for f in findings],
            "name": [f.name for f in findings],
            "phone": [f.phone for f in findings],
            "birth_date": [f.birth_date for f in findings],
            "details": [json.dumps(f.details, ensure_ascii=False) for f in findings],
            "seq": list(range(len(findings))),
        },
    )
    return staged


def convert(session: Session, *, person_key: str, at: datetime | None = None) -> int:
    """转化: an enrolment registered for this person closes their open tasks as converted."""
    tasks = TASKS
    return _count(
        session.execute(
            update(tasks)
            .where(
                tasks.c.kind == "person",
                tasks.c.finding_key == person_key,
                tasks.c.status.in_(OPEN_STATUSES),
            )
            .values(status="converted", converted_at=at or utc_now(), updated_at=at or utc_now())
            .execution_options(synchronize_session=False)
        )
    )


def _count(result: Any) -> int:
    """Rows an UPDATE or INSERT … SELECT touched."""
    return int(typing.cast(CursorResult[Any], result).rowcount)
