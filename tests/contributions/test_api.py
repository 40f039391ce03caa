"""The contributions API: every action over HTTP, and its bad inputs answered with problem+json
and nothing written."""

import threading
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from flexcover.contributions.models import ContributionBill, Enrolment, Payment
from flexcover.ledger.models import JournalEntry
from tests.conftest import count
from tests.contributions.conftest import JAN
from tests.web.conftest import app_on, bearer


@pytest.fixture
def app(settings, database, rulebook):
    return app_on(date(2026, 1, 15), settings, database, rulebook)


@pytest.fixture
def me(world, factory):
    person_id, _ = world.worker()
    from flexcover.registry.models import User

    with world.database.sessions() as session:
        user = session.scalars(select(User).where(User.person_id == person_id)).one()
    return person_id, factory.token(user)


def enrol(client, person_id, token, **changes):
    body = {
        "person_id": person_id,
        "scheme": "employee_pension",
        "jurisdiction": "500103",
        "first_month": "2026-01",
        "base_yuan": "4553.00",
        **changes,
    }
    return client.post("/api/v1/enrolments", json=body, headers=bearer(token))


def test_a_worker_enrols_changes_base_pays_and_reads_the_record(client, me, world, session):
    person_id, token = me
    created = enrol(client, person_id, token)
    assert created.status_code == 201, created.text
    enrolment_id = created.json()["id"]
    changed = client.post(
        f"/api/v1/enrolments/{enrolment_id}/base",
        json={"from_month": "2026-02", "base_yuan": "6000"},
        headers=bearer(token),
    )
    assert changed.status_code == 200, changed.text
    world.settle(JAN)
    paid = client.post(
        f"/api/v1/people/{person_id}/payments",
        json={"amount_yuan": "910.60"},
        headers={**bearer(token), "Idempotency-Key": "k-1"},
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["bills_paid"] == ["2026-01"]
    record = client.get(f"/api/v1/people/{person_id}/record", headers=bearer(token)).json()
    pension = record["schemes"][0]
    assert (pension["contribution_months"], pension["personal_account_fen"]) == (1, 36424)
    csv = client.get(f"/api/v1/people/{person_id}/record.csv", headers=bearer(token))
    assert csv.text.splitlines()[1].startswith(
        "2026-01,employee_pension,regular,paid,500103,4553.00"
    )


@pytest.mark.parametrize(
    ("changes", "status", "code", "pointer"),
    [
        ({"base_yuan": "100"}, 400, "base_out_of_range", "/base_yuan"),
        ({"base_yuan": "4553.001"}, 400, "invalid_amount", "/base_yuan"),
        ({"first_month": "2025-12"}, 400, "month_not_allowed", "/first_month"),
        ({"jurisdiction": "500000"}, 400, "wrong_jurisdiction_level", "/jurisdiction"),
        ({"scheme": "employee_dental"}, 422, "validation_failed", "/scheme"),
        (
            {"payment_frequency": "semiannual"},
            400,
            "payment_frequency_not_allowed",
            "/payment_frequency",
        ),
    ],
)
def test_bad_enrolments(client, me, session, changes, status, code, pointer):
    person_id, token = me
    response = enrol(client, person_id, token, **changes)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json()["code"], response.json()["pointer"]) == (code, pointer)
    assert count(session, Enrolment) == 0


def test_a_second_enrolment_and_a_too_frequent_base_change(client, me, session):
    person_id, token = me
    enrolment_id = enrol(client, person_id, token).json()["id"]
    again = enrol(client, person_id, token, jurisdiction="420106")
    assert (again.status_code, again.json()["code"]) == (409, "already_enrolled")
    first = client.post(
        f"/api/v1/enrolments/{enrolment_id}/base",
        json={"from_month": "2026-02", "base_yuan": "6000"},
        headers=bearer(token),
    )
    assert first.status_code == 200
    second = client.post(
        f"/api/v1/enrolments/{enrolment_id}/base",
        json={"from_month": "2026-05", "base_yuan": "7000"},
        headers=bearer(token),
    )
    assert (second.status_code, second.json()["code"]) == (409, "base_change_not_allowed")


def test_paying_twice_someone_elses_or_without_a_key(client, me, world, session, factory):
    person_id, token = me
    enrol(client, person_id, token)
    world.settle(JAN)
    headers = {**bearer(token), "Idempotency-Key": "once"}
    assert (
        client.post(
            f"/api/v1/people/{person_id}/payments", json={"amount_yuan": "910.60"}, headers=headers
        ).status_code
        == 201
    )
    replay = client.post(
        f"/api/v1/people/{person_id}/payments", json={"amount_yuan": "910.60"}, headers=headers
    )
    assert replay.status_code == 201
    assert count(session, Payment) == 1
    again = client.post(
        f"/api/v1/people/{person_id}/payments",
        json={"amount_yuan": "910.60"},
        headers={**bearer(token), "Idempotency-Key": "twice"},
    )
    assert (again.status_code, again.json()["code"]) == (409, "nothing_to_pay")
    missing = client.post(
        f"/api/v1/people/{person_id}/payments", json={"amount_yuan": "1"}, headers=bearer(token)
    )
    assert (missing.status_code, missing.json()["pointer"]) == (422, "/Idempotency-Key")
    other_id, _ = world.worker()
    theirs = client.post(
        f"/api/v1/people/{other_id}/payments",
        json={"amount_yuan": "1"},
        headers={**bearer(token), "Idempotency-Key": "x"},
    )
    assert theirs.status_code == 403


def test_fifty_identical_payment_requests_at_once_make_one_payment(
    app, me, world, session, database
):
    if database.url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    person_id, token = me
    with TestClient(app) as client:
        enrol(client, person_id, token)
    world.settle(JAN)
    results = []

    def one_request():
        with TestClient(app) as client:
            response = client.post(
                f"/api/v1/people/{person_id}/payments",
                json={"amount_yuan": "910.60"},
                headers={**bearer(token), "Idempotency-Key": "same"},
            )
            results.append(response.status_code)

    threads = [threading.Thread(target=one_request) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [201] * 50
    assert count(session, Payment) == 1
    payments = session.scalar(
        select(func.count()).select_from(JournalEntry).where(JournalEntry.kind == "payment")
    )
    assert payments == 1
    assert session.scalars(select(ContributionBill.status)).all() == ["paid"]


def test_subsidy_application_review_over_http(client, me, factory, world):
    person_id, token = me
    enrol(client, person_id, token)
    maker = factory.token(factory.user("district_officer", "500103", username="maker"))
    checker = factory.token(factory.user("district_officer", "500103", username="checker"))
    applied = client.post(
        "/api/v1/subsidy-applications",
        json={"person_id": person_id, "category": "difficulty", "certificate": "c-1"},
        headers=bearer(token),
    )
    assert applied.status_code == 201, applied.text
    application_id = applied.json()["id"]
    assert (
        client.post(
            f"/api/v1/subsidy-applications/{application_id}/proposal",
            json={"decision": "approve"},
            headers=bearer(token),
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/subsidy-applications/{application_id}/proposal",
            json={"decision": "approve"},
            headers=bearer(maker),
        ).status_code
        == 200
    )
    same = client.post(
        f"/api/v1/subsidy-applications/{application_id}/decision",
        json={"confirm": True, "first_month": "2026-01"},
        headers=bearer(maker),
    )
    assert (same.status_code, same.json()["code"]) == (409, "subsidy_not_allowed")
    backdated = client.post(
        f"/api/v1/subsidy-applications/{application_id}/decision",
        json={"confirm": True, "first_month": "2025-12"},  # applied for in 2026-01
        headers=bearer(checker),
    )
    assert (backdated.status_code, backdated.json()["pointer"]) == (409, "/first_month")
    assert "2026-01" in backdated.json()["detail"]
    decided = client.post(
        f"/api/v1/subsidy-applications/{application_id}/decision",
        json={"confirm": True, "first_month": "2026-01"},
        headers=bearer(checker),
    )
    assert decided.json()["status"] == "approved"
    assert decided.json()["last_month"] == "2028-12"
    assert decided.json()["applied_month"] == "2026-01"


def test_the_record_as_a_printable_pdf(client, me, world, tmp_path):
    person_id, token = me
    enrol(client, person_id, token)
    world.settle(JAN)
    response = client.get(f"/api/v1/people/{person_id}/record.pdf", headers=bearer(token))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 2000
    (tmp_path / "record.pdf").write_bytes(response.content)
    other_id, _ = world.worker()
    assert (
        client.get(f"/api/v1/people/{other_id}/record.pdf", headers=bearer(token)).status_code
        == 403
    )


def test_a_record_reaches_no_further_than_enrolment_can(client, me):
    person_id, token = me
    far = client.get(f"/api/v1/people/{person_id}/record?through=9999-12", headers=bearer(token))
    assert (far.status_code, far.json()["pointer"]) == (400, "/through")
    assert len(far.content) < 2000
    near = client.get(f"/api/v1/people/{person_id}/record?through=2027-01", headers=bearer(token))
    assert near.status_code == 200
