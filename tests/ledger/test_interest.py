"""Annual interest on personal pension accounts (记账利息), at the national rate for the year,
credited from the pooled fund, once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from flexcover.kit.months import Month
from flexcover.ledger.problems import InvalidEntry, KeyReused
from flexcover.ledger.service import (
    AccountRef,
    BatchResult,
    Draft,
    JournalEntry,
    balance,
    credit_interest,
    post,
    post_batch,
    verify,
)
from flexcover.rules.parameters import MissingParameter, default_rulebook
from tests.conftest import SYSTEM, count
from tests.ledger import CQ, POOLED, deposit, personal


@pytest.fixture
def rulebook():
    return default_rulebook()


@pytest.fixture
def worker(factory):
    return factory.person()


def credit(database, rulebook, year, jurisdiction=CQ):
    with database.unit_of_work() as session:
        return credit_interest(
            session=session, rulebook=rulebook, jurisdiction=jurisdiction, year=year, actor=SYSTEM
        )


def test_an_opening_balance_of_10000_yuan_earns_262_yuan_at_2024s_rate(database, rulebook, worker):
    with database.unit_of_work() as session:
        post(
            session=session,
            draft=deposit(worker.id, 1_000_000, key="pay:2023-12", month="2023-12"),
            actor=SYSTEM,
        )
    assert credit(database, rulebook, 2024) == BatchResult(posted=1, skipped=0)
    with database.sessions() as session:
        assert balance(session=session, ref=personal(worker.id)) == 1_026_200
        # The pooled fund pays it: a credit-normal account debited by 262.00.
        assert balance(session=session, ref=POOLED) == -26_200
        entry = session.scalars(select(JournalEntry).where(JournalEntry.kind == "interest")).one()
        assert entry.month == "2024-12"
        account_id = next(p.account_id for p in entry.postings if p.amount_fen < 0)
        assert entry.key == f"interest:2024:{account_id}"
        assert verify(session=session) == []


def test_the_years_own_contributions_earn_nothing_under_annual_compounding(
    database, rulebook, worker
):
    with database.unit_of_work() as session:
        for key, month in (("pay:a", "2023-06"), ("pay:b", "2024-01"), ("pay:c", "2024-12")):
            post(
                session=session,
                draft=deposit(worker.id, 1_000_000, key=key, month=month),
                actor=SYSTEM,
            )
    credit(database, rulebook, 2024)
    with database.sessions() as session:
        assert balance(session=session, ref=personal(worker.id)) == 3_000_000 + 26_200


def test_a_second_run_is_a_no_op(database, rulebook, worker):
    with database.unit_of_work() as session:
        post(
            session=session,
            draft=deposit(worker.id, 1_000_000, key="pay:1", month="2023-12"),
            actor=SYSTEM,
        )
    credit(database, rulebook, 2024)
    assert credit(database, rulebook, 2024) == BatchResult(posted=0, skipped=1)
    with database.sessions() as session:
        assert count(session, JournalEntry) == 2
        assert balance(session=session, ref=personal(worker.id)) == 1_026_200


def test_the_next_year_compounds_on_the_credited_interest(database, rulebook, worker):
    with database.unit_of_work() as session:
        post(
            session=session,
            draft=deposit(worker.id, 1_000_000, key="pay:1", month="2023-12"),
            actor=SYSTEM,
        )
    credit(database, rulebook, 2024)
    credit(database, rulebook, 2025)
    with database.sessions() as session:
        # 10,262.00 × 1.50 % = 153.93
        assert balance(session=session, ref=personal(worker.id)) == 1_026_200 + 15_393


def test_no_entry_when_the_interest_is_zero(database, rulebook, worker):
    with database.unit_of_work() as session:
        post(
            session=session,
            draft=deposit(worker.id, 1_000_000, key="pay:1", month="2024-03"),
            actor=SYSTEM,
        )
    assert credit(database, rulebook, 2024) == BatchResult(posted=0, skipped=0)


def test_only_the_jurisdictions_accounts_are_credited(database, rulebook, factory):
    here, there = factory.person(), factory.person()
    elsewhere = Draft(
        key="pay:2",
        kind="payment",
        description="个人账户划入",
        postings=(
            (AccountRef("collection_clearing", "500106"), 1_000_000),
            (AccountRef("personal_pension", "500106", person_id=there.id), -1_000_000),
        ),
        month=Month(2023, 12),
    )
    with database.unit_of_work() as session:
        post(
            session=session,
            draft=deposit(here.id, 1_000_000, key="pay:1", month="2023-12"),
            actor=SYSTEM,
        )
        post(session=session, draft=elsewhere, actor=SYSTEM)
    assert credit(database, rulebook, 2024) == BatchResult(posted=1, skipped=0)


def test_half_year_factor_credits_the_years_contributions_too(
    database, rulebook, worker, tmp_path: Path
):
    reform = tmp_path / "reform.yaml"
    reform.write_text(
        "jurisdiction: '000000'\nname: 全国\nparameters:\n"
        "  account.crediting_method:\n"
        "    - value: half_year_factor\n"
        "      effective_from: 1998-01-01\n"
        "      source: test\n"
        "      confidence: U\n",
        "utf-8",
    )
    with database.unit_of_work() as session:
        post_batch(
            session=session,
            drafts=[
                deposit(worker.id, 1_000_000, key="pay:1", month="2023-12"),
                deposit(worker.id, 120_000, key="pay:2", month="2024-06"),
            ],
            actor=SYSTEM,
        )
    credit(database, rulebook.with_override(reform), 2024)
    with database.sessions() as session:
        # 262.00 on the opening balance + 1,200.00 × 2.62 % × 1.083 × ½ = 17.02
        assert balance(session=session, ref=personal(worker.id)) == 1_120_000 + 26_200 + 1_702


def test_a_later_contribution_to_a_credited_year_is_refused_under_half_year_factor(
    database, rulebook, worker, tmp_path: Path
):
    reform = tmp_path / "reform.yaml"
    reform.write_text(
        "jurisdiction: '000000'\nname: 全国\nparameters:\n"
        "  account.crediting_method:\n"
        "    - value: half_year_factor\n"
        "      effective_from: 1998-01-01\n"
        "      source: test\n"
        "      confidence: U\n",
        "utf-8",
    )
    with database.unit_of_work() as session:
        post(
            session=session,
            draft=deposit(worker.id, 1_000_000, key="pay:1", month="2024-06"),
            actor=SYSTEM,
        )
    credit(database, rulebook.with_override(reform), 2024)
    with database.unit_of_work() as session:
        post(
            session=session,
            draft=deposit(worker.id, 1_000_000, key="pay:2", month="2024-07"),
            actor=SYSTEM,
        )
    # The credited figure no longer matches the journal: the run says so instead of re-crediting.
    with pytest.raises(KeyReused):
        credit(database, rulebook.with_override(reform), 2024)


def test_a_year_without_a_national_rate_is_refused(database, rulebook):
    with pytest.raises(MissingParameter) as refused:
        credit(database, rulebook, 2010)
    assert refused.value.field == "year"


def test_a_malformed_jurisdiction_or_year_is_refused(database, rulebook):
    with pytest.raises(InvalidEntry):
        credit(database, rulebook, 2024, jurisdiction="5001")
    with pytest.raises(InvalidEntry):
        credit(database, rulebook, 0)


def test_accounts_are_credited_chunk_by_chunk(database, rulebook, factory, monkeypatch):
    from flexcover.ledger import interest

    monkeypatch.setattr(interest, "CHUNK", 2)
    people = [factory.person() for _ in range(5)]
    with database.unit_of_work() as session:
        post_batch(
            session=session,
            drafts=[
                deposit(p.id, 100_000 * (i + 1), key=f"pay:{i}", month="2023-12")
                for i, p in enumerate(people)
            ],
            actor=SYSTEM,
        )
    assert credit(database, rulebook, 2024) == BatchResult(posted=5, skipped=0)
    with database.sessions() as session:
        # 1,000.00 × (i + 1) at 2.62 % = 26.20 × (i + 1)
        for i, p in enumerate(people):
            assert balance(session=session, ref=personal(p.id)) == 102_620 * (i + 1)
        assert balance(session=session, ref=POOLED) == -2_620 * 15
