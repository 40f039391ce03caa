"""Occupational-injury protection for platform workers (新就业形态人员职业伤害保障,
人社部发〔2021〕110号, expanded by 人社部发〔2025〕24号): the platform's per-order premium and
the benefit multiples of the work-injury regulation (工伤保险条例 arts. 35–39), which the
pilot follows "broadly" (MOHRSS, 2023-10-26).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from flexcover.kit.money import IntArray, apply_rate_array
from flexcover.rules.explain import Explain
from flexcover.rules.parameters import Rulebook
from flexcover.rules.problems import OutOfRange

INDUSTRIES = ("mobility", "instant_delivery", "instant_delivery_errand", "freight")


@dataclass(frozen=True)
class Amounts:
    amount_fen: IntArray
    explain: Explain


def premium(
    *,
    rulebook: Rulebook,
    jurisdiction: str,
    industry: str,
    orders: IntArray,
    on: date,
    adjustment: Decimal = Decimal(0),
) -> Amounts:
    """按单计费: the platform pays orders × the industry's per-order premium, moved up or down by
    its ``adjustment`` (浮动费率, 以支定收: e.g. +0.20 for a platform with a high payout ratio)."""
    if industry not in INDUSTRIES:
        raise OutOfRange(
            field="industry",
            reason_zh=f"行业应为 {'、'.join(INDUSTRIES)} 之一",
            reason_en=f"industry must be one of {', '.join(INDUSTRIES)}",
        )
    orders = np.asarray(orders, dtype=np.int64)
    if np.any(orders < 0):
        raise OutOfRange(field="orders", reason_zh="订单数不能为负", reason_en="cannot be negative")
    explain = Explain("injury_premium", inputs={"industry": industry, "orders": orders})
    per_order = explain.use(
        rulebook.get(jurisdiction, f"injury.premium_per_order_yuan.{industry}", on, field="on")
    )
    amount = orders * per_order.value
    if adjustment:
        limit = explain.use(rulebook.get(jurisdiction, "injury.premium_float_limit", on)).value
        if abs(adjustment) > limit:
            raise OutOfRange(
                field="adjustment",
                reason_zh=f"浮动幅度不超过 ±{limit}",
                reason_en=f"the adjustment is at most ±{limit}",
            )
        amount = apply_rate_array(amount, 1 + adjustment)
    explain.step("amount_fen", f"orders × premium per order × (1 + {adjustment})", amount)
    return Amounts(amount, explain)


def disability_grant(
    *, rulebook: Rulebook, jurisdiction: str, grade: IntArray, on: date
) -> Amounts:
    """一次性伤残补助金: grade's months × the wage base W (art. 35–37)."""
    explain = Explain("disability_grant", inputs={"grade": grade})
    months = explain.use(rulebook.get(jurisdiction, "injury.disability_grant_months", on)).value
    wage = explain.use(rulebook.get(jurisdiction, "injury.wage_base_monthly_yuan", on)).value
    grade = np.asarray(grade, dtype=np.int64)
    if not set(grade.tolist()) <= set(months):
        raise OutOfRange(field="grade", reason_zh="伤残等级为 1–10 级", reason_en="grades are 1–10")
    amount = np.array([months[g] for g in grade.tolist()], dtype=np.int64) * wage
    explain.step("amount_fen", "months for the grade × W", amount)
    return Amounts(amount, explain)


def disability_allowance(
    *, rulebook: Rulebook, jurisdiction: str, grade: IntArray, on: date
) -> Amounts:
    """伤残津贴 per month for grades 1–4: the grade's share of W (art. 35)."""
    explain = Explain("disability_allowance", inputs={"grade": grade})
    shares = explain.use(rulebook.get(jurisdiction, "injury.disability_allowance_rate", on)).value
    wage = explain.use(rulebook.get(jurisdiction, "injury.wage_base_monthly_yuan", on)).value
    grade = np.asarray(grade, dtype=np.int64)
    if not set(grade.tolist()) <= set(shares):
        raise OutOfRange(
            field="grade",
            reason_zh="伤残津贴只适用于 1–4 级",
            reason_en="the monthly allowance applies to grades 1–4",
        )
    amount = np.concatenate(
        [apply_rate_array(np.array([wage]), shares[g]) for g in grade.tolist()]
    ).astype(np.int64)
    explain.step("amount_fen", "share for the grade × W", amount)
    return Amounts(amount, explain)


def death_grant(*, rulebook: Rulebook, jurisdiction: str, on: date) -> Amounts:
    """一次性工亡补助金: 20 × the prior-year national urban disposable income (art. 39)."""
    explain = Explain("death_grant", inputs={"on": on.isoformat()})
    multiple = explain.use(rulebook.get(jurisdiction, "injury.death_grant_multiple", on)).value
    income = explain.use(
        rulebook.get(jurisdiction, "injury.urban_disposable_income_yuan", on, field="on")
    ).value
    amount = np.array([multiple * income], dtype=np.int64)
    explain.step("amount_fen", "multiple × income", amount)
    return Amounts(amount, explain)


def funeral_grant(*, rulebook: Rulebook, jurisdiction: str, on: date) -> Amounts:
    """丧葬补助金: 6 months of the regional wage (art. 39)."""
    explain = Explain("funeral_grant", inputs={"on": on.isoformat()})
    months = explain.use(rulebook.get(jurisdiction, "injury.funeral_grant_months", on)).value
    wage = explain.use(rulebook.get(jurisdiction, "injury.wage_base_monthly_yuan", on)).value
    amount = np.array([months * wage], dtype=np.int64)
    explain.step("amount_fen", "months × W", amount)
    return Amounts(amount, explain)
