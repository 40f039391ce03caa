"""A worker on a phone enrols, chooses a base, pays the month's bill and reads the record."""

import re

from flexcover.contributions.tasks import settle
from flexcover.kit.audit import Actor
from flexcover.kit.months import Month
from flexcover.rules.parameters import default_rulebook
from tests.browser.conftest import TODAY
from tests.browser.test_pages_in_chromium import PHONE, log_in


def test_worker_enrols_sets_a_base_pays_and_sees_the_record(
    browser, live_server, factory, database, screenshot
):
    person = factory.person(residence="500103", name="周晓", region="420106")
    factory.user("worker", "500103", username="rider", person_id=person.id)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    log_in(page, live_server, "rider")
    page.wait_for_url(f"{live_server}/worker")
    screenshot(page, "worker-not-enrolled")

    page.get_by_test_id("enrol").click()
    page.wait_for_url(f"{live_server}/worker?done=enrolled")
    assert "参保成功" in page.get_by_test_id("done").inner_text()
    assert "4,553.00" in page.get_by_test_id("enrolments").inner_text()

    page.get_by_test_id("new-base-employee_pension").fill("6000")
    page.get_by_role("button", name="调整基数").click()
    page.wait_for_url(f"{live_server}/worker?done=base")

    settle(
        database=database,
        rulebook=default_rulebook(),
        month=Month(2026, 11),
        actor=Actor.system("test"),
        today=Month(2026, 12).first_day,
    )
    page.goto(f"{live_server}/worker")
    assert "910.60" in page.get_by_test_id("unpaid").inner_text()
    assert page.get_by_test_id("amount").input_value() == "910.60"
    screenshot(page, "worker-bill")
    page.get_by_test_id("pay").click()
    page.wait_for_url(re.compile(r"/worker\?done=paid&payment=\d+$"))
    assert "2026-11 已缴清" in page.get_by_test_id("done").inner_text()
    assert page.get_by_test_id("unpaid").count() == 0

    page.get_by_test_id("record-link").click()
    page.wait_for_url(f"{live_server}/worker/record")
    assert page.get_by_test_id("contribution-months").inner_text() == "1"
    assert page.get_by_test_id("account-balance").inner_text() == "364.24"
    # On a phone the record keeps every column: what was paid and the subsidy too.
    november = page.locator('tr[data-month="2026-11"]')
    assert november.get_by_test_id("paid").is_visible()
    assert november.get_by_test_id("paid").inner_text() == "910.60"
    assert november.get_by_test_id("subsidy").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "worker-record")
    context.close()


def test_a_base_below_the_floor_is_explained_on_the_page(browser, live_server, factory):
    person = factory.person(residence="500103", name="吴敏")
    factory.user("worker", "500103", username="seller", person_id=person.id)
    page = browser.new_page(locale="zh-CN")
    log_in(page, live_server, "seller")
    page.wait_for_url(f"{live_server}/worker")
    page.locator("input[name=base_yuan]").fill("3000")
    page.get_by_test_id("enrol").click()
    assert "4553.00–22765.00" in page.get_by_test_id("problem-detail").inner_text()
    page.close()


def test_two_officers_review_a_subsidy_in_the_queue(browser, live_server, factory, database):
    from flexcover.contributions import service, subsidies
    from flexcover.rules.parameters import default_rulebook
    from tests.conftest import SYSTEM

    person = factory.person(residence="500103", name="郑丽")
    with database.unit_of_work() as session:
        service.enrol(
            session=session,
            rulebook=default_rulebook(),
            actor=SYSTEM,
            person_id=person.id,
            scheme="employee_pension",
            jurisdiction="500103",
            first_month=Month(2026, 11),
            base_fen=455300,
            payment_frequency="monthly",
            as_of=Month(2026, 11),
        )
    with database.unit_of_work() as session:
        subsidies.apply(
            session=session,
            actor=SYSTEM,
            person_id=person.id,
            category="difficulty",
            certificate="渝就困证〔2026〕0001",
            as_of=Month.of(TODAY),
        )
    factory.user("district_officer", "500103", username="maker")
    factory.user("district_officer", "500103", username="checker")

    maker = browser.new_page(locale="zh-CN")
    log_in(maker, live_server, "maker")
    maker.wait_for_url(f"{live_server}/staff")
    maker.goto(f"{live_server}/staff/subsidies")
    assert "郑丽" in maker.get_by_test_id("subsidy-queue").inner_text()
    maker.get_by_role("button", name="拟同意").click()
    maker.wait_for_url(f"{live_server}/staff/subsidies")
    assert "需另一名经办人复核" in maker.get_by_test_id("subsidy-queue").inner_text()
    maker.close()

    checker = browser.new_page(locale="zh-CN")
    log_in(checker, live_server, "checker")
    checker.wait_for_url(f"{live_server}/staff")
    checker.goto(f"{live_server}/staff/subsidies")
    checker.get_by_role("button", name="复核通过").click()
    checker.wait_for_url(f"{live_server}/staff/subsidies")
    assert "没有待审核的申请" in checker.locator("main").inner_text()
    checker.close()
    from sqlalchemy import select

    from flexcover.contributions.models import SubsidyApplication

    with database.sessions() as session:
        decided = session.scalars(select(SubsidyApplication)).one()
    assert (decided.status, decided.first_month) == ("approved", "2026-11")
    assert decided.proposed_by != decided.decided_by
