"""One comparison run cannot wreck the cockpit: an empty folder and another region's population
are refused before anything changes, a run of an older month leaves the districts' tasks alone
and does not take over the cockpit, and a dry run says what a run would change, changing
nothing."""

from __future__ import annotations

import os
import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from flexcover.coverage import repository, service
from flexcover.coverage.models import ComparisonRun, CoverageResult, ExpansionTask
from flexcover.coverage.problems import ComparisonRefused, SourceUnreadable
from flexcover.coverage.repository import STALE_RUN_SECONDS
from flexcover.coverage.tasks import Options, compare, open_run
from flexcover.kit.database import utc_now
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


def test_a_named_pipe_in_the_source_folder_is_refused_without_being_read(
    database, settings, rulebook, departments, tmp_path, session
):
    """Opening a FIFO to read it waits for a writer for ever: the run names it and stops."""
    folder = tmp_path / "piped"
    shutil.copytree(departments, folder, ignore=shutil.ignore_patterns("truth"))
    pipe = folder / "tax" / "个税收入.csv"
    pipe.unlink()
    os.mkfifo(pipe)
    refusals: list[SourceUnreadable] = []

    def attempt() -> None:
        try:
            run(database, settings, rulebook, folder, tmp_path / "work")
        except SourceUnreadable as refused:
            refusals.append(refused)

    comparing = threading.Thread(target=attempt, daemon=True)
    comparing.start()
    comparing.join(timeout=60)
    if comparing.is_alive():
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))  # lets the blocked reader go
        comparing.join(timeout=60)
        pytest.fail("the run blocked reading a named pipe")
    [refused] = refusals
    assert refused.field == "tax/个税收入.csv"
    assert "special file" in refused.message("en")
    session.expire_all()
    failed = session.scalars(select(ComparisonRun)).one()
    assert failed.status == "failed"
    assert "tax/个税收入.csv" in failed.error


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


def test_a_run_missing_a_source_the_last_run_had_resolves_no_tasks(
    database, settings, rulebook, departments, tmp_path, session
):
    """Without the insured register everyone looks never insured and the dropped and
    interrupted people's tasks are not found again: they were not looked for, so they stay."""
    first = run(database, settings, rulebook, departments, tmp_path)
    assert first.tasks.issued > 0
    partial = tmp_path / "without-register"
    shutil.copytree(departments, partial, ignore=shutil.ignore_patterns("register"))
    second = run(database, settings, rulebook, partial, tmp_path)
    assert second.tasks.resolved == 0
    kept = second.report["tasks_kept_open"]
    assert kept["previous_run"] == first.run_id
    assert kept["sources_missing"]
    session.expire_all()
    assert not session.scalars(
        select(ExpansionTask).where(ExpansionTask.status == "resolved")
    ).all()


def test_one_comparison_of_a_region_at_a_time_and_a_dead_one_is_detected(
    database, settings, rulebook, departments, tmp_path, session
):
    """A run still beating holds its region (and the regions inside and around it); a run
    whose process was killed stops beating, and is marked failed when next looked at."""
    start = {
        "actor": SYSTEM,
        "as_of": OCT,
        "engine": "duckdb",
        "sources": departments.name,
    }
    busy = open_run(database, jurisdiction="500000", **start)
    for region in ("500000", "500103"):
        with pytest.raises(ComparisonRefused) as refused:
            open_run(database, jurisdiction=region, **start)
        assert refused.value.field == "jurisdiction"
        assert f"run {busy}" in refused.value.message("en")
    other_province = open_run(database, jurisdiction="510000", **start)  # not in the way
    # kill -9: no more heartbeats; after the staleness window the run is seen as dead.
    with database.unit_of_work() as work:
        work.execute(
            update(ComparisonRun)
            .where(ComparisonRun.id == busy)
            .values(heartbeat_at=utc_now() - timedelta(seconds=STALE_RUN_SECONDS + 1))
        )
    with database.unit_of_work() as work:
        listed = service.runs(work, SYSTEM, "500000")
    dead = next(r for r in listed if r.id == busy)
    assert dead.status == "failed"
    assert "stopped" in dead.error
    assert open_run(database, jurisdiction="500103", **start) > other_province


def test_two_starts_at_once_make_one_run(database, departments, session):
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def start() -> None:
        barrier.wait()
        try:
            outcomes.append(
                open_run(
                    database,
                    actor=SYSTEM,
                    as_of=OCT,
                    jurisdiction="500000",
                    engine="duckdb",
                    sources=departments.name,
                )
            )
        except ComparisonRefused as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["ComparisonRefused", "int"]
    assert rows(session, ComparisonRun) == 1


def test_a_running_comparison_beats(database, departments, session, monkeypatch):
    from flexcover.coverage import runs

    monkeypatch.setattr(runs, "HEARTBEAT_SECONDS", 0.05)
    run_id = open_run(
        database, actor=SYSTEM, as_of=OCT, jurisdiction="500000", engine="duckdb", sources="x"
    )
    session.expire_all()
    first = session.get(ComparisonRun, run_id).heartbeat_at
    beating = runs.Heartbeat(database, run_id)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        session.expire_all()
        if session.get(ComparisonRun, run_id).heartbeat_at > first:
            break
        time.sleep(0.05)
    beating.stop()
    session.expire_all()
    assert session.get(ComparisonRun, run_id).heartbeat_at > first


def test_a_malformed_row_puts_no_value_into_the_runs_error_or_report(
    database, settings, rulebook, departments, tmp_path, session
):
    """A broken line in a departmental file (an unterminated quote, holding a plain resident ID
    and a name) is named by file and reason at most: whether the run fails or counts the row as
    bad, neither its error nor its report carries the values."""
    broken = tmp_path / "broken"
    shutil.copytree(departments, broken, ignore=shutil.ignore_patterns("truth"))
    tax = broken / "tax" / "个税收入.csv"
    with tax.open("ab") as out:
        out.write('\n"11010519491231002X,王小明,"2026-10,12345\n'.encode("gb18030"))
    failure = ""
    try:
        run(database, settings, rulebook, broken, tmp_path / "work")
    except Exception as error:  # failing is allowed; quoting the row is not
        failure = str(error)
    assert "11010519491231002X" not in failure
    session.expire_all()
    stored = session.scalars(select(ComparisonRun)).one()
    shown = f"{stored.error} {stored.report}"
    assert "11010519491231002X" not in shown
    assert "王小明" not in shown
    assert str(tmp_path) not in shown  # no server paths either


def test_a_claimed_run_whose_mappings_do_not_load_fails_at_once(
    database, settings, rulebook, departments, tmp_path, session
):
    run_id = open_run(
        database,
        actor=SYSTEM,
        as_of=OCT,
        jurisdiction="500000",
        engine="duckdb",
        sources=departments.name,
    )
    broken = tmp_path / "mappings"
    broken.mkdir()
    (broken / "population.yaml").write_text("files: [unclosed\n", "utf-8")
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the loader says
        run(
            database,
            settings,
            rulebook,
            departments,
            tmp_path / "work",
            run_id=run_id,
            options=Options(mappings=broken),
        )
    session.expire_all()
    failed = session.get(ComparisonRun, run_id)
    assert failed.status == "failed"  # not "running" until the staleness window
    assert failed.error


def test_a_queued_run_holds_its_region_until_its_job_ends(database, departments, session):
    from flexcover.jobs.models import Job

    start = {"as_of": OCT, "jurisdiction": "500000", "engine": "duckdb", "sources": "x"}
    with database.unit_of_work() as work:
        queued = service.queue_comparison(work, SYSTEM, **start)
    with database.unit_of_work() as work:  # long past any heartbeat: a queue waits for workers
        work.execute(
            update(ComparisonRun).values(
                started_at=utc_now() - timedelta(days=1), heartbeat_at=None
            )
        )
    with pytest.raises(ComparisonRefused):
        open_run(database, actor=SYSTEM, **start)
    with database.unit_of_work() as work:  # the queue gave up on it (no attempts left)
        work.execute(
            update(Job).values(status="failed", error="its worker stopped; no attempts left")
        )
    with database.unit_of_work() as work:
        listed = service.runs(work, SYSTEM, "500000")
    given_up = next(r for r in listed if r.id == queued)
    assert (given_up.status, given_up.error) == ("failed", "its worker stopped; no attempts left")
    assert open_run(database, actor=SYSTEM, **start) > queued
