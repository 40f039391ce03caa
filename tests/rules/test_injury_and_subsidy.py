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


def test_premiums_per_order():
    """780 rider orders × 0.07 = 54.60; 600 rides × 0.01 = 6.00; 300 van orders × 0.18 = 54.00."""
    from flexcover.rules.parameters import default_rulebook

    rulebook = default_rulebook()
    cases = [("instant_delivery", 780, 5460), ("mobility", 600, 600), ("freight", 300, 5400)]
    for industry, orders, expected in cases:
        result = injury.premium(
            rulebook=rulebook, jurisdiction=SICHUAN, industry=industry, orders=one(orders), on=ON
        )
        assert int(result.amount_fen[0]) == expected


def test_disability_grants_by_grade_with_shanghai_w(rulebook):
    expected = [335718, 310850, 285982, 261114, 223812, 198944, 161642, 136774, 111906, 87038]
    result = injury.disability_grant(
        rulebook=rulebook, jurisdiction="310000", grade=np.arange(1, 11), on=ON
    )
    assert (result.amount_fen // 100).tolist() == expected
    assert result.explain.provisional  # W is unconfirmed


def test_monthly_allowance_grades_1_to_4(rulebook):
    result = injury.disability_allowance(
        rulebook=rulebook, jurisdiction="310000", grade=np.arange(1, 5), on=ON
    )
    assert result.amount_fen.tolist() == [1119060, 1056890, 994720, 932550]


def test_death_and_funeral_grants_2025(rulebook):
    death = injury.death_grant(rulebook=rulebook, jurisdiction="310000", on=ON)
    assert int(death.amount_fen[0]) == 108376000
    funeral = injury.funeral_grant(rulebook=rulebook, jurisdiction="310000", on=ON)
    assert int(funeral.amount_fen[0]) == 7460400


def test_national_two_thirds_in_chongqing(rulebook):
    """Paid 880.80 at the floor → 587.20 a month; 36 months → 21,139.20."""
    result = subsidy(
        rulebook=rulebook, jurisdiction="500000", month=Month(2025, 8), paid_fen=one(88080)
    )
    assert int(result.subsidy_fen[0]) == 58720
    assert int(result.subsidy_fen[0]) * 36 == 2113920


def test_a_higher_base_does_not_raise_the_national_subsidy(rulebook):
    result = subsidy(
        rulebook=rulebook,
        jurisdiction="500000",
        month=Month(2025, 8),
        paid_fen=np.array([88080, 200000, 30000]),
    )
    assert result.subsidy_fen.tolist() == [58720, 58720, 20000]


def test_shanghai_half_of_the_floor_amount(rulebook):
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


def test_gansu_style_floating_of_20_percent_makes_54_60_into_65_52(rulebook):
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


def test_pooled_fund_transfer_is_12_percent_of_the_bases_without_interest(rulebook):
    """Shanghai 2022-07 … 2025-06 at 6,520 / 7,310 / 7,384: Σ 254,568 → 30,548.16."""
    bases = np.array([[652000] * 12 + [731000] * 12 + [738400] * 12])
    amount, explain = pooled_fund_transfer_on(rulebook=rulebook, bases_since_1998_fen=bases, on=ON)
    assert int(bases.sum()) == 25456800
    assert int(amount[0]) == 3054816
    assert not explain.provisional


def test_food_delivery_is_priced_as_instant_delivery_from_the_merger(rulebook):
    assert injury.priced_industry("food_delivery", date(2025, 6, 30)) == "food_delivery"
    assert injury.priced_industry("food_delivery", date(2025, 7, 1)) == "instant_delivery"
    on = date(2026, 3, 1)
    assert (
        injury.per_order_fen(
            rulebook=rulebook, jurisdiction="500103", industry="food_delivery", on=on
        )
        == 7
    )
    # Before the 2025 expansion no per-order premium is loaded: an order then is not priced.
    assert (
        injury.per_order_fen(
            rulebook=rulebook, jurisdiction="500103", industry="freight", on=date(2025, 6, 1)
        )
        is None
    )


def test_the_floating_coefficient_moves_in_steps_within_its_band(rulebook):
    on = date(2026, 3, 1)
    assert injury.adjustment(rulebook=rulebook, jurisdiction="500103", steps=-5, on=on) == Decimal(
        "-0.50"
    )
    with pytest.raises(OutOfRange) as refused:
        injury.adjustment(rulebook=rulebook, jurisdiction="500103", steps=6, on=on)
    assert refused.value.field == "float_steps"
    assert injury.adjusted(49, Decimal("0.20")) == 59  # 58.8, half up once on the bill
    assert injury.adjusted(7, Decimal("0.20")) == 8  # 8.4


def test_w_falls_back_to_the_reference_wage_and_says_so(rulebook):
    shanghai = injury.wage_base(rulebook, "310101", date(2025, 6, 1))
    assert (shanghai.key, shanghai.value) == ("injury.wage_base_monthly_yuan", 1_243_400)
    chongqing = injury.wage_base(rulebook, "500103", date(2026, 6, 1))
    assert chongqing.key == "reference_wage.monthly_yuan"
    assert chongqing.confidence == "U"
    assert "injury wage base" in (chongqing.note or "")


def test_nursing_allowance_by_dependency_level(rulebook):
    on = date(2026, 6, 1)
    levels = [
        int(
            injury.nursing_allowance(
                rulebook=rulebook, jurisdiction="500103", level=n, on=on
            ).amount_fen[0]
        )
        for n in (1, 2, 3)
    ]
    assert levels == [379_400, 303_520, 227_640]  # 50 / 40 / 30 % of W = 7,588 yuan
    with pytest.raises(OutOfRange):
        injury.nursing_allowance(rulebook=rulebook, jurisdiction="500103", level=4, on=on)


def test_dependants_pensions_are_capped_at_w_together(rulebook):
    on = date(2026, 6, 1)
    few = injury.dependants_pension(
        rulebook=rulebook,
        jurisdiction="500103",
        dependants=[injury.Dependant("spouse"), injury.Dependant("other", alone=True)],
        on=on,
    )
    assert few.amount_fen.tolist() == [303_520, 303_520]
    assert few.explain.provisional
    many = injury.dependants_pension(
        rulebook=rulebook,
        jurisdiction="500103",
        dependants=[injury.Dependant("spouse")] + [injury.Dependant("other", alone=True)] * 3,
        on=on,
    )
    assert sum(many.amount_fen.tolist()) <= 758_800  # 160 % of W cut to W, in proportion
    assert many.amount_fen.tolist()[0] == 189_700
    with pytest.raises(OutOfRange) as refused:
        injury.dependants_pension(
            rulebook=rulebook, jurisdiction="500103", dependants=[injury.Dependant("cousin")], on=on
        )
    assert refused.value.field == "dependants.0.relation"
