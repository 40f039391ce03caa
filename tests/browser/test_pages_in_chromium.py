"""Login and the two homes in a real browser, on a desk screen and a phone."""

from tests.conftest import PASSWORD

PHONE = {"width": 390, "height": 844}


def log_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_officer_logs_in_sees_the_region_and_logs_out(browser, live_server, factory, screenshot):
    factory.user("district_officer", "500103", username="officer")
    factory.person(residence="500103")
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    assert page.locator("h1").inner_text() == "登录"
    screenshot(page, "login-zh")

    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.get_by_test_id("login-error").inner_text()

    log_in(page, live_server, "officer")
    page.wait_for_url(f"{live_server}/staff")
    assert "重庆市渝中区" in page.get_by_test_id("staff-region").inner_text()
    assert page.get_by_test_id("people-total").inner_text() == "1"
    screenshot(page, "staff-home")

    page.get_by_test_id("language-switch").click()
    page.wait_for_url(f"{live_server}/staff")
    assert page.locator("h1").inner_text() == "Workbench"
    screenshot(page, "staff-home-en")

    page.get_by_test_id("logout").click()
    page.wait_for_url(f"{live_server}/login?bye=1")
    page.goto(f"{live_server}/staff")
    assert page.url.startswith(f"{live_server}/login")
    context.close()


def test_worker_home_on_a_phone(browser, live_server, factory, screenshot):
    person = factory.person(residence="500103", name="陈静", phone="13700001234")
    factory.user("worker", "500103", username="worker", person_id=person.id)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    log_in(page, live_server, "worker")
    page.wait_for_url(f"{live_server}/worker")
    assert "陈静" in page.get_by_test_id("worker-greeting").inner_text()
    assert page.get_by_test_id("person-id").inner_text() == person.id_masked
    # Usable at phone width: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "worker-home-phone")
    context.close()


def test_an_officer_cannot_open_another_districts_person(browser, live_server, factory):
    other = factory.person(residence="500106")
    factory.user("district_officer", "500103", username="officer")
    page = browser.new_page()
    log_in(page, live_server, "officer")
    page.wait_for_url(f"{live_server}/staff")
    response = page.goto(f"{live_server}/staff/people/{other.id}")
    assert response.status == 403
    assert page.get_by_test_id("problem-detail").is_visible()
    page.close()
