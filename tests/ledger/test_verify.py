"""Verification recomputes the ledger from its journal and names every difference; the CLI
``flexcover ledger verify`` prints them and exits 1, ``ledger interest`` credits a year."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from flexcover.ledger.commands import ledger_app
from flexcover.ledger.service import post, reverse, verify
from tests.conftest import SYSTEM
from tests.ledger import bill, deposit

runner = CliRunner()


@pytest.fixture
def journal(database, factory):
    """Two workers, a bill each, a deposit and a reversed bill."""
    first, second = factory.person(), factory.person()
    with database.unit_of_work() as session:
        post(session=session, draft=bill(first.id, 88080), actor=SYSTEM)
        wrong = post(session=session, draft=bill(second.id, 100), actor=SYSTEM)
        post(
            session=session,
            draft=deposit(first.id, 1_000_000, key="pay:1", month="2023-12"),
            actor=SYSTEM,
        )
        reverse(session=session, entry_id=wrong.id, key="r:1", reason="错开", actor=SYSTEM)
    return first, second


@pytest.fixture
def cli_env(database, monkeypatch, tmp_path):
    monkeypatch.setenv("FLEXCOVER_DATABASE_URL", database.url)
    monkeypatch.setenv("FLEXCOVER_DATA_DIR", str(tmp_path))


def test_a_sound_ledger_has_no_findings(session, journal):
    assert verify(session=session) == []


def test_a_tampered_balance_is_found(database, journal):
    with database.unit_of_work() as session:
        session.execute(
            text("UPDATE ledger_accounts SET balance_fen = balance_fen + 1 WHERE kind = :k"),
            {"k": "personal_pension"},
        )
    with database.sessions() as session:
        (finding,) = verify(session=session)
    assert "personal_pension 500103 person:" in finding
    assert "balance 10000.01 but its postings give 10000.00" in finding


def test_a_tampered_posting_is_found_in_its_entry_and_its_account(database, journal):
    with database.unit_of_work() as session:
        session.execute(
            text("UPDATE ledger_postings SET amount_fen = 88081 WHERE amount_fen = 88080")
        )
    with database.sessions() as session:
        findings = verify(session=session)
    assert any("receivable" in f and "postings give 880.81" in f for f in findings)
    assert any("2 posting(s) summing to 0.01" in f for f in findings)
    assert len(findings) == 2


def test_a_reversal_that_no_longer_mirrors_is_found(database, journal):
    with database.unit_of_work() as session:
        session.execute(
            text(
                "UPDATE ledger_postings SET amount_fen = amount_fen * 2 WHERE entry_id = "
                "(SELECT id FROM ledger_entries WHERE key = 'r:1')"
            )
        )
    with database.sessions() as session:
        findings = verify(session=session)
    assert any("('r:1'): does not mirror entry" in f for f in findings)


def test_a_lone_posting_is_found(database, journal):
    with database.unit_of_work() as session:
        session.execute(
            text(
                "DELETE FROM ledger_postings WHERE id = (SELECT MIN(id) FROM ledger_postings "
                "WHERE entry_id = (SELECT id FROM ledger_entries WHERE key = 'pay:1'))"
            )
        )
    with database.sessions() as session:
        findings = verify(session=session)
    assert any("('pay:1'): 1 posting(s) summing to" in f for f in findings)


def test_cli_verify_prints_the_size_of_a_sound_ledger(journal, cli_env):
    result = runner.invoke(ledger_app, ["verify"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "ledger verified: 4 entries, 5 accounts"


def test_cli_verify_prints_each_difference_and_exits_1(database, journal, cli_env):
    with database.unit_of_work() as session:
        session.execute(
            text("UPDATE ledger_accounts SET balance_fen = 7 WHERE kind = 'receivable'")
        )
    result = runner.invoke(ledger_app, ["verify"])
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3  # two receivables, then the count
    assert lines[-1] == "2 difference(s) found"


def test_cli_interest_credits_and_prints_the_count(database, journal, cli_env):
    result = runner.invoke(ledger_app, ["interest", "--jurisdiction", "500103", "--year", "2024"])
    assert result.exit_code == 0, result.output
    assert "credited 2024 interest to 1 account(s) in 500103" in result.stdout
    again = runner.invoke(ledger_app, ["interest", "--jurisdiction", "500103", "--year", "2024"])
    assert "to 0 account(s)" in again.stdout
    assert "(1 already credited)" in again.stdout
    with database.sessions() as session:
        assert verify(session=session) == []


def test_cli_interest_refuses_a_year_without_a_rate(journal, cli_env):
    result = runner.invoke(ledger_app, ["interest", "--jurisdiction", "500103", "--year", "2009"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: year: ")
