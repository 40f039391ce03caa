"""What every agency system has for its staff: finding a person by resident ID (through the keyed
hash) or name inside one's region, the person's whole page, audited; passwords changed and reset,
logins locked after repeated wrong passwords, an administrator's page of logins; the audit log
for auditors, filtered and exported."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from argon2.profiles import CHEAPEST
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from flexcover.kit.audit import AuditEntry
from flexcover.kit.database import utc_now
from flexcover.kit.months import Month
from flexcover.registry import accounts
from flexcover.registry.accounts import MAX_FAILED_LOGINS
from flexcover.registry.models import LoginSession, User
from tests.conftest import PASSWORD, make_id
from tests.web.conftest import app_on, log_in

TODAY = date(2026, 1, 15)


@pytest.fixture
def world(database, factory, rulebook):
    from tests.contributions.conftest import World

    return World(database, factory, rulebook)


@pytest.fixture
def app(settings, database, rulebook):
    return app_on(TODAY, settings, database, rulebook)


def csrf(client, path="/staff") -> str:
    return client.get(path).text.split('name="csrf" value="')[1].split('"')[0]


def audits(session, action):
    session.expire_all()
    return session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


# --- 13: finding a person ---------------------------------------------------------------------


def test_an_officer_finds_a_person_by_resident_id_through_the_hash(client, factory, session):
    number = make_id(sequence=501)
    person = factory.person(id_number=number, name="陈静")
    factory.user("district_officer", "500103", username="officer")
    log_in(client, "officer")
    found = client.get(f"/staff/people?q={number}")
    assert found.status_code == 200
    assert f'href="/staff/people/{person.id}"' in found.text
    assert number not in found.text  # the number searched for is not shown back
    [search] = audits(session, "person.search")
    assert search.details == {"by": "id_number", "people": [person.id]}
    assert number not in str(search.details)
    bad = client.get("/staff/people?q=500103199003071230")  # wrong check character
    assert bad.status_code == 400


def test_a_person_outside_the_region_is_not_found_by_id_or_name(client, factory, session):
    number = make_id(sequence=503)
    factory.person(id_number=number, name="陈静", residence="500106")
    factory.user("district_officer", "500103", username="officer")
    log_in(client, "officer")
    by_id = client.get(f"/staff/people?q={number}")
    assert "本辖区没有符合的人员" in by_id.text
    assert "陈静" not in by_id.text
    assert "陈静" not in client.get("/staff/people?q=陈").text


def test_a_search_by_name_finds_the_beginning_of_a_name_only_in_region(client, factory, session):
    factory.person(name="陈静")
    factory.person(name="陈静怡")
    factory.person(name="王陈")
    factory.user("district_officer", "500103", username="officer")
    log_in(client, "officer")
    page = client.get("/staff/people?q=陈静").text
    assert "陈静怡" in page
    assert "王陈" not in page
    assert "找到 2 人" in page
    assert "找到 0 人" in client.get("/staff/people?q=%25").text  # wildcards taken literally


def test_the_person_page_shows_enrolments_bills_record_tasks_and_is_audited(
    client, factory, session, world
):
    person_id, _ = world.worker()
    world.enrol(person_id)
    world.settle(Month(2026, 1))
    factory.user("district_officer", "500103", username="officer")
    log_in(client, "officer")
    page = client.get(f"/staff/people/{person_id}")
    assert page.status_code == 200
    for section in ("person-enrolments", "person-bills", "person-subsidies", "person-tasks"):
        assert f'data-testid="{section}"' in page.text
    assert "2026-01" in page.text
    assert "910.60" in page.text
    assert [e.entity_id for e in audits(session, "person.read")] == [str(person_id)]
    other = factory.person(residence="500106")
    assert client.get(f"/staff/people/{other.id}").status_code == 403


# --- 14: passwords, lockout, the administrator's page -----------------------------------------


def test_twelve_wrong_passwords_lock_the_login_and_the_right_one_waits(client, factory, session):
    factory.user("district_officer", "500103", username="officer")
    answers = [log_in(client, "officer", f"wrong {i}").status_code for i in range(12)]
    assert answers[: MAX_FAILED_LOGINS - 1] == [401] * (MAX_FAILED_LOGINS - 1)
    assert answers[MAX_FAILED_LOGINS - 1 :] == [429] * (12 - MAX_FAILED_LOGINS + 1)
    right = log_in(client, "officer")
    assert right.status_code == 429
    assert "连续输错密码次数过多" in right.text
    assert "flexcover_session" not in right.cookies
    assert len(audits(session, "user.login_locked")) == 1
    # When the lock has passed, the right password works again.
    with factory.database.unit_of_work() as work:
        work.execute(update(User).values(locked_until=utc_now() - timedelta(seconds=1)))
    assert log_in(client, "officer").status_code == 303


def test_one_address_trying_many_logins_is_throttled(client, factory):
    for i in range(30):
        log_in(client, f"nobody{i}", "guess")
    factory.user("district_officer", "500103", username="officer")
    assert log_in(client, "officer").status_code == 429


def test_everyone_changes_their_own_password_and_other_sessions_end(client, app, factory, session):
    factory.user("district_officer", "500103", username="officer")
    with TestClient(app) as elsewhere:
        log_in(elsewhere, "officer")
        log_in(client, "officer")
        token = csrf(client, "/account/password")
        wrong = client.post(
            "/account/password",
            data={
                "csrf": token,
                "current_password": "not it",
                "new_password": "a new long secret",
                "confirm_password": "a new long secret",
            },
        )
        assert wrong.status_code == 401
        changed = client.post(
            "/account/password",
            data={
                "csrf": token,
                "current_password": PASSWORD,
                "new_password": "a new long secret",
                "confirm_password": "a new long secret",
            },
            follow_redirects=False,
        )
        assert changed.headers["location"] == "/account/password?done=1"
        assert client.get("/staff", follow_redirects=False).status_code == 200  # this one stays
        assert elsewhere.get("/staff", follow_redirects=False).status_code == 303  # ended
    client.cookies.clear()
    assert log_in(client, "officer").status_code == 401
    assert log_in(client, "officer", "a new long secret").status_code == 303


def test_an_administrator_creates_disables_and_resets_logins(client, factory, session):
    factory.user("admin", "500000", username="admin1")
    log_in(client, "admin1")
    page = client.get("/staff/users")
    assert page.status_code == 200
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    created = client.post(
        "/staff/users",
        data={
            "csrf": token,
            "username": "newofficer",
            "role": "district_officer",
            "region_code": "500103",
            "password": "temporary secret",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    outside = client.post(
        "/staff/users",
        data={
            "csrf": token,
            "username": "faraway",
            "role": "district_officer",
            "region_code": "420106",
            "password": "temporary secret",
        },
    )
    assert outside.status_code == 403
    user = session.scalars(select(User).where(User.username == "newofficer")).one()
    moved = client.post(
        f"/staff/users/{user.id}",
        data={"csrf": token, "role": "city_officer", "region_code": "500100", "active": "yes"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    session.expire_all()
    assert (session.get(User, user.id).role, session.get(User, user.id).region_code) == (
        "city_officer",
        "500100",
    )
    reset = client.post(
        f"/staff/users/{user.id}/password",
        data={"csrf": token, "password": "reset to this one"},
        follow_redirects=False,
    )
    assert reset.status_code == 303
    with TestClient(client.app) as them:
        first = log_in(them, "newofficer", "reset to this one")
        assert first.headers["location"] == "/account/password?first=1"
    client.post(f"/staff/users/{user.id}", data={"csrf": token, "active": "no"})
    session.expire_all()
    assert not session.get(User, user.id).active
    assert all(
        s.ended_at
        for s in session.scalars(select(LoginSession).where(LoginSession.user_id == user.id))
    )
    with TestClient(client.app) as them:
        assert log_in(them, "newofficer", "reset to this one").status_code == 401
    assert {e.action for e in session.scalars(select(AuditEntry))} >= {
        "user.create",
        "user.update",
        "user.password_reset",
    }


def test_a_district_officer_has_no_logins_page(client, factory):
    factory.user("district_officer", "500103", username="officer")
    log_in(client, "officer")
    assert client.get("/staff/users").status_code == 403


def test_an_admin_cannot_give_a_platform_of_another_region_a_login(factory, session):
    from flexcover.kit.problems import Forbidden
    from flexcover.registry import accounts
    from flexcover.registry.schemas import UserIn

    admin = factory.user("admin", "500103", username="district-admin")
    platform = factory.platform(region="420106")
    with pytest.raises(Forbidden), factory.database.unit_of_work() as work:
        accounts.create_user(
            session=work,
            actor=accounts.actor_for(admin, source="test"),
            user=UserIn(
                username="plat-x",
                password="long enough pass",
                role="platform",
                region_code="500103",
                platform_id=platform.id,
            ),
        )
    assert session.scalars(select(User).where(User.username == "plat-x")).first() is None


def test_an_admin_cannot_mint_a_token_for_a_platform_login_of_another_district(
    client, factory, session
):
    from flexcover.registry.models import ApiToken

    admin = factory.user("admin", "500103", username="district-admin")
    platform = factory.platform(region="500106")
    login = factory.user("platform", "500106", username="plat-500106", platform_id=platform.id)
    admin_token = factory.token(admin)
    minted = client.post(
        f"/api/v1/users/{login.id}/tokens",
        json={"label": "stolen"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert minted.status_code == 403
    assert minted.headers["content-type"].startswith("application/problem+json")
    assert "token" not in minted.json()
    session.expire_all()
    assert session.scalars(select(ApiToken).where(ApiToken.user_id == login.id)).first() is None


def test_a_platform_login_is_minted_tokens_only_by_who_may_manage_its_platform(factory, session):
    """A login placed in the admin's district but bound to a platform of another district (a
    city administrator may create one) is still that platform's: its tokens are not theirs to
    mint or rotate."""
    from flexcover.kit.problems import Forbidden
    from flexcover.registry.models import ApiToken

    admin = factory.user("admin", "500103", username="district-admin")
    platform = factory.platform(region="500106")
    login = factory.user("platform", "500103", username="plat-in-103", platform_id=platform.id)
    factory.token(login)
    existing = session.scalars(select(ApiToken).where(ApiToken.user_id == login.id)).one()
    actor = accounts.actor_for(admin, source="test")
    with pytest.raises(Forbidden), factory.database.unit_of_work() as work:
        accounts.issue_api_token(session=work, actor=actor, user_id=login.id, label="stolen")
    with pytest.raises(Forbidden), factory.database.unit_of_work() as work:
        accounts.rotate_token(session=work, actor=actor, token_id=existing.id)
    session.expire_all()
    assert session.scalars(select(ApiToken).where(ApiToken.user_id == login.id)).all() == [existing]


# --- 15: the audit log ------------------------------------------------------------------------


def test_an_auditor_reads_filters_and_exports_the_audit_log_of_their_region(
    client, factory, session
):
    officer = factory.user("district_officer", "500103", username="officer")
    factory.user("district_officer", "420106", username="wuhan-officer")
    factory.user("auditor", "500000", username="auditor")
    person = factory.person(name='=HYPERLINK("x")')
    for who in ("officer", "wuhan-officer"):
        with TestClient(client.app) as them:
            log_in(them, who)
            them.get(f"/staff/people/{person.id}")
    log_in(client, "auditor")
    page = client.get("/staff/audit?action=person.")
    assert page.status_code == 200
    assert "officer" in page.text
    assert "wuhan-officer" not in page.text  # another province's staff
    only = client.get("/staff/audit?who=officer&action=user.login").text
    assert "user.login" in only
    exported = client.get("/staff/audit.csv?action=person.")
    assert exported.status_code == 200
    lines = exported.text.splitlines()
    assert lines[0].startswith("at,actor,actor_role,actor_region,action")
    assert any(",officer,district_officer,500103,person.read," in line for line in lines)
    assert not any("wuhan-officer" in line for line in lines)
    assert audits(session, "audit.export")
    assert officer.id  # the officer's reads were audited, and now read by the auditor


def test_only_auditors_and_administrators_read_the_audit_log(client, factory):
    factory.user("district_officer", "500103", username="officer")
    log_in(client, "officer")
    assert client.get("/staff/audit").status_code == 403
    assert client.get("/staff/audit.csv").status_code == 403


def test_spreadsheet_formulas_in_exported_cells_are_neutralised():
    from flexcover.kit.audit import safe_cell

    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("+86") == "'+86"
    assert safe_cell("@SUM") == "'@SUM"
    assert safe_cell("张伟") == "张伟"


def test_the_server_hashes_passwords_with_rfc_9106_argon2id(factory, session):
    """Outside the test suite (which hashes at argon2's cheapest) passwords get Argon2id with
    64 MiB, three passes and four lanes, and such a hash verifies at a login."""
    accounts.use_password_parameters(accounts.PRODUCTION_PARAMETERS)
    try:
        user = factory.user("district_officer", "500103", username="real-hash")
    finally:
        accounts.use_password_parameters(CHEAPEST)
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    with factory.database.unit_of_work() as work:
        assert accounts.authenticate(session=work, username="real-hash", password=PASSWORD)


def test_at_most_two_passwords_are_hashed_at_once(inspection_engine, monkeypatch):
    """Each Argon2 hash takes 64 MiB: eight logins arriving together are checked two at a
    time, not eight. (Their sessions are plain reads: SQLite's units of work take its one
    write lock and would run one at a time anyway; PostgreSQL's do not.)"""
    from sqlalchemy.orm import Session

    from flexcover.registry.problems import InvalidCredentials

    class CountingHasher:
        def __init__(self) -> None:
            self.lock, self.inside, self.most = threading.Lock(), 0, 0

        def verify(self, password_hash: str, password: str) -> bool:
            with self.lock:
                self.inside += 1
                self.most = max(self.most, self.inside)
            time.sleep(0.2)
            with self.lock:
                self.inside -= 1
            return False

    hasher = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", hasher)

    def log_in_as(number: int) -> None:
        with Session(inspection_engine) as work, pytest.raises(InvalidCredentials):
            accounts.authenticate(session=work, username=f"nobody{number}", password="guess")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(log_in_as, range(8)))
    assert hasher.most == 2


def test_an_expired_token_and_a_login_past_its_last_day_stop_working(client, factory, session):
    from flexcover.registry.models import ApiToken

    officer = factory.user("district_officer", "500103", username="temp")
    token = factory.token(officer)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    session.execute(update(ApiToken).values(expires_at=utc_now() - timedelta(seconds=1)))
    session.commit()
    expired = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401
    assert log_in(client, "temp").status_code == 303
    session.execute(update(User).values(expires_at=utc_now() - timedelta(seconds=1)))
    session.commit()
    assert client.get("/staff", follow_redirects=False).status_code == 303  # the session ends
    assert log_in(client, "temp").status_code == 401


def test_an_administrator_sets_a_logins_last_day_on_the_page(client, factory, session):
    factory.user("admin", "500103", username="boss")
    officer = factory.user("district_officer", "500103", username="temp")
    log_in(client, "boss")
    page = client.get("/staff/users")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    saved = client.post(
        f"/staff/users/{officer.id}",
        data={"csrf": csrf, "last_day": "2027-01-31"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    session.expire_all()
    assert session.get(User, officer.id).expires_at is not None
    assert "有效至 2027-02-01" in client.get("/staff/users").text
    wrong = client.post(f"/staff/users/{officer.id}", data={"csrf": csrf, "last_day": "2027-02-30"})
    assert wrong.status_code == 422
    session.expire_all()
    assert session.get(User, officer.id).expires_at.date().isoformat() == "2027-01-31"  # UTC
