"""Platforms' orders (每单必保) over the API: onboarding, a result per order in a fixed precedence,
strict and partial, idempotent twice over, the premium of each order, and who covered a worker
when."""

from __future__ import annotations

import gzip
import json

from sqlalchemy import select

from flexcover.injury.models import InjuryProfile, Order, ServedArea
from flexcover.registry.models import PlatformRequest
from tests.conftest import count, make_id
from tests.injury.conftest import WORKERS, onboard, order, roster, send_orders


def test_a_province_onboards_a_platform_for_places_inside_it(client, province, district, platform):
    answer = onboard(client, province, platform, steps=2)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "platform_id": platform.id,
        "name": "闪送平台",
        "industry": "instant_delivery",
        "float_steps": 2,
        "jurisdictions": ["500103", "500106"],
    }
    again = onboard(client, province, platform, places=("500103",), steps=-1)
    assert again.json()["jurisdictions"] == ["500103"]  # sent again, it changes them
    refused = onboard(client, district, platform)
    assert refused.status_code == 403


def test_onboarding_refuses_what_the_rules_do_not_allow(client, province, platform, session):
    outside = onboard(client, province, platform, places=("500103", "420106"))
    assert (outside.status_code, outside.json()["pointer"]) == (403, "/jurisdictions/1")
    too_far = onboard(client, province, platform, steps=6)  # 6 × 10 % is past ±50 %
    assert (too_far.status_code, too_far.json()["pointer"]) == (400, "/float_steps")
    merged = onboard(client, province, platform, industry="food_delivery")
    assert merged.status_code == 422
    assert merged.json()["pointer"] == "/industry"
    assert count(session, InjuryProfile) == count(session, ServedArea) == 0


def test_orders_before_onboarding_are_refused(client, platform, plat):
    roster(client, plat, platform)
    answer = send_orders(client, platform, plat, [order(1)])
    assert (answer.status_code, answer.json()["code"]) == (409, "injury_not_onboarded")


def test_each_order_gets_its_result_in_precedence(client, ready, plat, session):
    rows = [
        order(1),
        {"order_id": "O-2", "worker_id": WORKERS[0]},  # no jurisdiction, no times
        order(3, worker_id="500103199003071230"),  # a wrong check character
        order(4, minutes=-5),
        order(5, start="2026-11-20T13:00:00+08:00"),  # after the app's noon
        order(6, jurisdiction="500243"),
        order(7, start="2025-06-30T10:00:00+08:00"),  # before any per-order premium was set
        order(8, worker_id=make_id(sequence=999)),  # valid, never on the roster
        order(1, minutes=45),  # the same order id again, another end
        order(1),  # and again, the same fields
        order(9, surprise=True),
        "not an object",
    ]
    answer = send_orders(client, ready, plat, rows, mode="partial")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    results = {r["line"]: (r["result"], r.get("pointer")) for r in body["rows"]}
    assert results == {
        2: ("invalid", "/2/jurisdiction"),
        3: ("bad_id", "/3/worker_id"),
        4: ("end_before_start", "/4/completed_at"),
        5: ("in_future", "/5/accepted_at"),
        6: ("jurisdiction_not_served", "/6/jurisdiction"),
        7: ("no_premium_rate", "/7/accepted_at"),
        8: ("unknown_worker", "/8/worker_id"),
        9: ("exists_different", "/9/order_id"),
        10: ("exists", None),
        11: ("invalid", "/11/surprise"),
        12: ("invalid", "/12"),
    }
    assert body["recorded"] == 1
    assert body["counts"]["ok"] == 1
    assert "500103199003071230" not in answer.text
    [stored] = session.scalars(select(Order)).all()
    assert (stored.order_ref, stored.month, stored.premium_fen) == ("O-1", "2026-11", 7)
    assert stored.person_id is not None


def test_strict_mode_records_nothing_when_an_order_is_refused(client, ready, plat, session):
    answer = send_orders(client, ready, plat, [order(1), order(2, jurisdiction="500243")])
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "orders_rejected"
    assert body["counts"] == {"jurisdiction_not_served": 1, "ok": 1}
    assert count(session, Order) == 0
    logged = session.scalars(
        select(PlatformRequest).where(PlatformRequest.operation == "injury.orders")
    ).all()
    assert [(r.status, r.rejected) for r in logged] == [(422, 1)]
    assert [row["pointer"] for row in logged[0].rejected_rows] == ["/2/jurisdiction"]


def test_idempotent_twice_over(client, ready, plat, session, clock):
    batch = [order(n) for n in range(1, 4)]
    first = send_orders(client, ready, plat, batch, key="orders-1")
    replay = send_orders(client, ready, plat, batch, key="orders-1")
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    other = send_orders(client, ready, plat, [order(9)], key="orders-1")
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    # The business key holds without a request key, in another month too.
    unkeyed = send_orders(client, ready, plat, batch)
    assert unkeyed.status_code == 200
    assert unkeyed.json()["counts"] == {"exists": 3}
    # The same order id a month later (another partition on PostgreSQL) is still the same order.
    from datetime import datetime

    from tests.injury.conftest import CHINA

    clock.now = datetime(2026, 12, 10, 12, 0, tzinfo=CHINA)
    moved = send_orders(
        client, ready, plat, [order(1, start="2026-12-02T09:00:00+08:00")], mode="partial"
    )
    assert moved.json()["rows"][0]["result"] == "exists_different"
    assert count(session, Order) == 3


def test_the_same_order_id_belongs_to_each_platform_apart(
    client, ready, plat, other_platform, other
):
    assert send_orders(client, ready, plat, [order(1)]).status_code == 201
    assert send_orders(client, other_platform, other, [order(1)]).status_code == 201


def test_a_platform_sends_only_its_own_orders(client, ready, other, session):
    answer = send_orders(client, ready, other, [order(1)])
    assert answer.status_code in (403, 404)
    assert count(session, Order) == 0


def test_gzip_ndjson_and_a_json_array(client, ready, plat, session):
    lines = "\n".join(json.dumps(order(n)) for n in range(1, 4)).encode()
    zipped = send_orders(
        client, ready, plat, [], raw=gzip.compress(lines), **{"Content-Encoding": "gzip"}
    )
    assert zipped.status_code == 201, zipped.text
    array = client.post(
        f"/api/v1/platforms/{ready.id}/orders", json=[order(4), order(5)], headers=plat
    )
    assert array.status_code == 201, array.text
    assert count(session, Order) == 5


def test_more_than_a_batch_is_refused_before_it_is_read(client, ready, plat):
    lines = b"\n".join(b'{"order_id":"x"}' for _ in range(100_001))
    answer = send_orders(client, ready, plat, [], raw=lines)
    assert (answer.status_code, answer.json()["code"]) == (413, "too_many_rows")


def test_orders_per_day(client, ready, plat):
    send_orders(
        client,
        ready,
        plat,
        [order(1), order(2, worker=1), order(3, start="2026-11-04T23:30:00+08:00")],
    )
    answer = client.get(
        f"/api/v1/platforms/{ready.id}/orders/daily?from=2026-11-01&to=2026-11-30", headers=plat
    )
    assert answer.json() == [
        {"day": "2026-11-03", "orders": 2, "workers": 2},
        {"day": "2026-11-04", "orders": 1, "workers": 1},
    ]


def test_who_covered_a_worker_when(client, ready, plat, other_platform, other, insurer, district):
    # Two platforms' orders overlap: 09:00–09:30 on one, 09:20–10:00 on the other.
    send_orders(client, ready, plat, [order(1)])
    send_orders(
        client, other_platform, other, [order(2, start="2026-11-03T09:20:00+08:00", minutes=40)]
    )

    def ask(at, headers=insurer):
        return client.get(
            "/api/v1/injury/cover", params={"worker": WORKERS[0], "at": at}, headers=headers
        )

    both = ask("2026-11-03T09:25:00+08:00").json()
    assert both["covered"]
    assert both["day_covered"]
    assert both["responsible_platform_id"] == ready.id  # the earliest accepted running order
    assert {r["order_id"] for r in both["running"]} == {"O-1", "O-2"}
    way_back = ask("2026-11-03T10:20:00+08:00").json()  # within the 30 minutes' grace
    assert way_back["responsible_platform_id"] == other_platform.id
    later = ask("2026-11-03T18:00:00+08:00").json()
    assert (later["covered"], later["day_covered"]) == (False, True)  # 按日参保
    next_day = ask("2026-11-04T09:00:00+08:00", district).json()
    assert (next_day["covered"], next_day["day_covered"]) == (False, False)
    refused = ask("2026-11-03T09:25:00+08:00", plat)
    assert refused.status_code == 403


def test_a_platform_onboarded_for_a_city_serves_its_districts(client, province, platform, plat):
    assert onboard(client, province, platform, places=("500100",)).status_code == 200
    roster(client, plat, platform)
    rows = [order(1), order(2, jurisdiction="500106"), order(3, jurisdiction="500243")]
    answer = send_orders(client, platform, plat, rows, mode="partial")
    assert [(r["line"], r["result"]) for r in answer.json()["rows"]] == [
        (3, "jurisdiction_not_served")  # 500243 is a county of Chongqing, not of its city
    ]
