"""The comparison itself: the sources read and normalised, exact, repaired and probabilistic
matching, classification, on the engine the run asked for; what it found, before anything is
written back."""

from __future__ import annotations

import json
import logging
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

from flexcover.coverage import linkage
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
from flexcover.coverage.problems import ComparisonRefused
from flexcover.coverage.sources import SourceReport, files_of, ingest
from flexcover.kit.months import Month
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


def _report(report: SourceReport) -> dict[str, Any]:
    return {
        "files": report.files,
        "rows": report.rows,
        "kept": report.kept,
        "bad": report.bad,
        "warnings": report.warnings,
    }
