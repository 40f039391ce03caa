from datetime import date

import pytest

from flexcover.kit.audit import AuditEntry
from flexcover.kit.pagination import PageRequest
from flexcover.kit.problems import Forbidden, NotFound
from flexcover.kit.resident_id import InvalidIdChecksum
from flexcover.registry import accounts, service
from flexcover.registry.models import Person
from flexcover.registry.problems import (
    BirthDateMismatch,
    DuplicatePerson,
    GenderMismatch,
    UnknownJurisdiction,
    WrongJurisdictionLevel,
)
from flexcover.registry.schemas import PersonIn
from tests.conftest import SYSTEM, count, make_id


def register(database, settings, actor=SYSTEM, **fields):
    data = {"id_number": make_id(), "name": "李娜", "residence_code": "500103", **fields}
    with database.unit_of_work() as session:
        return service.register_person(
            session=session, actor=actor, person=PersonIn(**data), id_key=settings.id_hash_key
        )


def test_registration_keeps_what_the_id_says_and_never_the_plain_number(
    database, settings, session
):
    number = make_id(region="420106", birth=date(1988, 5, 20), sequence=457)
    person = register(database, settings, id_number=number, phone="13800138000")
    stored = session.get(Person, person.id)
    assert stored.birth_date == date(1988, 5, 20)
    assert stored.gender == "male"
    assert stored.hukou_code == "420106"
    assert stored.id_masked == "420106********457" + number[-1]
    assert number not in {stored.id_hash, stored.id_masked}
    row = session.query(AuditEntry).filter_by(action="person.register").one()
    assert row.entity_id == str(person.id)
    assert number not in str(row.details)


def test_a_second_registration_of_the_same_id_is_refused(database, settings, session):
    first = register(database, settings)
    with pytest.raises(DuplicatePerson) as raised:
        register(database, settings, name="另一个名字")
    assert raised.value.field == "id_number"
    assert raised.value.params["person_id"] == first.id
    assert count(session, Person) == 1
    assert count(session, AuditEntry) == 1


def test_the_legacy_15_digit_form_is_the_same_person(database, settings):
    register(database, settings, id_number="11010519491231002X")
    with pytest.raises(DuplicatePerson):
        register(database, settings, id_number="110105491231002")


@pytest.mark.parametrize(
    ("fields", "problem", "field"),
    [
        (
            {"id_number": make_id()[:17] + "0" if make_id()[-1] != "0" else make_id()[:17] + "1"},
            InvalidIdChecksum,
            "id_number",
        ),
        ({"birth_date": "1990-03-08"}, BirthDateMismatch, "birth_date"),
        ({"gender": "female"}, GenderMismatch, "gender"),
        ({"residence_code": "999999"}, UnknownJurisdiction, "residence_code"),
        ({"residence_code": "500000"}, WrongJurisdictionLevel, "residence_code"),
        ({"hukou_code": "123456"}, UnknownJurisdiction, "hukou_code"),
    ],
)
def test_bad_registrations_name_the_field_and_write_nothing(
    database, settings, session, fields, problem, field
):
    with pytest.raises(problem) as raised:
        register(database, settings, **fields)
    assert raised.value.field == field
    assert count(session, Person) == 0
    assert count(session, AuditEntry) == 0


def test_an_officer_cannot_register_outside_their_district(database, settings, session, factory):
    officer = factory.user("district_officer", "500106")
    actor = accounts.actor_for(officer, source="test")
    before = count(session, AuditEntry)
    with pytest.raises(Forbidden) as raised:
        register(database, settings, actor=actor, residence_code="500103")
    assert raised.value.field == "residence_code"
    assert count(session, Person) == 0
    assert count(session, AuditEntry) == before


def test_staff_reads_of_a_person_are_audited(database, settings, session, factory):
    person = register(database, settings)
    officer = factory.user("district_officer", "500103")
    with database.unit_of_work() as work:
        service.get_person(
            session=work, actor=accounts.actor_for(officer, source="10.0.0.8"), person_id=person.id
        )
    read = session.query(AuditEntry).filter_by(action="person.read").one()
    assert (read.actor, read.source, read.entity_id) == (
        officer.username,
        "10.0.0.8",
        str(person.id),
    )


def test_reading_someone_outside_the_region_is_refused(database, settings, factory):
    person = register(database, settings, residence_code="500103")
    officer = factory.user("district_officer", "500106")
    with database.unit_of_work() as work, pytest.raises(Forbidden):
        service.get_person(
            session=work, actor=accounts.actor_for(officer, source="t"), person_id=person.id
        )


def test_unknown_person_is_not_found(database):
    with database.unit_of_work() as work, pytest.raises(NotFound):
        service.get_person(session=work, actor=SYSTEM, person_id=404)


def test_bulk_registration_is_all_or_nothing(database, settings, session):
    people = [
        PersonIn(id_number=make_id(sequence=10), name="甲", residence_code="500103"),
        PersonIn(id_number=make_id(sequence=12), name="乙", residence_code="500106"),
        PersonIn(id_number=make_id(sequence=10), name="甲again", residence_code="500103"),
    ]
    with pytest.raises(DuplicatePerson) as raised, database.unit_of_work() as work:
        service.register_people(
            session=work, actor=SYSTEM, people=people, id_key=settings.id_hash_key
        )
    assert raised.value.field == "2.id_number"
    assert count(session, Person) == 0
    with database.unit_of_work() as work:
        ids = service.register_people(
            session=work, actor=SYSTEM, people=people[:2], id_key=settings.id_hash_key
        )
    assert len(ids) == 2
    assert count(session, AuditEntry) == 2


def test_staff_listings_are_audited_with_the_people_shown(database, settings, session, factory):
    shown = register(database, settings)
    officer = factory.user("district_officer", "500103")
    with database.unit_of_work() as work:
        service.list_people(
            session=work,
            actor=accounts.actor_for(officer, source="t"),
            region_code="500103",
            page=PageRequest(),
        )
    row = session.query(AuditEntry).filter_by(action="person.list").one()
    assert row.entity_id == "500103"
    assert row.details["people"] == [shown.id]


def test_a_second_registration_elsewhere_does_not_name_the_persons_id(database, settings, factory):
    """An officer of 沙坪坝 registering someone 渝中 already holds learns that the person is
    registered, not their record's id (which 沙坪坝 may not read)."""
    register(database, settings)
    far = accounts.actor_for(factory.user("district_officer", "500106"), source="t")
    with pytest.raises(DuplicatePerson) as raised:
        register(database, settings, actor=far, residence_code="500106")
    assert raised.value.params["person_id"] == "—"
