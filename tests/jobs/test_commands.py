"""``flexcover worker`` and ``flexcover jobs`` on the command line, with the real handlers:
month-end settlement as a job, once however often it is queued."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from flexcover.cli import app
from flexcover.contributions import service as contributions
from flexcover.contributions.models import ContributionBill as Bill
from flexcover.jobs import service
from flexcover.jobs.commands import schedules
from flexcover.jobs.models import Job
from flexcover.kit.months import Month, china_today
from tests.conftest import SYSTEM
from tests.contributions.conftest import JAN

pytestmark = pytest.mark.database
runner = CliRunner()


@pytest.fixture
def env(settings):
    return {
        "FLEXCOVER_DATA_DIR": str(settings.data_dir),
        "FLEXCOVER_DATABASE_URL": settings.database_url,
        "COLUMNS": "200",
    }


def queue_settlement(database, month: Month) -> None:
    key, payload = contributions.settlement_job(month)
    with database.unit_of_work() as session:
        service.enqueue(
            session, kind=contributions.SETTLEMENT_JOB, key=key, payload=payload, actor=SYSTEM
        )


def test_a_worker_settles_a_queued_month_once(world, database, session, env):
    person_id, _ = world.worker()
    world.enrol(person_id)
    queue_settlement(database, JAN)
    queue_settlement(database, JAN)  # queued twice (a schedule and an officer): one job
    this_month = Month.of(china_today())
    queue_settlement(database, this_month)  # not over yet: refused, not retried
    result = runner.invoke(app, ["worker", "--once", "--no-schedules"], env=env)
    assert result.exit_code == 0, result.output
    assert "2 job(s) run" in result.output
    jobs = {job.key: job for job in session.scalars(select(Job))}
    settled = jobs[f"contributions.settle:{JAN}"]
    assert (settled.status, settled.attempts) == ("done", 1)
    assert settled.progress == f"{JAN} settled: 1 bills in 1 chunks"
    assert len(session.scalars(select(Bill).where(Bill.month == str(JAN))).all()) == 1
    early = jobs[f"contributions.settle:{this_month}"]
    assert early.status == "failed"
    assert "month" in early.error

    listed = runner.invoke(app, ["jobs", "--status", "failed"], env=env)
    assert listed.exit_code == 0, listed.output
    assert f"contributions.settle:{this_month}" in listed.output
    assert f"contributions.settle:{JAN}" not in listed.output
    bad = runner.invoke(app, ["jobs", "--status", "lost"], env=env)
    assert bad.exit_code == 2


def test_the_month_end_schedule_queues_the_month_just_ended():
    by_name = {schedule.name: schedule for schedule in schedules()}
    assert set(by_name) == {"month-end-settlement", "injury-partitions", "injury-arrears"}
    month_end = by_name["month-end-settlement"]
    assert month_end.kind == contributions.SETTLEMENT_JOB
    from datetime import datetime

    from flexcover.kit.months import CHINA

    key, payload = month_end.job(datetime(2026, 12, 1, 2, tzinfo=CHINA))
    assert (key, payload) == ("contributions.settle:2026-11", {"month": "2026-11"})


def test_the_monthly_partition_schedule_reaches_three_months_ahead():
    from datetime import datetime

    from flexcover.injury import service as injury
    from flexcover.kit.months import CHINA

    partitions = {schedule.name: schedule for schedule in schedules()}["injury-partitions"]
    assert partitions.kind == injury.PARTITIONS_JOB
    key, payload = partitions.job(datetime(2026, 12, 1, 1, tzinfo=CHINA))
    assert (key, payload) == ("injury.partitions:2026-12", {"through": "2027-03"})
