"""Occupational-injury protection for platform workers (新就业形态人员职业伤害保障,
人社部发〔2021〕110号, expanded by 人社部发〔2025〕24号): the platform's per-order premium and
the benefit multiples of the work-injury regulation (工伤保险条例 arts. 35–39), which the
pilot follows "broadly" (MOHRSS, 2023-10-26).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import numpy as np

from flexcover.kit.money import IntArray, apply_rate_array
from flexcover.rules.explain import Explain
from flexcover.rules.parameters import ParameterValue, Rulebook
from flexcover.rules.problems import OutOfRange

INDUSTRIES = (
    "mobility",
    "instant_delivery",
    "instant_delivery_errand",
    "freight",
    "food_delivery",
)
FOOD_DELIVERY_MERGED = date(2025, 7, 1)
"""From this day food delivery is priced as instant delivery: 人社部发〔2025〕24号 merges the two
industries from 2025-07-01."""


def priced_industry(industry: str, on: date) -> str:
    """The industry whose per-order premium applies to an order of ``industry`` on ``on``."""
    if industry == "food_delivery" and on >= FOOD_DELIVERY_MERGED:
        return "instant_delivery"
    return industry


def per_order_fen(*, rulebook: Rulebook, jurisdiction: str, industry: str, on: date) -> int | None:
    """The per-order premium in fen for an order taken on ``on``, or None where none is loaded."""
    found = rulebook.find(
        jurisdiction, f"injury.premium_per_order_yuan.{priced_industry(industry, on)}", on
    )
    return None if found is None else int(found.value)


def adjustment(*, rulebook: Rulebook, jurisdiction: str, steps: int, on: date) -> Decimal:
    """A platform's floating coefficient (浮动费率): ``steps`` steps of the step parameter, within
    ± the limit."""
    step = rulebook.get(jurisdiction, "injury.premium_float_step", on).value
    limit = rulebook.get(jurisdiction, "injury.premium_float_limit", on).value
    moved = Decimal(steps) * Decimal(step)
    if abs(moved) > limit:
        raise OutOfRange(
            field="float_steps",
            reason_zh=f"每档 {step}，浮动幅度不超过 ±{limit}（至多 {int(limit / step)} 档）",
            reason_en=f"steps of {step}, at most ±{limit} ({int(limit / step)} steps)",
        )
    return moved


def adjusted(base_fen: int, moved: Decimal) -> int:
    """The premium due on ``base_fen`` of per-order premiums moved by ``moved``, half up to the
    fen (rounded once, on the bill, so that no order carries a fraction of a fen)."""
    return int(apply_rate_array(np.array([base_fen], dtype=np.int64), 1 + moved)[0])


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


def wage_base(rulebook: Rulebook, jurisdiction: str, on: date) -> ParameterValue:
    """The wage base W of the benefit multiples: ``injury.wage_base_monthly_yuan`` where it is
    loaded; elsewhere the region's reference wage, marked uncertain (the pilot's W is not
    published; a regional average wage is the candidate), so every result on it is provisional."""
    found = rulebook.find(jurisdiction, "injury.wage_base_monthly_yuan", on)
    if found is not None:
        return found
    reference = rulebook.get(jurisdiction, "reference_wage.monthly_yuan", on, field="on")
    return replace(
        reference,
        confidence="U",
        note="used as the injury wage base W: none is loaded for this region",
    )


def disability_grant(
    *, rulebook: Rulebook, jurisdiction: str, grade: IntArray, on: date
) -> Amounts:
    """一次性伤残补助金: grade's months × the wage base W (art. 35–37)."""
    explain = Explain("disability_grant", inputs={"grade": grade})
    months = explain.use(rulebook.get(jurisdiction, "injury.disability_grant_months", on)).value
    wage = explain.use(wage_base(rulebook, jurisdiction, on)).value
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
    wage = explain.use(wage_base(rulebook, jurisdiction, on)).value
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
    wage = explain.use(wage_base(rulebook, jurisdiction, on)).value
    amount = np.array([months * wage], dtype=np.int64)
    explain.step("amount_fen", "months × W", amount)
    return Amounts(amount, explain)


def nursing_allowance(*, rulebook: Rulebook, jurisdiction: str, level: int, on: date) -> Amounts:
    """生活护理费 per month, by dependency level 1 (full) to 3 (art. 34), on W."""
    explain = Explain("nursing_allowance", inputs={"level": level})
    shares = explain.use(rulebook.get(jurisdiction, "injury.nursing_allowance_rate", on)).value
    wage = explain.use(wage_base(rulebook, jurisdiction, on)).value
    if level not in shares:
        raise OutOfRange(
            field="nursing_level",
            reason_zh="生活护理等级为 1–3 级",
            reason_en="dependency levels are 1–3",
        )
    amount = apply_rate_array(np.array([wage], dtype=np.int64), shares[level])
    explain.step("amount_fen", "share for the level × W", amount)
    return Amounts(amount, explain)


@dataclass(frozen=True)
class Dependant:
    relation: str
    """``spouse`` or ``other``."""
    alone: bool = False
    """An orphan, or an elderly person living alone (孤寡老人、孤儿): 10 % more."""


def dependants_pension(
    *, rulebook: Rulebook, jurisdiction: str, dependants: list[Dependant], on: date
) -> Amounts:
    """供养亲属抚恤金 per month for each dependant (art. 39): the spouse 40 %, each other 30 %, 10 %
    more for an orphan or an elderly person alone; together at most W. Where the shares exceed W
    each is cut in proportion (down to the fen), so the total never does."""
    explain = Explain("dependants_pension", inputs={"dependants": len(dependants)})
    spouse = explain.use(
        rulebook.get(jurisdiction, "injury.dependant_pension_rate.spouse", on)
    ).value
    other = explain.use(rulebook.get(jurisdiction, "injury.dependant_pension_rate.other", on)).value
    bonus = explain.use(
        rulebook.get(jurisdiction, "injury.dependant_pension_rate.orphan_bonus", on)
    ).value
    wage = explain.use(wage_base(rulebook, jurisdiction, on)).value
    shares = []
    for index, dependant in enumerate(dependants):
        if dependant.relation not in ("spouse", "other"):
            raise OutOfRange(
                field=f"dependants.{index}.relation",
                reason_zh="亲属关系为 spouse（配偶）或 other（其他）",
                reason_en="the relation is spouse or other",
            )
        shares.append(
            (spouse if dependant.relation == "spouse" else other)
            + (bonus if dependant.alone else 0)
        )
    amounts = (
        np.concatenate(
            [apply_rate_array(np.array([wage], dtype=np.int64), share) for share in shares]
        ).astype(np.int64)
        if shares
        else np.zeros(0, dtype=np.int64)
    )
    total = int(amounts.sum())
    if total > wage:
        amounts = (amounts * wage) // total
    explain.step("amount_fen", "share × W each, the total at most W", amounts)
    return Amounts(amounts, explain)
