"""A whole comparison on a synthetic department set with noise: classes as the hidden truth has
them, links that are almost all right, tasks handed out, a re-run that updates rather than
duplicates, and a failed run that says why. Through the service and through ``flexcover
compare``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from flexcover.cli import app
from flexcover.coverage import writeback
from flexcover.coverage.evaluation import evaluate
from flexcover.coverage.models import ComparisonRun, CoverageCount, CoverageResult, ExpansionTask
from flexcover.coverage.tasks import Options, compare
from flexcover.kit.months import Month
from flexcover.synth.departments import generate_departments
from flexcover.synth.departments_files import write_departments
from tests.conftest import SYSTEM

AUG = Month(2025, 8)
PEOPLE = 4000


@pytest.fixture(scope="module")
def departments(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("departments")
    write_departments(generate_departments(jurisdiction="500000", people=PEOPLE, seed=7), out)
    return out


def run(database, settings, rulebook, sources: Path, workdir: Path, own_register=None, **options):
    return compare(
        database=database,
        rulebook=rulebook,
        sources=sources,
        as_of=AUG,
        jurisdiction="500000",
        actor=SYSTEM,
        id_key=settings.id_hash_key,
        workdir=workdir,
        options=Options(**options),
        own_register=own_register,
    )


def test_a_comparison_classifies_as_the_truth_and_hands_out_tasks(
    database, settings, rulebook, departments, tmp_path, session
):
    summary = run(database, settings, rulebook, departments, tmp_path)
    assert sum(summary.counts.values()) == PEOPLE
    score = evaluate(
        tmp_path / f"run-{summary.run_id}",
        departments / "truth",
        departments / "population" / "人口库.parquet",
    )
    assert score.matching.precision >= 0.999
    assert score.matching.recall >= 0.99
    for klass, found in score.classes.items():
        assert found.precision >= 0.97, klass
        assert found.recall >= 0.97, klass
    tasks = session.scalar(select(func.count()).select_from(ExpansionTask))
    persons = sum(summary.counts.get(k, 0) for k in ("never_insured", "dropped", "interrupted"))
    assert summary.tasks.issued == tasks > persons  # and the employer findings
    assert session.scalar(select(func.count()).select_from(CoverageResult)) == PEOPLE
    counted = session.scalar(select(func.sum(CoverageCount.people)).where(CoverageCount.tag == ""))
    assert counted == PEOPLE
    finished = session.get(ComparisonRun, summary.run_id)
    assert finished.status == "done"
    assert finished.report["matching"]["repaired"] > 0


def test_a_rerun_updates_the_tasks_it_finds_again(
    database, settings, rulebook, departments, tmp_path, session
):
    first = run(database, settings, rulebook, departments, tmp_path)
    model = tmp_path / f"run-{first.run_id}" / "linkage-model.json"
    second = run(database, settings, rulebook, departments, tmp_path, model=model)
    assert second.tasks.issued == 0
    assert second.tasks.updated == first.tasks.issued
    assert second.tasks.resolved == 0
    assert second.counts == first.counts
    assert session.scalar(select(func.count()).select_from(ExpansionTask)) == first.tasks.issued


def test_results_written_in_slices_are_those_written_at_once(
    database, settings, rulebook, departments, tmp_path, session, monkeypatch
):
    whole = run(database, settings, rulebook, departments, tmp_path)
    model = tmp_path / f"run-{whole.run_id}" / "linkage-model.json"
    monkeypatch.setattr(writeback, "WRITE_SLICE", 999)  # 4000 people: four slices and a short one
    sliced = run(database, settings, rulebook, departments, tmp_path, model=model)

    def stored(run_id: int) -> tuple[list, list]:
        results = session.execute(
            select(CoverageResult.person_key, CoverageResult.klass, CoverageResult.tags)
            .where(CoverageResult.run_id == run_id)
            .order_by(CoverageResult.person_key)
        ).all()
        counts = session.execute(
            select(CoverageCount.district, CoverageCount.klass, CoverageCount.reason)
            .add_columns(CoverageCount.tag, CoverageCount.people)
            .where(CoverageCount.run_id == run_id)
            .order_by(CoverageCount.district, CoverageCount.klass, CoverageCount.reason)
            .order_by(CoverageCount.tag)
        ).all()
        return results, counts

    assert len(stored(sliced.run_id)[0]) == PEOPLE
    assert stored(sliced.run_id) == stored(whole.run_id)


def test_a_run_that_fails_says_why_and_hands_out_nothing(
    database, settings, rulebook, departments, tmp_path, session
):
    broken = tmp_path / "broken"
    shutil.copytree(departments, broken)
    (broken / "tax" / "个税收入.csv").write_bytes("证件号码,姓名\n1,2\n".encode("gb18030"))
    with pytest.raises(Exception, match="纳税人姓名"):
        run(database, settings, rulebook, broken, tmp_path)
    failed = session.scalars(select(ComparisonRun)).one()
    assert failed.status == "failed"
    assert "纳税人姓名" in failed.error
    assert session.scalar(select(func.count()).select_from(ExpansionTask)) == 0


def test_the_command_prints_the_classes(database, settings, departments, monkeypatch, tmp_path):
    monkeypatch.setenv("FLEXCOVER_DATABASE_URL", database.url)
    monkeypatch.setenv("FLEXCOVER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FLEXCOVER_ID_HASH_KEY", "test-id-key")
    result = CliRunner().invoke(
        app, ["compare", "--sources", str(departments), "--as-of", "2025-08"]
    )
    assert result.exit_code == 0, result.output
    assert "never_insured" in result.output
    assert "on a mistyped ID" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--as-of", "2025-13"], "as_of"),
        (["--engine", "oracle"], "engine"),
        (["--jurisdiction", "999999"], "jurisdiction"),
        (["--model", "/nonexistent.json"], "model"),
    ],
)
def test_bad_options_are_one_line_errors(departments, arguments, message, monkeypatch, tmp_path):
    monkeypatch.setenv("FLEXCOVER_DATA_DIR", str(tmp_path / "data"))
    base = {"--sources": str(departments), "--as-of": "2025-08"}
    for flag, value in zip(arguments[::2], arguments[1::2], strict=True):
        base[flag] = value
    result = CliRunner().invoke(app, ["compare", *[x for kv in base.items() for x in kv]])
    assert result.exit_code == 2
    assert message in result.output


def test_flexcovers_own_enrolments_join_the_register(
    database, settings, rulebook, departments, tmp_path, factory
):
    """Someone the departments' register has never seen, enrolled in flexcover, is covered."""
    import pyarrow.parquet as pq

    from flexcover.contributions import service as contributions

    truth = pq.read_table(departments / "truth" / "people.parquet").to_pylist()
    population = pq.read_table(departments / "population" / "人口库.parquet").to_pylist()
    line, row = next(
        (i + 1, p)
        for i, (p, t) in enumerate(zip(population, truth, strict=True))
        if t["class"] == "never_insured"
    )
    person = factory.person(
        id_number=row["公民身份号码"],
        name=row["姓名"],
        residence=row["居住地区划"],
        region=row["公民身份号码"][:6],
    )
    with database.unit_of_work() as session:
        contributions.enrol(
            session=session,
            rulebook=rulebook,
            actor=SYSTEM,
            person_id=person.id,
            scheme="employee_pension",
            jurisdiction=row["居住地区划"],
            first_month=AUG,
            base_fen=440_400,
            payment_frequency="monthly",
            as_of=AUG,
        )
    summary = run(
        database,
        settings,
        rulebook,
        departments,
        tmp_path,
        own_register=contributions.insured_register_reader(database),
    )
    assert summary.report["sources"]["flexcover_register"]["kept"] == 1
    results = pq.read_table(tmp_path / f"run-{summary.run_id}" / "results.parquet")
    mine = next(r for r in results.to_pylist() if r["person"] == f"人口库.parquet:{line}")
    assert mine["klass"] == "covered"
    assert mine["evidence"] == ["register:参保登记.parquet:1"]


@pytest.mark.spark
# PySpark leaves sockets of its Java gateway for the garbage collector to close.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_whole_comparison_on_spark_finds_what_duckdb_finds(
    database, settings, rulebook, departments, tmp_path
):
    """Ingest, matching (Splink on Spark too, with the model the embedded run trained),
    classification and write-back through the Spark engine give every person the class the
    embedded engine gives."""
    import pyarrow.parquet as pq

    on_duckdb = run(database, settings, rulebook, departments, tmp_path)
    model = tmp_path / f"run-{on_duckdb.run_id}" / "linkage-model.json"
    on_spark = run(database, settings, rulebook, departments, tmp_path, engine="spark", model=model)
    assert on_spark.counts == on_duckdb.counts

    def classes(summary):
        table = pq.read_table(tmp_path / f"run-{summary.run_id}" / "results.parquet")
        return dict(zip(table["person"].to_pylist(), table["klass"].to_pylist(), strict=True))

    assert classes(on_spark) == classes(on_duckdb)
    assert on_spark.report["matching"]["exact"] == on_duckdb.report["matching"]["exact"]
