"""Charts for the 数字驾驶舱: inline SVG strings built from integers, with no script and no CDN.

Every figure on a chart links to the list behind it when given an ``href``, and says its number
in words for screen readers. Embed the result with ``{{ chart|safe }}``: all text is escaped.
Line charts are in :mod:`flexcover.cockpit.trends` and re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from flexcover.cockpit import svg
from flexcover.cockpit.figures import (
    ValueFormat,
    amount_text,
    figure_text,
    level,
    percent_text,
    require_int,
    scaled,
    words,
)
from flexcover.cockpit.trends import LineSeries, Point, line_chart

__all__ = [
    "Bar",
    "LineSeries",
    "Point",
    "Segment",
    "StackedRow",
    "bar_chart",
    "line_chart",
    "progress_bar",
    "stacked_bar_chart",
]

PAD = 8
GAP = 6
MIN_PLOT = 160


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


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    unit: str = "",
    value_format: ValueFormat = "count",
    width: int = 640,
    lang: str = "zh-CN",
) -> str:
    """Horizontal bars, one row each, the figure written after each bar.

    Counts and fen scale to the largest bar; rates to 100% (or the largest rate, if above).
    A rate over a zero denominator reads ``—`` and draws no bar.
    """
    said = words(lang)
    cid = svg.chart_id("bar", title, unit, value_format, bars)
    if not bars:
        return svg.no_data(cid=cid, title=title, message=said.no_data, width=width)
    figures = [figure_text(bar.value, bar.of, value_format, unit) for bar in bars]
    levels = [level(bar.value, bar.of, value_format) or Fraction(0) for bar in bars]
    top = max([*levels, Fraction(1000 if value_format == "percent" else 0)])
    label_width = min(svg.widest(bar.label for bar in bars), width * 3 // 10)
    plot_x = PAD + label_width + GAP
    figure_width = svg.widest(figures) + GAP
    plot_width = max(width - plot_x - figure_width - PAD, MIN_PLOT)
    width = plot_x + plot_width + figure_width + PAD
    row, bar_height = 24, 16
    height = 2 * PAD + row * len(bars)

    rows, spoken = [], []
    for i, (bar, figure, at) in enumerate(zip(bars, figures, levels, strict=True)):
        y = PAD + i * row
        length = scaled(at, top, plot_width)
        said_here = f"{bar.label}{said.colon}{figure}"
        spoken.append(said_here)
        rows.append(
            svg.linked(
                bar.href,
                said_here,
                svg.text(plot_x - GAP, y + 16, svg.fit(bar.label, label_width), text_anchor="end"),
                svg.el(
                    "rect",
                    {
                        "x": plot_x,
                        "y": y + 4,
                        "width": length,
                        "height": bar_height,
                        "fill": svg.BRAND,
                    },
                ),
                svg.text(plot_x + length + GAP, y + 16, figure),
            )
        )
    axis = svg.el(
        "path", {"d": f"M{plot_x} {PAD}V{height - PAD}", "stroke": svg.MUTED, "aria-hidden": "true"}
    )
    return svg.document(
        cid=cid,
        width=width,
        height=height,
        title=title,
        desc=said.separator.join(spoken),
        body=axis + "".join(rows),
        interactive=any(bar.href for bar in bars),
    )


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
) -> str:
    """Horizontal stacked bars with a legend: per row, how its total splits across ``series``.

    Bars scale to the largest total, or with ``share=True`` each fills the width (composition).
    Segments carry their figure and share in a tooltip, and write the figure inside when it fits.
    """
    said = words(lang)
    cid = svg.chart_id("stacked", title, unit, value_format, share, series, rows)
    for row in rows:
        if len(row.segments) != len(series):
            raise ValueError(f"{row.label!r} has {len(row.segments)} segments for {len(series)}")
    if not rows or not series:
        return svg.no_data(cid=cid, title=title, message=said.no_data, width=width)
    totals = [sum(max(s.value, 0) for s in row.segments) for row in rows]
    total_texts = [amount_text(total, value_format, unit) for total in totals]
    label_width = min(svg.widest(row.label for row in rows), width * 3 // 10)
    plot_x = PAD + label_width + GAP
    total_width = svg.widest(total_texts) + GAP
    plot_width = max(width - plot_x - total_width - PAD, MIN_PLOT)
    width = plot_x + plot_width + total_width + PAD
    keys = [
        svg.el("rect", {"x": 1, "y": 0, "width": 14, "height": 12, "fill": svg.fill(cid, i)})
        for i in range(len(series))
    ]
    key, key_height = svg.legend(series, keys, x=PAD, y=PAD, width=width - 2 * PAD)
    row_height, top_y = 28, PAD + key_height + GAP
    height = top_y + row_height * len(rows) + PAD
    longest = max(totals)

    drawn, spoken = [], []
    for i, (row, total, total_text) in enumerate(zip(rows, totals, total_texts, strict=True)):
        y = top_y + i * row_height
        whole = total if share else longest
        parts, cumulative, left = [], 0, plot_x
        for s, (name, segment) in enumerate(zip(series, row.segments, strict=True)):
            cumulative += max(segment.value, 0)
            right = plot_x + scaled(cumulative, whole, plot_width)
            figure = amount_text(segment.value, value_format, unit)
            said_here = f"{row.label} · {name}{said.colon}{figure}" + said.aside(
                percent_text(segment.value, total)
            )
            spoken.append(said_here)
            if right > left:
                inside = amount_text(segment.value, value_format)
                parts.append(_segment(cid, s, segment, said_here, inside, (left, right), y))
            left = right
        label = svg.text(plot_x - GAP, y + 18, svg.fit(row.label, label_width), text_anchor="end")
        end = svg.text(left + GAP, y + 18, total_text)
        said_total = f"{row.label} · {said.total}{said.colon}{total_text}"
        drawn.append(svg.el("g", None, svg.linked(row.href, said_total, label, end), *parts))
    return svg.document(
        cid=cid,
        width=width,
        height=height,
        title=title,
        desc=said.separator.join(spoken),
        body=svg.pattern_defs(cid, len(series)) + key + "".join(drawn),
        interactive=any(row.href or any(s.href for s in row.segments) for row in rows),
    )


def _segment(
    cid: str, index: int, segment: Segment, spoken: str, figure: str, span: tuple[int, int], y: int
) -> str:
    """One linked segment, its figure written inside when it fits."""
    (left, right), inside = span, ""
    if svg.text_width(figure, 11) + 2 * GAP <= right - left:
        # Dark figure on a white halo: legible on every colour and pattern of the palette.
        inside = svg.text(
            (left + right) // 2,
            y + 18,
            figure,
            text_anchor="middle",
            font_size=11,
            fill=svg.INK,
            stroke="#fff",
            stroke_width=3,
            stroke_linejoin="round",
            paint_order="stroke",
        )
    rect = svg.el(
        "rect",
        {
            "x": left,
            "y": y + 4,
            "width": right - left,
            "height": 20,
            "fill": svg.fill(cid, index),
            "stroke": "#fff",
            "stroke-width": 1,
        },
    )
    return svg.linked(segment.href, spoken, rect, inside)


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
) -> str:
    """A small bar for how far something has got (issued, verified, converted): 61.7% with the
    figures; nothing is divided when ``total`` is zero, which reads as no data."""
    require_int("done", done)
    require_int("total", total)
    said = words(lang)
    cid = svg.chart_id("progress", label, done, total, href, unit, value_format)
    if total <= 0:
        return svg.no_data(cid=cid, title=label, message=said.no_data, width=width)
    rate = percent_text(done, total)
    figures = rate + said.aside(
        f"{amount_text(done, value_format)} / {amount_text(total, value_format, unit)}"
    )
    spoken = f"{label}{said.colon}{figures}"
    figures_width = svg.text_width(figures)
    bar_width = max(width - 2 * PAD - figures_width - GAP, 80)
    width = 2 * PAD + bar_width + GAP + figures_width
    length = scaled(min(max(done, 0), total), total, bar_width)
    body = svg.linked(
        href,
        spoken,
        svg.text(PAD, 16, svg.fit(label, width - 2 * PAD)),
        svg.el(
            "rect", {"x": PAD, "y": 24, "width": bar_width, "height": 12, "rx": 3, "fill": svg.LINE}
        ),
        svg.el(
            "rect", {"x": PAD, "y": 24, "width": length, "height": 12, "rx": 3, "fill": svg.BRAND}
        ),
        svg.text(PAD + bar_width + GAP, 35, figures),
    )
    return svg.document(
        cid=cid,
        width=width,
        height=44,
        title=label,
        desc=spoken,
        body=body,
        interactive=href is not None,
    )
