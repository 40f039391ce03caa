"""Platform co-contributions (平台共担, the seeds' "platform-based social security"): a platform
commits to pay part of its rostered workers' pension bills — a share or a fixed amount a month —
and settlement books that part to the platform's payable instead of the worker's bill. The
platform pays that payable; its roster is the registry's (:mod:`flexcover.registry.roster`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from flexcover.contributions import repository
from flexcover.contributions.models import PlatformAgreement, PlatformPayment
from flexcover.contributions.problems import AgreementConflict, MonthNotAllowed, Overpayment
from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.database import utc_now
from flexcover.kit.money import format_yuan
from flexcover.kit.months import Month
from flexcover.ledger.service import AccountRef, Draft, balances, post
from flexcover.registry.roster import platform_for
from flexcover.rules.problems import OutOfRange


def agree(
    *,
    session: Session,
    actor: Actor,
    platform_id: int,
    share_bp: int | None,
    fixed_fen: int | None,
    from_month: Month,
    as_of: Month,
) -> tuple[PlatformAgreement, bool]:
    """平台共担协议 from ``from_month``; returns the agreement and whether it is new. The same
    agreement sent again is the one already made (its business key is platform and first
    month); a later one supersedes the agreement in force, which ends the month before."""
    platform = platform_for(session, actor, platform_id, "platform.agreement")
    if share_bp is None and fixed_fen is None:
        raise OutOfRange(
            field="share_bp",
            reason_zh="缺少分担规则：请给出分担比例 share_bp（基点，1–10000）或每月固定金额 "
            "fixed_yuan（元），二者选一",
            reason_en="missing: give share_bp (basis points, 1–10000) or fixed_yuan (yuan a "
            "month), one of the two",
        )
    if share_bp is not None and fixed_fen is not None:
        raise OutOfRange(
            field="share_bp",
            reason_zh="分担比例 share_bp 与固定金额 fixed_yuan 只能给出一个",
            reason_en="give share_bp or fixed_yuan, not both",
        )
    if share_bp is not None and not 1 <= share_bp <= 10000:
        raise OutOfRange(
            field="share_bp",
            reason_zh="比例为 1–10000 个基点",
            reason_en="the share is 1 to 10000 basis points",
        )
    if fixed_fen is not None and fixed_fen <= 0:
        raise OutOfRange(
            field="fixed_yuan", reason_zh="金额应大于零", reason_en="must be more than zero"
        )
    existing = repository.agreements_of(session, platform.id, lock=True)
    same_month = next((a for a in existing if a.from_month == str(from_month)), None)
    if same_month is not None:
        if (same_month.share_bp, same_month.fixed_fen) == (share_bp, fixed_fen):
            return same_month, False
        raise AgreementConflict(
            field="from_month",
            reason_zh=f"{from_month} 起已有协议（编号 {same_month.id}），条款不同",
            reason_en=f"agreement {same_month.id} already starts in {from_month} with other terms",
        )
    if from_month < as_of:
        raise MonthNotAllowed(
            field="from_month",
            reason_zh=f"协议只能从 {as_of} 起生效",
            reason_en=f"an agreement starts from {as_of} on",
        )
    later = [a for a in existing if a.from_month > str(from_month)]
    if later:
        raise AgreementConflict(
            field="from_month",
            reason_zh=f"已有从 {later[0].from_month} 起的协议（编号 {later[0].id}）",
            reason_en=f"agreement {later[0].id} starts later, in {later[0].from_month}",
        )
    for current in existing:
        if current.until_month is None or current.until_month >= str(from_month):
            current.until_month = str(from_month - 1)  # superseded by the new one
            audit.record(
                session,
                actor=actor,
                action="platform.agreement_superseded",
                entity="platform_agreement",
                entity_id=current.id,
                details={"until_month": current.until_month},
            )
    agreement = PlatformAgreement(
        platform_id=platform.id, share_bp=share_bp, fixed_fen=fixed_fen, from_month=str(from_month)
    )
    session.add(agreement)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="platform.agreement",
        entity="platform_agreement",
        entity_id=agreement.id,
        details={
            "platform_id": platform.id,
            "share_bp": share_bp,
            "fixed_fen": fixed_fen,
            "from_month": str(from_month),
        },
    )
    return agreement, True


def pay(
    *, session: Session, actor: Actor, platform_id: int, amount_fen: int, reference: str
) -> PlatformPayment:
    """平台缴款: the platform pays what its agreements made it owe, across the districts where it
    owes (the district owed most first). Paying more than it owes is refused."""
    platform = platform_for(session, actor, platform_id, "platform.pay")
    owed = owed_by_district(session, platform.id, lock=True)
    total = sum(owed.values())
    if amount_fen <= 0 or amount_fen > total:
        raise Overpayment(
            field="amount_yuan", amount=format_yuan(amount_fen), outstanding=format_yuan(total)
        )
    payment = PlatformPayment(
        platform_id=platform.id, amount_fen=amount_fen, reference=reference, received_at=utc_now()
    )
    session.add(payment)
    session.flush()
    remaining = amount_fen
    postings: list[tuple[AccountRef, int]] = []
    for code, amount in sorted(owed.items(), key=lambda item: (-item[1], item[0])):
        take = min(remaining, amount)
        if take <= 0:
            continue
        postings.append((AccountRef("collection_clearing", code), take))
        postings.append((AccountRef("platform_payable", code, platform_id=platform.id), -take))
        remaining -= take
    post(
        session=session,
        actor=actor,
        draft=Draft(
            key=f"platform_payment:{payment.id}",
            kind="platform_payment",
            description=f"platform {platform.id} paid {format_yuan(amount_fen)}",
            postings=tuple(postings),
        ),
    )
    audit.record(
        session,
        actor=actor,
        action="platform.pay",
        entity="platform_payment",
        entity_id=payment.id,
        details={"platform_id": platform.id, "amount_fen": amount_fen},
    )
    return payment


def owed_by_district(session: Session, platform_id: int, *, lock: bool = False) -> dict[str, int]:
    """What the platform owes, per district where its workers' bills were shared."""
    codes = repository.platform_bill_districts(session, platform_id)
    refs = [AccountRef("platform_payable", code, platform_id=platform_id) for code in codes]
    found = balances(session=session, refs=refs, lock=lock)
    return {ref.jurisdiction: amount for ref, amount in found.items() if amount}


@dataclass(frozen=True)
class PlatformAccount:
    """What a platform's page shows of its money: owed now, billed shares by month, payments."""

    owed_fen: int
    shares_by_month: list[tuple[str, int, int]]
    """(month, workers, share billed in fen), newest first."""
    payments: list[PlatformPayment]


def account(*, session: Session, actor: Actor, platform_id: int) -> PlatformAccount:
    platform = platform_for(session, actor, platform_id, "platform.read")
    return PlatformAccount(
        owed_fen=sum(owed_by_district(session, platform.id).values()),
        shares_by_month=repository.platform_shares_by_month(session, platform.id, limit=12),
        payments=list(repository.platform_payments(session, platform.id, limit=20)),
    )


def agreements(*, session: Session, actor: Actor, platform_id: int) -> list[PlatformAgreement]:
    platform = platform_for(session, actor, platform_id, "platform.read")
    return list(repository.agreements_of(session, platform.id))
