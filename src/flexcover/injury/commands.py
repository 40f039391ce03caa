"""``flexcover injury …``: the orders' monthly partitions and the platforms' monthly bills."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from flexcover.commandline import cli_actor, one_line_errors
from flexcover.injury import service
from flexcover.injury.problems import OnboardingRefused
from flexcover.kit.database import Database
from flexcover.kit.money import format_yuan
from flexcover.kit.months import Month, china_today
from flexcover.kit.settings import Settings
from flexcover.rules.parameters import default_rulebook

console = Console()
injury_app = typer.Typer(help="Occupational-injury protection: order partitions, platform bills.")


@injury_app.command("partitions")
@one_line_errors
def partitions_command(
    ahead: Annotated[int, typer.Option(min=0, max=24, help="months ahead of this one")] = 3,
    detach_before: Annotated[
        str | None,
        typer.Option(help="YYYY-MM: detach the partitions of the months before it (archive)"),
    ] = None,
) -> None:
    """Make the orders' monthly partitions from the pilot's first month to AHEAD months from now
    (PostgreSQL; a no-op on SQLite, whose orders are one table), and detach old ones."""
    before = Month.parse(detach_before, field="detach_before") if detach_before else None
    if before is not None and before > Month.of(china_today()):
        raise OnboardingRefused(
            field="detach_before",
            reason_zh="只能分离已结束的月份",
            reason_en="only months already over can be detached",
        )
    settings = Settings.from_env()
    database = Database(settings.database_url)
    try:
        last = Month.of(china_today()) + ahead
        made = service.ensure_partitions(database.engine, service.PILOT_START, last)
        console.print(f"{len(made)} partition(s) made, up to {last}")
        if before is not None:
            detached = service.detach_partitions(database.engine, before)
            console.print(f"{len(detached)} partition(s) detached: {', '.join(detached) or '-'}")
    finally:
        database.dispose()


@injury_app.command("bills")
@one_line_errors
def bills_command(
    month: Annotated[str, typer.Argument(help="YYYY-MM: a month that has ended")],
    region: Annotated[str, typer.Option(help="GB/T 2260 code of the region billed")] = "000000",
) -> None:
    """按月缴费: issue (or re-issue, for late orders) the platforms' bills of MONTH."""
    settings = Settings.from_env()
    database = Database(settings.database_url)
    try:
        with database.unit_of_work() as session:
            issued = service.issue_bills(
                session=session,
                actor=cli_actor(),
                month=Month.parse(month, field="month"),
                region=region,
                rulebook=default_rulebook(),
                today=china_today(),
            )
        console.print(
            f"{month}: {issued.issued} bill(s) issued, {issued.reissued} re-issued "
            f"(difference {format_yuan(issued.difference_fen)} yuan), {issued.unchanged} unchanged"
        )
    finally:
        database.dispose()


@injury_app.command("benefits")
@one_line_errors
def benefits_command(
    month: Annotated[str, typer.Argument(help="YYYY-MM: the month whose benefits are paid")],
    region: Annotated[str, typer.Option(help="GB/T 2260 code of the region paid")] = "000000",
) -> None:
    """按月支付: pay the monthly benefits (disability and nursing allowances, dependants'
    pensions) due to MONTH of the claims already paid, and carry their schedules on."""
    wanted = Month.parse(month, field="month")
    settings = Settings.from_env()
    database = Database(settings.database_url)
    try:
        with database.unit_of_work() as session:
            run = service.pay_scheduled_benefits(
                session=session, actor=cli_actor(), month=wanted, region=region
            )
        console.print(
            f"{month}: {format_yuan(run.paid_fen)} yuan paid on {run.claims} claim(s); "
            f"{run.scheduled} month(s) scheduled on"
        )
    finally:
        database.dispose()
