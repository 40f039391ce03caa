"""``flexcover synth …``: write synthetic datasets to disk."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flexcover.synth.population import DEFAULT_SEED, generate_population, write_population

synth_app = typer.Typer(
    help="Generate synthetic datasets (population register, …) from published statistics.",
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
