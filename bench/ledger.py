"""Benchmark: posting N two-posting entries with ``ledger.service.post_batch`` on PostgreSQL.

Each entry is a month's bill (Dr one worker's receivable / Cr the scheme's billed contributions),
posted in chunks, one unit of work per chunk, as settlement does: look up the keys already
posted, create the accounts a chunk needs, lock the touched accounts, insert entries and postings,
update each touched balance once, write the audit row. The baseline, measured in the same run,
COPYs the same entries and postings into scratch tables identical to the journal's (columns,
defaults, checks, indexes, foreign keys), with ids assigned by the client: the bare cost of getting
the rows into the engine, without idempotency, accounts or balances.

    FLEXCOVER_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/ledger.py [--entries 200000] [--chunk 10000] [--people 20000]
        [--no-foreign-keys]

A scratch database is created for the run and dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date
from typing import Any

import numpy as np
from scratch import DEFAULT_SERVER, scratch_database
from sqlalchemy import insert, select, text

from flexcover.kit.audit import Actor
from flexcover.kit.database import Database, utc_now
from flexcover.kit.months import Month
from flexcover.ledger.models import LedgerAccount
from flexcover.ledger.service import AccountRef, Draft, post_batch
from flexcover.registry.models import Person

REGION = "500103"
ACTOR = Actor.system("bench")


def add_people(database: Database, people: int) -> list[int]:
    """Synthetic registry rows (the ledger needs its owners to exist); not timed."""
    rows = [
        {
            "id_hash": f"{n:064x}",
            "id_masked": "500103********0000",
            "name": "测试",
            "gender": "male" if n % 2 else "female",
            "birth_date": date(1980 + n % 30, 1 + n % 12, 1 + n % 28),
            "id_region_code": REGION,
            "hukou_code": REGION,
            "residence_code": REGION,
            "registered_at": utc_now(),
        }
        for n in range(people)
    ]
    with database.unit_of_work() as session:
        for start in range(0, len(rows), 10_000):
            session.execute(insert(Person), rows[start : start + 10_000])
        return list(session.scalars(select(Person.id).order_by(Person.id)))


def make_drafts(entries: int, person_ids: list[int]) -> list[Draft]:
    amounts = np.random.default_rng(7).integers(44_040, 220_170, entries)
    billed = AccountRef("contributions_billed", REGION, scheme="employee_pension")
    month = Month(2025, 6)
    return [
        Draft(
            key=f"bill:{i}",
            kind="bill",
            description="灵活就业人员基本养老保险费",
            postings=(
                (AccountRef("receivable", REGION, person_id=person_ids[i % len(person_ids)]), a),
                (billed, -a),
            ),
            month=month,
        )
        for i, a in enumerate(int(value) for value in amounts)
    ]


def time_post_batch(database: Database, drafts: list[Draft], chunk: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(drafts), chunk):
        with database.unit_of_work() as session:
            result = post_batch(session=session, drafts=drafts[start : start + chunk], actor=ACTOR)
        assert result.posted == len(drafts[start : start + chunk]), result
    return time.perf_counter() - started


def time_copy(
    database: Database, drafts: list[Draft], chunk: int, *, foreign_keys: bool = True
) -> float:
    """The same rows, COPYed into look-alike tables with ids assigned here."""
    with database.unit_of_work() as session:
        session.execute(text("CREATE TABLE bench_entries (LIKE ledger_entries INCLUDING ALL)"))
        session.execute(text("CREATE TABLE bench_postings (LIKE ledger_postings INCLUDING ALL)"))
        # LIKE copies columns, defaults, checks and indexes, not foreign keys: add them.
        for statement in (
            "ALTER TABLE bench_entries ADD FOREIGN KEY (reverses_entry_id) "
            "REFERENCES bench_entries (id)",
            "ALTER TABLE bench_postings ADD FOREIGN KEY (entry_id) REFERENCES bench_entries (id)",
            "ALTER TABLE bench_postings ADD FOREIGN KEY (account_id) "
            "REFERENCES ledger_accounts (id)",
        ):
            if foreign_keys:
                session.execute(text(statement))
        accounts = {
            (kind, owner): account_id
            for kind, owner, account_id in session.execute(
                select(LedgerAccount.kind, LedgerAccount.owner_key, LedgerAccount.id)
            )
        }
    owner = {
        "receivable": lambda r: f"person:{r.person_id}",
        "contributions_billed": lambda r: f"scheme:{r.scheme}",
    }
    rows: list[tuple[tuple[Any, ...], list[tuple[int, int]]]] = [
        (
            (d.key, d.kind, d.description, str(d.month)),
            [(accounts[(ref.kind, owner[ref.kind](ref))], amount) for ref, amount in d.postings],
        )
        for d in drafts
    ]
    raw = database.engine.raw_connection()
    try:
        connection: Any = raw.driver_connection
        started = time.perf_counter()
        next_id = 1
        at = utc_now()
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            with connection.cursor() as cursor:
                with cursor.copy(
                    "COPY bench_entries (id, key, kind, description, month, actor, created_at) "
                    "FROM STDIN"
                ) as copy:
                    for offset, (entry, _) in enumerate(part):
                        copy.write_row((next_id + offset, *entry, ACTOR.username, at))
                with cursor.copy(
                    "COPY bench_postings (entry_id, account_id, amount_fen) FROM STDIN"
                ) as copy:
                    for offset, (_, postings) in enumerate(part):
                        for account_id, amount in postings:
                            copy.write_row((next_id + offset, account_id, amount))
            connection.commit()
            next_id += len(part)
        return time.perf_counter() - started
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument(
        "--no-foreign-keys",
        action="store_true",
        help="leave the baseline's tables without foreign keys (they cost COPY the most)",
    )
    args = parser.parse_args()
    server = os.environ.get("FLEXCOVER_BENCH_DATABASE_URL", DEFAULT_SERVER)
    with scratch_database(server) as url:
        database = Database(url)
        try:
            person_ids = add_people(database, args.people)
            drafts = make_drafts(args.entries, person_ids)
            ours = time_post_batch(database, drafts, args.chunk)
            bare = time_copy(database, drafts, args.chunk, foreign_keys=not args.no_foreign_keys)
        finally:
            database.dispose()
    n = args.entries
    print(f"{n:,} two-posting entries in chunks of {args.chunk:,}, {args.people:,} workers")
    print(f"post_batch : {ours:7.2f} s  {n / ours:>10,.0f} entries/s")
    tables = "without foreign keys" if args.no_foreign_keys else "with foreign keys"
    print(f"bare COPY  : {bare:7.2f} s  {n / bare:>10,.0f} entries/s  ({tables})")
    print(f"ratio      : {ours / bare:7.2f}×")


if __name__ == "__main__":
    main()
