"""Every class, every exclusion and every tag of docs/coverage.md, on hand-made records, for the
reference month 2025-08 (interrupted from 3 unpaid months of the last 12)."""

from __future__ import annotations

from datetime import date

import pytest

from flexcover.coverage.classify import Settings, retirement_table
from flexcover.coverage.classify import settings as classify_settings
from flexcover.kit.credit_code import credit_check_character
from flexcover.kit.months import Month
from flexcover.rules.parameters import default_rulebook
from tests.coverage.fixtures import World, classify_world

AUG = Month(2025, 8)
SETTINGS = classify_settings(default_rulebook(), AUG, "500000", interrupted_after=3)


def code(body: str) -> str:
    return body + credit_check_character(body)


ACME = code("91500103MA0000001")


@pytest.fixture(scope="module")
def retirements(rulebook):
    return retirement_table(rulebook, AUG)


def run(world: World, retirements, settings: Settings = SETTINGS):
    """The classification of every population record: {record_id: row}, and the findings."""
    rows, findings = classify_world(world, retirements, settings)
    return {row["person"]: row for row in rows}, findings


def test_someone_paying_every_month_is_covered(retirements):
    world = World()
    me = world.person()
    enrolment = world.enrolled(me)
    people, _ = run(world, retirements)
    assert (people[me]["klass"], people[me]["reason"]) == ("covered", None)
    assert people[me]["evidence"] == [f"register:{enrolment}"]
    assert people[me]["unpaid_months"] == 0


def test_two_unpaid_months_are_still_covered_three_are_interrupted(retirements):
    world = World()
    two, three = world.person(), world.person()
    world.enrolled(two, paid_last_12=10)
    world.enrolled(three, paid_last_12=9)
    people, _ = run(world, retirements)
    assert people[two]["klass"] == "covered"
    assert (people[three]["klass"], people[three]["unpaid_months"]) == ("interrupted", 3)


def test_months_before_enrolment_are_not_unpaid(retirements):
    world = World()
    new = world.person()
    world.enrolled(new, first_month="2025-07", paid_last_12=2, months_total=2)
    people, _ = run(world, retirements)
    assert (people[new]["klass"], people[new]["unpaid_months"]) == ("covered", 0)


def test_a_paused_enrolment_is_counted_by_its_unpaid_months(retirements):
    world = World()
    paused = world.person()
    world.enrolled(paused, status="paused", paid_last_12=6)
    people, _ = run(world, retirements)
    assert (people[paused]["klass"], people[paused]["unpaid_months"]) == ("interrupted", 6)


def test_resident_pension_paid_yearly_counts_as_covered(retirements):
    world = World()
    farmer = world.person()
    world.enrolled(farmer, scheme="resident_pension", identity="resident", paid_last_12=1)
    people, _ = run(world, retirements)
    assert people[farmer]["klass"] == "covered"


def test_terminated_or_transferred_out_with_nothing_elsewhere_is_dropped(retirements):
    world = World()
    stopped, moved, moved_on = world.person(), world.person(), world.person()
    world.enrolled(stopped, status="terminated", paid_last_12=0)
    world.enrolled(moved, status="transferred_out", paid_last_12=0)
    world.enrolled(moved_on, status="transferred_out", paid_last_12=0)
    world.says(moved_on, "elsewhere", province="510000", scheme="employee_pension", active=True)
    people, _ = run(world, retirements)
    assert people[stopped]["klass"] == people[moved]["klass"] == "dropped"
    assert (people[moved_on]["klass"], people[moved_on]["reason"]) == (
        "excluded",
        "insured_elsewhere",
    )


def test_medical_insurance_alone_is_never_insured_for_pension(retirements):
    world = World()
    patient = world.person()
    world.enrolled(patient, scheme="employee_medical")
    people, _ = run(world, retirements)
    assert people[patient]["klass"] == "never_insured"


def test_a_local_enrolment_outranks_an_enrolment_elsewhere(retirements):
    world = World()
    both = world.person()
    world.enrolled(both)
    world.says(both, "elsewhere", province="510000", scheme="employee_pension", active=True)
    ended = world.person()
    world.says(ended, "elsewhere", province="510000", scheme="employee_pension", active=False)
    people, _ = run(world, retirements)
    assert people[both]["klass"] == "covered"
    assert people[ended]["klass"] == "never_insured"


@pytest.mark.parametrize(
    ("born", "gender", "expected"),
    [
        (date(2009, 9, 1), "male", ("excluded", "under_age")),  # 15 at the end of August
        (date(2009, 8, 31), "male", ("never_insured", None)),  # 16 on the last day
        (date(1965, 8, 1), "male", ("never_insured", None)),  # retires 2025-10 (60 + 2)
        (date(1965, 4, 15), "male", ("excluded", "over_age")),  # retired 2025-05 (60 + 1)
        (date(1970, 1, 15), "female", ("excluded", "over_age")),  # 55 + 1 month: 2025-02
        (date(1971, 6, 15), "female", ("never_insured", None)),
    ],
)
def test_working_age_follows_the_2025_retirement_reform(born, gender, expected, retirements):
    world = World()
    me = world.person(born=born, gender=gender)
    people, _ = run(world, retirements)
    assert (people[me]["klass"], people[me]["reason"]) == expected


def test_exclusions_come_first_in_their_order(retirements):
    world = World()
    dead, pensioner, student = world.person(), world.person(), world.person(student=True)
    world.enrolled(dead)
    world.says(dead, "deaths", death_date=date(2025, 7, 3))
    world.enrolled(pensioner, status="retired", paid_last_12=0)
    late = world.person()
    world.says(late, "deaths", death_date=date(2025, 9, 2))  # after the reference month
    people, _ = run(world, retirements)
    assert people[dead]["reason"] == "deceased"
    assert people[pensioner]["reason"] == "retired"
    assert people[student]["reason"] == "student"
    assert people[late]["klass"] == "never_insured"


def test_tags_for_platform_tax_dibao_business_and_short_records(retirements):
    world = World()
    rider = world.person()
    world.says(rider, "platform", platform_code=ACME, month="2025-07", orders=120)
    stale = world.person()
    world.says(stale, "platform", platform_code=ACME, month="2025-05", orders=80)
    earner = world.person()
    world.says(
        earner,
        "tax",
        employer_code=ACME,
        first_month="2024-09",
        last_month="2025-08",
        income_fen=100,
    )
    poor = world.person()
    world.says(poor, "dibao", household="H1")
    shop = world.person()
    world.says(shop, "business", credit_code=ACME, entity_type="individual", status="active")
    close = world.person(born=date(1968, 3, 1))  # retires 2029-01 (60 + 10 months)
    world.enrolled(close, months_total=100, paid_last_12=12)
    people, _ = run(world, retirements)
    assert people[rider]["tags"] == ",platform_worker,platform_no_pension,"
    assert people[stale]["tags"] == ","
    assert people[earner]["tags"] == ",tax_income_uninsured,"
    assert people[poor]["tags"] == ",minimum_income,"
    assert people[shop]["tags"] == ",self_employed,"
    assert people[close]["tags"] == ",near_retirement_short,"
    assert people[close]["retirement_month"] == "2029-01"


def test_the_near_retirement_window_is_the_rulebooks(retirements, rulebook, tmp_path):
    """Five years (subsidy.near_retirement_years) by default; a province that narrows it to three
    no longer tags someone who retires in three years and five months."""
    world = World()
    close = world.person(born=date(1968, 3, 1))  # retires 2029-01: 41 months after 2025-08
    world.enrolled(close, months_total=100, paid_last_12=12)
    assert SETTINGS.near_retirement_months == 60
    assert run(world, retirements)[0][close]["tags"] == ",near_retirement_short,"
    (tmp_path / "narrow.yaml").write_text(
        'jurisdiction: "500000"\nname: 重庆市\nparameters:\n  subsidy.near_retirement_years:\n'
        "    - value: 3\n      effective_from: 2025-01-01\n      source: test scenario\n"
        "      confidence: U\n",
        encoding="utf-8",
    )
    narrow = classify_settings(rulebook.with_override(tmp_path / "narrow.yaml"), AUG, "500000")
    assert narrow.near_retirement_months == 36
    assert run(world, retirements, narrow)[0][close]["tags"] == ","


def test_an_employer_with_more_taxed_staff_than_insured_is_a_finding(retirements):
    world = World()
    staff = [world.person() for _ in range(3)]
    for person in staff:
        world.says(
            person,
            "tax",
            employer_code=ACME,
            employer_name="重庆某公司",
            first_month="2025-01",
            last_month="2025-08",
            income_fen=1,
        )
    world.enrolled(staff[0], identity="employee", employer_code=ACME)
    world.add(
        "business",
        credit_code=ACME,
        entity_name="重庆某公司",
        entity_type="enterprise",
        status="active",
        entity_district="500106",
    )
    world.add(
        "construction",
        project_id="P-1",
        project_name="某小区",
        contractor_code=ACME,
        start_date=date(2025, 6, 1),
        injury_cover=False,
        project_district="500103",
    )
    world.add(
        "construction",
        project_id="P-2",
        contractor_code=ACME,
        start_date=date(2025, 9, 1),  # not started in the reference month
        injury_cover=False,
        project_district="500103",
    )
    _, findings = run(world, retirements)
    assert sorted(
        (f["kind"], f["key"], f["district"], f["headcount"], f["insured"]) for f in findings
    ) == [
        ("employer_under_insured", ACME, "500106", 3, 1),
        ("project_no_injury_cover", "P-1", "500103", None, None),
    ]
