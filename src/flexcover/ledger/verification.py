"""Verification: the cached balances, the entries and the reversals, checked against the journal.

Recomputes every account's balance from its postings, and checks that every entry balances with
two or more postings, that no account breaks its sign rule, and that every reversal mirrors the
entry it names. Any finding is a human-readable line; none means the ledger is sound.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session

from flexcover.kit.money import format_yuan
from flexcover.ledger import repository
from flexcover.ledger.accounts import ACCOUNT_KINDS


@dataclass(frozen=True)
class JournalSize:
    entries: int
    accounts: int


def journal_size(*, session: Session) -> JournalSize:
    entries, accounts = repository.journal_size(session)
    return JournalSize(entries=entries, accounts=accounts)


def verify(*, session: Session) -> list[str]:
    """Every difference between the ledger and its journal; an empty list when there is none."""
    found: list[str] = []
    for row in repository.accounts_out_of_line(session):
        name = f"account {row.id} ({row.kind} {row.jurisdiction_code} {row.owner_key})"
        kind = ACCOUNT_KINDS.get(row.kind)
        if row.balance_fen != row.expected:
            found.append(
                f"{name}: balance {format_yuan(row.balance_fen)} but its postings give "
                f"{format_yuan(row.expected)}"
            )
        if not row.allow_negative and min(row.balance_fen, row.expected) < 0:
            found.append(f"{name}: negative balance on an account that cannot go negative")
        if kind is not None and row.normal_side != kind.side:
            found.append(f"{name}: normal side {row.normal_side}, but {row.kind} is {kind.side}")
        if kind is not None and bool(row.allow_negative) != kind.allow_negative:
            found.append(f"{name}: sign rule differs from its kind's")
    for entry_id, key, postings, total in repository.unbalanced_entries(session):
        found.append(
            f"entry {entry_id} ('{key}'): {postings} posting(s) summing to {format_yuan(total)}"
        )
    found.extend(_reversal_findings(session))
    return found


def _reversal_findings(session: Session) -> list[str]:
    rows = repository.reversals(session)
    pairs = [(row.id, row.reverses_entry_id) for row in rows if row[4] is not None]
    postings = repository.postings_of(session, [i for pair in pairs for i in pair])
    found = []
    for entry_id, key, kind, reverses, original in rows:
        name = f"entry {entry_id} ('{key}')"
        if reverses is None:
            found.append(f"{name}: kind {kind} but it names no entry it reverses")
        elif original is None:
            found.append(f"{name}: reverses entry {reverses}, which does not exist")
        elif Counter(postings[entry_id]) != Counter(
            (account, -amount) for account, amount in postings[reverses]
        ):
            found.append(f"{name}: does not mirror entry {reverses}, which it reverses")
        elif kind != "reversal":
            found.append(f"{name}: reverses entry {reverses} but its kind is {kind}")
    return found
