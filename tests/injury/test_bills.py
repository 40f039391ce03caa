"""按月缴费: a platform's monthly bill per jurisdiction, re-issued for late orders by the
difference, paid through the ledger into the occupational-injury fund, arrears for the
province to see."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from flexcover.injury.models import InjuryBill, InjuryBillChange
from flexcover.ledger.models import JournalEntry
from flexcover.ledger.service import AccountRef, balance, verify
from tests.conftest import count
from tests.injury.conftest import CHINA, onboard, order, send_orders


def issue(client, headers, month="2026-11", region="500000"):
    return client.post(
        "/api/v1/injury/bills", json={"month": month, "region": region}, headers=headers
    )


def december(clock):
    clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=CHINA)


def test_a_month_is_billed_after_it_ends(client, ready, plat, province, clock):
    send_orders(client, ready, plat, [order(1)])
    refused = issue(client, province)
    assert (refused.status_code, refused.json()["code"]) == (409, "month_not_ended")


def test_the_bill_is_the_months_premiums_moved_by_the_coefficient(
    client, ready, plat, province, clock, session
):
    onboard(client, province, ready, steps=2)  # 20 % up
    orders = [order(n, worker=n % 5) for n in range(1, 8)]
    orders.append(order(8, jurisdiction="500106"))
    assert send_orders(client, ready, plat, orders).status_code == 201
    december(clock)
    answer = issue(client, province)
    assert answer.json() == {"issued": 2, "reissued": 0, "unchanged": 0, "difference_fen": 67}
    bills = {
        b["jurisdiction"]: b
        for b in client.get(f"/api/v1/platforms/{ready.id}/injury/bills", headers=plat).json()
    }
    # 7 orders × 7 fen × 1.2 = 58.8 → 59 fen, rounded once on the bill; 1 order: 8.4 → 8.
    assert (bills["500103"]["orders"], bills["500103"]["base_fen"], bills["500103"]["due_fen"]) == (
        7,
        49,
        59,
    )
    assert (bills["500106"]["due_fen"], bills["500106"]["adjustment"]) == (8, "0.20")
    assert (
        balance(
            session=session,
            ref=AccountRef("injury_premium_receivable", "500103", platform_id=ready.id),
        )
        == 59
    )
    again = issue(client, province)
    assert again.json() == {"issued": 0, "reissued": 0, "unchanged": 2, "difference_fen": 0}


def test_late_orders_change_the_bill_by_the_difference(
    client, ready, plat, province, clock, session
):
    send_orders(client, ready, plat, [order(1), order(2)])
    december(clock)
    issue(client, province)
    late = send_orders(client, ready, plat, [order(3, start="2026-11-30T22:00:00+08:00")])
    assert late.status_code == 201
    answer = issue(client, province)
    assert answer.json() == {"issued": 0, "reissued": 1, "unchanged": 0, "difference_fen": 7}
    [bill] = session.scalars(select(InjuryBill)).all()
    assert (bill.orders, bill.due_fen, bill.revision) == (3, 21, 2)
    changes = session.scalars(select(InjuryBillChange).order_by(InjuryBillChange.revision)).all()
    assert [(c.revision, c.due_fen, c.difference_fen) for c in changes] == [(1, 14, 14), (2, 21, 7)]
    keys = sorted(e.key for e in session.scalars(select(JournalEntry)) if e.kind == "injury_bill")
    assert keys == [f"injury_bill:{bill.id}:r1", f"injury_bill:{bill.id}:r2"]  # one bill, two moves
    assert balance(session=session, ref=AccountRef("injury_premium_billed", "500103")) == 21


def test_paying_moves_the_premium_into_the_injury_fund(
    client, ready, plat, province, clock, session
):
    send_orders(client, ready, plat, [order(n) for n in range(1, 4)])
    send_orders(client, ready, plat, [order(9, jurisdiction="500106")])
    december(clock)
    issue(client, province)
    path = f"/api/v1/platforms/{ready.id}/injury/payments"
    no_key = client.post(path, json={"amount_fen": 10}, headers=plat)
    assert no_key.status_code == 422
    too_much = client.post(path, json={"amount_fen": 29}, headers={**plat, "Idempotency-Key": "p0"})
    assert (too_much.status_code, too_much.json()["pointer"]) == (422, "/amount_fen")
    paid = client.post(path, json={"amount_fen": 25}, headers={**plat, "Idempotency-Key": "p1"})
    assert paid.status_code == 200, paid.text
    replay = client.post(path, json={"amount_fen": 25}, headers={**plat, "Idempotency-Key": "p1"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    bills = {b.jurisdiction_code: b for b in session.scalars(select(InjuryBill))}
    assert (bills["500103"].paid_fen, bills["500103"].status) == (21, "paid")
    assert (bills["500106"].paid_fen, bills["500106"].status) == (4, "open")
    assert balance(session=session, ref=AccountRef("injury_fund", "500103")) == 21
    assert balance(session=session, ref=AccountRef("injury_fund", "500106")) == 4
    assert balance(session=session, ref=AccountRef("collection_clearing", "500103")) == 21
    assert verify(session=session) == []


def test_unpaid_bills_fall_into_arrears_for_the_province_to_see(
    client, ready, plat, province, district, clock, session
):
    send_orders(client, ready, plat, [order(1)])
    december(clock)
    issue(client, province)
    clock.now = datetime(2027, 1, 5, 10, 0, tzinfo=CHINA)  # past the 15 days
    issue(client, province, month="2026-12")  # any issue marks arrears
    arrears = client.get("/api/v1/injury/bills?status=arrears", headers=province).json()
    assert [(b["platform_id"], b["month"], b["due_fen"] - b["paid_fen"]) for b in arrears] == [
        (ready.id, "2026-11", 7)
    ]
    assert client.get("/api/v1/injury/bills?region=500106", headers=district).status_code == 403
    assert count(session, InjuryBill) == 1


def test_the_nightly_job_turns_overdue_bills_into_arrears(
    client, ready, plat, province, clock, database, session
):
    from types import SimpleNamespace

    from flexcover.injury import service as injury
    from flexcover.jobs.commands import handlers

    send_orders(client, ready, plat, [order(1)])
    december(clock)
    issue(client, province)
    key, payload = injury.arrears_for_firing(datetime(2027, 1, 5, 0, 30, tzinfo=CHINA))
    assert (key, payload) == ("injury.arrears:2027-01-05", {"day": "2027-01-05"})
    job = handlers()[injury.ARREARS_JOB]
    said = job(SimpleNamespace(payload=payload, database=database))
    assert said == "1 platform bill(s) fell into arrears on 2027-01-05"
    assert job(SimpleNamespace(payload=payload, database=database)).startswith("0 ")
    [bill] = session.scalars(select(InjuryBill)).all()
    assert bill.status == "arrears"
