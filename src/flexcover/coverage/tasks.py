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

import json
import logging
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from flexcover.coverage import expansion, linkage, repository
from flexcover.coverage.canonical import SOURCE_TYPES, WITHOUT_PEOPLE
from flexcover.coverage.classify import (
    classify,
    employer_findings,
    exact_links,
    repaired_links,
    retirement_table,
    spine,
)
from flexcover.coverage.classify import settings as classify_settings
from flexcover.coverage.engines import Backend, backend
from flexcover.coverage.models import (
    LIVE,
    ComparisonRun,
    CoverageCount,
    CoverageResult,
    RunStatus,
)
from flexcover.coverage.problems import ComparisonRefused, RunTakenOver
from flexcover.coverage.sources import SourceReport, files_of, ingest, load_mappings
from flexcover.kit.audit import Actor, record
from flexcover.kit.bulk import insert_columns
from flexcover.kit.database import Database, utc_now
from flexcover.kit.months import Month
from flexcover.kit.problems import Problem
from flexcover.registry.authz import region_prefix
from flexcover.rules.parameters import Rulebook

log = logging.getLogger("flexcover.coverage")

Progress = Callable[[str], None]
OwnRegister = Callable[[Month], pa.Table]
"""flexcover's own insured register for a month, as the ``flexcover_register`` mapping reads it
(the contributions capability provides it; this module does not reach into its tables)."""
OWN_REGISTER_FILE = "flexcover/参保登记.parquet"
LINKED_SOURCES = tuple(s for s in SOURCE_TYPES if s != "population" and s not in WITHOUT_PEOPLE)


@dataclass(frozen=True)
class Options:
    """How a comparison runs (the defaults are docs/coverage.md's)."""

    engine: str = "duckdb"
    threshold: float = linkage.DEFAULT_THRESHOLD
    interrupted_after: int = 3
    model: Path | None = None
    """A saved linkage model; without one, the run trains its own on its exact matches."""
    mappings: Path | None = None
    """A folder of YAML mappings replacing the built-in ones of the same name."""


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


def _mark_failed(database: Database, run_id: int, failure: BaseException) -> None:
    with database.unit_of_work() as session:
        failed = session.get(ComparisonRun, run_id, with_for_update=True)
        if failed is not None and failed.status in LIVE:
            failed.status = RunStatus.FAILED
            failed.error = failure_text(failure)
            failed.finished_at = utc_now()


HEARTBEAT_SECONDS = 30
"""How often a running comparison says it is alive."""


def open_run(
    database: Database,
    *,
    actor: Actor,
    as_of: Month,
    jurisdiction: str,
    engine: str,
    sources: str,
) -> int:
    """Record a running comparison in a unit of work of its own (see :func:`claim_run`)."""
    with database.unit_of_work() as session:
        return claim_run(
            session,
            actor=actor,
            as_of=as_of,
            jurisdiction=jurisdiction,
            engine=engine,
            sources=sources,
        )


def claim_run(
    session: Session,
    *,
    actor: Actor,
    as_of: Month,
    jurisdiction: str,
    engine: str,
    sources: str,
    status: RunStatus = RunStatus.RUNNING,
) -> int:
    """Record a running (or, for a worker to take, ``queued``) comparison, if no live run holds
    or lies inside ``jurisdiction``: one comparison of a region at a time. Runs whose process
    died (no heartbeat for :data:`repository.STALE_RUN_SECONDS`) are marked failed first and do
    not stand in the way. The caller's unit of work commits it."""
    repository.lock_province(session, jurisdiction)  # two starts at once: one waits
    now = utc_now()
    for other in repository.live_runs(
        session, jurisdiction, stale_after=repository.STALE_RUN_SECONDS
    ):
        raise ComparisonRefused(
            field="jurisdiction",
            reason_zh=(f"{other.jurisdiction_code} 的比对（第 {other.id} 次）正在进行，请待其结束"),
            reason_en=(
                f"a comparison of {other.jurisdiction_code} (run {other.id}) is running; "
                "wait until it ends"
            ),
        )
    run = ComparisonRun(
        as_of=str(as_of),
        jurisdiction_code=jurisdiction,
        engine=engine,
        sources=sources,
        status=status,
        started_by=actor.username,
        counts={},
        report={},
        heartbeat_at=now,
    )
    session.add(run)
    session.flush()
    record(
        session,
        actor=actor,
        action="coverage.compare",
        entity="comparison_run",
        entity_id=run.id,
        details={"as_of": str(as_of), "engine": engine, "sources": sources},
    )
    return run.id


class Heartbeat:
    """A thread that stamps the run's ``heartbeat_at`` every :data:`HEARTBEAT_SECONDS` while the
    comparison works, so a run whose process died is told apart from a long one."""

    def __init__(self, database: Database, run_id: int) -> None:
        self._database = database
        self._run_id = run_id
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"comparison-{run_id}-heartbeat", daemon=True
        )
        self._thread.start()

    def _beat(self) -> None:
        while not self._stopped.wait(HEARTBEAT_SECONDS):
            try:
                with self._database.unit_of_work() as session:
                    session.execute(
                        update(ComparisonRun)
                        .where(ComparisonRun.id == self._run_id)
                        .values(heartbeat_at=utc_now())
                    )
            except Exception:  # a busy moment: the next beat comes soon enough
                log.warning("heartbeat of comparison %s missed", self._run_id, exc_info=True)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=HEARTBEAT_SECONDS)


def failure_text(failure: BaseException) -> str:
    """Why a run failed, as staff may read it: a refusal's own message (which names files,
    lines and reasons, never values); for anything else only its kind, since a driver's message
    can quote the data (the log keeps the rest)."""
    if isinstance(failure, Problem):
        return failure.message("en")[:500]
    return f"{type(failure).__name__}: the comparison stopped unexpectedly; see the server log"


def preflight(sources: Path, mappings: dict[str, Any]) -> None:
    """Refuse, before a run is recorded, a folder that cannot be compared: no population
    register among its files (an empty folder would compare nothing and blank the cockpit)."""
    population = [m for m in mappings.values() if m.type == "population"]
    if not any(files_of(mapping, sources) for mapping in population):
        raise ComparisonRefused(
            field="sources",
            reason_zh=f"文件夹 {sources.name} 中没有人口库文件，无法比对",
            reason_en=f"the folder {sources.name} holds no population register file, so there "
            "is nothing to compare",
        )


MIN_SHARE_INSIDE = 0.5
"""A population register most of whose people live outside the run's region is another
region's: the run is refused."""


def _check_population(
    raw: duckdb.DuckDBPyConnection, jurisdiction: str, as_of: Month
) -> dict[str, Any]:
    """Refuse an empty or foreign population; say which month the data reach (a warning when it
    is not the run's)."""
    prefix = region_prefix(jurisdiction)
    total, inside = raw.execute(
        "SELECT count(*), count(*) FILTER (WHERE starts_with(coalesce(district, ''), ?)) "
        "FROM canon_population",
        [prefix],
    ).fetchone() or (0, 0)
    if not total:
        raise ComparisonRefused(
            field="sources",
            reason_zh="人口库没有可用的记录，无法比对",
            reason_en="the population register has no usable record, so there is nothing to "
            "compare",
        )
    if inside < total * MIN_SHARE_INSIDE:
        raise ComparisonRefused(
            field="jurisdiction",
            reason_zh=f"人口库 {total} 条记录中只有 {inside} 条居住在 {jurisdiction}："
            "数据属于其他地区",
            reason_en=f"only {inside} of the population register's {total} records live in "
            f"{jurisdiction}: the data are another region's",
        )
    months = raw.execute(
        "SELECT max(m) FROM ("
        "SELECT max(last_month) AS m FROM canon_tax UNION ALL "
        "SELECT max(month) FROM canon_platform UNION ALL "
        "SELECT max(last_paid_month) FROM canon_register)"
    ).fetchone()
    data_month = months[0] if months else None
    checks: dict[str, Any] = {"population_outside_region": total - inside, "data_month": data_month}
    if data_month is not None and not (str(as_of - 2) <= data_month <= str(as_of)):
        checks["warning"] = (
            f"the departments' monthly data reach {data_month}, not the run's month {as_of}"
        )
    return checks


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


def _tally(column: pa.ChunkedArray) -> Counter[str]:
    """How often each value occurs (nulls left out), counted in Arrow."""
    return Counter(
        {
            entry["values"].as_py(): entry["counts"].as_py()
            for entry in pc.value_counts(column)
            if entry["values"].is_valid
        }
    )


@dataclass
class _Found:
    people: pa.Table
    employers: pa.Table
    report: dict[str, Any]
    model_version: str | None


def _compare(
    *,
    rulebook: Rulebook,
    sources: Path,
    mappings: dict[str, Any],
    extra: list[tuple[str, Path, Any]],
    as_of: Month,
    jurisdiction: str,
    id_key: bytes,
    folder: Path,
    options: Options,
    say: Progress,
) -> _Found:
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = round(now - clock, 2)
        clock = now

    engine = backend(options.engine, folder=folder)
    try:
        raw = engine.ingest_connection()
        reports = ingest(
            raw,
            sources,
            mappings,
            id_key=id_key,
            jurisdiction=jurisdiction,
            as_of=as_of.last_day,
            extra=extra,
            progress=lambda source: say(f"ingest {source}"),
        )
        checks = _check_population(raw, jurisdiction, as_of)
        for source in SOURCE_TYPES:
            raw.execute(f"COPY canon_{source} TO '{folder / f'{source}.parquet'}' (FORMAT parquet)")
        lap("ingest")
        tables = {
            source: engine.canonical(source, folder / f"{source}.parquet")
            for source in SOURCE_TYPES
        }
        say("match exactly")
        people_by_hash = engine.materialize("spine", spine(tables["population"]))
        exact = [exact_links(people_by_hash, tables[s]) for s in LINKED_SOURCES]
        exact_links_table = engine.materialize("links_exact", exact[0].union(*exact[1:]))
        repaired = [repaired_links(people_by_hash, tables[s]) for s in LINKED_SOURCES]
        repaired_links_table = engine.materialize(
            "links_repaired", repaired[0].union(*repaired[1:])
        )
        lap("exact_matching")
        say("match probabilistically")
        settled = exact_links_table.union(repaired_links_table)
        probable, model, linkage_report = _probabilistic(
            engine, raw, tables, settled, folder, options
        )
        lap("probabilistic_matching")
        say("classify")
        links = engine.materialize(
            "links",
            _with_method(exact_links_table, "exact").union(
                _with_method(repaired_links_table, "repaired"),
                engine.table("links_probable", probable),
            ),
        )
        settings = classify_settings(
            rulebook, as_of, jurisdiction, interrupted_after=options.interrupted_after
        )
        results = engine.materialize(
            "results",
            classify(
                tables,
                links.select("source", "record_id", "person"),
                engine.table("retirement", retirement_table(rulebook, as_of, jurisdiction)),
                settings,
            ),
        )
        employers_table = engine.materialize("employers", employer_findings(tables, settings))
        lap("classify")
        engine.write_parquet(links, folder / "links.parquet")
        engine.write_parquet(results, folder / "results.parquet")
        methods = {
            row["method"]: row["n"]
            for row in engine.to_arrow(
                links.group_by("method").aggregate(n=links.count())
            ).to_pylist()
        }
        people = engine.to_arrow(results)
        employers = engine.to_arrow(employers_table)
        lap("read_results")
    finally:
        engine.close()
    matched = Counter(methods)
    report: dict[str, Any] = {
        "sources": {name: _report(r) for name, r in reports.items()},
        "matching": {
            "records_with_people": linkage_report["records"],
            "exact": matched.get("exact", 0),
            "repaired": matched.get("repaired", 0),
            "probabilistic": matched.get("probabilistic", 0),
            "unmatched": linkage_report["records"] - sum(methods.values()),
            "threshold": options.threshold,
            "model": linkage_report.get("model"),
            "trained_by": linkage_report.get("trained_by"),
            "probabilistic_skipped": linkage_report.get("skipped"),
        },
        "seconds": seconds,
        "checks": checks,
    }
    (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    return _Found(people, employers, report, model.version if model else None)


def _probabilistic(
    engine: Backend,
    raw: duckdb.DuckDBPyConnection,
    tables: dict[str, ir.Table],
    settled: ir.Table,
    folder: Path,
    options: Options,
) -> tuple[pa.Table, linkage.LinkageModel | None, dict[str, Any]]:
    """Splink links for the records that carry a person but found no one exactly."""
    person_columns = list(linkage.PERSON_COLUMNS)
    parts = []
    for source in LINKED_SOURCES:
        table = tables[source]
        parts.append(
            table.select(
                source=table.source,
                record_id=(table.source + "|" + table.record_id),
                **{c: table[c] for c in person_columns if c != "record_id"},
            )
        )
    records = parts[0].union(*parts[1:])
    done = settled.select(key=settled.source + "|" + settled.record_id)
    right = records.filter(~records.record_id.isin(done.key))
    right = right.filter(right.name.notnull())
    left = tables["population"].select(*person_columns)
    counted = engine.to_arrow(records.aggregate(n=records.count()))
    report: dict[str, Any] = {"records": int(counted["n"][0].as_py())}
    where = linkage.on_engine(engine)  # Splink runs where the classification runs
    left_name = engine.view("linkage_left", left)
    right_name = engine.view("linkage_right", right)
    everyone = engine.view("linkage_records", records)
    if options.model is not None:
        model = linkage.LinkageModel.load(options.model)
    else:
        # All records: those sharing a valid ID with the population are the labels, and the
        # rest teach birth date (whose agreement labels cannot show).
        try:
            model = linkage.train(left_name, everyone, backend=where)
        except linkage.TooFewToTrain as too_few:
            # A district's small run: the exact and repaired links stand alone, and the report
            # says why (a province's trained model can be given instead).
            report["skipped"] = too_few.message("en")
            return _no_links(), None, report
        model.save(folder / "linkage-model.json")
    report["model"] = model.version
    report["trained_by"] = getattr(model, "trained_by", None)
    found = linkage.link(model, left_name, right_name, backend=where, threshold=options.threshold)
    source_and_record = pc.split_pattern(found["right_record_id"], "|", max_splits=1)
    probable = pa.table(
        {
            "source": pc.list_element(source_and_record, 0),
            "record_id": pc.list_element(source_and_record, 1),
            "person": found["left_record_id"],
            "method": pa.array(["probabilistic"] * found.num_rows, pa.string()),
            "probability": found["match_probability"],
            "agreed": found["agreed"],
        }
    )
    return probable, model, report


def _no_links() -> pa.Table:
    return pa.table(
        {
            "source": pa.array([], pa.string()),
            "record_id": pa.array([], pa.string()),
            "person": pa.array([], pa.string()),
            "method": pa.array([], pa.string()),
            "probability": pa.array([], pa.float64()),
            "agreed": pa.array([], pa.list_(pa.string())),
        }
    )


AGREED = {"exact": ["id_number"], "repaired": ["id_number_one_typo", "name"]}
"""What agreed, for the links that are not probabilistic (those carry Splink's fields)."""


def _with_method(links: ir.Table, method: str) -> ir.Table:
    return links.select(
        "source",
        "record_id",
        "person",
        method=ibis.literal(method),
        probability=ibis.null("float64"),
        agreed=ibis.literal(AGREED[method], type="array<string>"),
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


def _report(report: SourceReport) -> dict[str, Any]:
    return {
        "files": report.files,
        "rows": report.rows,
        "kept": report.kept,
        "bad": report.bad,
        "warnings": report.warnings,
    }


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
