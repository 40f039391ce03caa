"""Noise in departmental records (脏数据): what happens to a person's identity on its way into
another department's file. Every rate is an assumption, chosen to match in outline what
data-comparison projects commonly report (a few percent of unusable ID numbers, more stale
phones), not a measured figure.

Each function takes the clean values and a random stream, and returns the values as the
department would have typed them. Noise kinds of one field exclude each other on a row, so each
rate is the share of rows with that kind.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from flexcover.synth.names import SURNAME_SHARES
from flexcover.synth.places import leaf_divisions
from flexcover.synth.population import MOBILE_PREFIXES

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
AsciiMatrix = npt.NDArray[np.uint8]

ID_MISSING_RATE = 0.015  # assumption: the column left empty
ID_DIGIT_TYPO_RATE = 0.01  # assumption: one digit (or the check character) mistyped
ID_TRANSPOSITION_RATE = 0.005  # assumption: two adjacent differing digits swapped
ID_FORMAT_RATE = 0.01  # assumption: lowercase x, surrounding spaces or full-width digits
ID_OLD_FORMAT_RATE = 0.003  # assumption: 15-digit pre-1999 number, civil-affairs lists only
OLD_FORMAT_BORN_BEFORE = 1990  # assumption: later cohorts were first issued 18-digit numbers
NAME_VARIANT_RATE = 0.02  # assumption: homophone, inserted space or middle-dot variant
HOMOPHONE_SHARE = 0.6  # assumption: of name variants where the name has a swappable character
PHONE_CHANGED_RATE = 0.08  # assumption: the person changed number since
PHONE_MISSING_RATE = 0.10  # assumption: the column left empty
POPULATION_PHONE_MISSING_RATE = 0.03  # assumption: no contact number on the register
STALE_DISTRICT_RATE = 0.05  # assumption: an earlier district of the same city

HOMOPHONES = (
    ("伟", "玮"), ("明", "铭"), ("丽", "莉"), ("军", "君"), ("华", "骅"), ("静", "婧"),
    ("红", "虹"), ("芳", "方"), ("杰", "洁"), ("峰", "锋"), ("婷", "亭"), ("琳", "霖"),
)  # fmt: skip
"""Given-name characters typed for one another (same reading, a slip of the input method)."""
DOT_VARIANTS = (".", "•", "．", "")
"""How the middle dot of a transliterated name (阿卜杜拉·买买提) gets typed, or dropped."""

CLEAN, MISSING, TYPO, TRANSPOSED, FORMATTED, OLD_FORMAT = range(6)
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_SWAPS = {a: b for pair in HOMOPHONES for a, b in (pair, pair[::-1])}
_COMPOUND_SURNAMES = frozenset(s for s, _ in SURNAME_SHARES if len(s) > 1)


def id_noise_kinds(
    rng: np.random.Generator, n: int, birth_year: IntArray | None = None
) -> npt.NDArray[np.int8]:
    """The noise kind of each row's ID number; ``birth_year`` given: old formats are possible."""
    u = rng.random(n)
    edges = np.cumsum([ID_MISSING_RATE, ID_DIGIT_TYPO_RATE, ID_TRANSPOSITION_RATE, ID_FORMAT_RATE])
    kinds = (np.searchsorted(edges, u, side="right") + 1).astype(np.int8)
    kinds[kinds > FORMATTED] = CLEAN
    if birth_year is not None:
        old = (kinds == CLEAN) & (birth_year < OLD_FORMAT_BORN_BEFORE)
        kinds[old & (rng.random(n) < ID_OLD_FORMAT_RATE)] = OLD_FORMAT
    return kinds


def noisy_ids(
    rng: np.random.Generator, ids: AsciiMatrix, birth_year: IntArray | None = None
) -> pa.StringArray:
    """ID numbers as a department typed them, from an ``(n, 18)`` ASCII matrix of valid numbers.

    A mistyped digit and a transposition always break the check character (ISO 7064 MOD 11-2
    catches both), so no noisy number is another person's valid number; transpositions stay within
    the first 17 digits for that reason.
    """
    n = len(ids)
    kinds = id_noise_kinds(rng, n, birth_year)
    matrix = ids.copy()
    rows = np.flatnonzero(kinds == TYPO)
    column = rng.integers(0, 18, len(rows))
    was = matrix[rows, column].astype(np.int64)
    shift = rng.integers(1, 10, len(rows))
    digit = np.where(was == ord("X"), rng.integers(0, 10, len(rows)), (was - 48 + shift) % 10)
    matrix[rows, column] = digit + 48
    rows = np.flatnonzero(kinds == TRANSPOSED)
    differs = matrix[rows, :16] != matrix[rows, 1:17]
    pick = (rng.random(len(rows)) * differs.sum(axis=1)).astype(np.int64)
    column = np.argmax(np.cumsum(differs, axis=1) > pick[:, None], axis=1)
    left = matrix[rows, column].copy()
    matrix[rows, column] = matrix[rows, column + 1]
    matrix[rows, column + 1] = left
    numbers = ascii_strings(matrix)

    rewritten = (kinds == FORMATTED) | (kinds == OLD_FORMAT)
    rows = np.flatnonzero(rewritten)
    styles = rng.integers(0, 3, len(rows))
    pads = rng.integers(1, 3, (len(rows), 2))
    texts = []
    for number, kind, style, (before, after) in zip(
        numbers.take(pa.array(rows)).to_pylist(),
        kinds[rows].tolist(),
        styles.tolist(),
        pads.tolist(),
        strict=True,
    ):
        texts.append(_reformatted(number, old=kind == OLD_FORMAT, style=style, pad=(before, after)))
    numbers = pc.replace_with_mask(numbers, pa.array(rewritten), pa.array(texts, pa.string()))
    missing = kinds == MISSING
    return pc.replace_with_mask(
        numbers, pa.array(missing), pa.nulls(int(missing.sum()), pa.string())
    )


def _reformatted(number: str, *, old: bool, style: int, pad: tuple[int, int]) -> str:
    """A valid number written so that it only normalises back: ``style`` 0 lowercase x (where
    there is one), 1 surrounding spaces, 2 full-width digits; ``old``: the 15-digit form."""
    if old:
        return number[:6] + number[8:17]
    if style == 0 and number.endswith("X"):
        return number[:17] + "x"
    if style == 2:
        return number.translate(_FULL_WIDTH)
    return " " * pad[0] + number + " " * pad[1]


def noisy_names(rng: np.random.Generator, names: pa.StringArray) -> pa.StringArray:
    """Names with :data:`NAME_VARIANT_RATE` of them written differently (:func:`name_variant`)."""
    picked = rng.random(len(names)) < NAME_VARIANT_RATE
    rows = np.flatnonzero(picked)
    u = rng.random((len(rows), 2))
    variants = [
        name_variant(name, kind, where)
        for name, (kind, where) in zip(
            names.take(pa.array(rows)).to_pylist(), u.tolist(), strict=True
        )
    ]
    return pc.replace_with_mask(names, pa.array(picked), pa.array(variants, pa.string()))


def name_variant(name: str, kind: float, where: float) -> str:
    """One way ``name`` gets typed differently, chosen by two uniforms in [0, 1).

    A transliterated name gets its middle dot typed otherwise; a Han name has a given-name
    character swapped for a homophone (when ``kind`` < :data:`HOMOPHONE_SHARE` and one is in
    :data:`HOMOPHONES`) or a space inserted (``where`` picks the gap).
    """
    if "·" in name:
        return name.replace("·", DOT_VARIANTS[int(kind * len(DOT_VARIANTS))])
    surname = 2 if name[:2] in _COMPOUND_SURNAMES else 1
    swappable = [i for i in range(surname, len(name)) if name[i] in _SWAPS]
    if swappable and kind < HOMOPHONE_SHARE:
        i = swappable[int(where * len(swappable))]
        return name[:i] + _SWAPS[name[i]] + name[i + 1 :]
    gap = 1 + int(where * max(len(name) - 1, 1))
    return name[:gap] + " " + name[gap:]


def noisy_phones(
    rng: np.random.Generator,
    phones: IntArray,
    *,
    changed: float = PHONE_CHANGED_RATE,
    missing: float = PHONE_MISSING_RATE,
) -> pa.StringArray:
    """11-digit mobile numbers, ``changed`` of them replaced by another, ``missing`` left empty."""
    u = rng.random(len(phones))
    gone = u < missing
    other = (u >= missing) & (u < missing + changed)
    phones = phones.copy()
    prefixes = np.asarray(MOBILE_PREFIXES, dtype=np.int64)
    k = int(other.sum())
    phones[other] = prefixes[rng.integers(0, len(prefixes), k)] * 10**8 + rng.integers(0, 10**8, k)
    texts = ascii_strings(digit_matrix(phones, 11) + ord("0"))
    return pc.replace_with_mask(texts, pa.array(gone), pa.nulls(int(gone.sum()), pa.string()))


@cache
def _district_groups() -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Current county-level codes sorted, and the start and size of each city's run of them."""
    leaves = np.array(leaf_divisions(), dtype=np.int64)
    cities, starts, sizes = np.unique(leaves // 100, return_index=True, return_counts=True)
    return leaves, cities, starts.astype(np.int64), sizes.astype(np.int64)


def stale_districts(
    rng: np.random.Generator, codes: IntArray, rate: float = STALE_DISTRICT_RATE
) -> IntArray:
    """District codes, ``rate`` of them replaced by another current district of the same city.

    A code that is no longer in force (an old hukou) is replaced by any current district of its
    city; a city with one district keeps its code.
    """
    leaves, cities, starts, sizes = _district_groups()
    codes = np.asarray(codes, dtype=np.int64)
    rows = np.flatnonzero(rng.random(len(codes)) < rate)
    code = codes[rows]
    city = np.minimum(np.searchsorted(cities, code // 100), len(cities) - 1)
    known = cities[city] == code // 100
    at = np.minimum(np.searchsorted(leaves, code), len(leaves) - 1)
    is_leaf = leaves[at] == code
    others = sizes[city] - is_leaf
    ok = known & (others > 0)
    step = (rng.random(len(rows)) * np.maximum(others, 1)).astype(np.int64)
    # Skip over the code itself: pick among the city's other districts.
    offset = np.where(is_leaf, (at - starts[city] + 1 + step) % sizes[city], step)
    result = codes.copy()
    result[rows[ok]] = leaves[starts[city] + offset][ok]
    return result


def digit_matrix(values: IntArray, width: int) -> AsciiMatrix:
    """``(n, width)`` decimal digits of non-negative integers, most significant first."""
    digits = np.empty((len(values), width), dtype=np.uint8)
    rest = np.asarray(values, dtype=np.int64)
    for column in range(width - 1, -1, -1):  # one scalar divisor per column: much faster
        rest, digits[:, column] = np.divmod(rest, 10)
    return digits


def ascii_strings(matrix: AsciiMatrix) -> pa.StringArray:
    """An Arrow string array from an ``(n, width)`` matrix of ASCII codes, no Python objects."""
    n, width = matrix.shape
    data = np.ascontiguousarray(matrix, dtype=np.uint8)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
