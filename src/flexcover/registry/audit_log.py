"""The audit log as auditors read it (审计日志查询): who read or changed what, when and from
where, within the auditor's region, filtered, paged and exported. Reading and exporting it are
audited in turn."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.orm import Session

from flexcover.kit import audit
from flexcover.kit.audit import Actor, AuditEntry, safe_cell
from flexcover.kit.months import CHINA
from flexcover.kit.pagination import Page, PageRequest
from flexcover.registry import repository
from flexcover.registry.authz import Target, authorize
from flexcover.registry.repository import AuditFilter

EXPORT_LIMIT = 100_000
COLUMNS = ("at", "actor", "actor_role", "actor_region", "action", "entity", "entity_id", "source")


def _check(actor: Actor, where: AuditFilter) -> None:
    authorize(actor, "audit.read", Target(region_code=where.region), field="region")


def entries(
    *, session: Session, actor: Actor, where: AuditFilter, page: PageRequest
) -> Page[AuditEntry]:
    _check(actor, where)
    found = repository.audit_page(session, where, page)
    audit.record(
        session,
        actor=actor,
        action="audit.read",
        entity="audit_log",
        entity_id=where.region,
        details=_described(where),
    )
    return found


def export_csv(*, session: Session, actor: Actor, where: AuditFilter) -> str:
    """The filtered rows, oldest first, as CSV whose every cell a spreadsheet shows as text."""
    _check(actor, where)
    rows = repository.audit_rows(session, where, EXPORT_LIMIT)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, "details"])
    for row in rows:
        writer.writerow(
            [
                safe_cell(row.at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")),
                *(safe_cell(getattr(row, column)) for column in COLUMNS[1:]),
                safe_cell(_details(row.details)),
            ]
        )
    audit.record(
        session,
        actor=actor,
        action="audit.export",
        entity="audit_log",
        entity_id=where.region,
        details={**_described(where), "rows": len(rows)},
    )
    return out.getvalue()


def _details(details: dict[str, Any] | None) -> str:
    if not details:
        return ""
    return "; ".join(f"{key}={value}" for key, value in sorted(details.items()))


def _described(where: AuditFilter) -> dict[str, Any]:
    return {
        key: (value.isoformat() if hasattr(value, "isoformat") else value)
        for key, value in where.__dict__.items()
        if value is not None and key != "region"
    }
