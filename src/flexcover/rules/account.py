"""The personal pension account (个人账户), credited year by year at the national rate (记账利率,
人社部发〔2017〕31号; SIL art. 14).

Two crediting methods, a parameter because the rule in force is unverified (the rate is
published yearly under 人社部发〔2017〕31号; the 1997 account measures' "1.083 × ½" method is not
confirmed):

- ``annual_compound``: a year's interest is the opening balance × r; that year's contributions
  earn nothing until the next year;
- ``half_year_factor``: also the year's contributions × r × factor × ½ (the 1997 "1.083 × ½").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np

from flexcover.kit.money import IntArray, apply_rate_array
from flexcover.rules.explain import Explain
from flexcover.rules.parameters import Rulebook
from flexcover.rules.problems import OutOfRange


def credit_year(
    opening_fen: IntArray, contributions_fen: IntArray, rate: Decimal, method: str, factor: Decimal
) -> tuple[IntArray, IntArray]:
    """(interest, closing balance) of one year, interest half-up to the fen."""
    interest = apply_rate_array(opening_fen, rate)
    if method == "half_year_factor":
        interest = interest + apply_rate_array(
            contributions_fen, Fraction(rate) * Fraction(factor) / 2
        )
    return interest, opening_fen + interest + contributions_fen


@dataclass(frozen=True)
class AccountYears:
    """Per year (columns) and person (rows)."""

    years: list[int]
    opening_fen: IntArray
    contributions_fen: IntArray
    interest_fen: IntArray
    closing_fen: IntArray
    rates: list[Decimal]
    explain: Explain

    @property
    def balance_fen(self) -> IntArray:
        closing: IntArray = self.closing_fen[:, -1]
        return closing


def account(
    *,
    rulebook: Rulebook,
    jurisdiction: str,
    first_year: int,
    opening_balance_fen: IntArray,
    contributions_fen: IntArray,
) -> AccountYears:
    """Roll the account forward from ``first_year``: ``contributions_fen`` is (people × years) of
    the amounts credited to the account in each year."""
    contributions_fen = np.atleast_2d(np.asarray(contributions_fen, dtype=np.int64))
    opening = np.asarray(opening_balance_fen, dtype=np.int64).reshape(-1)
    if np.any(opening < 0) or np.any(contributions_fen < 0):
        raise OutOfRange(
            field="opening_balance_yuan",
            reason_zh="余额和缴费不能为负数",
            reason_en="balances and contributions cannot be negative",
        )
    years = [first_year + offset for offset in range(contributions_fen.shape[1])]
    explain = Explain(
        "account",
        inputs={"jurisdiction": jurisdiction, "years": years, "opening_balance_fen": opening},
    )
    openings, interests, closings, rates = [], [], [], []
    for column, year in enumerate(years):
        on = date(year, 12, 31)
        rate = explain.use(rulebook.get(jurisdiction, "account.interest_rate", on, field="history"))
        method = explain.use(
            rulebook.get(jurisdiction, "account.crediting_method", on, field="history")
        )
        factor = Decimal(0)
        if method.value == "half_year_factor":
            factor = explain.use(
                rulebook.get(jurisdiction, "account.half_year_factor", on, field="history")
            ).value
        interest, closing = credit_year(
            opening, contributions_fen[:, column], rate.value, method.value, factor
        )
        explain.step(f"{year}.interest_fen", f"{method.value} at {rate.value}", interest)
        explain.step(f"{year}.closing_fen", "opening + interest + contributions", closing)
        openings.append(opening)
        interests.append(interest)
        closings.append(closing)
        rates.append(rate.value)
        opening = closing
    return AccountYears(
        years=years,
        opening_fen=np.stack(openings, axis=1),
        contributions_fen=contributions_fen,
        interest_fen=np.stack(interests, axis=1),
        closing_fen=np.stack(closings, axis=1),
        rates=rates,
        explain=explain,
    )
