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

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from flexcover.contributions import repository
from flexcover.contributions.models import (
    BaseChoice,
    ContributionBill,
    Enrolment,
    Pause,
    SettlementRun,
    SubsidyGrant,
)
from flexcover.contributions.service import bill_drafts
from flexcover.kit.audit import Actor
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
            done = (
                session.query(Enrolment.id)
                .filter(Enrolment.id <= ids[-1], Enrolment.first_month <= str(month))
                .count()
            )
        if progress is not None:
            progress(done, total)


def settle_chunk(
    *, session: Session, rulebook: Rulebook, month: Month, enrolment_ids: list[int], actor: Actor
) -> int:
    """Bills, arrears, co-contributions, subsidies and reminders for some enrolments; returns the
    number of new bills."""
    key = str(month)
    enrolments = session.scalars(select(Enrolment).where(Enrolment.id.in_(enrolment_ids))).all()
    billable = [e for e in enrolments if _billable(e, key)]
    paused = _paused(session, [e.id for e in billable], key)
    billable = [e for e in billable if e.id not in paused]
    already = set(
        session.scalars(
            select(ContributionBill.enrolment_id).where(
                ContributionBill.enrolment_id.in_([e.id for e in billable]),
                ContributionBill.month == key,
                ContributionBill.kind == "regular",
            )
        )
    )
    billable = [e for e in billable if e.id not in already]
    bases = _bases(session, [e.id for e in billable], key)
    agreements = repository.agreements_for(session, [e.person_id for e in billable], key)

    new_bills: list[ContributionBill] = []
    messages: list[tuple[str, str, dict[str, object]]] = []
    groups: dict[tuple[str, str], list[Enrolment]] = defaultdict(list)
    for enrolment in billable:
        if enrolment.id in bases:
            groups[(enrolment.jurisdiction_code, enrolment.scheme)].append(enrolment)
    for (jurisdiction, scheme), members in groups.items():
        chosen = np.array([bases[e.id] for e in members], dtype=np.int64)
        quoted = contribution(
            rulebook=rulebook,
            jurisdiction=jurisdiction,
            month=month,
            base_fen=chosen,
            schemes=(scheme,),
            clamp=True,
        )
        part = quoted.schemes[0]
        moved = np.nonzero(part.base_fen != chosen)[0]
        for index in moved.tolist():
            # A new contribution year's limits moved the chosen base: record it and tell them.
            enrolment = members[index]
            new_base = int(part.base_fen[index])
            session.add(
                BaseChoice(enrolment_id=enrolment.id, effective_month=key, base_fen=new_base)
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
        for index, enrolment in enumerate(members):
            due = int(part.amount_fen[index])
            platform_id, share = _platform_share(agreements.get(enrolment.person_id), scheme, due)
            bill = ContributionBill(
                enrolment_id=enrolment.id,
                person_id=enrolment.person_id,
                scheme=scheme,
                jurisdiction_code=jurisdiction,
                month=key,
                kind="regular",
                base_fen=int(part.base_fen[index]),
                due_fen=due,
                personal_account_fen=int(part.personal_account_fen[index]),
                pooled_fund_fen=int(part.pooled_fund_fen[index]),
                platform_id=platform_id,
                platform_share_fen=share,
                paid_fen=0,
                subsidy_fen=0,
                status="open",
            )
            new_bills.append(bill)
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
    session.add_all(new_bills)
    session.flush()
    post_batch(session=session, drafts=[bill_drafts(bill) for bill in new_bills], actor=actor)

    lag = rulebook.get(
        billable[0].jurisdiction_code if billable else "000000",
        "arrears.reminder_after_months",
        month.first_day,
    ).value
    overdue_before = str(month - (lag - 1)) if lag > 0 else key
    for bill in _newly_overdue(session, enrolment_ids, overdue_before):
        messages.append(
            (
                f"arrears:{bill.id}",
                "contribution.arrears",
                {
                    "person_id": bill.person_id,
                    "month": bill.month,
                    "scheme": bill.scheme,
                    "outstanding_fen": bill.outstanding_fen,
                },
            )
        )
    repository.mark_arrears(session, enrolment_ids, overdue_before)
    _grant_subsidies(session, rulebook, month, [e.person_id for e in enrolments], actor, messages)
    enqueue(session, messages)
    return len(new_bills)


def _billable(enrolment: Enrolment, month: str) -> bool:
    if enrolment.first_month > month:
        return False
    return enrolment.status != "terminated" or (enrolment.last_month or "") >= month


def _paused(session: Session, enrolment_ids: list[int], month: str) -> set[int]:
    rows = session.scalars(
        select(Pause.enrolment_id).where(
            Pause.enrolment_id.in_(enrolment_ids),
            Pause.from_month <= month,
            (Pause.until_month.is_(None)) | (Pause.until_month >= month),
        )
    )
    return set(rows)


def _bases(session: Session, enrolment_ids: list[int], month: str) -> dict[int, int]:
    rows = session.execute(
        select(BaseChoice.enrolment_id, BaseChoice.base_fen)
        .where(BaseChoice.enrolment_id.in_(enrolment_ids), BaseChoice.effective_month <= month)
        .order_by(BaseChoice.enrolment_id, BaseChoice.effective_month)
    )
    return {enrolment_id: base for enrolment_id, base in rows}  # the latest wins


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
        from fractions import Fraction

        share = int(apply_rate_array(np.array([due]), Fraction(share_bp, 10000))[0])
    else:
        share = int(fixed or 0)
    return platform_id, min(share, due)


def _newly_overdue(
    session: Session, enrolment_ids: list[int], before: str
) -> list[ContributionBill]:
    return list(
        session.scalars(
            select(ContributionBill).where(
                ContributionBill.enrolment_id.in_(enrolment_ids),
                ContributionBill.status == "open",
                ContributionBill.month < before,
            )
        )
    )


def _grant_subsidies(
    session: Session,
    rulebook: Rulebook,
    month: Month,
    person_ids: list[int],
    actor: Actor,
    messages: list[tuple[str, str, dict[str, object]]],
) -> None:
    """补贴: for paid regular bills of approved applicants, within their approved months, from
    the subsidy budget while it lasts. Make-ups never earn a subsidy."""
    applications = {
        person_id: application
        for person_id, application in repository.approved_applications(
            session, person_ids, str(month)
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
