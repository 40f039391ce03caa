"""Platform co-contributions (平台共担, the seeds' "platform-based social security"): a platform
commits to pay part of its rostered workers' pension bills — a share or a fixed amount a month —
and settlement books that part to the platform's payable instead of the worker's bill."""

from __future__ import annotations

from sqlalchemy.orm import Session

from flexcover.contributions.models import PlatformAgreement, PlatformWorker
from flexcover.contributions.problems import MonthNotAllowed
from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.months import Month
from flexcover.kit.problems import NotFound
from flexcover.registry.authz import Target, authorize
from flexcover.registry.models import Person, Platform
from flexcover.rules.problems import OutOfRange


def _platform(session: Session, actor: Actor, platform_id: int) -> Platform:
    platform = session.get(Platform, platform_id)
    if platform is None:
        raise NotFound(field="platform_id", what="platform", key=platform_id)
    # The platform's own login commits it (or an administrator of its region).
    target = Target(region_code=platform.region_code, platform_id=platform.id)
    authorize(actor, "platform.agreement", target, field="platform_id")
    return platform


def agree(
    *,
    session: Session,
    actor: Actor,
    platform_id: int,
    share_bp: int | None,
    fixed_fen: int | None,
    from_month: Month,
    as_of: Month,
) -> PlatformAgreement:
    platform = _platform(session, actor, platform_id)
    if (share_bp is None) == (fixed_fen is None):
        raise OutOfRange(
            field="share_bp",
            reason_zh="请给出分担比例或固定金额，二者选一",
            reason_en="give either a share or a fixed amount, not both",
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
    if from_month < as_of:
        raise MonthNotAllowed(
            field="from_month",
            reason_zh=f"协议只能从 {as_of} 起生效",
            reason_en=f"an agreement starts from {as_of} on",
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
    return agreement


def add_to_roster(
    *, session: Session, actor: Actor, platform_id: int, person_id: int, from_month: Month
) -> PlatformWorker:
    platform = _platform(session, actor, platform_id)
    if session.get(Person, person_id) is None:
        raise NotFound(field="person_id", what="person", key=person_id)
    worker = PlatformWorker(
        platform_id=platform.id, person_id=person_id, from_month=str(from_month)
    )
    session.add(worker)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="platform.roster_add",
        entity="platform_worker",
        entity_id=worker.id,
        details={"platform_id": platform.id, "person_id": person_id},
    )
    return worker
