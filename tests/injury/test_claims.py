"""Claims from report to payment: who is responsible, every step by a role allowed to take it,
maker–checker approval within amount limits, no payment before its preconditions, benefits
from the rules paid from the fund."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from flexcover.injury.claims import working_days_after
from flexcover.injury.lifecycle import TRANSITIONS, ClaimAction
from flexcover.injury.models import Benefit, Claim, ClaimStatus, ClaimStep
from flexcover.kit.resident_id import hash_id
from flexcover.ledger.service import AccountRef, balance, verify
from flexcover.registry.models import Person
from tests.conftest import count, make_id
from tests.injury.conftest import WORKERS, order, send_orders, staff_token
from tests.web.conftest import bearer

ACCIDENT = "2026-11-03T09:20:00+08:00"


@pytest.fixture
def worker(factory, settings, session, ready):
    person = session.scalars(
        select(Person).where(Person.id_hash == hash_id(WORKERS[0], settings.id_hash_key))
    ).one()
    return bearer(
        factory.token(factory.user("worker", "500103", username="rider", person_id=person.id))
    )


@pytest.fixture
def running(client, ready, plat):
    assert send_orders(client, ready, plat, [order(1)]).status_code == 201
    return ready


def report(client, headers, **fields):
    body = {
        "accident_at": ACCIDENT,
        "jurisdiction": "500103",
        "place": "解放碑步行街",
        "description": "送餐途中被电动车撞倒，右腿骨折",
        **fields,
    }
    return client.post("/api/v1/injury/claims", json=body, headers=headers)


def act(client, headers, claim_id, action, **fields):
    return client.post(
        f"/api/v1/injury/claims/{claim_id}/steps",
        json={"action": action, **fields},
        headers=headers,
    )


def test_a_claim_from_report_to_payment(
    client, running, worker, district, district_b, insurer, session
):
    reported = report(client, worker)
    assert reported.status_code == 201, reported.text
    claim = reported.json()
    assert (claim["status"], claim["reporter_kind"], claim["late"]) == ("reported", "worker", False)
    assert claim["platform_id"] == running.id
    assert claim["responsibility"]["finding"] == "during_an_order"
    assert claim["responsibility"]["chosen"]["order_id"] == "O-1"
    assert claim["due_on"] == "2026-12-05"  # 受理 within 15 days
    cid = claim["claim_id"]

    assert act(client, district, cid, "accept").status_code == 200
    assert act(client, insurer, cid, "investigate").status_code == 200
    proposed = act(
        client, insurer, cid, "propose", recommendation="confirm", reason="订单轨迹与事故地点吻合"
    )
    assert proposed.json()["proposal"]["recommendation"] == "confirm"
    assert act(client, insurer, cid, "confirm").status_code == 403  # insurers never decide
    assert act(client, district, cid, "confirm").json()["status"] == "confirmed"
    assert act(client, district, cid, "assess", grade=9).json()["grade"] == 9
    computed = act(
        client, district, cid, "compute", medical=[{"what": "住院治疗", "amount_fen": 300_000}]
    ).json()
    # 9 级: 9 months × W (Chongqing's reference wage 7,588 yuan, no injury W loaded: provisional).
    assert computed["total_fen"] == 300_000 + 9 * 758_800
    assert computed["provisional"] is True
    assert {b["item"] for b in computed["benefits"]} == {"medical", "disability_grant"}

    same = act(client, district, cid, "approve")
    assert (same.status_code, same.json()["code"]) == (409, "maker_checker")
    assert act(client, district_b, cid, "approve").json()["status"] == "approved"
    waiting = act(client, district, cid, "pay")
    assert (waiting.status_code, waiting.json()["code"]) == (409, "claim_not_payable")
    missing = client.get(
        f"/api/v1/injury/claims/{cid}", headers={**district, "Accept-Language": "en"}
    ).json()["missing_for_payment"]
    assert missing == ["a bank account"]
    paid = act(client, district, cid, "pay", bank_account="6222 0212 3456 7890 123")
    assert paid.status_code == 200, paid.text
    assert paid.json()["bank_account"] == "6222***********0123"
    assert all(b["paid"] for b in paid.json()["benefits"])

    total = 300_000 + 9 * 758_800
    assert balance(session=session, ref=AccountRef("injury_fund", "500103")) == -total
    person = paid.json()
    assert verify(session=session) == []
    seen = client.get(f"/api/v1/injury/claims/{cid}", headers=worker).json()
    assert seen["status"] == "paid"
    assert seen["status_text"] == "已支付"
    assert [(s["action"], s["role"]) for s in seen["steps"]] == [
        ("report", "worker"),
        ("accept", "district_officer"),
        ("investigate", "insurer"),
        ("propose", "insurer"),
        ("confirm", "district_officer"),
        ("assess", "district_officer"),
        ("compute", "district_officer"),
        ("approve", "district_officer"),
        ("pay", "district_officer"),
    ]
    assert seen["steps"][3]["reason"] == "订单轨迹与事故地点吻合"
    assert person["next_actions"] == ["close"]
    assert act(client, district, cid, "close").json()["status"] == "closed"


def test_refused_steps_change_nothing(client, running, worker, district, insurer, plat, session):
    cid = report(client, worker).json()["claim_id"]
    wrong_state = act(client, district, cid, "confirm")
    assert (wrong_state.status_code, wrong_state.json()["code"]) == (409, "wrong_claim_state")
    assert act(client, worker, cid, "accept").status_code == 403
    assert act(client, insurer, cid, "accept").status_code == 403
    assert act(client, district, cid, "return").json()["code"] == "claim_refused"  # no reason
    assert act(client, district, cid, "fly").status_code == 422
    assert count(session, ClaimStep) == 1
    outsider = client.get(f"/api/v1/injury/claims/{cid}", headers=plat)
    assert outsider.status_code == 200  # the responsible platform follows its claim


@pytest.mark.parametrize("action", list(ClaimAction))
def test_every_action_is_refused_in_every_state_the_table_does_not_list(action):
    from flexcover.injury.lifecycle import allowed
    from flexcover.injury.problems import WrongClaimState

    for state in ClaimStatus:
        if (action, state) in TRANSITIONS:
            assert allowed(1, state, action) == TRANSITIONS[(action, state)]
        else:
            with pytest.raises(WrongClaimState):
                allowed(1, state, action)


def test_a_grade_over_the_district_limit_goes_to_the_province(
    client, running, worker, district, district_b, factory, session
):
    province = staff_token(factory, "province_officer", "500000", "province-b")
    cid = report(client, worker).json()["claim_id"]
    for step in ("accept", "investigate", "confirm"):
        act(client, district, cid, step)
    act(client, district, cid, "assess", grade=1, nursing_level=1)
    computed = act(client, district, cid, "compute").json()
    items = {}
    for b in computed["benefits"]:
        items.setdefault(b["item"], []).append(b["amount_fen"])
    assert items["disability_grant"] == [27 * 758_800]
    assert items["disability_allowance"] == [682_920] * 12  # 90 % of W a month, 12 scheduled
    assert items["nursing_allowance"] == [379_400] * 12  # 50 % of W
    over = act(client, district_b, cid, "approve")
    assert (over.status_code, over.json()["code"]) == (403, "over_approval_limit")
    assert act(client, province, cid, "approve").json()["status"] == "approved"
    paid = act(client, district, cid, "pay", bank_account="622202123456789012").json()
    assert [b["paid"] for b in paid["benefits"] if b["item"] == "disability_allowance"] == [
        True
    ] + [False] * 11
    assert count(session, Benefit) == 25


def test_a_death_is_paid_the_funeral_and_death_grants_and_dependants_pensions(
    client, running, district, district_b, plat
):
    cid = report(client, plat, worker_id=WORKERS[0]).json()["claim_id"]
    for step in ("accept", "investigate", "confirm"):
        act(client, district, cid, step)
    act(
        client,
        district,
        cid,
        "assess",
        died=True,
        dependants=[{"relation": "spouse"}, {"relation": "other", "alone": True}],
    )
    computed = act(client, district, cid, "compute").json()
    first_month = {
        b["item"]: b["amount_fen"] for b in computed["benefits"] if b["month"] == "2026-11"
    }
    assert first_month["funeral_grant"] == 6 * 758_800
    assert first_month["death_grant"] == 20 * 5_418_800  # 20 × the national urban income
    pensions = [
        b["amount_fen"]
        for b in computed["benefits"]
        if b["item"] == "dependant_pension" and b["month"] == "2026-11"
    ]
    assert pensions == [303_520, 303_520]  # 40 %; 30 % + 10 % for an elderly person alone


def test_reports_outside_an_order_late_or_twice_are_flagged(
    client, running, worker, plat, district
):
    outside = report(client, worker, accident_at="2026-11-03T15:00:00+08:00").json()
    assert outside["platform_id"] is None
    assert outside["responsibility"]["finding"] == "not_during_an_order"
    twice = report(client, worker, accident_at="2026-11-03T16:30:00+08:00").json()
    assert twice["duplicate_of"] == outside["claim_id"]
    late = report(client, plat, worker_id=WORKERS[0]).json()  # the platform, 17 days on
    assert late["late"] is True
    assert late["report_deadline"] == "2026-11-06"  # three working days
    assigned = act(
        client,
        district,
        outside["claim_id"],
        "assign",
        platform_id=running.id,
        reason="平台确认骑手在返程途中",
    )
    assert assigned.json()["platform_id"] == running.id
    assert assigned.json()["responsibility"]["override"]["reason"] == "平台确认骑手在返程途中"


def test_bad_reports_are_refused_and_write_nothing(client, running, worker, plat, session):
    future = report(client, worker, accident_at="2026-11-21T09:00:00+08:00")
    assert (future.status_code, future.json()["pointer"]) == (422, "/accident_at")
    bad_id = report(client, plat, worker_id="110101199003077777")
    assert (bad_id.status_code, bad_id.json()["pointer"]) == (400, "/worker_id")
    stranger = report(client, plat, worker_id=make_id(sequence=777))  # not on its roster
    assert (stranger.status_code, stranger.json()["pointer"]) == (404, "/worker_id")
    place = report(client, worker, jurisdiction="999999")
    assert place.json()["pointer"] == "/jurisdiction"
    province = report(client, worker, jurisdiction="500000")  # an accident is in a district
    assert (province.status_code, province.json()["code"]) == (400, "wrong_jurisdiction_level")

    assert count(session, Claim) == 0


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_attachments_are_checked_and_served_only_as_downloads(client, running, worker, district):
    cid = report(client, worker).json()["claim_id"]
    path = f"/api/v1/injury/claims/{cid}/attachments?filename=伤情照片.png"
    added = client.post(path, content=PNG, headers={**worker, "Content-Type": "image/png"})
    assert added.status_code == 201, added.text
    assert added.json()["size"] == len(PNG)
    script = client.post(
        path, content=b"<script>alert(1)</script>", headers={**worker, "Content-Type": "image/png"}
    )
    assert (script.status_code, script.json()["code"]) == (422, "attachment_refused")
    got = client.get(
        f"/api/v1/injury/claims/{cid}/attachments/{added.json()['attachment_id']}", headers=district
    )
    assert got.content == PNG
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")


def test_monthly_benefits_are_paid_each_month_and_carried_on(
    client, running, worker, district, district_b, factory, session, database
):
    from flexcover.injury import service as injury
    from flexcover.kit.months import Month
    from tests.conftest import SYSTEM

    province = staff_token(factory, "province_officer", "500000", "province-c")
    cid = report(client, worker).json()["claim_id"]
    for step in ("accept", "investigate", "confirm"):
        act(client, district, cid, step)
    act(client, district, cid, "assess", grade=2)
    act(client, district, cid, "compute")
    act(client, province, cid, "approve")
    act(client, district, cid, "pay", bank_account="622202123456789012")
    monthly = 644_980  # 85 % of W (7,588 yuan), grade 2
    person_id = session.get(Claim, cid).person_id
    payable = AccountRef("injury_benefit_payable", "500103", person_id=person_id)

    def run(month):
        with database.unit_of_work() as work:
            return injury.pay_scheduled_benefits(
                session=work, actor=SYSTEM, month=Month.parse(month), region="500103"
            )

    assert run("2026-12").paid_fen == monthly
    assert run("2026-12").paid_fen == 0  # run again: nothing twice
    caught_up = run("2027-10")  # the twelfth scheduled month: the schedule is carried on
    assert (caught_up.paid_fen, caught_up.scheduled) == (10 * monthly, 12)
    assert balance(session=session, ref=payable) == 12 * monthly  # owed for 2027-11 to 2028-10
    assert run("2027-11").paid_fen == monthly
    assert verify(session=session) == []


def test_working_days_follow_the_published_holidays():
    assert working_days_after(date(2026, 9, 30), 3) == date(2026, 10, 10)  # 国庆, then 调休
    assert working_days_after(date(2026, 11, 3), 3) == date(2026, 11, 6)
    # Beyond the published calendar: Monday to Friday.
    assert working_days_after(date(2030, 1, 4), 3) == date(2030, 1, 9)


def test_the_claims_and_bills_checks_name_their_enums():
    from flexcover.injury.models import InjuryBill, InjuryBillStatus

    for model, enum in ((Claim, ClaimStatus), (InjuryBill, InjuryBillStatus)):
        (check,) = [c for c in model.__table__.constraints if str(c.name).endswith("status_known")]
        assert str(check.sqltext) == "status IN ({})".format(
            ", ".join(f"'{status.value}'" for status in enum)
        )
