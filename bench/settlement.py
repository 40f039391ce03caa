"""Benchmark: month-end settlement of N enrolments on PostgreSQL.

Times ``flexcover.contributions.tasks.settle`` for a month — bills, ledger entries, balances,
reminders, progress, in chunks, with ``--workers`` chunks at once — and, as the baseline in the
same run, a bare batched insert of the same ledger entries: the bill entries and their postings
COPYed, chunk by chunk, into tables built like the journal's. Two baselines are printed: tables
with the journal's foreign keys (postings → entries, postings → accounts), which is the minimal
work of putting those entries into this journal, and tables without them (the engine's raw COPY
rate). The enrolments, and the accounts enrolment opens, are written straight into the tables
first (not timed).

    .venv/bin/python bench/settlement.py [--enrolments 1000000] [--chunk 20000] [--workers 2]

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
from flexcover.ledger.service import verify
from flexcover.rules.parameters import default_rulebook
from flexcover.synth.enrolments import load_enrolments

MONTH = Month(2026, 1)


def bare_ledger_insert(database: Database, chunk: int, *, foreign_keys: bool) -> float:
    """COPY the bill entries settlement wrote, with their postings, into look-alike tables."""
    suffix = "fk" if foreign_keys else "plain"
    with database.unit_of_work() as session:
        session.execute(
            text(f"CREATE TABLE bare_entries_{suffix} (LIKE ledger_entries INCLUDING ALL)")
        )
        session.execute(
            text(f"CREATE TABLE bare_postings_{suffix} (LIKE ledger_postings INCLUDING ALL)")
        )
        if foreign_keys:  # LIKE copies columns, defaults, checks and indexes, not foreign keys
            session.execute(
                text(
                    f"ALTER TABLE bare_postings_{suffix} ADD FOREIGN KEY (entry_id) "
                    f"REFERENCES bare_entries_{suffix} (id)"
                )
            )
            session.execute(
                text(
                    f"ALTER TABLE bare_postings_{suffix} ADD FOREIGN KEY (account_id) "
                    "REFERENCES ledger_accounts (id)"
                )
            )
        accounts = {
            owner: account_id
            for owner, account_id in session.execute(
                select(LedgerAccount.owner_key, LedgerAccount.id).where(
                    LedgerAccount.kind == "receivable"
                )
            )
        }
        billed = {
            code: account_id
            for code, account_id in session.execute(
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
            ).order_by(ContributionBill.enrolment_id)
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
                    f"COPY bare_entries_{suffix} (id, key, kind, description, month, actor, "
                    "created_at) FROM STDIN"
                ) as copy:
                    for offset, bill in enumerate(part):
                        copy.write_row(
                            (
                                start + offset + 1,
                                f"bill:{bill.enrolment_id}:{MONTH}:regular",
                                "bill",
                                f"employee_pension {MONTH} (regular)",
                                str(MONTH),
                                "bench",
                                at,
                            )
                        )
                with cursor.copy(
                    f"COPY bare_postings_{suffix} (entry_id, account_id, amount_fen) FROM STDIN"
                ) as copy:
                    for offset, bill in enumerate(part):
                        entry = start + offset + 1
                        copy.write_row((entry, billed[bill.jurisdiction_code], -bill.due_fen))
                        copy.write_row((entry, accounts[f"person:{bill.person_id}"], bill.due_fen))
            connection.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enrolments", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
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
                today=(MONTH + 1).first_day,
                chunk_size=args.chunk,
                workers=args.workers,
            )
            ours = time.perf_counter() - started
            assert summary.bills == args.enrolments, summary
            with database.unit_of_work() as session:
                assert verify(session=session) == []
            with_keys = bare_ledger_insert(database, args.chunk, foreign_keys=True)
            plain = bare_ledger_insert(database, args.chunk, foreign_keys=False)
        finally:
            database.dispose()
    n = args.enrolments
    print(
        f"settlement of {n:,} enrolments for {MONTH}, chunks of {args.chunk:,}, "
        f"{args.workers} worker(s); the ledger verifies"
    )
    print(f"settle                  : {ours:7.2f} s  {n / ours:>10,.0f} enrolments/s")
    print(f"bare COPY, journal's FKs: {with_keys:7.2f} s  {n / with_keys:>10,.0f} entries/s")
    print(f"bare COPY, no FKs       : {plain:7.2f} s  {n / plain:>10,.0f} entries/s")
    print(f"ratio to the journal-shaped COPY : {ours / with_keys:5.2f}×")
    print(f"ratio to the raw COPY            : {ours / plain:5.2f}×")


if __name__ == "__main__":
    main()
