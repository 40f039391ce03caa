"""A rider hurt on an order reports it from a phone; a commissioned insurer investigates; two
officers decide and approve; the rider sees the payment."""

from datetime import datetime, timedelta, timezone

from flexcover.injury import service as injury
from flexcover.kit.months import Month
from flexcover.registry import roster
from flexcover.registry.schemas import RosterRowIn
from flexcover.rules.parameters import default_rulebook
from tests.browser.conftest import TODAY
from tests.browser.test_pages_in_chromium import PHONE, log_in
from tests.conftest import SYSTEM, make_id

CHINA = timezone(timedelta(hours=8))
NUMBER = make_id(sequence=555)


def test_a_rider_reports_an_injury_and_sees_the_payment(
    browser, live_server, factory, database, settings, screenshot
):
    person = factory.person(id_number=NUMBER, residence="500103", name="张伟")
    platform = factory.platform(name="闪送平台")
    with database.unit_of_work() as session:
        injury.onboard(
            session=session,
            actor=SYSTEM,
            platform_id=platform.id,
            industry="instant_delivery",
            jurisdictions=["500103"],
            float_steps=0,
            rulebook=default_rulebook(),
            today=TODAY,
        )
        roster.add_workers(
            session=session,
            actor=SYSTEM,
            platform_id=platform.id,
            rows=[
                RosterRowIn(
                    id_number=NUMBER,
                    name="张伟",
                    phone="13800138000",
                    residence_code="500103",
                    work_codes=["500103"],
                    from_month="2026-11",
                )
            ],
            id_key=settings.id_hash_key,
            as_of=Month(2026, 11),
        )
        accepted = datetime(2026, 11, 10, 9, 0, tzinfo=CHINA)
        injury.record_orders(
            session=session,
            actor=SYSTEM,
            platform_id=platform.id,
            rows=[
                {
                    "order_id": "SS-1001",
                    "worker_id": NUMBER,
                    "jurisdiction": "500103",
                    "accepted_at": accepted.isoformat(),
                    "completed_at": (accepted + timedelta(minutes=40)).isoformat(),
                }
            ],
            rulebook=default_rulebook(),
            id_key=settings.id_hash_key,
            now=datetime(2026, 11, 15, 12, 0, tzinfo=CHINA),
            partial=False,
        )
    factory.user("worker", "500103", username="rider", person_id=person.id)
    factory.user("insurer", "500100", username="insurer")
    factory.user("district_officer", "500103", username="officer-a")
    factory.user("district_officer", "500103", username="officer-b")

    rider = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    phone = rider.new_page()
    log_in(phone, live_server, "rider")
    phone.wait_for_url(f"{live_server}/worker")
    phone.get_by_test_id("nav-injury").click()
    phone.get_by_test_id("accident-at").fill("2026-11-10T09:20")
    phone.get_by_test_id("accident-place").fill("解放碑步行街")
    phone.get_by_test_id("accident-description").fill("送件途中被电动车撞倒，右腿骨折")
    phone.get_by_test_id("report-submit").click()
    phone.wait_for_url(f"{live_server}/worker/injury/*")
    claim_url = phone.url
    claim_id = claim_url.rsplit("/", 1)[1]
    assert phone.get_by_test_id("claim-status").inner_text() == "已申报"
    assert f"平台 {platform.id}" in phone.get_by_test_id("responsible").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "injury-reported")

    def step(username, action, **fields):
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        log_in(page, live_server, username)
        page.goto(f"{live_server}/staff/injury/claims/{claim_id}")
        page.get_by_test_id("step-action").select_option(action)
        for test_id, value in fields.items():
            target = page.get_by_test_id(test_id)
            if test_id in ("step-grade", "step-recommendation"):
                target.select_option(value)
            else:
                target.fill(value)
        page.get_by_test_id("step-submit").click()
        page.wait_for_load_state()
        text = page.get_by_test_id("claim-status").inner_text()
        refused = page.get_by_test_id("step-refused")
        message = refused.inner_text() if refused.count() else ""
        context.close()
        return text, message

    assert step("officer-a", "accept") == ("已受理", "")
    assert step("insurer", "investigate") == ("调查核实中", "")
    proposal = {"step-reason": "订单轨迹与事故地点吻合", "step-recommendation": "confirm"}
    assert step("insurer", "propose", **proposal) == ("调查核实中", "")
    assert step("officer-a", "confirm") == ("已确认为职业伤害", "")
    assert step("officer-a", "assess", **{"step-grade": "9"}) == ("已完成劳动能力鉴定", "")
    assert step("officer-a", "compute", **{"step-medical": "住院治疗, 3000"}) == ("已核定待遇", "")
    status, refused = step("officer-a", "approve")
    assert status == "已核定待遇"
    assert "双人复核" in refused  # the officer who computed cannot approve
    assert step("officer-b", "approve") == ("已审批", "")
    assert step("officer-a", "pay", **{"step-bank": "6222021234567890123"}) == ("已支付", "")

    phone.goto(claim_url)
    assert phone.get_by_test_id("claim-status").inner_text() == "已支付"
    paid = phone.get_by_test_id("benefit-paid").all_inner_texts()
    assert paid
    assert set(paid) == {"是"}
    steps = phone.get_by_test_id("steps").inner_text()
    assert "受托商业保险机构" in steps
    assert "订单轨迹与事故地点吻合" in steps
    screenshot(phone, "injury-paid")
    rider.close()
