"""Month-end settlement (月结): bills for every active enrolment, arrears, platform
co-contributions, subsidies, ledger postings and reminders — in chunks, each one transaction.

Every effect has a unique key (a bill per enrolment and month, a ledger entry per business event,
an outbox message per reminder), and the run's progress is committed with each chunk. So a run
killed anywhere and started again ends exactly where one clean run would, and a second run after
it finishes changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from flexcover.contributions import repository
from flexcover.contributions.models import (
    BaseChoice,
    ContributionBill,
    Enrolment,
    PlatformAgreement,
    SettlementRun,
    SubsidyGrant,
)
from flexcover.contributions.service import bill_drafts, contribution_year_start
from flexcover.kit.audit import Actor
from flexcover.kit.bulk import insert_rows
from flexcover.kit.database import Database, utc_now
from flexcover.kit.money import apply_rate_array, format_yuan
from flexcover.kit.months import Month
from flexcover.kit.outbox import enqueue
from flexcover.ledger.service import AccountRef, Draft, balances, post_batch
from flexcover.rules.contribution import contribution
from flexcover.rules.parameters import Rulebook
from flexcover.rules.subsidy import subsidy

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SettlementSummary:
    month: str
    bills: int
    chunks: int
    already_done: bool


def settle(
    *,
    database: Database,
    rulebook: Rulebook,
    month: Month,
    actor: Actor,
    chunk_size: int = 5000,
    progress: Progress | None = None,
) -> SettlementSummary:
    """Settle ``month`` for every enrolment; resumable and idempotent."""
    with database.unit_of_work() as session:
        run = session.get(SettlementRun, str(month))
        if run is not None and run.status == "done":
            return SettlementSummary(str(month), run.bills, 0, already_done=True)
        if run is None:
            session.add(SettlementRun(month=str(month), last_enrolment_id=0, bills=0))
        total = session.query(Enrolment.id).filter(Enrolment.first_month <= str(month)).count()
    chunks = 0
    done = 0
    while True:
        with database.unit_of_work() as session:
            run = session.scalars(
                select(SettlementRun).where(SettlementRun.month == str(month)).with_for_update()
            ).one()
            ids = list(
                session.scalars(
                    select(Enrolment.id)
                    .where(
                        Enrolment.id > run.last_enrolment_id, Enrolment.first_month <= str(month)
                    )
                    .order_by(Enrolment.id)
                    .limit(chunk_size)
                )
            )
            if not ids:
                run.status = "done"
                run.finished_at = utc_now()
                return SettlementSummary(str(month), run.bills, chunks, already_done=False)
            run.bills += settle_chunk(
                session=session, rulebook=rulebook, month=month, enrolment_ids=ids, actor=actor
            )
            run.last_enrolment_id = ids[-1]
            chunks += 1
        done += len(ids)
        if progress is not None:
            progress(min(done, total), total)


def settle_chunk(
    *, session: Session, rulebook: Rulebook, month: Month, enrolment_ids: list[int], actor: Actor
) -> int:
    """Bills, arrears, co-contributions, subsidies and reminders for the enrolments whose ids lie
    from ``enrolment_ids[0]`` to ``enrolment_ids[-1]``; returns the number of new bills.

    Everything is selected by that id range, never by a long list, and written in bulk.
    """
    key = str(month)
    low, high = min(enrolment_ids), max(enrolment_ids)
    rows: list[dict[str, object]] = []
    drafts: list[Draft] = []
    messages: list[tuple[str, str, dict[str, object]]] = []
    adjusted: list[dict[str, object]] = []
    prepaying = repository.frequencies_in_range(session, low, high) - {"monthly"}
    horizon = 12 if prepaying else 1
    billable: list[repository.BillableEnrolment] = []
    for offset in range(horizon):
        # Quarterly, half-yearly and yearly payers are billed ahead, to the end of their period.
        target = month + offset
        due_now = [
            e
            for e in repository.billable_enrolments(session, low, high, str(target))
            if covers(rulebook, e, month, target)
        ]
        if offset == 0:
            billable = due_now
        _bill_month(
            rulebook=rulebook,
            target=target,
            members=due_now,
            bases=repository.bases_in_range(session, low, high, str(target)),
            agreements=repository.agreements_in_range(session, low, high, str(target)),
            out=(rows, drafts, messages, adjusted),
        )
    insert_rows(session, BaseChoice, adjusted)
    insert_rows(session, ContributionBill, rows)
    post_batch(session=session, drafts=drafts, actor=actor)

    lag = rulebook.get(
        "000000" if not billable else billable[0].jurisdiction_code,
        "arrears.reminder_after_months",
        month.first_day,
    ).value
    overdue_before = str(month - (lag - 1)) if lag > 0 else key
    for bill_id, person_id, bill_month, scheme, outstanding in repository.newly_overdue(
        session, low, high, overdue_before
    ):
        messages.append(
            (
                f"arrears:{bill_id}",
                "contribution.arrears",
                {
                    "person_id": person_id,
                    "month": bill_month,
                    "scheme": scheme,
                    "outstanding_fen": outstanding,
                },
            )
        )
    repository.mark_arrears_in_range(session, low, high, overdue_before)
    _grant_subsidies(session, rulebook, month, low, high, actor, messages)
    enqueue(session, messages)
    return len(rows)


def _bill_month(
    *,
    rulebook: Rulebook,
    target: Month,
    members: list[repository.BillableEnrolment],
    bases: dict[int, int],
    agreements: dict[int, tuple[int, PlatformAgreement]],
    out: tuple[
        list[dict[str, object]],
        list[Draft],
        list[tuple[str, str, dict[str, object]]],
        list[dict[str, object]],
    ],
) -> None:
    """Price and write (into ``out``) the bills of ``target`` for ``members``."""
    rows, drafts, messages, adjusted = out
    key = str(target)
    billable = members
    groups: dict[tuple[str, str], list[repository.BillableEnrolment]] = defaultdict(list)
    for enrolment in billable:
        if enrolment.id in bases:
            groups[(enrolment.jurisdiction_code, enrolment.scheme)].append(enrolment)
    for (jurisdiction, scheme), members in groups.items():
        chosen = np.array([bases[e.id] for e in members], dtype=np.int64)
        part = contribution(
            rulebook=rulebook,
            jurisdiction=jurisdiction,
            month=target,
            base_fen=chosen,
            schemes=(scheme,),
            clamp=True,
        ).schemes[0]
        for index in np.nonzero(part.base_fen != chosen)[0].tolist():
            # A new contribution year's limits moved the chosen base: record it and tell them.
            enrolment = members[index]
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
        base_list = part.base_fen.tolist()
        due_list = part.amount_fen.tolist()
        personal_list = part.personal_account_fen.tolist()
        pooled_list = part.pooled_fund_fen.tolist()
        for index, enrolment in enumerate(members):
            due = due_list[index]
            platform_id, share = _platform_share(agreements.get(enrolment.person_id), scheme, due)
            bill = NewBill(
                enrolment_id=enrolment.id,
                person_id=enrolment.person_id,
                scheme=scheme,
                jurisdiction_code=jurisdiction,
                month=key,
                kind="regular",
                due_fen=due,
                platform_id=platform_id,
                platform_share_fen=share,
            )
            rows.append(
                {
                    "enrolment_id": enrolment.id,
                    "person_id": enrolment.person_id,
                    "scheme": scheme,
                    "jurisdiction_code": jurisdiction,
                    "month": key,
                    "kind": "regular",
                    "base_fen": base_list[index],
                    "due_fen": due,
                    "personal_account_fen": personal_list[index],
                    "pooled_fund_fen": pooled_list[index],
                    "platform_id": platform_id,
                    "platform_share_fen": share,
                    "paid_fen": 0,
                    "subsidy_fen": 0,
                    "status": "open",
                    "created_at": utc_now(),
                }
            )
            drafts.append(bill_drafts(bill))
            messages.append(
                (
                    f"bill_due:{enrolment.id}:{key}",
                    "contribution.bill_due",
                    {
                        "person_id": enrolment.person_id,
                        "month": key,
                        "scheme": scheme,
                        "amount_fen": bill.worker_due_fen,
                    },
                )
            )


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


@dataclass(slots=True)
class NewBill:
    """What a bill's ledger entry needs, without the cost of an ORM object per bill."""

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
    def worker_due_fen(self) -> int:
        return self.due_fen - self.platform_share_fen


def _platform_share(
    found: tuple[int, object] | None, scheme: str, due: int
) -> tuple[int | None, int]:
    """The platform's part of a pension bill under its agreement (none for medical)."""
    if found is None or scheme != "employee_pension":
        return None, 0
    platform_id, agreement = found
    share_bp = getattr(agreement, "share_bp", None)
    fixed = getattr(agreement, "fixed_fen", None)
    if share_bp is not None:
        share = int(apply_rate_array(np.array([due]), Fraction(share_bp, 10000))[0])
    else:
        share = int(fixed or 0)
    return platform_id, min(share, due)


def _grant_subsidies(
    session: Session,
    rulebook: Rulebook,
    month: Month,
    low: int,
    high: int,
    actor: Actor,
    messages: list[tuple[str, str, dict[str, object]]],
) -> None:
    """补贴: for paid regular bills of approved applicants, within their approved months, from
    the subsidy budget while it lasts. Make-ups never earn a subsidy."""
    applications = {
        person_id: application
        for person_id, application in repository.approved_applications_in_range(
            session, low, high, str(month)
        ).items()
    }
    if not applications:
        return
    bills = [
        bill
        for bill in repository.ungranted_paid_bills(session, list(applications), str(month))
        if (applications[bill.person_id].first_month or "")
        <= bill.month
        <= (applications[bill.person_id].last_month or "")
    ]
    budgets = balances(
        session=session, refs=[AccountRef("subsidy_budget", b.jurisdiction_code) for b in bills]
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
                f"subsidy:{bill.id}",
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
    post_batch(session=session, drafts=drafts, actor=actor)
