import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from flexcover.cockpit.charts import (
    Bar,
    LineSeries,
    Point,
    Segment,
    StackedRow,
    bar_chart,
    line_chart,
    progress_bar,
    stacked_bar_chart,
)

NS = {"s": "http://www.w3.org/2000/svg"}
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
SERIES = ["已覆盖", "中断", "退保", "从未参保", "排除"]
NASTY = 'A&B <script>"区"\'s'


def parse(chart: str) -> ET.Element:
    return ET.fromstring(chart)  # noqa: S314 (our own output, parsed to check it is well-formed)


def links(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//s:a", NS)


def texts(node: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in node.iter("{http://www.w3.org/2000/svg}text")]


def desc(root: ET.Element) -> str:
    return "".join(root.find("s:desc", NS).itertext())


def district_bars(count: int) -> list[Bar]:
    return [
        Bar(f"第{i}区", 1000 * (i + 1), href=f"/staff/people?region=5001{i:02d}&status=covered")
        for i in range(count)
    ]


# Bars


def test_every_bar_and_its_figure_link_to_the_list_behind_it():
    root = parse(bar_chart(district_bars(3), title="各区县参保人数", unit="人"))
    anchors = links(root)
    assert [a.get("href") for a in anchors] == [
        "/staff/people?region=500100&status=covered",
        "/staff/people?region=500101&status=covered",
        "/staff/people?region=500102&status=covered",
    ]
    first = anchors[0]
    assert first.find("s:rect", NS) is not None
    assert texts(first) == ["第0区", "1,000 人"]
    assert first.get("aria-label") == "第0区：1,000 人"


def test_screen_readers_get_the_title_and_every_figure():
    root = parse(bar_chart(district_bars(2), title="各区县参保人数", unit="人"))
    cid = root.get("id")
    assert root.get("aria-labelledby") == f"{cid}-title"
    assert root.get("aria-describedby") == f"{cid}-desc"
    assert root.find("s:title", NS).text == "各区县参保人数"
    assert desc(root) == "第0区：1,000 人；第1区：2,000 人"


def test_a_chart_without_links_is_one_image_and_with_links_a_group_of_links():
    plain = parse(bar_chart([Bar("渝中区", 5)], title="人数"))
    linked = parse(bar_chart([Bar("渝中区", 5, href="/x")], title="人数"))
    assert plain.get("role") == "img"
    assert not links(plain)
    assert linked.get("role") == "group"


def test_names_are_escaped_and_read_back_unchanged():
    chart = bar_chart([Bar(NASTY, 7, href="/p?a=1&b=<2>")], title=NASTY)
    assert "<script>" not in chart
    root = parse(chart)
    assert root.find("s:title", NS).text == NASTY
    assert links(root)[0].get("href") == "/p?a=1&b=<2>"
    assert links(root)[0].get("aria-label") == f"{NASTY}：7"
    assert NASTY in texts(root)


def test_characters_xml_cannot_hold_are_replaced_not_passed_through():
    chart = bar_chart([Bar("渝中\x00区\x1b\ud800", 1)], title="t")
    assert "渝中\ufffd区\ufffd\ufffd" in texts(parse(chart))
    chart.encode()  # a lone surrogate would fail here, when the page is sent


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JavaScript:x", "data:text/html,x"])
def test_links_that_could_run_script_are_refused(href):
    with pytest.raises(ValueError, match="not a link"):
        bar_chart([Bar("渝中区", 1, href=href)], title="t")


def test_empty_data_says_no_data_in_the_page_language():
    assert "暂无数据" in texts(parse(bar_chart([], title="人数")))
    root = parse(bar_chart([], title="People", lang="en"))
    assert texts(root) == ["No data"]
    assert root.get("role") == "img"


def test_money_is_shown_in_yuan_from_integer_fen():
    root = parse(
        bar_chart([Bar("渝中区", 123456789)], title="征收额", unit="元", value_format="yuan")
    )
    assert "1,234,567.89 元" in texts(root)


def test_floats_are_refused_in_chart_data():
    with pytest.raises(TypeError, match="value must be an int"):
        Bar("渝中区", 12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Point(True)


def test_rates_are_percentages_with_one_decimal_half_up():
    bars = [Bar("a", 853, of=1000), Bar("b", 1, of=3), Bar("c", 2, of=3), Bar("d", 1, of=16)]
    root = parse(bar_chart(bars, title="覆盖率", value_format="percent"))
    assert [t for t in texts(root) if t.endswith("%")] == ["85.3%", "33.3%", "66.7%", "6.3%"]


def test_a_rate_over_zero_reads_as_a_dash_and_draws_no_bar():
    root = parse(bar_chart([Bar("无人区", 0, of=0)], title="覆盖率", value_format="percent"))
    assert "—" in texts(root)
    assert root.find(".//s:rect", NS).get("width") == "0"


def test_rates_scale_to_a_hundred_percent():
    root = parse(
        bar_chart([Bar("a", 1, of=2), Bar("b", 1, of=1)], title="r", value_format="percent")
    )
    half, full = (int(r.get("width")) for r in root.iter("{http://www.w3.org/2000/svg}rect"))
    assert abs(full - 2 * half) <= 1  # whole pixels, each rounded half-up


def test_a_percent_chart_needs_a_denominator():
    with pytest.raises(ValueError, match="denominator"):
        bar_chart([Bar("a", 1)], title="r", value_format="percent")


def test_forty_districts_get_rows_that_do_not_overlap_and_fit_the_chart():
    root = parse(bar_chart(district_bars(40), title="各区县参保人数", unit="人"))
    width, height = int(root.get("width")), int(root.get("height"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    label_ys = [int(t.get("y")) for t in root.iter("{http://www.w3.org/2000/svg}text")][::2]
    assert all(b - a >= 13 + 4 for a, b in itertools.pairwise(label_ys))
    assert max(label_ys) < height
    longest = max(int(r.get("x")) + int(r.get("width")) for r in root.iter(f"{{{NS['s']}}}rect"))
    assert longest + len("40,000 人") * 8 <= width


def test_very_large_numbers_widen_the_chart_instead_of_overflowing():
    root = parse(bar_chart([Bar("全国", 10**30)], title="t", width=300))
    assert "1,000,000,000,000,000,000,000,000,000,000" in texts(root)
    assert int(root.get("width")) > 300


def test_long_labels_are_shortened_with_the_full_name_in_the_tooltip():
    name = "重庆市两江新区（直管区）某某街道某某社区某某网格"
    root = parse(bar_chart([Bar(name, 1, href="/x")], title="t"))
    shown = texts(root)[0]
    assert shown.endswith("…")
    assert len(shown) < len(name)
    assert links(root)[0].find("s:title", NS).text == f"{name}：1"


def test_the_same_input_gives_the_same_bytes():
    def draw() -> str:
        return bar_chart(district_bars(5), title="t", unit="人")

    assert draw() == draw()
    assert bar_chart([Bar("a", 1)], title="t") != bar_chart([Bar("a", 2)], title="t")
    ids = {parse(bar_chart([Bar("a", n)], title="t")).get("id") for n in range(5)}
    assert len(ids) == 5


# Stacked bars


def stacked_rows() -> list[StackedRow]:
    return [
        StackedRow(
            "渝中区",
            [
                Segment(v, href=f"/staff/coverage?region=500103&class={i}")
                for i, v in enumerate([600, 100, 100, 150, 50])
            ],
            href="/staff/coverage?region=500103",
        ),
        StackedRow("江北区", [Segment(v) for v in [300, 0, 0, 0, 0]]),
    ]


def test_every_segment_links_to_its_list_and_tells_figure_and_share():
    root = parse(stacked_bar_chart(stacked_rows(), SERIES, title="参保状态", unit="人"))
    segments = [a for a in links(root) if "class=" in a.get("href")]
    assert [a.get("href")[-1] for a in segments] == ["0", "1", "2", "3", "4"]
    assert segments[0].find("s:title", NS).text == "渝中区 · 已覆盖：600 人（60.0%）"
    assert segments[4].get("aria-label") == "渝中区 · 排除：50 人（5.0%）"
    assert "江北区 · 中断：0 人（0.0%）" in desc(root)


def test_the_row_total_links_to_the_whole_row():
    root = parse(stacked_bar_chart(stacked_rows(), SERIES, title="参保状态", unit="人"))
    total = next(a for a in links(root) if a.get("href") == "/staff/coverage?region=500103")
    assert texts(total) == ["渝中区", "1,000 人"]


def test_the_legend_names_every_series_and_patterns_tell_them_apart_without_colour():
    root = parse(stacked_bar_chart(stacked_rows(), SERIES, title="参保状态"))
    shown = texts(root)
    assert all(name in shown for name in SERIES)
    patterns = root.findall(".//s:pattern", NS)
    assert len(patterns) == len(SERIES) - 1
    fills = {r.get("fill") for r in root.iter(f"{{{NS['s']}}}rect")}
    assert {f"url(#{p.get('id')})" for p in patterns} <= fills


def test_segments_fill_their_row_without_gaps_or_overlap():
    root = parse(stacked_bar_chart(stacked_rows(), SERIES, title="t"))
    segments = [a.find("s:rect", NS) for a in links(root) if "class=" in a.get("href")]
    edges = [(int(r.get("x")), int(r.get("x")) + int(r.get("width"))) for r in segments]
    assert all(a[1] == b[0] for a, b in itertools.pairwise(edges))


def test_shares_make_every_row_equally_long():
    root = parse(stacked_bar_chart(stacked_rows(), SERIES, title="t", share=True))
    groups = root.findall("s:g", NS)[1:]
    ends = {
        max(int(r.get("x")) + int(r.get("width")) for r in g.iter(f"{{{NS['s']}}}rect"))
        for g in groups
    }
    assert len(ends) == 1


def test_a_row_with_nothing_in_it_draws_no_segment_and_divides_by_nothing():
    rows = [StackedRow("空区", [Segment(0)] * 5)]
    root = parse(stacked_bar_chart(rows, SERIES, title="t"))
    assert "空区 · 已覆盖：0（—）" in desc(root)
    assert "0" in texts(root)


def test_stacked_money_is_written_in_yuan_inside_segments_and_in_totals():
    rows = [StackedRow("渝中区", [Segment(1234500), Segment(0), Segment(0)])]
    root = parse(stacked_bar_chart(rows, SERIES[:3], title="t", unit="元", value_format="yuan"))
    assert {"12,345.00", "12,345.00 元"} <= set(texts(root))


def test_more_series_than_the_palette_tells_apart_are_refused():
    rows = [StackedRow("渝中区", [Segment(1)] * 7)]
    with pytest.raises(ValueError, match="at most 6 series"):
        stacked_bar_chart(rows, [f"s{i}" for i in range(7)], title="t")


def test_stacked_without_rows_says_no_data():
    assert texts(parse(stacked_bar_chart([], SERIES, title="t"))) == ["暂无数据"]


def test_each_row_needs_one_segment_per_series():
    with pytest.raises(ValueError, match="segments"):
        stacked_bar_chart([StackedRow("渝中区", [Segment(1)])], SERIES, title="t")


# Lines


def coverage(values: list[int | None]) -> LineSeries:
    return LineSeries(
        "覆盖率",
        [
            Point(v, of=1000, href=f"/staff/coverage?month={m}")
            for v, m in zip(values, MONTHS, strict=True)
        ],
    )


def test_every_point_links_to_its_month():
    root = parse(
        line_chart(
            [coverage([700 + m for m in range(12)])], MONTHS, title="覆盖率", value_format="percent"
        )
    )
    assert [a.get("href") for a in links(root)] == [f"/staff/coverage?month={m}" for m in MONTHS]
    assert links(root)[2].get("aria-label") == "覆盖率 2026-03：70.2%"


def test_the_last_figure_is_written_at_the_end_of_its_line():
    root = parse(
        line_chart(
            [coverage([700 + m for m in range(12)])], MONTHS, title="t", value_format="percent"
        )
    )
    assert "71.1%" in texts(root)


def test_the_axis_has_round_ticks_from_zero():
    root = parse(
        line_chart(
            [coverage([700 + m for m in range(12)])], MONTHS, title="t", value_format="percent"
        )
    )
    ticks = [t for t in texts(root) if t.endswith("%") and "." not in t]
    assert ticks == ["0%", "20%", "40%", "60%", "80%"]
    assert "2026-12" in texts(root)


def test_a_month_without_a_figure_breaks_the_line():
    values = [700, 710, None, 720] + [730] * 8
    root = parse(line_chart([coverage(values)], MONTHS, title="t", value_format="percent"))
    line = next(p for p in root.iter(f"{{{NS['s']}}}path") if p.get("fill") == "none")
    assert line.get("d").count("M") == 2
    assert len(links(root)) == 11


def test_several_lines_differ_in_dash_and_marker_and_are_named_in_the_legend():
    other = LineSeries("缴费率", [Point(500, of=1000)] * 12)
    root = parse(
        line_chart([coverage([700] * 12), other], MONTHS, title="t", value_format="percent")
    )
    lines = [p for p in root.iter(f"{{{NS['s']}}}path") if p.get("fill") == "none"]
    assert lines[0].get("stroke-dasharray") is None
    assert lines[1].get("stroke-dasharray") is not None
    assert {"覆盖率", "缴费率", "覆盖率 70.0%", "缴费率 50.0%"} <= set(texts(root))


def test_end_labels_of_close_lines_are_pushed_apart():
    close = LineSeries("缴费率", [Point(699, of=1000)] * 12)
    root = parse(
        line_chart([coverage([700] * 12), close], MONTHS, title="t", value_format="percent")
    )
    ends = [
        int(t.get("y")) for t in root.iter(f"{{{NS['s']}}}text") if t.get("font-weight") == "bold"
    ]
    assert abs(ends[0] - ends[1]) >= 16


def test_a_single_month_and_yuan_figures_are_drawn_without_dividing_by_zero():
    line = LineSeries("征收额", [Point(12345600)])
    root = parse(line_chart([line], ["2026-01"], title="t", unit="元", value_format="yuan"))
    assert "123,456.00 元" in texts(root)


def test_lines_with_no_figure_at_all_say_no_data():
    nothing = LineSeries("覆盖率", [Point(None)] * 11 + [Point(0, of=0)])
    assert texts(parse(line_chart([nothing], MONTHS, title="t", value_format="percent"))) == [
        "暂无数据"
    ]
    assert texts(parse(line_chart([], [], title="t"))) == ["暂无数据"]


def test_each_line_needs_one_point_per_month():
    with pytest.raises(ValueError, match="points"):
        line_chart([LineSeries("x", [Point(1)])], MONTHS, title="t")


# Progress


def test_progress_shows_the_percentage_and_both_figures():
    root = parse(progress_bar(1234, 2000, label="已发放", href="/staff/letters?status=issued"))
    assert "61.7%（1,234 / 2,000）" in texts(root)
    assert links(root)[0].get("aria-label") == "已发放：61.7%（1,234 / 2,000）"


def test_progress_over_a_zero_total_says_no_data():
    root = parse(progress_bar(0, 0, label="已转化"))
    assert texts(root) == ["暂无数据"]
    assert root.find("s:title", NS).text == "已转化"


def test_progress_beyond_the_total_fills_the_bar_and_no_more():
    root = parse(progress_bar(30, 20, label="已核实", lang="en"))
    track, done = root.iter(f"{{{NS['s']}}}rect")
    assert track.get("width") == done.get("width")
    assert "150.0% (30 / 20)" in texts(root)
    assert root.get("role") == "img"


def test_output_has_no_floats_in_coordinates():
    chart = line_chart(
        [coverage([701 + 3 * m for m in range(12)])], MONTHS, title="t", value_format="percent"
    )
    coordinates = re.findall(r' (?:x|y|cx|cy|width|height)="([^"]*)"', chart)
    assert all(c.lstrip("-").isdigit() for c in coordinates)
