"""Charts for the 数字驾驶舱, drawn in the browser by Apache ECharts (vendored, served by flexcover
itself: no CDN). This module builds each chart's ECharts *option* from integers: the figures,
tooltips and labels are written here, exactly (integer fen, exact rates), and the option only
places them. Every datum carries ``href``, the list behind it (a click opens it), and ``tip``,
what its tooltip says. The same links are listed beside the chart for screen readers and for a
browser without scripts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from flexcover.cockpit.figures import (
    ValueFormat,
    amount_text,
    figure_text,
    level,
    percent_text,
    require_int,
    words,
)
from flexcover.kit.months import Month

PALETTE = ["#1f6f8b", "#e0a100", "#c0392b", "#7d3c98", "#5d6d7e", "#27ae60", "#d35400"]
"""Colours of the series (a blue first, the brand's), distinguishable in grey print too."""
ROW = 30
"""Pixels a bar's row takes: the chart's height follows its rows."""


@dataclass(frozen=True)
class Bar:
    """One bar: a label, an integer figure and the list behind it.

    For a ``percent`` chart ``value`` is the numerator and ``of`` the denominator.
    """

    label: str
    value: int
    href: str | None = None
    of: int | None = None

    def __post_init__(self) -> None:
        require_int("value", self.value)
        if self.of is not None:
            require_int("of", self.of)


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar: a count (or fen) and the list behind it."""

    value: int
    href: str | None = None

    def __post_init__(self) -> None:
        require_int("value", self.value)


@dataclass(frozen=True)
class StackedRow:
    """One stacked bar: one segment per series, in the series' order; ``href`` links the total."""

    label: str
    segments: Sequence[Segment]
    href: str | None = None


@dataclass(frozen=True)
class Point:
    """One month's figure and the list behind it; ``value=None`` for a month without one. For a
    ``percent`` chart ``value`` is the numerator and ``of`` the denominator."""

    value: int | None
    href: str | None = None
    of: int | None = None

    def __post_init__(self) -> None:
        if self.value is not None:
            require_int("value", self.value)
        if self.of is not None:
            require_int("of", self.of)


@dataclass(frozen=True)
class LineSeries:
    """One line: a label and one point per month of the chart."""

    label: str
    points: Sequence[Point]


@dataclass(frozen=True)
class Tile:
    """One district on the tile map: its rate ``value / of`` and the list behind it."""

    label: str
    value: int
    of: int
    href: str | None = None


@dataclass(frozen=True)
class Drawing:
    """A chart for the page: ``option`` is ECharts', ``links`` the (href, words) of every linked
    figure, ``height`` the pixels it needs. ``kind == "progress"`` is drawn as HTML."""

    kind: str
    title: str
    option: dict[str, Any]
    links: list[tuple[str, str]] = field(default_factory=list)
    height: int = 260
    empty: str | None = None
    """The words shown instead of a chart with no data."""
    progress: tuple[int, str, str | None] | None = None
    """A progress bar's (per mille done, figures, href)."""


def _number(at: Any) -> float | None:
    """A figure's place on its axis (geometry only: the figures themselves are text)."""
    return None if at is None else float(at)


def _base(title: str, lang: str) -> dict[str, Any]:
    return {
        "aria": {"enabled": True, "label": {"description": title}},
        "animation": False,
        "color": PALETTE,
        "textStyle": {"fontFamily": "system-ui, 'Noto Sans CJK SC', 'WenQuanYi Micro Hei'"},
        "tooltip": {"confine": True},
        "grid": {"left": 8, "right": 56, "top": 8, "bottom": 8, "containLabel": True},
    }


def _empty(kind: str, title: str, lang: str) -> Drawing:
    return Drawing(kind=kind, title=title, option={}, empty=words(lang).no_data, height=60)


def _href(href: str | None) -> str | None:
    """A link within flexcover (``/staff/…``), or a refusal: a chart's click opens it."""
    if href is not None and (not href.startswith("/") or href.startswith("//")):
        raise ValueError(f"{href!r} is not a link within flexcover")
    return href


def _linked(links: list[tuple[str, str]], href: str | None, said: str) -> None:
    if _href(href):
        assert href is not None
        links.append((href, said))


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    unit: str = "",
    value_format: ValueFormat = "count",
    width: int = 640,
    lang: str = "zh-CN",
) -> Drawing:
    """Horizontal bars, one row each, the figure written after each bar. Rates are drawn on a
    0–100 % axis; a rate over a zero denominator reads ``—`` and draws no bar."""
    del width  # the chart fills its box
    if not bars:
        return _empty("bar", title, lang)
    said = words(lang)
    data: list[dict[str, Any]] = []
    links: list[tuple[str, str]] = []
    for bar in bars:
        figure = figure_text(bar.value, bar.of, value_format, unit)
        at = level(bar.value, bar.of, value_format)
        tip = f"{bar.label}{said.colon}{figure}"
        if value_format == "percent" and bar.of:
            tip += said.aside(f"{amount_text(bar.value, 'count')} / {amount_text(bar.of, 'count')}")
        _linked(links, bar.href, tip)
        geometry = None if at is None else (at / 10 if value_format == "percent" else at)
        data.append(
            {
                "value": _number(geometry),
                "href": bar.href,
                "tip": tip,
                "label": {"show": True, "position": "right", "formatter": figure},
            }
        )
    option = _base(title, lang)
    option["tooltip"] |= {"trigger": "item"}
    option["xAxis"] = {"type": "value", "min": 0, "axisLabel": {"show": False}}
    if value_format == "percent":
        option["xAxis"]["max"] = 100
    option["yAxis"] = {
        "type": "category",
        "inverse": True,
        "data": [bar.label for bar in bars],
        "axisTick": {"show": False},
    }
    option["series"] = [{"type": "bar", "name": title, "data": data, "barMaxWidth": 18}]
    return Drawing("bar", title, option, links, height=24 + ROW * len(bars))


def stacked_bar_chart(
    rows: Sequence[StackedRow],
    series: Sequence[str],
    *,
    title: str,
    unit: str = "",
    value_format: Literal["count", "yuan"] = "count",
    share: bool = False,
    width: int = 640,
    lang: str = "zh-CN",
) -> Drawing:
    """Horizontal stacked bars with a legend: per row, how its total splits across ``series``
    (with ``share=True`` each row fills the width: its composition). Each segment's tooltip
    says its figure and its share of the row."""
    del width
    for row in rows:
        if len(row.segments) != len(series):
            raise ValueError(f"{row.label!r} has {len(row.segments)} segments for {len(series)}")
    if len(series) > len(PALETTE):
        raise ValueError(f"{len(series)} series; the palette tells {len(PALETTE)} apart")
    if not rows or not series:
        return _empty("stacked", title, lang)
    said = words(lang)
    links: list[tuple[str, str]] = []
    totals = [sum(max(s.value, 0) for s in row.segments) for row in rows]
    for row, total in zip(rows, totals, strict=True):
        total_text = amount_text(total, value_format, unit)
        _linked(links, row.href, f"{row.label} · {said.total}{said.colon}{total_text}")
    drawn = []
    for index, name in enumerate(series):
        data = []
        for row, total in zip(rows, totals, strict=True):
            segment = row.segments[index]
            figure = amount_text(segment.value, value_format, unit)
            tip = f"{row.label} · {name}{said.colon}{figure}" + said.aside(
                percent_text(segment.value, total)
            )
            _linked(links, segment.href, tip)
            value = level(segment.value, None, value_format)
            if share:
                value = value * 100 / total if total and value is not None else None
            data.append({"value": _number(value), "href": segment.href, "tip": tip})
        drawn.append(
            {"type": "bar", "name": name, "stack": "total", "data": data, "barMaxWidth": 18}
        )
    option = _base(title, lang)
    option["tooltip"] |= {"trigger": "item"}
    option["legend"] = {"top": 0, "type": "scroll"}
    option["grid"] |= {"top": 32}
    option["xAxis"] = {"type": "value", "min": 0, "axisLabel": {"show": False}}
    if share:
        option["xAxis"]["max"] = 100
    option["yAxis"] = {
        "type": "category",
        "inverse": True,
        "data": [row.label for row in rows],
        "axisTick": {"show": False},
    }
    option["series"] = drawn
    return Drawing("stacked", title, option, links, height=56 + ROW * len(rows))


def line_chart(
    series: Sequence[LineSeries],
    months: Sequence[Month | str],
    *,
    title: str,
    unit: str = "",
    value_format: ValueFormat = "count",
    width: int = 640,
    height: int = 260,
    lang: str = "zh-CN",
) -> Drawing:
    """Lines over months from a zero baseline, every point linkable and its figure in the
    tooltip; a month without a figure is a gap in the line. The chart fills its panel."""
    del width
    labels = [str(month) for month in months]
    for line in series:
        if len(line.points) != len(labels):
            raise ValueError(f"{line.label!r} has {len(line.points)} points for {len(labels)}")
    said = words(lang)
    drawn: list[dict[str, Any]] = []
    links: list[tuple[str, str]] = []
    known = False
    for line in series:
        data: list[dict[str, Any]] = []
        for month, point in zip(labels, line.points, strict=True):
            if point.value is None or (value_format == "percent" and not point.of):
                data.append({"value": None, "tip": f"{month} · {line.label}{said.colon}—"})
                continue
            known = True
            figure = figure_text(point.value, point.of, value_format, unit)
            tip = f"{month} · {line.label}{said.colon}{figure}"
            _linked(links, point.href, tip)
            at = level(point.value, point.of, value_format)
            geometry = None if at is None else (at / 10 if value_format == "percent" else at)
            data.append({"value": _number(geometry), "href": point.href, "tip": tip})
        drawn.append(
            {
                "type": "line",
                "name": line.label,
                "data": data,
                "connectNulls": False,
                "symbolSize": 8,
                "endLabel": {"show": True, "formatter": "{a}"},
            }
        )
    if not known:
        return _empty("line", title, lang)
    option = _base(title, lang)
    option["tooltip"] |= {"trigger": "item"}
    option["grid"] |= {"right": 72, "top": 16}
    option["xAxis"] = {"type": "category", "data": labels, "boundaryGap": False}
    option["yAxis"] = {"type": "value", "min": 0}
    if value_format == "percent":
        option["yAxis"] |= {"max": 100, "axisLabel": {"formatter": "{value}%"}}
    option["series"] = drawn
    return Drawing("line", title, option, links, height=height)


def tile_map(
    tiles: Sequence[Tile], *, title: str, columns: int = 4, lang: str = "zh-CN"
) -> Drawing:
    """The coverage rate of each district as a grid of tiles coloured by the rate (a map whose
    boundaries need no download: the districts in code order, ``columns`` a row)."""
    if not tiles:
        return _empty("tiles", title, lang)
    said = words(lang)
    columns = max(1, min(columns, len(tiles)))
    rows = (len(tiles) + columns - 1) // columns
    data: list[dict[str, Any]] = []
    links: list[tuple[str, str]] = []
    for index, tile in enumerate(tiles):
        figure = percent_text(tile.value, tile.of)
        tip = f"{tile.label}{said.colon}{figure}" + said.aside(
            f"{amount_text(tile.value, 'count')} / {amount_text(tile.of, 'count')}"
        )
        _linked(links, tile.href, tip)
        at = level(tile.value, tile.of, "percent")
        data.append(
            {
                "value": [index % columns, index // columns, _number(at and at / 10)],
                "href": tile.href,
                "tip": tip,
                "label": {"show": True, "formatter": f"{tile.label}\n{figure}"},
            }
        )
    option = _base(title, lang)
    option["tooltip"] |= {"trigger": "item"}
    option["grid"] = {"left": 4, "right": 4, "top": 4, "bottom": 40}
    option["xAxis"] = {"type": "category", "data": list(range(columns)), "show": False}
    option["yAxis"] = {
        "type": "category",
        "data": list(range(rows)),
        "show": False,
        "inverse": True,
    }
    option["visualMap"] = {
        "min": 0,
        "max": 100,
        "calculable": False,
        "orient": "horizontal",
        "left": "center",
        "bottom": 0,
        "itemHeight": 120,
        "text": ["100%", "0%"],
        "inRange": {"color": ["#f6d7a7", "#9fc5d6", "#1f6f8b"]},
    }
    option["series"] = [
        {
            "type": "heatmap",
            "name": title,
            "data": data,
            "itemStyle": {"borderColor": "#fff", "borderWidth": 3},
        }
    ]
    return Drawing("tiles", title, option, links, height=48 + 64 * rows)


def progress_bar(
    done: int,
    total: int,
    *,
    label: str,
    href: str | None = None,
    unit: str = "",
    value_format: Literal["count", "yuan"] = "count",
    width: int = 320,
    lang: str = "zh-CN",
) -> Drawing:
    """How far something has got (issued, verified, converted): 61.7% with the figures, as an
    HTML bar; nothing is divided when ``total`` is zero, which reads as no data."""
    del width
    require_int("done", done)
    require_int("total", total)
    if total <= 0:
        return _empty("progress", label, lang)
    said = words(lang)
    figures = percent_text(done, total) + said.aside(
        f"{amount_text(done, value_format)} / {amount_text(total, value_format, unit)}"
    )
    per_mille = min(max(done, 0), total) * 1000 // total
    links: list[tuple[str, str]] = []
    _linked(links, href, f"{label}{said.colon}{figures}")
    return Drawing("progress", label, {}, links, height=40, progress=(per_mille, figures, href))
