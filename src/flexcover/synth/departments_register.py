"""The agency's own insured register (本地参保库) in the synthetic departments: at most one local
pension record per person, drawn from the person's situation, and the medical records beside it.
Every share is an assumption unless its comment names a source.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from flexcover.kit.months import Month
from flexcover.synth.departments_state import (
    ELSEWHERE,
    EMPLOYED,
    FLEXIBLE_ENROLEE,
    LAPSED,
    PENSIONER,
    RESIDENT_ENROLEE,
    stacked,
)
from flexcover.synth.departments_truth import (
    EMPLOYEE,
    EMPLOYEE_MEDICAL,
    EMPLOYEE_PENSION,
    FLEXIBLE,
    PAUSED,
    PAYING,
    RESIDENT,
    RESIDENT_MEDICAL,
    RESIDENT_PENSION,
    RETIREE,
    TERMINATED,
    TRANSFERRED_OUT,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

PAUSED_SHARES = {EMPLOYED: 0.04, FLEXIBLE_ENROLEE: 0.15, RESIDENT_ENROLEE: 0.08}  # assumption
ARREARS_SHARES = {EMPLOYED: 0.03, FLEXIBLE_ENROLEE: 0.25}  # assumption: 3+ unpaid of last 12
SMALL_GAP_SHARES = (0.75, 0.2, 0.05)  # assumption: 0, 1, 2 months not (yet) paid otherwise
LAPSED_TRANSFERRED_OUT_SHARE = 0.3  # assumption: lapsed by transfer rather than termination
LAPSE_MEAN_MONTHS = 30  # assumption: mean months since a lapsed enrolment ended
ELSEWHERE_WITH_LOCAL_RECORD_SHARE = 0.4  # assumption: insured elsewhere after a local 转出
TRANSFERRED_IN_SHARE = 0.06  # assumption: local enrolments transferred in from elsewhere
RESIDENT_SCHEME_SHARES = {LAPSED: 0.3, PENSIONER: 0.35}  # assumption: in the resident scheme
EMPLOYEE_IDENTITY_SHARES = {LAPSED: 0.5, ELSEWHERE: 0.5, PENSIONER: 0.7}  # assumption
FIRST_REGISTER_MONTH = Month(1992, 1)  # assumption: the register starts after 国发〔1991〕33号
RESIDENT_SCHEME_START = Month(2009, 10)  # assumption: 新农保 pilots (国发〔2009〕32号) start
RESIDENT_MEDICAL_START = Month(2008, 1)  # assumption: 城镇居民医保 pilots (2007) reach the city
EARLY_RETIREMENT_AGES = (55, 50)  # assumption: men, women retiring before the statutory age
MEDICAL_SHARES = {EMPLOYED: 0.95, FLEXIBLE_ENROLEE: 0.5, PENSIONER: 0.9}  # assumption: 职工医保
RESIDENT_MEDICAL_SHARE = 0.8  # assumption: resident medical among everyone else
ELSEWHERE_RESIDENT_MEDICAL_SHARE = 0.2  # assumption: people insured in another province
RESIDENT_MEDICAL_PAID_SHARE = 0.95  # assumption: resident medical paid for the current year
EMPLOYEE_CONTINUITY = 0.85  # assumption: least share of months paid since enrolment, employees
OTHER_CONTINUITY = 0.4  # assumption: the same for flexible workers and residents


@dataclass(frozen=True)
class Register:
    """本地参保库: one row per person and scheme in the agency's own insured register.

    Stored as 32-bit integers (codes, keys and months all fit): a province's register has tens
    of millions of rows.
    """

    person: IntArray
    scheme: IntArray
    identity: IntArray
    employer: IntArray  # -1: none
    status: IntArray
    first_month: IntArray
    last_paid_month: IntArray  # -1: never paid
    paid_last_12: IntArray
    months_total: IntArray
    transfer_in_month: IntArray  # -1: not transferred in
    district: IntArray

    def __post_init__(self) -> None:
        for name, values in self.__dict__.items():
            object.__setattr__(self, name, np.asarray(values, dtype=np.int32))


def draw_register(
    rng: np.random.Generator,
    *,
    situation: IntArray,
    employer: IntArray,
    employers: int,
    birth_month: IntArray,
    is_male: BoolArray,
    retirement_month: IntArray,
    death_month: IntArray,
    residence: IntArray,
    employer_district: IntArray,
    as_of: Month,
) -> Register:
    """Local pension records (at most one per person) and the medical records that go with them.

    Unpaid months are the latest ones (arrears, a pause), so the last paid month follows from the
    months paid among the last 12.
    """
    m = as_of.index
    has = np.isin(situation, (EMPLOYED, FLEXIBLE_ENROLEE, RESIDENT_ENROLEE, LAPSED, PENSIONER))
    has |= (situation == ELSEWHERE) & (
        rng.random(len(situation)) < ELSEWHERE_WITH_LOCAL_RECORD_SHARE
    )
    p = np.flatnonzero(has)
    s = situation[p]
    k = len(p)

    scheme = np.where(s == RESIDENT_ENROLEE, RESIDENT_PENSION, EMPLOYEE_PENSION)
    u = rng.random(k)
    for state, share in RESIDENT_SCHEME_SHARES.items():
        scheme[(s == state) & (u < share)] = RESIDENT_PENSION
    annual = scheme == RESIDENT_PENSION
    identity = np.where(s == FLEXIBLE_ENROLEE, FLEXIBLE, EMPLOYEE)
    u = rng.random(k)
    for state, share in EMPLOYEE_IDENTITY_SHARES.items():
        identity[(s == state) & (u >= share)] = FLEXIBLE
    identity[annual] = RESIDENT
    record_employer = np.where(s == EMPLOYED, employer[p], rng.integers(0, employers, k))
    record_employer[identity != EMPLOYEE] = -1

    status = np.full(k, PAYING)
    u = rng.random(k)
    for state, share in PAUSED_SHARES.items():
        status[(s == state) & (u < share)] = PAUSED
    status[(s == LAPSED) & (u < LAPSED_TRANSFERRED_OUT_SHARE)] = TRANSFERRED_OUT
    status[(s == LAPSED) & (u >= LAPSED_TRANSFERRED_OUT_SHARE)] = TERMINATED
    status[s == ELSEWHERE] = TRANSFERRED_OUT
    status[s == PENSIONER] = RETIREE
    live = (status == PAYING) | (status == PAUSED)
    paused = status == PAUSED
    del s

    # Membership runs from `first` to `end`: the reference month, the month before retiring, or
    # the month the enrolment lapsed.
    lower = birth_month[p] + 12 * 18 + rng.integers(0, 120, k)  # career start at 18-27
    lower = np.maximum(
        lower, np.where(annual, RESIDENT_SCHEME_START.index, FIRST_REGISTER_MONTH.index)
    )
    lower = np.minimum(lower, m - 1)
    end = birth_month[p] + 12 * np.where(is_male[p], *EARLY_RETIREMENT_AGES)
    end = np.minimum(np.where(retirement_month[p] <= m, retirement_month[p], end), m) - 1
    lapsed = m - 1 - np.floor(-LAPSE_MEAN_MONTHS * np.log1p(-rng.random(k))).astype(np.int64)
    end = np.where(live, m, np.where(status == RETIREE, end, np.maximum(lapsed, lower)))
    del lapsed
    skew = rng.random(k) ** np.where(situation[p] == EMPLOYED, 3, 2)  # employees start earlier
    first = np.minimum(lower + (skew * np.maximum(end - lower + 1, 0)).astype(np.int64), end)
    del skew, lower

    due = np.clip(m - first + 1, 0, 12)
    unpaid = np.searchsorted(np.cumsum(SMALL_GAP_SHARES), rng.random(k), side="right")
    u = rng.random(k)
    for state, share in ARREARS_SHARES.items():
        arrears = (situation[p] == state) & (u < share)
        unpaid[arrears] = rng.integers(3, 13, int(arrears.sum()))
    unpaid[paused] = rng.integers(1, 13, int(paused.sum()))
    unpaid = np.maximum(unpaid, np.clip(m - death_month[p], 0, None))  # nothing paid after death
    unpaid = np.where(annual, np.where(paused, 12, 0), unpaid)  # resident scheme: paid yearly
    unpaid = np.minimum(unpaid, due)
    paid_last_12 = np.where(live, due - unpaid, np.clip(end - np.maximum(first, m - 11) + 1, 0, 12))
    last_paid = np.where(paid_last_12 > 0, np.where(live, m - unpaid, end), np.minimum(m - 12, end))
    last_paid[last_paid < first] = -1
    del due, unpaid

    span = np.where(last_paid >= 0, last_paid - first + 1, 0)
    u = rng.random(k)
    low = np.where(identity == EMPLOYEE, EMPLOYEE_CONTINUITY, OTHER_CONTINUITY)
    kept = low + (1 - low) * u
    months_total = np.maximum(np.round(span * kept).astype(np.int64), paid_last_12)
    months_total = np.where(annual, np.maximum(months_total // 12 * 12, paid_last_12), months_total)
    deemed = (status == RETIREE) & ~annual  # deemed years make up pre-1992 careers
    months_total[deemed] = np.maximum(
        months_total[deemed], rng.integers(180, 300, int(deemed.sum()))
    )
    del span, kept

    moved_in = np.isin(situation[p], (EMPLOYED, FLEXIBLE_ENROLEE, LAPSED)) & ~annual & (end > first)
    moved_in &= rng.random(k) < TRANSFERRED_IN_SHARE
    transfer_in = np.full(k, -1, dtype=np.int64)
    transfer_in[moved_in] = (
        first[moved_in]
        + 1
        + (rng.random(int(moved_in.sum())) * (end - first)[moved_in]).astype(np.int64)
    )
    at_employer = live & (record_employer >= 0)
    district = np.where(
        at_employer, employer_district[np.maximum(record_employer, 0)], residence[p]
    )
    pension = Register(
        p, scheme, identity, record_employer, status, first, last_paid, paid_last_12,
        months_total, transfer_in, district,
    )  # fmt: skip
    return _with_medical(rng, pension, situation, birth_month, residence, as_of)


def _with_medical(
    rng: np.random.Generator,
    pension: Register,
    situation: IntArray,
    birth_month: IntArray,
    residence: IntArray,
    as_of: Month,
) -> Register:
    """Add medical records: employee medical mirroring the pension record where the situation
    has it (:data:`MEDICAL_SHARES`), resident medical, paid yearly, for most of everyone else."""
    m = as_of.index
    n = len(situation)
    s = situation[pension.person]
    u = rng.random(len(s))
    mirrored = np.zeros(len(s), dtype=np.bool_)
    for state, share in MEDICAL_SHARES.items():
        mirrored |= (s == state) & (u < share)
    mirrored &= (pension.scheme == EMPLOYEE_PENSION) & (pension.status != TRANSFERRED_OUT)
    employee_medical = replace(
        select(pension, mirrored), scheme=np.full(int(mirrored.sum()), EMPLOYEE_MEDICAL)
    )
    has_employee_medical = np.zeros(n, dtype=np.bool_)
    has_employee_medical[employee_medical.person] = True
    shares = np.where(
        situation == ELSEWHERE, ELSEWHERE_RESIDENT_MEDICAL_SHARE, RESIDENT_MEDICAL_SHARE
    )
    person = np.flatnonzero(~has_employee_medical & (rng.random(n) < shares))
    k = len(person)
    first = np.maximum(birth_month[person] + 12 * 16, RESIDENT_MEDICAL_START.index)
    first = np.minimum(first + rng.integers(0, 36, k), m)
    due = np.clip(m - first + 1, 0, 12)
    paid = rng.random(k) < RESIDENT_MEDICAL_PAID_SHARE
    years = (m - first) // 12 + paid
    lapsed = np.where(years > 0, first + years * 12 - 1, -1)
    none = np.full(k, -1)
    resident_medical = Register(
        person, np.full(k, RESIDENT_MEDICAL), np.full(k, RESIDENT), none,
        np.where(paid, PAYING, TERMINATED), first,
        np.where(paid, m - (rng.random(k) * due).astype(np.int64), lapsed),
        np.where(paid, due, 0), years * 12, none, residence[person],
    )  # fmt: skip
    return stacked(pension, employee_medical, resident_medical)


def select(register: Register, where: BoolArray | IntArray) -> Register:
    """The rows of ``register`` at ``where`` (a mask or indexes)."""
    return Register(**{name: values[where] for name, values in register.__dict__.items()})
