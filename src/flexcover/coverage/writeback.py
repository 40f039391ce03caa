"""What a comparison writes back: its results and counts, and the expansion tasks of its region
(issued, updated, resolved), in one unit of work."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import delete
from sqlalchemy.orm import Session

from flexcover.coverage import expansion, repository
from flexcover.coverage.models import (
    ComparisonRun,
    CoverageCount,
    CoverageResult,
)
from flexcover.coverage.pipeline import _Found
from flexcover.kit.bulk import insert_columns
from flexcover.kit.months import Month

log = logging.getLogger("flexcover.coverage")


def _write_back(
    session: Session, run: ComparisonRun, found: _Found, *, jurisdiction: str, as_of: Month
) -> tuple[expansion.TaskChanges, Counter[str], Counter[str], dict[str, Any]]:
    """Results, counts and tasks of ``run``. Tasks are left alone when a finished run of a
    later month covers the same region: an older month never overrides a newer one."""
    started = time.perf_counter()
    _write_results(session, run.id, found.people)
    newer = repository.newer_runs(session, jurisdiction, str(as_of))
    missing = _sources_missing(session, jurisdiction, found.report)
    if missing:
        # A task the run does not find again may be one the missing source found: it stays.
        found.report["tasks_kept_open"] = {
            "sources_missing": missing["sources"],
            "previous_run": missing["run"],
        }
    if newer:
        tasks = expansion.TaskChanges(issued=0, updated=0, resolved=0)
    else:
        tasks = expansion.hand_out(
            session,
            run_id=run.id,
            jurisdiction=jurisdiction,
            findings=expansion.person_findings(found.people)
            + expansion.employer_task_findings(found.employers),
            resolve=not missing,
        )
    found.report["seconds"]["write_back"] = round(time.perf_counter() - started, 2)
    counts = _tally(found.people["klass"])
    reasons = _tally(found.people["reason"])
    report = {
        **found.report,
        "tasks": {
            "issued": tasks.issued,
            "updated": tasks.updated,
            "resolved": tasks.resolved,
            "left_to_run": newer[0].id if newer else None,
        },
        "employer_findings": found.employers.num_rows,
    }
    return tasks, counts, reasons, report


def _tally(column: pa.ChunkedArray) -> Counter[str]:
    """How often each value occurs (nulls left out), counted in Arrow."""
    return Counter(
        {
            entry["values"].as_py(): entry["counts"].as_py()
            for entry in pc.value_counts(column)
            if entry["values"].is_valid
        }
    )


def _sources_missing(
    session: Session, jurisdiction: str, report: dict[str, Any]
) -> dict[str, Any] | None:
    """The sources with rows in the region's previous finished run that this run has none of
    (a department's file left out, or empty), or None: without them, a task the run no longer
    finds may simply not have been looked for."""
    previous = repository.latest_run(session, jurisdiction)
    if previous is None:
        return None

    def present(sources: dict[str, Any]) -> set[str]:
        return {name for name, source in sources.items() if source.get("kept")}

    missing = present(previous.report.get("sources", {})) - present(report.get("sources", {}))
    return {"sources": sorted(missing), "run": previous.id} if missing else None


WRITE_SLICE = 200_000
"""Results are turned into Python values and written this many at a time: a province's ten
million rows at once would take most of a machine's memory."""


def _write_results(session: Any, run_id: int, people: pa.Table) -> None:
    """The run's results and their counts per district, class, reason and tag, in bulk."""
    session.execute(delete(CoverageResult).where(CoverageResult.run_id == run_id))
    session.execute(delete(CoverageCount).where(CoverageCount.run_id == run_id))
    as_json = session.get_bind().dialect.name == "postgresql"  # COPY takes JSON as text
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for offset in range(0, people.num_rows, WRITE_SLICE):
        part = people.slice(offset, WRITE_SLICE)
        rows = part.to_pydict()
        districts = [d or "000000" for d in rows["district"]]
        insert_columns(
            session,
            CoverageResult,
            part.num_rows,
            {
                "run_id": run_id,
                "person_key": [
                    expansion.person_key({"id_hash": h, "person": p})
                    for h, p in zip(rows["id_hash"], rows["person"], strict=True)
                ],
                "district": districts,
                "name": [n or "" for n in rows["name"]],
                "klass": rows["klass"],
                "reason": rows["reason"],
                "tags": [t or "," for t in rows["tags"]],
                "unpaid_months": rows["unpaid_months"],
                "months_total": rows["months_total"],
                "retirement_month": rows["retirement_month"],
                "evidence": [
                    json.dumps(sorted(e or []), ensure_ascii=False) if as_json else sorted(e or [])
                    for e in rows["evidence"]
                ],
            },
        )
        for place, klass, reason, tags in zip(
            districts, rows["klass"], rows["reason"], rows["tags"], strict=True
        ):
            counts[(place, klass, reason or "", "")] += 1
            for tag in expansion.tag_list(tags):
                counts[(place, klass, reason or "", tag)] += 1
        del rows
    items = sorted(counts.items())
    insert_columns(
        session,
        CoverageCount,
        len(items),
        {
            "run_id": run_id,
            "district": [k[0] for k, _ in items],
            "klass": [k[1] for k, _ in items],
            "reason": [k[2] for k, _ in items],
            "tag": [k[3] for k, _ in items],
            "people": [n for _, n in items],
        },
    )
