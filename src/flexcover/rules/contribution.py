"""The monthly contribution of a flexible worker for a chosen base: 20 % of a base between 60 %
and 300 % of the average wage (国办发〔2019〕13号), 8 % to the personal account (国发〔2005〕38号),
and the local medical rates.

Pension: 20 % of the base, 8 % to the personal account and the rest to the pooled fund
(国发〔2005〕38号). Medical: the jurisdiction's rate, on the chosen base or on its fixed base where
the region fixes one. The base must lie within the published floor and ceiling for the month.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from flexcover.kit.money import IntArray, apply_rate_array, format_yuan
from flexcover.kit.months import Month
from flexcover.rules.explain import Explain
from flexcover.rules.parameters import Rulebook
from flexcover.rules.problems import BaseOutOfRange, OutOfRange

SCHEMES = ("employee_pension", "employee_medical")


@dataclass(frozen=True)
class SchemeContribution:
    """One scheme's monthly amounts, an element per person."""

    scheme: str
    base_fen: IntArray
    amount_fen: IntArray
    personal_account_fen: IntArray
    pooled_fund_fen: IntArray


@dataclass(frozen=True)
class Contribution:
    schemes: list[SchemeContribution]
    total_fen: IntArray
    explain: Explain


def split(
    base_fen: IntArray, rate: Decimal, personal_rate: Decimal, rounding: str
) -> tuple[IntArray, IntArray, IntArray]:
    """Amount, personal-account share and pooled share of ``base × rate``.

    The personal share is rounded half-up to the fen and the pool takes the remainder, so the two
    always add up to the amount exactly.
    """
    amount = apply_rate_array(base_fen, rate, rounding=rounding)
    personal = apply_rate_array(base_fen, personal_rate)
    return amount, personal, amount - personal


def contribution(
    *,
    rulebook: Rulebook,
    jurisdiction: str,
    month: Month,
    base_fen: IntArray,
    schemes: tuple[str, ...] = ("employee_pension",),
    clamp: bool = False,
) -> Contribution:
    """Contributions due for ``month`` at ``base_fen`` (one element per person).

    A base outside the published floor and ceiling is refused, naming the allowed range, unless
    ``clamp`` asks for it to be moved to the nearest limit.
    """
    base_fen = np.asarray(base_fen, dtype=np.int64)
    unknown = [scheme for scheme in schemes if scheme not in SCHEMES]
    if unknown or not schemes:
        raise OutOfRange(
            field="schemes",
            reason_zh=f"险种应为 {'、'.join(SCHEMES)} 之一",
            reason_en=f"schemes must be among {', '.join(SCHEMES)}",
        )
    day = month.first_day
    explain = Explain(
        "contribution",
        inputs={
            "jurisdiction": jurisdiction,
            "month": str(month),
            "base_fen": base_fen,
            "schemes": list(schemes),
            "clamp": clamp,
        },
    )
    floor = explain.use(
        rulebook.get(jurisdiction, "contribution_base.floor_yuan", day, field="month")
    )
    ceiling = explain.use(
        rulebook.get(jurisdiction, "contribution_base.ceiling_yuan", day, field="month")
    )
    outside = (base_fen < floor.value) | (base_fen > ceiling.value)
    if np.any(outside):
        if not clamp:
            raise BaseOutOfRange(
                field="base_yuan",
                base=format_yuan(int(base_fen[np.argmax(outside)])),
                floor=format_yuan(floor.value),
                ceiling=format_yuan(ceiling.value),
                jurisdiction=jurisdiction,
                month=str(month),
            )
        base_fen = np.clip(base_fen, floor.value, ceiling.value)
        explain.step("base_fen", "clamped to [floor, ceiling]", base_fen)
    rounding = explain.use(rulebook.get(jurisdiction, "rounding.contribution", day, field="month"))

    results = []
    for scheme in schemes:
        if scheme == "employee_pension":
            rate = explain.use(rulebook.get(jurisdiction, "pension.rate", day, field="month"))
            personal = explain.use(
                rulebook.get(jurisdiction, "pension.personal_account_rate", day, field="month")
            )
            scheme_base = base_fen
        else:
            rate = explain.use(rulebook.get(jurisdiction, "medical.rate", day, field="schemes"))
            personal = explain.use(
                rulebook.get(jurisdiction, "medical.personal_account_rate", day, field="schemes")
            )
            fixed = rulebook.find(jurisdiction, "medical.fixed_base_yuan", day)
            scheme_base = base_fen
            if fixed is not None:
                explain.use(fixed)
                scheme_base = np.full_like(base_fen, fixed.value)
        amount, personal_fen, pooled = split(
            scheme_base, rate.value, personal.value, rounding.value
        )
        explain.step(f"{scheme}.amount_fen", f"base × {rate.value}, {rounding.value}", amount)
        explain.step(
            f"{scheme}.personal_account_fen",
            f"base × {personal.value}, half-up to the fen",
            personal_fen,
        )
        explain.step(f"{scheme}.pooled_fund_fen", "amount − personal account", pooled)
        results.append(SchemeContribution(scheme, scheme_base, amount, personal_fen, pooled))
    total = results[0].amount_fen
    for result in results[1:]:
        total = total + result.amount_fen
    explain.step("total_fen", "sum over schemes", total)
    return Contribution(schemes=results, total_fen=total, explain=explain)
