"""The synthetic population register: valid, consistent, deterministic."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from flexcover.kit.divisions import current_divisions, division_periods, known_codes
from flexcover.kit.resident_id import parse_resident_id
from flexcover.synth.names import SURNAME_SHARES
from flexcover.synth.places import NEIGHBOURS, residence_divisions
from flexcover.synth.population import (
    MAX_AGE,
    MIN_AGE,
    REFERENCE_DATE,
    WORK_TYPES,
    age_on,
    generate_population,
    median_monthly_wage_yuan,
)

PEOPLE = 20_000


@pytest.fixture(scope="module")
def chongqing() -> pa.Table:
    return generate_population(jurisdiction="500000", people=PEOPLE, seed=7)


@pytest.fixture(scope="module")
def rows(chongqing: pa.Table) -> list[dict[str, object]]:
    return chongqing.to_pylist()


def test_has_the_requested_number_of_people_keyed_1_to_n(chongqing: pa.Table) -> None:
    assert chongqing.num_rows == PEOPLE
    assert chongqing["person_key"].type == pa.int64()
    assert chongqing["person_key"].to_pylist() == list(range(1, PEOPLE + 1))


def test_every_id_number_is_valid(rows: list[dict[str, object]]) -> None:
    for row in rows:
        parse_resident_id(str(row["id_number"]), today=REFERENCE_DATE)


def test_id_numbers_are_unique(chongqing: pa.Table) -> None:
    assert pc.count_distinct(chongqing["id_number"]).as_py() == PEOPLE


def test_gender_birth_date_and_hukou_agree_with_the_id(rows: list[dict[str, object]]) -> None:
    for row in rows:
        parsed = parse_resident_id(str(row["id_number"]), today=REFERENCE_DATE)
        assert parsed.gender == row["gender"]
        assert parsed.birth_date == row["birth_date"]
        assert parsed.region_code == row["hukou_code"]


def test_every_hukou_code_is_a_known_gb2260_code(chongqing: pa.Table) -> None:
    assert set(chongqing["hukou_code"].to_pylist()) <= known_codes()


def test_about_three_quarters_have_hukou_in_the_province(chongqing: pa.Table) -> None:
    local = pc.mean(pc.starts_with(chongqing["hukou_code"], "50").cast(pa.int8())).as_py()
    assert 0.72 < local < 0.78


def test_migrants_come_mostly_from_neighbouring_provinces(chongqing: pa.Table) -> None:
    provinces = Counter(code[:2] for code in chongqing["hukou_code"].to_pylist())
    del provinces["50"]
    top_three = {province for province, _ in provinces.most_common(3)}
    assert top_three <= set(NEIGHBOURS["50"])


def test_residence_codes_are_current_districts_inside_the_jurisdiction(chongqing: pa.Table) -> None:
    current = current_divisions()
    residences = set(chongqing["residence_code"].to_pylist())
    assert all(code.startswith("50") and code in current for code in residences)
    assert all(current[code] != "市辖区" and not code.endswith("00") for code in residences)
    assert residences == set(residence_divisions("500000"))


def test_a_city_jurisdiction_keeps_people_inside_the_city() -> None:
    table = generate_population(jurisdiction="420100", people=5_000)
    residences = set(table["residence_code"].to_pylist())
    assert all(code.startswith("4201") for code in residences)
    assert "420101" not in residences  # 市辖区 is not a place to live
    assert len(residences) == 13


def test_a_district_jurisdiction_puts_everyone_in_that_district() -> None:
    table = generate_population(jurisdiction="500103", people=1_000)
    assert set(table["residence_code"].to_pylist()) == {"500103"}


def test_everyone_is_16_to_75_and_born_before_the_reference_date(chongqing: pa.Table) -> None:
    birth = chongqing["birth_date"].to_numpy().astype("datetime64[D]")
    ages = age_on(birth, REFERENCE_DATE)
    assert ages.min() == MIN_AGE
    assert ages.max() == MAX_AGE
    assert pc.max(chongqing["birth_date"]).as_py() <= date(2009, 8, 1)


def test_ages_follow_the_census_shape(chongqing: pa.Table) -> None:
    """The 1980s cohorts (census 30-34) outnumber the 2000s cohorts (census 15-19)."""
    years = pc.year(chongqing["birth_date"]).to_numpy()
    assert ((years >= 1986) & (years <= 1990)).sum() > 1.3 * (
        (years >= 2001) & (years <= 2005)
    ).sum()


def test_men_are_about_half(chongqing: pa.Table) -> None:
    share = pc.mean(pc.equal(chongqing["gender"].cast(pa.string()), "male").cast(pa.int8())).as_py()
    assert 0.50 < share < 0.53


def test_same_seed_gives_an_identical_table() -> None:
    first = generate_population(jurisdiction="500000", people=5_000, seed=11)
    second = generate_population(jurisdiction="500000", people=5_000, seed=11)
    assert first.equals(second)


def test_different_seeds_give_different_people() -> None:
    first = generate_population(jurisdiction="500000", people=5_000, seed=11)
    second = generate_population(jurisdiction="500000", people=5_000, seed=12)
    assert not first.equals(second)
    same_ids = set(first["id_number"].to_pylist()) & set(second["id_number"].to_pylist())
    assert len(same_ids) < 50


def test_wang_li_and_zhang_are_the_most_common_surnames(rows: list[dict[str, object]]) -> None:
    surnames = Counter(str(row["name"])[0] for row in rows)
    top = [surname for surname, _ in surnames.most_common(5)]
    assert set(top[:3]) == {"王", "李", "张"}
    assert "王" in top[:2]


def test_surname_frequencies_track_the_table(rows: list[dict[str, object]]) -> None:
    shares = dict(SURNAME_SHARES)
    total = sum(shares.values())
    counted = Counter(str(row["name"])[0] for row in rows)
    for surname in ("王", "陈", "杨", "林", "谢"):
        expected = shares[surname] / total * PEOPLE
        assert abs(counted[surname] - expected) < 5 * np.sqrt(expected)


def test_given_names_have_one_or_two_characters_a_quarter_single(
    rows: list[dict[str, object]],
) -> None:
    compound = tuple(surname for surname, _ in SURNAME_SHARES if len(surname) == 2)
    lengths = Counter(
        len(str(row["name"])) - (2 if str(row["name"]).startswith(compound) else 1) for row in rows
    )
    assert set(lengths) == {1, 2}
    assert 0.22 < lengths[1] / PEOPLE < 0.28


def test_income_is_positive_integer_fen(chongqing: pa.Table) -> None:
    income = chongqing["monthly_income_fen"]
    assert income.type == pa.int64()
    assert pc.min(income).as_py() > 0


def test_employee_median_income_is_near_the_chongqing_private_wage(chongqing: pa.Table) -> None:
    employees = chongqing.filter(pc.equal(chongqing["work_type"].cast(pa.string()), "employee"))
    median_yuan = np.median(employees["monthly_income_fen"].to_numpy()) / 100
    assert median_yuan == pytest.approx(65_098 / 12, rel=0.05)


def test_median_wage_comes_from_the_most_specific_region() -> None:
    assert median_monthly_wage_yuan("500103") == pytest.approx(65_098 / 12)
    assert median_monthly_wage_yuan("650102") == pytest.approx(69_476 / 12)  # national fallback
    assert median_monthly_wage_yuan("320102") == pytest.approx(129_220 / 12 * 69_476 / 124_110)
    assert median_monthly_wage_yuan("420102") == pytest.approx(7_496 * 65_098 / 12 / 7_339)


def test_work_types_are_the_documented_categories(chongqing: pa.Table) -> None:
    assert set(chongqing["work_type"].to_pylist()) == set(WORK_TYPES)


def test_retired_are_older_and_students_younger(chongqing: pa.Table) -> None:
    birth = chongqing["birth_date"].to_numpy().astype("datetime64[D]")
    ages = age_on(birth, REFERENCE_DATE)
    work = np.array(chongqing["work_type"].to_pylist())
    assert ages[work == "retired"].min() >= 50
    assert ages[work == "student"].max() <= 39


def test_phones_are_distinct_11_digit_mobile_numbers(chongqing: pa.Table) -> None:
    phones = chongqing["phone"].to_pylist()
    assert len(set(phones)) == PEOPLE
    assert all(len(phone) == 11 and phone.isdigit() and phone[0] == "1" for phone in phones)
    assert all(phone[1] in "3456789" for phone in phones)


@pytest.mark.parametrize(
    "jurisdiction", ["999999", "500", "50000a", "110103", "420101", "810000", "441900"]
)
def test_unknown_or_unusable_jurisdiction_is_rejected(jurisdiction: str) -> None:
    with pytest.raises(ValueError, match=r"jurisdiction"):
        generate_population(jurisdiction=jurisdiction, people=10)


@pytest.mark.parametrize("people", [0, -5, 100_000_001])
def test_non_positive_size_is_rejected(people: int) -> None:
    with pytest.raises(ValueError, match=r"people"):
        generate_population(jurisdiction="500000", people=people)


def test_some_older_people_carry_an_abolished_code_that_existed_at_their_birth() -> None:
    table = generate_population(jurisdiction="510000", people=20_000)
    current = current_divisions()
    spans: dict[str, tuple[int, int]] = {}
    for period in division_periods():
        first, last = period.first_year or 0, period.last_year or 9999
        low, high = spans.get(period.code, (first, last))
        spans[period.code] = (min(low, first), max(high, last))
    old = [
        (row["hukou_code"], row["birth_date"].year)
        for row in table.select(["hukou_code", "birth_date"]).to_pylist()
        if row["hukou_code"] not in current
    ]
    assert len(old) > 100
    assert all(code.startswith("51") for code, _ in old)
    assert all(year < 1990 for _, year in old)
    assert all(spans[code][0] <= year <= spans[code][1] for code, year in old)
