"""The hidden truth of the synthetic departments (精准扩面 answer key), by the rules of
``docs/coverage.md``: one class per person of the population register, tags, and employer findings.

Everything here is a pure function over arrays of *clean* records, so the answer key can be checked
on a handful of hand-made people and computed for ten million in the same way. Records name the
person they describe by a *person key*: the population row (0-based) for people in the register,
and keys at or above the register's size for people outside it, whom the rules ignore except when
counting an employer's staff.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from flexcover.kit.months import Month
from flexcover.rules.parameters import Rulebook
from flexcover.rules.retirement import retirement

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DayArray = npt.NDArray[np.datetime64]

CLASSES = ("covered", "interrupted", "dropped", "never_insured", "excluded")
COVERED, INTERRUPTED, DROPPED, NEVER_INSURED, EXCLUDED = range(5)
REASONS = ("deceased", "under_age", "over_age", "retired", "student", "insured_elsewhere")
DECEASED, UNDER_AGE, OVER_AGE, RETIRED, STUDENT, INSURED_ELSEWHERE = range(6)
NO_REASON = -1
TAGS = (
    "platform_worker", "platform_no_pension", "tax_income_uninsured", "near_retirement_short",
    "minimum_income", "disadvantaged", "self_employed",
)  # fmt: skip
(
    PLATFORM_WORKER, PLATFORM_NO_PENSION, TAX_INCOME_UNINSURED, NEAR_RETIREMENT_SHORT,
    MINIMUM_INCOME, DISADVANTAGED, SELF_EMPLOYED,
) = range(7)  # fmt: skip

SCHEMES = ("employee_pension", "resident_pension", "employee_medical", "resident_medical")
EMPLOYEE_PENSION, RESIDENT_PENSION, EMPLOYEE_MEDICAL, RESIDENT_MEDICAL = range(4)
IDENTITIES = ("employee", "flexible", "resident")
EMPLOYEE, FLEXIBLE, RESIDENT = range(3)
STATUSES = ("paying", "paused", "terminated", "transferred_out", "retired")
PAYING, PAUSED, TERMINATED, TRANSFERRED_OUT, RETIREE = range(5)

WORKING_AGE_FROM = 16
INTERRUPTED_UNPAID_MONTHS = 3
"""*N*, the default of ``coverage.interrupted_unpaid_months``."""
NEAR_RETIREMENT_MONTHS = 60
PLATFORM_MONTHS = 3
"""Orders in *M* or the two months before make a platform worker."""
WINDOW_MONTHS = 12
"""Unpaid months and taxed income are looked for in the 12 months ending with *M*."""


def _ints() -> IntArray:
    return np.zeros(0, dtype=np.int64)


def _bools() -> BoolArray:
    return np.zeros(0, dtype=np.bool_)


def _days() -> DayArray:
    return np.zeros(0, dtype="datetime64[D]")


@dataclass(frozen=True)
class PersonFacts:
    """What the population register and the retirement rule say, one element per register row."""

    age: IntArray
    """Completed years on the last day of the reference month."""
    retirement_month: IntArray
    """Statutory retirement month (:attr:`Month.index`)."""
    minimum_months: IntArray
    """Minimum contribution months for a pension in the year of retirement."""
    student: BoolArray


@dataclass(frozen=True)
class Evidence:
    """The clean departmental records that decide classes and tags; ``*_person`` are person keys.

    Months are :attr:`Month.index` integers; a field left out is an empty source.
    """

    death_person: IntArray = field(default_factory=_ints)
    death_day: DayArray = field(default_factory=_days)
    register_person: IntArray = field(default_factory=_ints)
    register_scheme: IntArray = field(default_factory=_ints)
    register_identity: IntArray = field(default_factory=_ints)
    register_employer: IntArray = field(default_factory=_ints)
    register_status: IntArray = field(default_factory=_ints)
    register_first_month: IntArray = field(default_factory=_ints)
    register_paid_last_12: IntArray = field(default_factory=_ints)
    register_months_total: IntArray = field(default_factory=_ints)
    elsewhere_person: IntArray = field(default_factory=_ints)
    elsewhere_active: BoolArray = field(default_factory=_bools)
    platform_person: IntArray = field(default_factory=_ints)
    platform_month: IntArray = field(default_factory=_ints)
    platform_orders: IntArray = field(default_factory=_ints)
    tax_person: IntArray = field(default_factory=_ints)
    tax_employer: IntArray = field(default_factory=_ints)
    tax_first_month: IntArray = field(default_factory=_ints)
    tax_last_month: IntArray = field(default_factory=_ints)
    dibao_person: IntArray = field(default_factory=_ints)
    disadvantaged_person: IntArray = field(default_factory=_ints)
    business_person: IntArray = field(default_factory=_ints)
    business_individual: BoolArray = field(default_factory=_bools)
    business_active: BoolArray = field(default_factory=_bools)


@dataclass(frozen=True)
class PeopleTruth:
    """比对结果 as it truly is, per population row: class, exclusion reason (-1: none), tags."""

    klass: npt.NDArray[np.int8]
    reason: npt.NDArray[np.int8]
    tags: BoolArray
    """``(n, len(TAGS))``."""


def retirement_schedule(
    birth_month: IntArray,
    is_male: BoolArray,
    *,
    as_of: Month,
    rulebook: Rulebook,
    jurisdiction: str,
) -> tuple[IntArray, IntArray]:
    """Statutory retirement month and minimum contribution months of each person.

    One call of :func:`flexcover.rules.retirement.retirement` per distinct birth month and sex,
    with the original ages of flexible workers (``retirement.flexible_original_age.*``: men 60,
    women 55). Parameters are read as in force at the end of ``as_of``, or at the start of the 2025
    reform when ``as_of`` is earlier: the reform only delays cohorts that retire after it began.
    """
    reform = rulebook.periods(jurisdiction, "retirement.delay_from_birth_month")[0].effective_from
    on = max(as_of.last_day, reform)
    ages = {
        sex: int(rulebook.get(jurisdiction, f"retirement.flexible_original_age.{sex}", on).value)
        for sex in ("male", "female")
    }
    keys, inverse = np.unique(birth_month * 2 + is_male.astype(np.int64), return_inverse=True)
    male = (keys % 2).astype(bool)
    facts = retirement(
        rulebook=rulebook,
        gender=tuple("male" if m else "female" for m in male.tolist()),
        original_age=np.where(male, ages["male"], ages["female"]),
        birth_month=keys // 2,
        on=on,
        jurisdiction=jurisdiction,
    )
    return facts.retirement_month[inverse], facts.minimum_contribution_months[inverse]


def classify_people(
    facts: PersonFacts,
    evidence: Evidence,
    *,
    reference_month: Month,
    unpaid_threshold: int = INTERRUPTED_UNPAID_MONTHS,
) -> PeopleTruth:
    """Class, reason and tags of every population row (``docs/coverage.md``, "Classes", "Tags").

    ``months_total`` for ``near_retirement_short`` is the largest of the person's local pension
    records (0 when none): the contract names the field but not how several records combine.
    """
    n = len(facts.age)
    m = reference_month.index
    e = evidence

    def anyone(person: IntArray, where: BoolArray | None = None) -> BoolArray:
        """Whether each population row has a record (among ``where``)."""
        chosen = person if where is None else person[where]
        chosen = chosen[chosen < n]
        return np.bincount(chosen, minlength=n)[:n] > 0

    end_of_month = np.datetime64(reference_month.last_day, "D")
    deceased = anyone(e.death_person, e.death_day <= end_of_month)
    under_age = facts.age < WORKING_AGE_FROM
    over_age = m >= facts.retirement_month
    retired = anyone(e.register_person, e.register_status == RETIREE)

    pension = (e.register_scheme == EMPLOYEE_PENSION) | (e.register_scheme == RESIDENT_PENSION)
    live = pension & ((e.register_status == PAYING) | (e.register_status == PAUSED))
    unpaid = unpaid_months(e.register_first_month, e.register_paid_last_12, reference_month)
    paid_up = (e.register_scheme == RESIDENT_PENSION) | (unpaid < unpaid_threshold)
    covered = anyone(e.register_person, live & paid_up)
    interrupted = anyone(e.register_person, live & ~paid_up)
    elsewhere = anyone(e.elsewhere_person, e.elsewhere_active)
    enrolled = anyone(e.register_person, pension)

    # Later assignments lose to earlier ones: fill from the last rule to the first.
    klass = np.full(n, NEVER_INSURED, dtype=np.int8)
    reason = np.full(n, NO_REASON, dtype=np.int8)
    steps: tuple[tuple[BoolArray, int, int], ...] = (
        (enrolled, DROPPED, NO_REASON),
        (elsewhere, EXCLUDED, INSURED_ELSEWHERE),
        (interrupted, INTERRUPTED, NO_REASON),
        (covered, COVERED, NO_REASON),
        (facts.student, EXCLUDED, STUDENT),
        (retired, EXCLUDED, RETIRED),
        (over_age, EXCLUDED, OVER_AGE),
        (under_age, EXCLUDED, UNDER_AGE),
        (deceased, EXCLUDED, DECEASED),
    )
    for applies, cls, why in steps:
        klass[applies] = cls
        reason[applies] = why

    tags = np.zeros((n, len(TAGS)), dtype=np.bool_)
    recent = (e.platform_month > m - PLATFORM_MONTHS) & (e.platform_month <= m)
    tags[:, PLATFORM_WORKER] = anyone(e.platform_person, recent & (e.platform_orders > 0))
    uninsured = (klass == NEVER_INSURED) | (klass == DROPPED)
    tags[:, PLATFORM_NO_PENSION] = tags[:, PLATFORM_WORKER] & (uninsured | (klass == INTERRUPTED))
    in_window = (e.tax_last_month > m - WINDOW_MONTHS) & (e.tax_first_month <= m)
    tags[:, TAX_INCOME_UNINSURED] = anyone(e.tax_person, in_window) & uninsured
    months_total = np.zeros(n, dtype=np.int64)
    local = pension & (e.register_person < n)
    np.maximum.at(months_total, e.register_person[local], e.register_months_total[local])
    to_retirement = facts.retirement_month - m
    tags[:, NEAR_RETIREMENT_SHORT] = (
        (klass != EXCLUDED)
        & (to_retirement > 0)
        & (to_retirement <= NEAR_RETIREMENT_MONTHS)
        & (months_total < facts.minimum_months)
    )
    tags[:, MINIMUM_INCOME] = anyone(e.dibao_person)
    tags[:, DISADVANTAGED] = anyone(e.disadvantaged_person)
    tags[:, SELF_EMPLOYED] = anyone(e.business_person, e.business_individual & e.business_active)
    return PeopleTruth(klass=klass, reason=reason, tags=tags)


def unpaid_months(
    first_month: IntArray, paid_last_12: IntArray, reference_month: Month
) -> IntArray:
    """Months of the 12 ending with *M* on or after the enrolment's first month, less those paid."""
    due = np.clip(reference_month.index - first_month + 1, 0, WINDOW_MONTHS)
    unpaid: IntArray = np.maximum(due - paid_last_12, 0)
    return unpaid


def under_insured_employers(
    evidence: Evidence, *, employers: int, reference_month: Month
) -> tuple[IntArray, IntArray]:
    """Per employer index: distinct people taxed by it in *M*, and its insured employees.

    Insured employees: distinct people with an ``employee_pension`` register record of identity
    ``employee`` naming the employer, status ``paying`` or ``paused``. The employer is under-insured
    (``employer_under_insured``) where the first count exceeds the second. People outside the
    population register count too: they are staff all the same.
    """
    m = reference_month.index
    e = evidence
    taxed = (e.tax_first_month <= m) & (e.tax_last_month >= m)
    insured = (
        (e.register_scheme == EMPLOYEE_PENSION)
        & (e.register_identity == EMPLOYEE)
        & (e.register_employer >= 0)
        & ((e.register_status == PAYING) | (e.register_status == PAUSED))
    )
    return (
        _distinct_per_employer(e.tax_employer[taxed], e.tax_person[taxed], employers),
        _distinct_per_employer(e.register_employer[insured], e.register_person[insured], employers),
    )


def _distinct_per_employer(employer: IntArray, person: IntArray, employers: int) -> IntArray:
    people = int(person.max(initial=0)) + 1
    pairs = np.sort(employer.astype(np.int64) * people + person)
    first = np.ones(len(pairs), dtype=np.bool_)  # sorting beats np.unique's hashing here
    first[1:] = pairs[1:] != pairs[:-1]
    pairs = pairs[first]
    counts: IntArray = np.bincount(pairs // people, minlength=employers)
    return counts[:employers]
