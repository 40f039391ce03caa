"""补差 (多退少补): bills priced on last year's limits carried forward (暂按上年度标准执行) are
re-priced once the year's figures are loaded, and only the difference moves.

A bill keeps its identity: its amounts are replaced, its revision goes up, and one ledger entry
(``adjustment:<bill>:<revision>``) moves the difference — the worker (and a sharing platform) owe
more, or what the worker paid beyond the new amount is owed back (``refund_payable``). A bill that
was paid and allocated moves the difference of its allocation too, or is reopened for the
difference when it grew. Bills whose figures are still carried stay provisional.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from flexcover.contributions import repository
from flexcover.contributions.entries import allocation_postings, merged
from flexcover.contributions.models import (
    BillAdjustment,
    BillStatus,
    ContributionBill,
    PlatformAgreement,
)
from flexcover.contributions.settlement import platform_share
from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.database import utc_now
from flexcover.kit.months import Month
from flexcover.kit.outbox import enqueue
from flexcover.ledger.service import AccountRef, Draft, post_batch
from flexcover.rules.contribution import contribution
from flexcover.rules.parameters import Rulebook

BATCH = 5000
"""Bills re-priced per transaction."""


@dataclass(frozen=True)
class Reconciliation:
    """What a reconciliation did: bills re-priced on published figures (those whose amount
    changed among them), bills still waiting for them, and the differences in fen."""

    repriced: int = 0
    adjusted: int = 0
    waiting: int = 0
    charged_fen: int = 0
    refunded_fen: int = 0

    def __add__(self, other: Reconciliation) -> Reconciliation:
        return Reconciliation(
            self.repriced + other.repriced,
            self.adjusted + other.adjusted,
            self.waiting + other.waiting,
            self.charged_fen + other.charged_fen,
            self.refunded_fen + other.refunded_fen,
        )


def ready_groups(
    session: Session, rulebook: Rulebook, month: Month | None = None
) -> tuple[list[tuple[str, str, str]], int]:
    """The (jurisdiction, scheme, month) groups of provisional bills whose figures are now
    published, and how many bills still wait for theirs."""
    ready, waiting = [], 0
    for code, scheme, bill_month, bills in repository.provisional_groups(
        session, str(month) if month else None
    ):
        if _still_carried(rulebook, code, scheme, bill_month):
            waiting += bills
        else:
            ready.append((code, scheme, bill_month))
    return ready, waiting


def _still_carried(rulebook: Rulebook, jurisdiction: str, scheme: str, month: str) -> bool:
    floor = rulebook.get(jurisdiction, "contribution_base.floor_yuan", Month.parse(month).first_day)
    priced = contribution(
        rulebook=rulebook,
        jurisdiction=jurisdiction,
        month=Month.parse(month),
        base_fen=np.array([floor.value]),
        schemes=(scheme,),
        clamp=True,
    )
    return bool(priced.explain.carried)


def reconcile_group(
    *,
    session: Session,
    rulebook: Rulebook,
    actor: Actor,
    jurisdiction: str,
    scheme: str,
    month: str,
    limit: int = BATCH,
) -> Reconciliation:
    """Re-price up to ``limit`` provisional bills of one group on the published figures; the
    caller commits. Returns what it did (``repriced == 0``: the group is done)."""
    bills = repository.provisional_bills(session, jurisdiction, scheme, month, limit=limit)
    if not bills:
        return Reconciliation()
    priced = contribution(
        rulebook=rulebook,
        jurisdiction=jurisdiction,
        month=Month.parse(month),
        base_fen=np.array([bill.base_fen for bill in bills], dtype=np.int64),
        schemes=(scheme,),
        clamp=True,
    )
    if priced.explain.carried:
        return Reconciliation(waiting=len(bills))
    part = priced.schemes[0]
    drafts: list[Draft] = []
    messages: list[tuple[str, str, dict[str, object]]] = []
    adjusted = charged = refunded = 0
    agreements: dict[int, PlatformAgreement | None] = {}
    for index, bill in enumerate(bills):
        bill.provisional = False
        new_due = int(part.amount_fen[index])
        new_base = int(part.base_fen[index])
        if new_due == bill.due_fen and new_base == bill.base_fen:
            continue
        share = bill.platform_share_fen
        if bill.platform_id is not None:
            if bill.platform_id not in agreements:
                agreements[bill.platform_id] = repository.agreement_in_force(
                    session, bill.platform_id, month
                )
            agreement = agreements[bill.platform_id]
            share = platform_share(agreement, new_due) if agreement else min(share, new_due)
        old_due = bill.due_fen
        draft, refund = _reprice(
            session,
            bill,
            base_fen=new_base,
            due_fen=new_due,
            personal_fen=int(part.personal_account_fen[index]),
            pooled_fen=int(part.pooled_fund_fen[index]),
            platform_share_fen=share,
        )
        drafts.append(draft)
        adjusted += 1
        difference = new_due - old_due
        charged += max(difference, 0)
        refunded += refund
        messages.append(
            (
                f"bill_adjusted:{bill.id}:{bill.revision}",
                "contribution.bill_adjusted",
                {
                    "person_id": bill.person_id,
                    "month": bill.month,
                    "scheme": bill.scheme,
                    "due_fen": new_due,
                    "difference_fen": difference,
                    "refund_fen": refund,
                },
            )
        )
    session.flush()
    post_batch(session=session, drafts=drafts, actor=actor)
    enqueue(session, messages)
    audit.record(
        session,
        actor=actor,
        action="bill.reconcile",
        entity="jurisdiction",
        entity_id=jurisdiction,
        details={"scheme": scheme, "month": month, "bills": len(bills), "adjusted": adjusted},
    )
    return Reconciliation(
        repriced=len(bills), adjusted=adjusted, charged_fen=charged, refunded_fen=refunded
    )


def _reprice(
    session: Session,
    bill: ContributionBill,
    *,
    base_fen: int,
    due_fen: int,
    personal_fen: int,
    pooled_fen: int,
    platform_share_fen: int,
) -> tuple[Draft, int]:
    """Replace the bill's amounts; the entry that moves the difference, and the refund owed."""
    old_due, old_share = bill.due_fen, bill.platform_share_fen
    old_worker_due = old_due - old_share
    new_worker_due = due_fen - platform_share_fen
    refund = max(0, bill.paid_fen - new_worker_due)
    bill.revision += 1
    session.add(
        BillAdjustment(
            bill_id=bill.id,
            revision=bill.revision,
            old_base_fen=bill.base_fen,
            new_base_fen=base_fen,
            old_due_fen=old_due,
            new_due_fen=due_fen,
            old_platform_share_fen=old_share,
            new_platform_share_fen=platform_share_fen,
            refund_fen=refund,
            reason="published figures replace those carried forward (暂按上年度标准, 多退少补)",
        )
    )
    bill.base_fen, bill.due_fen = base_fen, due_fen
    bill.personal_account_fen, bill.pooled_fund_fen = personal_fen, pooled_fen
    bill.platform_share_fen = platform_share_fen
    bill.paid_fen -= refund
    person = AccountRef("receivable", bill.jurisdiction_code, person_id=bill.person_id)
    postings: list[tuple[AccountRef, int]] = [
        (
            AccountRef("contributions_billed", bill.jurisdiction_code, scheme=bill.scheme),
            old_due - due_fen,
        ),
        (person, new_worker_due - old_worker_due + refund),
    ]
    if bill.platform_id is not None:
        postings.append(
            (
                AccountRef(
                    "platform_payable", bill.jurisdiction_code, platform_id=bill.platform_id
                ),
                platform_share_fen - old_share,
            )
        )
    if refund:
        postings.append(
            (
                AccountRef("refund_payable", bill.jurisdiction_code, person_id=bill.person_id),
                -refund,
            )
        )
    if bill.outstanding_fen == 0:
        # Paid in full at the new amount: what the allocation has not moved yet moves now.
        if bill.status != BillStatus.PAID:
            bill.status, bill.paid_at = BillStatus.PAID, utc_now()
        postings.extend(
            allocation_postings(
                bill,
                bill.personal_account_fen - bill.allocated_personal_fen,
                bill.pooled_fund_fen - bill.allocated_pooled_fen,
            )
        )
        bill.allocated_personal_fen = bill.personal_account_fen
        bill.allocated_pooled_fen = bill.pooled_fund_fen
    elif bill.status == BillStatus.PAID:
        bill.status, bill.paid_at = "open", None  # the difference is to pay
    draft = Draft(
        key=f"adjustment:{bill.enrolment_id}:{bill.month}:{bill.kind}:{bill.revision}",
        kind="adjustment",
        description=f"{bill.scheme} {bill.month} re-priced on published figures",
        postings=merged(postings),
        month=Month.parse(bill.month),
    )
    return draft, refund


def reconcile(
    *,
    session: Session,
    rulebook: Rulebook,
    actor: Actor,
    groups: Sequence[tuple[str, str, str]],
) -> Reconciliation:
    """Every provisional bill of ``groups`` in one transaction (tests and small instances; the
    batch task commits each slice: :func:`flexcover.contributions.tasks.reconcile`)."""
    done = Reconciliation()
    for jurisdiction, scheme, month in groups:
        while True:
            step = reconcile_group(
                session=session,
                rulebook=rulebook,
                actor=actor,
                jurisdiction=jurisdiction,
                scheme=scheme,
                month=month,
            )
            done += step
            if not step.repriced:
                break
    return done
