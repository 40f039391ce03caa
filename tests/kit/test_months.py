from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexcover.kit.months import Month, month_range
from flexcover.kit.problems import InvalidMonth


def test_parses_and_prints_yyyy_mm():
    assert Month.parse("2025-08") == Month(2025, 8)
    assert str(Month(2025, 8)) == "2025-08"


@pytest.mark.parametrize(
    "text", ["2025-13", "2025-00", "2025-8", "25-08", "2025/08", "", "2025-08-01"]
)
def test_refuses_malformed_months_naming_the_field(text):
    with pytest.raises(InvalidMonth) as raised:
        Month.parse(text, field="as_of")
    assert raised.value.field == "as_of"


def test_month_arithmetic_crosses_years():
    assert Month(2025, 11) + 3 == Month(2026, 2)
    assert Month(2025, 1) - 1 == Month(2024, 12)
    assert Month(2026, 6) - Month(2025, 7) == 11
    assert Month(2025, 7).months_until(Month(2026, 6)) == 11


def test_first_and_last_days():
    assert Month(2024, 2).last_day == date(2024, 2, 29)
    assert Month(2025, 2).last_day == date(2025, 2, 28)
    assert Month(2025, 12).last_day == date(2025, 12, 31)
    assert Month.of(date(2025, 8, 15)).first_day == date(2025, 8, 1)


def test_ranges_include_both_ends():
    months = list(month_range(Month(2025, 7), Month(2026, 6)))
    assert len(months) == 12
    assert months[0] == Month(2025, 7)
    assert months[-1] == Month(2026, 6)
    assert list(month_range(Month(2025, 2), Month(2025, 1))) == []


def test_months_order_and_hash():
    assert Month(2024, 12) < Month(2025, 1)
    assert len({Month(2025, 1), Month(2025, 1)}) == 1


@given(st.integers(min_value=1900, max_value=2200), st.integers(1, 12), st.integers(-2000, 2000))
def test_adding_then_subtracting_is_identity(year, month, delta):
    start = Month(year, month)
    assert (start + delta) - delta == start
    assert (start + delta) - start == delta


def test_age_counts_whole_years_and_turns_on_the_birthday():
    from flexcover.kit.months import age_on

    assert age_on(date(1990, 8, 1), date(2025, 7, 31)) == 34
    assert age_on(date(1990, 8, 1), date(2025, 8, 1)) == 35
    assert age_on(date(2000, 2, 29), date(2025, 2, 28)) == 24
    assert age_on(date(2000, 2, 29), date(2025, 3, 1)) == 25
