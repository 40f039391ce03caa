"""What no request may do to the server: bodies past their bound, NULs, bodies the framework
cannot parse, forged forwarding headers; and the browser protections on every response."""

from __future__ import annotations

import gzip
import json

import httpx2 as httpx
import pytest
from sqlalchemy import select

from flexcover.kit.audit import AuditEntry
from flexcover.web.guard import LARGE_BODY_BYTES, SMALL_BODY_BYTES
from tests.conftest import PASSWORD
from tests.web.conftest import bearer, log_in

CALC = "/api/v1/calc/contribution"
QUOTE = {"jurisdiction": "500103", "month": "2026-01", "base_yuan": "4404.00"}


def test_a_body_past_its_bound_is_refused_before_it_is_read(client):
    big = b'{"x": "' + b"a" * SMALL_BODY_BYTES + b'"}'
    response = client.post(CALC, content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "request_too_large"


def test_a_streamed_body_without_a_length_is_cut_off_at_its_bound(client):
    def chunks():
        for _ in range(SMALL_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    response = client.post(CALC, content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_uploads_and_bulk_writes_get_the_larger_bound(client, factory):
    platform = factory.platform()
    token = factory.token(factory.user("platform", "500103", platform_id=platform.id))
    # Past the small bound and inside the large one: it reaches the endpoint (which refuses
    # the rows themselves), not the guard.
    rows = "\n".join(json.dumps({"id_number": "x" * 30, "name": "张三"}) for _ in range(40_000))
    assert SMALL_BODY_BYTES < len(rows) < LARGE_BODY_BYTES
    response = client.post(
        f"/api/v1/platforms/{platform.id}/workers?mode=partial",
        content=rows.encode(),
        headers={**bearer(token), "content-type": "application/x-ndjson"},
    )
    assert response.status_code != 413, response.text


@pytest.mark.parametrize(
    "path",
    ["/api/v1/jurisdictions?q=%00", "/staff/people?q=a%00b", "/api/v1/people/1%00"],
)
def test_a_nul_in_the_address_is_refused(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_address"


def test_a_nul_in_a_login_name_is_a_wrong_login_not_an_error(client, session):
    response = log_in(client, "officer\x00", "whatever")
    assert response.status_code == 401
    recorded = session.scalars(
        select(AuditEntry.actor).where(AuditEntry.action == "user.login_failed")
    )
    assert "\x00" not in "".join(recorded)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"jurisdiction": "\xff\xfe"}', "application/json"),  # not UTF-8
        (b"[" * 2000 + b"]" * 2000, "application/json"),  # nested past the parser's depth
        ('{"jurisdiction": "渝"}'.encode(), "application/json; charset=latin-1"),
        (b"--x\r\n", "multipart/form-data"),  # no boundary
        (gzip.compress(b"{}", mtime=0), "application/json"),  # compressed without saying so
    ],
    ids=["not-utf8", "nested-2000", "latin-1", "no-boundary", "gzip-unannounced"],
)
def test_bodies_the_framework_cannot_parse_are_4xx_problems(client, body, content_type):
    response = client.post(CALC, content=body, headers={"content-type": content_type})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "path",
    [
        "/staff/tasks/99999999999999999999",
        "/staff/subsidies/9223372036854775808",
        "/api/v1/people/99999999999999999999",
        "/api/v1/tasks/9223372036854775808",
    ],
)
def test_ids_past_the_databases_integers_are_refused(client, factory, path):
    factory.user("district_officer", "500103", username="officer")
    log_in(client, "officer")
    response = client.post(path) if "subsidies" in path else client.get(path)
    assert 400 <= response.status_code < 500, response.text


def test_full_width_digits_in_a_resident_id_are_refused(client, factory):
    officer = factory.token(factory.user("district_officer", "500103"))
    response = client.post(
        "/api/v1/people",
        json={
            "id_number": "５００１０３１９９００３０７１２３Ｘ",
            "name": "张三",
            "residence_code": "500103",
        },
        headers=bearer(officer),
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid_id_format")
    assert response.json()["pointer"] == "/id_number"


def test_full_width_digits_in_a_phone_are_refused(client, factory):
    officer = factory.token(factory.user("district_officer", "500103"))
    response = client.post(
        "/api/v1/people",
        json={
            "id_number": "50010319900307123X",
            "name": "张三",
            "residence_code": "500103",
            "phone": "１３８００１３８０００",
        },
        headers=bearer(officer),
    )
    assert response.status_code == 422
    assert "phone" in response.text


def test_every_response_carries_the_browser_protections(client):
    for response in (client.get("/login"), client.get("/api/v1/health"), client.get("/nowhere")):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert "strict-transport-security" not in response.headers  # plain HTTP: no HSTS


def test_hsts_over_https(app):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as secure:
        response = secure.get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_forwarded_headers_are_believed_only_from_configured_proxies(live_server, factory, session):
    """The audit records the peer's address, not what an X-Forwarded-For claims, unless the
    peer is a configured proxy (FLEXCOVER_TRUSTED_PROXIES)."""
    factory.user("district_officer", "500103", username="officer")
    httpx.post(
        f"{live_server}/login",
        data={"username": "officer", "password": "wrong", "next": "/"},
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
    )
    session.expire_all()
    failure = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "user.login_failed")
    ).one()
    assert failure.source == "127.0.0.1"


def test_cookie_authenticated_api_writes_must_come_from_this_site(client, factory, session):
    """The page cookie travels with a form posted from any site: an API write it authenticates
    needs the session's CSRF token in X-CSRF-Token, or an Origin that is ours."""
    factory.user("district_officer", "500103", username="officer")
    assert log_in(client, "officer").status_code == 303
    body = {"outcome": "contacted"}
    evil = client.post(
        "/api/v1/tasks/1/outcome", json=body, headers={"Origin": "https://evil.example"}
    )
    assert (evil.status_code, evil.json()["code"]) == (403, "invalid_csrf_token")
    bare = client.post("/api/v1/tasks/1/outcome", json=body)
    assert bare.status_code == 403
    ours = client.post(
        "/api/v1/tasks/1/outcome", json=body, headers={"Origin": "http://testserver"}
    )
    assert ours.status_code == 404  # past the check: there is no task 1
    token = client.get("/staff").text.split('name="csrf" value="')[1].split('"')[0]
    echoed = client.post("/api/v1/tasks/1/outcome", json=body, headers={"X-CSRF-Token": token})
    assert echoed.status_code == 404
    assert client.get("/api/v1/me").status_code == 200  # reads need neither


def test_a_login_form_posted_from_another_site_is_refused(client, factory):
    factory.user("district_officer", "500103", username="officer")
    refused = client.post(
        "/login",
        data={"username": "officer", "password": PASSWORD, "next": "/"},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert "flexcover_session" not in refused.cookies
