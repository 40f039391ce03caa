"""What every command shares: one-line errors, the acting CLI user, and the database upgrade.

A module of its own (not ``cli``), so that capabilities' commands use it without importing the
command line that registers them.
"""

from __future__ import annotations

import functools
import getpass
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from flexcover.kit.audit import Actor
from flexcover.kit.database import Database
from flexcover.kit.problems import Problem
from flexcover.kit.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")


def one_line_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`Problem` into ``error: field: detail`` on stderr and exit code 2."""

    from pydantic import ValidationError

    from flexcover.rules.parameters import ParameterFileError

    def fail(message: str) -> typer.Exit:
        # One line, never wrapped: scripts read it.
        sys.stderr.write(f"error: {message}\n")
        return typer.Exit(2)

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except Problem as problem:
            raise fail(problem.line("en")) from None
        except ValidationError as invalid:
            first = invalid.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "input"
            raise fail(f"{where}: {first['msg']}") from None
        except ParameterFileError as bad_file:
            raise fail(str(bad_file)) from None

    return wrapper


def cli_actor() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(user_id=None, username=f"cli:{who}", role="system", region_code=None, source="cli")


def upgrade_database(settings: Settings) -> None:
    """Migrate to the latest schema and load the jurisdiction catalogue (both idempotent)."""
    from flexcover import migrations
    from flexcover.injury import service as injury
    from flexcover.kit.months import Month, china_today
    from flexcover.registry import service

    if settings.is_sqlite:
        settings.ensure_data_dir()
    migrations.upgrade(settings.database_url)
    database = Database(settings.database_url)
    try:
        with database.unit_of_work() as session:
            service.sync_jurisdictions(session=session)
        # The orders' monthly partitions (PostgreSQL), from the pilot to three months ahead;
        # the worker makes the next ones each month.
        injury.ensure_partitions(
            database.engine, injury.PILOT_START, Month.of(china_today()) + injury.PARTITIONS_AHEAD
        )
    finally:
        database.dispose()
