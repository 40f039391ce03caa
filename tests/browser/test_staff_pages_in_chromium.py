"""The staff basics and the worker's new steps in a real browser: an officer finds a person by
resident ID and opens their page; an administrator resets a login and its user must change the
password; an auditor filters the audit log; a worker sees the monthly amount while typing a
base, confirms a pause and withdraws it; a platform's engineer rotates a token."""

import re

from tests.browser.test_pages_in_chromium import log_in
from tests.conftest import PASSWORD, make_id

PHONE = {"width": 390, "height": 844}


def test_an_officer_finds_a_person_by_id_and_an_auditor_sees_the_read(
    browser, live_server, factory, screenshot
):
    number = make_id(sequence=611)
    person = factory.person(id_number=number, name="陈静")
    factory.user("district_officer", "500103", username="officer")
    factory.user("auditor", "500000", username="auditor")
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "officer")
    page.wait_for_url(f"{live_server}/staff")
    page.goto(f"{live_server}/staff/people")
    page.get_by_test_id("search-q").fill(number)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"/staff/people\?"))
    assert "找到 1 人" in page.get_by_test_id("search-result").inner_text()
    assert number not in page.content()
    page.get_by_role("link", name="陈静").click()
    page.wait_for_url(f"{live_server}/staff/people/{person.id}")
    assert page.get_by_test_id("person-id").inner_text().startswith("500103")
    assert page.get_by_test_id("person-tasks").is_visible()
    screenshot(page, "person-page-phone")
    context.close()

    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "auditor")
    page.wait_for_url(f"{live_server}/staff")
    page.get_by_test_id("nav-audit").click()
    page.wait_for_url(f"{live_server}/staff/audit")
    page.fill("input[name=action]", "person.")
    page.get_by_role("button", name="查询").click()
    table = page.get_by_test_id("audit-table").inner_text()
    assert "person.read" in table
    assert "person.search" in table
    assert "officer" in table
    screenshot(page, "audit-log")
    context.close()


def test_an_administrators_reset_makes_the_user_choose_a_new_password(
    browser, live_server, factory, screenshot
):
    factory.user("admin", "500000", username="admin1")
    factory.user("district_officer", "500103", username="officer")
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "admin1")
    page.wait_for_url(f"{live_server}/staff")
    page.get_by_test_id("nav-users").click()
    page.wait_for_url(f"{live_server}/staff/users")
    page.get_by_test_id("reset-officer").fill("temporary secret 1")
    page.get_by_test_id("user-officer").get_by_role("button", name="重置密码").click()
    page.wait_for_url(f"{live_server}/staff/users?done=reset")
    assert "待改密码" in page.get_by_test_id("user-officer").inner_text()
    screenshot(page, "logins")
    context.close()

    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "temporary secret 1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/account/password?first=1")
    assert page.get_by_test_id("must-change").is_visible()
    page.fill("input[name=current_password]", "temporary secret 1")
    page.fill("input[name=new_password]", "my own new secret")
    page.fill("input[name=confirm_password]", "my own new secret")
    page.get_by_test_id("change-password").click()
    page.wait_for_url(f"{live_server}/account/password?done=1")
    assert "密码已修改" in page.get_by_test_id("done").inner_text()
    context.close()
    assert PASSWORD != "my own new secret"


def test_a_worker_sees_the_amount_while_typing_and_confirms_then_withdraws_a_pause(
    browser, live_server, factory, screenshot
):
    person = factory.person(residence="500103")
    factory.user("worker", "500103", username="rider", person_id=person.id)
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "rider")
    page.wait_for_url(f"{live_server}/worker")
    base = page.get_by_test_id("enrol-base")
    base.fill("6000")
    quote = page.get_by_test_id("enrol-quote")
    quote.filter(has_text="1200.00").wait_for()
    assert "每月应缴 1200.00 元" in quote.inner_text()
    base.fill("100")
    page.get_by_test_id("enrol-quote").filter(has_text="4553.00–22765.00").wait_for()  # the range
    base.fill("4553")
    # The quote settles before the tap: its text changing under a finger moves the button.
    page.get_by_test_id("enrol-quote").filter(has_text="910.60").wait_for()
    page.get_by_test_id("enrol").click()
    page.wait_for_url(f"{live_server}/worker?done=enrolled")

    page.get_by_test_id("pause").click()
    page.get_by_test_id("pause-confirm").wait_for()
    assert "2026-12" in page.get_by_test_id("pause-confirm").inner_text()
    screenshot(page, "pause-confirm-phone")
    page.get_by_test_id("confirm-pause").click()
    page.wait_for_url(f"{live_server}/worker?done=paused")
    assert "将于 2026-12 起暂停" in page.get_by_test_id("enrolments").inner_text()
    page.get_by_test_id("withdraw-pause").click()
    page.wait_for_url(f"{live_server}/worker?done=pause_withdrawn")
    assert "正常缴费" in page.get_by_test_id("enrolments").inner_text()
    context.close()


def test_a_platform_engineer_rotates_a_token_on_the_platform_page(
    browser, live_server, factory, screenshot
):
    platform = factory.platform()
    user = factory.user("platform", "500103", username="plat", platform_id=platform.id)
    factory.token(user)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "plat")
    page.wait_for_url(f"{live_server}/platform")
    for section in ("platform-money", "agreements", "roster", "tokens", "requests"):
        assert page.get_by_test_id(section).is_visible()
    page.get_by_role("button", name="更换").click()
    token = page.get_by_test_id("new-token-value").inner_text()
    assert token.startswith("fct_")
    screenshot(page, "platform-token-rotated")
    page.goto(f"{live_server}/platform")
    assert token not in page.content()
    assert "已于" in page.get_by_test_id("tokens").inner_text()
    context.close()
