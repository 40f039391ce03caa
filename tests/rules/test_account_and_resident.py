"""Personal-account crediting and the resident pension."""

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from flexcover.kit.months import Month
from flexcover.rules.account import account, credit_year
from flexcover.rules.resident import resident_pension
from flexcover.rules.service import calculate
from tests.rules.conftest import one

TODAY = date(2026, 11, 23)


def shanghai_history():
    """Shanghai 2022-07 … 2025-06 at 6,520, 7,310 and 7,384 (12 months each)."""
    bases = [("6520", Month(2022, 7)), ("7310", Month(2023, 7)), ("7384", Month(2024, 7))]
    return [
        {"month": str(start + i), "base_yuan": base} for base, start in bases for i in range(12)
    ]


def test_principal_credited_is_8_percent_of_the_bases(rulebook):
    result = calculate(
        "account",
        {"jurisdiction": "310000", "history": shanghai_history()},
        rulebook=rulebook,
        today=TODAY,
    )
    credited = sum(year["contributions_fen"] for year in result["years"])
    assert credited == 2036544  # 8 % × 254,568 = 20,365.44


def test_interest_uses_the_national_rate_of_each_year(rulebook):
    result = calculate(
        "account",
        {"jurisdiction": "310000", "history": shanghai_history()},
        rulebook=rulebook,
        today=TODAY,
    )
    years = {year["year"]: year for year in result["years"]}
    assert [years[y]["rate"] for y in (2022, 2023, 2024, 2025)] == [
        "0.0612",
        "0.0397",
        "0.0262",
        "0.0150",
    ]
    # annual_compound: the opening balance earns the year's rate; new money waits a year.
    assert years[2022]["interest_fen"] == 0
    opening = years[2023]["opening_fen"]
    assert years[2023]["interest_fen"] == (opening * 397 * 2 + 10000) // 20000
    assert result["balance_fen"] == years[2025]["closing_fen"]
    assert result["provisional"]  # the 2025 rate and the crediting method are [U]


def test_half_year_factor_credits_the_years_own_contributions_too():
    interest, closing = credit_year(
        one(1_000_000), one(100_000), Decimal("0.0397"), "half_year_factor", Decimal("1.083")
    )
    # 10,000 × 3.97 % = 397.00, plus 1,000 × 3.97 % × 1.083 × ½ = 21.50
    assert int(interest[0]) == 39700 + 2150
    assert int(closing[0]) == 1_000_000 + 100_000 + 41850


def test_account_rolls_many_people_at_once(rulebook):
    result = account(
        rulebook=rulebook,
        jurisdiction="500000",
        first_year=2023,
        opening_balance_fen=np.array([0, 1_000_000]),
        contributions_fen=np.array([[100_000, 100_000], [0, 0]]),
    )
    assert result.closing_fen[:, 0].tolist() == [100_000, 1_039_700]


def test_resident_pension_2024(rulebook):
    result = resident_pension(
        rulebook=rulebook, jurisdiction="500000", year=2024, account_balance_fen=one(5_000_000)
    )
    assert (int(result.account_fen[0]), int(result.total_fen[0])) == (35971, 48271)
    assert not result.explain.provisional


def test_resident_pension_2025_is_provisional(rulebook):
    result = resident_pension(
        rulebook=rulebook, jurisdiction="500000", year=2025, account_balance_fen=one(5_000_000)
    )
    assert int(result.total_fen[0]) == 50271
    assert result.explain.provisional


def test_switching_example_68000_at_60(rulebook):
    result = resident_pension(
        rulebook=rulebook, jurisdiction="500000", year=2025, account_balance_fen=one(6_800_000)
    )
    assert int(result.total_fen[0]) == 63221


def test_years_without_a_minimum_are_refused(rulebook):
    from flexcover.rules.parameters import MissingParameter

    with pytest.raises(MissingParameter):
        resident_pension(
            rulebook=rulebook, jurisdiction="500000", year=2018, account_balance_fen=one(0)
        )
