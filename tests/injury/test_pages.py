"""The injury pages: a worker reports from the form and follows the claim; officers work the
queue and the claim file; a platform sees its orders per day, refused rows, bills and claims.
Bad input comes back on the page, nothing written."""

from __future__ import annotations

import re

from sqlalchemy import select

from flexcover.injury.models import Claim
from flexcover.kit.resident_id import hash_id
from flexcover.registry.models import Person
from tests.conftest import count
from tests.injury.conftest import WORKERS, order, send_orders
from tests.web.conftest import log_in


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_a_worker_reports_on_the_page_and_follows_the_claim(
    client, ready, plat, factory, settings, session
):
    send_orders(client, ready, plat, [order(1)])
    person = session.scalars(
        select(Person).where(Person.id_hash == hash_id(WORKERS[0], settings.id_hash_key))
    ).one()
    factory.user("worker", "500103", username="rider", person_id=person.id)
    log_in(client, "rider")
    form = client.get("/worker/injury")
    assert form.status_code == 200
    assert "申报职业伤害" in form.text
    token = csrf(form.text)
    refused = client.post(
        "/worker/injury",
        data={
            "csrf": token,
            "accident_at": "2026-11-03T09:20",
            "jurisdiction": "500103",
            "place": " ",
            "description": "摔伤",
        },
    )
    assert refused.status_code == 422
    assert 'data-testid="report-refused"' in refused.text
    assert count(session, Claim) == 0
    sent = client.post(
        "/worker/injury",
        data={
            "csrf": token,
            "accident_at": "2026-11-03T09:20",
            "jurisdiction": "500103",
            "place": "解放碑",
            "description": "送餐途中摔伤",
            "reporter_kind": "worker",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    tracker = client.get(sent.headers["location"])
    assert "已申报" in tracker.text
    assert f"平台 {ready.id}" in tracker.text  # the responsible platform, found by the order
    assert "下一步" in tracker.text
    assert 'data-testid="step-form"' not in tracker.text  # a worker takes no officer's step


def test_officers_work_the_queue_and_the_claim_file(client, ready, plat, factory, session):
    send_orders(client, ready, plat, [order(1)])
    reported = client.post(
        "/api/v1/injury/claims",
        json={
            "worker_id": WORKERS[0],
            "accident_at": "2026-11-03T09:20:00+08:00",
            "jurisdiction": "500103",
            "place": "解放碑",
            "description": "摔伤",
        },
        headers=plat,
    ).json()
    factory.user("district_officer", "500103", username="officer-a")
    log_in(client, "officer-a")
    queue = client.get("/staff/injury/claims")
    assert f'data-testid="claim-{reported["claim_id"]}"' in queue.text
    assert "逾期申报" in queue.text  # the platform reported 17 days on
    page = client.get(f"/staff/injury/claims/{reported['claim_id']}")
    assert "O-1" in page.text  # the running order, as evidence
    accepted = client.post(
        f"/staff/injury/claims/{reported['claim_id']}",
        data={"csrf": csrf(page.text), "action": "accept"},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    wrong = client.post(
        f"/staff/injury/claims/{reported['claim_id']}",
        data={"csrf": csrf(page.text), "action": "approve"},
    )
    assert wrong.status_code == 409
    assert 'data-testid="step-refused"' in wrong.text
    bad_medical = client.post(
        f"/staff/injury/claims/{reported['claim_id']}",
        data={"csrf": csrf(page.text), "action": "investigate", "medical": "住院, 很多"},
    )
    assert bad_medical.status_code == 422
    assert session.get(Claim, reported["claim_id"]).status == "accepted"


def test_a_platform_sees_its_orders_refusals_and_claims(client, ready, plat, factory):
    send_orders(client, ready, plat, [order(1), order(2, worker=1)])
    send_orders(client, ready, plat, [order(3, jurisdiction="500243")])  # refused, strict
    log_in(client, "plat")
    portal = client.get("/platform/injury")
    assert portal.status_code == 200
    assert "2026-11-03" in portal.text
    assert "jurisdiction_not_served" in portal.text
    assert "即时配送" in portal.text


def test_the_cockpit_panel_counts_orders_claims_and_links_to_them(client, ready, plat, factory):
    send_orders(client, ready, plat, [order(1), order(2, worker=1), order(3, worker=1)])
    for minute in ("09:10", "09:15"):
        client.post(
            "/api/v1/injury/claims",
            json={
                "worker_id": WORKERS[0],
                "accident_at": f"2026-11-03T{minute}:00+08:00",
                "jurisdiction": "500103",
                "place": "解放碑",
                "description": "摔伤",
            },
            headers=plat,
        )
    factory.user("district_officer", "500103", username="officer-c")
    log_in(client, "officer-c")
    page = client.get("/staff/cockpit").text
    assert 'data-testid="panel-injury"' in page
    assert 'data-testid="injury-open">2<' in page
    overdue = re.search(r'href="([^"]+)" data-testid="injury-overdue">0<', page)
    assert overdue is not None
    assert "共 0 条" in client.get(overdue.group(1).replace("&amp;", "&")).text
    bars = set(re.findall(r'"href": "(/staff/injury/claims\?[^"]+)"', page.replace("&#34;", '"')))
    assert bars == {"/staff/injury/claims?region=500103\\u0026status=reported"}
    listing = client.get("/staff/injury/claims?region=500103&status=reported")
    assert "共 2 条" in listing.text  # both claims are reported


def test_a_province_officer_issues_the_bills_on_the_page_and_sees_arrears(
    client, ready, plat, factory, clock, session
):
    from datetime import datetime

    from flexcover.injury.models import InjuryBill
    from tests.injury.conftest import CHINA

    send_orders(client, ready, plat, [order(1), order(2)])
    factory.user("province_officer", "500000", username="province-p")
    log_in(client, "province-p")
    page = client.get("/staff/injury/bills")
    too_early = client.post(
        "/staff/injury/bills", data={"csrf": csrf(page.text), "month": "2026-11"}
    )
    assert too_early.status_code == 409
    assert 'data-testid="issue-refused"' in too_early.text
    assert count(session, InjuryBill) == 0
    bad = client.post("/staff/injury/bills", data={"csrf": csrf(page.text), "month": "11/2026"})
    assert bad.status_code == 400
    assert 'data-testid="issue-refused"' in bad.text
    clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=CHINA)
    issued = client.post(
        "/staff/injury/bills",
        data={"csrf": csrf(page.text), "month": "2026-11"},
        follow_redirects=False,
    )
    assert issued.status_code == 303
    assert "平台账单已开具" in client.get(issued.headers["location"]).text
    clock.now = datetime(2027, 1, 5, 9, 0, tzinfo=CHINA)
    client.post("/staff/injury/bills", data={"csrf": csrf(page.text), "month": "2026-12"})
    arrears = client.get("/staff/injury/bills?status=arrears").text
    assert "共 1 条" in arrears
    assert "0.14" in arrears
