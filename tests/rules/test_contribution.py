"""The monthly pension contribution at the floor (Chongqing 2025, 渝人社规〔2025〕20号: 4,404 ×
20 % = 880.80), and the base limits."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexcover.kit.months import Month
from flexcover.rules.contribution import contribution
from flexcover.rules.parameters import MissingParameter
from flexcover.rules.problems import BaseOutOfRange
from tests.rules.conftest import one

# jurisdiction, month, base, total, to account, to pool (yuan): each region's floor, exactly
FLOOR_EXAMPLES = [
    ("500000", "2025-08", 4404, "880.80", "352.32", "528.48"),
    ("500000", "2025-08", 22017, "4403.40", "1761.36", "2642.04"),
    ("110000", "2024-08", 6821, "1364.20", "545.68", "818.52"),
    ("110000", "2025-08", 7162, "1432.40", "572.96", "859.44"),
    ("310000", "2024-08", 7384, "1476.80", "590.72", "886.08"),
    ("310000", "2025-08", 7460, "1492.00", "596.80", "895.20"),
    ("440100", "2025-08", 5510, "1102.00", "440.80", "661.20"),
    ("440600", "2025-08", 4775, "955.00", "382.00", "573.00"),
    ("320000", "2025-08", 4952, "990.40", "396.16", "594.24"),
    ("420100", "2025-08", 4498, "899.60", "359.84", "539.76"),
]


def fen(yuan: str) -> int:
    whole, cents = yuan.split(".")
    return int(whole) * 100 + int(cents)


@pytest.mark.parametrize(("code", "month", "base", "total", "account", "pool"), FLOOR_EXAMPLES)
def test_floor_contributions(rulebook, code, month, base, total, account, pool):
    result = contribution(
        rulebook=rulebook, jurisdiction=code, month=Month.parse(month), base_fen=one(base * 100)
    )
    pension = result.schemes[0]
    assert int(pension.amount_fen[0]) == fen(total)
    assert int(pension.personal_account_fen[0]) == fen(account)
    assert int(pension.pooled_fund_fen[0]) == fen(pool)
    assert int(result.total_fen[0]) * 12 == fen(total) * 12


def test_twelve_months_in_chongqing_is_10569_60(rulebook):
    result = contribution(
        rulebook=rulebook, jurisdiction="500000", month=Month(2025, 8), base_fen=one(440400)
    )
    assert int(result.total_fen[0]) * 12 == 1056960


def test_shanghai_adds_medical_at_10_percent(rulebook):
    """Shanghai's 2025 floor 7,460 → medical 746.00, pension + medical 2,238.00."""
    result = contribution(
        rulebook=rulebook,
        jurisdiction="310000",
        month=Month(2025, 8),
        base_fen=one(746000),
        schemes=("employee_pension", "employee_medical"),
    )
    medical = result.schemes[1]
    assert medical.scheme == "employee_medical"
    assert int(medical.amount_fen[0]) == 74600
    assert int(result.total_fen[0]) == 223800


def test_shanghai_base_10000_gives_3000(rulebook):
    """A cross-check: base 10,000 → pension 2,000, medical 1,000, total 3,000."""
    result = contribution(
        rulebook=rulebook,
        jurisdiction="310000",
        month=Month(2025, 8),
        base_fen=one(1000000),
        schemes=("employee_pension", "employee_medical"),
    )
    assert [int(s.amount_fen[0]) for s in result.schemes] == [200000, 100000]


def test_a_base_under_the_floor_is_refused_with_the_allowed_range(rulebook):
    with pytest.raises(BaseOutOfRange) as raised:
        contribution(
            rulebook=rulebook, jurisdiction="500000", month=Month(2025, 8), base_fen=one(440399)
        )
    message = raised.value.message("en")
    assert "4404.00–22017.00" in message
    assert raised.value.field == "base_yuan"


def test_the_floor_and_ceiling_themselves_are_allowed(rulebook):
    for base in (440400, 2201700):
        contribution(
            rulebook=rulebook, jurisdiction="500000", month=Month(2025, 8), base_fen=one(base)
        )
    with pytest.raises(BaseOutOfRange):
        contribution(
            rulebook=rulebook, jurisdiction="500000", month=Month(2025, 8), base_fen=one(2201701)
        )


def test_clamping_moves_a_base_to_the_nearest_limit(rulebook):
    result = contribution(
        rulebook=rulebook,
        jurisdiction="500000",
        month=Month(2025, 8),
        base_fen=np.array([100, 99_999_900]),
        clamp=True,
    )
    assert result.schemes[0].base_fen.tolist() == [440400, 2201700]


def test_half_a_fen_rounds_up(rulebook):
    """4,404.03 × 20 % = 880.806 → 880.81; × 8 % = 352.3224 → 352.32; the pool takes 528.49."""
    result = contribution(
        rulebook=rulebook, jurisdiction="500000", month=Month(2025, 8), base_fen=one(440403)
    )
    pension = result.schemes[0]
    assert (int(pension.amount_fen[0]), int(pension.personal_account_fen[0])) == (88081, 35232)
    assert int(pension.pooled_fund_fen[0]) == 52849
    exact_half = contribution(
        rulebook=rulebook, jurisdiction="500000", month=Month(2025, 8), base_fen=one(440425)
    )  # × 20 % = 880.85 exactly; × 8 % = 352.34
    assert int(exact_half.schemes[0].amount_fen[0]) == 88085


def test_a_month_without_parameters_says_which_months_are_known(rulebook):
    with pytest.raises(MissingParameter) as raised:
        contribution(
            rulebook=rulebook, jurisdiction="500000", month=Month(2019, 3), base_fen=one(440400)
        )
    assert raised.value.field == "month"
    assert "Known for" in raised.value.message("en")


def test_medical_where_no_rate_is_loaded_is_refused(rulebook):
    with pytest.raises(MissingParameter) as raised:
        contribution(
            rulebook=rulebook,
            jurisdiction="500000",
            month=Month(2025, 8),
            base_fen=one(440400),
            schemes=("employee_medical",),
        )
    assert "medical.rate" in raised.value.message("en")


bases = st.integers(min_value=0, max_value=5_000_000)


@given(st.lists(bases, min_size=1, max_size=50))
def test_clamped_bases_stay_within_the_limits_and_shares_add_up(rulebook, values):
    result = contribution(
        rulebook=rulebook,
        jurisdiction="500000",
        month=Month(2025, 8),
        base_fen=np.array(values),
        clamp=True,
    )
    pension = result.schemes[0]
    assert np.all((pension.base_fen >= 440400) & (pension.base_fen <= 2201700))
    assert np.array_equal(
        pension.personal_account_fen + pension.pooled_fund_fen, pension.amount_fen
    )


@given(st.lists(st.integers(min_value=440400, max_value=2201700), min_size=1, max_size=30))
def test_the_batch_equals_one_person_at_a_time(rulebook, values):
    month = Month(2025, 8)
    batch = contribution(
        rulebook=rulebook, jurisdiction="500000", month=month, base_fen=np.array(values)
    ).total_fen.tolist()
    single = [
        int(
            contribution(
                rulebook=rulebook, jurisdiction="500000", month=month, base_fen=one(v)
            ).total_fen[0]
        )
        for v in values
    ]
    assert batch == single
