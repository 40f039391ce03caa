"""The employee pension at retirement (国发〔2005〕38号) and its ingredients.

- basic pension 基础养老金 = C × (1 + I) / 2 × N × 1 %
- personal-account pension = account balance ÷ divisor (计发月数) for the age at retirement
- transitional pension 过渡性养老金 = C × I × N(deemed) × the jurisdiction's coefficient

C is the pension calculation base for the retirement year, I the average contribution index, N the
contribution years including deemed (视同) years. I and N are kept to the jurisdiction's decimals
(Chongqing: 4, 渝人社发〔2010〕275号) and money to the fen, half-up. Everything is integer
arithmetic: I and N as integers in units of 10^-decimals, divisors in tenths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from flexcover.kit.money import IntArray, product_half_up_div, round_half_up_div_array
from flexcover.kit.months import Month
from flexcover.rules.explain import Explain
from flexcover.rules.parameters import NATION, Rulebook
from flexcover.rules.problems import OutOfRange

MAX_DECIMALS = 4  # keeps every product inside int64


# --- divisor -------------------------------------------------------------------------------------


def divisor_tenths(
    table: dict[int, Decimal], interpolation: str, age_years: IntArray, age_months: IntArray
) -> IntArray:
    """计发月数 in tenths for ages in years and months.

    ``linear_tenth``: straight line between whole-age rows, rounded half-up to 0.1 (the Jinan
    month-level table): d(y, m) = round1(T[y] + (T[y+1] − T[y]) × m / 12).
    """
    ages = np.array(sorted(table), dtype=np.int64)
    tenths = np.array([int(table[age] * 10) for age in ages], dtype=np.int64)
    youngest, oldest = int(ages[0]), int(ages[-1])
    if (
        np.any(age_years < youngest)
        or np.any(age_years > oldest)
        or np.any((age_years == oldest) & (age_months > 0))
        or np.any((age_months < 0) | (age_months > 11))
    ):
        raise OutOfRange(
            field="age_years",
            reason_zh=f"计发月数表覆盖 {youngest} 岁至 {oldest} 岁（月数 0–11）",
            reason_en=f"the divisor table covers ages {youngest} to {oldest} (months 0–11)",
        )
    here = tenths[age_years - youngest]
    if interpolation == "whole_years":
        return here
    following = tenths[np.minimum(age_years - youngest + 1, len(ages) - 1)]
    return round_half_up_div_array(here * 12 + (following - here) * age_months, 12)


def tenths_to_text(tenths: int) -> str:
    return f"{tenths // 10}.{tenths % 10}"


@dataclass(frozen=True)
class Divisor:
    divisor_tenths: IntArray
    explain: Explain


def divisor(
    *,
    rulebook: Rulebook,
    age_years: IntArray,
    age_months: IntArray,
    on: date,
    jurisdiction: str = NATION,
) -> Divisor:
    explain = Explain("divisor", inputs={"age_years": age_years, "age_months": age_months})
    table = explain.use(rulebook.get(jurisdiction, "divisor.table", on))
    method = explain.use(rulebook.get(jurisdiction, "divisor.interpolation", on))
    result = divisor_tenths(
        table.value, method.value, np.asarray(age_years), np.asarray(age_months)
    )
    explain.step("divisor_tenths", "round1(T[y] + (T[y+1] − T[y]) × m / 12) × 10", result)
    return Divisor(result, explain)


# --- average contribution index ------------------------------------------------------------------

INDEX_PRECISION = 10**9  # each month's index is first taken to 1e-9, then averaged


def average_index_units(
    bases_fen: IntArray,
    wages_fen: IntArray,
    paid: np.ndarray,
    floor: Decimal,
    ceiling: Decimal,
    decimals: int,
) -> IntArray:
    """Average of min(max(base / wage, floor), ceiling) over paid months, in 10^-decimals.

    ``bases_fen`` and ``paid`` are (people × months); ``wages_fen`` is the reference wage of each
    month. Each month's ratio is taken half-up to 1e-9 first, so the sum is exact in int64.
    """
    monthly = round_half_up_div_array(bases_fen * INDEX_PRECISION, wages_fen[np.newaxis, :])
    low = int(floor * INDEX_PRECISION)
    high = int(ceiling * INDEX_PRECISION)
    monthly = np.clip(monthly, low, high) * paid
    months = paid.sum(axis=1)
    if np.any(months == 0):
        raise OutOfRange(
            field="history",
            reason_zh="缴费记录为空",
            reason_en="the history has no month with a base",
        )
    scale = INDEX_PRECISION // 10**decimals
    return round_half_up_div_array(monthly.sum(axis=1), months * scale)


def units_to_text(units: int, decimals: int) -> str:
    sign = "-" if units < 0 else ""
    whole, fraction = divmod(abs(units), 10**decimals)
    return f"{sign}{whole}.{fraction:0{decimals}d}" if decimals else f"{sign}{whole}"


def text_to_units(text: str, decimals: int, *, field: str) -> int:
    """A decimal string such as ``"1.53333"`` in units of 10^-decimals, half-up."""
    try:
        value = Decimal(text)
    except ArithmeticError:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0 or value > 10:
        raise OutOfRange(
            field=field,
            reason_zh="应为 0 到 10 之间的小数，如 0.8",
            reason_en="must be a decimal number between 0 and 10, e.g. 0.8",
        )
    return int((value * 10**decimals).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class AverageIndex:
    index_units: IntArray
    decimals: int
    explain: Explain


def average_index(
    *,
    rulebook: Rulebook,
    jurisdiction: str,
    months: list[Month],
    bases_fen: IntArray,
    paid: np.ndarray | None = None,
) -> AverageIndex:
    """平均缴费指数 from a monthly base history (people × months) and the reference wages."""
    bases_fen = np.atleast_2d(np.asarray(bases_fen, dtype=np.int64))
    paid = np.ones_like(bases_fen, dtype=bool) if paid is None else np.atleast_2d(paid)
    if not months:
        raise OutOfRange(
            field="history", reason_zh="缴费记录为空", reason_en="the history is empty"
        )
    explain = Explain(
        "average_index",
        inputs={
            "jurisdiction": jurisdiction,
            "months": [str(m) for m in months[:20]],
            "bases_fen": bases_fen,
        },
    )
    wages = np.array(
        [
            explain.use(
                rulebook.get(
                    jurisdiction, "reference_wage.monthly_yuan", m.first_day, field="history"
                )
            ).value
            for m in months
        ],
        dtype=np.int64,
    )
    last = months[-1].first_day
    floor = explain.use(
        rulebook.get(jurisdiction, "contribution_index.floor", last, field="history")
    )
    ceiling = explain.use(
        rulebook.get(jurisdiction, "contribution_index.ceiling", last, field="history")
    )
    decimals = explain.use(
        rulebook.get(jurisdiction, "pension.index_decimals", last, field="history")
    )
    _check_decimals(decimals.value)
    units = average_index_units(bases_fen, wages, paid, floor.value, ceiling.value, decimals.value)
    explain.step("monthly_index", "min(max(base / reference wage, floor), ceiling)", "per month")
    explain.step("average_index", f"mean of the monthly indexes, {decimals.value} decimals", units)
    return AverageIndex(units, decimals.value, explain)


def _check_decimals(decimals: int) -> None:
    if decimals > MAX_DECIMALS:
        raise OutOfRange(
            field="jurisdiction",
            reason_zh=f"参数中的小数位数超过 {MAX_DECIMALS}",
            reason_en=f"the parameters ask for more than {MAX_DECIMALS} decimals",
        )


# --- the pension ---------------------------------------------------------------------------------


def basic_pension_fen(
    c_fen: IntArray,
    index_units: IntArray,
    year_units: IntArray,
    index_decimals: int,
    years_decimals: int,
) -> IntArray:
    """C × (1 + I) / 2 × N × 1 %, half-up to the fen; I and N in 10^-decimals units."""
    i_scale, n_scale = 10**index_decimals, 10**years_decimals
    return product_half_up_div(
        [c_fen, i_scale + index_units, year_units], 2 * i_scale * n_scale * 100
    )


def transitional_pension_fen(
    c_fen: IntArray,
    index_units: IntArray,
    deemed_year_units: IntArray,
    coefficient: Decimal,
    index_decimals: int,
    years_decimals: int,
) -> IntArray:
    """C × I × N(deemed) × coefficient, half-up to the fen."""
    numerator, denominator = coefficient.as_integer_ratio()
    return product_half_up_div(
        [c_fen, index_units, deemed_year_units, np.array(numerator)],
        10**index_decimals * 10**years_decimals * denominator,
    )


def years_units(months: IntArray, decimals: int) -> IntArray:
    """Months as years in 10^-decimals units, half-up (Chongqing M = months / 12 to 4 decimals)."""
    return round_half_up_div_array(months * 10**decimals, 12)


@dataclass(frozen=True)
class Pension:
    basic_fen: IntArray
    account_fen: IntArray
    transitional_fen: IntArray
    total_fen: IntArray
    divisor_tenths: IntArray
    calculation_base_fen: IntArray
    minimum_contribution_months: IntArray
    explain: Explain


def pension(
    *,
    rulebook: Rulebook,
    jurisdiction: str,
    retirement_month: Month,
    age_years: IntArray,
    age_months: IntArray,
    contribution_months: IntArray,
    deemed_months: IntArray,
    average_index: IntArray,
    account_balance_fen: IntArray,
    calculation_base_fen: int | None = None,
) -> Pension:
    """Monthly pension at ``retirement_month`` (an element per person).

    ``average_index`` is in units of 10^-4 (0.6 → 6000); it is taken to the jurisdiction's own
    decimals, half-up, before use.
    """
    day = retirement_month.first_day
    contribution_months = np.asarray(contribution_months, dtype=np.int64)
    deemed_months = np.asarray(deemed_months, dtype=np.int64)
    account_balance_fen = np.asarray(account_balance_fen, dtype=np.int64)
    for name, array in (
        ("contribution_months", contribution_months),
        ("deemed_months", deemed_months),
        ("account_balance_yuan", account_balance_fen),
    ):
        if np.any(array < 0):
            raise OutOfRange(field=name, reason_zh="不能为负数", reason_en="cannot be negative")
    if np.any(contribution_months + deemed_months > 12 * 80):
        raise OutOfRange(
            field="contribution_months",
            reason_zh="缴费月数不超过 960",
            reason_en="contribution plus deemed months cannot exceed 960",
        )
    explain = Explain(
        "pension",
        inputs={
            "jurisdiction": jurisdiction,
            "retirement_month": str(retirement_month),
            "age_years": age_years,
            "age_months": age_months,
            "contribution_months": contribution_months,
            "deemed_months": deemed_months,
            "average_index": average_index,
            "account_balance_fen": account_balance_fen,
            "calculation_base_fen": calculation_base_fen,
        },
    )
    index_decimals = explain.use(
        rulebook.get(jurisdiction, "pension.index_decimals", day, field="retirement_month")
    ).value
    years_decimals = explain.use(
        rulebook.get(jurisdiction, "pension.years_decimals", day, field="retirement_month")
    ).value
    _check_decimals(max(index_decimals, years_decimals))
    if calculation_base_fen is None:
        c = explain.use(
            rulebook.get(
                jurisdiction, "pension.calculation_base_yuan", day, field="retirement_month"
            )
        ).value
    else:
        if calculation_base_fen <= 0:
            raise OutOfRange(
                field="calculation_base_yuan",
                reason_zh="应大于零",
                reason_en="must be more than zero",
            )
        c = calculation_base_fen
    c_fen = np.full_like(contribution_months, c)
    index = np.asarray(average_index, dtype=np.int64)
    if np.any(index < 0) or np.any(index > 10 * 10**MAX_DECIMALS):
        raise OutOfRange(
            field="average_index",
            reason_zh="应在 0 到 10 之间",
            reason_en="must be between 0 and 10",
        )
    if index_decimals < MAX_DECIMALS:
        index = round_half_up_div_array(index, 10 ** (MAX_DECIMALS - index_decimals))
    n = years_units(contribution_months + deemed_months, years_decimals)
    basic = basic_pension_fen(c_fen, index, n, index_decimals, years_decimals)
    explain.step("years", f"(contribution + deemed months) / 12, {years_decimals} decimals", n)
    explain.step("average_index", f"{index_decimals} decimals", index)
    explain.step("basic_fen", "C × (1 + I) / 2 × N × 1%", basic)

    divided = divisor(
        rulebook=rulebook,
        age_years=np.asarray(age_years, dtype=np.int64),
        age_months=np.asarray(age_months, dtype=np.int64),
        on=day,
        jurisdiction=jurisdiction,
    )
    for used in divided.explain.parameters:
        explain.use(used)
    account = round_half_up_div_array(account_balance_fen * 10, divided.divisor_tenths)
    explain.step(
        "divisor_tenths", "divisor table for the age at retirement", divided.divisor_tenths
    )
    explain.step("account_fen", "account balance / divisor", account)

    transitional = np.zeros_like(basic)
    if np.any(deemed_months > 0):
        coefficient = explain.use(
            rulebook.get(
                jurisdiction, "pension.transitional_coefficient", day, field="deemed_months"
            )
        ).value
        transitional = transitional_pension_fen(
            c_fen,
            index,
            years_units(deemed_months, years_decimals),
            coefficient,
            index_decimals,
            years_decimals,
        )
        explain.step("transitional_fen", "C × I × N(deemed) × coefficient", transitional)
    total = basic + account + transitional
    explain.step("total_fen", "basic + account + transitional", total)
    minimum = explain.use(
        rulebook.get(
            jurisdiction, "retirement.minimum_contribution_months", day, field="retirement_month"
        )
    ).value
    return Pension(
        basic,
        account,
        transitional,
        total,
        divided.divisor_tenths,
        c_fen,
        np.full_like(basic, minimum),
        explain,
    )
