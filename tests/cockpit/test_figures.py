import pytest

from flexcover.cockpit.figures import amount_text, nice_step, percent_text, tick_text


@pytest.mark.parametrize(
    ("numerator", "denominator", "text"),
    [
        (1, 8, "12.5%"),
        (1, 16, "6.3%"),
        (-1, 16, "-6.3%"),
        (0, 5, "0.0%"),
        (7, 0, "—"),
        (3, 2, "150.0%"),
    ],
)
def test_percent_text_is_half_up_to_one_decimal(numerator, denominator, text):
    assert percent_text(numerator, denominator) == text


@pytest.mark.parametrize(
    ("maximum", "step"), [(0, 1), (7, 2), (765, 200), (1000, 250), (38_000, 10_000)]
)
def test_tick_steps_are_round(maximum, step):
    assert nice_step(maximum) == step


def test_amounts_are_grouped_by_thousands_with_their_unit():
    assert amount_text(1234567, "count", "人") == "1,234,567 人"
    assert amount_text(123456789, "yuan") == "1,234,567.89"
    assert amount_text(-5, "yuan", "元") == "-0.05 元"


def test_ticks_drop_decimals_only_when_every_tick_is_whole():
    assert tick_text(250, 250, "percent") == "25%"
    assert tick_text(5, 5, "percent") == "0.5%"
    assert tick_text(500000, 100000, "yuan") == "5,000"
    assert tick_text(50, 50, "yuan") == "0.50"
