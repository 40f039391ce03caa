"""``flexcover worker`` (take queued jobs and run them) and ``flexcover jobs`` (what is queued).

The handlers of each kind of job, and the schedules of recurring work, are wired here from the
capabilities' services: the queue itself knows none of them.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
import threading
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flexcover.commandline import one_line_errors
from flexcover.jobs import service
from flexcover.jobs.service import Handler, JobStatus
from flexcover.jobs.worker import STALE_SECONDS, Schedule, Worker
from flexcover.kit import logs
from flexcover.kit.database import Database
from flexcover.kit.months import CHINA
from flexcover.kit.settings import Settings

console = Console()
log = logging.getLogger("flexcover.jobs")

MONTH_END = "0 2 1 * *"
"""Month-end settlement: 02:00 China time on the first, for the month just ended."""


def handlers() -> dict[str, Handler]:
    """What a worker can run, by kind of job."""
    from flexcover.contributions import service as contributions
    from flexcover.coverage import service as coverage
    from flexcover.injury import service as injury

    return {
        injury.PARTITIONS_JOB: injury.run_partitions_job,
        injury.ARREARS_JOB: injury.run_arrears_job,
        coverage.COMPARISON_JOB: functools.partial(
            coverage.run_comparison_job, register_reader=contributions.insured_register_reader
        ),
        contributions.SETTLEMENT_JOB: contributions.run_settlement_job,
    }


def schedules() -> list[Schedule]:
    """The recurring work every worker queues when it is due (each firing once, however many
    workers run)."""
    from flexcover.contributions import service as contributions
    from flexcover.injury import service as injury

    return [
        Schedule(
            name="injury-arrears",
            cron="30 0 * * *",
            kind=injury.ARREARS_JOB,
            job=injury.arrears_for_firing,
            catch_up=timedelta(days=2),
        ),
        Schedule(
            name="injury-partitions",
            cron="0 1 1 * *",
            kind=injury.PARTITIONS_JOB,
            job=injury.partitions_for_firing,
        ),
        Schedule(
            name="month-end-settlement",
            cron=MONTH_END,
            kind=contributions.SETTLEMENT_JOB,
            job=contributions.settlement_for_firing,
            # A month not settled because no worker ran on the first is settled when one starts.
            catch_up=timedelta(days=27),
        ),
    ]


def stale_seconds(settings: Settings) -> float:
    """``FLEXCOVER_JOB_STALE_SECONDS``: how long a silent worker keeps its job."""
    given = settings.environment.get("FLEXCOVER_JOB_STALE_SECONDS", "")
    try:
        value = float(given) if given else STALE_SECONDS
    except ValueError:
        value = STALE_SECONDS
    return value if value > 0 else STALE_SECONDS


@one_line_errors
def worker_command(
    concurrency: Annotated[
        int, typer.Option(min=1, max=16, help="jobs this process runs at once")
    ] = 1,
    poll: Annotated[
        float, typer.Option(min=0.1, max=60, help="seconds between looks at the queue")
    ] = 1.0,
    scheduled: Annotated[
        bool,
        typer.Option("--schedules/--no-schedules", help="queue recurring work when it is due"),
    ] = True,
    once: Annotated[
        bool, typer.Option("--once", help="run the jobs due now, one after another, then stop")
    ] = False,
    grace: Annotated[
        float, typer.Option(min=0, max=3600, help="seconds a stop waits for running jobs")
    ] = 30.0,
) -> None:
    """Take queued jobs (comparisons started on the pages, month-end settlement) and run them.

    Several workers may run at once (on PostgreSQL each takes different jobs). A worker that
    dies leaves its job to be taken again; SIGTERM or Ctrl+C stops taking jobs, waits --grace
    seconds for the running ones and gives back the rest."""
    from flexcover.rules.parameters import default_rulebook

    logs.configure()
    settings = Settings.from_env()
    database = Database(settings.database_url)
    worker = Worker(
        database,
        handlers(),
        settings=settings,
        rulebook=default_rulebook(),
        concurrency=concurrency,
        poll_seconds=poll,
        stale_after=stale_seconds(settings),
        schedules=schedules() if scheduled else (),
        grace_seconds=grace,
    )
    if once:
        ran = worker.run_until_idle()
        database.dispose()
        console.print(f"{ran} job(s) run")
        return
    stop = threading.Event()

    def stopping(signum: int, _frame: object) -> None:
        log.info("worker %s stopping (%s)", worker.name, signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    given_back = worker.run(stop)
    database.dispose()
    if given_back:
        # Their threads still run and cannot be interrupted; the jobs are back in the queue.
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)


@one_line_errors
def jobs_command(
    status: Annotated[JobStatus | None, typer.Option(help="only jobs in this status")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 30,
) -> None:
    """The latest jobs: what is queued, running, done or failed, and why."""
    settings = Settings.from_env()
    database = Database(settings.database_url)
    try:
        with database.unit_of_work() as session:
            found = service.recent(session, limit=limit, status=status)
    finally:
        database.dispose()
    table = Table()
    for column in ("id", "kind", "key", "status", "attempts", "worker", "queued"):
        table.add_column(column, no_wrap=True)
    table.add_column("progress / error", overflow="fold")
    for job in found:
        table.add_row(
            str(job.id),
            job.kind,
            job.key,
            job.status,
            f"{job.attempts}/{job.max_attempts}",
            job.taken_by or "",
            job.created_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
            job.error or job.progress or "",
        )
    Console().print(table)  # made now: the terminal's width (COLUMNS) is today's
