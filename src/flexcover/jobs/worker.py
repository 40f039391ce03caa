"""The worker: a process that takes queued jobs and runs them, beats while they run, takes back
the jobs of workers that died, and queues the recurring work its schedules say is due.

Each call into the queue is a unit of work of its own (this is the boundary that commits). Stop
it with SIGTERM or Ctrl+C: it takes nothing more, waits ``grace`` seconds for the jobs it runs,
and gives back those still running, which the next worker starts again.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from flexcover.jobs import service
from flexcover.jobs.service import Handler, JobContext, TakenJob
from flexcover.kit.audit import Actor
from flexcover.kit.database import Database, utc_now
from flexcover.kit.months import CHINA
from flexcover.kit.problems import Problem
from flexcover.kit.settings import Settings
from flexcover.rules.parameters import Rulebook

log = logging.getLogger("flexcover.jobs")

STALE_SECONDS = 120.0
"""A running job whose worker has not beaten for this long lost it (``FLEXCOVER_JOB_STALE_SECONDS``
overrides it)."""
CATCH_UP = timedelta(days=1)
"""By default, on start, a schedule's last firing missed within this window (no worker was
running then) is queued."""


@dataclass(frozen=True)
class Schedule:
    """Recurring work: at each firing of ``cron`` (China's clock, crontab syntax), ``job`` says
    what to queue — its key (so that several workers, or a restart, queue a firing once) and
    payload."""

    name: str
    cron: str
    kind: str
    job: Callable[[datetime], tuple[str, dict[str, Any]]]
    catch_up: timedelta = CATCH_UP
    """How far back a worker that starts looks for a firing it missed."""
    trigger: CronTrigger = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "trigger", CronTrigger.from_crontab(self.cron, timezone=CHINA))

    def latest_firing(self, after: datetime, until: datetime) -> datetime | None:
        """The last firing in ``(after, until]``, if any."""
        latest = None
        firing = self.trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
        while firing is not None and firing <= until:
            latest = firing
            firing = self.trigger.get_next_fire_time(None, firing + timedelta(microseconds=1))
        return latest


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(
        self,
        database: Database,
        handlers: Mapping[str, Handler],
        *,
        settings: Settings,
        rulebook: Rulebook,
        name: str | None = None,
        concurrency: int = 1,
        poll_seconds: float = 1.0,
        stale_after: float = STALE_SECONDS,
        schedules: Sequence[Schedule] = (),
        grace_seconds: float = 30.0,
    ) -> None:
        self.database = database
        self.handlers = dict(handlers)
        self.settings = settings
        self.rulebook = rulebook
        self.name = name or worker_name()
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.stale_after = stale_after
        self.beat_seconds = max(stale_after / 4, 0.2)
        self.schedules = list(schedules)
        self.grace_seconds = grace_seconds
        self._held: dict[int, JobContext] = {}
        self._lock = threading.Lock()
        started = utc_now()
        self._scheduled_until = {s.name: started - s.catch_up for s in self.schedules}

    def run(self, stop: threading.Event) -> int:
        """Work until ``stop`` is set; returns how many running jobs were given back (their
        threads still run: the process should then end without waiting for them)."""
        log.info("worker %s takes %s", self.name, ", ".join(sorted(self.handlers)))
        beating = threading.Thread(target=self._beat, args=(stop,), name="jobs-heartbeat")
        beating.daemon = True
        beating.start()
        running: dict[int, Future[None]] = {}
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="job")
        try:
            kept_house = -math.inf
            while not stop.is_set():
                # Taking back stale jobs and queueing due firings is needed only as often as a
                # beat: on SQLite every unit of work takes the one write lock.
                if time.monotonic() - kept_house >= self.beat_seconds:
                    self.housekeeping()
                    kept_house = time.monotonic()
                for job_id in [job_id for job_id, future in running.items() if future.done()]:
                    del running[job_id]
                while len(running) < self.concurrency and not stop.is_set():
                    taken = self._take()
                    if taken is None:
                        break
                    context = JobContext(
                        job=taken,
                        database=self.database,
                        settings=self.settings,
                        rulebook=self.rulebook,
                        worker=self.name,
                    )
                    with self._lock:
                        self._held[taken.id] = context
                    running[taken.id] = pool.submit(self._run, context)
                stop.wait(self.poll_seconds)
        finally:
            given_back = self._drain(running)
            pool.shutdown(wait=False, cancel_futures=True)
        return given_back

    def run_until_idle(self, *, limit: int = 100) -> int:
        """Run due jobs one after another until none is left (tests, ``flexcover worker --once``);
        returns how many ran."""
        ran = 0
        self.housekeeping()
        while ran < limit:
            taken = self._take()
            if taken is None:
                break
            context = JobContext(
                job=taken,
                database=self.database,
                settings=self.settings,
                rulebook=self.rulebook,
                worker=self.name,
            )
            self._run(context)
            ran += 1
        return ran

    def housekeeping(self) -> None:
        """Take back stale jobs and queue the schedules' due firings."""
        with self.database.unit_of_work() as session:
            for job_id in service.reap(session, stale_after=self.stale_after):
                log.warning("job %s lost its worker: taken back", job_id)
        now = utc_now()
        if self.schedules:
            with self.database.unit_of_work() as session:
                for schedule in self.schedules:
                    firing = schedule.latest_firing(self._scheduled_until[schedule.name], now)
                    if firing is None:
                        continue
                    key, payload = schedule.job(firing.astimezone(CHINA))
                    service.enqueue(
                        session,
                        kind=schedule.kind,
                        key=key,
                        payload=payload,
                        actor=Actor.system(f"schedule:{schedule.name}"),
                    )
        self._scheduled_until = dict.fromkeys(self._scheduled_until, now)

    def _take(self) -> TakenJob | None:
        with self.database.unit_of_work() as session:
            return service.take(session, worker=self.name, kinds=self.handlers)

    def _run(self, context: JobContext) -> None:
        job = context.job
        log.info("job %s (%s, attempt %s) started", job.id, job.kind, job.attempt)
        try:
            summary = self.handlers[job.kind](context)
        except Problem as refused:
            self._failed(context, refused.line("en"), retry=False)
        except Exception as failure:
            log.exception("job %s (%s) failed", job.id, job.kind)
            # The message may hold what the job was reading: the log keeps it, the row does not.
            self._failed(context, f"{type(failure).__name__}: see the worker's log", retry=True)
        else:
            with self.database.unit_of_work() as session:
                service.finish(session, job.id, worker=self.name, progress=summary)
            log.info("job %s (%s) done: %s", job.id, job.kind, summary or "")
        finally:
            with self._lock:
                self._held.pop(job.id, None)

    def _failed(self, context: JobContext, error: str, *, retry: bool) -> None:
        with self.database.unit_of_work() as session:
            status = service.fail(
                session, context.job.id, worker=self.name, error=error, retry=retry
            )
        log.warning("job %s (%s): %s; now %s", context.job.id, context.job.kind, error, status)

    def _beat(self, stop: threading.Event) -> None:
        while not stop.wait(self.beat_seconds):
            self.beat()

    def beat(self) -> None:
        """Say that the held jobs are alive, with their latest progress."""
        with self._lock:
            held = list(self._held.values())
        for context in held:
            try:
                with self.database.unit_of_work() as session:
                    mine = service.beat(
                        session, context.job.id, worker=self.name, progress=context.latest
                    )
            except Exception:  # a busy moment: the next beat comes soon enough
                log.warning("heartbeat of job %s missed", context.job.id, exc_info=True)
                continue
            if not mine:
                log.warning("job %s was taken back from this worker", context.job.id)

    def _drain(self, running: dict[int, Future[None]]) -> int:
        """Wait ``grace_seconds`` for the running jobs, then give back those still running."""
        deadline = utc_now() + timedelta(seconds=self.grace_seconds)
        for future in running.values():
            left = (deadline - utc_now()).total_seconds()
            if left > 0:
                # A job's own failure is recorded by _run; a timeout leaves it to be given back.
                with contextlib.suppress(Exception):
                    future.result(timeout=left)
        with self._lock:
            unfinished = list(self._held)
        for job_id in unfinished:
            with self.database.unit_of_work() as session:
                service.release(session, job_id, worker=self.name)
            log.warning("job %s given back: the worker stopped before it ended", job_id)
        return len(unfinished)
