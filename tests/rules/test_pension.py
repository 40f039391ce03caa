"""The pension at retirement (国发〔2005〕38号): a Beijing worker retiring at 60 in 2025, the
average contribution index, the divisor interpolation, and properties."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexcover.kit.months import Month
from flexcover.rules.pension import (
    average_index,
    basic_pension_fen,
    divisor,
    pension,
    tenths_to_text,
    text_to_units,
    units_to_text,
    years_units,
)
from flexcover.rules.problems import OutOfRange
from tests.rules.conftest import one


def beijing_2025(rulebook, *, age=(60, 0), months=240, index="0.60", balance=10_000_000, **extra):
    return pension(
        rulebook=rulebook,
        jurisdiction="110000",
        retirement_month=Month(2025, 8),
        age_years=one(age[0]),
        age_months=one(age[1]),
        contribution_months=one(months),
        deemed_months=one(extra.pop("deemed", 0)),
        average_index=one(text_to_units(index, 4, field="average_index")),
        account_balance_fen=one(balance),
        **extra,
    )


def test_beijing_flexible_worker_retiring_at_60(rulebook):
    """C 12,049, I 0.60, N 20, balance 100,000 at 60: 1,927.84 + 719.42 = 2,647.26."""
    result = beijing_2025(rulebook)
    assert int(result.calculation_base_fen[0]) == 1204900
    assert int(result.basic_fen[0]) == 192784
    assert tenths_to_text(int(result.divisor_tenths[0])) == "139.0"
    assert int(result.account_fen[0]) == 71942
    assert int(result.total_fen[0]) == 264726


def test_variant_at_60_years_4_months_uses_divisor_136_7(rulebook):
    result = beijing_2025(rulebook, age=(60, 4))
    assert tenths_to_text(int(result.divisor_tenths[0])) == "136.7"
    assert int(result.account_fen[0]) == 73153


def test_cross_check_index_0_8_and_360_months(rulebook):
    assert int(beijing_2025(rulebook, index="0.8", months=360).basic_fen[0]) == 325323


def test_a_given_calculation_base_replaces_the_published_one(rulebook):
    result = beijing_2025(rulebook, calculation_base_fen=1000000)
    assert int(result.basic_fen[0]) == 160000  # 10,000 × 1.6 / 2 × 20 × 1 %


def test_average_index_of_60_100_and_300_percent(rulebook):
    """Three contribution years at 60 %, 100 % and 300 % → I = 1.5333 (Shanghai wages)."""
    months = [Month(2024, 8), Month(2025, 8), Month(2026, 8)]
    wages = [1230700, 1243400, 1257700]
    bases = np.array([[w * 6 // 10 for w in wages[:1]] + [wages[1]] + [wages[2] * 3]])
    result = average_index(rulebook=rulebook, jurisdiction="310000", months=months, bases_fen=bases)
    assert units_to_text(int(result.index_units[0]), result.decimals) == "1.5333"


def test_basic_pension_457_86(rulebook):
    c = np.array([1204900])
    assert (
        int(basic_pension_fen(c, np.array([15333]), years_units(np.array([36]), 4), 4, 4)[0])
        == 45786
    )


def test_the_index_is_kept_within_its_floor_and_ceiling(rulebook):
    """Beijing's 2024 floor 6,821 is below 60 % of 11,761; the month still counts as 0.6."""
    result = average_index(
        rulebook=rulebook,
        jurisdiction="110000",
        months=[Month(2024, 8)],
        bases_fen=np.array([[682100]]),
    )
    assert units_to_text(int(result.index_units[0]), result.decimals) == "0.6000"


def test_transitional_pension_for_deemed_years_in_chongqing(rulebook):
    """C × I × N(deemed) × 1.4 %: 8,240 × 1.0 × 5 × 1.4 % = 576.80 (C provisional)."""
    result = pension(
        rulebook=rulebook,
        jurisdiction="500000",
        retirement_month=Month(2025, 8),
        age_years=one(60),
        age_months=one(0),
        contribution_months=one(180),
        deemed_months=one(60),
        average_index=one(10000),
        account_balance_fen=one(0),
    )
    assert int(result.transitional_fen[0]) == 57680
    assert result.explain.provisional
    assert any("pension.calculation_base_yuan" in label for label in result.explain.uncertain)


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        ((40, 0), "233.0"),
        ((47, 0), "207.0"),
        ((55, 0), "170.0"),
        ((60, 0), "139.0"),
        ((60, 1), "138.4"),
        ((60, 6), "135.5"),
        ((60, 11), "132.6"),
        ((63, 0), "117.0"),
        ((69, 6), "60.5"),
        ((70, 0), "56.0"),
    ],
)
def test_divisor_table_and_month_interpolation(rulebook, age, expected):
    result = divisor(
        rulebook=rulebook,
        age_years=one(age[0]),
        age_months=one(age[1]),
        on=Month(2025, 8).first_day,
    )
    assert tenths_to_text(int(result.divisor_tenths[0])) == expected


def test_divisor_outside_the_table_is_refused(rulebook):
    for age in ((39, 11), (70, 1), (71, 0)):
        with pytest.raises(OutOfRange):
            divisor(
                rulebook=rulebook,
                age_years=one(age[0]),
                age_months=one(age[1]),
                on=Month(2025, 8).first_day,
            )


def test_the_disputed_age_47_row_makes_results_provisional(rulebook):
    result = divisor(
        rulebook=rulebook, age_years=one(47), age_months=one(0), on=Month(2025, 8).first_day
    )
    assert result.explain.provisional


@given(st.integers(0, 900), st.integers(1, 60), st.integers(0, 30000))
def test_a_longer_record_never_lowers_the_basic_pension(months, more, index):
    c = np.array([1204900, 1204900])
    n = years_units(np.array([months, months + more]), 4)
    shorter, longer = basic_pension_fen(c, np.array([index, index]), n, 4, 4).tolist()
    assert longer >= shorter


@given(
    st.lists(
        st.tuples(st.integers(0, 900), st.integers(0, 30000), st.integers(0, 10**8)),
        min_size=1,
        max_size=20,
    )
)
def test_the_batch_equals_one_person_at_a_time(rulebook, people):
    months = np.array([p[0] for p in people])
    index = np.array([p[1] for p in people])
    balance = np.array([p[2] for p in people])
    ages = np.full(len(people), 60)

    def run(m, i, b, a):
        return pension(
            rulebook=rulebook,
            jurisdiction="110000",
            retirement_month=Month(2025, 8),
            age_years=a,
            age_months=np.zeros_like(a),
            contribution_months=m,
            deemed_months=np.zeros_like(m),
            average_index=i,
            account_balance_fen=b,
        ).total_fen.tolist()

    batch = run(months, index, balance, ages)
    single = [
        run(months[k : k + 1], index[k : k + 1], balance[k : k + 1], ages[k : k + 1])[0]
        for k in range(len(people))
    ]
    assert batch == single
