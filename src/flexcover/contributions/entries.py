"""The ledger entries of contributions: which accounts an enrolment opens, a bill's entry,
and where a paid bill's money goes (personal account, pooled fund). Settlement, payments and
reconciliation all draw their entries from here, so their shapes are written once."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

from flexcover.contributions.models import ContributionBill
from flexcover.kit.months import Month
from flexcover.ledger.service import AccountRef, Draft

PERSONAL = {"employee_pension": "personal_pension", "employee_medical": "personal_medical"}
POOLED = {"employee_pension": "pooled_pension", "employee_medical": "pooled_medical"}


def enrolment_accounts(person_id: int, scheme: str, jurisdiction: str) -> list[AccountRef]:
    """The accounts an enrolment opens: what the worker owes, and their personal account."""
    return [
        AccountRef("receivable", jurisdiction, person_id=person_id),
        AccountRef(PERSONAL[scheme], jurisdiction, person_id=person_id),
    ]


@lru_cache(maxsize=4096)
def _month(text: str) -> Month:
    """Bills name their month as text; settlement turns the same few into Months many times."""
    return Month.parse(text)


class BillLike(Protocol):
    """What a bill's ledger entry is made from (a stored bill, or one settlement is writing)."""

    enrolment_id: int
    person_id: int
    scheme: str
    jurisdiction_code: str
    month: str
    kind: str
    due_fen: int
    platform_id: int | None
    platform_share_fen: int

    @property
    def worker_due_fen(self) -> int: ...


def bill_drafts(bill: BillLike) -> Draft:
    """The ledger entry of a bill: the worker (and platform) owe it, the scheme awaits it."""
    postings: list[tuple[AccountRef, int]] = [
        (
            AccountRef("contributions_billed", bill.jurisdiction_code, scheme=bill.scheme),
            -bill.due_fen,
        )
    ]
    if bill.worker_due_fen:
        postings.append(
            (
                AccountRef("receivable", bill.jurisdiction_code, person_id=bill.person_id),
                bill.worker_due_fen,
            )
        )
    if bill.platform_share_fen:
        postings.append(
            (
                AccountRef(
                    "platform_payable", bill.jurisdiction_code, platform_id=bill.platform_id
                ),
                bill.platform_share_fen,
            )
        )
    return Draft(
        key=f"bill:{bill.enrolment_id}:{bill.month}:{bill.kind}",
        kind="bill",
        description=f"{bill.scheme} {bill.month} ({bill.kind})",
        postings=tuple(postings),
        month=_month(bill.month),
    )


def allocate(bill: ContributionBill) -> Draft | None:
    """A paid bill's money goes where the rules send it: personal account and pooled fund. Only
    what earlier allocations have not moved (a re-priced bill moves the difference, under an
    entry named by its revision); None when nothing is left to move. Marks it moved."""
    personal = bill.personal_account_fen - bill.allocated_personal_fen
    pooled = bill.pooled_fund_fen - bill.allocated_pooled_fen
    if personal == 0 and pooled == 0:
        return None
    bill.allocated_personal_fen = bill.personal_account_fen
    bill.allocated_pooled_fen = bill.pooled_fund_fen
    revision = f":r{bill.revision}" if bill.revision else ""
    return Draft(
        key=f"allocation:{bill.enrolment_id}:{bill.month}:{bill.kind}{revision}",
        kind="allocation",
        description=f"{bill.scheme} {bill.month} paid",
        postings=merged(allocation_postings(bill, personal, pooled)),
        month=_month(bill.month),
    )


def allocation_postings(
    bill: ContributionBill, personal_fen: int, pooled_fen: int
) -> list[tuple[AccountRef, int]]:
    """Billed contributions move to the personal account and the pooled fund."""
    return [
        (
            AccountRef("contributions_billed", bill.jurisdiction_code, scheme=bill.scheme),
            personal_fen + pooled_fen,
        ),
        (
            AccountRef(PERSONAL[bill.scheme], bill.jurisdiction_code, person_id=bill.person_id),
            -personal_fen,
        ),
        (AccountRef(POOLED[bill.scheme], bill.jurisdiction_code), -pooled_fen),
    ]


def merged(postings: Sequence[tuple[AccountRef, int]]) -> tuple[tuple[AccountRef, int], ...]:
    """One posting per account, in first-seen order, without the ones that cancel out."""
    totals: dict[AccountRef, int] = {}
    for ref, amount in postings:
        totals[ref] = totals.get(ref, 0) + amount
    return tuple((ref, amount) for ref, amount in totals.items() if amount)
