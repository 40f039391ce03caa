"""Benchmark: platforms' orders through the HTTP API on PostgreSQL (每单必保).

A platform is onboarded and its workers put on its roster (not timed); then ``--orders`` orders
are sent to ``POST /api/v1/platforms/{id}/orders`` of a real server (uvicorn on a local port),
``--batch`` a request, as NDJSON — every order checked, its premium priced, its worker found on
the roster, its id checked against every month, staged by COPY and inserted set-based. The
baseline, in the same run, is the minimal work of putting the same rows in a table of the same
shape: a bare COPY into a staging table and ``INSERT … ON CONFLICT DO NOTHING``, batch by batch.

    .venv/bin/python bench/orders.py [--orders 2000000] [--batch 100000] [--workers 20000]

Set ``FLEXCOVER_BENCH_DATABASE_URL`` to use another server; a scratch database is made and
dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import uvicorn
from scratch import DEFAULT_SERVER, scratch_database
from sqlalchemy import select, text

from flexcover.injury import service as injury
from flexcover.kit.audit import Actor
from flexcover.kit.bulk import copy_columns
from flexcover.kit.credit_code import credit_check_character
from flexcover.kit.database import Database
from flexcover.kit.months import Month
from flexcover.kit.resident_id import check_character, hash_id
from flexcover.kit.settings import Settings
from flexcover.registry import accounts, roster
from flexcover.registry import service as registry
from flexcover.registry.models import Person
from flexcover.registry.schemas import PlatformIn, RosterRowIn, UserIn
from flexcover.rules.parameters import default_rulebook
from flexcover.web.app import create_app

CHINA = timezone(timedelta(hours=8))
MONTH = Month(2026, 11)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=CHINA)
SYSTEM = Actor.system("bench")
CODES = ("500103", "500106", "500107", "500108")


def worker_ids(count: int) -> list[str]:
    ids = []
    for n in range(count):
        first17 = f"500103{1970 + n % 30}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        ids.append(first17 + check_character(first17))
    return sorted(set(ids))


def set_up(database: Database, settings: Settings, workers: list[str]) -> tuple[int, str]:
    """A platform onboarded for four districts, its workers on its roster, and its token."""
    rulebook = default_rulebook()
    first17 = "91500103MA0000001"
    with database.unit_of_work() as session:
        platform = registry.register_platform(
            session=session,
            actor=SYSTEM,
            platform=PlatformIn(
                name="基准平台",
                credit_code=first17 + credit_check_character(first17),
                region_code="500103",
                industries=["instant_delivery"],
            ),
        )
        injury.onboard(
            session=session,
            actor=SYSTEM,
            platform_id=platform.id,
            industry="instant_delivery",
            jurisdictions=list(CODES),
            float_steps=0,
            rulebook=rulebook,
            today=NOW.date(),
        )
        user = accounts.create_user(
            session=session,
            actor=SYSTEM,
            user=UserIn(
                username="bench-platform",
                password="bench password 1",  # noqa: S106 - a scratch database's login
                role="platform",
                region_code="500103",
                platform_id=platform.id,
            ),
        )
        token, _ = accounts.issue_api_token(
            session=session, actor=SYSTEM, user_id=user.id, label="bench"
        )
        platform_id = platform.id
    for start in range(0, len(workers), 50_000):
        with database.unit_of_work() as session:
            roster.add_workers(
                session=session,
                actor=SYSTEM,
                platform_id=platform_id,
                rows=[
                    RosterRowIn(
                        id_number=number,
                        name="张伟",
                        phone="13800138000",
                        residence_code="500103",
                        work_codes=["500103"],
                        from_month=str(MONTH),
                    )
                    for number in workers[start : start + 50_000]
                ],
                id_key=settings.id_hash_key,
                as_of=MONTH,
            )
    return platform_id, token


def batches(total: int, size: int, workers: list[str]) -> list[bytes]:
    """NDJSON bodies of ``size`` orders: each worker's orders spread over the month's days."""
    first = datetime(2026, 11, 1, 7, 0, tzinfo=CHINA)
    out = []
    for start in range(0, total, size):
        lines = []
        for n in range(start, min(total, start + size)):
            accepted = first + timedelta(seconds=(n * 7919) % (29 * 86_400))
            lines.append(
                json.dumps(
                    {
                        "order_id": f"B{n:09d}",
                        "worker_id": workers[n % len(workers)],
                        "jurisdiction": CODES[n % len(CODES)],
                        "accepted_at": accepted.isoformat(),
                        "completed_at": (accepted + timedelta(minutes=25)).isoformat(),
                        "distance_m": 1000 + n % 5000,
                    },
                    separators=(",", ":"),
                )
            )
        out.append("\n".join(lines).encode())
    return out


def serve(settings: Settings, database: Database) -> tuple[str, uvicorn.Server, threading.Thread]:
    app = create_app(settings, database)
    app.state.today = lambda: NOW.date()
    app.state.now = lambda: NOW.astimezone(UTC)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def send(base: str, platform_id: int, token: str, body: bytes, key: str) -> dict[str, object]:
    request = urllib.request.Request(  # noqa: S310 - the local server started here
        f"{base}/api/v1/platforms/{platform_id}/orders",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/x-ndjson",
            "Idempotency-Key": key,
        },
    )
    with urllib.request.urlopen(request, timeout=600) as answer:  # noqa: S310
        result: dict[str, object] = json.loads(answer.read())
        return result


def bare(database: Database, settings: Settings, bodies: list[bytes], platform_id: int) -> float:
    """The same rows, already parsed and resolved, COPYed and inserted with ON CONFLICT."""
    with database.unit_of_work() as session:
        session.execute(text("CREATE TABLE bare_orders (LIKE injury_orders INCLUDING ALL)"))
        people = {h: i for h, i in session.execute(select(Person.id_hash, Person.id))}
    parsed = []
    for body in bodies:
        rows = [json.loads(line) for line in body.splitlines()]
        parsed.append(rows)
    key = settings.id_hash_key
    hashes = {}
    started = time.perf_counter()
    for rows in parsed:
        with database.unit_of_work() as session:
            session.execute(
                text(
                    "CREATE TEMP TABLE bare_staging (LIKE injury_orders INCLUDING DEFAULTS) "
                    "ON COMMIT DROP"
                )
            )
            for row in rows:
                if row["worker_id"] not in hashes:
                    hashes[row["worker_id"]] = people[hash_id(row["worker_id"], key)]
            accepted = [datetime.fromisoformat(r["accepted_at"]) for r in rows]
            copy_columns(
                session,
                "bare_staging",
                len(rows),
                {
                    "month": [f"{a.year:04d}-{a.month:02d}" for a in accepted],
                    "platform_id": platform_id,
                    "order_ref": [r["order_id"] for r in rows],
                    "person_id": [hashes[r["worker_id"]] for r in rows],
                    "jurisdiction_code": [r["jurisdiction"] for r in rows],
                    "industry": "instant_delivery",
                    "accepted_at": accepted,
                    "ended_at": [datetime.fromisoformat(r["completed_at"]) for r in rows],
                    "end_kind": "completed",
                    "distance_m": [r["distance_m"] for r in rows],
                    "premium_fen": 7,
                    "received_at": NOW,
                },
            )
            session.execute(
                text("INSERT INTO bare_orders SELECT * FROM bare_staging ON CONFLICT DO NOTHING")
            )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=2_000_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=20_000)
    args = parser.parse_args()
    server_url = os.environ.get("FLEXCOVER_BENCH_DATABASE_URL", DEFAULT_SERVER)
    workers = worker_ids(args.workers)
    with scratch_database(server_url) as url, tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            data_dir=Path(data_dir),
            database_url_override=url,
            environment={"FLEXCOVER_ID_HASH_KEY": "bench-key", "FLEXCOVER_SESSION_SECRET": "b"},
        )
        database = Database(url)
        base, server, thread = serve(settings, database)
        try:
            platform_id, token = set_up(database, settings, workers)
            bodies = batches(args.orders, args.batch, workers)
            started = time.perf_counter()
            recorded = 0
            for number, body in enumerate(bodies):
                answer = send(base, platform_id, token, body, f"bench-{number}")
                recorded += int(answer["recorded"])  # type: ignore[call-overload]
            ours = time.perf_counter() - started
            assert recorded == args.orders, recorded
            baseline = bare(database, settings, bodies, platform_id)
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            database.dispose()
    n = args.orders
    print(
        f"{n:,} orders of {len(workers):,} workers through the HTTP API, "
        f"{args.batch:,} a request, on PostgreSQL"
    )
    ours_rate, bare_rate = n / ours, n / baseline
    print(f"API (check, price, roster, stage, insert):{ours:7.2f} s  {ours_rate:>10,.0f} orders/s")
    print(
        f"bare COPY + INSERT … ON CONFLICT        : {baseline:7.2f} s  {bare_rate:>10,.0f} orders/s"
    )
    print(f"ratio to the bare path                  : {ours / baseline:5.2f}×")


if __name__ == "__main__":
    main()
