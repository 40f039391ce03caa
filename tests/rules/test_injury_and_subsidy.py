"""Worked examples of occupational-injury premiums (人社部发〔2025〕24号's per-order rates) and of
subsidies (财社〔2017〕164号's cap of 2/3, and Shanghai's 50 %)."""

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from flexcover.kit.months import Month
from flexcover.rules import injury
from flexcover.rules.problems import OutOfRange
from flexcover.rules.subsidy import subsidy
from flexcover.rules.transfer import pooled_fund_transfer_on
from tests.rules.conftest import one

SICHUAN = "510000"
ON = date(2025, 8, 1)


def test_e7_premiums_per_order():
    """780 rider orders × 0.07 = 54.60; 600 rides × 0.01 = 6.00; 300 van orders × 0.18 = 54.00."""
    from flexcover.rules.parameters import default_rulebook

    rulebook = default_rulebook()
    cases = [("instant_delivery", 780, 5460), ("mobility", 600, 600), ("freight", 300, 5400)]
    for industry, orders, expected in cases:
        result = injury.premium(
            rulebook=rulebook, jurisdiction=SICHUAN, industry=industry, orders=one(orders), on=ON
        )
        assert int(result.amount_fen[0]) == expected


def test_e7_disability_grants_by_grade_with_shanghai_w(rulebook):
    expected = [335718, 310850, 285982, 261114, 223812, 198944, 161642, 136774, 111906, 87038]
    result = injury.disability_grant(
        rulebook=rulebook, jurisdiction="310000", grade=np.arange(1, 11), on=ON
    )
    assert (result.amount_fen // 100).tolist() == expected
    assert result.explain.provisional  # W is unconfirmed


def test_e7_monthly_allowance_grades_1_to_4(rulebook):
    result = injury.disability_allowance(
        rulebook=rulebook, jurisdiction="310000", grade=np.arange(1, 5), on=ON
    )
    assert result.amount_fen.tolist() == [1119060, 1056890, 994720, 932550]


def test_e7_death_and_funeral_grants_2025(rulebook):
    death = injury.death_grant(rulebook=rulebook, jurisdiction="310000", on=ON)
    assert int(death.amount_fen[0]) == 108376000
    funeral = injury.funeral_grant(rulebook=rulebook, jurisdiction="310000", on=ON)
    assert int(funeral.amount_fen[0]) == 7460400


def test_e8_national_two_thirds_in_chongqing(rulebook):
    """Paid 880.80 at the floor → 587.20 a month; 36 months → 21,139.20."""
    result = subsidy(
        rulebook=rulebook, jurisdiction="500000", month=Month(2025, 8), paid_fen=one(88080)
    )
    assert int(result.subsidy_fen[0]) == 58720
    assert int(result.subsidy_fen[0]) * 36 == 2113920


def test_e8_a_higher_base_does_not_raise_the_national_subsidy(rulebook):
    result = subsidy(
        rulebook=rulebook,
        jurisdiction="500000",
        month=Month(2025, 8),
        paid_fen=np.array([88080, 200000, 30000]),
    )
    assert result.subsidy_fen.tolist() == [58720, 58720, 20000]


def test_e8_shanghai_half_of_the_floor_amount(rulebook):
    """7,460 × 30 % × 50 % = 1,119.00 whatever base was chosen (pension 20 % + medical 10 %)."""
    schemes = ("employee_pension", "employee_medical")
    result = subsidy(
        rulebook=rulebook,
        jurisdiction="310000",
        month=Month(2025, 8),
        paid_fen=np.array([223800, 500000]),
        schemes=schemes,
    )
    assert result.subsidy_fen.tolist() == [111900, 111900]


def test_e7_gansu_style_floating_of_20_percent_makes_54_60_into_65_52(rulebook):
    result = injury.premium(
        rulebook=rulebook,
        jurisdiction=SICHUAN,
        industry="instant_delivery",
        orders=one(780),
        on=ON,
        adjustment=Decimal("0.20"),
    )
    assert int(result.amount_fen[0]) == 6552
    assert result.explain.provisional


def test_floating_beyond_the_limit_is_refused(rulebook):
    with pytest.raises(OutOfRange):
        injury.premium(
            rulebook=rulebook,
            jurisdiction=SICHUAN,
            industry="instant_delivery",
            orders=one(780),
            on=ON,
            adjustment=Decimal("0.60"),
        )


def test_e6_pooled_fund_transfer_is_12_percent_of_the_bases_without_interest(rulebook):
    """Shanghai 2022-07 … 2025-06 at 6,520 / 7,310 / 7,384: Σ 254,568 → 30,548.16."""
    bases = np.array([[652000] * 12 + [731000] * 12 + [738400] * 12])
    amount, explain = pooled_fund_transfer_on(rulebook=rulebook, bases_since_1998_fen=bases, on=ON)
    assert int(bases.sum()) == 25456800
    assert int(amount[0]) == 3054816
    assert not explain.provisional
