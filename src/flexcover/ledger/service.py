"""The ledger's use cases, for the other packages: post, post_batch, reverse, balances, interest,
verification. Services never commit; the caller's unit of work does.
"""

from __future__ import annotations

from flexcover.ledger.accounts import ACCOUNT_KINDS, SCHEMES, AccountKind, AccountRef
from flexcover.ledger.interest import credit_interest
from flexcover.ledger.journal import (
    BatchResult,
    Draft,
    balance,
    balances,
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
    "post",
    "post_batch",
    "reverse",
    "verify",
]
