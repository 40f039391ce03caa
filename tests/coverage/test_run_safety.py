"""One comparison run cannot wreck the cockpit: an empty folder and another region's population
are refused before anything changes, a run of an older month leaves the districts' tasks alone
and does not take over the cockpit, and a dry run says what a run would change, changing
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from flexcover.coverage import repository
from flexcover.coverage.models import ComparisonRun, CoverageResult, ExpansionTask
from flexcover.coverage.problems import ComparisonRefused, SourceUnreadable
from flexcover.coverage.tasks import compare
from flexcover.kit.months import Month
from flexcover.synth.departments import generate_departments
from flexcover.synth.departments_files import write_departments
from tests.conftest import SYSTEM

OCT = Month(2026, 10)
PEOPLE = 400


@pytest.fixture(scope="module")
def departments(tmp_path_factory) -> Path:
    """A small Chongqing department set for 2026-10: runs here are about their guards."""
    out = tmp_path_factory.mktemp("safety")
    write_departments(generate_departments(jurisdiction="500000", people=PEOPLE, as_of=OCT), out)
    return out


def run(database, settings, rulebook, sources: Path, workdir: Path, **options):
    return compare(
        database=database,
        rulebook=rulebook,
        sources=sources,
        as_of=options.pop("as_of", OCT),
        jurisdiction=options.pop("jurisdiction", "500000"),
        actor=SYSTEM,
        id_key=settings.id_hash_key,
        workdir=workdir,
        **options,
    )


def rows(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_an_empty_folder_is_refused_before_a_run_is_recorded(
    database, settings, rulebook, tmp_path, session
):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ComparisonRefused) as refused:
        run(database, settings, rulebook, empty, tmp_path / "work")
    assert refused.value.field == "sources"
    assert rows(session, ComparisonRun) == 0


def test_another_provinces_population_is_refused(database, settings, rulebook, tmp_path, session):
    wuhan = tmp_path / "wuhan"
    write_departments(generate_departments(jurisdiction="420100", people=300, as_of=OCT), wuhan)
    with pytest.raises(ComparisonRefused) as refused:
        run(database, settings, rulebook, wuhan, tmp_path / "work")
    assert "another region" in refused.value.message("en")
    [failed] = session.scalars(select(ComparisonRun)).all()
    assert failed.status == "failed"
    assert "another region" in failed.error
    assert rows(session, ExpansionTask) == 0


def test_a_symlink_in_the_source_folder_is_refused(
    database, settings, rulebook, departments, tmp_path, session
):
    folder = tmp_path / "linked"
    folder.mkdir()
    for child in departments.iterdir():
        (folder / child.name).symlink_to(child, target_is_directory=child.is_dir())
    (folder / "population").unlink()
    (folder / "population").mkdir()
    (folder / "population" / "人口库.parquet").symlink_to(
        departments / "population" / "人口库.parquet"
    )
    with pytest.raises(SourceUnreadable) as refused:
        run(database, settings, rulebook, folder, tmp_path / "work")
    assert "symbolic link" in refused.value.message("en")


def test_an_older_month_leaves_the_newer_runs_tasks_and_cockpit_alone(
    database, settings, rulebook, departments, tmp_path, session
):
    newer = run(database, settings, rulebook, departments, tmp_path)
    open_tasks = rows(session, ExpansionTask)
    assert newer.tasks.issued == open_tasks > 0
    before = sorted(
        (t.id, t.status, t.last_run_id) for t in session.scalars(select(ExpansionTask)).all()
    )
    older = run(database, settings, rulebook, departments, tmp_path, as_of=Month(2026, 6))
    assert (older.tasks.issued, older.tasks.updated, older.tasks.resolved) == (0, 0, 0)
    assert older.report["tasks"]["left_to_run"] == newer.run_id
    session.expire_all()
    after = sorted(
        (t.id, t.status, t.last_run_id) for t in session.scalars(select(ExpansionTask)).all()
    )
    assert after == before
    latest = repository.latest_run(session, "500000")
    assert latest is not None
    assert latest.id == newer.run_id  # the latest month, not the latest run
    assert repository.latest_run(session, "500103").id == newer.run_id


def test_a_dry_run_reports_the_changes_and_makes_none(
    database, settings, rulebook, departments, tmp_path, session
):
    dry = run(database, settings, rulebook, departments, tmp_path, dry_run=True)
    assert dry.report["dry_run"] is True
    assert dry.tasks.issued > 0
    assert sum(dry.counts.values()) == PEOPLE
    assert rows(session, ComparisonRun) == 0
    assert rows(session, CoverageResult) == 0
    assert rows(session, ExpansionTask) == 0
    assert not [p for p in (tmp_path).rglob("*") if p.name.startswith("dry-run-")]
    real = run(database, settings, rulebook, departments, tmp_path)
    assert (real.tasks.issued, real.counts) == (dry.tasks.issued, dry.counts)


def test_data_of_another_month_is_reported_as_a_warning(
    database, settings, rulebook, departments, tmp_path, session
):
    summary = run(database, settings, rulebook, departments, tmp_path, as_of=Month(2027, 4))
    checks = summary.report["checks"]
    assert checks["data_month"] == "2026-10"
    assert "not the run's month 2027-04" in checks["warning"]
    assert "folder" not in summary.report  # no server path for the pages


def test_the_command_runs_dry_and_refuses_an_empty_folder_in_one_line(
    database, settings, departments, monkeypatch, tmp_path, session
):
    from typer.testing import CliRunner

    from flexcover.cli import app

    monkeypatch.setenv("FLEXCOVER_DATABASE_URL", database.url)
    monkeypatch.setenv("FLEXCOVER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FLEXCOVER_ID_HASH_KEY", "test-id-key")
    dry = CliRunner().invoke(
        app, ["compare", "--sources", str(departments), "--as-of", "2026-10", "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert "dry run (nothing changed)" in dry.output
    assert "tasks (would be)" in dry.output
    assert rows(session, ComparisonRun) == 0
    empty = tmp_path / "nothing"
    empty.mkdir()
    refused = CliRunner().invoke(app, ["compare", "--sources", str(empty), "--as-of", "2026-10"])
    assert refused.exit_code == 2
    assert refused.output.startswith("error: sources: the folder nothing holds no population")
    assert refused.output.count("sources:") == 1
