"""A small office on the embedded default, and a burst on one person on PostgreSQL: concurrent
staff reads (each writing its audit row) and payments end with no server error, every payment
booked once, and the books straight. What cannot wait is answered 503 with Retry-After."""

from __future__ import annotations

import threading
from collections import Counter

import httpx2 as httpx
from sqlalchemy import func, select

from flexcover.contributions.models import Payment
from flexcover.kit.audit import AuditEntry
from flexcover.ledger.service import verify
from flexcover.registry.models import User
from tests.contributions.conftest import JAN, world  # noqa: F401 - the fixture
from tests.web.conftest import bearer

THREADS = 8
ROUNDS = 6


def test_concurrent_reads_and_payments_never_fail_the_server(live_server, world, factory, session):  # noqa: F811
    person_id, me = world.worker()
    world.enrol(person_id, me)
    for month in range(3):
        world.settle(JAN + month)
    worker = factory.token(session.scalars(select(User).where(User.person_id == person_id)).one())
    officer = factory.token(factory.user("district_officer", "500103", username="reader"))
    statuses: Counter[int] = Counter()
    waits: list[str | None] = []
    lock = threading.Lock()

    def reader(n: int) -> None:
        with httpx.Client(base_url=live_server, timeout=60) as client:
            for _ in range(ROUNDS):
                got = client.get(f"/api/v1/people/{person_id}", headers=bearer(officer))
                with lock:
                    statuses[got.status_code] += 1

    def payer(n: int) -> None:
        with httpx.Client(base_url=live_server, timeout=60) as client:
            for r in range(ROUNDS):
                paid = client.post(
                    f"/api/v1/people/{person_id}/payments",
                    json={"amount_yuan": "1.00"},
                    headers={**bearer(worker), "Idempotency-Key": f"burst-{n}-{r}"},
                )
                with lock:
                    statuses[paid.status_code] += 1
                    if paid.status_code == 503:
                        waits.append(paid.headers.get("retry-after"))

    threads = [
        threading.Thread(target=reader if n % 2 else payer, args=(n,)) for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [code for code in statuses if code >= 500 and code != 503], statuses
    assert all(wait for wait in waits)  # a busy answer says when to come back
    session.expire_all()
    payments = session.scalar(select(func.count()).select_from(Payment))
    assert payments == statuses[201]  # each accepted payment booked exactly once
    assert statuses[200] + statuses[201] >= THREADS * ROUNDS * 0.9  # busy is the exception
    reads = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "person.read")
    )
    assert reads == statuses[200]
    assert verify(session=session) == []


def test_a_burst_of_payments_for_one_person_is_served_or_told_to_retry(
    live_server,
    world,  # noqa: F811
    factory,
    session,
):
    """24 payments at once for one person queue on that person's bills: each is booked, or
    (when it cannot get the lock or a connection in time) answered 503 with Retry-After and
    not booked; no other answer, and no payment twice."""
    person_id, me = world.worker()
    world.enrol(person_id, me)
    world.settle(JAN)
    worker = factory.token(session.scalars(select(User).where(User.person_id == person_id)).one())
    answers: list[httpx.Response] = []
    barrier = threading.Barrier(24)

    def pay(n: int) -> None:
        with httpx.Client(base_url=live_server, timeout=60) as client:
            barrier.wait()
            answers.append(
                client.post(
                    f"/api/v1/people/{person_id}/payments",
                    json={"amount_yuan": "1.00"},
                    headers={**bearer(worker), "Idempotency-Key": f"one-{n}"},
                )
            )

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = Counter(a.status_code for a in answers)
    assert set(codes) <= {201, 503}, codes
    assert all(a.headers.get("retry-after") for a in answers if a.status_code == 503)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Payment)) == codes[201]
    assert verify(session=session) == []
