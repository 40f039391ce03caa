"""Random sequences of enrol / change base / pause / resume / settle / pay / replay / subsidy /
publishing the new year's limits: after every step the ledger verifies and agrees with the bills,
and replays change nothing. The months run from December 2026 into 2027, whose limits are carried
forward from 2026 until a step publishes higher ones and the provisional bills are re-priced."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, select

from flexcover.contributions import service, subsidies
from flexcover.contributions.models import ContributionBill, Enrolment, Payment, SubsidyGrant
from flexcover.contributions.problems import NothingToSettle
from flexcover.contributions.tasks import reconcile
from flexcover.kit.months import Month
from flexcover.kit.problems import Problem
from flexcover.ledger.service import AccountRef, balance, verify
from flexcover.migrations import data_tables
from tests.conftest import SYSTEM
from tests.contributions.conftest import CEILING, FLOOR, World

WORKERS = 3
BASES = st.one_of(st.just(FLOOR), st.just(CEILING), st.integers(FLOOR, CEILING))
"""The floor and the ceiling are where the new year's limits move a base."""
START = Month(2026, 12)


def test_contribution_sequences_keep_the_books_straight(database, factory, rulebook, published):
    """``published``: the 2027 figures a step loads, a higher floor (floor payers owe more) and
    a lower ceiling (those above it are refunded)."""

    class Contributions(RuleBasedStateMachine):
        @initialize()
        def fresh_city(self):
            with database.unit_of_work() as work:
                for table in data_tables():
                    work.execute(delete(table))
            self.world = World(database, factory, rulebook)
            self.people = [self.world.worker()[0] for _ in range(WORKERS)]
            self.maker = self.world.officer(name="maker")
            self.checker = self.world.officer(name="checker")
            self.world.fund_subsidy_budget(amount=5_000_000)
            self.month = START
            self.keys: dict[str, tuple[int, int]] = {}
            self.counter = 0

        def _try(self, action) -> bool:
            try:
                with database.unit_of_work() as work:
                    action(work)
            except Problem:
                return False  # a refusal is fine; the invariants check it changed nothing
            return True

        def _enrolment(self, person_id):
            with database.sessions() as work:
                return work.scalars(
                    select(Enrolment).where(
                        Enrolment.person_id == person_id, Enrolment.status != "terminated"
                    )
                ).one_or_none()

        @rule(who=st.integers(0, WORKERS - 1), base=BASES)
        def enrol(self, who, base):
            self._try(
                lambda work: service.enrol(
                    session=work,
                    rulebook=self.world.rulebook,
                    actor=SYSTEM,
                    person_id=self.people[who],
                    scheme="employee_pension",
                    jurisdiction="500103",
                    first_month=self.month,
                    base_fen=base,
                    payment_frequency="monthly",
                    as_of=self.month,
                )
            )

        @rule(who=st.integers(0, WORKERS - 1), base=BASES)
        def change_base(self, who, base):
            enrolment = self._enrolment(self.people[who])
            if enrolment is not None:
                self._try(
                    lambda work: service.change_base(
                        session=work,
                        rulebook=self.world.rulebook,
                        actor=SYSTEM,
                        enrolment_id=enrolment.id,
                        from_month=self.month + 1,
                        base_fen=base,
                        as_of=self.month,
                    )
                )

        @rule(who=st.integers(0, WORKERS - 1))
        def pause_or_resume(self, who):
            enrolment = self._enrolment(self.people[who])
            if enrolment is None:
                return
            if enrolment.status == "paused":
                self._try(
                    lambda work: service.resume(
                        session=work,
                        actor=SYSTEM,
                        enrolment_id=enrolment.id,
                        month=self.month + 1,
                        as_of=self.month,
                    )
                )
            else:
                self._try(
                    lambda work: service.pause(
                        session=work,
                        actor=SYSTEM,
                        enrolment_id=enrolment.id,
                        from_month=self.month + 1,
                        as_of=self.month,
                    )
                )

        @rule(who=st.integers(0, WORKERS - 1))
        def apply_for_subsidy(self, who):
            def apply(work):
                application = subsidies.apply(
                    session=work,
                    actor=SYSTEM,
                    person_id=self.people[who],
                    category="difficulty",
                    certificate="c",
                    as_of=self.month,
                )
                subsidies.propose(
                    session=work,
                    actor=self.maker,
                    application_id=application.id,
                    decision="approve",
                    note=None,
                )
                subsidies.decide(
                    session=work,
                    rulebook=self.world.rulebook,
                    actor=self.checker,
                    application_id=application.id,
                    confirm=True,
                    first_month=self.month,
                    as_of=self.month,
                )

            self._try(apply)

        @rule()
        def settle_and_move_on(self):
            if self.month < START + 11:
                # Settling reconciles what new figures re-price; with nobody enrolled yet it is
                # refused, and the month passes all the same.
                with contextlib.suppress(NothingToSettle):
                    self.world.settle(self.month)
                self.month = self.month + 1

        @rule()
        def publish_the_new_years_limits(self):
            if self.month > Month(2027, 1) and self.world.rulebook is not published:
                self.world.rulebook = published
                reconcile(database=database, rulebook=published, actor=SYSTEM)

        @rule(data=st.data(), share=st.one_of(st.just(100), st.integers(1, 100)))
        def pay(self, data, share):
            """Someone who owes pays part or all of it (the refusals of paying nothing are
            tested elsewhere; here payments must happen)."""
            with database.sessions() as work:
                owing: dict[int, int] = {}
                for bill in work.scalars(
                    select(ContributionBill).where(ContributionBill.status != "paid")
                ):
                    owing[bill.person_id] = owing.get(bill.person_id, 0) + bill.outstanding_fen
            if not owing:
                return
            person_id = data.draw(st.sampled_from(sorted(owing)))
            owed = owing[person_id]
            amount = max(1, owed * share // 100)
            self.counter += 1
            key = f"k{self.counter}"
            paid = self._try(
                lambda work: service.pay(
                    session=work,
                    actor=SYSTEM,
                    person_id=person_id,
                    amount_fen=amount,
                    idempotency_key=key,
                )
            )
            if paid:  # only an accepted payment has a key to replay
                self.keys[key] = (person_id, amount)

        @rule(data=st.data())
        def replay(self, data):
            if not self.keys:
                return
            key = data.draw(st.sampled_from(sorted(self.keys)))
            person_id, amount = self.keys[key]
            before = self._payments()
            self._try(
                lambda work: service.pay(
                    session=work,
                    actor=SYSTEM,
                    person_id=person_id,
                    amount_fen=amount,
                    idempotency_key=key,
                )
            )
            assert self._payments() == before

        def _payments(self):
            with database.sessions() as work:
                return work.scalar(select(func.count()).select_from(Payment))

        @invariant()
        def books_agree(self):
            if not hasattr(self, "world"):
                return
            with database.sessions() as work:
                assert verify(session=work) == []
                for person_id in self.people:
                    bills = work.scalars(
                        select(ContributionBill).where(ContributionBill.person_id == person_id)
                    ).all()
                    owed = sum(b.outstanding_fen for b in bills if b.status != "paid")
                    assert all(b.outstanding_fen == 0 for b in bills if b.status == "paid")
                    credited = sum(b.allocated_personal_fen for b in bills)
                    if self.world.rulebook is published:
                        assert not [b for b in bills if b.provisional]
                    ref = AccountRef("receivable", "500103", person_id=person_id)
                    assert balance(session=work, ref=ref) == owed
                    pension = AccountRef("personal_pension", "500103", person_id=person_id)
                    assert balance(session=work, ref=pension) == credited
                    granted = sum(
                        work.scalars(
                            select(SubsidyGrant.amount_fen)
                            .join(ContributionBill, ContributionBill.id == SubsidyGrant.bill_id)
                            .where(ContributionBill.person_id == person_id)
                        )
                    )
                    payable = AccountRef("subsidy_payable", "500103", person_id=person_id)
                    assert balance(session=work, ref=payable) == granted
                    refund = AccountRef("refund_payable", "500103", person_id=person_id)
                    refunded = balance(session=work, ref=refund)
                    paid = sum(b.paid_fen for b in bills)
                    received = sum(
                        work.scalars(
                            select(Payment.amount_fen).where(Payment.person_id == person_id)
                        )
                    )
                    assert paid + refunded == received

    run_state_machine_as_test(
        Contributions,
        settings=settings(
            max_examples=12,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
