"""Statutory retirement under the 2025 reform (渐进式延迟法定退休年龄, in force 2025-01-01).

Men (original age 60) and women with original age 55: one month of delay per 4 months of birth
cohort from 1965-01 / 1970-01, up to 36 months; women with original age 50: one month per 2 months
from 1975-01, up to 60. Retirement month = birth month + statutory age. The minimum contribution
months depend on the retirement year (art. 2); flexible early retirement is at most 36 months
before the statutory age and never below the original age (art. 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from flexcover.kit.money import IntArray
from flexcover.kit.months import Month
from flexcover.rules.explain import Explain
from flexcover.rules.parameters import NATION, Rulebook
from flexcover.rules.problems import OutOfRange

ORIGINAL_AGES = {"male": (60,), "female": (55, 50)}


@dataclass(frozen=True)
class Retirement:
    """An element per person; months as :attr:`Month.index` integers."""

    delay_months: IntArray
    statutory_age_months: IntArray
    retirement_month: IntArray
    minimum_contribution_months: IntArray
    earliest_retirement_month: IntArray
    explain: Explain


def delay_months(
    birth_month: IntArray, original_age: IntArray, starts: IntArray, steps: IntArray, caps: IntArray
) -> IntArray:
    """Months of delay: 0 before the first delayed cohort, then one per ``step`` months, capped."""
    cohort = birth_month - starts
    delay: IntArray = np.where(cohort < 0, 0, np.minimum(caps, cohort // steps + 1))
    return delay


def retirement(
    *,
    rulebook: Rulebook,
    gender: tuple[str, ...],
    original_age: IntArray,
    birth_month: IntArray,
    on: date,
    jurisdiction: str = NATION,
) -> Retirement:
    """Retirement facts for people of ``gender`` and ``original_age`` born in ``birth_month``."""
    original_age = np.asarray(original_age, dtype=np.int64)
    birth_month = np.asarray(birth_month, dtype=np.int64)
    for index, (sex, age) in enumerate(zip(gender, original_age.tolist(), strict=True)):
        if age not in ORIGINAL_AGES.get(sex, ()):
            raise OutOfRange(
                field="original_retirement_age" if sex in ORIGINAL_AGES else "gender",
                reason_zh="男性原退休年龄为 60；女性为 55 或 50",
                reason_en="the original retirement age is 60 for men, 55 or 50 for women"
                + (f" (row {index})" if len(gender) > 1 else ""),
            )
    if np.any(birth_month > Month.of(on).index):
        raise OutOfRange(
            field="birth_month",
            reason_zh=f"出生年月不能晚于 {Month.of(on)}",
            reason_en=f"the birth month cannot be after {Month.of(on)}",
        )
    explain = Explain(
        "retirement",
        inputs={
            "gender": list(gender),
            "original_retirement_age": original_age,
            "birth_month": [str(Month.from_index(int(m))) for m in birth_month.reshape(-1)[:20]],
        },
    )
    start_table = explain.use(
        rulebook.get(jurisdiction, "retirement.delay_from_birth_month", on)
    ).value
    step_table = explain.use(rulebook.get(jurisdiction, "retirement.delay_step_months", on)).value
    cap_table = explain.use(rulebook.get(jurisdiction, "retirement.delay_cap_months", on)).value
    early = explain.use(rulebook.get(jurisdiction, "retirement.flexible_early_months", on)).value

    def by_age(table: dict[int, int | Month]) -> IntArray:
        """The table's value for each person's original age (months as month indexes)."""
        lookup = {
            age: value.index if isinstance(value, Month) else value for age, value in table.items()
        }
        return np.array([lookup[age] for age in original_age.tolist()], dtype=np.int64)

    delay = delay_months(
        birth_month, original_age, by_age(start_table), by_age(step_table), by_age(cap_table)
    )
    statutory = original_age * 12 + delay
    retires = birth_month + statutory
    earliest = birth_month + np.maximum(original_age * 12, statutory - early)
    explain.step("delay_months", "0 before the first cohort, else min(cap, ⌊k / step⌋ + 1)", delay)
    explain.step("statutory_age_months", "original age × 12 + delay", statutory)
    explain.step("retirement_month", "birth month + statutory age", retires)

    minimum = np.zeros_like(retires)
    for year in np.unique(retires // 12).tolist():
        value = explain.use(
            rulebook.get(
                jurisdiction,
                "retirement.minimum_contribution_months",
                date(year, 1, 1),
                field="birth_month",
            )
        )
        minimum[retires // 12 == year] = value.value
    explain.step("minimum_contribution_months", "by the year of retirement", minimum)
    explain.step(
        "earliest_retirement_month", "birth + max(original age, statutory − early)", earliest
    )
    return Retirement(delay, statutory, retires, minimum, earliest, explain)
