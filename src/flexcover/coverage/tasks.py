"""A comparison run (比对) as a batch job: departmental files in, classes and expansion tasks out.

1. **Ingest** every source folder's files into canonical records (DuckDB; Parquet copies are kept
   in the run's folder for the record and for Spark).
2. **Match**: exact on the keyed ID hash, then Splink for the records without a valid ID or
   without an exact match (a saved model, or one trained on this run's exact matches).
3. **Classify** every person of the population register, and find employers and projects
   (:mod:`flexcover.coverage.classify`, on DuckDB or Spark).
4. **Write back** in bulk: the results and their counts per district, and the expansion tasks
   (updating open ones, resolving those no longer found).

The run row is committed first and marked done (or failed, with the reason) at the end, so the
pages can show a run in progress.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from flexcover.coverage import expansion
from flexcover.coverage.models import (
    ComparisonRun,
    RunStatus,
)
from flexcover.coverage.pipeline import (
    LINKED_SOURCES as LINKED_SOURCES,
)
from flexcover.coverage.pipeline import OWN_REGISTER_FILE as OWN_REGISTER_FILE
from flexcover.coverage.pipeline import Options as Options
from flexcover.coverage.pipeline import OwnRegister as OwnRegister
from flexcover.coverage.pipeline import Progress as Progress
from flexcover.coverage.pipeline import _compare
from flexcover.coverage.pipeline import preflight as preflight
from flexcover.coverage.problems import RunTakenOver
from flexcover.coverage.runs import HEARTBEAT_SECONDS as HEARTBEAT_SECONDS
from flexcover.coverage.runs import Heartbeat as Heartbeat
from flexcover.coverage.runs import _mark_failed
from flexcover.coverage.runs import claim_run as claim_run
from flexcover.coverage.runs import failure_text as failure_text
from flexcover.coverage.runs import open_run as open_run
from flexcover.coverage.sources import load_mappings
from flexcover.coverage.writeback import _write_back
from flexcover.kit.audit import Actor
from flexcover.kit.database import Database, utc_now
from flexcover.kit.months import Month
from flexcover.rules.parameters import Rulebook

log = logging.getLogger("flexcover.coverage")


@dataclass(frozen=True)
class ComparisonSummary:
    run_id: int
    counts: dict[str, int]
    reasons: dict[str, int]
    tasks: expansion.TaskChanges
    report: dict[str, Any]


def compare(
    *,
    database: Database,
    rulebook: Rulebook,
    sources: Path,
    as_of: Month,
    jurisdiction: str,
    actor: Actor,
    id_key: bytes,
    workdir: Path,
    options: Options = Options(),
    own_register: OwnRegister | None = None,
    progress: Progress | None = None,
    dry_run: bool = False,
    run_id: int | None = None,
) -> ComparisonSummary:
    """Run a whole comparison; returns what it found. The run row says how it went.

    ``own_register``: flexcover's enrolments and payments join the sources' register (the
    comparison's ``flexcover_register`` mapping reads them from the run's folder).
    ``dry_run``: everything up to the write-back, which is done and rolled back, so the summary
    says what the run would change and nothing is changed (no run is recorded).
    ``run_id``: a run already claimed (:func:`claim_run`) by whoever started this one, such as a
    page; a refusal then marks that run failed."""
    say = progress or (lambda _stage: None)
    # Splink reports untrained levels and sampling choices through logging; the run's report
    # says how its model was trained.
    logging.getLogger("splink").setLevel(logging.ERROR)
    claimed = run_id
    try:
        mappings = load_mappings(options.mappings)  # a bad mapping stops the run before it starts
    except Exception as failure:
        if claimed is not None:
            _mark_failed(database, claimed, failure)
        raise
    if claimed is None:
        preflight(sources, mappings)
    if dry_run:
        return _dry_run(
            database=database,
            rulebook=rulebook,
            sources=sources,
            mappings=mappings,
            as_of=as_of,
            jurisdiction=jurisdiction,
            id_key=id_key,
            workdir=workdir,
            options=options,
            own_register=own_register,
            say=say,
        )
    if claimed is None:
        run_id = open_run(
            database,
            actor=actor,
            as_of=as_of,
            jurisdiction=jurisdiction,
            engine=options.engine,
            sources=sources.name,
        )
    assert run_id is not None
    folder = workdir / f"run-{run_id}"
    folder.mkdir(parents=True, exist_ok=True)
    beating = Heartbeat(database, run_id)
    try:
        if claimed is not None:
            preflight(sources, mappings)
        own = mappings.pop("flexcover_register", None)
        extra: list[tuple[str, Path, Any]] = []
        if own_register is not None and own is not None:
            say("export flexcover's register")
            (folder / OWN_REGISTER_FILE).parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(own_register(as_of), folder / OWN_REGISTER_FILE)
            extra.append(("flexcover_register", folder, own))
        found = _compare(
            rulebook=rulebook,
            sources=sources,
            mappings=mappings,
            extra=extra,
            as_of=as_of,
            jurisdiction=jurisdiction,
            id_key=id_key,
            folder=folder,
            options=options,
            say=say,
        )
        say("write back")
        with database.unit_of_work() as session:
            finished = session.get(ComparisonRun, run_id, with_for_update=True)
            assert finished is not None
            if finished.status != RunStatus.RUNNING:
                # Another worker took this run over (this one was thought dead) and ended it.
                raise RunTakenOver(run_id=run_id, status=finished.status)
            tasks, counts, reasons, report = _write_back(
                session, finished, found, jurisdiction=jurisdiction, as_of=as_of
            )
            finished.status = "done"
            finished.people = found.people.num_rows
            finished.counts = {"classes": dict(counts), "reasons": dict(reasons)}
            finished.report = report
            finished.linkage_model = found.model_version
            finished.finished_at = utc_now()
    except RunTakenOver:
        raise
    except Exception as failure:
        _mark_failed(database, run_id, failure)
        raise
    finally:
        beating.stop()
    return ComparisonSummary(run_id, dict(counts), dict(reasons), tasks, report)


def _dry_run(
    *,
    database: Database,
    rulebook: Rulebook,
    sources: Path,
    mappings: dict[str, Any],
    as_of: Month,
    jurisdiction: str,
    id_key: bytes,
    workdir: Path,
    options: Options,
    own_register: OwnRegister | None,
    say: Progress,
) -> ComparisonSummary:
    """The whole run in a scratch folder, its write-back rolled back."""
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dry-run-", dir=workdir) as scratch:
        folder = Path(scratch)
        own = mappings.pop("flexcover_register", None)
        extra: list[tuple[str, Path, Any]] = []
        if own_register is not None and own is not None:
            (folder / OWN_REGISTER_FILE).parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(own_register(as_of), folder / OWN_REGISTER_FILE)
            extra.append(("flexcover_register", folder, own))
        found = _compare(
            rulebook=rulebook,
            sources=sources,
            mappings=mappings,
            extra=extra,
            as_of=as_of,
            jurisdiction=jurisdiction,
            id_key=id_key,
            folder=folder,
            options=options,
            say=say,
        )
        say("what the write-back would change")
        session = database.sessions()
        try:
            run = ComparisonRun(
                as_of=str(as_of),
                jurisdiction_code=jurisdiction,
                engine=options.engine,
                sources=sources.name,
                status="running",
                started_by="dry-run",
                counts={},
                report={},
            )
            session.add(run)
            session.flush()
            tasks, counts, reasons, report = _write_back(
                session, run, found, jurisdiction=jurisdiction, as_of=as_of
            )
        finally:
            session.rollback()
            session.close()
    report["dry_run"] = True
    return ComparisonSummary(0, dict(counts), dict(reasons), tasks, report)
