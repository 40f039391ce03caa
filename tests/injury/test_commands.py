"""``flexcover injury bills`` and ``flexcover injury partitions`` as an operator runs them."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from flexcover.cli import app
from flexcover.injury.models import InjuryBill
from tests.injury.conftest import order, send_orders

pytestmark = pytest.mark.database
runner = CliRunner()


@pytest.fixture
def env(settings):
    return {
        "FLEXCOVER_DATA_DIR": str(settings.data_dir),
        "FLEXCOVER_DATABASE_URL": settings.database_url,
        "COLUMNS": "200",
    }


def test_bills_of_an_ended_month_are_issued_once(client, ready, plat, env, session):
    send_orders(client, ready, plat, [order(1), order(2)])
    first = runner.invoke(app, ["injury", "bills", "2026-11", "--region", "500000"], env=env)
    assert first.exit_code == 0, first.output
    assert "1 bill(s) issued" in first.output
    again = runner.invoke(app, ["injury", "bills", "2026-11"], env=env)
    assert "0 bill(s) issued, 0 re-issued" in again.output
    assert [b.due_fen for b in session.scalars(select(InjuryBill))] == [14]


def test_refusals_are_one_line(env):
    bad = runner.invoke(app, ["injury", "bills", "2026-13"], env=env)
    assert bad.exit_code == 2
    assert bad.output.startswith("error: month:")
    ahead = runner.invoke(app, ["injury", "bills", "2099-01"], env=env)
    assert (ahead.exit_code, ahead.output.split(":")[0]) == (2, "error")
    assert "Traceback" not in bad.output + ahead.output


def test_partitions_are_made_ahead(env, database):
    made = runner.invoke(app, ["injury", "partitions", "--ahead", "2"], env=env)
    assert made.exit_code == 0, made.output
    assert "partition(s) made" in made.output
    recent = runner.invoke(app, ["injury", "partitions", "--detach-before", "2099-01"], env=env)
    assert recent.exit_code == 2
    assert recent.output.startswith("error: detach_before:")
