"""A synthetic population register (人口库) for one jurisdiction, drawn from published statistics.

Everything is vectorised with NumPy and seeded: the same jurisdiction, size and seed give a
byte-identical table. Each column has its own random stream (spawned from the seed), so adding a
column later does not change the others.

Figures and where they come from (the assumptions are labelled as such):

* **Sex**: 51.24 % men, the 2020 census (第七次全国人口普查公报 No. 4: 723.34 M men of 1,411.78 M;
  recalled, [U] until re-checked).
* **Age**: 16-75 on :data:`REFERENCE_DATE`. Birth years are weighted by the size of their cohort in
  the 2020 census (5-year age groups, :data:`CENSUS_2020_AGE_GROUPS`; the group sizes are recalled
  figures, **[U]**, but they agree with the bulletin's totals: 0-14 = 253.38 M, 60-64 = 73.38 M).
  Deaths since 2020 and migration are ignored.
* **Residence and hukou**: see :mod:`flexcover.synth.places`.
* **Work type** (assumption): shares by age band and sex in :data:`WORK_TYPE_SHARES`, with
  retirement at 60 for men and 50/55 for women (pre-2025 ages).
* **Monthly income**: lognormal around the province's median wage from ``data/wages.yaml`` (see
  :func:`median_monthly_wage_yuan`), times a work-type factor, with σ = 0.6 (assumption: a p90/p50
  ratio of about 2.2); rounded half-up to integer fen, at least 1 yuan.
* **Phone**: 11 digits on real mainland mobile prefixes (:data:`MOBILE_PREFIXES`), uniform.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from flexcover.kit.resident_id import check_characters
from flexcover.synth.names import draw_from, draw_names
from flexcover.synth.places import draw_hukou, residence_divisions

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DEFAULT_SEED = 20250801
REFERENCE_DATE = date(2025, 8, 1)
"""Ages are counted and "no birth in the future" is checked against this fixed date."""
MIN_AGE, MAX_AGE = 16, 75
MALE_SHARE = 0.5124
MAX_PEOPLE = 100_000_000
"""The largest province; also keeps every string column within Arrow's 2 GiB (int32) offsets."""

CENSUS_2020_AGE_GROUPS: dict[int, float] = {
    10: 85.3, 15: 72.7, 20: 75.0, 25: 91.9, 30: 124.1, 35: 99.0, 40: 93.0,
    45: 114.2, 50: 121.2, 55: 101.4, 60: 73.4, 65: 74.0, 70: 49.6,
}  # fmt: skip
"""Millions of people by lower bound of the 5-year age group, 2020 census (recalled, [U])."""

WORK_TYPES = (
    "employee", "platform_rider", "ride_hailing_driver", "online_seller", "freelancer",
    "self_employed", "unemployed", "retired", "student",
)  # fmt: skip
AGE_BANDS = (16, 19, 23, 40, 50, 60)
"""Lower bounds of the age bands of :data:`WORK_TYPE_SHARES`."""
WORK_TYPE_SHARES: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = (
    # percent, in WORK_TYPES order: (men, women) per age band (assumptions)
    ((4, 2, 0, 1, 1, 1, 6, 0, 85), (4, 2, 0, 1, 1, 1, 6, 0, 85)),  # 16-18
    ((25, 10, 1, 4, 4, 3, 8, 0, 45), (27, 3, 0, 7, 5, 2, 6, 0, 50)),  # 19-22
    ((55, 10, 6, 5, 7, 10, 5, 0, 2), (58, 2, 1, 9, 9, 10, 9, 0, 2)),  # 23-39
    ((52, 8, 8, 4, 5, 16, 7, 0, 0), (52, 2, 1, 8, 7, 17, 13, 0, 0)),  # 40-49
    ((48, 5, 6, 2, 4, 17, 10, 8, 0), (18, 1, 0, 3, 3, 10, 10, 55, 0)),  # 50-59
    ((6, 1, 1, 0, 1, 5, 3, 83, 0), (3, 0, 0, 0, 1, 3, 3, 90, 0)),  # 60-75
)  # fmt: skip
INCOME_FACTORS = (1.0, 1.05, 1.10, 0.90, 1.0, 1.05, 0.20, 0.60, 0.15)
"""Median income of each work type relative to the local median wage (assumptions): pensions for
the retired, odd jobs and allowances for the unemployed and students."""
INCOME_SIGMA = 0.6
MIN_INCOME_FEN = 100

MOBILE_PREFIXES = (
    *range(130, 140), 145, 147, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166,
    170, 171, 173, 175, 176, 177, 178, *range(180, 190), 191, 193, 195, 196, 197, 198, 199,
)  # fmt: skip
"""Mainland mobile number blocks of China Mobile, Unicom, Telecom and virtual operators."""

_STREAMS = ("gender", "birth", "residence", "hukou", "id", "name", "phone", "work", "income")


def generate_population(*, jurisdiction: str, people: int, seed: int = DEFAULT_SEED) -> pa.Table:
    """``people`` synthetic residents of ``jurisdiction`` (a current 6-digit GB/T 2260 code).

    Raises ``ValueError`` for a non-positive size or a code that is unknown, no longer in force or
    has no county-level division to live in.
    """
    if not 0 < people <= MAX_PEOPLE:
        raise ValueError(f"people must be between 1 and {MAX_PEOPLE:,}, got {people}")
    districts = residence_divisions(jurisdiction)
    rng = dict(zip(_STREAMS, _spawn(seed, len(_STREAMS)), strict=True))
    is_male = rng["gender"].random(people) < MALE_SHARE
    birth = draw_birth_dates(rng["birth"], people)
    residence = np.asarray(districts, dtype=np.int64)[
        rng["residence"].integers(0, len(districts), people)
    ]
    hukou = draw_hukou(rng["hukou"], residence, birth, province=jurisdiction[:2])
    ids = draw_id_numbers(rng["id"], hukou, birth, is_male)
    work = draw_work_types(rng["work"], age_on(birth, REFERENCE_DATE), is_male)
    columns: dict[str, pa.Array] = {
        "person_key": pa.array(np.arange(1, people + 1, dtype=np.int64)),
        "name": draw_names(rng["name"], is_male),
        "id_number": _ascii_strings(ids),
        "gender": _categories(np.where(is_male, 0, 1), ("male", "female")),
        "birth_date": pa.array(birth, type=pa.date32()),
        "hukou_code": _ascii_strings(_digit_matrix(hukou, 6) + ord("0")),
        "residence_code": _ascii_strings(_digit_matrix(residence, 6) + ord("0")),
        "phone": _ascii_strings(_digit_matrix(draw_phones(rng["phone"], people), 11) + ord("0")),
        "monthly_income_fen": pa.array(draw_incomes_fen(rng["income"], residence, work)),
        "work_type": _categories(work, WORK_TYPES),
    }
    return pa.table(columns)


def write_population(table: pa.Table, out_dir: Path) -> Path:
    """Write ``table`` to ``out_dir/people.parquet``, replacing it atomically; return the path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "people.parquet"
    partial = out_dir / f".people.parquet.{time.monotonic_ns()}.partial"
    try:
        pq.write_table(table, partial, compression="zstd")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


# --- people -------------------------------------------------------------------------------------


def birth_date_range(reference: date = REFERENCE_DATE) -> tuple[date, date]:
    """The first and last birth dates of people aged MIN_AGE..MAX_AGE on ``reference``."""
    earliest = reference.replace(year=reference.year - MAX_AGE - 1) + timedelta(days=1)
    latest = reference.replace(year=reference.year - MIN_AGE)
    return earliest, latest


def draw_birth_dates(rng: np.random.Generator, n: int) -> npt.NDArray[np.datetime64]:
    """Birth dates weighted by 2020-census cohort size, uniform within a birth year."""
    earliest, latest = birth_date_range()
    days = np.arange(np.datetime64(earliest, "D"), np.datetime64(latest, "D") + 1)
    census_age = 2020 - (days.astype("datetime64[Y]").astype(np.int64) + 1970)
    group = np.clip(census_age // 5 * 5, min(CENSUS_2020_AGE_GROUPS), max(CENSUS_2020_AGE_GROUPS))
    weights = np.vectorize(CENSUS_2020_AGE_GROUPS.__getitem__, otypes=[np.float64])(group)
    result: npt.NDArray[np.datetime64] = days[draw_from(rng, weights / weights.sum(), n)]
    return result


def age_on(birth: npt.NDArray[np.datetime64], on: date) -> IntArray:
    """Completed years of age on ``on``."""
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    month_day = _month_day(birth)
    age: IntArray = on.year - year - (month_day > on.month * 100 + on.day).astype(np.int64)
    return age


def draw_work_types(rng: np.random.Generator, age: IntArray, is_male: BoolArray) -> IntArray:
    """An index into :data:`WORK_TYPES` per person, from the shares of their age band and sex."""
    table = np.array(WORK_TYPE_SHARES, dtype=np.float64)  # (band, sex, type)
    cdf = np.cumsum(table, axis=2) / table.sum(axis=2, keepdims=True)
    band = np.searchsorted(np.array(AGE_BANDS), age, side="right") - 1
    rows = cdf[band, np.where(is_male, 0, 1)]
    work: IntArray = (rng.random(len(age))[:, None] >= rows[:, :-1]).sum(axis=1)
    return work


def draw_id_numbers(
    rng: np.random.Generator, hukou: IntArray, birth: npt.NDArray[np.datetime64], is_male: BoolArray
) -> npt.NDArray[np.uint8]:
    """18-character resident ID numbers as an ``(n, 18)`` ASCII matrix, unique within the table.

    Sequence digits are random with the last one odd for men; a number that repeats an earlier one
    gets new sequence digits until none repeats.
    """
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    base = hukou * 10**11 + (year * 10_000 + _month_day(birth)) * 1_000
    first17 = base + _draw_sequences(rng, is_male)
    for _ in range(1_000):
        repeated = _repeated(first17)
        if not repeated.any():
            break
        first17[repeated] = base[repeated] + _draw_sequences(rng, is_male[repeated])
    else:  # pragma: no cover - needs >500 people of one sex born on one day in one county
        raise RuntimeError("could not make the resident ID numbers unique")
    digits = _digit_matrix(first17, 17)
    check = check_characters(digits).astype("S1").view(np.uint8)
    return np.concatenate([digits + ord("0"), check[:, None]], axis=1).astype(np.uint8)


def _draw_sequences(rng: np.random.Generator, is_male: BoolArray) -> IntArray:
    """Digits 15-17: 001-999 odd for men, 002-998 even for women."""
    steps = rng.integers(0, np.where(is_male, 500, 499))
    sequences: IntArray = 2 * steps + np.where(is_male, 1, 2)
    return sequences


def draw_phones(rng: np.random.Generator, n: int) -> IntArray:
    """Distinct 11-digit mobile numbers."""
    prefixes = np.array(MOBILE_PREFIXES, dtype=np.int64)
    phones = prefixes[rng.integers(0, len(prefixes), n)] * 10**8 + rng.integers(0, 10**8, n)
    for _ in range(1_000):
        repeated = _repeated(phones)
        if not repeated.any():
            return phones
        k = int(repeated.sum())
        phones[repeated] = prefixes[rng.integers(0, len(prefixes), k)] * 10**8 + rng.integers(
            0, 10**8, k
        )
    raise RuntimeError("could not make the phone numbers unique")  # pragma: no cover


# --- income -------------------------------------------------------------------------------------


@cache
def wage_statistics() -> dict[str, Any]:
    """``data/wages.yaml``: national and regional wage figures with their sources."""
    text = resources.files("flexcover.synth").joinpath("data/wages.yaml").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def median_monthly_wage_yuan(code: str) -> float:
    """The median monthly income (yuan) of a full-time worker living in division ``code``.

    The private-unit average wage is taken as the median: flexible workers earn less than staff of
    non-private units, and averages sit above medians, so it is a fair centre for a mixed
    population. Where a region publishes no private figure it is estimated, in this order, from

    * its non-private average × the national private / non-private ratio (69,476 / 124,110), or
    * its all-caliber reference wage × private / all-caliber as observed where both are given
      (Chongqing: 65,098 / 12 ÷ 7,339 ≈ 0.74).

    The most specific entry wins: the district, its city, its province, then the nation.
    """
    stats = wage_statistics()
    regions: dict[str, dict[str, Any]] = stats["regions"]
    national = stats["national"]
    entry = next(
        (regions[key] for key in (code, code[:4] + "00", code[:2]) if key in regions), national
    )
    if "private_annual" in entry:
        return _value(entry, "private_annual") / 12
    if "non_private_annual" in entry:
        ratio = _value(national, "private_annual") / _value(national, "non_private_annual")
        return _value(entry, "non_private_annual") / 12 * ratio
    if "reference_monthly" in entry:
        pairs = [
            _value(region, "private_annual") / 12 / _value(region, "reference_monthly")
            for region in regions.values()
            if "private_annual" in region and "reference_monthly" in region
        ]
        return _value(entry, "reference_monthly") * sum(pairs) / len(pairs)
    return _value(national, "private_annual") / 12


def _value(entry: dict[str, Any], field: str) -> float:
    return float(entry[field]["value"])


def draw_incomes_fen(rng: np.random.Generator, residence: IntArray, work: IntArray) -> IntArray:
    """Monthly income in integer fen: lognormal around the local median × the work-type factor."""
    codes, where = np.unique(residence, return_inverse=True)
    medians = np.array([median_monthly_wage_yuan(f"{code:06d}") for code in codes])
    centre = medians[where] * np.asarray(INCOME_FACTORS)[work]
    yuan = centre * np.exp(INCOME_SIGMA * rng.standard_normal(len(residence)))
    fen: IntArray = np.maximum(np.floor(yuan * 100 + 0.5).astype(np.int64), MIN_INCOME_FEN)
    return fen


# --- arrays -------------------------------------------------------------------------------------


def _spawn(seed: int, count: int) -> list[np.random.Generator]:
    return [
        np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(count)
    ]


def _month_day(dates: npt.NDArray[np.datetime64]) -> IntArray:
    """``MMDD`` as an integer, e.g. 801 for 1 August."""
    month_start = dates.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (dates - month_start).astype(np.int64) + 1
    result: IntArray = month * 100 + day
    return result


def _repeated(values: IntArray) -> BoolArray:
    """True for every value equal to one at a lower index."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    repeated = np.empty(len(values), dtype=np.bool_)
    repeated[order] = np.concatenate([[False], ordered[1:] == ordered[:-1]])
    return repeated


def _digit_matrix(values: IntArray, width: int) -> npt.NDArray[np.uint8]:
    """``(n, width)`` decimal digits of non-negative integers, most significant first."""
    digits = np.empty((len(values), width), dtype=np.uint8)
    rest = values
    for column in range(width - 1, -1, -1):  # one scalar divisor per column: much faster
        rest, digits[:, column] = np.divmod(rest, 10)
    return digits


def _ascii_strings(matrix: npt.NDArray[np.integer]) -> pa.StringArray:
    """An Arrow string array from an ``(n, width)`` matrix of ASCII codes, no Python objects."""
    n, width = matrix.shape
    data = np.ascontiguousarray(matrix, dtype=np.uint8)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def _categories(indices: npt.NDArray[np.integer], labels: tuple[str, ...]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(indices, dtype=np.int8)), pa.array(labels, type=pa.string())
    )
