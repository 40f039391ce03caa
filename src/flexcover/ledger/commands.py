"""``flexcover ledger …``: verify the journal, credit a year's interest."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.console import Console

from flexcover.kit.audit import Actor
from flexcover.kit.database import Database
from flexcover.kit.problems import Problem
from flexcover.kit.settings import Settings

ledger_app = typer.Typer(help="The double-entry journal.", no_args_is_help=True)
console = Console(soft_wrap=True)


@ledger_app.callback()
def _group() -> None:
    """The double-entry journal: verification and interest crediting."""


@ledger_app.command("verify")
def verify_command() -> None:
    """Recompute every balance from the journal and check every entry; exit 1 on a difference."""
    from flexcover.ledger import service

    database = Database(Settings.from_env().database_url)
    try:
        with database.unit_of_work() as session:
            findings = service.verify(session=session)
            size = service.journal_size(session=session)
    finally:
        database.dispose()
    if findings:
        for finding in findings:
            console.print(finding, markup=False, highlight=False)
        console.print(f"{len(findings)} difference(s) found", markup=False, highlight=False)
        raise typer.Exit(1)
    console.print(
        f"ledger verified: {size.entries} entries, {size.accounts} accounts",
        markup=False,
        highlight=False,
    )


@ledger_app.command("interest")
def interest_command(
    jurisdiction: Annotated[str, typer.Option(help="6-digit GB/T 2260 code, e.g. 500103")],
    year: Annotated[int, typer.Option(help="The year to credit, e.g. 2024")],
) -> None:
    """Credit a year's interest to every personal pension account of a jurisdiction."""
    from flexcover.ledger import service
    from flexcover.rules.parameters import default_rulebook

    database = Database(Settings.from_env().database_url)
    try:
        with database.unit_of_work() as session:
            result = service.credit_interest(
                session=session,
                rulebook=default_rulebook(),
                jurisdiction=jurisdiction,
                year=year,
                actor=_actor(),
            )
    except Problem as problem:
        sys.stderr.write(f"error: {problem.line('en')}\n")
        raise typer.Exit(2) from None
    finally:
        database.dispose()
    console.print(
        f"credited {year} interest to {result.posted} account(s) in {jurisdiction}"
        f" ({result.skipped} already credited)",
        markup=False,
        highlight=False,
    )


def _actor() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(user_id=None, username=f"cli:{who}", role="system", region_code=None, source="cli")
