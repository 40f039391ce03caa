"""The JSON API: problem+json for every failure, nothing written on any of them."""

from flexcover.kit.audit import AuditEntry
from flexcover.registry.models import Person, Platform
from tests.conftest import count, make_id
from tests.web.conftest import bearer


def officer_token(factory, region="500103"):
    return factory.token(factory.user("district_officer", region))


def test_health_and_openapi_are_served(client):
    assert client.get("/api/v1/health").json()["status"] == "ok"
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/people" in spec["paths"]


def test_no_token_is_401_problem_json(client, session):
    response = client.get("/api/v1/people/1")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["pointer"] == "/authorization"


def test_a_wrong_or_malformed_token_is_401(client):
    assert client.get("/api/v1/me", headers=bearer("fct_nope")).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_an_officer_registers_a_person_in_their_district(client, factory, session):
    token = officer_token(factory)
    response = client.post(
        "/api/v1/people",
        json={
            "id_number": make_id(),
            "name": "王芳",
            "residence_code": "500103",
            "phone": "13900001111",
        },
        headers=bearer(token),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id_masked"].startswith("500103********")
    assert "id_number" not in body
    assert count(session, Person) == 1
    assert (
        session.query(AuditEntry).filter_by(action="person.register").one().actor
        == "district-officer-500103"
    )


def _refused(client, token, payload, status, code, pointer, session, language="en"):
    before = count(session, AuditEntry)
    response = client.post(
        "/api/v1/people", json=payload, headers={**bearer(token), "Accept-Language": language}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert body["pointer"] == pointer
    assert count(session, Person) == 0
    assert count(session, AuditEntry) == before
    return body


def test_wrong_check_digit(client, factory, session):
    number = make_id()
    wrong = number[:17] + ("1" if number[17] != "1" else "2")
    body = _refused(
        client,
        officer_token(factory),
        {"id_number": wrong, "name": "王芳", "residence_code": "500103"},
        400,
        "invalid_id_checksum",
        "/id_number",
        session,
    )
    assert number[17] in body["detail"]


def test_birth_date_that_does_not_match_the_id(client, factory, session):
    _refused(
        client,
        officer_token(factory),
        {
            "id_number": make_id(),
            "name": "王芳",
            "residence_code": "500103",
            "birth_date": "1991-03-07",
        },
        400,
        "birth_date_mismatch",
        "/birth_date",
        session,
    )


def test_unknown_jurisdiction(client, factory, session):
    _refused(
        client,
        officer_token(factory),
        {"id_number": make_id(), "name": "王芳", "residence_code": "509999"},
        400,
        "unknown_jurisdiction",
        "/residence_code",
        session,
    )


def test_acting_outside_the_region(client, factory, session):
    _refused(
        client,
        officer_token(factory, "500106"),
        {"id_number": make_id(), "name": "王芳", "residence_code": "500103"},
        403,
        "forbidden",
        "/residence_code",
        session,
    )


def test_schema_errors_list_each_field(client, factory, session):
    body = _refused(
        client,
        officer_token(factory),
        {"id_number": make_id(), "phone": "12345"},
        422,
        "validation_failed",
        "/name",
        session,
    )
    assert {error["pointer"] for error in body["errors"]} == {"/phone", "/name", "/residence_code"}


def test_messages_follow_accept_language(client, factory, session):
    body = _refused(
        client,
        officer_token(factory),
        {"id_number": "123", "name": "王芳", "residence_code": "500103"},
        400,
        "invalid_id_format",
        "/id_number",
        session,
        language="zh-CN,zh;q=0.9",
    )
    assert "身份证" in body["title"]


def test_duplicate_person_is_409_and_writes_nothing_more(client, factory, session):
    token = officer_token(factory)
    payload = {"id_number": make_id(), "name": "王芳", "residence_code": "500103"}
    assert client.post("/api/v1/people", json=payload, headers=bearer(token)).status_code == 201
    before = count(session, AuditEntry)
    response = client.post("/api/v1/people", json=payload, headers=bearer(token))
    assert response.status_code == 409
    assert response.json()["pointer"] == "/id_number"
    assert count(session, Person) == 1
    assert count(session, AuditEntry) == before


def test_an_officer_cannot_read_another_districts_person_through_any_url(client, factory):
    other = factory.person(residence="500106")
    mine = factory.person(residence="500103")
    token = officer_token(factory, "500103")
    assert client.get(f"/api/v1/people/{mine.id}", headers=bearer(token)).status_code == 200
    assert client.get(f"/api/v1/people/{other.id}", headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/people?region=500106", headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/people?region=500000", headers=bearer(token)).status_code == 403
    listed = client.get("/api/v1/people", headers=bearer(token)).json()
    assert [person["id"] for person in listed["items"]] == [mine.id]


def test_a_city_officer_sees_every_district_of_the_city(client, factory):
    factory.person(residence="500106")
    factory.person(residence="500103")
    factory.person(residence="500243")  # a county, outside 500100
    token = factory.token(factory.user("city_officer", "500100"))
    assert client.get("/api/v1/people", headers=bearer(token)).json()["total"] == 2


def test_platform_tokens_see_their_own_platform_only(client, factory, session):
    mine = factory.platform(name="甲平台")
    other = factory.platform(name="乙平台")
    token = factory.token(factory.user("platform", "500103", username="p-one", platform_id=mine.id))
    assert (
        client.get(f"/api/v1/platforms/{mine.id}", headers=bearer(token)).json()["name"] == "甲平台"
    )
    assert client.get(f"/api/v1/platforms/{other.id}", headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/people", headers=bearer(token)).status_code == 403


def test_a_province_officer_registers_a_platform_with_a_valid_credit_code(client, factory, session):
    token = factory.token(factory.user("province_officer", "500000"))
    bad = {"name": "平台", "credit_code": "91500103MA00000000", "region_code": "500103"}
    response = client.post("/api/v1/platforms", json=bad, headers=bearer(token))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credit_code"
    assert count(session, Platform) == 0
    from flexcover.kit.credit_code import credit_check_character

    good = dict(
        bad,
        credit_code=bad["credit_code"][:17] + credit_check_character(bad["credit_code"][:17]),
        industries=["mobility"],
    )
    assert client.post("/api/v1/platforms", json=good, headers=bearer(token)).status_code == 201
    again = client.post("/api/v1/platforms", json=good, headers=bearer(token))
    assert again.status_code == 409
    assert count(session, Platform) == 1


def test_unknown_routes_and_methods_are_problem_json(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.delete("/api/v1/health").status_code == 405


def test_only_admins_create_users(client, factory, session):
    officer = officer_token(factory)
    payload = {
        "username": "newbie",
        "password": "long enough",
        "role": "district_officer",
        "region_code": "500103",
    }
    assert client.post("/api/v1/users", json=payload, headers=bearer(officer)).status_code == 403
    admin = factory.token(factory.user("admin", "000000"))
    assert client.post("/api/v1/users", json=payload, headers=bearer(admin)).status_code == 201
    wrong_level = dict(payload, username="other", region_code="500000")
    response = client.post("/api/v1/users", json=wrong_level, headers=bearer(admin))
    assert response.status_code == 400
    assert response.json()["code"] == "wrong_jurisdiction_level"


def test_control_characters_in_names_are_refused(client, factory, session):
    token = officer_token(factory)
    payload = {"id_number": make_id(), "name": "王\x00芳", "residence_code": "500103"}
    response = client.post("/api/v1/people", json=payload, headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["pointer"] == "/name"
    assert count(session, Person) == 0


def test_ids_beyond_32_bits_are_refused_not_crashed_on(client, factory):
    token = officer_token(factory)
    response = client.get(f"/api/v1/people/{2**63}", headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["pointer"] == "/person_id"
    assert client.get("/api/v1/people?page=99999999999", headers=bearer(token)).status_code == 422
