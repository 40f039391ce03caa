"""SVG pieces for the cockpit charts: escaped elements, text widths, links, palette and legend.

Everything is built as text with integer coordinates, so the same input gives the same bytes.
Every text and attribute value passes :func:`escape`, so a chart is safe under Jinja's ``|safe``.
No ``style`` attributes or elements: presentation attributes only, which a strict
Content-Security-Policy allows.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

SVG_NS = "http://www.w3.org/2000/svg"
INK = "#1d2733"
MUTED = "#5d6b7a"
LINE = "#d9dee4"
BRAND = "#0b5cab"
FONT_SIZE = 13

# Characters XML 1.0 cannot hold at all; a name containing one would make the page ill-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SAFE_SCHEMES = ("", "http", "https")

Attrs = Mapping[str, str | int | None]


def escape(text: str) -> str:
    text = _NOT_XML.sub("\ufffd", text)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def el(tag: str, attrs: Attrs | None = None, *children: str) -> str:
    """``<tag a="v">children</tag>``; attributes whose value is None are left out."""
    pairs = "".join(
        f' {name}="{escape(str(value))}"'
        for name, value in (attrs or {}).items()
        if value is not None
    )
    if not children:
        return f"<{tag}{pairs}/>"
    return f"<{tag}{pairs}>{''.join(children)}</{tag}>"


def text(x: int, y: int, content: str, **attrs: str | int | None) -> str:
    """A line of text; ``text_anchor`` and other underscored names become hyphenated attributes."""
    named = {name.replace("_", "-"): value for name, value in attrs.items()}
    return el("text", {"x": x, "y": y, **named}, escape(content))


def text_width(content: str, size: int = FONT_SIZE) -> int:
    """Estimated width in pixels: CJK characters are 1 em, others about 0.6 em.

    The estimate errs wide, so labels are never placed over each other; no font metrics are
    available on the server, and pages may fall back to any CJK font.
    """
    tenths = sum(10 if unicodedata.east_asian_width(ch) in "WF" else 6 for ch in content)
    return -(-tenths * size // 10)


def widest(contents: Iterable[str], size: int = FONT_SIZE) -> int:
    return max((text_width(content, size) for content in contents), default=0)


def fit(content: str, width: int, size: int = FONT_SIZE) -> str:
    """``content`` cut with an ellipsis so it fits ``width``; the full text goes in a tooltip."""
    if text_width(content, size) <= width:
        return content
    while content and text_width(content + "…", size) > width:
        content = content[:-1]
    return content + "…"


def safe_href(href: str) -> str:
    """Refuse ``javascript:``, ``data:`` and other schemes a link on a staff page never needs."""
    scheme = urlsplit(href.strip()).scheme.lower()
    if scheme not in _SAFE_SCHEMES or _NOT_XML.search(href):
        raise ValueError(f"not a link a chart may carry: {href!r}")
    return href


def linked(href: str | None, spoken: str, *parts: str) -> str:
    """Parts that together show one figure; with ``href`` they are one link to the list behind it.

    ``spoken`` (e.g. ``朝阳区：1,234 人``) is the link's accessible name and its tooltip.
    """
    tooltip = el("title", None, escape(spoken))
    if href is None:
        return el("g", None, tooltip, *parts)
    return el("a", {"href": safe_href(href), "aria-label": spoken}, tooltip, *parts)


def chart_id(kind: str, *data: object) -> str:
    """A stable id for a chart's ids (title, description, patterns): a digest of its input."""
    digest = hashlib.blake2s(repr((kind, data)).encode(), digest_size=5).hexdigest()
    return f"chart-{kind}-{digest}"


@dataclass(frozen=True)
class Swatch:
    """One series' look: a colour (3:1 or more on white), a pattern, a marker and a dash, so a
    series is told apart in greyscale too."""

    colour: str
    pattern: str
    marker: str
    dash: str | None


PALETTE = (
    Swatch("#0b5cab", "solid", "circle", None),
    Swatch("#d55e00", "diagonal", "square", "7 3"),
    Swatch("#1b7f5a", "dots", "triangle", "2 3"),
    Swatch("#8e4585", "crosshatch", "diamond", "9 3 2 3"),
    Swatch("#6b7785", "horizontal", "circle", "4 4"),
    Swatch("#b8860b", "vertical", "square", "1 2"),
)

_PATTERN_MARKS = {
    "solid": "",
    "diagonal": '<path d="M0 8L8 0M-2 2L2 -2M6 10L10 6" stroke="#fff" stroke-width="1.5"/>',
    "dots": '<circle cx="4" cy="4" r="1.6" fill="#fff"/>',
    "crosshatch": '<path d="M0 0L8 8M8 0L0 8" stroke="#fff" stroke-width="1"/>',
    "horizontal": '<path d="M0 4H8" stroke="#fff" stroke-width="1.5"/>',
    "vertical": '<path d="M4 0V8" stroke="#fff" stroke-width="1.5"/>',
}


def swatch(index: int) -> Swatch:
    if index >= len(PALETTE):
        raise ValueError(f"at most {len(PALETTE)} series can be told apart")
    return PALETTE[index]


def fill(cid: str, index: int) -> str:
    """The fill of series ``index``: its colour, patterned after the first."""
    return swatch(index).colour if index == 0 else f"url(#{cid}-p{index})"


def pattern_defs(cid: str, count: int) -> str:
    patterns = [
        el(
            "pattern",
            {"id": f"{cid}-p{i}", "width": 8, "height": 8, "patternUnits": "userSpaceOnUse"},
            el("rect", {"width": 8, "height": 8, "fill": swatch(i).colour}),
            _PATTERN_MARKS[swatch(i).pattern],
        )
        for i in range(1, count)
    ]
    return el("defs", None, *patterns) if patterns else ""


def marker(index: int, x: int, y: int) -> str:
    """A point's shape, different per series so lines are told apart without colour."""
    look = swatch(index)
    attrs: dict[str, str | int | None] = {"fill": look.colour, "stroke": "#fff", "stroke-width": 1}
    if look.marker == "square":
        return el("rect", {"x": x - 4, "y": y - 4, "width": 8, "height": 8, **attrs})
    if look.marker == "triangle":
        return el("path", {"d": f"M{x} {y - 5}L{x + 5} {y + 4}H{x - 5}Z", **attrs})
    if look.marker == "diamond":
        return el("path", {"d": f"M{x} {y - 5}L{x + 5} {y}L{x} {y + 5}L{x - 5} {y}Z", **attrs})
    return el("circle", {"cx": x, "cy": y, "r": 4, **attrs})


def legend(
    labels: Sequence[str], key: Sequence[str], *, x: int, y: int, width: int
) -> tuple[str, int]:
    """Keys and labels in rows that wrap at ``width``; returns the legend and its height.

    ``key[i]`` is the drawing for label ``i``, made for a 16 × 12 box at the origin.
    """
    row_height, cursor_x, cursor_y, items = 20, x, y, []
    for label, drawing in zip(labels, key, strict=True):
        item_width = 22 + text_width(label) + 16
        if cursor_x > x and cursor_x + item_width > x + width:
            cursor_x, cursor_y = x, cursor_y + row_height
        items.append(
            el("g", {"transform": f"translate({cursor_x} {cursor_y})"}, drawing)
            + text(cursor_x + 22, cursor_y + 11, label)
        )
        cursor_x += item_width
    return el("g", {"aria-hidden": "true"}, *items), cursor_y + row_height - y


def document(
    *, cid: str, width: int, height: int, title: str, desc: str, body: str, interactive: bool
) -> str:
    """The ``<svg>`` with its accessible name (``title``) and description (every figure).

    A chart without links is one image (``role="img"``). One with links is a ``group``: an
    image's children are hidden from screen readers, and its links must stay reachable.
    """
    return el(
        "svg",
        {
            "xmlns": SVG_NS,
            "class": "chart",
            "id": cid,
            "width": width,
            "height": height,
            "viewBox": f"0 0 {width} {height}",
            "role": "group" if interactive else "img",
            "aria-labelledby": f"{cid}-title",
            "aria-describedby": f"{cid}-desc",
            "font-size": FONT_SIZE,
            "fill": INK,
        },
        el("title", {"id": f"{cid}-title"}, escape(title)),
        el("desc", {"id": f"{cid}-desc"}, escape(desc)),
        body,
    )


def no_data(*, cid: str, title: str, message: str, width: int) -> str:
    """A chart with nothing to draw: its title stays for screen readers, the message shows."""
    body = text(width // 2, 28, message, text_anchor="middle", fill=MUTED)
    return document(
        cid=cid, width=width, height=44, title=title, desc=message, body=body, interactive=False
    )
