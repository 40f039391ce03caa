"""``flexcover``: the command line (Typer + Rich).

Every command validates its input; a bad value is a one-line error naming it, with exit code 2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from flexcover.commandline import cli_actor, one_line_errors, upgrade_database
from flexcover.kit.database import Database
from flexcover.kit.settings import Settings

__all__ = ["app", "cli_actor", "one_line_errors", "upgrade_database"]

if TYPE_CHECKING:
    from flexcover.contributions.reconcile import Reconciliation
    from flexcover.rules.parameters import Rulebook

app = typer.Typer(
    help="flexcover: social insurance for flexible-employment and platform workers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Logins and API tokens.", no_args_is_help=True)
rules_app = typer.Typer(help="The dated parameters of the rules.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.callback()
def _private_files() -> None:
    """Every command creates its files for flexcover's own user only: the database, the keys,
    comparison folders and exports are 0600 and folders 0700, not world-readable. The
    capabilities' listeners are connected (``flexcover.wiring``)."""
    from flexcover import wiring

    os.umask(0o077)
    wiring.connect()


app.add_typer(users_app, name="users")
app.add_typer(rules_app, name="rules")

console = Console()


@db_app.command("upgrade")
@one_line_errors
def db_upgrade() -> None:
    """Create or migrate the schema to the latest revision and load reference data."""
    settings = Settings.from_env()
    upgrade_database(settings)
    from flexcover import migrations

    console.print(f"database at revision {migrations.current_revision(settings.database_url)}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision the database is at."""
    from flexcover import migrations

    console.print(migrations.current_revision(Settings.from_env().database_url) or "empty")


@users_app.command("create")
@one_line_errors
def users_create(
    username: Annotated[str, typer.Option(help="Login name: lowercase letters, digits, . _ -")],
    role: Annotated[
        str,
        typer.Option(
            help="worker, platform, district_officer, city_officer, "
            "province_officer, auditor, admin or insurer"
        ),
    ],
    region: Annotated[str, typer.Option(help="GB/T 2260 code of the user's region scope")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    display_name: Annotated[str | None, typer.Option()] = None,
    person_id: Annotated[int | None, typer.Option(help="worker logins: the person")] = None,
    platform_id: Annotated[int | None, typer.Option(help="platform logins: the platform")] = None,
) -> None:
    """Create a login with a role and a region scope. The password is asked for (or read from
    standard input with --password-stdin), never given on the command line."""
    from pydantic import ValidationError

    from flexcover.kit.problems import ValidationFailed
    from flexcover.registry import accounts
    from flexcover.registry.schemas import UserIn

    password = read_password(password_stdin)
    try:
        user_in = UserIn(
            username=username,
            password=password,
            role=role,
            region_code=region,
            display_name=display_name,
            person_id=person_id,
            platform_id=platform_id,
        )
    except ValidationError as invalid:
        error = invalid.errors()[0]
        field = {"region_code": "region"}.get(str(error["loc"][0]), str(error["loc"][0]))
        raise ValidationFailed([{"field": field, "message": error["msg"]}]) from None
    database = Database(Settings.from_env().database_url)
    try:
        with database.unit_of_work() as session:
            user = accounts.create_user(session=session, actor=cli_actor(), user=user_in)
            console.print(
                f"created user {user.username} (id {user.id}, {user.role}, {user.region_code})"
            )
    finally:
        database.dispose()


def read_password(from_stdin: bool) -> str:
    """A password from standard input (its first line) or typed twice at a hidden prompt:
    never from the command line, where other users of the machine and the shell history see
    it."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


@users_app.command("reset-password")
@one_line_errors
def users_reset_password(
    username: Annotated[str, typer.Argument(help="The login whose password is reset")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
) -> None:
    """Set a temporary password the user must change at their next login (and unlock it)."""
    from flexcover.registry import accounts

    password = read_password(password_stdin)
    database = Database(Settings.from_env().database_url)
    try:
        with database.unit_of_work() as session:
            user = accounts.user_named(session, username)
            accounts.reset_password(
                session=session, actor=cli_actor(), user_id=user.id, new=password
            )
        console.print(f"password of {username} reset; it must be changed at the next login")
    finally:
        database.dispose()


@users_app.command("disable")
@one_line_errors
def users_disable(
    username: Annotated[str, typer.Argument(help="The login to disable")],
    enable: Annotated[bool, typer.Option("--enable", help="enable it again instead")] = False,
) -> None:
    """Disable a login (its sessions end and its tokens stop working), or enable it again."""
    from flexcover.registry import accounts

    database = Database(Settings.from_env().database_url)
    try:
        with database.unit_of_work() as session:
            user = accounts.user_named(session, username)
            accounts.update_user(session=session, actor=cli_actor(), user_id=user.id, active=enable)
        console.print(f"{username} {'enabled' if enable else 'disabled'}")
    finally:
        database.dispose()


@users_app.command("expire")
@one_line_errors
def users_expire(
    username: Annotated[str, typer.Argument(help="The login")],
    on: Annotated[str | None, typer.Option(help="its last day, YYYY-MM-DD (China time)")] = None,
    never: Annotated[bool, typer.Option("--never", help="remove the end date")] = False,
) -> None:
    """Set the last day a login may be used (a contractor's, a temporary officer's)."""
    from datetime import date

    from flexcover.kit.problems import ValidationFailed
    from flexcover.registry import accounts

    if never == (on is not None):
        raise ValidationFailed(
            [
                {
                    "field": "on",
                    "code": "missing",
                    "message": "give either --on YYYY-MM-DD or --never",
                }
            ]
        )
    try:
        last_day = None if on is None else date.fromisoformat(on)
    except ValueError:
        raise ValidationFailed(
            [{"field": "on", "code": "date", "message": "not a date of the form YYYY-MM-DD"}]
        ) from None
    database = Database(Settings.from_env().database_url)
    try:
        with database.unit_of_work() as session:
            user = accounts.user_named(session, username)
            accounts.update_user(
                session=session,
                actor=cli_actor(),
                user_id=user.id,
                expires_on=last_day if last_day is not None else "never",
            )
        console.print(f"{username} {'never expires' if never else f'works through {on}'}")
    finally:
        database.dispose()


@users_app.command("revoke-token")
@one_line_errors
def users_revoke_token(
    prefix: Annotated[str, typer.Argument(help="The token's prefix (fct_…, as listed)")],
) -> None:
    """Revoke an API token by the prefix shown when it was issued: it stops working at once."""
    from flexcover.kit.problems import NotFound
    from flexcover.registry import accounts, repository

    database = Database(Settings.from_env().database_url)
    try:
        with database.unit_of_work() as session:
            token = repository.live_token_by_prefix(session, prefix.strip())
            if token is None:
                raise NotFound(field="prefix", what="live token", key=prefix[:12])
            accounts.revoke_token(session=session, actor=cli_actor(), token_id=token.id)
        console.print(f"{prefix[:12]} revoked")
    finally:
        database.dispose()


@users_app.command("token")
@one_line_errors
def users_token(
    username: Annotated[str, typer.Argument(help="The user the token acts as")],
    label: Annotated[str, typer.Option()] = "api",
    days: Annotated[int, typer.Option(min=1, max=365, help="days the token lasts")] = 365,
) -> None:
    """Issue an API token; it is printed once and only its hash is kept. It stops working after
    ``--days`` (a year at most), or when revoked (``users revoke-token``)."""
    from flexcover.registry import accounts

    database = Database(Settings.from_env().database_url)
    try:
        with database.unit_of_work() as session:
            user = accounts.user_named(session, username)
            plain, _ = accounts.issue_api_token(
                session=session, actor=cli_actor(), user_id=user.id, label=label, days=days
            )
        console.print(plain, markup=False, highlight=False)
    finally:
        database.dispose()


def _rulebook(override: Path | None) -> Rulebook:
    from flexcover.rules.parameters import default_rulebook

    rulebook = default_rulebook()
    if override is not None:
        if not override.is_file():
            raise typer.BadParameter(f"{override} is not a file", param_hint="--override")
        rulebook = rulebook.with_override(override)
    return rulebook


@rules_app.command("show")
@one_line_errors
def rules_show(
    jurisdiction: Annotated[str, typer.Argument(help="GB/T 2260 code, e.g. 500000")],
    on: Annotated[str, typer.Option(help="the date, YYYY-MM-DD (default: today in China)")] = "",
    override: Annotated[Path | None, typer.Option(help="a reform file layered on top")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Print every parameter in force for a jurisdiction on a date, with its source (a value
    carried forward from the last published period is marked so)."""
    from datetime import date

    from flexcover.kit.months import china_today
    from flexcover.rules.parameters import render_value
    from flexcover.rules.problems import OutOfRange
    from flexcover.rules.service import known_jurisdiction

    rulebook = _rulebook(override)
    known_jurisdiction(jurisdiction)
    try:
        day = date.fromisoformat(on) if on else china_today()
    except ValueError:
        raise OutOfRange(
            field="on", reason_zh="日期应为 YYYY-MM-DD", reason_en="the date must be YYYY-MM-DD"
        ) from None
    effective = rulebook.effective(jurisdiction, day)
    if as_json:
        print(
            json.dumps(
                {
                    "jurisdiction": jurisdiction,
                    "on": day.isoformat(),
                    "parameters": [value.describe() for value in effective.values()],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    table = Table(title=f"parameters for {jurisdiction} on {day.isoformat()}")
    for column in ("parameter", "value", "from", "to", "set by", "confidence", "source"):
        table.add_column(column, overflow="fold")
    for key, value in effective.items():
        shown = render_value(key, value.value)
        table.add_row(
            key,
            json.dumps(shown, ensure_ascii=False)
            if isinstance(shown, (dict, list))
            else str(shown),
            value.effective_from.isoformat(),
            value.effective_to.isoformat() if value.effective_to else "",
            value.jurisdiction,
            value.confidence + (" carried" if value.carried else ""),
            value.source + (f" ({value.url})" if value.url else ""),
        )
    Console().print(table)  # made now, so it takes the width of the terminal (or $COLUMNS) now


@app.command()
@one_line_errors
def calc(
    name: Annotated[
        str,
        typer.Argument(
            help="contribution, retirement, divisor, average_index, "
            "account, pension or resident_pension"
        ),
    ],
    input_file: Annotated[str, typer.Option("--input", help="JSON input file, or - for stdin")],
    override: Annotated[Path | None, typer.Option(help="a reform file layered on top")] = None,
) -> None:
    """Run a calculator: JSON in, JSON out (the same schemas as POST /api/v1/calc/NAME)."""
    from flexcover.kit.months import china_today
    from flexcover.rules.problems import OutOfRange, UnknownCalculator
    from flexcover.rules.service import CALCULATORS, calculate

    if name not in CALCULATORS:  # before reading: a wrong name must not wait on stdin
        raise UnknownCalculator(field="name", value=name, known=", ".join(CALCULATORS))
    try:
        text = sys.stdin.read() if input_file == "-" else Path(input_file).read_text("utf-8")
        payload = json.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        raise OutOfRange(
            field="input", reason_zh=f"无法读取：{error}", reason_en=f"cannot be read: {error}"
        ) from None
    except json.JSONDecodeError as error:
        raise OutOfRange(
            field="input",
            reason_zh=f"不是有效的 JSON：{error}",
            reason_en=f"is not valid JSON: {error}",
        ) from None
    result = calculate(name, payload, rulebook=_rulebook(override), today=china_today())
    print(json.dumps(result, ensure_ascii=False, indent=2))


@app.command()
@one_line_errors
def settle(
    month: Annotated[str, typer.Argument(help="the month to settle, YYYY-MM")],
    chunk_size: Annotated[
        int, typer.Option(min=100, max=100_000, help="enrolments per transaction")
    ] = 5000,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=16, help="chunks settled at once (PostgreSQL; SQLite settles one at a time)"
        ),
    ] = 2,
    force: Annotated[
        bool, typer.Option(help="settle a month that has not ended yet (needs --reason)")
    ] = False,
    reason: Annotated[
        str, typer.Option(max=200, help="why a month not yet over is settled (audited)")
    ] = "",
) -> None:
    """Month-end settlement: bills, arrears, co-contributions, subsidies, ledger, reminders.

    A month is settled after it has ended. Resumable: run it again after an interruption and it
    carries on; after it finished, a second run changes nothing. Several runs of the same month
    at once share the chunks. Provisional bills whose figures were published since are
    reconciled first (the difference is billed or refunded)."""
    from flexcover.contributions.tasks import settle as run_settlement
    from flexcover.kit.months import Month, china_today
    from flexcover.rules.parameters import default_rulebook
    from flexcover.rules.problems import OutOfRange

    target = Month.parse(month, field="month")
    if force and not reason.strip():
        raise OutOfRange(
            field="reason",
            reason_zh="提前结算须写明原因（--reason）",
            reason_en="--force needs a --reason",
        )
    database = Database(Settings.from_env().database_url)
    try:
        with _progress() as progress:
            task = progress.add_task(f"settle {target}", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            summary = run_settlement(
                database=database,
                rulebook=default_rulebook(),
                month=target,
                actor=cli_actor(),
                today=china_today(),
                force_reason=reason.strip() if force else None,
                chunk_size=chunk_size,
                workers=workers,
                progress=report,
            )
    finally:
        database.dispose()
    _print_reconciliation(summary.reconciled)
    if summary.already_done:
        console.print(f"{target} was already settled ({summary.bills:,} bills); nothing changed")
    else:
        console.print(f"settled {target}: {summary.bills:,} bills in {summary.chunks} chunks")


def _print_reconciliation(done: Reconciliation) -> None:
    from flexcover.kit.money import format_yuan

    if done.repriced:
        console.print(
            f"reconciled {done.repriced:,} provisional bills on published figures: "
            f"{done.adjusted:,} changed, {format_yuan(done.charged_fen)} yuan more to pay, "
            f"{format_yuan(done.refunded_fen)} yuan to refund"
        )
    if done.waiting:
        console.print(
            f"{done.waiting:,} bills stay provisional: their year's figures are not loaded yet"
        )


@app.command()
@one_line_errors
def reconcile(
    month: Annotated[str, typer.Option(help="only the bills of this month, YYYY-MM")] = "",
) -> None:
    """补差: re-price the provisional bills (priced on last year's limits carried forward) whose
    figures are now loaded; the difference is billed or refunded on the same bill."""
    from flexcover.contributions.tasks import reconcile as run_reconcile
    from flexcover.kit.months import Month
    from flexcover.rules.parameters import default_rulebook

    only = Month.parse(month, field="month") if month else None
    database = Database(Settings.from_env().database_url)
    try:
        done = run_reconcile(
            database=database, rulebook=default_rulebook(), actor=cli_actor(), month=only
        )
    finally:
        database.dispose()
    _print_reconciliation(done)
    if not done.repriced and not done.waiting:
        console.print("no provisional bills")


@app.command()
@one_line_errors
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Serve the web app and the API (the database must be upgraded)."""
    import uvicorn

    from flexcover.web.app import create_app, server_options

    settings = Settings.from_env()
    console.print(f"flexcover serving on http://{host}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(
        create_app(settings), host=host, port=port, log_level="info", **server_options(settings)
    )


@app.command()
@one_line_errors
def demo(
    serve_app: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve when ready")] = True,
    jurisdiction: Annotated[
        str,
        typer.Option(
            help="GB/T 2260 code of the demo region: one whose limits are loaded (110000, "
            "120000, 310000, 320000, 330000, 420100, 420300, 421000, 440000, 440100, 440300, "
            "500000, 510000) or a place inside one"
        ),
    ] = "500000",
    people: Annotated[int, typer.Option(min=1, max=2_000_000)] = 20_000,
    seed: Annotated[int, typer.Option(min=0)] = 20250801,
    rebuild: Annotated[
        bool, typer.Option(help="Throw away the demo data and build it anew")
    ] = False,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Set up the data folder, migrate, build a synthetic city, print the logins, and serve."""
    from flexcover.rules.parameters import default_rulebook
    from flexcover.synth.demo import COMPARISON_MONTH, build_demo, compare_demo

    started = time.monotonic()
    settings = Settings.from_env()
    console.print(f"data folder: {settings.data_dir}")
    console.print(f"database:    {_redact(settings.database_url)}")
    with console.status("migrating the database…"):
        upgrade_database(settings)
    database = Database(settings.database_url)
    try:
        with _progress() as progress:
            tasks: dict[str, TaskID] = {}

            def report(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = progress.add_task(step, total=total)
                progress.update(tasks[step], completed=done, total=total)

            with database.unit_of_work() as session:
                result = build_demo(
                    session=session,
                    jurisdiction=jurisdiction,
                    people=people,
                    seed=seed,
                    id_key=settings.id_hash_key,
                    rebuild=rebuild,
                    progress=report,
                )
            comparison = None
            if not result.reused:
                comparison = compare_demo(
                    database=database,
                    rulebook=default_rulebook(),
                    settings=settings,
                    jurisdiction=jurisdiction,
                    people=people,
                    seed=seed,
                    progress=report,
                )
    finally:
        database.dispose()
    verb = "reused" if result.reused else "built"
    console.print(
        f"demo {verb}: {result.people:,} people in {jurisdiction} "
        f"({time.monotonic() - started:.1f} s)"
    )
    if not result.reused:
        console.print(
            f"contributions: {result.enrolled:,} enrolled, {result.bills:,} monthly bills "
            "from 2025-12 to 2026-11 (`flexcover ledger verify` checks the journal)"
        )
    if comparison is not None:
        counts = ", ".join(f"{n:,} {klass}" for klass, n in sorted(comparison.counts.items()))
        console.print(
            f"comparison {comparison.run_id} of the departments' data for {COMPARISON_MONTH}: "
            f"{counts}; {comparison.tasks.issued:,} expansion tasks for the districts"
        )
    _print_logins(result)
    if serve_app:
        # The comparisons started on the pages, and month-end settlement, run in a worker
        # beside the server, never in it; it stops with the demo.
        worker = subprocess.Popen([sys.executable, "-m", "flexcover", "worker"])
        console.print(f"worker started (pid {worker.pid}): flexcover jobs shows its work")
        try:
            serve(host=host, port=port)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=35)
            except subprocess.TimeoutExpired:
                worker.kill()


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _print_logins(result: object) -> None:
    from flexcover.synth.demo import DemoResult

    assert isinstance(result, DemoResult)
    table = Table(title="demo logins (password for all: flexcover-demo)")
    for column in ("username", "role", "region", "who"):
        table.add_column(column)
    for login in result.logins:
        table.add_row(login.username, login.role, login.region_code, login.note)
    console.print(table)
    for username, token in result.tokens.items():
        console.print(f"API token for {username}: {token}", markup=False, highlight=False)
    if result.reused:
        console.print(
            "API tokens were shown when the demo was built; "
            "`flexcover users token platform1` issues a new one."
        )


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':')[0]}:***@{host}"
    return url


def _mount_subcommands() -> None:
    from flexcover.coverage.commands import compare_command
    from flexcover.coverage.link_command import link
    from flexcover.injury.commands import injury_app
    from flexcover.jobs.commands import jobs_command, worker_command
    from flexcover.ledger.commands import ledger_app
    from flexcover.synth.commands import synth_app

    app.add_typer(synth_app, name="synth")
    app.add_typer(ledger_app, name="ledger")
    app.add_typer(injury_app, name="injury")
    app.command("compare")(one_line_errors(compare_command))
    app.command("link")(link)
    app.command("worker")(worker_command)
    app.command("jobs")(jobs_command)


_mount_subcommands()


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
