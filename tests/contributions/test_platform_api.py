"""A platform's agreements, payments and tokens over the API: the same agreement twice is one,
a missing term is named, the platform pays what it owes once per key, and a rotated or revoked
token stops working."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from flexcover.contributions.models import PlatformAgreement, PlatformPayment
from flexcover.ledger.service import AccountRef, balance, verify
from flexcover.registry.models import PlatformRequest, PlatformWorker
from tests.conftest import count
from tests.contributions.conftest import JAN
from tests.web.conftest import app_on, bearer

TODAY = date(2026, 1, 15)


@pytest.fixture
def platform(factory):
    return factory.platform()


@pytest.fixture
def token(factory, platform):
    return factory.token(
        factory.user("platform", "500103", username="plat", platform_id=platform.id)
    )


@pytest.fixture
def client(settings, database, rulebook):
    with TestClient(app_on(TODAY, settings, database, rulebook)) as client:
        yield client


def agree(client, platform, token, body, key=None):
    headers = {**bearer(token), **({"Idempotency-Key": key} if key else {})}
    return client.post(f"/api/v1/platforms/{platform.id}/agreements", json=body, headers=headers)


def test_the_same_agreement_posted_twice_makes_one(client, platform, token, session):
    first = agree(client, platform, token, {"share_bp": 3000, "from_month": "2026-02"})
    again = agree(client, platform, token, {"share_bp": 3000, "from_month": "2026-02"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    other = agree(client, platform, token, {"share_bp": 2000, "from_month": "2026-02"})
    assert (other.status_code, other.json()["code"]) == (409, "agreement_conflict")
    assert count(session, PlatformAgreement) == 1


def test_a_later_agreement_supersedes_the_one_in_force(client, platform, token, session):
    agree(client, platform, token, {"share_bp": 3000, "from_month": "2026-02"})
    later = agree(client, platform, token, {"fixed_yuan": "200", "from_month": "2026-06"})
    assert later.status_code == 201
    agreements = session.scalars(select(PlatformAgreement).order_by(PlatformAgreement.id)).all()
    assert [(a.from_month, a.until_month) for a in agreements] == [
        ("2026-02", "2026-05"),
        ("2026-06", None),
    ]


def test_a_body_with_neither_share_nor_amount_says_what_is_missing(client, platform, token):
    answer = agree(client, platform, token, {"from_month": "2026-02"})
    body = answer.json()
    assert (answer.status_code, body["pointer"]) == (400, "/share_bp")
    assert "share_bp" in body["detail"]
    assert "fixed_yuan" in body["detail"]
    assert "missing" in body["detail"]


def test_an_agreement_key_replays_and_refuses_another_body(client, platform, token, session):
    first = agree(client, platform, token, {"share_bp": 3000, "from_month": "2026-02"}, "a-1")
    replay = agree(client, platform, token, {"share_bp": 3000, "from_month": "2026-02"}, "a-1")
    assert (replay.status_code, replay.json()) == (201, first.json())
    changed = agree(client, platform, token, {"share_bp": 100, "from_month": "2026-02"}, "a-1")
    assert changed.status_code == 422
    invalid = client.post(
        f"/api/v1/platforms/{platform.id}/agreements",
        content=b"{oops",
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert (invalid.status_code, invalid.json()["code"]) == (400, "unreadable_body")


def test_a_platform_pays_what_it_owes_once(client, platform, token, world, session):
    person_id, _ = world.worker()
    world.enrol(person_id)
    with world.database.unit_of_work() as work:
        work.add(PlatformWorker(platform_id=platform.id, person_id=person_id, from_month="2026-01"))
        work.add(PlatformAgreement(platform_id=platform.id, share_bp=3000, from_month="2026-01"))
    world.settle(JAN)
    owed = AccountRef("platform_payable", "500103", platform_id=platform.id)
    assert balance(session=session, ref=owed) == 27318
    path = f"/api/v1/platforms/{platform.id}/payments"
    too_much = client.post(
        path, json={"amount_yuan": "500"}, headers={**bearer(token), "Idempotency-Key": "p-0"}
    )
    assert (too_much.status_code, too_much.json()["code"]) == (400, "overpayment")
    headers = {**bearer(token), "Idempotency-Key": "p-1"}
    paid = client.post(path, json={"amount_yuan": "273.18"}, headers=headers)
    again = client.post(path, json={"amount_yuan": "273.18"}, headers=headers)
    assert (paid.status_code, again.status_code) == (201, 201)
    assert again.json() == paid.json()
    assert count(session, PlatformPayment) == 1
    assert balance(session=session, ref=owed) == 0
    assert verify(session=session) == []
    unkeyed = client.post(path, json={"amount_yuan": "1"}, headers=bearer(token))
    assert unkeyed.status_code == 422  # a payment always carries its key
    logged = {
        tuple(row)
        for row in session.execute(select(PlatformRequest.operation, PlatformRequest.status))
    }
    assert {("payment", 400), ("payment", 201)} <= logged  # refused and accepted writes


def test_a_rotated_token_stops_working_and_the_new_one_works(client, platform, token):
    rotated = client.post("/api/v1/tokens/rotate", headers=bearer(token))
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()["token"]
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(new)).status_code == 200


def test_a_revoked_token_authenticates_nothing(client, platform, token, session, factory):
    from flexcover.registry.models import ApiToken

    [stored] = session.scalars(select(ApiToken)).all()
    revoked = client.post(f"/api/v1/tokens/{stored.id}/revoke", headers=bearer(token))
    assert revoked.status_code == 204
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_the_platform_page_shows_roster_money_tokens_and_refused_rows(
    client, platform, token, session
):
    from tests.registry.test_roster_api import row
    from tests.web.conftest import log_in

    client.post(
        f"/api/v1/platforms/{platform.id}/workers",
        json=[row(301), row(303, id_number="12345")],
        headers=bearer(token),
    )
    client.post(f"/api/v1/platforms/{platform.id}/workers", json=[row(301)], headers=bearer(token))
    agree(client, platform, token, {"share_bp": 3000, "from_month": "2026-02"})
    client.cookies.clear()
    assert log_in(client, "plat").status_code == 303
    page = client.get("/platform").text
    assert "王芳" in page
    assert "500103********" in page
    assert "30.0%" in page  # the agreement
    assert "当前应缴 0.00 元" in page
    assert "第 2 行：invalid_id_format /2/id_number" in page  # what the strict request refused
    assert "12345" not in page
    from flexcover.registry.models import ApiToken

    [stored] = session.scalars(select(ApiToken)).all()
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    rotated = client.post(f"/platform/tokens/{stored.id}/rotate", data={"csrf": csrf})
    new = rotated.text.split('data-testid="new-token-value">')[1].split("<")[0]
    assert new.startswith("fct_")
    assert new not in client.get("/platform").text  # shown once, then only its prefix
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(new)).status_code == 200


def test_the_revoke_button_on_the_platform_page_ends_a_token(client, platform, token, session):
    from flexcover.registry.models import ApiToken
    from tests.web.conftest import log_in

    client.cookies.clear()
    assert log_in(client, "plat").status_code == 303
    page = client.get("/platform").text
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    [stored] = session.scalars(select(ApiToken)).all()
    assert f'action="/platform/tokens/{stored.id}/revoke"' in page
    no_csrf = client.post(f"/platform/tokens/{stored.id}/revoke", data={"csrf": "forged"})
    assert no_csrf.status_code == 403
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    revoked = client.post(
        f"/platform/tokens/{stored.id}/revoke", data={"csrf": csrf}, follow_redirects=False
    )
    assert (revoked.status_code, revoked.headers["location"]) == (303, "/platform?done=revoked")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
