"""参保登记 and base choice: where you work, one open enrolment per scheme, within the limits."""

import pytest

from flexcover.contributions import service
from flexcover.contributions.models import BaseChoice, Enrolment
from flexcover.contributions.problems import (
    AlreadyEnrolled,
    BaseChangeNotAllowed,
    FrequencyNotAllowed,
    MonthNotAllowed,
)
from flexcover.kit.audit import AuditEntry
from flexcover.kit.problems import Forbidden
from flexcover.registry import accounts
from flexcover.registry.problems import UnknownJurisdiction
from flexcover.rules.problems import BaseOutOfRange
from tests.conftest import SYSTEM, count
from tests.contributions.conftest import CEILING, FLOOR, JAN


def test_a_worker_with_a_hubei_hukou_enrols_in_chongqing(world, session):
    person_id, me = world.worker(region="420106")
    enrolment = world.enrol(person_id, me)
    assert (enrolment.jurisdiction_code, enrolment.status, enrolment.first_month) == (
        "500103",
        "active",
        "2026-01",
    )
    assert session.query(BaseChoice).one().base_fen == FLOOR
    assert session.query(AuditEntry).filter_by(action="enrolment.create").count() == 1


def test_a_second_enrolment_in_the_same_scheme_is_refused_with_the_first_ones_place(world, session):
    person_id, _ = world.worker()
    world.enrol(person_id)
    with pytest.raises(AlreadyEnrolled) as raised:
        world.enrol(person_id, jurisdiction="420106")  # Wuhan 武昌区
    assert "500103" in raised.value.message("en")
    assert count(session, Enrolment) == 1


@pytest.mark.parametrize(
    ("options", "problem", "field"),
    [
        ({"base": FLOOR - 1}, BaseOutOfRange, "base_yuan"),
        ({"base": CEILING + 1}, BaseOutOfRange, "base_yuan"),
        ({"frequency": "semiannual"}, FrequencyNotAllowed, "payment_frequency"),
        ({"first": JAN - 1}, MonthNotAllowed, "first_month"),
        ({"jurisdiction": "509999"}, UnknownJurisdiction, "jurisdiction"),
    ],
)
def test_bad_enrolments_name_the_field_and_write_nothing(world, session, options, problem, field):
    person_id, _ = world.worker()
    before = count(session, AuditEntry)
    with pytest.raises(problem) as raised:
        world.enrol(person_id, **options)
    assert raised.value.field == field
    assert count(session, Enrolment) == 0
    assert count(session, AuditEntry) == before


def test_a_worker_cannot_enrol_someone_else(world, session):
    _, me = world.worker()
    other_id, _ = world.worker()
    with pytest.raises(Forbidden):
        world.enrol(other_id, me)
    assert count(session, Enrolment) == 0


def test_an_officer_enrols_only_in_their_district(world):
    person_id, _ = world.worker()
    with pytest.raises(Forbidden):
        world.enrol(person_id, world.officer("500106"))
    world.enrol(person_id, world.officer("500103", "officer2"))


def change(world, enrolment_id, month, base, as_of=JAN):
    with world.database.unit_of_work() as session:
        return service.change_base(
            session=session,
            rulebook=world.rulebook,
            actor=SYSTEM,
            enrolment_id=enrolment_id,
            from_month=month,
            base_fen=base,
            as_of=as_of,
        )


def test_once_a_year_where_the_base_changes_annually(world):
    """The national default is one change per contribution year (monthly adjustment unverified)."""
    person_id, _ = world.worker()
    enrolment = world.enrol(person_id)
    change(world, enrolment.id, JAN + 2, 600000)
    with pytest.raises(BaseChangeNotAllowed) as raised:
        change(world, enrolment.id, JAN + 5, 700000)
    assert "2026-01" in raised.value.message("en")
    change(world, enrolment.id, JAN + 2, 650000)  # re-choosing the same month is not a new change


def test_a_billed_month_cannot_change_its_base(world):
    person_id, _ = world.worker()
    enrolment = world.enrol(person_id)
    world.settle(JAN)
    with pytest.raises(BaseChangeNotAllowed):
        change(world, enrolment.id, JAN, 600000)


def test_any_month_under_a_reform_that_allows_it(world, tmp_path):
    reform = tmp_path / "monthly.yaml"
    reform.write_text(
        'jurisdiction: "500000"\nname: 重庆市\nparameters:\n'
        "  contribution_base.change_frequency:\n    - value: any_month\n"
        "      effective_from: 2026-01-01\n      source: reform\n      confidence: U\n",
        encoding="utf-8",
    )
    world.rulebook = world.rulebook.with_override(reform)
    person_id, _ = world.worker()
    enrolment = world.enrol(person_id)
    for offset, base in ((1, 500000), (2, 600000), (3, 700000)):
        change(world, enrolment.id, JAN + offset, base)


def test_an_officer_enrols_only_people_of_their_region(world, session):
    """An officer of 渝中区 cannot enrol a resident of 沙坪坝区 in 渝中区 (enrolling is an act on
    the person, not only on the place), and the refusal does not say where that person lives;
    the worker enrols themselves where they work, and a city officer may enrol them anywhere in
    the city."""
    person_id, _ = world.worker(residence="500106")
    with pytest.raises(Forbidden) as refused:
        world.enrol(person_id, world.officer("500103"), jurisdiction="500103")
    assert refused.value.field == "person_id"
    assert "500106" not in refused.value.message("zh-CN") + refused.value.message("en")
    assert count(session, Enrolment) == 0
    user = world.factory.user("city_officer", "500100", username="city")
    city = accounts.actor_for(user, source="test")
    assert world.enrol(person_id, city, jurisdiction="500103").jurisdiction_code == "500103"
    other_id, other = world.worker(residence="500106")
    assert world.enrol(other_id, other, jurisdiction="500103").person_id == other_id


def test_a_second_enrolment_refused_to_another_regions_officer_names_no_place(world):
    """A city officer of 重庆 may enrol a Chongqing resident, but their enrolment in 武汉 is not
    the officer's to read: the refusal says there is one, not where or which."""
    person_id, me = world.worker(residence="500106")
    world.enrol(person_id, me, jurisdiction="420106")
    city = accounts.actor_for(world.factory.user("city_officer", "500100"), source="t")
    with pytest.raises(AlreadyEnrolled) as raised:
        world.enrol(person_id, city, jurisdiction="500103")
    message = raised.value.message("en")
    assert "420106" not in message
    assert "another region" in message
