"""The pages of occupational injury: a worker reports an injury from a phone and follows the
claim like a parcel; officers and insurers work a queue by due date and the claim file with its
evidence; a platform sees its orders per day, its refused rows, bills and claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from flexcover.injury import service
from flexcover.injury.lifecycle import ClaimAction
from flexcover.injury.models import ClaimStatus, InjuryBillStatus
from flexcover.injury.orders import CHINA
from flexcover.injury.problems import ClaimRefused
from flexcover.injury.service import StepInput
from flexcover.kit.audit import Actor
from flexcover.kit.money import parse_yuan
from flexcover.kit.months import Month
from flexcover.kit.pagination import MAX_RECORD_ID
from flexcover.kit.problems import Forbidden, Problem
from flexcover.registry import service as registry
from flexcover.rules.injury import Dependant
from flexcover.web.auth import DbSession, PageActor, check_csrf
from flexcover.web.templating import render
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
ClaimId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID)]
ITEMS = (
    "medical",
    "disability_grant",
    "disability_allowance",
    "nursing_allowance",
    "funeral_grant",
    "death_grant",
    "dependant_pension",
)
"""The benefits a claim can carry (the pages name each)."""


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.now()
    return now


def _local_moment(text: str, field: str) -> datetime:
    """A ``datetime-local`` field (China time) as a UTC moment."""
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise ClaimRefused(
            field=field, reason_zh="请填写日期和时间", reason_en="give a date and time"
        ) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=CHINA)
    return local.astimezone(UTC)


# --- worker ------------------------------------------------------------------------------------


@router.get("/worker/injury")
def worker_claims(request: Request, session: DbSession, actor: PageActor) -> Response:
    if actor.role != "worker":
        raise Forbidden(field=None, role=actor.role, action="injury.claim.report")
    claims = service.claims_queue(session=session, actor=actor)
    now = _now(request).astimezone(CHINA)
    return render(
        request,
        "injury/worker_claims.html",
        actor=actor,
        claims=claims,
        now=now.strftime("%Y-%m-%dT%H:%M"),
        places=registry.districts_within(session=session, region_code=actor.region_code or ""),
        error=None,
        form={},
    )


@router.post("/worker/injury")
def worker_report(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    accident_at: Annotated[str, Form(max_length=30)] = "",
    jurisdiction: Annotated[str, Form(pattern=r"^[0-9]{6}$")] = "000000",
    place: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=2000)] = "",
    reporter_kind: Annotated[str, Form(pattern="^(worker|relative|union)$")] = "worker",
    order_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    check_csrf(request, csrf)
    if actor.role != "worker":
        raise Forbidden(field=None, role=actor.role, action="injury.claim.report")
    try:
        if not place.strip() or not description.strip():
            raise ClaimRefused(
                field="place" if not place.strip() else "description",
                reason_zh="请填写事故地点和经过",
                reason_en="say where and how it happened",
            )
        claim = service.report_claim(
            session=session,
            actor=actor,
            worker_id=None,
            accident_at=_local_moment(accident_at, "accident_at"),
            jurisdiction=jurisdiction,
            place=place.strip(),
            description=description.strip(),
            order_ref=order_id.strip() or None,
            reporter_kind=reporter_kind,
            rulebook=request.app.state.rulebook,
            id_key=request.app.state.settings.id_hash_key,
            now=_now(request),
        )
    except Problem as refused:
        session.rollback()
        return render(
            request,
            "injury/worker_claims.html",
            status_code=refused.status,
            actor=actor,
            claims=service.claims_queue(session=session, actor=actor),
            now=accident_at,
            places=registry.districts_within(session=session, region_code=actor.region_code or ""),
            error=refused,
            form={"place": place, "description": description, "jurisdiction": jurisdiction},
        )
    return RedirectResponse(f"/worker/injury/{claim.id}", status_code=303)


@router.get("/worker/injury/{claim_id}")
def worker_claim(
    request: Request, claim_id: ClaimId, session: DbSession, actor: PageActor
) -> Response:
    view = service.claim_view(
        session=session, actor=actor, claim_id=claim_id, today=request.app.state.today()
    )
    return render(request, "injury/claim.html", actor=actor, view=view, staff=False)


# --- staff -------------------------------------------------------------------------------------


@router.get("/staff/injury/claims")
def staff_queue(
    request: Request,
    session: DbSession,
    actor: PageActor,
    status: Annotated[ClaimStatus | None, Query()] = None,
    overdue: Annotated[int, Query(ge=0, le=1)] = 0,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
) -> Response:
    today = request.app.state.today()
    claims = service.claims_queue(
        session=session,
        actor=actor,
        region=region,
        status=status,
        overdue_on=today if overdue else None,
    )
    return render(
        request,
        "injury/queue.html",
        actor=actor,
        claims=claims,
        today=today,
        status=status,
        overdue=overdue,
        statuses=list(ClaimStatus),
    )


@router.get("/staff/injury/claims/{claim_id}")
def staff_claim(
    request: Request, claim_id: ClaimId, session: DbSession, actor: PageActor
) -> Response:
    return _claim_page(request, session, actor, claim_id, error=None)


def _claim_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    claim_id: int,
    *,
    error: Problem | None,
) -> Response:
    view = service.claim_view(
        session=session, actor=actor, claim_id=claim_id, today=request.app.state.today()
    )
    return render(
        request,
        "injury/claim.html",
        status_code=error.status if error is not None else 200,
        actor=actor,
        view=view,
        staff=True,
        error=error,
    )


@router.post("/staff/injury/claims/{claim_id}")
def staff_step(
    request: Request,
    claim_id: ClaimId,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    action: Annotated[ClaimAction, Form()] = ClaimAction.ACCEPT,
    reason: Annotated[str, Form(max_length=500)] = "",
    grade: Annotated[str, Form(pattern=r"^(|[1-9]|10)$")] = "",
    nursing_level: Annotated[str, Form(pattern=r"^(|[1-3])$")] = "",
    died: Annotated[str, Form(pattern="^(|yes)$")] = "",
    spouse: Annotated[str, Form(pattern="^(|yes)$")] = "",
    others: Annotated[int, Form(ge=0, le=9)] = 0,
    medical: Annotated[str, Form(max_length=4000)] = "",
    bank_account: Annotated[str, Form(max_length=40)] = "",
    recommendation: Annotated[str, Form(pattern="^(|confirm|reject)$")] = "",
    platform_id: Annotated[str, Form(pattern=r"^[0-9]{0,9}$")] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        dependants = ([Dependant("spouse")] if spouse else []) + [Dependant("other")] * others
        service.step_claim(
            session=session,
            actor=actor,
            claim_id=claim_id,
            action=action,
            data=StepInput(
                reason=reason or None,
                platform_id=int(platform_id) if platform_id else None,
                grade=int(grade) if grade else None,
                died=bool(died),
                nursing_level=int(nursing_level) if nursing_level else None,
                dependants=dependants,
                medical=_medical(medical),
                bank_account=bank_account or None,
                recommendation=recommendation or None,
            ),
            rulebook=request.app.state.rulebook,
            now=_now(request),
        )
    except Problem as refused:
        session.rollback()
        return _claim_page(request, session, actor, claim_id, error=refused)
    return RedirectResponse(f"/staff/injury/claims/{claim_id}", status_code=303)


def _medical(text: str) -> list[tuple[str, int]]:
    """Itemised medical costs, one a line: ``what, yuan`` (住院治疗, 3000)."""
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        what, _, amount = line.replace("，", ",").rpartition(",")
        if not what.strip():
            raise ClaimRefused(
                field="medical",
                reason_zh=f"第 {number} 行应为“项目, 金额（元）”",
                reason_en=f"line {number}: write 'item, amount in yuan'",
            )
        try:
            Decimal(amount.strip())
        except InvalidOperation:
            raise ClaimRefused(
                field="medical",
                reason_zh=f"第 {number} 行的金额不是数字",
                reason_en=f"line {number}: the amount is not a number",
            ) from None
        items.append((what.strip()[:60], parse_yuan(amount.strip(), field="medical")))
    return items


# --- platform ----------------------------------------------------------------------------------


@router.get("/platform/injury")
def platform_portal(request: Request, session: DbSession, actor: PageActor) -> Response:
    if actor.role != "platform" or actor.platform_id is None:
        raise Forbidden(field=None, role=actor.role, action="injury.read")
    today = request.app.state.today()
    profile = service.onboarded(session=session, actor=actor, platform_id=actor.platform_id)
    days = service.orders_per_day(
        session=session,
        actor=actor,
        platform_id=actor.platform_id,
        first=today - timedelta(days=30),
        last=today,
    )
    refused = [
        r
        for r in registry.platform_requests(
            session=session, actor=actor, platform_id=actor.platform_id, limit=50
        )
        if r.operation == "injury.orders" and r.rejected
    ]
    return render(
        request,
        "injury/platform.html",
        actor=actor,
        profile=profile,
        days=days,
        refused=refused,
        bills=service.list_bills(session=session, actor=actor, platform_id=actor.platform_id),
        claims=service.claims_queue(session=session, actor=actor),
    )


@router.get("/staff/injury/bills")
def staff_bills(
    request: Request,
    session: DbSession,
    actor: PageActor,
    status: Annotated[InjuryBillStatus | None, Query()] = None,
    issued: Annotated[str | None, Query(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")] = None,
) -> Response:
    """The platforms' monthly bills of the officer's region (arrears: ``status=arrears``), and
    the form that issues a month."""
    return _bills_page(request, session, actor, status=status, issued=issued, error=None)


def _bills_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    status: InjuryBillStatus | None,
    issued: str | None,
    error: Problem | None,
) -> Response:
    today = request.app.state.today()
    return render(
        request,
        "injury/bills.html",
        status_code=error.status if error is not None else 200,
        actor=actor,
        bills=service.list_bills(session=session, actor=actor, status=status),
        status=status,
        statuses=list(InjuryBillStatus),
        issued=issued,
        last_month=str(Month.of(today) - 1),
        error=error,
    )


@router.post("/staff/injury/bills")
def staff_issue_bills(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    month: Annotated[str, Form(max_length=7)] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        service.issue_bills(
            session=session,
            actor=actor,
            month=Month.parse(month, field="month"),
            region=actor.region_code or "",
            rulebook=request.app.state.rulebook,
            today=request.app.state.today(),
        )
    except Problem as refused:
        session.rollback()
        return _bills_page(request, session, actor, status=None, issued=None, error=refused)
    return RedirectResponse(f"/staff/injury/bills?issued={month}", status_code=303)
