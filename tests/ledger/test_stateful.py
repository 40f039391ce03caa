"""Random sequences of posts, replays, reused keys, reversals, batches and interest runs, checked
against a model after every step: every entry balances, the cached balances equal the journal,
no account breaks its sign rule, and a replay changes nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, select

from flexcover.kit.months import Month
from flexcover.ledger.accounts import ACCOUNT_KINDS, AccountRef, NaturalKey, natural_key
from flexcover.ledger.models import LedgerAccount
from flexcover.ledger.problems import (
    AccountWouldGoNegative,
    AlreadyReversed,
    KeyReused,
)
from flexcover.ledger.service import (
    BatchResult,
    Draft,
    JournalEntry,
    Posting,
    balances,
    credit_interest,
    post,
    post_batch,
    reverse,
    verify,
)
from flexcover.rules.account import credit_year
from flexcover.rules.parameters import default_rulebook
from tests.conftest import SYSTEM
from tests.ledger import BILLED, CLEARING, CQ, POOLED

BUDGET = AccountRef("subsidy_budget", CQ)
MONTHS = [None, *(str(Month(2023, 1) + n) for n in range(36))]
amounts = st.integers(-50_000, 50_000).filter(bool)


@dataclass
class Modelled:
    id: int
    key: str
    kind: str
    month: str | None
    lines: tuple[tuple[AccountRef, int], ...]
    reverses: int | None = None
    reversed_by: int | None = None


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, database, people):
        super().__init__()
        self.database = database
        with database.unit_of_work() as session:
            for model in (Posting, JournalEntry, LedgerAccount):
                session.execute(delete(model))
        self.accounts = [CLEARING, POOLED, BILLED, BUDGET]
        for person in people:
            self.accounts += [
                AccountRef("receivable", CQ, person_id=person.id),
                AccountRef("personal_pension", CQ, person_id=person.id),
            ]
        self.entries: dict[str, Modelled] = {}
        self.balance: Counter[AccountRef] = Counter()
        self.serial = 0
        self.rulebook = default_rulebook()

    # --- the model -------------------------------------------------------------------------

    def fresh_key(self) -> str:
        self.serial += 1
        return f"e:{self.serial}"

    @staticmethod
    def normal(ref: AccountRef, amount: int) -> int:
        return ACCOUNT_KINDS[ref.kind].sign * amount

    def breaks_sign_rule(self, lines) -> bool:
        after = Counter(self.balance)
        for ref, amount in lines:
            after[ref] += self.normal(ref, amount)
        return any(after[ref] < 0 for ref in after if not ACCOUNT_KINDS[ref.kind].allow_negative)

    def book(self, entry: Modelled) -> None:
        self.entries[entry.key] = entry
        for ref, amount in entry.lines:
            self.balance[ref] += self.normal(ref, amount)

    def draft_lines(self, data) -> tuple[tuple[AccountRef, int], ...]:
        refs = data.draw(
            st.lists(st.sampled_from(self.accounts), min_size=2, max_size=3, unique=True)
        )
        values = data.draw(
            st.lists(amounts, min_size=len(refs) - 1, max_size=len(refs) - 1).filter(
                lambda v: sum(v) != 0
            )
        )
        return tuple(zip(refs, [*values, -sum(values)], strict=True))

    def draft(self, data, key: str) -> Draft:
        month = data.draw(st.sampled_from(MONTHS))
        return Draft(
            key=key,
            kind=data.draw(st.sampled_from(["bill", "payment", "allocation", "subsidy"])),
            description="",
            postings=self.draft_lines(data),
            month=Month.parse(month) if month else None,
        )

    # --- rules -----------------------------------------------------------------------------

    @rule(data=st.data())
    def post_new(self, data):
        draft = self.draft(data, self.fresh_key())
        with self.database.sessions() as session:
            if self.breaks_sign_rule(draft.postings):
                with pytest.raises(AccountWouldGoNegative):
                    post(session=session, draft=draft, actor=SYSTEM)
                session.commit()
                return
            entry = post(session=session, draft=draft, actor=SYSTEM)
            session.commit()
        month = str(draft.month) if draft.month else None
        self.book(Modelled(entry.id, draft.key, draft.kind, month, draft.postings))

    @rule(data=st.data(), amount=st.integers(1, 2_000_000))
    def deposit(self, data, amount):
        """Money into a personal account, so that interest has something to work on."""
        personal = [ref for ref in self.accounts if ref.kind == "personal_pension"]
        month = data.draw(st.sampled_from(MONTHS))
        draft = Draft(
            key=self.fresh_key(),
            kind="payment",
            description="",
            postings=((CLEARING, amount), (data.draw(st.sampled_from(personal)), -amount)),
            month=Month.parse(month) if month else None,
        )
        with self.database.unit_of_work() as session:
            entry = post(session=session, draft=draft, actor=SYSTEM)
        self.book(Modelled(entry.id, draft.key, draft.kind, month, draft.postings))

    @precondition(lambda self: self.entries)
    @rule(data=st.data())
    def replay(self, data):
        known = data.draw(st.sampled_from(sorted(self.entries)))
        entry = self.entries[known]
        if entry.reverses is not None:
            with self.database.unit_of_work() as session:
                again = reverse(
                    session=session, entry_id=entry.reverses, key=known, reason="r", actor=SYSTEM
                )
        else:
            lines = data.draw(st.permutations(entry.lines))
            draft = Draft(key=known, kind=entry.kind, description="again", postings=tuple(lines))
            with self.database.unit_of_work() as session:
                again = post(session=session, draft=draft, actor=SYSTEM)
        assert again.id == entry.id

    @precondition(lambda self: self.entries)
    @rule(data=st.data())
    def reuse_key_with_other_amounts(self, data):
        known = data.draw(st.sampled_from(sorted(self.entries)))
        lines = tuple((ref, 2 * amount) for ref, amount in self.entries[known].lines)
        draft = Draft(key=known, kind="bill", description="", postings=lines)
        with self.database.sessions() as session:
            with pytest.raises(KeyReused):
                post(session=session, draft=draft, actor=SYSTEM)
            session.commit()

    @precondition(lambda self: any(e.reverses is None for e in self.entries.values()))
    @rule(data=st.data())
    def reverse_one(self, data):
        originals = sorted(k for k, e in self.entries.items() if e.reverses is None)
        original = self.entries[data.draw(st.sampled_from(originals))]
        key = self.fresh_key()
        mirror = tuple((ref, -amount) for ref, amount in original.lines)
        with self.database.sessions() as session:
            if original.reversed_by is not None:
                with pytest.raises(AlreadyReversed):
                    reverse(
                        session=session, entry_id=original.id, key=key, reason="r", actor=SYSTEM
                    )
            elif self.breaks_sign_rule(mirror):
                with pytest.raises(AccountWouldGoNegative):
                    reverse(
                        session=session, entry_id=original.id, key=key, reason="r", actor=SYSTEM
                    )
            else:
                entry = reverse(
                    session=session, entry_id=original.id, key=key, reason="r", actor=SYSTEM
                )
                original.reversed_by = entry.id
                self.book(Modelled(entry.id, key, "reversal", original.month, mirror, original.id))
            session.commit()

    @rule(data=st.data(), size=st.integers(1, 6))
    def batch(self, data, size):
        new = [self.draft(data, self.fresh_key()) for _ in range(size)]
        replays = [
            Draft(key=e.key, kind=e.kind, description="", postings=e.lines)
            for e in self.entries.values()
            if e.reverses is None and data.draw(st.booleans())
        ]
        drafts = data.draw(st.permutations(new + replays + new[:1]))
        with self.database.sessions() as session:
            if self.breaks_sign_rule([line for d in new for line in d.postings]):
                with pytest.raises(AccountWouldGoNegative):
                    post_batch(session=session, drafts=drafts, actor=SYSTEM)
                session.commit()
                return
            result = post_batch(session=session, drafts=drafts, actor=SYSTEM)
            session.commit()
            ids = dict(
                session.execute(
                    select(JournalEntry.key, JournalEntry.id).where(
                        JournalEntry.key.in_([d.key for d in new])
                    )
                ).all()
            )
        assert result == BatchResult(posted=len(new), skipped=len(replays) + 1)
        for d in new:
            month = str(d.month) if d.month else None
            self.book(Modelled(ids[d.key], d.key, d.kind, month, d.postings))

    @rule(year=st.sampled_from([2023, 2024, 2025]))
    def interest(self, year):
        with self.database.sessions() as session:
            people = [ref for ref in self.accounts if ref.kind == "personal_pension"]
            ids = self.account_ids(session)
            drafts, outcome = [], None
            for ref in people:
                if natural_key(ref) not in ids:
                    continue
                amount = self.expected_interest(ref, year)
                key = f"interest:{year}:{ids[natural_key(ref)]}"
                lines = ((POOLED, amount), (ref, -amount))
                if key in self.entries:
                    if amount and Counter(self.entries[key].lines) != Counter(lines):
                        outcome = KeyReused  # the journal moved under a credited year
                    continue
                if amount:
                    drafts.append(Modelled(0, key, "interest", f"{year}-12", lines))
            if outcome is None and self.breaks_sign_rule(
                [line for d in drafts for line in d.lines]
            ):
                outcome = AccountWouldGoNegative
            if outcome is not None:
                with pytest.raises(outcome):
                    credit_interest(
                        session=session,
                        rulebook=self.rulebook,
                        jurisdiction=CQ,
                        year=year,
                        actor=SYSTEM,
                    )
                session.commit()
                return
            result = credit_interest(
                session=session, rulebook=self.rulebook, jurisdiction=CQ, year=year, actor=SYSTEM
            )
            session.commit()
            assert result.posted == len(drafts)
            posted = dict(
                session.execute(
                    select(JournalEntry.key, JournalEntry.id).where(JournalEntry.kind == "interest")
                ).all()
            )
        for d in drafts:
            d.id = posted[d.key]
            self.book(d)

    def account_ids(self, session) -> dict[NaturalKey, int]:
        rows = session.execute(
            select(
                LedgerAccount.kind,
                LedgerAccount.jurisdiction_code,
                LedgerAccount.owner_key,
                LedgerAccount.id,
            )
        ).all()
        return {(kind, code, owner): account_id for kind, code, owner, account_id in rows}

    def expected_interest(self, ref: AccountRef, year: int) -> int:
        first, last = f"{year}-01", f"{year}-12"
        opening = contributions = 0
        for entry in self.entries.values():
            for line_ref, amount in entry.lines:
                if line_ref != ref or entry.month is None:
                    continue
                if entry.month < first:
                    opening -= amount
                elif entry.month <= last and entry.kind != "interest":
                    contributions -= amount
        day = date(year, 12, 31)
        rate = self.rulebook.get(CQ, "account.interest_rate", day).value
        method = self.rulebook.get(CQ, "account.crediting_method", day).value
        interest, _ = credit_year(
            np.array([opening]), np.array([contributions]), rate, method, Decimal("1.083")
        )
        return int(interest[0])

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def the_ledger_equals_its_journal(self):
        with self.database.sessions() as session:
            assert verify(session=session) == []
            stored = balances(session=session, refs=self.accounts)
            count = session.scalar(select(func.count()).select_from(JournalEntry))
        assert stored == {ref: self.balance[ref] for ref in self.accounts}
        assert count == len(self.entries)
        assert all(
            stored[ref] >= 0 for ref in self.accounts if not ACCOUNT_KINDS[ref.kind].allow_negative
        )


def test_random_sequences_keep_the_ledger_sound(database, factory):
    people = [factory.person(), factory.person()]
    run_state_machine_as_test(
        lambda: LedgerMachine(database, people),
        settings=settings(
            max_examples=40,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
