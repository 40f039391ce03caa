"""Staff pages of 精准扩面: the task list and its filters, a task and its outcome form, the workbook
out and back, the people behind a cockpit number, and the comparison runs — each within the
officer's region, and every refusal changing nothing."""

from __future__ import annotations

import html
import io
import re
import shutil
import time
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from flexcover.coverage.models import ComparisonRun, ExpansionTask
from flexcover.jobs.models import Job
from flexcover.kit.audit import AuditEntry
from tests.conftest import count
from tests.coverage.seed import CITY, SHAPINGBA, YUZHONG, Someone, city, compare
from tests.web.conftest import app_on, log_in


@pytest.fixture
def app(settings, database, rulebook):
    return app_on(date(2026, 11, 15), settings, database, rulebook)


@pytest.fixture
def run(database) -> int:
    return compare(database, city())


def as_officer(client, factory, region=YUZHONG, role="district_officer", name="officer"):
    factory.user(role, region, username=name)
    assert log_in(client, name).status_code == 303
    return client


def csrf(client) -> str:
    page = client.get("/staff").text
    return page.split('name="csrf" value="')[1].split('"')[0]


def tasks_of(session) -> dict[str, ExpansionTask]:
    session.expire_all()
    return {t.name: t for t in session.scalars(select(ExpansionTask))}


def names_in(page: str, testid: str = "task-link") -> list[str]:
    return re.findall(rf'data-testid="{testid}">([^<]+)<', page)


def total_in(page: str) -> int:
    found = re.search(r"共 ([\d,]+) (?:条|人)", page)
    assert found, page
    return int(found.group(1).replace(",", ""))


# --- the task list --------------------------------------------------------------------------------


def test_a_district_officer_sees_the_open_tasks_of_their_district_with_labels(client, factory, run):
    as_officer(client, factory)
    page = client.get("/staff/tasks")
    assert page.status_code == 200
    assert sorted(names_in(page.text)) == sorted(["骑手甲", "骑手乙", "孙丽"])
    assert "平台从业人员" in page.text  # tags as labels, not codes
    assert "宣传动员，引导以灵活就业人员身份参保" in page.text
    assert "经平台通知" in page.text
    assert "13800138000" in page.text
    assert "冯涛" not in page.text  # 沙坪坝区


def test_filters_narrow_the_list(client, factory, run):
    as_officer(client, factory)
    riders = client.get("/staff/tasks?class=never_insured&tag=platform_worker&status=open")
    assert sorted(names_in(riders.text)) == ["骑手乙", "骑手甲"]
    assert names_in(client.get("/staff/tasks?class=dropped").text) == ["孙丽"]
    assert names_in(client.get("/staff/tasks?priority=3").text) == ["孙丽"]
    assert names_in(client.get("/staff/tasks?status=converted").text) == []
    # An empty choice, as a form sends it, means "any".
    assert len(names_in(client.get("/staff/tasks?district=&class=&tag=&status=").text)) == 3


def test_a_city_officer_sees_every_district_of_the_city(client, factory, run):
    as_officer(client, factory, CITY, "city_officer", "city")
    assert len(names_in(client.get("/staff/tasks").text)) == 5
    page = client.get(f"/staff/tasks?district={SHAPINGBA}")
    assert sorted(names_in(page.text)) == ["冯涛", "郑红"]


@pytest.mark.parametrize("query", [f"district={SHAPINGBA}", f"region={CITY}", "region=110000"])
def test_a_district_officer_cannot_list_another_district_or_the_city(
    client, factory, session, run, query
):
    as_officer(client, factory)
    before = count(session, AuditEntry)
    page = client.get(f"/staff/tasks?{query}")
    assert page.status_code == 403
    assert 'data-testid="problem-detail"' in page.text
    assert "冯涛" not in page.text
    assert count(session, AuditEntry) == before


@pytest.mark.parametrize(
    "query",
    [
        "class=covered",  # a class without tasks
        "status=lost",
        "priority=7",
        "tag=rider",
        "kind=shop",
        "district=5001",
        "page=0",
        "region=abcdef",
    ],
)
def test_bad_filter_values_are_refused_and_change_nothing(client, factory, session, run, query):
    as_officer(client, factory)
    before = count(session, AuditEntry)
    page = client.get(f"/staff/tasks?{query}")
    assert page.status_code == 422
    assert "输入有误" in page.text
    assert count(session, AuditEntry) == before


# --- one task and its outcome ---------------------------------------------------------------------


def test_an_officer_records_an_outcome_on_the_task_page(client, factory, session, run):
    as_officer(client, factory)
    task = tasks_of(session)["骑手甲"]
    page = client.get(f"/staff/tasks/{task.id}?back=/staff/tasks%3Fclass%3Dnever_insured")
    assert page.status_code == 200
    assert 'data-testid="outcome-form"' in page.text
    assert 'href="/staff/tasks?class=never_insured"' in page.text  # back to the same list
    response = client.post(
        f"/staff/tasks/{task.id}/outcome",
        data={"csrf": csrf(client), "outcome": "contacted", "back": "/staff/tasks"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/staff/tasks/{task.id}?done=1")
    recorded = tasks_of(session)["骑手甲"]
    assert (recorded.status, recorded.outcome_by) == ("contacted", "officer")
    assert "核实结果已记录" in client.get(response.headers["location"]).text
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "task.read")).first()


def test_not_applicable_needs_a_reason_and_says_so_in_the_officers_language(
    client, factory, session, run
):
    as_officer(client, factory)
    task = tasks_of(session)["孙丽"]
    form = {"csrf": csrf(client), "outcome": "not_applicable", "reason": "  "}
    before = count(session, AuditEntry)
    page = client.post(f"/staff/tasks/{task.id}/outcome", data=form)
    assert page.status_code == 400
    assert "“不适用”须说明原因" in page.text
    assert 'value="not_applicable" data-testid="outcome-not_applicable" checked' in page.text
    client.get("/lang/en?next=/staff")
    english = client.post(f"/staff/tasks/{task.id}/outcome", data=form)
    assert "&#39;not applicable&#39; needs a reason" in english.text
    assert tasks_of(session)["孙丽"].status == "issued"
    assert count(session, AuditEntry) == before


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"outcome": "contacted"}, 403),  # no CSRF token
        ({"outcome": "contacted", "csrf": "forged"}, 403),
        ({"outcome": "converted"}, 400),  # the register's word, not the officer's
        ({"outcome": "not_applicable", "reason": "x" * 201}, 400),
        ({"outcome": ""}, 400),
    ],
)
def test_a_refused_outcome_changes_nothing(client, factory, session, run, form, status):
    as_officer(client, factory)
    task = tasks_of(session)["骑手乙"]
    token = csrf(client)
    form = {**form, "csrf": token} if "csrf" not in form and status != 403 else form
    before = count(session, AuditEntry)
    page = client.post(f"/staff/tasks/{task.id}/outcome", data=form)
    assert page.status_code == status
    assert tasks_of(session)["骑手乙"].status == "issued"
    assert count(session, AuditEntry) == before


def test_a_closed_task_takes_no_outcome(client, factory, session, run):
    as_officer(client, factory)
    task = tasks_of(session)["孙丽"]
    token = csrf(client)
    done = {"csrf": token, "outcome": "not_applicable", "reason": "已在外省参保"}
    assert client.post(f"/staff/tasks/{task.id}/outcome", data=done).status_code == 200
    page = client.post(
        f"/staff/tasks/{task.id}/outcome", data={"csrf": token, "outcome": "contacted"}
    )
    assert page.status_code == 409
    assert "已办结" in page.text
    closed = tasks_of(session)["孙丽"]
    assert (closed.status, closed.outcome_reason) == ("not_applicable", "已在外省参保")
    assert 'data-testid="outcome-form"' not in client.get(f"/staff/tasks/{task.id}").text


def test_unknown_and_foreign_tasks_are_refused(client, factory, session, run):
    as_officer(client, factory)
    token = csrf(client)
    foreign = tasks_of(session)["冯涛"]
    assert client.get("/staff/tasks/999999").status_code == 404
    assert client.get("/staff/tasks/0").status_code == 422
    assert client.get(f"/staff/tasks/{foreign.id}").status_code == 403
    refused = client.post(
        f"/staff/tasks/{foreign.id}/outcome", data={"csrf": token, "outcome": "contacted"}
    )
    assert refused.status_code == 403
    assert client.post("/staff/tasks/999999/outcome", data={"csrf": token}).status_code == 404
    assert tasks_of(session)["冯涛"].status == "issued"


def test_an_auditor_reads_tasks_but_records_nothing(client, factory, session, run):
    as_officer(client, factory, CITY, "auditor", "auditor")
    task = tasks_of(session)["骑手甲"]
    page = client.get(f"/staff/tasks/{task.id}")
    assert page.status_code == 200
    assert 'data-testid="outcome-form"' not in page.text
    assert 'data-testid="import-form"' not in client.get("/staff/tasks").text
    refused = client.post(
        f"/staff/tasks/{task.id}/outcome", data={"csrf": csrf(client), "outcome": "contacted"}
    )
    assert refused.status_code == 403
    assert tasks_of(session)["骑手甲"].status == "issued"


# --- the workbook out and back --------------------------------------------------------------------


def _rows(data: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(data))["扩面任务"].iter_rows(values_only=True))


def _filled(data: bytes, outcomes: dict[int, tuple[str, str | None]]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    for row in book["扩面任务"].iter_rows(min_row=2):
        if row[0].value in outcomes:
            row[13].value, row[14].value = outcomes[row[0].value]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_export_holds_the_filtered_tasks(client, factory, run):
    as_officer(client, factory)
    page = client.get("/staff/tasks?class=never_insured&tag=platform_worker")
    link = re.search(r'href="(/staff/tasks/export\.xlsx\?[^"]+)"', page.text).group(1)
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert sorted(row[9] for row in _rows(response.content)[1:]) == ["骑手乙", "骑手甲"]
    assert client.get(f"/staff/tasks/export.xlsx?district={SHAPINGBA}").status_code == 403


def test_a_returned_workbook_records_its_outcomes(client, factory, session, run):
    as_officer(client, factory)
    tasks = tasks_of(session)
    data = client.get("/staff/tasks/export.xlsx").content
    filled = _filled(
        data, {tasks["骑手甲"].id: ("已联系", None), tasks["孙丽"].id: ("不适用", "已死亡")}
    )
    response = client.post(
        "/staff/tasks/import",
        data={"csrf": csrf(client)},
        files={"file": ("tasks.xlsx", filled, "application/octet-stream")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/tasks?imported=2"
    assert "已记录 2 条核实结果" in client.get(response.headers["location"]).text
    tasks = tasks_of(session)
    assert (tasks["骑手甲"].status, tasks["孙丽"].status) == ("contacted", "not_applicable")


def test_a_wrong_workbook_lists_every_wrong_row_and_records_nothing(client, factory, session, run):
    as_officer(client, factory)
    data = client.get("/staff/tasks/export.xlsx").content
    ids = [row[0] for row in _rows(data)[1:]]
    filled = _filled(
        data,
        {
            ids[0]: ("已联系", None),
            ids[1]: ("不适用", None),  # no reason
            ids[2]: ("打过电话", None),  # not an outcome
        },
    )
    token = csrf(client)
    before = count(session, AuditEntry)
    page = client.post(
        "/staff/tasks/import",
        data={"csrf": token},
        files={"file": ("tasks.xlsx", filled, "application/octet-stream")},
    )
    assert page.status_code == 422
    assert "2 处错误" in page.text
    wrong = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]+)</td>', page.text)
    assert [line for line, _ in wrong] == ["3", "4"]
    reasons = [html.unescape(reason) for _, reason in wrong]
    assert "核实结果应为 已联系、已参保、不适用、无法联系 之一" in reasons  # Chinese, not English
    assert "原因：“不适用”须说明原因。" in reasons
    assert not any(re.search(r"[A-Za-z]{4,}", reason) for reason in reasons), reasons
    assert all(t.status == "issued" for t in tasks_of(session).values())
    assert count(session, AuditEntry) == before


@pytest.mark.parametrize(
    ("form", "files", "status"),
    [
        ({"csrf": "TOKEN"}, {"file": ("x.xlsx", b"not excel", "text/plain")}, 422),
        ({"csrf": "TOKEN"}, None, 422),
        ({}, {"file": ("x.xlsx", b"PK", "application/octet-stream")}, 403),
    ],
)
def test_a_bad_upload_is_refused(client, factory, session, run, form, files, status):
    as_officer(client, factory)
    token = csrf(client)
    before = count(session, AuditEntry)
    form = {k: token if v == "TOKEN" else v for k, v in form.items()}
    page = client.post("/staff/tasks/import", data=form, files=files)
    assert page.status_code == status
    assert count(session, AuditEntry) == before
    assert all(t.status == "issued" for t in tasks_of(session).values())


# --- the people behind a cockpit number -----------------------------------------------------------


def test_the_people_behind_covered_and_excluded(client, factory, run):
    as_officer(client, factory)
    covered = client.get(f"/staff/coverage/people?run={run}&district={YUZHONG}&class=covered")
    assert covered.status_code == 200
    assert total_in(covered.text) == 3
    assert "王芳" in covered.text
    assert "吴刚" not in covered.text  # 沙坪坝区
    students = client.get("/staff/coverage/people?class=excluded&reason=student")
    assert total_in(students.text) == 1
    assert "周学" in students.text
    platform = client.get("/staff/coverage/people?class=covered&tag=platform_worker")
    assert total_in(platform.text) == 1
    assert "李强" in platform.text


def test_the_people_list_stays_in_the_officers_region(client, factory, database, session, run):
    elsewhere = compare(database, [Someone("钱多", district="110101")], jurisdiction="110000")
    as_officer(client, factory)
    before = count(session, AuditEntry)
    assert client.get(f"/staff/coverage/people?district={SHAPINGBA}").status_code == 403
    assert client.get(f"/staff/coverage/people?region={CITY}").status_code == 403
    assert client.get(f"/staff/coverage/people?run={elsewhere}").status_code == 404
    assert client.get("/staff/coverage/people?run=999999").status_code == 404
    assert client.get("/staff/coverage/people?class=lost").status_code == 422
    assert count(session, AuditEntry) == before


# --- comparison runs ------------------------------------------------------------------------------


def test_the_runs_page_shows_counts_and_bad_rows_by_reason(client, factory, run):
    as_officer(client, factory)
    page = client.get("/staff/comparisons")
    assert page.status_code == 200
    assert f'data-testid="run-{run}"' in page.text
    assert "已完成" in page.text
    assert "birth_date: missing 2" in page.text
    assert 'data-testid="compare-form"' not in page.text  # the province starts comparisons
    assert 'http-equiv="refresh"' not in page.text


def test_a_running_run_keeps_the_page_refreshing(client, factory, database):
    with database.unit_of_work() as work:
        work.add(
            ComparisonRun(
                as_of="2026-10",
                jurisdiction_code="500000",
                engine="duckdb",
                sources="x",
                status="running",
                started_by="p",
                counts={},
                report={},
            )
        )
    as_officer(client, factory)
    page = client.get("/staff/comparisons")
    assert '<meta http-equiv="refresh" content="5">' in page.text
    assert "进行中" in page.text


@pytest.fixture
def folders(settings, small_departments):
    root = settings.data_dir / "sources"
    shutil.copytree(small_departments, root / "chongqing-2026-10")
    (root / ".hidden").mkdir(parents=True)
    (root / "notes.txt").write_text("not a folder")
    return root


def test_the_province_picks_a_source_folder_and_only_those(client, factory, folders):
    as_officer(client, factory, "500000", "province_officer", "province")
    page = client.get("/staff/comparisons")
    assert 'data-testid="compare-form"' in page.text
    assert re.findall(r'<option value="([^"]+)">\1</option>', page.text) == ["chongqing-2026-10"]


@pytest.mark.parametrize(
    "change",
    [
        {"sources": "../../etc"},
        {"sources": ".hidden"},
        {"sources": "notes.txt"},
        {"as_of": "2026-13"},
        {"as_of": "2027-01"},  # after this month
        {"engine": "pandas"},
        {"csrf": "forged"},
        {"jurisdiction": "110000"},
    ],
)
def test_a_bad_comparison_request_starts_nothing(client, factory, session, folders, change):
    as_officer(client, factory, "500000", "province_officer", "province")
    form = {
        "csrf": csrf(client),
        "jurisdiction": "500000",
        "sources": "chongqing-2026-10",
        "as_of": "2026-10",
        "engine": "duckdb",
        **change,
    }
    response = client.post("/staff/comparisons", data=form, follow_redirects=False)
    assert response.status_code in (400, 403, 422)
    assert count(session, ComparisonRun) == 0  # a started comparison writes its run first


def test_a_district_officer_cannot_start_a_comparison(client, factory, session, folders):
    as_officer(client, factory)
    form = {
        "csrf": csrf(client),
        "jurisdiction": YUZHONG,
        "sources": "chongqing-2026-10",
        "as_of": "2026-10",
    }
    assert client.post("/staff/comparisons", data=form).status_code == 403
    assert count(session, ComparisonRun) == 0


def test_a_started_comparison_waits_for_a_worker_and_says_so(client, factory, folders, session):
    as_officer(client, factory, "500000", "province_officer", "province")
    form = {
        "csrf": csrf(client),
        "jurisdiction": "500000",
        "sources": "chongqing-2026-10",
        "as_of": "2026-10",
        "engine": "duckdb",
    }
    assert client.post("/staff/comparisons", data=form, follow_redirects=False).status_code == 303
    run = session.scalars(select(ComparisonRun)).one()
    assert run.status == "queued"  # the web process runs nothing itself
    job = session.scalars(select(Job)).one()
    assert (job.kind, job.status, job.region_code) == ("coverage.compare", "queued", "500000")
    assert job.payload["sources"] == "chongqing-2026-10"  # a folder's name, never a path
    page = client.get("/staff/comparisons?region=500000&started=1").text
    assert "排队中" in page
    assert "等待作业进程" in page
    assert 'data-testid="started"' in page
    # The region stays held while its comparison waits: a second start is refused.
    again = client.post("/staff/comparisons", data=form, follow_redirects=False)
    assert again.status_code == 422
    assert count(session, ComparisonRun) == 1


def test_starting_a_comparison_runs_it_in_a_worker(
    client, factory, settings, folders, session, job_worker
):
    as_officer(client, factory, "500000", "province_officer", "province")
    response = client.post(
        "/staff/comparisons",
        data={
            "csrf": csrf(client),
            "jurisdiction": "500000",
            "sources": "chongqing-2026-10",
            "as_of": "2026-10",
            "engine": "duckdb",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/comparisons?region=500000&started=1"
    run = _finished(session)
    assert (run.status, run.as_of, run.jurisdiction_code, run.started_by) == (
        "done",
        "2026-10",
        "500000",
        "province",
    )
    assert run.people == 1500
    assert run.sources == "chongqing-2026-10"  # the folder's name: no server path on the page
    assert count(session, ExpansionTask) == run.report["tasks"]["issued"] > 0
    page = client.get("/staff/comparisons")
    assert f'data-testid="run-{run.id}"' in page.text
    # The notice of the start does not outlive the run.
    after = client.get(response.headers["location"]).text
    assert 'data-testid="started"' not in after
    assert 'data-testid="finished"' in after
    assert str(folders) not in after


def test_a_folder_named_for_another_month_is_started_only_once_confirmed(
    client, factory, folders, session
):
    as_officer(client, factory, "500000", "province_officer", "province")
    form = {
        "csrf": csrf(client),
        "jurisdiction": "500000",
        "sources": "chongqing-2026-10",
        "as_of": "2026-08",
        "engine": "duckdb",
    }
    asked = client.post("/staff/comparisons", data=form, follow_redirects=False)
    assert asked.status_code == 200
    assert 'data-testid="confirm-month"' in asked.text
    assert "2026-10" in asked.text
    assert count(session, ComparisonRun) == 0


def _finished(session, timeout: float = 180) -> ComparisonRun:
    """The run, once a worker has finished it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.expire_all()
        run = session.scalars(select(ComparisonRun)).one_or_none()
        if run is not None and run.status not in ("queued", "running"):
            return run
        time.sleep(0.5)
    raise AssertionError("the comparison did not finish")


# --- the staff home -------------------------------------------------------------------------------


def test_the_staff_home_links_to_the_expansion_pages(client, factory):
    as_officer(client, factory)
    home = client.get("/staff").text
    for testid in ("link-cockpit", "link-tasks", "link-comparisons"):
        assert f'data-testid="{testid}"' in home


def test_a_queued_comparison_that_fails_is_not_tried_again(client, factory, settings, session):
    from flexcover.jobs.commands import handlers
    from flexcover.jobs.worker import Worker

    (settings.data_dir / "sources" / "empty-2026-10").mkdir(parents=True)
    as_officer(client, factory, "500000", "province_officer", "province")
    form = {
        "csrf": csrf(client),
        "jurisdiction": "500000",
        "sources": "empty-2026-10",
        "as_of": "2026-10",
        "engine": "duckdb",
    }
    assert client.post("/staff/comparisons", data=form, follow_redirects=False).status_code == 303
    worker = Worker(
        client.app.state.database,
        handlers(),
        settings=settings,
        rulebook=client.app.state.rulebook,
        name="w",
    )
    assert worker.run_until_idle() == 1
    run = _finished(session)
    job = session.scalars(select(Job)).one()
    assert run.status == "failed"
    assert "population" in run.error
    assert (job.status, job.attempts) == ("failed", 1)  # refused: not queued again
    assert job.error
