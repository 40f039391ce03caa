"""The calculators for one request: JSON-shaped input in, JSON-shaped output out.

Each wraps the vectorised calculator with an array of one, so the single-person answer is the
batch answer. Money leaves as integer ``*_fen`` plus a formatted ``*_yuan`` string.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
from pydantic import BaseModel

from flexcover.kit.divisions import current_divisions
from flexcover.kit.money import apply_rate_array, format_yuan, parse_yuan
from flexcover.kit.months import Month
from flexcover.rules.account import account
from flexcover.rules.contribution import contribution
from flexcover.rules.explain import Explain
from flexcover.rules.parameters import NATION, Rulebook
from flexcover.rules.pension import (
    MAX_DECIMALS,
    average_index,
    divisor,
    pension,
    tenths_to_text,
    text_to_units,
    units_to_text,
)
from flexcover.rules.problems import OutOfRange, UnknownCalculator, UnknownJurisdictionCode
from flexcover.rules.resident import resident_pension
from flexcover.rules.retirement import retirement
from flexcover.rules.schemas import (
    AccountIn,
    AverageIndexIn,
    ContributionIn,
    DivisorIn,
    PensionIn,
    ResidentPensionIn,
    RetirementIn,
)

MAX_BASE_FEN = 100_000_000  # a million yuan a month: beyond any published ceiling


def _money(name: str, fen: int) -> dict[str, Any]:
    return {f"{name}_fen": fen, f"{name}_yuan": format_yuan(fen)}


def _finish(body: dict[str, Any], explain: Explain) -> dict[str, Any]:
    return {
        **body,
        "provisional": explain.provisional,
        "uncertain": explain.uncertain,
        "carried_forward": explain.carried,
        "explain": explain.to_dict(),
    }


def known_jurisdiction(code: str, field: str = "jurisdiction") -> str:
    if code != NATION and code not in current_divisions():
        raise UnknownJurisdictionCode(field=field, value=code)
    return code


def _yuan(text: str, field: str) -> int:
    fen = parse_yuan(text, field=field)
    if fen > MAX_BASE_FEN * 1000:
        raise OutOfRange(field=field, reason_zh="金额过大", reason_en="the amount is too large")
    return fen


def calc_contribution(rulebook: Rulebook, given: ContributionIn, today: date) -> dict[str, Any]:
    base = _yuan(given.base_yuan, "base_yuan")
    result = contribution(
        rulebook=rulebook,
        jurisdiction=known_jurisdiction(given.jurisdiction),
        month=Month.parse(given.month),
        base_fen=np.array([base], dtype=np.int64),
        schemes=tuple(dict.fromkeys(given.schemes)),
        clamp=given.clamp,
    )
    schemes = [
        {
            "scheme": part.scheme,
            **_money("base", int(part.base_fen[0])),
            **_money("amount", int(part.amount_fen[0])),
            **_money("personal_account", int(part.personal_account_fen[0])),
            **_money("pooled_fund", int(part.pooled_fund_fen[0])),
        }
        for part in result.schemes
    ]
    body = {
        "jurisdiction": given.jurisdiction,
        "month": given.month,
        "schemes": schemes,
        **_money("total", int(result.total_fen[0])),
    }
    return _finish(body, result.explain)


def calc_retirement(rulebook: Rulebook, given: RetirementIn, today: date) -> dict[str, Any]:
    born = Month.parse(given.birth_month, field="birth_month")
    result = retirement(
        rulebook=rulebook,
        gender=(given.gender,),
        original_age=np.array([given.original_retirement_age]),
        birth_month=np.array([born.index]),
        on=today,
    )
    statutory = int(result.statutory_age_months[0])
    body = {
        "delay_months": int(result.delay_months[0]),
        "statutory_age_years": statutory // 12,
        "statutory_age_months": statutory % 12,
        "retirement_month": str(Month.from_index(int(result.retirement_month[0]))),
        "minimum_contribution_months": int(result.minimum_contribution_months[0]),
        "earliest_retirement_month": str(
            Month.from_index(int(result.earliest_retirement_month[0]))
        ),
    }
    return _finish(body, result.explain)


def calc_divisor(rulebook: Rulebook, given: DivisorIn, today: date) -> dict[str, Any]:
    result = divisor(
        rulebook=rulebook,
        age_years=np.array([given.age_years]),
        age_months=np.array([given.age_months]),
        on=today,
    )
    return _finish({"divisor": tenths_to_text(int(result.divisor_tenths[0]))}, result.explain)


def _history(given: AverageIndexIn | AccountIn) -> tuple[list[Month], np.ndarray]:
    months = [
        Month.parse(row.month, field=f"history.{i}.month") for i, row in enumerate(given.history)
    ]
    if len(set(months)) != len(months):
        raise OutOfRange(
            field="history", reason_zh="同一月份出现了两次", reason_en="a month appears twice"
        )
    bases = np.array(
        [_yuan(row.base_yuan, f"history.{i}.base_yuan") for i, row in enumerate(given.history)],
        dtype=np.int64,
    )
    if np.any(bases > MAX_BASE_FEN):
        raise OutOfRange(
            field="history",
            reason_zh="月缴费基数过大",
            reason_en="a monthly base is larger than any allowed",
        )
    order = np.argsort([m.index for m in months])
    return [months[i] for i in order], bases[order]


def calc_average_index(rulebook: Rulebook, given: AverageIndexIn, today: date) -> dict[str, Any]:
    months, bases = _history(given)
    result = average_index(
        rulebook=rulebook,
        jurisdiction=known_jurisdiction(given.jurisdiction),
        months=months,
        bases_fen=bases[np.newaxis, :],
    )
    body = {
        "average_index": units_to_text(int(result.index_units[0]), result.decimals),
        "months": len(months),
    }
    return _finish(body, result.explain)


def calc_account(rulebook: Rulebook, given: AccountIn, today: date) -> dict[str, Any]:
    jurisdiction = known_jurisdiction(given.jurisdiction)
    months, bases = _history(given)
    first, last = months[0].year, months[-1].year
    # Each month credits base × the personal-account rate in force that month (8 % since 2006).
    credited = np.zeros((1, last - first + 1), dtype=np.int64)
    explain_rates = []
    for month, base in zip(months, bases.tolist(), strict=True):
        rate = rulebook.get(
            jurisdiction, "pension.personal_account_rate", month.first_day, field="history"
        )
        explain_rates.append(rate)
        credited[0, month.year - first] += int(apply_rate_array(np.array([base]), rate.value)[0])
    result = account(
        rulebook=rulebook,
        jurisdiction=jurisdiction,
        first_year=first,
        opening_balance_fen=np.array([_yuan(given.opening_balance_yuan, "opening_balance_yuan")]),
        contributions_fen=credited,
    )
    for rate in explain_rates:
        result.explain.use(rate)
    years = [
        {
            "year": year,
            "rate": str(rate),
            **_money("opening", int(result.opening_fen[0, i])),
            **_money("contributions", int(result.contributions_fen[0, i])),
            **_money("interest", int(result.interest_fen[0, i])),
            **_money("closing", int(result.closing_fen[0, i])),
        }
        for i, (year, rate) in enumerate(zip(result.years, result.rates, strict=True))
    ]
    return _finish(
        {"years": years, **_money("balance", int(result.balance_fen[0]))}, result.explain
    )


def calc_pension(rulebook: Rulebook, given: PensionIn, today: date) -> dict[str, Any]:
    base = (
        None
        if given.calculation_base_yuan is None
        else _yuan(given.calculation_base_yuan, "calculation_base_yuan")
    )
    result = pension(
        rulebook=rulebook,
        jurisdiction=known_jurisdiction(given.jurisdiction),
        retirement_month=Month.parse(given.retirement_month, field="retirement_month"),
        age_years=np.array([given.age_years]),
        age_months=np.array([given.age_months]),
        contribution_months=np.array([given.contribution_months]),
        deemed_months=np.array([given.deemed_months]),
        average_index=np.array(
            [text_to_units(given.average_index, MAX_DECIMALS, field="average_index")]
        ),
        account_balance_fen=np.array([_yuan(given.account_balance_yuan, "account_balance_yuan")]),
        calculation_base_fen=base,
    )
    months = given.contribution_months + given.deemed_months
    body = {
        **_money("basic", int(result.basic_fen[0])),
        **_money("account", int(result.account_fen[0])),
        **_money("transitional", int(result.transitional_fen[0])),
        **_money("total", int(result.total_fen[0])),
        **_money("calculation_base", int(result.calculation_base_fen[0])),
        "divisor": tenths_to_text(int(result.divisor_tenths[0])),
        "minimum_contribution_months": int(result.minimum_contribution_months[0]),
        "eligible": months >= int(result.minimum_contribution_months[0]),
    }
    return _finish(body, result.explain)


def calc_resident_pension(
    rulebook: Rulebook, given: ResidentPensionIn, today: date
) -> dict[str, Any]:
    result = resident_pension(
        rulebook=rulebook,
        jurisdiction=known_jurisdiction(given.jurisdiction),
        year=given.year,
        account_balance_fen=np.array([_yuan(given.account_balance_yuan, "account_balance_yuan")]),
    )
    body = {
        **_money("basic", int(result.basic_fen[0])),
        **_money("account", int(result.account_fen[0])),
        **_money("total", int(result.total_fen[0])),
    }
    return _finish(body, result.explain)


Calculator = Callable[[Rulebook, Any, date], dict[str, Any]]
CALCULATORS: dict[str, tuple[type[BaseModel], Calculator]] = {
    "contribution": (ContributionIn, calc_contribution),
    "retirement": (RetirementIn, calc_retirement),
    "divisor": (DivisorIn, calc_divisor),
    "average_index": (AverageIndexIn, calc_average_index),
    "account": (AccountIn, calc_account),
    "pension": (PensionIn, calc_pension),
    "resident_pension": (ResidentPensionIn, calc_resident_pension),
}


def calculate(name: str, payload: Any, *, rulebook: Rulebook, today: date) -> dict[str, Any]:
    """Run calculator ``name`` on a JSON payload (validated against its input schema)."""
    if name not in CALCULATORS:
        raise UnknownCalculator(field="name", value=name, known=", ".join(CALCULATORS))
    schema, run = CALCULATORS[name]
    return run(rulebook, schema.model_validate(payload), today)
