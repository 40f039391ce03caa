"""``flexcover compare``: a whole comparison from the command line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flexcover.coverage.canonical import CLASSES, REASONS
from flexcover.coverage.engines import ENGINES
from flexcover.kit.database import Database
from flexcover.kit.months import Month
from flexcover.kit.problems import Problem
from flexcover.kit.settings import Settings

console = Console()


class BadOption(Problem):
    code = "bad_option"
    title = {"zh-CN": "参数有误", "en": "Bad option"}
    detail = {"zh-CN": "{field}：{reason}。", "en": "{field}: {reason}."}


def compare_command(
    sources: Annotated[
        Path, typer.Option("--sources", help="the folder of departmental files to compare")
    ],
    as_of: Annotated[str, typer.Option("--as-of", help="the reference month, YYYY-MM")],
    jurisdiction: Annotated[
        str, typer.Option(help="6-digit GB/T 2260 code of the province, city or district")
    ] = "500000",
    engine: Annotated[str, typer.Option(help="duckdb (embedded) or spark")] = "duckdb",
    threshold: Annotated[
        float, typer.Option(min=0.5, max=0.9999, help="match probability a link needs")
    ] = 0.95,
    interrupted_after: Annotated[
        int, typer.Option(min=1, max=12, help="unpaid months of the last 12 that interrupt")
    ] = 3,
    model: Annotated[
        Path | None, typer.Option(help="a saved linkage model (default: train on this run)")
    ] = None,
    mappings: Annotated[
        Path | None, typer.Option(help="a folder of YAML mappings replacing the built-in ones")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="report what the run would change, and change nothing (no run)"
        ),
    ] = False,
) -> None:
    """Compare the departments' data with the insured register: classes and expansion tasks.

    Prints the people per class; the run, its results and its tasks are in the database, and
    its files (canonical records, links, results, report) under the data folder."""
    from flexcover.commandline import cli_actor, upgrade_database
    from flexcover.contributions.service import insured_register_reader
    from flexcover.coverage.tasks import Options, compare
    from flexcover.registry.service import require_jurisdiction
    from flexcover.rules.parameters import default_rulebook

    month = Month.parse(as_of, field="as_of")
    if not sources.is_dir():
        raise BadOption(field="sources", reason=f"{sources} is not a folder")
    if engine not in ENGINES:
        raise BadOption(field="engine", reason=f"one of {', '.join(ENGINES)}")
    if model is not None and not model.is_file():
        raise BadOption(field="model", reason=f"{model} is not a file")
    settings = Settings.from_env()
    upgrade_database(settings)
    database = Database(settings.database_url)
    started = time.monotonic()
    try:
        with database.unit_of_work() as session:
            require_jurisdiction(
                session, jurisdiction, field="jurisdiction", levels=("province", "city", "district")
            )
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from flexcover.coverage.sources import load_mappings
        from flexcover.coverage.tasks import preflight

        preflight(sources, load_mappings(mappings))  # before the bar: a refusal is one line
        # One step per mapping ingested, then export, matching (2), classification, write-back.
        steps = len(load_mappings(mappings)) + 5
        with Progress(
            TextColumn("{task.description:<34}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            step = bar.add_task("comparing", total=steps)

            def advance(stage: str) -> None:
                bar.update(step, advance=1, description=stage)

            summary = compare(
                database=database,
                rulebook=default_rulebook(),
                sources=sources,
                as_of=month,
                jurisdiction=jurisdiction,
                actor=cli_actor(),
                id_key=settings.id_hash_key,
                workdir=settings.ensure_data_dir() / "comparisons",
                options=Options(
                    engine=engine,
                    threshold=threshold,
                    interrupted_after=interrupted_after,
                    model=model,
                    mappings=mappings,
                ),
                own_register=insured_register_reader(database),
                progress=advance,
                dry_run=dry_run,
            )
            bar.update(step, completed=steps, description="done")
    finally:
        database.dispose()
    title = "dry run (nothing changed)" if dry_run else f"comparison {summary.run_id}"
    table = Table(title=f"{title}: {jurisdiction}, {month}, {engine}")
    table.add_column("class")
    table.add_column("people", justify="right")
    for klass in CLASSES:
        table.add_row(klass, f"{summary.counts.get(klass, 0):,}")
    for reason in REASONS:
        if summary.reasons.get(reason):
            table.add_row(f"  excluded: {reason}", f"{summary.reasons[reason]:,}")
    console.print(table)
    matching = summary.report["matching"]
    console.print(
        f"records linked: {matching['exact']:,} on their ID, {matching['repaired']:,} on a "
        f"mistyped ID, {matching['probabilistic']:,} probabilistically, "
        f"{matching['unmatched']:,} not (threshold {matching['threshold']})"
    )
    bad = sum(sum(s["bad"].values()) for s in summary.report["sources"].values())
    console.print(f"rows left out as unusable: {bad:,} (by reason in the run's report)")
    checks = summary.report.get("checks", {})
    if checks.get("warning"):
        console.print(f"warning: {checks['warning']}")
    tasks = summary.tasks
    verb = "would be" if dry_run else ""
    console.print(
        f"tasks{' (' + verb + ')' if verb else ''}: {tasks.issued:,} issued, "
        f"{tasks.updated:,} updated, {tasks.resolved:,} resolved"
        f"  ({time.monotonic() - started:.1f} s)"
    )
    left = summary.report.get("tasks", {}).get("left_to_run")
    if left:
        console.print(f"the districts' tasks were left as they are: run {left} is of a later month")
