"""Benchmark: month-end settlement of N enrolments on PostgreSQL.

Times ``flexcover.contributions.tasks.settle`` for a month (bills, ledger entries, reminders,
progress, in chunks) and, as the baseline in the same run, a bare batched insert of the same
ledger entries and postings with COPY into look-alike tables. Prints enrolments per second and
the ratio. The enrolments are written straight into the tables first (not timed).

    .venv/bin/python bench/settlement.py [--enrolments 1000000] [--chunk 20000]

Set ``FLEXCOVER_BENCH_DATABASE_URL`` to use another server; a scratch database is made and
dropped.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from scratch import DEFAULT_SERVER, scratch_database
from sqlalchemy import select, text

from flexcover.contributions.models import ContributionBill
from flexcover.contributions.tasks import settle
from flexcover.kit.audit import Actor
from flexcover.kit.database import Database, utc_now
from flexcover.kit.months import Month
from flexcover.ledger.models import LedgerAccount
from flexcover.rules.parameters import default_rulebook
from flexcover.synth.enrolments import load_enrolments

MONTH = Month(2026, 1)


def bare_ledger_insert(database: Database, chunk: int) -> float:
    """COPY the bill entries settlement wrote, with their postings, into look-alike tables."""
    with database.unit_of_work() as session:
        for statement in (
            "CREATE TABLE bare_entries (LIKE ledger_entries INCLUDING ALL)",
            "CREATE TABLE bare_postings (LIKE ledger_postings INCLUDING ALL)",
        ):
            session.execute(text(statement))
        accounts = {
            owner: account_id
            for owner, account_id in session.execute(
                select(LedgerAccount.owner_key, LedgerAccount.id).where(
                    LedgerAccount.kind.in_(("receivable", "contributions_billed"))
                )
            )
        }
        billed = {
            code: accounts_id
            for code, accounts_id in session.execute(
                select(LedgerAccount.jurisdiction_code, LedgerAccount.id).where(
                    LedgerAccount.kind == "contributions_billed"
                )
            )
        }
        bills = session.execute(
            select(
                ContributionBill.enrolment_id,
                ContributionBill.person_id,
                ContributionBill.jurisdiction_code,
                ContributionBill.due_fen,
            )
        ).all()
    raw = database.engine.raw_connection()
    try:
        connection: Any = raw.driver_connection
        started = time.perf_counter()
        at = utc_now()
        for start in range(0, len(bills), chunk):
            part = bills[start : start + chunk]
            with connection.cursor() as cursor:
                with cursor.copy(
                    "COPY bare_entries (id, key, kind, description, month, actor, created_at) "
                    "FROM STDIN"
                ) as copy:
                    for offset, bill in enumerate(part):
                        copy.write_row(
                            (
                                start + offset + 1,
                                f"bill:{bill.enrolment_id}:{MONTH}",
                                "bill",
                                "employee_pension",
                                str(MONTH),
                                "bench",
                                at,
                            )
                        )
                with cursor.copy(
                    "COPY bare_postings (entry_id, account_id, amount_fen) FROM STDIN"
                ) as copy:
                    for offset, bill in enumerate(part):
                        entry = start + offset + 1
                        copy.write_row((entry, accounts[f"person:{bill.person_id}"], bill.due_fen))
                        copy.write_row((entry, billed[bill.jurisdiction_code], -bill.due_fen))
            connection.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enrolments", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=20_000)
    args = parser.parse_args()
    server = os.environ.get("FLEXCOVER_BENCH_DATABASE_URL", DEFAULT_SERVER)
    with scratch_database(server) as url:
        database = Database(url)
        try:
            load_enrolments(database, args.enrolments, MONTH)
            rulebook = default_rulebook()
            started = time.perf_counter()
            summary = settle(
                database=database,
                rulebook=rulebook,
                month=MONTH,
                actor=Actor.system("bench"),
                chunk_size=args.chunk,
            )
            ours = time.perf_counter() - started
            assert summary.bills == args.enrolments, summary
            bare = bare_ledger_insert(database, args.chunk)
        finally:
            database.dispose()
    n = args.enrolments
    print(f"settlement of {n:,} enrolments for {MONTH} in chunks of {args.chunk:,}")
    print(f"settle     : {ours:7.2f} s  {n / ours:>10,.0f} enrolments/s")
    print(f"bare COPY  : {bare:7.2f} s  {n / bare:>10,.0f} entries/s (the bill entries alone)")
    print(f"ratio      : {ours / bare:7.2f}×")


if __name__ == "__main__":
    main()
