from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexcover.kit.money import (
    apply_rate,
    fen_to_yuan,
    format_yuan,
    parse_yuan,
    round_half_up_div,
    yuan_to_fen,
)
from flexcover.kit.problems import InvalidAmount


def test_parses_yuan_strings_exactly_into_fen():
    assert parse_yuan("4404.00") == 440400
    assert parse_yuan("880.8") == 88080
    assert parse_yuan("22,017") == 2201700
    assert parse_yuan(" 0.01 ") == 1
    assert parse_yuan("1,234,567.5") == 123456750


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "1.234",
        "1e3",
        "NaN",
        "Infinity",
        "-5.00",
        "--1",
        "1,50",  # a decimal comma, or a mistyped group? Neither is guessed
        "1,2,3",
        "1,0000",
        ",100",
        "１２３",  # full-width digits
        "٣",  # Arabic-Indic digit
        "+5",
        "1_000",
        "5.",
        ".5",
    ],
)
def test_refuses_what_is_not_an_amount_naming_the_field(text):
    with pytest.raises(InvalidAmount) as raised:
        parse_yuan(text, field="base_yuan")
    assert raised.value.field == "base_yuan"
    assert raised.value.to_dict("en")["pointer"] == "/base_yuan"


def test_refuses_floats_outright():
    with pytest.raises(InvalidAmount):
        parse_yuan(4404.0)  # type: ignore[arg-type]


def test_negative_amounts_only_when_allowed():
    assert parse_yuan("-12.50", allow_negative=True) == -1250


def test_formats_fen_as_yuan_with_two_decimals():
    assert format_yuan(88080) == "880.80"
    assert format_yuan(2201700, grouping=True) == "22,017.00"
    assert format_yuan(-5) == "-0.05"
    assert format_yuan(0) == "0.00"


def test_format_refuses_floats():
    with pytest.raises(TypeError):
        format_yuan(880.8)  # type: ignore[arg-type]


def test_rounds_half_up_to_the_fen():
    assert yuan_to_fen(Decimal("7460.405")) == 746041
    assert yuan_to_fen(Decimal("7460.404")) == 746040
    assert round_half_up_div(5, 2) == 3
    assert round_half_up_div(-5, 2) == -3
    assert round_half_up_div(7, -2) == -4


def test_chongqing_2025_floor_contribution_is_880_80():
    """Chongqing 2025's floor (渝人社规〔2025〕20号): base 4,404 × 20% = 880.80, of which 8% is
    352.32 and 12% is 528.48."""
    base = parse_yuan("4404")
    assert apply_rate(base, Decimal("0.20")) == 88080
    assert apply_rate(base, Decimal("0.08")) == 35232
    assert apply_rate(base, Decimal("0.12")) == 52848


@given(st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1))
def test_format_and_parse_round_trip(fen):
    assert parse_yuan(format_yuan(fen), allow_negative=True) == fen
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


@given(
    st.integers(min_value=-(10**12), max_value=10**12), st.integers(min_value=1, max_value=10**6)
)
def test_half_up_division_matches_decimal(numerator, denominator):
    expected = (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(1), rounding="ROUND_HALF_UP"
    )
    assert round_half_up_div(numerator, denominator) == int(expected)


def test_products_past_int64_are_still_exact():
    import numpy as np

    from flexcover.kit.money import product_half_up_div

    big = np.array([10**10, 3])
    result = product_half_up_div([big, np.array([10**6, 5]), np.array([10**5, 7])], 10**4)
    assert result.tolist() == [10**17, 0]  # 1e21 / 1e4 exactly; 105 / 10000 → 0
    small = product_half_up_div([np.array([440400]), np.array([1])], 5)
    assert small.tolist() == [88080]
