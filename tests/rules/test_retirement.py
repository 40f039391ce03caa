"""The 2025 retirement reform (the NPC Standing Committee's decision of 2024-09-13 and the
State Council measures, in force 2025-01-01), boundary row by boundary row."""

from datetime import date

import numpy as np
import pytest

from flexcover.kit.months import Month
from flexcover.rules.problems import OutOfRange
from flexcover.rules.retirement import retirement

TODAY = date(2026, 11, 23)

# gender, original age, birth month → delay, statutory age (y, m), retirement month
ROWS = [
    ("male", 60, "1964-12", 0, (60, 0), "2024-12"),
    ("male", 60, "1965-01", 1, (60, 1), "2025-02"),
    ("male", 60, "1965-04", 1, (60, 1), "2025-05"),
    ("male", 60, "1965-05", 2, (60, 2), "2025-07"),
    ("male", 60, "1976-08", 35, (62, 11), "2039-07"),
    ("male", 60, "1976-09", 36, (63, 0), "2039-09"),
    ("male", 60, "1990-06", 36, (63, 0), "2053-06"),
    ("female", 55, "1969-12", 0, (55, 0), "2024-12"),
    ("female", 55, "1970-01", 1, (55, 1), "2025-02"),
    ("female", 55, "1981-08", 35, (57, 11), "2039-07"),
    ("female", 55, "1981-09", 36, (58, 0), "2039-09"),
    ("female", 50, "1974-12", 0, (50, 0), "2024-12"),
    ("female", 50, "1975-01", 1, (50, 1), "2025-02"),
    ("female", 50, "1975-02", 1, (50, 1), "2025-03"),
    ("female", 50, "1975-03", 2, (50, 2), "2025-05"),
    ("female", 50, "1984-10", 59, (54, 11), "2039-09"),
    ("female", 50, "1984-11", 60, (55, 0), "2039-11"),
]


def run(rulebook, gender, age, born):
    return retirement(
        rulebook=rulebook,
        gender=(gender,),
        original_age=np.array([age]),
        birth_month=np.array([Month.parse(born).index]),
        on=TODAY,
    )


@pytest.mark.parametrize(("gender", "age", "born", "delay", "statutory", "retires"), ROWS)
def test_schedule_rows(rulebook, gender, age, born, delay, statutory, retires):
    result = run(rulebook, gender, age, born)
    assert int(result.delay_months[0]) == delay
    assert divmod(int(result.statutory_age_months[0]), 12) == statutory
    assert str(Month.from_index(int(result.retirement_month[0]))) == retires


@pytest.mark.parametrize(
    ("born", "minimum"),
    [("1964-12", 180), ("1968-09", 180), ("1969-01", 186), ("1970-09", 198), ("1976-09", 240)],
)
def test_minimum_months_follow_the_retirement_year(rulebook, born, minimum):
    """≤2029: 180 months, rising 6 a year from 2030 to 240 from 2039 (art. 2)."""
    assert int(run(rulebook, "male", 60, born).minimum_contribution_months[0]) == minimum


def test_earliest_flexible_retirement_never_goes_below_the_original_age(rulebook):
    late = run(rulebook, "male", 60, "1976-09")  # statutory 63: may leave at 60
    assert int(late.earliest_retirement_month[0]) == Month(1976, 9).index + 60 * 12
    mid = run(rulebook, "male", 60, "1970-01")  # delay 16 → 61y4m: earliest is still 60
    assert int(mid.earliest_retirement_month[0]) == Month(1970, 1).index + 60 * 12
    female50 = run(rulebook, "female", 50, "1984-11")  # statutory 55: early by 3 years → 52
    assert int(female50.earliest_retirement_month[0]) == Month(1984, 11).index + 52 * 12


def test_a_batch_equals_rows_one_at_a_time(rulebook):
    genders = tuple(row[0] for row in ROWS)
    batch = retirement(
        rulebook=rulebook,
        gender=genders,
        original_age=np.array([row[1] for row in ROWS]),
        birth_month=np.array([Month.parse(row[2]).index for row in ROWS]),
        on=TODAY,
    )
    assert batch.delay_months.tolist() == [row[3] for row in ROWS]


def test_impossible_combinations_and_future_births_are_refused(rulebook):
    with pytest.raises(OutOfRange) as raised:
        run(rulebook, "male", 55, "1970-01")
    assert raised.value.field == "original_retirement_age"
    with pytest.raises(OutOfRange) as raised:
        run(rulebook, "female", 50, "2027-01")
    assert raised.value.field == "birth_month"
