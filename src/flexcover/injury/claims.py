"""Claims (职业伤害申报 → 确认 → 鉴定 → 待遇 → 支付): report, responsibility, steps, payment.

A report names the worker, the moment and place of the accident and, if known, the order. The
responsible platform is the one whose order window (accepted → ended, plus the grace of
``injury.return_grace_minutes`` for the way back) holds the accident; with several, the rule of
``injury.overlap_rule`` picks one and the decision is stored with its evidence; with none, the
claim goes on as "not during an order", for a reviewer to reject or to assign with a reason.

| event | entry (debit + / credit −) |
|---|---|
| benefits approved | injury_fund + total, injury_benefit_payable[worker] − total |
| a benefit paid | injury_benefit_payable[worker] + amount, collection_clearing − amount |
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import chinese_calendar
import numpy as np
from sqlalchemy.orm import Session

from flexcover.injury import repository
from flexcover.injury.lifecycle import RULES, TRANSITIONS, ClaimAction, allowed
from flexcover.injury.models import Benefit, Claim, ClaimAttachment, ClaimStatus, ClaimStep, Order
from flexcover.injury.orders import CHINA
from flexcover.injury.problems import (
    AttachmentRefused,
    ClaimRefused,
    OverApprovalLimit,
    PaymentPreconditions,
    SameOfficer,
)
from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.money import format_yuan
from flexcover.kit.months import Month
from flexcover.kit.problems import NotFound
from flexcover.ledger.service import AccountRef, Draft, post
from flexcover.registry.authz import Target, allows, authorize
from flexcover.rules import injury as rules
from flexcover.rules.parameters import Rulebook

DUPLICATE_WINDOW = timedelta(hours=2)
REPORTERS = ("platform", "worker", "relative", "union", "officer")
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 20
ATTACHMENT_TYPES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}
"""The types a claim's file may be, each told by its first bytes (what a file says it is
counts for nothing)."""
SCHEDULE_MONTHS = 12
"""How many months of a monthly benefit one computation schedules; the next are scheduled when
the claim is computed again."""


def target(claim: Claim) -> Target:
    return Target(
        region_code=claim.jurisdiction_code,
        person_id=claim.person_id,
        platform_id=claim.platform_id,
    )


def claim_for(session: Session, actor: Actor, claim_id: int, *, action: str) -> Claim:
    """The claim, if ``actor`` may take ``action`` on it; unknown and forbidden look alike."""
    found = repository.claim(session, claim_id)
    if found is None or not allows(actor, action, target(found)):
        raise NotFound(field="claim_id", what="claim", key=claim_id)
    return found


# --- report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    person_id: int
    accident_at: datetime
    jurisdiction: str
    place: str
    description: str
    order_ref: str | None
    reporter_kind: str


def report(
    *, session: Session, actor: Actor, report: Report, rulebook: Rulebook, now: datetime
) -> Claim:
    """Take in a report (职业伤害申报); a late one is kept and flagged, never refused."""
    if report.reporter_kind not in REPORTERS:
        raise ClaimRefused(
            field="reporter_kind",
            reason_zh=f"申报人应为 {'、'.join(REPORTERS)} 之一",
            reason_en=f"the reporter is one of {', '.join(REPORTERS)}",
        )
    if report.accident_at > now:
        raise ClaimRefused(
            field="accident_at", reason_zh="事故时间不能晚于现在", reason_en="is in the future"
        )
    authorize(
        actor,
        "injury.claim.report",
        Target(
            region_code=report.jurisdiction,
            person_id=report.person_id,
            platform_id=actor.platform_id,
        ),
        field="jurisdiction",
    )
    day = report.accident_at.astimezone(CHINA).date()
    deadline = report_deadline(rulebook, report.jurisdiction, day, report.reporter_kind)
    platform_id, evidence = responsible(
        session, rulebook, report.person_id, report.jurisdiction, report.accident_at
    )
    duplicate = repository.near_duplicate(
        session,
        report.person_id,
        report.accident_at - DUPLICATE_WINDOW,
        report.accident_at + DUPLICATE_WINDOW,
        report.order_ref,
    )
    today = now.astimezone(CHINA).date()
    claim = Claim(
        person_id=report.person_id,
        jurisdiction_code=report.jurisdiction,
        accident_at=report.accident_at,
        place=report.place,
        description=report.description,
        order_ref=report.order_ref,
        reporter_kind=report.reporter_kind,
        reported_by=actor.username,
        reported_at=now,
        report_deadline=deadline,
        late=today > deadline,
        duplicate_of=duplicate.id if duplicate is not None else None,
        platform_id=platform_id,
        responsibility=evidence,
        status=ClaimStatus.REPORTED,
        due_on=today + timedelta(days=_days(rulebook, report.jurisdiction, "acceptance", day)),
        died=False,
        provisional=False,
    )
    session.add(claim)
    session.flush()
    _step(session, claim, actor, "report", None, ClaimStatus.REPORTED, None, now)
    audit.record(
        session,
        actor=actor,
        action="injury.claim_reported",
        entity="injury_claim",
        entity_id=claim.id,
        details={"late": claim.late, "duplicate_of": claim.duplicate_of},
    )
    return claim


def report_deadline(rulebook: Rulebook, code: str, day: date, reporter_kind: str) -> date:
    """The last day of the reporter's time limit: the platform's working days (the State
    Council's holidays and 调休 counted), or the days a worker, relative or union has."""
    if reporter_kind == "platform":
        days = int(rulebook.get(code, "injury.platform_report_working_days", day).value)
        return working_days_after(day, days)
    days = int(rulebook.get(code, "injury.personal_report_days", day).value)
    return day + timedelta(days=days)


def working_days_after(day: date, count: int) -> date:
    """The ``count``-th working day after ``day``: by the State Council's holiday calendar for the
    years it is published in (chinesecalendar), Monday to Friday beyond them."""
    current = day
    while count > 0:
        current += timedelta(days=1)
        if _is_working_day(current):
            count -= 1
    return current


PUBLISHED_THROUGH = max(chinese_calendar.holidays).year
"""The last year whose holidays and 调休 the installed calendar holds."""


def _is_working_day(day: date) -> bool:
    if day.year <= PUBLISHED_THROUGH:
        working: bool = chinese_calendar.is_workday(day)
        return working
    return day.weekday() < 5


def _days(rulebook: Rulebook, code: str, which: str, day: date) -> int:
    return int(rulebook.get(code, f"injury.{which}_days", day).value)


def responsible(
    session: Session, rulebook: Rulebook, person_id: int, code: str, at: datetime
) -> tuple[int | None, dict[str, Any]]:
    """The platform whose order was running at ``at``, and the evidence of how it was found."""
    day = at.astimezone(CHINA).date()
    grace = timedelta(minutes=int(rulebook.get(code, "injury.return_grace_minutes", day).value))
    rule = str(rulebook.get(code, "injury.overlap_rule", day).value)
    running = [
        order
        for order in repository.orders_running(session, person_id, at - grace, at)
        if order.accepted_at <= at <= order.ended_at + grace
    ]
    evidence: dict[str, Any] = {
        "rule": rule,
        "grace_minutes": int(grace.total_seconds() // 60),
        "running": [_evidence(order) for order in running],
    }
    if not running:
        evidence["finding"] = "not_during_an_order"
        return None, evidence
    chosen = running[0] if rule == "earliest_accepted" else running[-1]
    evidence["finding"] = "during_an_order" if len(running) == 1 else "several_orders"
    evidence["chosen"] = _evidence(chosen)
    return chosen.platform_id, evidence


def _evidence(order: Order) -> dict[str, Any]:
    return {
        "platform_id": order.platform_id,
        "order_id": order.order_ref,
        "accepted_at": order.accepted_at.isoformat(),
        "ended_at": order.ended_at.isoformat(),
        "end": order.end_kind,
    }


# --- steps -------------------------------------------------------------------------------------


@dataclass
class StepInput:
    """What a step may carry besides its reason."""

    reason: str | None = None
    platform_id: int | None = None
    grade: int | None = None
    died: bool = False
    nursing_level: int | None = None
    dependants: list[rules.Dependant] = field(default_factory=list)
    medical: list[tuple[str, int]] = field(default_factory=list)
    """(what, fen) per itemised medical cost."""
    bank_account: str | None = None
    recommendation: str | None = None
    """An insurer's proposal: ``confirm`` or ``reject``."""


def step(
    *,
    session: Session,
    actor: Actor,
    claim_id: int,
    action: ClaimAction,
    data: StepInput,
    rulebook: Rulebook,
    now: datetime,
) -> Claim:
    """Take one step of a claim: refused unless the table allows it in the claim's state and
    ``actor`` holds the action it needs there; recorded with who, role and why."""
    rule = RULES[action]
    claim = claim_for(session, actor, claim_id, action="injury.claim.read")
    locked = repository.claim(session, claim.id, lock=True)
    assert locked is not None
    claim = locked
    authorize(actor, rule.needs, target(claim), field="action")
    before = ClaimStatus(claim.status)
    after = allowed(claim.id, claim.status, action)
    if rule.reason_required and not (data.reason and data.reason.strip()):
        raise ClaimRefused(field="reason", reason_zh="请写明理由", reason_en="give the reason")
    today = now.astimezone(CHINA).date()
    accident_day = claim.accident_at.astimezone(CHINA).date()
    code = claim.jurisdiction_code
    if action in (ClaimAction.ACCEPT, ClaimAction.RE_REVIEW, ClaimAction.REOPEN):
        claim.due_on = today + timedelta(days=_days(rulebook, code, "decision", accident_day))
    elif action is ClaimAction.RESUBMIT:
        claim.due_on = today + timedelta(days=_days(rulebook, code, "acceptance", accident_day))
    elif action is ClaimAction.APPEAL:
        claim.due_on = today + timedelta(days=_days(rulebook, code, "decision", accident_day))
    elif after not in (ClaimStatus.INVESTIGATING, ClaimStatus.ACCEPTED, ClaimStatus.REPORTED):
        claim.due_on = None
    if action is ClaimAction.ASSIGN:
        _assign(session, claim, data)
    elif action is ClaimAction.PROPOSE:
        if data.recommendation not in ("confirm", "reject"):
            raise ClaimRefused(
                field="recommendation",
                reason_zh="意见应为 confirm（确认）或 reject（不予确认）",
                reason_en="the proposal is confirm or reject",
            )
        claim.proposal = {
            "recommendation": data.recommendation,
            "reason": data.reason,
            "by": actor.username,
            "at": now.isoformat(),
        }
    elif action is ClaimAction.ASSESS:
        _assess(claim, data)
    elif action is ClaimAction.COMPUTE:
        _compute(session, actor, claim, data, rulebook, today)
    elif action is ClaimAction.APPROVE:
        _approve(session, actor, claim, rulebook, today)
    elif action is ClaimAction.PAY:
        _pay(session, actor, claim, data, today)
    claim.status = after
    _step(session, claim, actor, str(action), before, after, data.reason, now)
    audit.record(
        session,
        actor=actor,
        action=f"injury.claim_{action}",
        entity="injury_claim",
        entity_id=claim.id,
        details={"from": str(before), "to": str(after)},
    )
    return claim


def _step(
    session: Session,
    claim: Claim,
    actor: Actor,
    action: str,
    before: ClaimStatus | None,
    after: ClaimStatus,
    reason: str | None,
    now: datetime,
) -> None:
    session.add(
        ClaimStep(
            claim_id=claim.id,
            action=action,
            from_status=str(before) if before is not None else None,
            to_status=str(after),
            actor=actor.username,
            role=actor.role,
            reason=(reason or "").strip()[:500] or None,
            at=now,
        )
    )


def _assign(session: Session, claim: Claim, data: StepInput) -> None:
    if data.platform_id is None:
        raise ClaimRefused(
            field="platform_id", reason_zh="请指定平台", reason_en="name the platform"
        )
    claim.responsibility = {
        **(claim.responsibility or {}),
        "override": {"platform_id": data.platform_id, "reason": data.reason},
    }
    claim.platform_id = data.platform_id


def _assess(claim: Claim, data: StepInput) -> None:
    if data.grade is not None and not 1 <= data.grade <= 10:
        raise ClaimRefused(
            field="grade", reason_zh="伤残等级为 1–10 级或无", reason_en="a grade 1–10, or none"
        )
    if data.nursing_level is not None and not 1 <= data.nursing_level <= 3:
        raise ClaimRefused(
            field="nursing_level", reason_zh="生活护理等级为 1–3 级", reason_en="levels are 1–3"
        )
    claim.grade = data.grade
    claim.died = data.died
    claim.responsibility = {
        **(claim.responsibility or {}),
        "assessment": {
            "grade": data.grade,
            "died": data.died,
            "nursing_level": data.nursing_level,
            "dependants": [{"relation": d.relation, "alone": d.alone} for d in data.dependants],
        },
    }


def _compute(
    session: Session,
    actor: Actor,
    claim: Claim,
    data: StepInput,
    rulebook: Rulebook,
    today: date,
) -> None:
    """The benefits (待遇核定) from the rules, as one-off items and monthly schedules."""
    for existing in repository.benefits(session, claim.id):
        if existing.paid_entry is not None:
            raise ClaimRefused(
                field="action",
                reason_zh="已有待遇支付，不能重新核定",
                reason_en="benefits were paid already; they cannot be computed again",
            )
        session.delete(existing)
    session.flush()
    assessment = (claim.responsibility or {}).get("assessment", {})
    code = claim.jurisdiction_code
    on = claim.accident_at.astimezone(CHINA).date()
    month = Month.of(today)
    rows: list[Benefit] = []
    for sequence, (what, fen) in enumerate(data.medical):
        if fen <= 0:
            raise ClaimRefused(
                field=f"medical.{sequence}.amount_fen",
                reason_zh="金额应大于 0",
                reason_en="must be more than 0",
            )
        rows.append(_benefit(claim, "medical", month, sequence, fen, f"医疗费用：{what}", None))
    grade = assessment.get("grade")
    if grade is not None:
        grant = rules.disability_grant(
            rulebook=rulebook, jurisdiction=code, grade=np.array([grade], dtype=np.int64), on=on
        )
        rows.append(
            _benefit(
                claim,
                "disability_grant",
                month,
                0,
                int(grant.amount_fen[0]),
                f"一次性伤残补助金（{grade} 级）",
                grant.explain,
            )
        )
        if grade <= 4:
            allowance = rules.disability_allowance(
                rulebook=rulebook, jurisdiction=code, grade=np.array([grade], dtype=np.int64), on=on
            )
            rows += _schedule(
                claim,
                "disability_allowance",
                month,
                int(allowance.amount_fen[0]),
                "伤残津贴",
                allowance.explain,
            )
    level = assessment.get("nursing_level")
    if level is not None:
        nursing = rules.nursing_allowance(rulebook=rulebook, jurisdiction=code, level=level, on=on)
        rows += _schedule(
            claim,
            "nursing_allowance",
            month,
            int(nursing.amount_fen[0]),
            "生活护理费",
            nursing.explain,
        )
    if assessment.get("died"):
        funeral = rules.funeral_grant(rulebook=rulebook, jurisdiction=code, on=on)
        death = rules.death_grant(rulebook=rulebook, jurisdiction=code, on=on)
        rows.append(
            _benefit(
                claim,
                "funeral_grant",
                month,
                0,
                int(funeral.amount_fen[0]),
                "丧葬补助金",
                funeral.explain,
            )
        )
        rows.append(
            _benefit(
                claim,
                "death_grant",
                month,
                0,
                int(death.amount_fen[0]),
                "一次性工亡补助金",
                death.explain,
            )
        )
        dependants = [
            rules.Dependant(relation=d["relation"], alone=bool(d.get("alone")))
            for d in assessment.get("dependants", [])
        ]
        if dependants:
            pensions = rules.dependants_pension(
                rulebook=rulebook, jurisdiction=code, dependants=dependants, on=on
            )
            for index, amount in enumerate(pensions.amount_fen.tolist()):
                if amount > 0:
                    rows += _schedule(
                        claim,
                        "dependant_pension",
                        month,
                        int(amount),
                        f"供养亲属抚恤金（第 {index + 1} 人）",
                        pensions.explain,
                        sequence=index,
                    )
    if not rows:
        raise ClaimRefused(
            field="medical",
            reason_zh="没有可核定的待遇：请填写医疗费用或完成伤残鉴定",
            reason_en="nothing to compute: give the medical costs or assess a grade",
        )
    session.add_all(rows)
    claim.total_fen = sum(row.amount_fen for row in rows)
    claim.provisional = any(row.provisional for row in rows)
    claim.computed_by = actor.username


def _benefit(
    claim: Claim,
    item: str,
    month: Month,
    sequence: int,
    amount: int,
    label: str,
    explain: Any,
) -> Benefit:
    return Benefit(
        claim_id=claim.id,
        item=item,
        month=str(month),
        sequence=sequence,
        amount_fen=amount,
        label=label,
        provisional=bool(explain is not None and explain.provisional),
        explain=explain.to_dict() if explain is not None else {},
    )


def _schedule(
    claim: Claim,
    item: str,
    first: Month,
    amount: int,
    label: str,
    explain: Any,
    *,
    sequence: int = 0,
) -> list[Benefit]:
    return [
        _benefit(claim, item, first + offset, sequence, amount, label, explain)
        for offset in range(SCHEDULE_MONTHS)
    ]


def _approve(session: Session, actor: Actor, claim: Claim, rulebook: Rulebook, today: date) -> None:
    """Maker–checker: someone other than who computed, within their amount limit."""
    if actor.username == claim.computed_by:
        raise SameOfficer(field="action")
    total = claim.total_fen or 0
    found = rulebook.find(
        claim.jurisdiction_code, f"injury.approval_limit_yuan.{actor.role}", today
    )
    limit = int(found.value) if found is not None else 0
    if total > limit:
        raise OverApprovalLimit(field="action", amount=format_yuan(total), limit=format_yuan(limit))
    post(
        session=session,
        actor=actor,
        draft=Draft(
            key=f"injury_approval:{claim.id}:{total}",
            kind="injury_approval",
            description=f"claim {claim.id} benefits approved",
            postings=(
                (AccountRef("injury_fund", claim.jurisdiction_code), total),
                (
                    AccountRef(
                        "injury_benefit_payable", claim.jurisdiction_code, person_id=claim.person_id
                    ),
                    -total,
                ),
            ),
        ),
    )


def missing_for_payment(session: Session, claim: Claim) -> list[tuple[str, str]]:
    """What a payment still waits for: (zh, en) per precondition not met."""
    missing: list[tuple[str, str]] = []
    evidence = claim.responsibility or {}
    if claim.platform_id is None and "override" not in evidence:
        missing.append(("订单证据（责任平台）", "order evidence (the responsible platform)"))
    if not any(s.action == ClaimAction.CONFIRM for s in repository.steps(session, claim.id)):
        missing.append(("职业伤害确认", "the confirmation"))
    if not claim.bank_account_masked:
        missing.append(("银行账户", "a bank account"))
    if not repository.benefits(session, claim.id):
        missing.append(("核定的待遇", "computed benefits"))
    return missing


def _pay(session: Session, actor: Actor, claim: Claim, data: StepInput, today: date) -> None:
    if data.bank_account is not None:
        set_bank_account(claim, data.bank_account)
    missing = missing_for_payment(session, claim)
    if missing:
        raise PaymentPreconditions(
            field="action",
            claim_id=claim.id,
            missing_zh="、".join(zh for zh, _ in missing),
            missing_en=", ".join(en for _, en in missing),
        )
    pay_due(session=session, actor=actor, claim=claim, month=Month.of(today))


def pay_due(*, session: Session, actor: Actor, claim: Claim, month: Month) -> int:
    """Pay the claim's benefits due up to ``month`` not paid yet; what it paid, in fen."""
    due = [
        b
        for b in repository.benefits(session, claim.id)
        if b.paid_entry is None and b.month <= str(month)
    ]
    total = sum(b.amount_fen for b in due)
    if not total:
        return 0
    key = f"injury_benefit:{claim.id}:{month}"
    code = claim.jurisdiction_code
    post(
        session=session,
        actor=actor,
        draft=Draft(
            key=key,
            kind="injury_benefit",
            description=f"claim {claim.id} benefits to {month}",
            postings=(
                (AccountRef("injury_benefit_payable", code, person_id=claim.person_id), total),
                (AccountRef("collection_clearing", code), -total),
            ),
            month=month,
        ),
    )
    for benefit in due:
        benefit.paid_entry = key
    return total


MONTHLY = ("disability_allowance", "nursing_allowance", "dependant_pension")


def extend_schedules(session: Session, actor: Actor, claim: Claim, month: Month) -> int:
    """Schedule another twelve months of each monthly benefit whose last scheduled month is
    ``month`` or before (monthly benefits run on; what ends them — retirement, recovery, a
    dependant's age — is decided by an officer, who closes the claim's schedule by reopening
    it)."""
    last: dict[tuple[str, int], Benefit] = {}
    for benefit in repository.benefits(session, claim.id):
        if benefit.item in MONTHLY:
            key = (benefit.item, benefit.sequence)
            if key not in last or benefit.month > last[key].month:
                last[key] = benefit
    added = amount = 0
    for benefit in last.values():
        if benefit.month > str(month):
            continue
        start = Month.parse(benefit.month) + 1
        amount += benefit.amount_fen * SCHEDULE_MONTHS
        for offset in range(SCHEDULE_MONTHS):
            session.add(
                Benefit(
                    claim_id=claim.id,
                    item=benefit.item,
                    month=str(start + offset),
                    sequence=benefit.sequence,
                    amount_fen=benefit.amount_fen,
                    label=benefit.label,
                    provisional=benefit.provisional,
                    explain=benefit.explain,
                )
            )
            added += 1
    session.flush()
    if amount:
        # The months carried on are owed as the approved ones were: from the fund.
        post(
            session=session,
            actor=actor,
            draft=Draft(
                key=f"injury_schedule:{claim.id}:{month}",
                kind="injury_approval",
                description=f"claim {claim.id} monthly benefits carried on after {month}",
                postings=(
                    (AccountRef("injury_fund", claim.jurisdiction_code), amount),
                    (
                        AccountRef(
                            "injury_benefit_payable",
                            claim.jurisdiction_code,
                            person_id=claim.person_id,
                        ),
                        -amount,
                    ),
                ),
            ),
        )
    return added


_ACCOUNT = re.compile(r"^[0-9]{12,30}$")


def set_bank_account(claim: Claim, number: str) -> None:
    """Keep the payee account masked (its first four and last four digits): the payment file
    for the bank is made from the number given at payment, never stored whole."""
    plain = number.replace(" ", "")
    if not _ACCOUNT.match(plain):
        raise ClaimRefused(
            field="bank_account",
            reason_zh="银行账号应为 12–30 位数字",
            reason_en="12–30 digits",
        )
    claim.bank_account_masked = plain[:4] + "*" * (len(plain) - 8) + plain[-4:]


# --- attachments -------------------------------------------------------------------------------


def attach(
    *,
    session: Session,
    actor: Actor,
    claim: Claim,
    filename: str,
    declared_type: str,
    data: bytes,
) -> ClaimAttachment:
    """Keep a file of a claim after checking its size and, by its first bytes, its type."""
    if not data or len(data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentRefused(
            field="file",
            reason_zh=f"文件应为 1 字节至 {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB",
            reason_en=f"a file of 1 byte to {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB",
        )
    kind = next(
        (
            name
            for name, magics in ATTACHMENT_TYPES.items()
            if any(data.startswith(m) for m in magics)
        ),
        None,
    )
    if kind is None or (declared_type and declared_type.split(";")[0].strip() != kind):
        raise AttachmentRefused(
            field="file",
            reason_zh="只接收 JPEG、PNG 图片或 PDF 文件（按文件内容判断）",
            reason_en="only JPEG or PNG images and PDF files (told by their content)",
        )
    if len(repository.attachments(session, claim.id)) >= MAX_ATTACHMENTS:
        raise AttachmentRefused(
            field="file",
            reason_zh=f"每件申报至多 {MAX_ATTACHMENTS} 个附件",
            reason_en=f"at most {MAX_ATTACHMENTS} files a claim",
        )
    safe = re.sub(r"[^\w.\-]", "_", filename)[-120:] or "file"
    attachment = ClaimAttachment(
        claim_id=claim.id,
        filename=safe,
        content_type=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        added_by=actor.username,
    )
    session.add(attachment)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="injury.claim_attachment",
        entity="injury_claim",
        entity_id=claim.id,
        details={"attachment": attachment.id, "size": len(data), "type": kind},
    )
    return attachment


def next_actions(claim: Claim) -> list[str]:
    """The actions the table allows in the claim's state."""
    return [str(action) for action, state in TRANSITIONS if state == claim.status]
