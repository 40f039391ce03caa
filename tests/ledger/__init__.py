"""Ledger tests: shared arrangements (accounts named as the contributions package names them)."""

from __future__ import annotations

from flexcover.kit.months import Month
from flexcover.ledger.service import AccountRef, Draft

CQ = "500103"  # 重庆市渝中区: a district with a full lineage of parameters


def receivable(person_id: int) -> AccountRef:
    return AccountRef("receivable", CQ, person_id=person_id)


def personal(person_id: int) -> AccountRef:
    return AccountRef("personal_pension", CQ, person_id=person_id)


CLEARING = AccountRef("collection_clearing", CQ)
POOLED = AccountRef("pooled_pension", CQ)
BILLED = AccountRef("contributions_billed", CQ, scheme="employee_pension")


def bill(person_id: int, amount: int, *, key: str | None = None, month: str = "2025-06") -> Draft:
    """A bill: the worker owes ``amount``, the scheme awaits it."""
    return Draft(
        key=key or f"bill:{person_id}:{month}",
        kind="bill",
        description="灵活就业养老保险缴费",
        postings=((receivable(person_id), amount), (BILLED, -amount)),
        month=Month.parse(month),
    )


def deposit(person_id: int, amount: int, *, key: str, month: str) -> Draft:
    """Money collected straight into the worker's personal pension account."""
    return Draft(
        key=key,
        kind="payment",
        description="个人账户划入",
        postings=((CLEARING, amount), (personal(person_id), -amount)),
        month=Month.parse(month),
    )
