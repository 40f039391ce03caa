"""参保缴费记录: a person's contribution record, month by month per scheme, with its gaps."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from flexcover.contributions import repository
from flexcover.contributions.entries import PERSONAL
from flexcover.contributions.models import BillStatus
from flexcover.kit.audit import Actor
from flexcover.kit.money import format_yuan
from flexcover.kit.months import Month, month_range
from flexcover.ledger.service import AccountRef, balance
from flexcover.registry import service as registry


@dataclass
class RecordMonth:
    month: str
    scheme: str
    jurisdiction: str
    base_fen: int | None
    due_fen: int
    platform_share_fen: int
    paid_fen: int
    subsidy_fen: int
    status: str
    """paid, open, arrears (billed); paused; gap (settled without a bill: 中断); not_billed (its
    settlement has not run yet, e.g. the current month)."""
    kind: str
    provisional: bool = False


@dataclass
class SchemeRecord:
    scheme: str
    months: list[RecordMonth] = field(default_factory=list)
    contribution_months: int = 0
    gap_months: int = 0
    """Months without a contribution that are past: paused, or settled without a bill."""
    personal_account_fen: int = 0


@dataclass
class Record:
    person_id: int
    name: str
    id_masked: str
    schemes: list[SchemeRecord]


def record(*, session: Session, actor: Actor, person_id: int, through: Month) -> Record:
    """The record up to ``through``: every month from enrolment, billed or not."""
    person = registry.person_for(
        session, actor, person_id, action="enrolment.read", audited="record.read"
    )
    bills = repository.bills_of(session, person.id)
    by_key = {(b.enrolment_id, b.month, b.kind): b for b in bills}
    settled = repository.settled_months(session)
    schemes: dict[str, SchemeRecord] = {}
    for enrolment in repository.enrolments_of(session, person.id):
        scheme = schemes.setdefault(enrolment.scheme, SchemeRecord(enrolment.scheme))
        paused = [
            (Month.parse(p.from_month), Month.parse(p.until_month) if p.until_month else None)
            for p in repository.pauses(session, enrolment.id)
        ]
        last = Month.parse(enrolment.last_month) if enrolment.last_month else through
        for month in month_range(Month.parse(enrolment.first_month), min(last, through)):
            for kind in ("regular", "makeup"):
                bill = by_key.get((enrolment.id, str(month), kind))
                if bill is None:
                    if kind == "regular":
                        status = _unbilled(month, paused, settled)
                        scheme.months.append(
                            RecordMonth(
                                str(month),
                                enrolment.scheme,
                                enrolment.jurisdiction_code,
                                None,
                                0,
                                0,
                                0,
                                0,
                                status,
                                kind,
                            )
                        )
                        # 中断 counts months that are over: a month not settled yet is not missed.
                        scheme.gap_months += status == "gap" or (
                            status == "paused" and str(month) in settled
                        )
                    continue
                scheme.months.append(
                    RecordMonth(
                        bill.month,
                        bill.scheme,
                        bill.jurisdiction_code,
                        bill.base_fen,
                        bill.due_fen,
                        bill.platform_share_fen,
                        bill.paid_fen,
                        bill.subsidy_fen,
                        bill.status,
                        bill.kind,
                        bill.provisional,
                    )
                )
                if bill.status == BillStatus.PAID:
                    scheme.contribution_months += 1
        jurisdictions = {m.jurisdiction for m in scheme.months} | {enrolment.jurisdiction_code}
        scheme.personal_account_fen = sum(
            balance(
                session=session,
                ref=AccountRef(PERSONAL[enrolment.scheme], code, person_id=person.id),
            )
            for code in sorted(jurisdictions)
        )
    for scheme in schemes.values():
        scheme.months.sort(key=lambda m: (m.month, m.kind))
    return Record(person.id, person.name, person.id_masked, list(schemes.values()))


def _unbilled(month: Month, paused: list[tuple[Month, Month | None]], settled: set[str]) -> str:
    """What a month without a regular bill is: paused, a gap (its settlement ran and billed
    nothing), or not billed yet (its settlement has not run: the month is not over)."""
    if any(start <= month and (until is None or month <= until) for start, until in paused):
        return "paused"
    return "gap" if str(month) in settled else "not_billed"


def record_json(found: Record) -> dict[str, object]:
    return {
        "person_id": found.person_id,
        "name": found.name,
        "id_masked": found.id_masked,
        "schemes": [
            {
                "scheme": scheme.scheme,
                "contribution_months": scheme.contribution_months,
                "gap_months": scheme.gap_months,
                "personal_account_fen": scheme.personal_account_fen,
                "personal_account_yuan": format_yuan(scheme.personal_account_fen),
                "months": [
                    {
                        "month": m.month,
                        "kind": m.kind,
                        "status": m.status,
                        "jurisdiction": m.jurisdiction,
                        "base_fen": m.base_fen,
                        "due_fen": m.due_fen,
                        "platform_share_fen": m.platform_share_fen,
                        "paid_fen": m.paid_fen,
                        "subsidy_fen": m.subsidy_fen,
                        "provisional": m.provisional,
                    }
                    for m in scheme.months
                ],
            }
            for scheme in found.schemes
        ],
    }


def record_csv(found: Record) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "month",
            "scheme",
            "kind",
            "status",
            "jurisdiction",
            "base_yuan",
            "due_yuan",
            "platform_share_yuan",
            "paid_yuan",
            "subsidy_yuan",
        ]
    )
    for scheme in found.schemes:
        for m in scheme.months:
            writer.writerow(
                [
                    m.month,
                    m.scheme,
                    m.kind,
                    m.status,
                    m.jurisdiction,
                    format_yuan(m.base_fen) if m.base_fen is not None else "",
                    format_yuan(m.due_fen),
                    format_yuan(m.platform_share_fen),
                    format_yuan(m.paid_fen),
                    format_yuan(m.subsidy_fen),
                ]
            )
    return out.getvalue()
