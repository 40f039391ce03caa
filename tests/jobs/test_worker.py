"""The worker loop: it runs what it takes, records refusals and crashes without personal data,
queues a schedule's firing once however many workers run, and gives back what it cannot finish
when it stops."""

from __future__ import annotations

import logging
import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from flexcover.jobs import service
from flexcover.jobs.models import Job
from flexcover.jobs.worker import Schedule, Worker
from flexcover.kit import logs
from flexcover.kit.months import CHINA, Month
from flexcover.kit.problems import NotFound
from flexcover.rules.parameters import default_rulebook
from tests.conftest import SYSTEM, make_id

pytestmark = pytest.mark.database


def worker(database, settings, handlers, **options) -> Worker:
    return Worker(
        database,
        handlers,
        settings=settings,
        rulebook=default_rulebook(),
        name=options.pop("name", "w"),
        poll_seconds=0.05,
        **options,
    )


def queue(database, key, kind="test.kind", payload=None) -> int:
    with database.unit_of_work() as session:
        return service.enqueue(session, kind=kind, key=key, payload=payload or {}, actor=SYSTEM)


def jobs(session) -> dict[str, Job]:
    session.expire_all()
    return {job.key: job for job in session.scalars(select(Job))}


def test_jobs_run_and_say_how_they_went(database, settings, session, caplog):
    seen = []

    def ok(context):
        seen.append(context.payload["n"])
        context.progress("counted")
        return f"counted {context.payload['n']}"

    def refused(context):
        raise NotFound(field="month", what="month", key="2020-01")

    def crashed(context):
        raise RuntimeError(f"row of {make_id()} did not parse")  # a message holding an ID

    queue(database, "a", payload={"n": 1})
    queue(database, "b", "test.refused")
    queue(database, "c", "test.crashed")
    handlers = {"test.kind": ok, "test.refused": refused, "test.crashed": crashed}
    with caplog.at_level(logging.INFO, logger="flexcover.jobs"):
        assert worker(database, settings, handlers).run_until_idle() == 3
    assert re.search(r"job \d+ \(test.crashed\) failed", caplog.text)  # the log keeps it all
    found = jobs(session)
    assert seen == [1]
    assert (found["a"].status, found["a"].progress) == ("done", "counted 1")
    assert found["b"].status == "failed"  # a refusal is final
    assert "month" in found["b"].error
    assert found["c"].status == "queued"  # a crash is tried again, later
    assert found["c"].error == "RuntimeError: see the worker's log"
    assert make_id() not in found["c"].error


def test_the_log_filter_masks_ids_and_phones_in_messages_and_tracebacks():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "row %s", (make_id(),), None)
    try:
        raise ValueError(f"phone 13812345678 of {make_id()}")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    logs.PersonalDataFilter().filter(record)
    text = logging.Formatter().format(record)
    assert make_id() not in text
    assert "13812345678" not in text
    assert "<resident id>" in text
    assert "<phone>" in text


def test_a_schedule_fires_once_however_many_workers_look(database, settings, session):
    schedule = Schedule(
        name="month-end",
        cron="0 2 1 * *",
        kind="test.kind",
        job=lambda fired: (f"settle:{Month.of(fired.date()) - 1}", {"at": fired.isoformat()}),
        catch_up=timedelta(days=27),
    )
    first = worker(database, settings, {}, schedules=[schedule], name="w1")
    second = worker(database, settings, {}, schedules=[schedule], name="w2")
    first.housekeeping()
    second.housekeeping()
    first.housekeeping()
    queued = [job for job in jobs(session).values() if job.key.startswith("settle:")]
    latest = schedule.latest_firing(datetime.now(UTC) - timedelta(days=27), datetime.now(UTC))
    assert latest is not None
    assert [job.key for job in queued] == [
        f"settle:{Month.of(latest.astimezone(CHINA).date()) - 1}"
    ]
    assert queued[0].created_by == "system"


def test_the_last_firing_in_a_window_is_the_one_queued():
    schedule = Schedule(name="s", cron="0 2 1 * *", kind="k", job=lambda fired: ("k", {}))
    start = datetime(2026, 10, 15, tzinfo=CHINA)
    assert schedule.latest_firing(start, datetime(2026, 10, 31, tzinfo=CHINA)) is None
    assert schedule.latest_firing(start, datetime(2026, 12, 4, tzinfo=CHINA)) == datetime(
        2026, 12, 1, 2, tzinfo=CHINA
    )


def test_a_stopping_worker_gives_back_the_job_it_cannot_finish(database, settings, session):
    started = threading.Event()
    release = threading.Event()

    def long(context):
        started.set()
        release.wait(30)
        return "finished late"

    queue(database, "long")
    stopping = threading.Event()
    slow = worker(database, settings, {"test.kind": long}, grace_seconds=0.2, stale_after=60)
    given_back: list[int] = []
    thread = threading.Thread(target=lambda: given_back.append(slow.run(stopping)))
    thread.start()
    assert started.wait(10)
    stopping.set()
    thread.join(10)
    assert given_back == [1]
    row = jobs(session)["long"]
    assert (row.status, row.attempts) == ("queued", 0)
    release.set()
    time.sleep(0.2)
    assert (
        jobs(session)["long"].status == "queued"
    )  # the late finish of a given-back job counts for nothing


def test_a_worker_beats_while_a_job_runs_and_takes_back_a_dead_workers_job(
    database, settings, session
):
    started = threading.Event()
    release = threading.Event()

    def long(context):
        context.progress("working")
        started.set()
        release.wait(30)
        return "done"

    queue(database, "beating")
    stop = threading.Event()
    busy = worker(database, settings, {"test.kind": long}, stale_after=0.4, name="busy")
    thread = threading.Thread(target=busy.run, args=(stop,))
    thread.start()
    assert started.wait(10)
    time.sleep(0.6)  # longer than stale_after: only its beats keep the job
    row = jobs(session)["beating"]
    assert (row.status, row.taken_by, row.progress) == ("running", "busy", "working")
    other = worker(database, settings, {}, stale_after=0.4, name="other")
    other.housekeeping()
    assert jobs(session)["beating"].taken_by == "busy"
    release.set()
    stop.set()
    thread.join(10)
    assert jobs(session)["beating"].status == "done"


def test_the_servers_access_log_masks_a_resident_id_in_a_query(capsys, tmp_path):
    """``flexcover serve`` logs every request's address; one that carries a resident ID (a staff
    search, a cover lookup) is written masked, formatted as uvicorn formats it."""
    import logging.config

    from flexcover.kit.settings import Settings
    from flexcover.web.app import server_options

    config = server_options(Settings(data_dir=tmp_path))["log_config"]
    logging.config.dictConfig(config)
    try:
        access = logging.getLogger("uvicorn.access")
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            f"/api/v1/injury/cover?worker={make_id()}&phone=13812345678",
            "1.1",
            200,
        )
        written = capsys.readouterr()
        line = written.out + written.err
        assert "GET /api/v1/injury/cover?worker=<resident id>&phone=<phone>" in line
        assert make_id() not in line
        assert " 200" in line
    finally:
        for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
            logger = logging.getLogger(name)
            logger.handlers.clear()
            logger.propagate = True
