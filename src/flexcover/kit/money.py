"""Money as integer fen (分). Yuan appear only at the edges: parsing input and formatting output.

Rounding is half-up (四舍五入) to the fen unless a jurisdiction's parameters say otherwise.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from flexcover.kit.problems import InvalidAmount

Fen = int
"""An amount of money in fen (1 yuan = 100 fen). Always an ``int``, never a float."""
IntArray = npt.NDArray[np.int64]
"""Amounts of money in fen for many people at once."""

FEN_PER_YUAN = 100
_MAX_YUAN = Decimal("1000000000000")  # a trillion yuan: far beyond any single amount we book
_YUAN = re.compile(r"-?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]{1,2})?")
"""ASCII digits, at most two decimals, commas only as thousands separators (``22,017.00``)."""


def parse_yuan(text: str, *, field: str = "amount", allow_negative: bool = False) -> Fen:
    """Parse a yuan string such as ``"4404.00"``, ``"880.8"`` or ``"22,017.00"`` into fen,
    exactly.

    One unambiguous form only: ASCII digits, an optional point with one or two decimals, commas
    only between groups of three. ``"1,50"``, ``"1,2,3"``, full-width digits, exponents, ``+``,
    underscores and non-finite values are refused rather than guessed at: an amount a person
    typed must mean exactly what it says.
    """
    if not isinstance(text, str):
        raise InvalidAmount(field=field, value=repr(text)[:40])
    stripped = text.strip()
    if _YUAN.fullmatch(stripped) is None:
        raise InvalidAmount(field=field, value=text[:40])
    cleaned = stripped.replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidAmount(field=field, value=text) from None
    if not value.is_finite() or abs(value) >= _MAX_YUAN:
        raise InvalidAmount(field=field, value=text)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidAmount(field=field, value=text)
    if value < 0 and not allow_negative:
        raise InvalidAmount(field=field, value=text)
    return int(value * FEN_PER_YUAN)


def yuan_to_fen(value: Decimal) -> Fen:
    """Convert a Decimal number of yuan to fen, rounding half-up to the fen."""
    return int((value * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_yuan(amount: Fen) -> Decimal:
    """The exact Decimal yuan value of an amount in fen."""
    return (Decimal(amount) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_yuan(amount: Fen, *, grouping: bool = False) -> str:
    """Format fen as a yuan string with two decimals: ``88080`` → ``"880.80"``.

    ``grouping=True`` adds thousands separators for pages (``"22,017.00"``); the API never groups.
    """
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"money must be integer fen, got {type(amount).__name__}")
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount), FEN_PER_YUAN)
    whole_text = f"{whole:,}" if grouping else str(whole)
    return f"{sign}{whole_text}.{cents:02d}"


def round_half_up_div(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-up (away from zero at .5), in integers only."""
    if denominator == 0:
        raise ZeroDivisionError("division by zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def apply_rate(amount: Fen, rate: Decimal | Fraction) -> Fen:
    """``amount × rate`` rounded half-up to the fen, with no float on the way (e.g. base × 20%)."""
    numerator, denominator = rate.as_integer_ratio()
    return round_half_up_div(amount * numerator, denominator)


def round_half_up_div_array(numerator: IntArray, denominator: int | IntArray) -> IntArray:
    """Vectorised :func:`round_half_up_div`: half away from zero, in int64 throughout."""
    num = np.asarray(numerator, dtype=np.int64)
    den = denominator if isinstance(denominator, int) else np.asarray(denominator, dtype=np.int64)
    if np.min(den) <= 0:
        raise ZeroDivisionError("denominators must be positive")
    if num.size == 0 or num.min() >= 0:  # money is almost always non-negative: one pass less
        positive: IntArray = (2 * num + den) // (2 * den)
        return positive
    magnitude = (2 * np.abs(num) + den) // (2 * den)
    result: IntArray = np.where(num < 0, -magnitude, magnitude)
    return result


def apply_rate_array(
    amount: IntArray, rate: Decimal | Fraction, *, rounding: str = "half_up_fen"
) -> IntArray:
    """``amount × rate`` for an array of fen, rounded per ``rounding``:

    - ``half_up_fen``: half-up to the fen (the default everywhere: the tax bureau, which collects
      flexible workers' contributions, computes to the fen);
    - ``up_to_jiao``: up to the next whole jiao (10 fen), the "见分进角" convention.
    """
    numerator, denominator = rate.as_integer_ratio()
    product = np.asarray(amount, dtype=np.int64) * numerator
    if rounding == "half_up_fen":
        return round_half_up_div_array(product, denominator)
    if rounding == "up_to_jiao":
        jiao: IntArray = -((-product) // (10 * denominator)) * 10
        return jiao
    raise ValueError(f"unknown rounding {rounding!r}")


_INT64_SAFE = 2**62


def product_half_up_div(factors: list[IntArray], denominator: int) -> IntArray:
    """``Π factors / denominator`` element-wise, half-up, exact.

    Stays in int64 when the product provably fits (the common case, fast); otherwise computes
    in Python integers, so an extreme input costs time, never a wrong answer.
    """
    arrays = [np.asarray(factor, dtype=np.int64) for factor in factors]
    bound = 1
    for array in arrays:
        bound *= int(np.abs(array).max(initial=0)) or 1
    if bound * 2 + denominator < _INT64_SAFE:
        product = arrays[0]
        for array in arrays[1:]:
            product = product * array
        return round_half_up_div_array(product, denominator)
    exact = np.ones(np.broadcast(*arrays).shape, dtype=object)
    for array in arrays:
        exact = exact * array.astype(object)
    return np.array(
        [round_half_up_div(int(v), denominator) for v in exact.reshape(-1)], dtype=np.int64
    ).reshape(exact.shape)
