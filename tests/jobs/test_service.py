"""The job queue on both databases: a key is queued once, a job is held by one worker, a worker
that stops beating loses it, failures wait or end."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from flexcover.jobs import service
from flexcover.jobs.models import Job
from flexcover.kit.database import utc_now
from tests.conftest import SYSTEM

pytestmark = pytest.mark.database


def queue(database, key="k-1", kind="test.kind", **extra) -> int:
    with database.unit_of_work() as session:
        return service.enqueue(session, kind=kind, key=key, payload={"n": 1}, actor=SYSTEM, **extra)


def take(database, worker="w1", kinds=("test.kind",)):
    with database.unit_of_work() as session:
        return service.take(session, worker=worker, kinds=kinds)


def job(session, job_id) -> Job:
    session.expire_all()
    found = session.get(Job, job_id)
    assert found is not None
    return found


def test_a_key_is_queued_once(database, session):
    first = queue(database)
    assert queue(database) == first
    assert len(session.scalars(select(Job)).all()) == 1
    assert job(session, first).created_by == "system"


def test_a_worker_takes_the_oldest_due_job_of_its_kinds(database, session):
    later = queue(database, "later", run_after=utc_now() + timedelta(hours=1))
    other = queue(database, "other", kind="other.kind")
    due = queue(database, "due")
    taken = take(database)
    assert (taken.id, taken.payload, taken.attempt) == (due, {"n": 1}, 1)
    assert take(database) is None  # the later one is not due, the other not this worker's
    row = job(session, due)
    assert (row.status, row.taken_by, row.attempts) == ("running", "w1", 1)
    assert job(session, later).status == job(session, other).status == "queued"


def test_only_the_holder_beats_and_finishes(database, session):
    job_id = queue(database)
    take(database)
    with database.unit_of_work() as work:
        assert service.beat(work, job_id, worker="w1", progress="half way")
        assert not service.beat(work, job_id, worker="w2")
        service.finish(work, job_id, worker="w2")
    assert (job(session, job_id).status, job(session, job_id).progress) == ("running", "half way")
    with database.unit_of_work() as work:
        service.finish(work, job_id, worker="w1", progress="all done")
    row = job(session, job_id)
    assert (row.status, row.progress) == ("done", "all done")
    assert row.finished_at is not None


def test_a_passing_failure_waits_then_ends_after_the_last_attempt(database, session):
    job_id = queue(database, max_attempts=2)
    take(database)
    with database.unit_of_work() as work:
        assert service.fail(work, job_id, worker="w1", error="busy", retry=True) == "queued"
    row = job(session, job_id)
    assert row.run_after > utc_now() + timedelta(seconds=20)  # it waits before its next attempt
    assert take(database) is None
    with database.unit_of_work() as work:
        work.execute(update(Job).values(run_after=utc_now()))
    assert take(database).attempt == 2
    with database.unit_of_work() as work:
        assert service.fail(work, job_id, worker="w1", error="busy again", retry=True) == "failed"
    row = job(session, job_id)
    assert (row.status, row.error, row.attempts) == ("failed", "busy again", 2)


def test_a_refusal_is_not_tried_again(database, session):
    job_id = queue(database)
    take(database)
    with database.unit_of_work() as work:
        assert service.fail(work, job_id, worker="w1", error="no", retry=False) == "failed"


def test_a_job_whose_worker_went_silent_is_taken_back(database, session):
    job_id = queue(database, max_attempts=2)
    take(database)
    with database.unit_of_work() as work:
        assert service.reap(work, stale_after=60) == []  # it beat just now
        work.execute(update(Job).values(heartbeat_at=utc_now() - timedelta(seconds=61)))
        assert service.reap(work, stale_after=60) == [job_id]
    row = job(session, job_id)
    assert (row.status, row.taken_by) == ("queued", None)
    assert "w1" in row.progress
    taken = take(database, worker="w2")
    assert (taken.id, taken.attempt) == (job_id, 2)
    with database.unit_of_work() as work:
        assert not service.beat(work, job_id, worker="w1")  # the first worker, back: not its
        work.execute(update(Job).values(heartbeat_at=utc_now() - timedelta(seconds=61)))
        service.reap(work, stale_after=60)
    row = job(session, job_id)
    assert row.status == "failed"
    assert "no attempts left" in row.error


def test_a_job_given_back_does_not_lose_an_attempt(database, session):
    job_id = queue(database)
    take(database)
    with database.unit_of_work() as work:
        service.release(work, job_id, worker="w1")
    row = job(session, job_id)
    assert (row.status, row.attempts, row.taken_by) == ("queued", 0, None)


def test_two_workers_at_once_take_different_jobs(database):
    if not database.url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: SKIP LOCKED is a PostgreSQL matter")
    first, second = queue(database, "a"), queue(database, "b")
    holding = threading.Event()
    release = threading.Event()
    taken: dict[str, int] = {}

    def slow_worker() -> None:
        with database.unit_of_work() as work:
            found = service.take(work, worker="slow", kinds=("test.kind",))
            taken["slow"] = found.id
            holding.set()
            release.wait(10)  # its transaction still holds the row

    thread = threading.Thread(target=slow_worker)
    thread.start()
    assert holding.wait(10)
    taken["fast"] = take(database, worker="fast").id  # does not wait for the locked row
    release.set()
    thread.join(10)
    assert sorted(taken.values()) == [first, second]
    assert taken["slow"] != taken["fast"]
