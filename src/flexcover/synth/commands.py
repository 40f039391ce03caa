"""``flexcover synth …``: write synthetic datasets to disk."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flexcover.kit.months import Month
from flexcover.kit.problems import Problem
from flexcover.synth.departments import DEFAULT_AS_OF, generate_departments
from flexcover.synth.departments_files import write_departments
from flexcover.synth.population import DEFAULT_SEED, generate_population, write_population

synth_app = typer.Typer(
    help="Generate synthetic datasets (population, departments) from published statistics.",
    no_args_is_help=True,
)


@synth_app.callback()
def _group() -> None:
    """Generate synthetic datasets from published statistics."""


@synth_app.command("population")
def population(
    out: Annotated[
        Path,
        typer.Option("--out", help="Directory to write people.parquet into.", show_default=False),
    ],
    jurisdiction: Annotated[
        str, typer.Option(help="6-digit GB/T 2260 code of a province, city or district.")
    ] = "500000",
    people: Annotated[int, typer.Option(help="Number of people to generate.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same file.")] = (
        DEFAULT_SEED
    ),
) -> None:
    """Write a synthetic population register for JURISDICTION to OUT/people.parquet."""
    out_console = Console(soft_wrap=True)
    err_console = Console(stderr=True, soft_wrap=True)
    started = time.perf_counter()
    try:
        with err_console.status(f"Generating {people:,} people for {jurisdiction}…"):
            table = generate_population(jurisdiction=jurisdiction, people=people, seed=seed)
            path = write_population(table, out)
    except (ValueError, OSError) as error:
        err_console.print(f"error: {error}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    seconds = time.perf_counter() - started
    out_console.print(f"Wrote {table.num_rows:,} people to {path} in {seconds:.2f} s", markup=False)


@synth_app.command("departments")
def departments(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Directory to write the department files into.", show_default=False
        ),
    ],
    jurisdiction: Annotated[
        str, typer.Option(help="6-digit GB/T 2260 code of a province, city or district.")
    ] = "500000",
    people: Annotated[
        int, typer.Option(help="Number of people on the population register.")
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = (
        DEFAULT_SEED
    ),
    as_of: Annotated[
        str, typer.Option("--as-of", help="Reference month YYYY-MM of the comparison.")
    ] = str(DEFAULT_AS_OF),
) -> None:
    """Write synthetic departmental datasets for JURISDICTION, with their hidden truth, to OUT."""
    out_console = Console(soft_wrap=True)
    err_console = Console(stderr=True, soft_wrap=True)
    started = time.perf_counter()
    try:
        month = Month.parse(as_of, field="as_of")
    except Problem:
        err_console.print(f"error: --as-of {as_of!r} is not a month YYYY-MM", markup=False)
        raise typer.Exit(2) from None
    try:
        with err_console.status(f"Generating departments for {people:,} people of {jurisdiction}…"):
            generated = generate_departments(
                jurisdiction=jurisdiction, people=people, seed=seed, as_of=month
            )
            written = write_departments(generated, out)
    except (ValueError, OSError) as error:
        err_console.print(f"error: {error}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    seconds = time.perf_counter() - started
    for file in written:
        out_console.print(f"{file.path}: {file.rows:,} rows", markup=False)
    out_console.print(
        f"Wrote {len(written)} files for {people:,} people as of {month} to {out} in "
        f"{seconds:.2f} s ({people / seconds:,.0f} people/s)",
        markup=False,
    )
