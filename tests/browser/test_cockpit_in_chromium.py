"""A district officer on a phone goes from a cockpit number to the tasks behind it, records what
came of one, and sees the cockpit's progress move; a city officer reads the cockpit on a desk
screen and follows a chart's bar to its list."""

import re

from playwright.sync_api import expect

from tests.browser.test_pages_in_chromium import log_in
from tests.coverage.seed import CITY, SHAPINGBA, YUZHONG, city, compare

PHONE = {"width": 375, "height": 812}


def fits(page) -> bool:
    """Nothing wider than the screen: no sideways scrolling of the page itself."""
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_officer_follows_a_cockpit_number_to_a_task_and_records_an_outcome(
    browser, live_server, factory, database, screenshot
):
    compare(database, city())
    factory.user("district_officer", YUZHONG, username="officer")
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    log_in(page, live_server, "officer")
    page.wait_for_url(f"{live_server}/staff")
    page.get_by_test_id("link-cockpit").click()
    page.wait_for_url(f"{live_server}/staff/cockpit")
    assert "渝中区" in page.get_by_test_id("cockpit-region").inner_text()
    assert page.get_by_test_id("progress-verified").inner_text() == "0"
    assert page.get_by_test_id("coverage-rate").inner_text() == "50.0%"
    assert page.get_by_test_id(f"class-never_insured-{SHAPINGBA}").count() == 0  # not theirs
    assert fits(page)
    screenshot(page, "cockpit-district-phone")

    never_insured_riders = page.get_by_test_id(f"platform-never_insured-{YUZHONG}")
    assert never_insured_riders.inner_text() == "2"
    never_insured_riders.click()
    page.wait_for_url(re.compile(r"/staff/tasks\?"))
    assert "class=never_insured" in page.url
    assert "tag=platform_worker" in page.url
    rows = page.get_by_test_id("task-row")
    assert rows.count() == 2
    assert {"骑手甲", "骑手乙"} == {
        name.strip() for name in page.get_by_test_id("task-link").all_inner_texts()
    }
    assert "平台从业人员" in rows.first.inner_text()
    assert fits(page)
    screenshot(page, "tasks-filtered-phone")

    page.get_by_test_id("task-link").first.click()
    page.wait_for_url(re.compile(r"/staff/tasks/\d+\?"))
    assert page.get_by_test_id("task-status").inner_text() == "待核实"
    page.get_by_test_id("outcome-contacted").check()
    page.get_by_test_id("record-outcome").click()
    page.wait_for_url(re.compile(r"/staff/tasks/\d+\?done=1"))
    assert page.get_by_test_id("task-status").inner_text() == "已联系"
    assert "核实结果已记录" in page.get_by_test_id("done").inner_text()
    assert fits(page)
    screenshot(page, "task-recorded-phone")

    page.get_by_test_id("back-to-list").click()
    page.wait_for_url(re.compile(r"/staff/tasks\?"))
    assert "已联系" in page.locator("main").inner_text()
    page.get_by_test_id("nav-cockpit").click()
    page.wait_for_url(f"{live_server}/staff/cockpit")
    assert page.get_by_test_id("progress-verified").inner_text() == "1"
    assert page.get_by_test_id(f"progress-verified-{YUZHONG}").inner_text() == "1"
    context.close()


def bar_centre(chart, href_part: str) -> tuple[float, float, str]:
    """Where on the page the bar whose list's address holds ``href_part`` is, and its tooltip,
    asked of ECharts itself."""
    box = chart.bounding_box()
    found = chart.evaluate(
        """(el, part) => {
            const option = JSON.parse(el.dataset.option);
            const data = option.series[0].data;
            const index = data.findIndex(d => d.href && d.href.includes(part));
            const chart = echarts.getInstanceByDom(el);
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, [data[index].value / 2, index]);
            return [x, y, data[index].tip];
        }""",
        href_part,
    )
    return box["x"] + found[0], box["y"] + found[1], found[2]


def test_city_officer_reads_the_cockpit_and_follows_a_bar(
    browser, live_server, factory, database, screenshot
):
    compare(database, city(), as_of="2026-09")
    latest = compare(database, city()[:4] + city()[7:], as_of="2026-10")
    factory.user("city_officer", CITY, username="city")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "city")
    page.wait_for_url(f"{live_server}/staff")
    page.goto(f"{live_server}/staff/cockpit")
    assert page.get_by_test_id(f"class-never_insured-{SHAPINGBA}").inner_text() == "1"
    screenshot(page, "cockpit-city-desk")

    # The ranked coverage-rate chart, drawn by ECharts: hovering a bar tells its figures, and a
    # click on it opens the covered people of its district.
    chart = page.locator("#panel-coverage [data-testid=chart-bar]")
    expect(chart).to_have_attribute("data-drawn", "1")
    x, y, tip = bar_centre(chart, f"district={SHAPINGBA}")
    assert tip.startswith("沙坪坝区：")
    page.mouse.move(x, y)
    expect(chart).to_contain_text(tip)  # the tooltip, inside the chart's box
    screenshot(page, "cockpit-tooltip-desk")
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r"/staff/coverage/people\?"))
    assert f"district={SHAPINGBA}" in page.url
    assert "class=covered" in page.url
    assert page.get_by_test_id("person-row").all_inner_texts()[0].startswith("吴刚")
    screenshot(page, "coverage-people-desk")

    page.goto(f"{live_server}/staff/cockpit?region={YUZHONG}")
    assert page.get_by_test_id("region-up").is_visible()
    page.goto(f"{live_server}/staff/comparisons")
    assert page.get_by_test_id(f"run-{latest}").is_visible()
    assert page.get_by_test_id("compare-form").count() == 0  # the province's to start
    screenshot(page, "comparisons-city-desk")
    context.close()


def test_province_officer_starts_a_comparison_and_watches_it_finish(
    browser, live_server, factory, settings, screenshot, small_departments, job_worker
):
    import shutil

    from playwright.sync_api import expect

    shutil.copytree(small_departments, settings.data_dir / "sources" / "chongqing-2026-10")
    factory.user("province_officer", "500000", username="province")
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    log_in(page, live_server, "province")
    page.wait_for_url(f"{live_server}/staff")
    page.get_by_test_id("link-comparisons").click()
    page.wait_for_url(f"{live_server}/staff/comparisons")
    page.get_by_test_id("sources").select_option("chongqing-2026-10")
    page.locator("input[name=as_of]").fill("2026-10")
    page.get_by_role("button", name="开始比对").click()
    page.wait_for_url(re.compile(r"/staff/comparisons\?region=500000&started=1"))
    # The real comparison of 1,500 people, in a worker: usually still queued or running when
    # the page first shows.
    if page.get_by_test_id("run-status").inner_text() in ("排队中", "进行中"):
        assert page.get_by_test_id("refreshing").is_visible()
        assert page.get_by_test_id("run-job").is_visible()
    assert fits(page)
    screenshot(page, "comparison-running-phone")
    expect(page.get_by_test_id("run-status")).to_have_text("已完成", timeout=180_000)
    assert page.get_by_test_id("refreshing").count() == 0
    context.close()
