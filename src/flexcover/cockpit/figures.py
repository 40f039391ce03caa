"""How the cockpit's numbers read: counts, yuan from fen, rates as percentages; integers only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from flexcover.kit.money import format_yuan, round_half_up_div

ValueFormat = Literal["count", "yuan", "percent"]
"""``count``: ``12,345``; ``yuan``: fen shown as ``1,234.56``; ``percent``: ``value / of`` as
``85.3%``, one decimal, half-up."""

NO_RATE = "—"
"""What a rate over a zero denominator reads as: there is nothing to divide by."""


@dataclass(frozen=True)
class Words:
    """The few words and marks a chart writes itself; everything else the caller passes in."""

    no_data: str
    colon: str
    separator: str
    total: str
    brackets: tuple[str, str]

    def aside(self, text: str) -> str:
        """``text`` in brackets, as a figure's share or parts follow it."""
        return f"{self.brackets[0]}{text}{self.brackets[1]}"


WORDS = {
    "zh-CN": Words(
        no_data="暂无数据", colon="：", separator="；", total="合计", brackets=("（", "）")
    ),
    "en": Words(no_data="No data", colon=": ", separator="; ", total="Total", brackets=(" (", ")")),
}


def words(lang: str) -> Words:
    return WORDS.get(lang, WORDS["zh-CN"])


def require_int(name: str, value: object) -> int:
    """Chart data are integers (people, fen, numerators): a float would hide rounding."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return value


def percent_text(numerator: int, denominator: int) -> str:
    """``numerator / denominator`` as a percentage with one decimal, half-up: 853/1000 → 85.3%."""
    if denominator == 0:
        return NO_RATE
    tenths = round_half_up_div(numerator * 1000, denominator)
    whole, tenth = divmod(abs(tenths), 10)
    return f"{'-' if tenths < 0 else ''}{whole:,}.{tenth}%"


def amount_text(value: int, value_format: ValueFormat, unit: str = "") -> str:
    """A count or an amount of fen, grouped by thousands, with its unit after a space."""
    number = format_yuan(value, grouping=True) if value_format == "yuan" else f"{value:,}"
    return f"{number} {unit}" if unit else number


def figure_text(value: int, of: int | None, value_format: ValueFormat, unit: str = "") -> str:
    """What a bar or point says: an amount, or for ``percent`` the rate ``value / of``."""
    if value_format == "percent":
        if of is None:
            raise ValueError("a percent chart needs `of`, the denominator, on every figure")
        return percent_text(value, of)
    return amount_text(value, value_format, unit)


def level(value: int, of: int | None, value_format: ValueFormat) -> Fraction | None:
    """Where a figure sits on its axis: the amount, or a rate in per mille (None if undefined).

    Negative figures sit at zero: the charts draw from a zero baseline.
    """
    if value_format == "percent":
        if not of:
            return None
        return max(Fraction(value * 1000, of), Fraction(0))
    return Fraction(max(value, 0))


def scaled(part: Fraction | int, whole: Fraction | int, length: int) -> int:
    """``part / whole`` of ``length`` pixels, half-up; nothing when ``whole`` is zero."""
    if whole <= 0:
        return 0
    return math.floor(Fraction(part) * length / Fraction(whole) + Fraction(1, 2))


def nice_step(maximum: int, ticks: int = 4) -> int:
    """A round tick step (1, 2, 2.5 or 5 × 10ⁿ) that covers ``maximum`` in about ``ticks`` steps."""
    raw = max(-(-maximum // ticks), 1)
    magnitude: int = 10 ** (len(str(raw)) - 1)
    tenths = (10, 20, 25, 50, 100) if magnitude >= 10 else (10, 20, 50, 100)
    return next(m * magnitude // 10 for m in tenths if m * magnitude // 10 >= raw)


def tick_text(tick: int, step: int, value_format: ValueFormat) -> str:
    """An axis tick (a rate in per mille): decimals only when the step needs them."""
    if value_format == "percent":
        text = percent_text(tick, 1000)
        return text.replace(".0%", "%") if step % 10 == 0 else text
    text = amount_text(tick, value_format)
    return text.removesuffix(".00") if value_format == "yuan" and step % 100 == 0 else text
