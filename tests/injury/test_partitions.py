"""The orders' monthly partitions on PostgreSQL: made ahead, made on demand for a month not made
yet, detached for an archive; nothing to do on SQLite, whose orders are one table."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from flexcover.injury import service as injury
from flexcover.kit.months import Month
from tests.injury.conftest import order, send_orders


def attached(database) -> set[str]:
    with database.engine.connect() as connection:
        return set(
            connection.scalars(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'injury_orders'"
                )
            )
        )


def test_sqlite_has_no_partitions_to_make(database):
    if database.engine.dialect.name == "postgresql":
        pytest.skip("the PostgreSQL tests below cover partitions")
    assert injury.ensure_partitions(database.engine, Month(2026, 1), Month(2026, 3)) == []
    assert injury.detach_partitions(database.engine, Month(2026, 1)) == []


def test_partitions_are_made_ahead_on_demand_and_detached(database, client, ready, plat):
    if database.engine.dialect.name != "postgresql":
        pytest.skip("declarative partitioning is PostgreSQL's")
    made_at_upgrade = attached(database)
    assert {"injury_orders_2022_07", "injury_orders_2026_11"} <= made_at_upgrade
    assert injury.ensure_partitions(database.engine, Month(2026, 1), Month(2026, 3)) == []
    ahead = injury.ensure_partitions(database.engine, Month(2031, 1), Month(2031, 2))
    assert ahead == ["injury_orders_2031_01", "injury_orders_2031_02"]
    # An order of a month whose partition is gone (detached) is still taken: its month is made.
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("ALTER TABLE injury_orders DETACH PARTITION injury_orders_2026_10"))
        c.execute(text("DROP TABLE injury_orders_2026_10"))
    from flexcover.injury import repository

    repository._known_partitions.clear()
    answer = send_orders(client, ready, plat, [order(1, start="2026-10-30T09:00:00+08:00")])
    assert answer.json()["rows"][0]["result"] == "unknown_worker"  # the roster is November's
    assert "injury_orders_2026_10" in attached(database)
    detached = injury.detach_partitions(database.engine, Month(2022, 9))
    assert detached == ["injury_orders_2022_07_archived", "injury_orders_2022_08_archived"]
    assert "injury_orders_2022_07" not in attached(database)
    # The months can be made anew beside their archives (and are, to leave the table whole).
    made = injury.ensure_partitions(database.engine, Month(2022, 7), Month(2022, 8))
    assert made == ["injury_orders_2022_07", "injury_orders_2022_08"]
    with database.engine.begin() as c:
        c.execute(text("DROP TABLE injury_orders_2022_07_archived, injury_orders_2022_08_archived"))
