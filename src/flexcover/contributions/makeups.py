"""Make-up payments (补缴) — only where the jurisdiction's make-up policy allows them (flexible
workers generally may not pay back months they missed; at retirement the Social Insurance Law
art. 16 lets them extend, and 人社部令第13号 art. 2 and the State Council's 2024 retirement
measures art. 2 a lump sum), and never with a subsidy.

- ``none``: no back months at all;
- ``short_of_minimum_at_retirement``: a person past their statutory retirement age who is short
  of the minimum contribution months, and was first insured before ``makeup.insured_before``
  (人社部令第13号 art. 2), may pay up to the shortfall (一次性缴费);
- ``window``: the conditional back-payment the seeds propose — months missed within
  ``makeup.window_months`` before now.

A refused request names the rule that refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flexcover.contributions import repository
from flexcover.contributions.entries import bill_drafts
from flexcover.contributions.models import BillStatus, ContributionBill, Enrolment
from flexcover.contributions.problems import MakeupNotAllowed
from flexcover.contributions.service import _enrolment, quote
from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.months import Month, month_range
from flexcover.kit.problems import Problem
from flexcover.ledger.service import post_batch
from flexcover.registry import service as registry
from flexcover.rules.parameters import Rulebook
from flexcover.rules.retirement import retirement

MAX_MONTHS_PER_REQUEST = 240


def request_makeup(
    *,
    session: Session,
    rulebook: Rulebook,
    actor: Actor,
    enrolment_id: int,
    months: list[Month],
    base_fen: int,
    as_of: Month,
) -> list[ContributionBill]:
    """Bills for back ``months`` at ``base_fen`` if the policy allows every one of them."""
    enrolment = _enrolment(session, actor, enrolment_id, "enrolment.manage")
    if enrolment.scheme != "employee_pension":
        raise MakeupNotAllowed(
            field="enrolment_id",
            reason_zh="只有职工养老保险可以补缴",
            reason_en="only the employee pension can be made up",
        )
    if not months or len(months) > MAX_MONTHS_PER_REQUEST or len(set(months)) != len(months):
        raise MakeupNotAllowed(
            field="months",
            reason_zh="请列出不重复的补缴月份（最多 240 个）",
            reason_en="list distinct months to make up (at most 240)",
        )
    if any(month >= as_of for month in months):
        raise MakeupNotAllowed(
            field="months",
            reason_zh=f"补缴只针对 {as_of} 以前的月份",
            reason_en=f"only months before {as_of} can be made up",
        )
    code = enrolment.jurisdiction_code
    policy = rulebook.get(code, "makeup.policy", as_of.first_day, field="months")
    if policy.value == "none":
        raise MakeupNotAllowed(
            field="months",
            reason_zh=f"{code} 不允许补缴（{policy.source}）",
            reason_en=f"{code} allows no make-up payments ({policy.source})",
        )
    if policy.value == "window":
        reach = rulebook.get(code, "makeup.window_months", as_of.first_day, field="months").value
        earliest = as_of - reach
        if min(months) < earliest:
            raise MakeupNotAllowed(
                field="months",
                reason_zh=f"只能补缴 {earliest} 及以后的月份"
                f"（makeup.window_months = {reach}，{policy.source}）",
                reason_en=f"only months from {earliest} on can be made up "
                f"(makeup.window_months = {reach}, {policy.source})",
            )
    else:
        _check_short_of_minimum(session, rulebook, enrolment, len(months), as_of, policy.source)
    taken = set(
        session.scalars(
            select(ContributionBill.month).where(
                ContributionBill.person_id == enrolment.person_id,
                ContributionBill.scheme == enrolment.scheme,
                ContributionBill.month.in_([str(m) for m in months]),
            )
        )
    )
    if taken:
        raise MakeupNotAllowed(
            field="months",
            reason_zh=f"{'、'.join(sorted(taken))} 已有缴费记录",
            reason_en=f"{', '.join(sorted(taken))} already have a bill",
        )
    bills = []
    for month in sorted(months):
        due, personal, pooled, provisional = quote(
            rulebook, code, month, base_fen, enrolment.scheme
        )
        bills.append(
            ContributionBill(
                enrolment_id=enrolment.id,
                person_id=enrolment.person_id,
                scheme=enrolment.scheme,
                jurisdiction_code=code,
                month=str(month),
                kind="makeup",
                base_fen=base_fen,
                due_fen=due,
                personal_account_fen=personal,
                pooled_fund_fen=pooled,
                platform_share_fen=0,
                paid_fen=0,
                subsidy_fen=0,
                status=BillStatus.OPEN,
                provisional=provisional,
            )
        )
    session.add_all(bills)
    session.flush()
    post_batch(session=session, drafts=[bill_drafts(bill) for bill in bills], actor=actor)
    audit.record(
        session,
        actor=actor,
        action="enrolment.makeup",
        entity="enrolment",
        entity_id=enrolment.id,
        details={
            "months": [str(m) for m in sorted(months)],
            "base_fen": base_fen,
            "policy": policy.value,
        },
    )
    return bills


def _check_short_of_minimum(
    session: Session,
    rulebook: Rulebook,
    enrolment: Enrolment,
    requested: int,
    as_of: Month,
    source: str,
) -> None:
    person = registry.person(session, enrolment.person_id)
    day = as_of.first_day
    original = rulebook.get(
        enrolment.jurisdiction_code, f"retirement.flexible_original_age.{person.gender}", day
    ).value
    facts = retirement(
        rulebook=rulebook,
        gender=(person.gender,),
        original_age=np.array([original]),
        birth_month=np.array([Month.of(person.birth_date).index]),
        on=day,
    )
    retires = Month.from_index(int(facts.retirement_month[0]))
    minimum = int(facts.minimum_contribution_months[0])
    if as_of < retires:
        raise MakeupNotAllowed(
            field="months",
            reason_zh=f"一次性补缴只适用于已达法定退休年龄（{retires}）且缴费不足最低年限的人员（{source}）",
            reason_en=f"a lump-sum make-up is only for people past their statutory retirement "
            f"month ({retires}) who are short of the minimum ({source})",
        )
    paid = (
        session.scalar(
            select(func.count())
            .select_from(ContributionBill)
            .where(
                ContributionBill.person_id == person.id,
                ContributionBill.scheme == "employee_pension",
                ContributionBill.status == BillStatus.PAID,
            )
        )
        or 0
    )
    first = min(
        (e.first_month for e in repository.enrolments_of(session, person.id)), default="9999-12"
    )
    before = rulebook.get(enrolment.jurisdiction_code, "makeup.insured_before", day).value
    if first >= str(before):
        raise MakeupNotAllowed(
            field="months",
            reason_zh=f"一次性补缴只适用于 {before} 以前参保的人员（{source}）",
            reason_en=f"a lump-sum make-up is for people insured before {before} ({source})",
        )
    if paid + requested > minimum:
        raise MakeupNotAllowed(
            field="months",
            reason_zh=f"最多补缴到最低缴费月数 {minimum}（已缴 {paid} 个月）",
            reason_en=f"only up to the minimum of {minimum} months ({paid} paid)",
        )


@dataclass(frozen=True)
class MakeupOffer:
    """What a worker may make up now: the policy that decides it, with its source; the months
    they may choose (missed months the policy reaches); or why nothing can be made up."""

    enrolment_id: int | None
    policy: str | None
    source: str | None
    months: list[str]
    base_fen: int | None
    refusal: Problem | None


OFFER_REACH = 60
"""Missed months shown at most (a lump-sum make-up may reach further back through the API)."""


def makeup_offer(
    *, session: Session, rulebook: Rulebook, actor: Actor, person_id: int, as_of: Month
) -> MakeupOffer:
    """The make-up page's offer for the person's employee-pension enrolment."""
    enrolment = repository.open_enrolment(session, person_id, "employee_pension")
    if enrolment is None:
        first = MakeupNotAllowed(
            field="enrolment_id",
            reason_zh="请先参加职工养老保险",
            reason_en="enrol in the employee pension first",
        )
        return MakeupOffer(None, None, None, [], None, first)
    enrolment = _enrolment(session, actor, enrolment.id, "enrolment.manage")
    code = enrolment.jurisdiction_code
    policy = rulebook.get(code, "makeup.policy", as_of.first_day, field="months")
    floor = rulebook.find(code, "contribution_base.floor_yuan", as_of.first_day)
    billed = {
        bill.month
        for bill in repository.bills_of(session, person_id)
        if bill.scheme == enrolment.scheme
    }
    earliest = as_of - OFFER_REACH
    refusal: Problem | None = None
    if policy.value == "none":
        refusal = MakeupNotAllowed(
            field="months",
            reason_zh=f"{code} 不允许补缴（{policy.source}）",
            reason_en=f"{code} allows no make-up payments ({policy.source})",
        )
    elif policy.value == "window":
        reach = rulebook.get(code, "makeup.window_months", as_of.first_day, field="months").value
        earliest = max(earliest, as_of - reach)
    else:
        try:
            _check_short_of_minimum(session, rulebook, enrolment, 1, as_of, policy.source)
        except MakeupNotAllowed as refused:
            refusal = refused
    months = (
        []
        if refusal
        else [str(m) for m in month_range(earliest, as_of - 1) if str(m) not in billed]
    )
    return MakeupOffer(
        enrolment.id,
        policy.value,
        policy.source,
        months,
        floor.value if floor else None,
        refusal,
    )
