"""``flexcover settle`` as an operator runs it: a month not yet over is refused unless forced with
a reason, which is audited; a month before any enrolment says so; each refusal is one line."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from flexcover.cli import app
from flexcover.contributions.models import ContributionBill
from flexcover.kit.audit import AuditEntry
from flexcover.kit.months import Month, china_today

pytestmark = pytest.mark.database
runner = CliRunner()


@pytest.fixture
def env(settings):
    return {
        "FLEXCOVER_DATA_DIR": str(settings.data_dir),
        "FLEXCOVER_DATABASE_URL": settings.database_url,
        "COLUMNS": "200",
    }


def test_a_month_not_over_needs_force_and_a_reason(world, env, session):
    this_month = Month.of(china_today())
    person_id, _ = world.worker()
    world.enrol(person_id, first=this_month - 1, as_of=this_month - 1)
    refused = runner.invoke(app, ["settle", str(this_month)], env=env)
    assert refused.exit_code == 2
    assert refused.output.splitlines()[-1].startswith("error: month:")  # after the progress bar
    assert "--force" in refused.output
    no_reason = runner.invoke(app, ["settle", str(this_month), "--force"], env=env)
    assert (no_reason.exit_code, no_reason.output) == (
        2,
        "error: reason: --force needs a --reason\n",
    )
    assert session.scalars(select(ContributionBill)).all() == []
    forced = runner.invoke(
        app, ["settle", str(this_month), "--force", "--reason", "系统切换前提前结算"], env=env
    )
    assert forced.exit_code == 0, forced.output
    assert session.scalars(
        select(ContributionBill).where(ContributionBill.month == str(this_month))
    ).all()
    [audited] = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "settlement.forced")
    ).all()
    assert "系统切换前提前结算" in str(audited.details)


def test_a_month_before_any_enrolment_says_so(world, env):
    person_id, _ = world.worker()
    world.enrol(person_id)
    early = runner.invoke(app, ["settle", "2020-01"], env=env)
    assert early.exit_code == 2
    assert early.output.splitlines()[-1].startswith("error: month: no enrolment began by 2020-01")
    assert "Traceback" not in early.output
