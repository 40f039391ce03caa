"""The cockpit's charts as ECharts options: every figure written exactly by flexcover (integer
fen, rates half up), every datum linked to its list and saying itself in its tooltip, links only
within flexcover, and no chart drawn from nothing."""

import json

import pytest

from flexcover.cockpit.charts import (
    PALETTE,
    Bar,
    LineSeries,
    Point,
    Segment,
    StackedRow,
    Tile,
    bar_chart,
    line_chart,
    progress_bar,
    stacked_bar_chart,
    tile_map,
)

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
SERIES = ["已覆盖", "中断", "退保", "从未参保", "排除"]


def district_bars(count: int) -> list[Bar]:
    return [
        Bar(f"第{i}区", 1000 * (i + 1), href=f"/staff/people?region=5001{i:02d}&status=covered")
        for i in range(count)
    ]


def data(drawing, series=0):
    return drawing.option["series"][series]["data"]


# Bars


def test_every_bar_links_to_the_list_behind_it_and_says_its_figure():
    drawing = bar_chart(district_bars(3), title="参保人数", unit="人")
    assert [d["href"] for d in data(drawing)] == [b.href for b in district_bars(3)]
    assert [d["tip"] for d in data(drawing)] == [
        "第0区：1,000 人",
        "第1区：2,000 人",
        "第2区：3,000 人",
    ]
    assert [d["label"]["formatter"] for d in data(drawing)] == ["1,000 人", "2,000 人", "3,000 人"]
    assert drawing.links == [(d["href"], d["tip"]) for d in data(drawing)]
    assert drawing.option["yAxis"]["data"] == ["第0区", "第1区", "第2区"]
    assert drawing.option["aria"]["enabled"]


def test_the_option_is_plain_json_and_the_same_input_gives_the_same_option():
    first = json.dumps(bar_chart(district_bars(5), title="t").option, ensure_ascii=False)
    assert first == json.dumps(bar_chart(district_bars(5), title="t").option, ensure_ascii=False)


@pytest.mark.parametrize(
    "href", ["javascript:alert(1)", " JavaScript:x", "data:text/html,x", "//evil.example/x"]
)
def test_links_that_leave_flexcover_or_run_script_are_refused(href):
    with pytest.raises(ValueError, match="not a link within flexcover"):
        bar_chart([Bar("渝中区", 1, href=href)], title="t")


def test_empty_data_says_no_data_in_the_page_language():
    assert bar_chart([], title="人数").empty == "暂无数据"
    assert bar_chart([], title="People", lang="en").empty == "No data"


def test_money_is_shown_in_yuan_from_integer_fen():
    drawing = bar_chart([Bar("渝中区", 123456789)], title="征收额", unit="元", value_format="yuan")
    assert data(drawing)[0]["label"]["formatter"] == "1,234,567.89 元"


def test_floats_are_refused_in_chart_data():
    with pytest.raises(TypeError, match="value must be an int"):
        Bar("渝中区", 12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Point(True)


def test_rates_are_percentages_with_one_decimal_half_up_on_a_hundred_percent_axis():
    bars = [Bar("a", 853, of=1000), Bar("b", 1, of=3), Bar("c", 2, of=3), Bar("d", 1, of=16)]
    drawing = bar_chart(bars, title="覆盖率", value_format="percent")
    assert [d["label"]["formatter"] for d in data(drawing)] == ["85.3%", "33.3%", "66.7%", "6.3%"]
    assert data(drawing)[0]["tip"] == "a：85.3%（853 / 1,000）"
    assert drawing.option["xAxis"]["max"] == 100
    assert data(drawing)[0]["value"] == pytest.approx(85.3)


def test_a_rate_over_zero_reads_as_a_dash_and_draws_no_bar():
    drawing = bar_chart([Bar("无人区", 0, of=0)], title="覆盖率", value_format="percent")
    assert data(drawing)[0]["label"]["formatter"] == "—"
    assert data(drawing)[0]["value"] is None


def test_a_percent_chart_needs_a_denominator():
    with pytest.raises(ValueError, match="denominator"):
        bar_chart([Bar("a", 1)], title="t", value_format="percent")


def test_forty_districts_get_a_chart_tall_enough_for_their_rows():
    assert bar_chart(district_bars(40), title="t").height > 40 * 24


# Stacked bars


def rows() -> list[StackedRow]:
    return [
        StackedRow(
            "渝中区",
            [Segment(60, "/p?c=covered"), Segment(20, "/p?c=int"), Segment(20, "/p?c=drop")],
            href="/p?d=500103",
        ),
        StackedRow("江北区", [Segment(0), Segment(0), Segment(0)]),
    ]


def test_every_segment_links_to_its_list_and_tells_figure_and_share():
    drawing = stacked_bar_chart(rows(), SERIES[:3], title="人数", unit="人")
    assert [s["name"] for s in drawing.option["series"]] == SERIES[:3]
    assert {s["stack"] for s in drawing.option["series"]} == {"total"}
    first = [s["data"][0] for s in drawing.option["series"]]
    assert [d["tip"] for d in first] == [
        "渝中区 · 已覆盖：60 人（60.0%）",
        "渝中区 · 中断：20 人（20.0%）",
        "渝中区 · 退保：20 人（20.0%）",
    ]
    assert ("/p?d=500103", "渝中区 · 合计：100 人") in drawing.links


def test_shares_make_every_row_a_hundred_and_an_empty_row_divides_by_nothing():
    drawing = stacked_bar_chart(rows(), SERIES[:3], title="人数", share=True)
    assert sum(s["data"][0]["value"] for s in drawing.option["series"]) == pytest.approx(100)
    assert [s["data"][1]["value"] for s in drawing.option["series"]] == [None, None, None]
    assert drawing.option["xAxis"]["max"] == 100


def test_stacked_money_is_written_in_yuan():
    drawing = stacked_bar_chart(
        [StackedRow("渝中区", [Segment(150), Segment(50)])],
        ["已缴", "欠缴"],
        title="t",
        unit="元",
        value_format="yuan",
    )
    assert drawing.option["series"][0]["data"][0]["tip"] == "渝中区 · 已缴：1.50 元（75.0%）"


def test_more_series_than_the_palette_tells_apart_are_refused():
    many = [f"s{i}" for i in range(len(PALETTE) + 1)]
    with pytest.raises(ValueError, match="palette"):
        stacked_bar_chart([StackedRow("a", [Segment(1)] * len(many))], many, title="t")


def test_stacked_without_rows_says_no_data_and_each_row_needs_all_its_segments():
    assert stacked_bar_chart([], SERIES, title="t").empty == "暂无数据"
    with pytest.raises(ValueError, match="segments"):
        stacked_bar_chart([StackedRow("a", [Segment(1)])], SERIES, title="t")


# Lines


def test_every_point_links_to_its_month_and_a_month_without_a_figure_breaks_the_line():
    points = [Point(i * 10, href=f"/m/{m}") for i, m in enumerate(MONTHS)]
    points[5] = Point(None)
    drawing = line_chart([LineSeries("参保人数", points)], MONTHS, title="t", unit="人")
    line = drawing.option["series"][0]
    assert line["data"][0] == {
        "value": 0.0,
        "href": "/m/2026-01",
        "tip": "2026-01 · 参保人数：0 人",
    }
    assert line["data"][5] == {"value": None, "tip": "2026-06 · 参保人数：—"}
    assert line["connectNulls"] is False
    assert drawing.option["xAxis"]["data"] == MONTHS
    assert drawing.option["yAxis"]["min"] == 0
    assert len(drawing.links) == 11


def test_a_rate_line_reads_in_percent_and_a_zero_denominator_is_a_gap():
    points = [Point(1, of=2), Point(0, of=0)]
    drawing = line_chart(
        [LineSeries("参保率", points)], MONTHS[:2], title="t", value_format="percent"
    )
    assert [d["tip"] for d in drawing.option["series"][0]["data"]] == [
        "2026-01 · 参保率：50.0%",
        "2026-02 · 参保率：—",
    ]
    assert drawing.option["yAxis"]["max"] == 100


def test_several_lines_are_named_and_lines_without_a_figure_say_no_data():
    two = line_chart(
        [LineSeries("甲", [Point(1)] * 2), LineSeries("乙", [Point(2)] * 2)], MONTHS[:2], title="t"
    )
    assert [s["name"] for s in two.option["series"]] == ["甲", "乙"]
    assert line_chart([LineSeries("甲", [Point(None)] * 2)], MONTHS[:2], title="t").empty
    with pytest.raises(ValueError, match="points"):
        line_chart([LineSeries("甲", [Point(1)])], MONTHS[:2], title="t")


# The tile map and progress


def test_tiles_place_districts_in_a_grid_coloured_by_their_rate():
    tiles = [Tile(f"第{i}区", i, 10, href=f"/p?d={i}") for i in range(6)]
    drawing = tile_map(tiles, title="覆盖率", columns=4)
    cells = data(drawing)
    assert [c["value"][:2] for c in cells] == [[0, 0], [1, 0], [2, 0], [3, 0], [0, 1], [1, 1]]
    assert cells[3]["value"][2] == pytest.approx(30.0)
    assert cells[3]["label"]["formatter"] == "第3区\n30.0%"
    assert cells[3]["tip"] == "第3区：30.0%（3 / 10）"
    assert drawing.option["visualMap"]["max"] == 100
    assert tile_map([], title="t").empty


def test_progress_shows_the_percentage_and_both_figures_and_never_overflows():
    drawing = progress_bar(37, 60, label="已核实", href="/staff/tasks?status=verified")
    assert drawing.progress == (616, "61.7%（37 / 60）", "/staff/tasks?status=verified")
    assert progress_bar(80, 60, label="x").progress[0] == 1000
    assert progress_bar(0, 0, label="x").empty == "暂无数据"
