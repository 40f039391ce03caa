"""Benchmark and accuracy report of the comparison engine on a synthetic province.

Generates the departments of N people (``flexcover synth departments``; or reuses ``--sources``),
runs a whole comparison (``coverage.tasks.compare``: ingest, exact and repaired matching,
Splink, classification, write-back of results and tasks to PostgreSQL), and measures, in the same
run, the bare work it is compared with: a DuckDB anti-join of the population register against
the insured register's ID numbers, grouped by district. Prints people per second per stage, the
exact path (exact and repaired matching plus classification) as a ratio to the bare query, the
probabilistic pass and the write-back apart, and the precision and recall of matching and of
each class against the hidden truth.

    .venv/bin/python bench/coverage.py [--people 10000000] [--sources DIR] [--engine duckdb]

Set ``FLEXCOVER_BENCH_DATABASE_URL`` for another PostgreSQL server (a scratch database is made
and dropped).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb
from scratch import DEFAULT_SERVER, scratch_database

from flexcover.coverage.evaluation import evaluate
from flexcover.coverage.tasks import Options, compare
from flexcover.kit.audit import Actor
from flexcover.kit.database import Database
from flexcover.kit.months import Month
from flexcover.rules.parameters import default_rulebook
from flexcover.synth.departments import generate_departments
from flexcover.synth.departments_files import write_departments

AS_OF = Month(2025, 8)
KEY = b"bench-id-key"


def bare_anti_join(sources: Path) -> tuple[float, int]:
    """The minimal work: who on the population register is on no insured register row, by
    district (DuckDB, reading the same Parquet files)."""
    con = duckdb.connect()
    started = time.perf_counter()
    rows = con.execute(
        "SELECT p.居住地区划, count(*) FROM read_parquet(?) AS p ANTI JOIN "
        "(SELECT DISTINCT 证件号码 FROM read_parquet(?)) AS r ON p.公民身份号码 = r.证件号码 "
        "GROUP BY 1",
        [
            str(sources / "population" / "人口库.parquet"),
            str(sources / "register" / "本地参保库.parquet"),
        ],
    ).fetchall()
    seconds = time.perf_counter() - started
    con.close()
    return seconds, sum(n for _, n in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--sources", type=Path, help="reuse a generated department set")
    parser.add_argument("--engine", default="duckdb", choices=("duckdb", "spark"))
    args = parser.parse_args()
    server = os.environ.get("FLEXCOVER_BENCH_DATABASE_URL", DEFAULT_SERVER)
    with tempfile.TemporaryDirectory(prefix="flexcover-bench-") as scratch:
        sources = args.sources
        generated = 0.0
        if sources is None:
            sources = Path(scratch) / "departments"
            started = time.perf_counter()
            write_departments(
                generate_departments(jurisdiction="500000", people=args.people, as_of=AS_OF),
                sources,
            )
            generated = time.perf_counter() - started
        bare, uninsured = bare_anti_join(sources)
        with scratch_database(server) as url:
            database = Database(url)
            try:
                started = time.perf_counter()
                summary = compare(
                    database=database,
                    rulebook=default_rulebook(),
                    sources=sources,
                    as_of=AS_OF,
                    jurisdiction="500000",
                    actor=Actor.system("bench"),
                    id_key=KEY,
                    workdir=Path(scratch) / "runs",
                    options=Options(engine=args.engine),
                )
                whole = time.perf_counter() - started
            finally:
                database.dispose()
            bare_again, _ = bare_anti_join(sources)  # the baseline measured on both sides
        folder = Path(summary.report["folder"])
        score = evaluate(folder, sources / "truth", sources / "population" / "人口库.parquet")
    people = sum(summary.counts.values())
    seconds = summary.report["seconds"]
    baseline = min(bare, bare_again)
    exact_path = seconds["exact_matching"] + seconds["classify"]
    print(f"comparison of {people:,} people ({args.engine}), as of {AS_OF}")
    if generated:
        print(f"generate departments : {generated:8.2f} s")
    for stage in ("ingest", "exact_matching", "probabilistic_matching", "classify", "write_back"):
        print(f"{stage:<21}: {seconds[stage]:8.2f} s  {people / seconds[stage]:>12,.0f} people/s")
    print(f"whole run            : {whole:8.2f} s  {people / whole:>12,.0f} people/s")
    print(f"bare anti-join       : {baseline:8.2f} s  ({uninsured:,} on no register row)")
    print(f"exact path / bare    : {exact_path / baseline:8.2f}×  (exact + repaired + classify)")
    print(f"whole run / bare     : {whole / baseline:8.2f}×")
    m = score.matching
    print(
        f"matching             : precision {m.precision:.5%}  recall {m.recall:.5%}  "
        f"({m.true_positives:,} right of {m.predicted:,} linked, {m.actual:,} to find)"
    )
    for method, found in score.matching_by_method.items():
        print(f"  {method:<19}: precision {found.precision:.5%}  ({found.predicted:,} links)")
    for klass, found in score.classes.items():
        print(
            f"class {klass:<15}: precision {found.precision:.4%}  recall {found.recall:.4%}  "
            f"({found.actual:,} in the truth)"
        )


if __name__ == "__main__":
    main()
