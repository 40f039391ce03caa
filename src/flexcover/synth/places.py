"""Where synthetic people live and where their hukou is: the places half of the population.

Residence is uniform over the jurisdiction's current county-level divisions (no sourced population
table per district exists here, so none is invented). Hukou (assumption): 75 % inside the
jurisdiction's province, half of them registered in the district they live in and the rest anywhere
in the province; of the latter, people born before 1990 carry, with probability up to 15 %, a
since-abolished code of the province that existed in their birth year. The other 25 % come from
the other provinces, weighted ×3 for the large labour-exporting provinces and ×4 for neighbours.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

from flexcover.kit.divisions import current_divisions, division_periods
from flexcover.synth.names import draw_from

IntArray = npt.NDArray[np.int64]

LOCAL_HUKOU_SHARE = 0.75
HUKOU_AT_RESIDENCE_SHARE = 0.5
HISTORICAL_CODE_SHARE = 0.15
HISTORICAL_CODE_BORN_BEFORE = 1990
LABOUR_EXPORTING_PROVINCES = frozenset({"51", "52", "42", "43", "41", "34", "36", "45", "50"})
LABOUR_EXPORT_WEIGHT = 3.0
NEIGHBOUR_WEIGHT = 4.0
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "11": ("12", "13"), "12": ("11", "13"),
    "13": ("11", "12", "14", "15", "21", "37", "41"), "14": ("13", "15", "41", "61"),
    "15": ("13", "14", "21", "22", "23", "61", "62", "64"), "21": ("13", "15", "22"),
    "22": ("15", "21", "23"), "23": ("15", "22"), "31": ("32", "33"),
    "32": ("31", "33", "34", "37"), "33": ("31", "32", "34", "35", "36"),
    "34": ("32", "33", "36", "37", "41", "42"), "35": ("33", "36", "44"),
    "36": ("33", "34", "35", "42", "43", "44"), "37": ("13", "32", "34", "41"),
    "41": ("13", "14", "34", "37", "42", "61"), "42": ("34", "36", "41", "43", "50", "61"),
    "43": ("36", "42", "44", "45", "50", "52"), "44": ("35", "36", "43", "45", "46"),
    "45": ("43", "44", "52", "53"), "46": ("44",), "50": ("42", "43", "51", "52", "61"),
    "51": ("50", "52", "53", "54", "61", "62", "63"), "52": ("43", "45", "50", "51", "53"),
    "53": ("45", "51", "52", "54"), "54": ("51", "53", "63", "65"),
    "61": ("14", "15", "41", "42", "50", "51", "62", "64"),
    "62": ("15", "51", "61", "63", "64", "65"), "63": ("51", "54", "62", "65"),
    "64": ("15", "61", "62"), "65": ("54", "62", "63"),
}  # fmt: skip
"""Provinces sharing a land border (Hainan: Guangdong across the strait)."""


@cache
def leaf_divisions() -> tuple[str, ...]:
    """Current county-level codes (last two digits not ``00``), less the old 市辖区 entries.

    The few prefecture-level cities without counties (东莞 441900, 中山 442000, 儋州 460400,
    嘉峪关 620200) are left out, as the registry files residences at district level only.
    """
    current = current_divisions()
    return tuple(
        sorted(code for code, name in current.items() if code[4:] != "00" and name != "市辖区")
    )


def residence_divisions(jurisdiction: str) -> tuple[str, ...]:
    """The leaf divisions inside ``jurisdiction``: a province, a city or a district."""
    if not (isinstance(jurisdiction, str) and len(jurisdiction) == 6 and jurisdiction.isdigit()):
        raise ValueError(f"jurisdiction must be a 6-digit GB/T 2260 code, got {jurisdiction!r}")
    current = current_divisions()
    if jurisdiction not in current:
        raise ValueError(f"jurisdiction {jurisdiction} is not a GB/T 2260 code in force")
    if jurisdiction.endswith("0000"):
        prefix = jurisdiction[:2]
    elif jurisdiction.endswith("00"):
        prefix = jurisdiction[:4]
    else:
        prefix = jurisdiction
    leaves = tuple(code for code in leaf_divisions() if code.startswith(prefix))
    if not leaves:
        name = current[jurisdiction]
        raise ValueError(f"jurisdiction {jurisdiction} ({name}) has no county-level divisions")
    return leaves


@cache
def _historical_codes(province: str) -> tuple[IntArray, IntArray, IntArray]:
    """Abolished county-level codes of a province with the first and last year they existed."""
    periods: dict[str, list[tuple[int, int, str]]] = {}
    for period in division_periods():
        if period.code.startswith(province) and period.code[4:] != "00":
            first = period.first_year if period.first_year is not None else 0
            last = period.last_year if period.last_year is not None else 9999
            periods.setdefault(period.code, []).append((first, last, period.name))
    rows = [
        (int(code), min(p[0] for p in spans), max(p[1] for p in spans))
        for code, spans in sorted(periods.items())
        if max(p[1] for p in spans) < 9999 and spans[-1][2] != "市辖区"
    ]
    table = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return table[:, 0], table[:, 1], table[:, 2]


def province_weights(home: str, provinces: tuple[str, ...]) -> npt.NDArray[np.float64]:
    """Weights of the hukou provinces of people from outside ``home`` (assumption, see above)."""
    weights = np.array(
        [
            0.0
            if province == home
            else (LABOUR_EXPORT_WEIGHT if province in LABOUR_EXPORTING_PROVINCES else 1.0)
            * (NEIGHBOUR_WEIGHT if province in NEIGHBOURS.get(home, ()) else 1.0)
            for province in provinces
        ]
    )
    normalised: npt.NDArray[np.float64] = weights / weights.sum()
    return normalised


def draw_hukou(
    rng: np.random.Generator,
    residence: IntArray,
    birth: npt.NDArray[np.datetime64],
    *,
    province: str,
) -> IntArray:
    """The address code of each person's hukou (and resident ID)."""
    n = len(residence)
    leaves = np.array(leaf_divisions())
    prefixes = np.array([code[:2] for code in leaves])
    provinces = tuple(sorted(set(prefixes.tolist())))
    starts = np.searchsorted(prefixes, provinces, side="left")
    counts = np.searchsorted(prefixes, provinces, side="right") - starts
    codes = leaves.astype(np.int64)

    home = provinces.index(province)
    local = rng.random(n) < LOCAL_HUKOU_SHARE
    at_residence = rng.random(n) < HUKOU_AT_RESIDENCE_SHARE
    chosen = np.where(local, home, draw_from(rng, province_weights(province, provinces), n))
    within = (rng.random(n) * counts[chosen]).astype(np.int64)
    hukou = codes[starts[chosen] + within]
    hukou = np.where(local & at_residence, residence, hukou)

    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    old_codes, first, last = _historical_codes(province)
    if len(old_codes):
        pick = rng.integers(0, len(old_codes), n)
        existed = (first[pick] <= years) & (years <= last[pick])
        old = local & ~at_residence & (years < HISTORICAL_CODE_BORN_BEFORE) & existed
        old &= rng.random(n) < HISTORICAL_CODE_SHARE
        hukou = np.where(old, old_codes[pick], hukou)
    return hukou
