"""The comparison and expansion-task JSON API, as a province's or a district's system calls it
with a token: runs, coverage by district, progress, tasks with their filters, outcomes and the
workbook — each within the caller's region, and every refusal a problem naming its field with
nothing changed."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from flexcover.coverage.models import ExpansionTask
from flexcover.kit.audit import AuditEntry
from tests.conftest import count
from tests.coverage.seed import CITY, SHAPINGBA, YUZHONG, Someone, city, compare
from tests.web.conftest import app_on, bearer


@pytest.fixture
def app(settings, database, rulebook):
    return app_on(date(2026, 11, 15), settings, database, rulebook)


@pytest.fixture
def run(database) -> int:
    return compare(database, city())


def token(factory, region=YUZHONG, role="district_officer", name="officer") -> dict[str, str]:
    return bearer(factory.token(factory.user(role, region, username=name)))


def pointer(response) -> str:
    """Where the problem+json refusal points."""
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()["pointer"].lstrip("/")


def tasks_of(session) -> dict[str, ExpansionTask]:
    session.expire_all()
    return {t.name: t for t in session.scalars(select(ExpansionTask))}


def test_a_district_reads_the_province_run_that_counted_it(client, factory, run):
    me = token(factory)
    runs = client.get(f"/api/v1/comparisons?region={YUZHONG}", headers=me)
    assert runs.status_code == 200
    assert [r["id"] for r in runs.json()] == [run]
    one = client.get(f"/api/v1/comparisons/{run}", headers=me)
    assert one.status_code == 200
    assert (one.json()["jurisdiction_code"], one.json()["as_of"]) == ("500000", "2026-10")


def test_a_run_outside_the_callers_region_is_refused(client, factory, database):
    beijing = compare(database, [Someone("钱多", district="110101")], jurisdiction="110000")
    refused = client.get(f"/api/v1/comparisons/{beijing}", headers=token(factory))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert pointer(refused) == "run_id"
    missing = client.get("/api/v1/comparisons/999999", headers=token(factory, name="other"))
    assert (missing.status_code, pointer(missing)) == (404, "run_id")


def test_coverage_by_district_with_the_rate_from_integers(client, factory, run):
    rows = client.get(
        f"/api/v1/coverage/districts?region={CITY}", headers=token(factory, CITY, "city_officer")
    )
    assert rows.status_code == 200
    by = {row["district"]: row for row in rows.json()}
    # 渝中区: 3 covered of 6 who should be insured (the student is excluded)
    assert by[YUZHONG]["name"] == "渝中区"
    assert (by[YUZHONG]["covered"], by[YUZHONG]["should_be_insured"]) == (3, 6)
    assert by[YUZHONG]["coverage_rate"] == "50.0"
    # 沙坪坝区: 1 of 3 is 33.3%
    assert by[SHAPINGBA]["coverage_rate"] == "33.3"
    again = client.get(
        f"/api/v1/coverage/districts?region={CITY}&run={run}",
        headers=token(factory, CITY, "city_officer", "another"),
    )
    assert again.json() == rows.json()


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        (f"region={YUZHONG}&run=999999", 404, "run"),
        ("region=5001", 422, "region"),
        (f"region={YUZHONG}&run=0", 422, "run"),
        (f"region={SHAPINGBA}", 403, "region"),
    ],
)
def test_bad_coverage_queries_are_refused_by_field(client, factory, run, query, status, field):
    refused = client.get(f"/api/v1/coverage/districts?{query}", headers=token(factory))
    assert refused.status_code == status
    assert field in pointer(refused)


def test_no_comparison_yet_is_a_404_naming_the_region(client, factory):
    refused = client.get(f"/api/v1/coverage/districts?region={YUZHONG}", headers=token(factory))
    assert (refused.status_code, pointer(refused)) == (404, "region")


def test_tasks_filter_and_page(client, factory, run):
    me = token(factory)
    found = client.get(
        f"/api/v1/tasks?region={YUZHONG}&class=never_insured&tag=platform_worker", headers=me
    )
    assert found.status_code == 200
    assert sorted(t["name"] for t in found.json()["items"]) == ["骑手乙", "骑手甲"]
    assert {t["priority"] for t in found.json()["items"]} == {2}
    page = client.get(f"/api/v1/tasks?region={YUZHONG}&size=2&page=2", headers=me).json()
    assert (page["total"], page["page"], len(page["items"])) == (3, 2, 1)
    current = client.get(f"/api/v1/tasks?region={YUZHONG}&status=current", headers=me).json()
    assert current["total"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("class=covered", "class"),  # not a class that becomes a task
        ("tag=rider", "tag"),
        ("status=done", "status"),
        ("kind=people", "kind"),
        ("priority=4", "priority"),
        ("district=50010", "district"),
        ("size=501", "size"),
    ],
)
def test_bad_task_filters_are_refused_by_field(client, factory, session, run, query, field):
    me = token(factory)
    before = count(session, AuditEntry)
    refused = client.get(f"/api/v1/tasks?region={YUZHONG}&{query}", headers=me)
    assert refused.status_code == 422
    assert field in pointer(refused)
    assert count(session, AuditEntry) == before


def test_another_districts_tasks_are_refused(client, factory, session, run):
    me = token(factory)
    assert client.get(f"/api/v1/tasks?region={SHAPINGBA}", headers=me).status_code == 403
    foreign = tasks_of(session)["冯涛"]
    assert client.get(f"/api/v1/tasks/{foreign.id}", headers=me).status_code == 403
    refused = client.post(
        f"/api/v1/tasks/{foreign.id}/outcome", json={"outcome": "contacted"}, headers=me
    )
    assert (refused.status_code, pointer(refused)) == (403, "task_id")
    assert tasks_of(session)["冯涛"].status == "issued"


def test_an_outcome_is_recorded_and_a_closed_task_takes_no_other(client, factory, session, run):
    me = token(factory)
    task = tasks_of(session)["孙丽"]
    done = client.post(
        f"/api/v1/tasks/{task.id}/outcome",
        json={"outcome": "not_applicable", "reason": "已在外省参保"},
        headers=me,
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["outcome_reason"]) == (
        "not_applicable",
        "已在外省参保",
    )
    again = client.post(
        f"/api/v1/tasks/{task.id}/outcome", json={"outcome": "enrolled"}, headers=me
    )
    assert again.status_code == 409
    assert tasks_of(session)["孙丽"].status == "not_applicable"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"outcome": "converted"}, 422, "outcome"),  # the register's to say, not the officer's
        ({"outcome": "not_applicable"}, 400, "reason"),  # the rule: 不适用 needs a reason
        ({"outcome": "not_applicable", "reason": "x" * 201}, 422, "reason"),
        ({"outcome": "contacted", "note": "extra"}, 422, "note"),
    ],
)
def test_a_bad_outcome_changes_nothing(client, factory, session, run, body, status, field):
    me = token(factory)
    task = tasks_of(session)["骑手甲"]
    before = count(session, AuditEntry)
    refused = client.post(f"/api/v1/tasks/{task.id}/outcome", json=body, headers=me)
    assert refused.status_code == status
    assert field in pointer(refused)
    assert tasks_of(session)["骑手甲"].status == "issued"
    assert count(session, AuditEntry) == before


def _filled(data: bytes, outcomes: dict[int, tuple[str, str | None]]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    for row in book["扩面任务"].iter_rows(min_row=2):
        if row[0].value in outcomes:
            row[13].value, row[14].value = outcomes[row[0].value]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_workbook_goes_out_and_comes_back_through_the_api(client, factory, session, run):
    me = token(factory)
    exported = client.get(f"/api/v1/tasks/export.xlsx?region={YUZHONG}", headers=me)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/vnd.openxmlformats")
    tasks = tasks_of(session)
    wrong = _filled(
        exported.content,
        {tasks["骑手甲"].id: ("已联系", None), tasks["孙丽"].id: ("不适用", None)},
    )
    refused = client.post(
        "/api/v1/tasks/outcomes.xlsx", files={"file": ("t.xlsx", wrong)}, headers=me
    )
    assert refused.status_code == 422
    assert {t.status for t in tasks_of(session).values()} == {"issued"}  # all rows or none
    right = _filled(
        exported.content,
        {tasks["骑手甲"].id: ("已联系", None), tasks["孙丽"].id: ("不适用", "已死亡")},
    )
    recorded = client.post(
        "/api/v1/tasks/outcomes.xlsx", files={"file": ("t.xlsx", right)}, headers=me
    )
    assert (recorded.status_code, recorded.json()) == (200, {"recorded": 2})
    tasks = tasks_of(session)
    assert (tasks["骑手甲"].status, tasks["孙丽"].status) == ("contacted", "not_applicable")


def test_a_file_that_is_no_workbook_is_refused(client, factory, session, run):
    refused = client.post(
        "/api/v1/tasks/outcomes.xlsx",
        files={"file": ("t.xlsx", b"not a workbook")},
        headers=token(factory),
    )
    assert (refused.status_code, pointer(refused)) == (422, "file")
    assert {t.status for t in tasks_of(session).values()} == {"issued"}


def test_progress_counts_an_outcome_as_verified(client, factory, session, run):
    me = token(factory)
    task = tasks_of(session)["骑手甲"]
    client.post(f"/api/v1/tasks/{task.id}/outcome", json={"outcome": "contacted"}, headers=me)
    rows = client.get(f"/api/v1/coverage/progress?region={YUZHONG}", headers=me).json()
    assert [(r["district"], r["issued"], r["verified"], r["converted"]) for r in rows] == [
        (YUZHONG, 3, 1, 0)
    ]


def test_reading_and_listing_tasks_records_who_was_read(client, factory, session, run):
    """A task carries a name, a phone and a birth date: its read is audited, and a listing
    records which tasks it showed."""
    me = token(factory)
    mine = tasks_of(session)["孙丽"]
    assert client.get(f"/api/v1/tasks/{mine.id}", headers=me).status_code == 200
    listed = client.get(f"/api/v1/tasks?region={YUZHONG}", headers=me).json()
    session.expire_all()
    read = session.scalars(select(AuditEntry).where(AuditEntry.action == "task.read")).one()
    assert (read.entity, read.entity_id) == ("expansion_task", str(mine.id))
    listing = session.scalars(select(AuditEntry).where(AuditEntry.action == "task.list")).one()
    assert sorted(listing.details["tasks"]) == sorted(t["id"] for t in listed["items"])
