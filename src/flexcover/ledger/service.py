"""The ledger's use cases, for the other packages: post, post_batch, reverse, balances, interest,
verification. Services never commit; the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from flexcover.ledger import repository
from flexcover.ledger.accounts import (
    ACCOUNT_KINDS,
    SCHEMES,
    AccountKind,
    AccountRef,
    natural_key,
)
from flexcover.ledger.columns import EntryColumns as EntryColumns  # batch posting by columns
from flexcover.ledger.columns import Leg as Leg
from flexcover.ledger.columns import post_columns as post_columns
from flexcover.ledger.interest import credit_interest
from flexcover.ledger.journal import (
    BatchResult,
    Draft,
    lock_in_order,
    open_accounts,
    post,
    post_batch,
    reverse,
)
from flexcover.ledger.models import JournalEntry, LedgerAccount, Posting
from flexcover.ledger.verification import JournalSize, journal_size, verify

__all__ = [
    "ACCOUNT_KINDS",
    "SCHEMES",
    "AccountKind",
    "AccountRef",
    "BatchResult",
    "Draft",
    "JournalEntry",
    "JournalSize",
    "LedgerAccount",
    "Posting",
    "balance",
    "balances",
    "credit_interest",
    "journal_size",
    "open_accounts",
    "post",
    "post_batch",
    "reverse",
    "verify",
]


def balance(*, session: Session, ref: AccountRef) -> int:
    """The account's balance on its normal side, in fen; 0 if nothing was ever posted to it."""
    key = natural_key(ref, field="ref")
    state = repository.accounts_by_key(session, [key]).get(key)
    return state.balance_fen if state else 0


def balances(
    *, session: Session, refs: Sequence[AccountRef], lock: bool = False
) -> dict[AccountRef, int]:
    """:func:`balance` of many accounts in one query; with ``lock``, the accounts that exist are
    locked first (PostgreSQL), so that the balances hold until the transaction ends."""
    keys = {ref: natural_key(ref, field=f"refs.{index}") for index, ref in enumerate(refs)}
    states = repository.accounts_by_key(session, keys.values())
    if lock and states:
        lock_in_order(session, states)
        states = repository.accounts_by_key(session, keys.values())
    return {ref: states[key].balance_fen if key in states else 0 for ref, key in keys.items()}
