"""Settlement killed with SIGKILL at random points, five times, then run to the end, leaves
exactly the journal, bills, balances and reminders of one uninterrupted run — the killed runs
with two workers, the clean one with one, so the test also shows that parallel chunks settle
exactly as serial ones."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from flexcover.cli import upgrade_database
from flexcover.kit.database import Database
from flexcover.kit.months import Month
from flexcover.kit.settings import Settings
from flexcover.synth.enrolments import load_enrolments

MONTH = Month(2026, 1)
ENROLMENTS = int(os.environ.get("FLEXCOVER_CRASH_ENROLMENTS", "100000"))


@pytest.fixture
def twin_databases(database_url, tmp_path) -> Iterator[tuple[str, str]]:
    if database_url.startswith("sqlite"):
        pytest.skip("SIGKILL recovery is proven on PostgreSQL, the production database")
    server = make_url(database_url).set(database="postgres").render_as_string(hide_password=False)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    names = [f"flexcover_crash_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    urls = []
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            urls.append(
                make_url(database_url).set(database=name).render_as_string(hide_password=False)
            )
    try:
        for url in urls:
            upgrade_database(Settings(data_dir=tmp_path / "data", database_url_override=url))
            database = Database(url)
            load_enrolments(database, ENROLMENTS, MONTH)
            database.dispose()
        yield urls[0], urls[1]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _command(url: str, tmp_path, workers: int) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "FLEXCOVER_DATABASE_URL": url,
        "FLEXCOVER_DATA_DIR": str(tmp_path / "data"),
    }
    flexcover = str(Path(sys.executable).parent / "flexcover")
    command = [flexcover, "settle", str(MONTH), "--chunk-size", "2000", "--workers", str(workers)]
    return command, env


def start_settlement(url: str, tmp_path) -> subprocess.Popen[bytes]:
    command, env = _command(url, tmp_path, workers=2)
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_settlement(url: str, tmp_path, workers: int = 2) -> None:
    command, env = _command(url, tmp_path, workers)
    finished = subprocess.run(command, env=env, capture_output=True, timeout=900, check=False)
    assert finished.returncode == 0, finished.stderr.decode()


SNAPSHOT = {
    "entries": "SELECT e.key, e.kind, e.month, a.kind, a.jurisdiction_code, a.owner_key, "
    "p.amount_fen FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id "
    "JOIN ledger_accounts a ON a.id = p.account_id ORDER BY 1, 4, 6, 7",
    "balances": "SELECT kind, jurisdiction_code, owner_key, balance_fen FROM ledger_accounts "
    "ORDER BY 1, 2, 3",
    "bills": "SELECT enrolment_id, month, kind, base_fen, due_fen, status FROM contribution_bills "
    "ORDER BY 1, 2, 3",
    "outbox": "SELECT key, topic FROM outbox ORDER BY 1",
    "run": "SELECT month, bills, status FROM settlement_runs",
    "chunks": "SELECT month, first_enrolment_id, last_enrolment_id, enrolments, bills, "
    "settled_at IS NOT NULL FROM settlement_chunks ORDER BY 1, 2",
}


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: [tuple(row) for row in connection.execute(text(sql))]
                for name, sql in SNAPSHOT.items()
            }
    finally:
        engine.dispose()


def test_five_kills_then_a_rerun_equal_one_clean_run(twin_databases, tmp_path):
    clean, killed = twin_databases
    started = time.monotonic()
    run_settlement(clean, tmp_path, workers=1)
    duration = time.monotonic() - started
    rng = random.Random(20261123)
    kills = 0
    for _ in range(5):
        process = start_settlement(killed, tmp_path)
        time.sleep(rng.uniform(0.2, max(0.3, duration * 0.2)))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=60)
    assert kills >= 3  # most attempts really died mid-run
    run_settlement(killed, tmp_path)
    expected, actual = snapshot(clean), snapshot(killed)
    assert len(expected["bills"]) == ENROLMENTS
    for name in SNAPSHOT:
        assert actual[name] == expected[name], name
    run_settlement(killed, tmp_path)
    assert snapshot(killed) == expected  # a second run after the end changes nothing
