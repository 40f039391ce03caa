"""A comparison started on the page, run by a real ``flexcover worker`` process that is killed
half way: the next worker takes the job back and the run finishes once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from flexcover.coverage.models import ComparisonRun, CoverageResult, ExpansionTask
from flexcover.jobs.models import Job
from flexcover.kit.logs import RESIDENT_ID
from tests.web.conftest import app_on, log_in

pytestmark = pytest.mark.database


@pytest.fixture
def app(settings, database):
    return app_on(date(2026, 11, 15), settings, database)


def start_worker(settings, log_file) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **settings.environment,
        "FLEXCOVER_DATA_DIR": str(settings.data_dir),
        "FLEXCOVER_DATABASE_URL": settings.database_url,
        "FLEXCOVER_JOB_STALE_SECONDS": "2",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flexcover", "worker", "--poll", "0.2", "--no-schedules"],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )


def wait_for(predicate, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_during_a_page_started_comparison_leaves_it_to_the_next(
    client, factory, settings, session, small_departments, tmp_path
):
    shutil.copytree(small_departments, settings.data_dir / "sources" / "chongqing-2026-10")
    factory.user("province_officer", "500000", username="province")
    assert log_in(client, "province").status_code == 303
    csrf = client.get("/staff").text.split('name="csrf" value="')[1].split('"')[0]
    started = client.post(
        "/staff/comparisons",
        data={
            "csrf": csrf,
            "jurisdiction": "500000",
            "sources": "chongqing-2026-10",
            "as_of": "2026-10",
            "engine": "duckdb",
        },
        follow_redirects=False,
    )
    assert started.status_code == 303

    def job() -> Job:
        session.expire_all()
        return session.scalars(select(Job)).one()

    def run() -> ComparisonRun:
        session.expire_all()
        return session.scalars(select(ComparisonRun)).one()

    log_path = tmp_path / "workers.log"
    with log_path.open("wb") as log_file:
        first = start_worker(settings, log_file)
        try:
            wait_for(lambda: job().status == "running" and run().status == "running", "a start")
            first.send_signal(signal.SIGKILL)  # no goodbye: the job stays "running"
            first.wait(10)
            assert (job().status, run().status) == ("running", "running")  # killed half way
            assert job().attempts == 1
            second = start_worker(settings, log_file)
            try:
                wait_for(lambda: run().status not in ("queued", "running"), "the run to end")
                wait_for(lambda: job().status == "done", "the job to end")
            finally:
                second.send_signal(signal.SIGTERM)
                assert second.wait(60) == 0  # a clean stop
        finally:
            if first.poll() is None:
                first.kill()
    finished, done = run(), job()
    assert finished.status == "done", finished.error
    assert done.attempts == 2
    assert done.taken_by.endswith(f":{second.pid}")  # the second worker did it
    assert "done: 1,500 people" in done.progress
    # Once: one result per person and one task per finding, not two of each.
    results = session.scalar(
        select(func.count()).select_from(CoverageResult).where(CoverageResult.run_id == finished.id)
    )
    assert results == finished.people == 1500
    tasks = session.scalar(select(func.count()).select_from(ExpansionTask))
    assert tasks == finished.report["tasks"]["issued"] > 0
    logged = log_path.read_text("utf-8")
    assert "lost its worker: taken back" in logged
    assert not RESIDENT_ID.search(logged)
