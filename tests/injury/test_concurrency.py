"""Two batches of one platform at once (PostgreSQL): the platform's lock makes one wait for the
other, so an order id sent in both with other fields is recorded once and the later answer says
it exists with different fields (without the lock, both would see it free, and the second insert
would be dropped by ON CONFLICT while its answer said ok)."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select

from flexcover.injury import service as injury
from flexcover.injury.models import Order
from tests.conftest import SYSTEM
from tests.injury.conftest import CHINA, order


def test_concurrent_batches_keep_each_order_id_once(database, ready, rulebook, settings, session):
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the race needs PostgreSQL")
    first = [order(n) for n in range(1, 200)]
    # 50 of the same ids, accepted another day.
    second = [order(n, start="2026-11-04T10:00:00+08:00") for n in range(150, 350)]
    answers: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def send(name: str, rows: list[dict[str, object]]) -> None:
        barrier.wait()
        with database.unit_of_work() as work:
            answers[name] = injury.record_orders(
                session=work,
                actor=SYSTEM,
                platform_id=ready.id,
                rows=rows,
                rulebook=rulebook,
                id_key=settings.id_hash_key,
                now=datetime(2026, 11, 20, 12, tzinfo=CHINA),
                partial=True,
            ).counts

    threads = [
        threading.Thread(target=send, args=("a", first)),
        threading.Thread(target=send, args=("b", second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    stored = session.scalar(select(func.count(func.distinct(Order.order_ref))))
    total = session.scalar(select(func.count()).select_from(Order))
    assert stored == total == 349  # 1–349, each once
    overlap = sorted(c.get("exists_different", 0) for c in answers.values())
    assert overlap == [0, 50]  # whichever came second found the 50 ids taken
