"""Contributions fixtures: Chongqing (渝中区 500103) in 2026, floor 4,553 and ceiling 22,765."""

from __future__ import annotations

import pytest

from flexcover.contributions import service
from flexcover.kit.audit import Actor
from flexcover.kit.months import Month
from flexcover.ledger.service import AccountRef, Draft, post
from flexcover.registry import accounts
from flexcover.rules.parameters import default_rulebook
from tests.conftest import SYSTEM

JAN = Month(2026, 1)
FLOOR = 455300
CEILING = 2276500


@pytest.fixture(scope="session")
def rulebook():
    return default_rulebook()


class World:
    """A worker and officers in Chongqing, with helpers that run the services in a unit of work."""

    def __init__(self, database, factory, rulebook):
        self.database, self.factory, self.rulebook = database, factory, rulebook

    def worker(self, *, residence="500103", region="420106", **fields) -> tuple[int, Actor]:
        person = self.factory.person(residence=residence, region=region, **fields)
        user = self.factory.user(
            "worker", residence, username=f"worker{person.id}", person_id=person.id
        )
        return person.id, accounts.actor_for(user, source="test")

    def officer(self, region="500103", name="officer") -> Actor:
        user = self.factory.user("district_officer", region, username=name)
        return accounts.actor_for(user, source="test")

    def enrol(
        self,
        person_id,
        actor=SYSTEM,
        *,
        base=FLOOR,
        first=JAN,
        scheme="employee_pension",
        jurisdiction="500103",
        frequency="monthly",
        as_of=JAN,
    ):
        with self.database.unit_of_work() as session:
            return service.enrol(
                session=session,
                rulebook=self.rulebook,
                actor=actor,
                person_id=person_id,
                scheme=scheme,
                jurisdiction=jurisdiction,
                first_month=first,
                base_fen=base,
                payment_frequency=frequency,
                as_of=as_of,
            )

    def settle(self, month, chunk_size=500, today=None, force_reason=None):
        """Settle ``month`` on the day after it ends (unless told another day)."""
        from flexcover.contributions.tasks import settle

        return settle(
            database=self.database,
            rulebook=self.rulebook,
            month=month,
            actor=SYSTEM,
            today=today or (month + 1).first_day,
            force_reason=force_reason,
            chunk_size=chunk_size,
        )

    def pay(self, person_id, amount, key, actor=SYSTEM):
        with self.database.unit_of_work() as session:
            return service.pay(
                session=session,
                actor=actor,
                person_id=person_id,
                amount_fen=amount,
                idempotency_key=key,
            )

    def fund_subsidy_budget(self, jurisdiction="500103", amount=10_000_000):
        with self.database.unit_of_work() as session:
            post(
                session=session,
                actor=SYSTEM,
                draft=Draft(
                    key=f"budget:{jurisdiction}:{amount}",
                    kind="budget",
                    description="subsidy budget",
                    postings=(
                        (AccountRef("collection_clearing", jurisdiction), amount),
                        (AccountRef("subsidy_budget", jurisdiction), -amount),
                    ),
                ),
            )


def _period(value: str, year: int) -> str:
    return (
        f'    - value: "{value}"\n      effective_from: {year}-01-01\n'
        f"      effective_to: {year}-12-31\n      source: a notice\n      confidence: S\n"
    )


@pytest.fixture
def published(rulebook, tmp_path):
    """Chongqing's 2027 limits as they would be loaded once published: floor 4,801 and ceiling
    20,000 (lower, so that a ceiling payer is refunded); 2026 as shipped."""
    path = tmp_path / "500000.yaml"
    path.write_text(
        'jurisdiction: "500000"\nname: 重庆市\nparameters:\n'
        "  contribution_base.floor_yuan:\n"
        + _period("4553", 2026)
        + _period("4801", 2027)
        + "  contribution_base.ceiling_yuan:\n"
        + _period("22765", 2026)
        + _period("20000", 2027),
        "utf-8",
    )
    return rulebook.with_override(path)


@pytest.fixture
def world(database, factory, rulebook):
    return World(database, factory, rulebook)
