"""The people the synthetic departments describe: the population register (人口库) as arrays, and
people outside it, whose records the departments hold all the same (a second population whose ID
numbers are all new)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from flexcover.kit.months import Month
from flexcover.synth.departments_register import Register
from flexcover.synth.departments_state import (
    ACTIVE_ELSEWHERE,
    ELSEWHERE_EMPLOYEE_SCHEME_SHARE,
    ELSEWHERE_OUTSIDE_ACTIVE_SHARE,
    ELSEWHERE_STATUSES,
    UNINSURED_STAFF_SHARE,
    ElsewhereRecords,
    TaxRecords,
    other_provinces,
)
from flexcover.synth.departments_truth import (
    EMPLOYEE,
    EMPLOYEE_PENSION,
    FLEXIBLE,
    PAYING,
    TERMINATED,
    TRANSFERRED_OUT,
)
from flexcover.synth.names import draw_from
from flexcover.synth.population import WORK_TYPES, generate_population

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DayArray = npt.NDArray[np.datetime64]
AsciiMatrix = npt.NDArray[np.uint8]

TRANSLITERATED_NAME_SHARE = 0.003  # assumption: names written with a middle dot
TRANSLITERATED_GIVEN = {
    True: ("买买提", "阿卜杜拉", "艾力", "吐尔逊", "努尔兰", "阿迪力", "艾克拜尔", "依力哈木"),
    False: ("古丽", "阿依古丽", "热依拉", "帕提古丽", "迪丽娜尔", "米娜", "努尔古丽", "再娜甫"),
}
TRANSLITERATED_FATHER = ("艾山", "吾斯曼", "阿不都", "玉素甫", "依明", "卡德尔", "热合曼", "沙吾提")
OCCUPATIONS = {
    "employee": "职员", "platform_rider": "骑手", "ride_hailing_driver": "网约车司机",
    "online_seller": "网店店主", "freelancer": "自由职业", "self_employed": "个体",
    "unemployed": "无业", "retired": "离退休", "student": "在校学生",
}  # fmt: skip
"""职业 on the population register by work type; 在校学生 marks students."""
FARMER_SHARE = 0.4  # assumption: people without work registered as 农民 (rural hukou)
LEFT_TRANSFERRED_OUT_SHARE = 0.5  # assumption: people who left, by transfer rather than ending
OUTSIDE_STAFF_CONTINUITY = 0.9  # assumption: share of months paid since enrolment
OUTSIDE_MARGIN = 1.05  # spare outsiders for the few whose ID number repeats a register one

OUTSIDE_STREAM_TAG = 0xDE9A01
"""Seeds the second population, apart from the register's."""


@dataclass(frozen=True)
class People:
    """Everyone the records describe: the register's rows (keys ``0 .. registered - 1``), then
    people outside it."""

    ids: AsciiMatrix
    """``(n, 18)`` ASCII of the true ID numbers."""
    names: pa.StringArray
    birth: DayArray
    is_male: BoolArray
    residence: IntArray
    hukou: IntArray
    phone: IntArray
    registered: int

    @property
    def birth_year(self) -> IntArray:
        year: IntArray = self.birth.astype("datetime64[Y]").astype(np.int64) + 1970
        return year


def _fixed_width(column: pa.ChunkedArray | pa.Array, width: int) -> AsciiMatrix:
    """The ``(n, width)`` ASCII matrix of a string column whose values all have ``width`` bytes."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[
        array.offset : array.offset + len(array) + 1
    ]
    if not (np.diff(offsets) == width).all():
        raise ValueError(f"expected {width}-byte values")
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(len(array), width)


def _as_integers(matrix: AsciiMatrix) -> IntArray:
    """Decimal digits (ASCII) to integers, row by row."""
    values: IntArray = np.zeros(len(matrix), dtype=np.int64)
    for column in range(matrix.shape[1]):  # NumPy has no fast integer matrix product
        values = values * 10 + (matrix[:, column] - ord("0"))
    return values


@dataclass(frozen=True)
class Spine:
    """人口库 as arrays: the population generator's columns, one element per register row."""

    ids: AsciiMatrix
    names: pa.StringArray
    birth: DayArray
    is_male: BoolArray
    residence: IntArray
    hukou: IntArray
    phone: IntArray
    work: IntArray
    income_fen: IntArray

    @classmethod
    def of(cls, population: pa.Table) -> Spine:
        ids = _fixed_width(population["id_number"], 18)
        return cls(
            ids=ids,
            names=population["name"].combine_chunks(),
            birth=population["birth_date"].to_numpy().astype("datetime64[D]"),
            is_male=ids[:, 16] % 2 == 1,
            residence=_as_integers(_fixed_width(population["residence_code"], 6)),
            hukou=_as_integers(_fixed_width(population["hukou_code"], 6)),
            phone=_as_integers(_fixed_width(population["phone"], 11)),
            work=population["work_type"].combine_chunks().indices.to_numpy().astype(np.int64),
            income_fen=population["monthly_income_fen"].to_numpy(),
        )

    def take(self, rows: IntArray) -> Spine:
        return Spine(
            ids=self.ids[rows],
            names=self.names.take(pa.array(rows)),
            birth=self.birth[rows],
            is_male=self.is_male[rows],
            residence=self.residence[rows],
            hukou=self.hukou[rows],
            phone=self.phone[rows],
            work=self.work[rows],
            income_fen=self.income_fen[rows],
        )


def with_transliterated_names(
    rng: np.random.Generator, names: pa.StringArray, is_male: BoolArray
) -> pa.StringArray:
    """Replace :data:`TRANSLITERATED_NAME_SHARE` of names by a given name · father's name."""
    chosen = rng.random(len(names)) < TRANSLITERATED_NAME_SHARE
    rows = np.flatnonzero(chosen)
    given = rng.integers(0, 8, len(rows))
    father = rng.integers(0, len(TRANSLITERATED_FATHER), len(rows))
    replacements = [
        f"{TRANSLITERATED_GIVEN[male][g]}·{TRANSLITERATED_FATHER[f]}"
        for male, g, f in zip(is_male[rows].tolist(), given.tolist(), father.tolist(), strict=True)
    ]
    return pc.replace_with_mask(names, pa.array(chosen), pa.array(replacements, pa.string()))


def occupations(rng: np.random.Generator, work: IntArray) -> pa.Array:
    """职业: by work type; some of those without work are farmers."""
    labels = [OCCUPATIONS[w] for w in WORK_TYPES] + ["农民"]
    index = work.copy()
    farmer = (work == WORK_TYPES.index("unemployed")) & (rng.random(len(work)) < FARMER_SHARE)
    index[farmer] = len(WORK_TYPES)
    return pa.array(labels, pa.string()).take(pa.array(index))


def outsiders(register_ids: AsciiMatrix, count: int, *, jurisdiction: str, seed: int) -> Spine:
    """``count`` people not on the register: a second population whose numbers are all new."""
    pool_seed = int(np.random.SeedSequence([seed, OUTSIDE_STREAM_TAG]).generate_state(1)[0])
    size = max(1, int(count * OUTSIDE_MARGIN) + 20)
    pool = Spine.of(generate_population(jurisdiction=jurisdiction, people=size, seed=pool_seed))
    first17 = _as_integers(pool.ids[:, :17])
    taken = np.sort(_as_integers(register_ids[:, :17]))
    at = np.minimum(np.searchsorted(taken, first17), len(taken) - 1)
    fresh = np.flatnonzero(taken[at] != first17)[:count]
    if len(fresh) < count:  # pragma: no cover - needs thousands of repeated numbers
        raise RuntimeError("not enough people outside the register")
    return pool.take(fresh)


def outside_staff(
    rng: np.random.Generator,
    keys: IntArray,
    *,
    employer_weights: npt.NDArray[np.float64],
    under_insuring: BoolArray,
    employer_district: IntArray,
    income_fen: IntArray,
    as_of: Month,
) -> tuple[TaxRecords, Register]:
    """Taxpayers outside the register, employed all year; insured by their employer unless it is
    one that under-insures and leaves them out."""
    m = as_of.index
    k = len(keys)
    employer = draw_from(rng, employer_weights, k).astype(np.int64)
    tax = TaxRecords(keys, employer, np.full(k, m - 11), np.full(k, m), income_fen * 12)
    insured = ~(under_insuring[employer] & (rng.random(k) < UNINSURED_STAFF_SHARE))
    j = int(insured.sum())
    first = m - rng.integers(11, 180, j)
    register = Register(
        keys[insured], np.full(j, EMPLOYEE_PENSION), np.full(j, EMPLOYEE), employer[insured],
        np.full(j, PAYING), first, np.full(j, m), np.full(j, 12),
        np.round((m - first + 1) * OUTSIDE_STAFF_CONTINUITY).astype(np.int64), np.full(j, -1),
        employer_district[employer[insured]],
    )  # fmt: skip
    return tax, register


def insured_elsewhere(
    rng: np.random.Generator, keys: IntArray, hukou: IntArray, province: str
) -> ElsewhereRecords:
    """Other provinces' records of people who left the register: most still insured there."""
    k = len(keys)
    scheme = (rng.random(k) >= ELSEWHERE_EMPLOYEE_SCHEME_SHARE).astype(np.int64)
    active = rng.random(k) < ELSEWHERE_OUTSIDE_ACTIVE_SHARE
    ended = ELSEWHERE_STATUSES.index("终止")
    status = np.where(active, ACTIVE_ELSEWHERE, ended)
    return ElsewhereRecords(keys, other_provinces(rng, hukou, province), scheme, status)


def moved_away(rng: np.random.Generator, keys: IntArray, people: People, as_of: Month) -> Register:
    """Register rows of people who left: terminated or transferred out, 1-60 months ago."""
    m = as_of.index
    k = len(keys)
    last = m - rng.integers(1, 61, k)
    first = last - rng.integers(0, 120, k)
    paid = np.clip(last - np.maximum(first, m - 11) + 1, 0, 12)
    return Register(
        keys, np.full(k, EMPLOYEE_PENSION), np.full(k, FLEXIBLE), np.full(k, -1),
        np.where(rng.random(k) < LEFT_TRANSFERRED_OUT_SHARE, TRANSFERRED_OUT, TERMINATED),
        first, last, paid,
        last - first + 1, np.full(k, -1), people.residence[keys],
    )  # fmt: skip
