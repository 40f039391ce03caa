"""The 数字驾驶舱 page: every registered panel for a region the officer may see, and every number
on it a link to the list it counts."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from typing import Any

import pytest

from flexcover.cockpit import panels
from flexcover.kit.audit import AuditEntry
from flexcover.kit.problems import Forbidden
from tests.conftest import count
from tests.contributions.conftest import JAN, rulebook, world  # noqa: F401 - the funds panel
from tests.coverage.seed import CITY, SHAPINGBA, YUZHONG, Someone, city, compare
from tests.web.conftest import app_on, log_in


@pytest.fixture
def app(settings, database, rulebook):  # noqa: F811
    return app_on(date(2026, 11, 15), settings, database, rulebook)


def as_user(client, factory, region=YUZHONG, role="district_officer", name="officer"):
    factory.user(role, region, username=name)
    assert log_in(client, name).status_code == 303
    return client


def linked(page: str) -> dict[str, tuple[str, str]]:
    """test id → (href, text) of every linked number on the page."""
    return {
        testid: (html.unescape(href), text)
        for href, testid, text in re.findall(
            r'<a (?:class="figure-value" )?href="([^"]+)" data-testid="([^"]+)">([^<]+)</a>', page
        )
    }


def total_in(page: str) -> int:
    found = re.search(r"共 ([\d,]+) (?:条|人|笔)", page)
    assert found, page
    return int(found.group(1).replace(",", ""))


# --- region scoping -------------------------------------------------------------------------------


def test_the_cockpit_opens_on_the_officers_own_district(client, factory, database):
    compare(database, city())
    as_user(client, factory)
    page = client.get("/staff/cockpit")
    assert page.status_code == 200
    assert "重庆市渝中区" in page.text
    numbers = linked(page.text)
    # 渝中区: 3 covered of 6 who should be insured (the student is excluded).
    assert numbers["coverage-rate"][1] == "50.0%"
    assert numbers[f"class-never_insured-{YUZHONG}"][1] == "2"
    assert not any(SHAPINGBA in testid for testid in numbers)
    assert 'data-testid="region-picker"' not in page.text  # nothing else to pick
    for key in ("coverage", "progress", "trend", "platform", "funds"):
        assert f'data-testid="panel-{key}"' in page.text


@pytest.mark.parametrize("region", [CITY, SHAPINGBA, "500000", "110101"])
def test_a_district_officer_cannot_open_the_city_or_another_district(
    client, factory, database, session, region
):
    compare(database, city())
    as_user(client, factory)
    before = count(session, AuditEntry)
    page = client.get(f"/staff/cockpit?region={region}")
    assert page.status_code == 403
    assert "无权操作" in page.text
    assert "class-" not in page.text
    assert count(session, AuditEntry) == before


def test_a_city_officer_sees_its_districts_and_picks_one(client, factory, database):
    compare(database, city())
    as_user(client, factory, CITY, "city_officer", "city")
    page = client.get("/staff/cockpit")
    numbers = linked(page.text)
    assert numbers[f"class-never_insured-{YUZHONG}"][1] == "2"
    assert numbers[f"class-never_insured-{SHAPINGBA}"][1] == "1"
    assert numbers["coverage-rate"][1] == "44.4%"  # 4 covered of 9
    assert f'<option value="{SHAPINGBA}"' in page.text
    picked = client.get(f"/staff/cockpit?region={SHAPINGBA}")
    assert picked.status_code == 200
    assert f"class-covered-{SHAPINGBA}" in picked.text
    assert f"class-covered-{YUZHONG}" not in picked.text
    assert 'data-testid="region-up"' in picked.text
    assert client.get("/staff/cockpit?region=500000").status_code == 403


def test_a_province_officer_picks_a_city_or_a_district(client, factory, database):
    compare(database, city())
    as_user(client, factory, "500000", "province_officer", "province")
    assert client.get("/staff/cockpit").status_code == 200
    assert client.get(f"/staff/cockpit?region={CITY}").status_code == 200
    assert linked(client.get(f"/staff/cockpit?region={YUZHONG}").text)["coverage-rate"][1] == (
        "50.0%"
    )
    assert client.get("/staff/cockpit?region=110000").status_code == 403


def test_the_region_picker_lists_each_region_once(client, factory, database):
    compare(database, city())
    as_user(client, factory, "500000", "province_officer", "province")
    page = client.get("/staff/cockpit").text
    picker = page.split('data-testid="region-picker"')[1].split("</select>")[0]
    labels = [label.strip("　 ") for label in re.findall(r"<option[^>]*>([^<]+)</option>", picker)]
    assert labels.count("重庆市") == 1  # not once more for each of 市辖区 and 县
    assert len(labels) == len(set(labels))
    assert "渝中区" in labels


@pytest.mark.parametrize(("region", "status"), [("abc", 422), ("5001031", 422), ("509999", 400)])
def test_a_bad_region_is_refused(client, factory, session, region, status):
    as_user(client, factory, "500000", "province_officer", "province")
    before = count(session, AuditEntry)
    assert client.get(f"/staff/cockpit?region={region}").status_code == status
    assert count(session, AuditEntry) == before


def test_auditors_read_the_cockpit_and_workers_do_not(client, factory, database):
    compare(database, city())
    as_user(client, factory, CITY, "auditor", "auditor")
    assert client.get("/staff/cockpit").status_code == 200
    client.cookies.clear()
    person = factory.person(residence=YUZHONG)
    factory.user("worker", YUZHONG, username="rider", person_id=person.id)
    log_in(client, "rider")
    assert client.get("/staff/cockpit").status_code == 403


def test_without_a_comparison_the_panels_say_so(client, factory):
    as_user(client, factory)
    page = client.get("/staff/cockpit")
    assert page.status_code == 200
    assert "本辖区尚无已完成的比对" in page.text
    assert "尚无完成的月结" in page.text


def test_the_cockpit_speaks_english_on_request(client, factory, database):
    compare(database, city())
    as_user(client, factory)
    page = client.get("/staff/cockpit?lang=en")
    assert "Coverage by district" in page.text
    assert "Never insured" in page.text
    assert "未参保" not in page.text


# --- every number links to the list behind it -----------------------------------------------------


def test_every_linked_number_opens_a_list_of_that_many(client, factory, database, session):
    compare(database, city())
    as_user(client, factory, CITY, "city_officer", "city")
    numbers = linked(client.get("/staff/cockpit").text)
    counted = {
        testid: (href, text)
        for testid, (href, text) in numbers.items()
        if re.fullmatch(r"[\d,]+", text)
    }
    assert len(counted) > 20
    for testid, (href, text) in counted.items():
        listing = client.get(href)
        assert listing.status_code == 200, (testid, href)
        assert total_in(listing.text) == int(text.replace(",", "")), (testid, href)


def chart_options(html_text: str) -> list[dict]:
    """The ECharts options of the charts in a page (or a part of it)."""
    return [
        json.loads(html.unescape(found))
        for found in re.findall(r"data-option='([^']*)'", html_text)
    ]


def test_chart_segments_link_to_the_same_lists(client, factory, database):
    compare(database, city())
    as_user(client, factory)
    page = client.get("/staff/cockpit").text
    spoken = re.findall(r'<a href="([^"]+)" aria-label="([^"]+)">', page)
    people = [(html.unescape(h), label) for h, label in spoken if re.search(r"：[\d,]+ 人", label)]
    assert people
    for href, label in people:
        number = int(re.search(r"：([\d,]+) 人", label).group(1).replace(",", ""))
        assert total_in(client.get(href).text) == number, (label, href)


def test_the_platform_figure_links_to_the_districts_uninsured_riders(client, factory, database):
    compare(database, city())
    as_user(client, factory)
    href, text = linked(client.get("/staff/cockpit").text)[f"platform-never_insured-{YUZHONG}"]
    assert text == "2"
    assert href == (
        f"/staff/tasks?district={YUZHONG}&class=never_insured&tag=platform_worker&status=open"
    )
    listing = client.get(href).text
    assert sorted(re.findall(r'data-testid="task-link">([^<]+)<', listing)) == ["骑手乙", "骑手甲"]


def test_progress_counts_an_outcome_as_verified(client, factory, database):
    compare(database, city())
    as_user(client, factory)
    before = linked(client.get("/staff/cockpit").text)
    assert before["progress-verified"][1] == "0"
    task_page = client.get(before[f"progress-issued-{YUZHONG}"][0]).text
    first = re.search(r'href="/staff/tasks/(\d+)\?', task_page).group(1)
    token = client.get("/staff").text.split('name="csrf" value="')[1].split('"')[0]
    client.post(f"/staff/tasks/{first}/outcome", data={"csrf": token, "outcome": "unreachable"})
    after = linked(client.get("/staff/cockpit").text)
    assert after["progress-verified"][1] == "1"
    assert total_in(client.get(after["progress-verified"][0]).text) == 1


def test_the_trend_takes_the_latest_run_of_each_month(client, factory, database):
    compare(database, city(), as_of="2026-08")
    compare(database, city(), as_of="2026-10")
    everyone_covered = [Someone(p.name, p.district, "covered") for p in city()]
    latest = compare(database, everyone_covered, as_of="2026-10")
    as_user(client, factory)
    page = client.get("/staff/cockpit").text
    trend = page.split('data-testid="panel-trend"')[1].split("</section>")[0]
    (option,) = chart_options(trend)
    months = option["xAxis"]["data"]
    assert "2026-09" in months  # a month without a run stays on the axis
    (line,) = option["series"]
    said = {month: point["tip"] for month, point in zip(months, line["data"], strict=True)}
    assert said["2026-08"] == "2026-08 · 参保率：50.0%"
    assert said["2026-10"] == "2026-10 · 参保率：100.0%"
    assert said["2026-09"] == "2026-09 · 参保率：—"
    assert line["data"][months.index("2026-10")]["href"] == (
        f"/staff/coverage/people?run={latest}&region={YUZHONG}&class=covered"
    )


# --- funds ----------------------------------------------------------------------------------------


def test_funds_of_the_latest_settled_month_link_to_their_bills(
    client,
    factory,
    world,  # noqa: F811
):
    paid, _ = world.worker(name="缴费人")
    owing, _ = world.worker(name="欠费人")
    world.enrol(paid)
    world.enrol(owing)
    world.settle(JAN)
    world.pay(paid, 91060, "jan")
    world.settle(JAN + 1)  # the unpaid January bill falls overdue
    world.pay(paid, 91060, "feb")
    as_user(client, factory, name="officer-funds")
    page = client.get("/staff/cockpit").text
    assert "最近月结月份 2026-02" in page
    numbers = linked(page)
    assert numbers["collected"][1] == "910.60"
    assert numbers["subsidies"][1] == "0.00"
    assert numbers["arrears"][1] == "910.60"
    assert numbers[f"arrears-{YUZHONG}"][1] == "910.60"
    collected = client.get(numbers["collected"][0]).text
    assert total_in(collected) == 1
    assert "缴费人" in collected
    assert "欠费人" not in collected
    arrears = client.get(numbers["arrears"][0]).text
    assert total_in(arrears) == 1
    assert "欠费人" in arrears
    assert "2026-01" in arrears


def test_bills_stay_in_the_officers_region(client, factory, session):
    as_user(client, factory)
    before = count(session, AuditEntry)
    assert client.get(f"/staff/bills?region={CITY}").status_code == 403
    assert client.get(f"/staff/bills?district={SHAPINGBA}").status_code == 403
    assert client.get("/staff/bills?month=2026-13").status_code == 422
    assert count(session, AuditEntry) == before


# --- the panel registry ---------------------------------------------------------------------------


class ClaimsPanel:
    key = "claims"
    order = 5
    title = {"zh-CN": "工伤认定", "en": "Injury claims"}
    template = panels.GENERIC_TEMPLATE

    def build(self, session, actor, region, request) -> dict[str, Any]:
        return panels.View(
            figures=[panels.Figure("待认定", "7", "/staff/claims?status=open", "claims-open")]
        ).context()


class SecretPanel(ClaimsPanel):
    key = "secret"

    def build(self, session, actor, region, request) -> dict[str, Any]:
        raise Forbidden(role=actor.role, action="ledger.read", region=region)


def test_a_panel_registered_elsewhere_shows_without_touching_the_page(client, factory, monkeypatch):
    panels.panels()  # the built-in panels are registered first
    monkeypatch.setitem(panels._REGISTERED, "claims", ClaimsPanel())
    monkeypatch.setitem(panels._REGISTERED, "secret", SecretPanel())
    as_user(client, factory)
    page = client.get("/staff/cockpit").text
    assert [p.key for p in panels.panels()][:2] == ["claims", "secret"]
    assert linked(page)["claims-open"] == ("/staff/claims?status=open", "7")
    assert page.index("panel-claims") < page.index("panel-coverage")
    assert 'data-testid="panel-secret"' not in page  # a panel the role may not read is left out
