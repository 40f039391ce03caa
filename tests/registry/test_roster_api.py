"""A platform's roster over the API, as its engineers integrate it: rows by resident ID, name and
phone; a result per row; all or nothing unless partial; idempotent twice over; nothing that
says where a person lives."""

import gzip
import json
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from flexcover.kit.idempotency import IdempotentRequest
from flexcover.registry.models import Person, PlatformRequest, PlatformWorker
from tests.conftest import count, make_id
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


def row(sequence: int, **changes) -> dict[str, object]:
    return {
        "id_number": make_id(sequence=sequence),
        "name": "王芳",
        "phone": "13800138000",
        "residence_code": "500103",
        "work_codes": ["500103", "500106"],
        "from_month": "2026-01",
        **changes,
    }


def send(client, platform, token, rows, *, key=None, mode=None, **headers):
    path = f"/api/v1/platforms/{platform.id}/workers" + (f"?mode={mode}" if mode else "")
    extra = {**bearer(token), **headers}
    if key:
        extra["Idempotency-Key"] = key
    if isinstance(rows, bytes):
        return client.post(path, content=rows, headers=extra)
    return client.post(path, json=rows, headers=extra)


def test_rows_by_resident_id_are_matched_or_registered(client, platform, token, factory, session):
    factory.person(id_number=make_id(sequence=901), name="李强")
    rows = [row(201), row(901, name="李强")]
    answer = send(client, platform, token, rows)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["accepted"], body["rejected"]) == (2, 0)
    assert [r["result"] for r in body["rows"]] == ["ok", "ok"]
    assert count(session, Person) == 2  # the new one registered, the known one matched
    entries = session.scalars(select(PlatformWorker).order_by(PlatformWorker.id)).all()
    assert [e.work_codes for e in entries] == [["500103", "500106"]] * 2
    listed = client.get(f"/api/v1/platforms/{platform.id}/workers", headers=bearer(token)).json()
    assert listed["total"] == 2
    assert all("*" in item["id_masked"] for item in listed["items"])
    assert "residence_code" not in json.dumps(listed)


def test_strict_mode_keeps_nothing_when_a_row_is_refused(client, platform, token, session):
    rows = [row(211), row(213, id_number="500103199003071230"), row(215, name="")]
    answer = send(client, platform, token, rows)
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "roster_rejected"
    results = {r["line"]: r for r in body["rows"]}
    assert results[1]["result"] == "ok"
    assert results[2]["result"] == "invalid_id_checksum"
    assert results[2]["pointer"] == "/2/id_number"
    assert results[3]["result"] == "validation_failed"
    assert "500103199003071230" not in answer.text  # no ID number in the answer
    assert count(session, PlatformWorker) == 0
    assert count(session, Person) == 0
    [logged] = session.scalars(select(PlatformRequest)).all()
    assert (logged.status, logged.rejected) == (422, 2)
    assert "500103199003071230" not in json.dumps(logged.rejected_rows)


def test_partial_mode_keeps_the_good_rows(client, platform, token, session):
    rows = [row(221), row(223, id_number="12345")]
    answer = send(client, platform, token, rows, mode="partial")
    assert answer.status_code == 201
    assert [r["result"] for r in answer.json()["rows"]] == ["ok", "invalid_id_format"]
    assert count(session, PlatformWorker) == 1


def test_ndjson_and_gzip(client, platform, token, session):
    lines = "\n".join(json.dumps(row(231 + 2 * i)) for i in range(3)).encode()
    answer = send(
        client,
        platform,
        token,
        gzip.compress(lines),
        **{"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["accepted"] == 3


def test_the_same_request_twice_is_one_roster_entry(client, platform, token, session):
    first = send(client, platform, token, [row(241)], key="roster-1")
    again = send(client, platform, token, [row(241)], key="roster-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = send(client, platform, token, [row(243)], key="roster-1")
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    # Without a key the business key holds: the same row again exists, never a 500.
    unkeyed = send(client, platform, token, [row(241)])
    assert unkeyed.status_code == 200
    assert unkeyed.json()["rows"][0]["result"] == "exists"
    assert count(session, PlatformWorker) == 1
    assert count(session, IdempotentRequest) == 1


def test_overlapping_and_back_dated_periods_are_refused_with_the_reason(
    client, platform, token, session
):
    send(client, platform, token, [row(251, from_month="2026-02", until_month="2026-06")])
    overlap = send(client, platform, token, [row(251, from_month="2026-05")])
    result = overlap.json()["rows"][0]
    assert (result["result"], result["pointer"]) == ("roster_row_refused", "/1/from_month")
    assert "overlaps roster entry" in result["detail"]
    back = send(client, platform, token, [row(253, from_month="2025-12")])
    assert "settled months cannot change" in back.json()["rows"][0]["detail"]
    within = send(client, platform, token, [row(255), row(255, from_month="2026-03")])
    assert "overlaps line 1" in within.json()["rows"][1]["detail"]
    later = send(client, platform, token, [row(251, from_month="2026-07")])
    assert later.status_code == 201  # after the first period ends: a second one
    assert count(session, PlatformWorker) == 2


def test_a_name_that_does_not_match_the_id_is_refused(client, platform, token, session):
    send(client, platform, token, [row(261)])
    wrong = send(client, platform, token, [row(261, name="赵六", from_month="2026-05")])
    result = wrong.json()["rows"][0]
    assert (result["result"], result["pointer"]) == ("roster_row_refused", "/1/name")
    assert "王芳" not in wrong.text  # the registered name is not revealed


def test_a_roster_entry_is_ended_once(client, platform, token, session):
    added = send(client, platform, token, [row(271)]).json()
    roster_id = added["rows"][0]["roster_id"]
    path = f"/api/v1/platforms/{platform.id}/workers/{roster_id}/end"
    ended = client.post(path, json={"until_month": "2026-03"}, headers=bearer(token))
    assert (ended.status_code, ended.json()["until_month"]) == (200, "2026-03")
    again = client.post(path, json={"until_month": "2026-03"}, headers=bearer(token))
    assert again.status_code == 200
    early = client.post(path, json={"until_month": "2025-06"}, headers=bearer(token))
    assert early.json()["code"] == "roster_row_refused"
    active = client.get(
        f"/api/v1/platforms/{platform.id}/workers?active_in=2026-04", headers=bearer(token)
    )
    assert active.json()["total"] == 0


def test_another_platforms_roster_is_out_of_reach(client, platform, token, factory, session):
    other = factory.platform(name="别家平台")
    answer = send(client, other, token, [row(281)])
    assert answer.status_code == 403
    assert count(session, Person) == 0
    listed = client.get(f"/api/v1/platforms/{other.id}/workers", headers=bearer(token))
    assert listed.status_code == 403


@pytest.mark.parametrize(
    ("content", "headers", "code"),
    [
        (b"", {"Content-Type": "application/json"}, "unreadable_body"),
        (b"{not json", {"Content-Type": "application/json"}, "unreadable_body"),
        (b"\x1f\x8bnot gzip", {"Content-Type": "application/json"}, "unreadable_body"),
        (b"\xff\xfe", {"Content-Type": "application/json"}, "unreadable_body"),
        (b"[1, 2]", {"Content-Type": "application/json"}, "roster_rejected"),
    ],
)
def test_bad_bodies_get_a_clear_answer(client, platform, token, session, content, headers, code):
    answer = send(client, platform, token, content, **headers)
    assert answer.status_code in (400, 422)
    assert answer.json()["code"] == code
    assert count(session, PlatformWorker) == 0


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, platform, token):
    answer = client.post(
        f"/api/v1/platforms/{platform.id}/workers",
        content=b"[]",
        headers={**bearer(token), "Content-Length": str(64 * 1024 * 1024)},
    )
    assert (answer.status_code, answer.json()["code"]) == (413, "request_too_large")


def test_a_gzip_body_that_inflates_past_the_limit_is_refused(
    client, platform, token, session, monkeypatch
):
    from flexcover.web import bulk

    monkeypatch.setattr(bulk, "MAX_INFLATED_BYTES", 4096)  # the bound, not its 256 MiB
    bomb = gzip.compress(b"[" + b" " * 10_000 + b"]")
    answer = send(
        client,
        platform,
        token,
        bomb,
        **{"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert (answer.status_code, answer.json()["code"]) == (413, "inflated_too_large")
    assert count(session, PlatformWorker) == 0


def test_the_answers_look_alike_wherever_the_worker_lives(client, platform, token, factory):
    """Rostering people of the platform's district, of another district and of another province,
    known or new, gets answers that differ only in their line and roster id: nothing says where
    anyone lives or whether flexcover knew them."""
    factory.person(id_number=make_id(region="500103", sequence=501), name="王芳")
    factory.person(
        id_number=make_id(region="420106", sequence=503), name="王芳", residence="500106"
    )
    rows = [
        row(501, id_number=make_id(region="500103", sequence=501)),
        row(503, id_number=make_id(region="420106", sequence=503)),
        row(505, id_number=make_id(region="110101", sequence=505), residence_code="500107"),
    ]
    answer = send(client, platform, token, rows)
    assert answer.status_code == 201, answer.text
    shapes = [
        {k: v for k, v in r.items() if k not in ("line", "roster_id")}
        for r in answer.json()["rows"]
    ]
    assert shapes == [{"result": "ok"}] * 3
    text = answer.text
    for code in ("500106", "500107", "420106", "110101"):
        assert code not in text
    listed = client.get(f"/api/v1/platforms/{platform.id}/workers", headers=bearer(token)).json()
    assert {tuple(sorted(item)) for item in listed["items"]} == {
        ("from_month", "id_masked", "name", "roster_id", "until_month", "work_codes")
    }
