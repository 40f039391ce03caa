"""Every state change leaves an audit row in the same transaction: who, what, when, which record,
from where. A change that fails leaves neither the change nor a row.
"""

from datetime import UTC, datetime

import pytest

from flexcover.kit.audit import Actor, AuditEntry
from flexcover.kit.credit_code import credit_check_character
from flexcover.registry import accounts, service
from flexcover.registry.schemas import EmployerIn, PersonIn, PlatformIn, UserIn
from tests.conftest import count, make_id

OFFICE = Actor(user_id=None, username="cli:ops", role="system", region_code=None, source="cli")


def credit(region: str, body: str) -> str:
    first17 = f"91{region}{body}"
    return first17 + credit_check_character(first17)


def person(session, settings):
    return service.register_person(
        session=session,
        actor=OFFICE,
        person=PersonIn(id_number=make_id(), name="赵敏", residence_code="500103"),
        id_key=settings.id_hash_key,
    )


def platform(session, settings):
    return service.register_platform(
        session=session,
        actor=OFFICE,
        platform=PlatformIn(
            name="平台", credit_code=credit("500103", "MA0000001"), region_code="500103"
        ),
    )


def employer(session, settings):
    return service.register_employer(
        session=session,
        actor=OFFICE,
        employer=EmployerIn(
            name="单位", credit_code=credit("500106", "MA0000002"), region_code="500106"
        ),
    )


def user(session, settings):
    return accounts.create_user(
        session=session,
        actor=OFFICE,
        user=UserIn(
            username="ops-officer",
            password="long enough",
            role="district_officer",
            region_code="500103",
        ),
    )


def token(session, settings):
    created = user(session, settings)
    _, issued = accounts.issue_api_token(
        session=session, actor=OFFICE, user_id=created.id, label="x"
    )
    return issued


CHANGES = {
    "person.register": (person, "person"),
    "platform.register": (platform, "platform"),
    "employer.register": (employer, "employer"),
    "user.create": (user, "user"),
    "token.issue": (token, "api_token"),
}


@pytest.mark.parametrize("action", CHANGES)
def test_each_change_writes_who_what_when_which_and_where(database, settings, session, action):
    change, entity = CHANGES[action]
    before = datetime.now(UTC)
    with database.unit_of_work() as work:
        record = change(work, settings)
        record_id = record.id
    row = session.query(AuditEntry).filter_by(action=action).one()
    assert (row.actor, row.actor_role, row.source) == ("cli:ops", "system", "cli")
    assert (row.entity, row.entity_id) == (entity, str(record_id))
    assert before <= row.at <= datetime.now(UTC)


@pytest.mark.parametrize("action", CHANGES)
def test_a_rolled_back_change_leaves_no_row(database, settings, session, action):
    change, _ = CHANGES[action]

    def change_then_fail():
        with database.unit_of_work() as work:
            change(work, settings)
            raise RuntimeError("the request failed after the change")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert count(session, AuditEntry) == 0
