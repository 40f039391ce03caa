"""One chunk of month-end settlement (月结): the bills of a range of enrolments, their arrears,
platform co-contributions, subsidies, ledger entries and reminders, in the caller's transaction.

A chunk holds thousands of bills, so they travel as columns: priced by the vectorised rules
per district and scheme, written with one COPY, posted to the ledger column by column
(:mod:`flexcover.ledger.columns`). Every effect has a unique key — a bill per enrolment, month
and kind; a ledger entry per business event; an outbox message per reminder — so a chunk that
runs again writes nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

import numpy as np
from sqlalchemy.orm import Session

from flexcover.contributions import repository
from flexcover.contributions.models import (
    BaseChoice,
    ContributionBill,
    PlatformAgreement,
    SubsidyGrant,
)
from flexcover.contributions.service import contribution_year_start
from flexcover.kit.audit import Actor
from flexcover.kit.bulk import Column, insert_columns, insert_rows
from flexcover.kit.database import utc_now
from flexcover.kit.money import apply_rate_array, format_yuan
from flexcover.kit.months import Month
from flexcover.kit.outbox import enqueue
from flexcover.ledger.service import (
    AccountRef,
    Draft,
    EntryColumns,
    Leg,
    balances,
    post_batch,
    post_columns,
)
from flexcover.rules.contribution import contribution
from flexcover.rules.parameters import Rulebook
from flexcover.rules.subsidy import subsidy

Message = tuple[str, str, dict[str, object]]


@dataclass
class NewBills:
    """应缴（批量）: the regular bills a chunk creates, column by column."""

    enrolment_ids: list[int] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    schemes: list[str] = field(default_factory=list)
    jurisdictions: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    base_fen: list[int] = field(default_factory=list)
    due_fen: list[int] = field(default_factory=list)
    personal_fen: list[int] = field(default_factory=list)
    pooled_fen: list[int] = field(default_factory=list)
    platform_ids: list[int | None] = field(default_factory=list)
    platform_share_fen: list[int] = field(default_factory=list)
    provisional: list[bool] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.enrolment_ids)

    def columns(self, at: datetime) -> dict[str, Column]:
        """The bills as columns of the ``contribution_bills`` table."""
        return {
            "enrolment_id": self.enrolment_ids,
            "person_id": self.person_ids,
            "scheme": self.schemes,
            "jurisdiction_code": self.jurisdictions,
            "month": self.months,
            "kind": "regular",
            "base_fen": self.base_fen,
            "due_fen": self.due_fen,
            "personal_account_fen": self.personal_fen,
            "pooled_fund_fen": self.pooled_fen,
            "platform_id": self.platform_ids,
            "platform_share_fen": self.platform_share_fen,
            "paid_fen": 0,
            "subsidy_fen": 0,
            "status": "open",
            "created_at": at,
            "provisional": self.provisional,
            "allocated_personal_fen": 0,
            "allocated_pooled_fen": 0,
            "revision": 0,
        }

    def entries(self) -> EntryColumns:
        """Their ledger entries: the worker owes their part (the platform its share) and the
        scheme awaits the whole, as :func:`~flexcover.contributions.entries.bill_drafts`."""
        due = np.array(self.due_fen, dtype=np.int64)
        share = np.array(self.platform_share_fen, dtype=np.int64)
        return EntryColumns(
            kind="bill",
            keys=[
                f"bill:{e}:{m}:regular"
                for e, m in zip(self.enrolment_ids, self.months, strict=True)
            ],
            descriptions=[
                f"{s} {m} (regular)" for s, m in zip(self.schemes, self.months, strict=True)
            ],
            months=self.months,
            legs=(
                Leg(
                    "contributions_billed",
                    self.jurisdictions,
                    [f"scheme:{s}" for s in self.schemes],
                    -due,
                ),
                Leg(
                    "receivable",
                    self.jurisdictions,
                    [f"person:{p}" for p in self.person_ids],
                    due - share,
                ),
                Leg(
                    "platform_payable",
                    self.jurisdictions,
                    [f"platform:{p}" if p is not None else "-" for p in self.platform_ids],
                    share,
                ),
            ),
        )

    def reminders(self) -> list[Message]:
        return [
            (
                f"bill_due:{e}:{m}",
                "contribution.bill_due",
                {"person_id": p, "month": m, "scheme": s, "amount_fen": d - sh},
            )
            for e, p, s, m, d, sh in zip(
                self.enrolment_ids,
                self.person_ids,
                self.schemes,
                self.months,
                self.due_fen,
                self.platform_share_fen,
                strict=True,
            )
        ]


def settle_chunk(
    *, session: Session, rulebook: Rulebook, month: Month, low: int, high: int, actor: Actor
) -> int:
    """Settle ``month`` for the enrolments with ids from ``low`` to ``high``; returns the number
    of new bills. Everything is selected by that id range and written in bulk."""
    bills = NewBills()
    messages: list[Message] = []
    adjusted: list[dict[str, object]] = []
    prepaying = repository.frequencies_in_range(session, low, high) - {"monthly"}
    billable: list[repository.BillableEnrolment] = []
    for offset in range(12 if prepaying else 1):
        # Quarterly, half-yearly and yearly payers are billed ahead, to the end of their period.
        target = month + offset
        due_now = [
            e
            for e in repository.billable_enrolments(session, low, high, str(target))
            if covers(rulebook, e, month, target)
        ]
        if offset == 0:
            billable = due_now
        if due_now:
            _price(
                rulebook=rulebook,
                target=target,
                members=due_now,
                bases=repository.bases_in_range(session, low, high, str(target)),
                agreements=repository.agreements_in_range(session, low, high, str(target)),
                bills=bills,
                adjusted=adjusted,
                messages=messages,
            )
    _record_adjusted_bases(session, adjusted)
    insert_columns(session, ContributionBill, len(bills), bills.columns(utc_now()))
    messages.extend(bills.reminders())
    messages.extend(_arrears(session, rulebook, month, low, high, billable))
    subsidies = _grant_subsidies(session, rulebook, month, low, high, messages)
    enqueue(session, messages)
    # The ledger last: its shared accounts are the ones parallel chunks queue for, so they are
    # locked just before the chunk commits. Owners' accounts first, then shared, as always.
    post_columns(session=session, entries=bills.entries(), actor=actor)
    post_batch(session=session, drafts=subsidies, actor=actor)
    return len(bills)


def _record_adjusted_bases(session: Session, adjusted: list[dict[str, object]]) -> None:
    """The bases the limits moved, as choices from the month they were moved in; a choice made
    for that very month (an enrolment or a change before new limits were published) is
    replaced rather than repeated."""
    if not adjusted:
        return
    existing = repository.choices_at(
        session, [(int(str(row["enrolment_id"])), str(row["effective_month"])) for row in adjusted]
    )
    fresh = []
    for row in adjusted:
        choice = existing.get((int(str(row["enrolment_id"])), str(row["effective_month"])))
        if choice is None:
            fresh.append(row)
        else:
            choice.base_fen = int(str(row["base_fen"]))
    session.flush()
    insert_rows(session, BaseChoice, fresh)


def covers(
    rulebook: Rulebook, enrolment: repository.BillableEnrolment, month: Month, target: Month
) -> bool:
    """Whether settling ``month`` bills ``target`` for this enrolment: its own month always;
    later months of the same quarter, half-year or contribution year for those who pay so."""
    if target == month:
        return True
    frequency = enrolment.payment_frequency
    if frequency == "quarterly":
        return target.year == month.year and (target.month - 1) // 3 == (month.month - 1) // 3
    if frequency == "semiannual":
        return target.year == month.year and (target.month - 1) // 6 == (month.month - 1) // 6
    if frequency == "annual":
        start = contribution_year_start(rulebook, enrolment.jurisdiction_code, month)
        return target <= start + 11
    return False


def _price(
    *,
    rulebook: Rulebook,
    target: Month,
    members: list[repository.BillableEnrolment],
    bases: dict[int, int],
    agreements: dict[int, tuple[int, PlatformAgreement]],
    bills: NewBills,
    adjusted: list[dict[str, object]],
    messages: list[Message],
) -> None:
    """Price the bills of ``target`` for ``members`` by district and scheme, into ``bills``."""
    key = str(target)
    groups: dict[tuple[str, str], list[repository.BillableEnrolment]] = defaultdict(list)
    for enrolment in members:
        if enrolment.id in bases:
            groups[(enrolment.jurisdiction_code, enrolment.scheme)].append(enrolment)
    for (jurisdiction, scheme), group in groups.items():
        chosen = np.array([bases[e.id] for e in group], dtype=np.int64)
        priced = contribution(
            rulebook=rulebook,
            jurisdiction=jurisdiction,
            month=target,
            base_fen=chosen,
            schemes=(scheme,),
            clamp=True,
        )
        part = priced.schemes[0]
        for index in np.flatnonzero(part.base_fen != chosen).tolist():
            # A new contribution year's limits moved the chosen base: record it and tell them.
            enrolment = group[index]
            new_base = int(part.base_fen[index])
            adjusted.append(
                {
                    "enrolment_id": enrolment.id,
                    "effective_month": key,
                    "base_fen": new_base,
                    "chosen_at": utc_now(),
                }
            )
            messages.append(
                (
                    f"base_adjusted:{enrolment.id}:{key}",
                    "contribution.base_adjusted",
                    {
                        "person_id": enrolment.person_id,
                        "enrolment_id": enrolment.id,
                        "month": key,
                        "old_base_fen": int(chosen[index]),
                        "new_base_fen": new_base,
                    },
                )
            )
        due = part.amount_fen.tolist()
        platform_ids: list[int | None] = [None] * len(group)
        shares = [0] * len(group)
        if scheme == "employee_pension" and agreements:
            for index, enrolment in enumerate(group):
                found = agreements.get(enrolment.person_id)
                if found is not None:
                    platform_ids[index] = found[0]
                    shares[index] = platform_share(found[1], due[index])
        bills.enrolment_ids.extend(e.id for e in group)
        bills.person_ids.extend(e.person_id for e in group)
        bills.schemes.extend([scheme] * len(group))
        bills.jurisdictions.extend([jurisdiction] * len(group))
        bills.months.extend([key] * len(group))
        bills.base_fen.extend(part.base_fen.tolist())
        bills.due_fen.extend(due)
        bills.personal_fen.extend(part.personal_account_fen.tolist())
        bills.pooled_fen.extend(part.pooled_fund_fen.tolist())
        bills.platform_ids.extend(platform_ids)
        bills.platform_share_fen.extend(shares)
        # 暂按上年度标准: priced on figures carried forward, re-priced when they are published.
        bills.provisional.extend([bool(priced.explain.carried)] * len(group))


def platform_share(agreement: PlatformAgreement, due: int) -> int:
    """The platform's part of a pension bill under its agreement: a share of it, rounded half
    up, or a fixed amount — never more than the bill."""
    if agreement.share_bp is not None:
        share = int(apply_rate_array(np.array([due]), Fraction(agreement.share_bp, 10000))[0])
    else:
        share = int(agreement.fixed_fen or 0)
    return min(share, due)


def _arrears(
    session: Session,
    rulebook: Rulebook,
    month: Month,
    low: int,
    high: int,
    billable: list[repository.BillableEnrolment],
) -> list[Message]:
    """欠费: open bills older than the reminder lag become arrears, each with a reminder."""
    lag = rulebook.get(
        "000000" if not billable else billable[0].jurisdiction_code,
        "arrears.reminder_after_months",
        month.first_day,
    ).value
    overdue_before = str(month - (lag - 1)) if lag > 0 else str(month)
    messages: list[Message] = [
        (
            f"arrears:{enrolment_id}:{bill_month}:{kind}",
            "contribution.arrears",
            {
                "person_id": person_id,
                "month": bill_month,
                "scheme": scheme,
                "outstanding_fen": outstanding,
            },
        )
        for enrolment_id, person_id, bill_month, kind, scheme, outstanding in (
            repository.newly_overdue(session, low, high, overdue_before)
        )
    ]
    repository.mark_arrears_in_range(session, low, high, overdue_before)
    return messages


def _grant_subsidies(
    session: Session,
    rulebook: Rulebook,
    month: Month,
    low: int,
    high: int,
    messages: list[Message],
) -> list[Draft]:
    """补贴: for paid regular bills of approved applicants, within their approved months, from
    the subsidy budget while it lasts; returns the grants' ledger entries. Make-ups never earn a
    subsidy."""
    applications = repository.approved_applications_in_range(session, low, high, str(month))
    if not applications:
        return []
    bills = [
        bill
        for bill in repository.ungranted_paid_bills(session, list(applications), str(month))
        if (applications[bill.person_id].first_month or "")
        <= bill.month
        <= (applications[bill.person_id].last_month or "")
    ]
    # Locked: chunks settled in parallel must not both spend the same remaining budget.
    budgets = balances(
        session=session,
        refs=[AccountRef("subsidy_budget", b.jurisdiction_code) for b in bills],
        lock=True,
    )
    drafts = []
    for bill in bills:
        application = applications[bill.person_id]
        granted = subsidy(
            rulebook=rulebook,
            jurisdiction=bill.jurisdiction_code,
            month=Month.parse(bill.month),
            paid_fen=np.array([bill.paid_fen]),
            schemes=(bill.scheme,),
        )
        amount = int(granted.subsidy_fen[0])
        budget = AccountRef("subsidy_budget", bill.jurisdiction_code)
        if amount <= 0 or budgets.get(budget, 0) < amount:
            continue  # no budget left: the grant waits for the next settlement
        budgets[budget] -= amount
        bill.subsidy_fen = amount
        session.add(
            SubsidyGrant(
                application_id=application.id, bill_id=bill.id, month=bill.month, amount_fen=amount
            )
        )
        drafts.append(
            Draft(
                key=f"subsidy:{bill.enrolment_id}:{bill.month}",
                kind="subsidy",
                description=f"subsidy for {bill.scheme} {bill.month}",
                postings=(
                    (budget, amount),
                    (
                        AccountRef(
                            "subsidy_payable", bill.jurisdiction_code, person_id=bill.person_id
                        ),
                        -amount,
                    ),
                ),
                month=Month.parse(bill.month),
            )
        )
        messages.append(
            (
                f"subsidy:{bill.enrolment_id}:{bill.month}",
                "subsidy.granted",
                {
                    "person_id": bill.person_id,
                    "month": bill.month,
                    "amount_fen": amount,
                    "amount_yuan": format_yuan(amount),
                },
            )
        )
    session.flush()
    return drafts
