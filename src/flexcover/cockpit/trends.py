"""Month-by-month line charts for the 数字驾驶舱: coverage rate, enrolments, arrears over a year."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from flexcover.cockpit import svg
from flexcover.cockpit.figures import (
    ValueFormat,
    figure_text,
    level,
    nice_step,
    require_int,
    scaled,
    tick_text,
    words,
)
from flexcover.kit.months import Month

PAD = 8
GAP = 6
MIN_PLOT = 200
MONTH_ROW = 24
LABEL_LINE = 16

_Place = Callable[[int], int]
_Scale = Callable[[Fraction | int], int]


@dataclass(frozen=True)
class Point:
    """One month's figure and the list behind it; ``value=None`` for a month without one.

    For a ``percent`` chart ``value`` is the numerator and ``of`` the denominator; a zero
    denominator leaves the month out, as there is no rate to draw.
    """

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
) -> str:
    """Lines over months from a zero baseline, with a tick axis, every point linkable and the last
    figure of each line written at its end. Lines differ by colour, dash and marker shape."""
    said = words(lang)
    labels = [str(month) for month in months]
    cid = svg.chart_id("line", title, unit, value_format, labels, series)
    for line in series:
        if len(line.points) != len(labels):
            raise ValueError(f"{line.label!r} has {len(line.points)} points for {len(labels)}")
    levels = [[_level(point, value_format) for point in line.points] for line in series]
    known = [at for row in levels for at in row if at is not None]
    if not known:
        return svg.no_data(cid=cid, title=title, message=said.no_data, width=width)

    step = nice_step(math.ceil(max(known)))
    axis_top = step * max(math.ceil(max(known) / step), 1)
    ticks = range(0, axis_top + 1, step)
    tick_labels = [tick_text(tick, step, value_format) for tick in ticks]
    ends = [_last(row) for row in levels]
    end_texts = [
        "" if last is None else _end_text(line, last, len(series), value_format, unit)
        for line, last in zip(series, ends, strict=True)
    ]
    plot_x = PAD + svg.widest(tick_labels) + GAP
    end_width = svg.widest(end_texts) + 2 * GAP
    plot_width = max(width - plot_x - end_width - PAD, MIN_PLOT)
    width = plot_x + plot_width + end_width + PAD
    key, key_height = _legend(series, width) if len(series) > 1 else ("", 0)
    plot_top = PAD + key_height + LABEL_LINE // 2
    plot_height = max(height - plot_top - MONTH_ROW - PAD, 100)
    height = plot_top + plot_height + MONTH_ROW + PAD

    def x_at(index: int) -> int:
        if len(labels) == 1:
            return plot_x + plot_width // 2
        return plot_x + scaled(index, len(labels) - 1, plot_width)

    def y_at(at: Fraction | int) -> int:
        return plot_top + plot_height - scaled(at, axis_top, plot_height)

    grid = [
        svg.el("path", {"d": f"M{plot_x} {y_at(tick)}H{plot_x + plot_width}", "stroke": svg.LINE})
        + svg.text(plot_x - GAP, y_at(tick) + 4, text, text_anchor="end", fill=svg.MUTED)
        for tick, text in zip(ticks, tick_labels, strict=True)
    ]
    month_width = svg.widest(labels) + GAP
    spacing = plot_width // max(len(labels) - 1, 1)
    stride = max(-(-month_width // max(spacing, 1)), 1)
    grid += [
        svg.text(
            x_at(i), plot_top + plot_height + 18, labels[i], text_anchor="middle", fill=svg.MUTED
        )
        for i in range(len(labels) - 1, -1, -stride)
    ]

    drawn, spoken = [], []
    for index, (line, row) in enumerate(zip(series, levels, strict=True)):
        look = svg.swatch(index)
        drawn.append(
            svg.el(
                "path",
                {
                    "d": _path(row, x_at, y_at),
                    "fill": "none",
                    "stroke": look.colour,
                    "stroke-width": 2,
                    "stroke-dasharray": look.dash,
                },
            )
        )
        for i, (month, point, at) in enumerate(zip(labels, line.points, row, strict=True)):
            if at is None or point.value is None:
                continue
            figure = figure_text(point.value, point.of, value_format, unit)
            said_here = f"{line.label} {month}{said.colon}{figure}"
            spoken.append(said_here)
            x, y = x_at(i), y_at(at)
            # A wider transparent target than the marker itself, so a point is easy to hit.
            target = svg.el("circle", {"cx": x, "cy": y, "r": 9, "fill": "transparent"})
            drawn.append(svg.linked(point.href, said_here, target, svg.marker(index, x, y)))
    drawn += _end_labels(ends, end_texts, x_at, y_at, high=plot_top + plot_height)
    return svg.document(
        cid=cid,
        width=width,
        height=height,
        title=title,
        desc=said.separator.join(spoken),
        body=key + svg.el("g", {"aria-hidden": "true"}, *grid) + "".join(drawn),
        interactive=any(point.href for line in series for point in line.points),
    )


def _level(point: Point, value_format: ValueFormat) -> Fraction | None:
    return None if point.value is None else level(point.value, point.of, value_format)


def _last(row: Sequence[Fraction | None]) -> tuple[int, Fraction] | None:
    return next(((i, at) for i, at in reversed(list(enumerate(row))) if at is not None), None)


def _end_text(
    line: LineSeries, last: tuple[int, Fraction], count: int, value_format: ValueFormat, unit: str
) -> str:
    point = line.points[last[0]]
    assert point.value is not None
    figure = figure_text(point.value, point.of, value_format, unit)
    return figure if count == 1 else f"{line.label} {figure}"


def _path(row: Sequence[Fraction | None], x_at: _Place, y_at: _Scale) -> str:
    """One subpath per run of months with figures: a month without one breaks the line."""
    steps, pen_down = [], False
    for i, at in enumerate(row):
        if at is None:
            pen_down = False
            continue
        steps.append(f"{'L' if pen_down else 'M'}{x_at(i)} {y_at(at)}")
        pen_down = True
    return "".join(steps)


def _end_labels(
    ends: Sequence[tuple[int, Fraction] | None],
    texts: Sequence[str],
    x_at: _Place,
    y_at: _Scale,
    *,
    high: int,
) -> list[str]:
    """Each line's last figure beside its last point, pushed apart so no two overlap."""
    placed = sorted(
        (y_at(end[1]), x_at(end[0]), text) for end, text in zip(ends, texts, strict=True) if end
    )
    ys = [y for y, _, _ in placed]
    for i in range(1, len(ys)):
        ys[i] = max(ys[i], ys[i - 1] + LABEL_LINE)
    if ys:
        ys[-1] = min(ys[-1], high)
    for i in range(len(ys) - 2, -1, -1):
        ys[i] = min(ys[i], ys[i + 1] - LABEL_LINE)
    return [
        svg.text(x + GAP + 4, y + 4, text, font_weight="bold", aria_hidden="true")
        for y, (_, x, text) in zip(ys, placed, strict=True)
    ]


def _legend(series: Sequence[LineSeries], width: int) -> tuple[str, int]:
    keys = [
        svg.el(
            "path",
            {
                "d": "M0 6H16",
                "stroke": svg.swatch(i).colour,
                "stroke-width": 2,
                "stroke-dasharray": svg.swatch(i).dash,
            },
        )
        + svg.marker(i, 8, 6)
        for i in range(len(series))
    ]
    return svg.legend([line.label for line in series], keys, x=PAD, y=PAD, width=width - 2 * PAD)
