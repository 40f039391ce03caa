"""The occupational-injury API: onboarding, orders, cover, monthly bills, claims."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, Field

from flexcover.injury import service
from flexcover.injury.lifecycle import ClaimAction
from flexcover.injury.models import ClaimStatus, InjuryBillStatus
from flexcover.injury.service import ClaimView, StepInput
from flexcover.kit.months import Month
from flexcover.rules.injury import INDUSTRIES, Dependant
from flexcover.web.auth import ApiActor, DbSession
from flexcover.web.bulk import IdempotencyKeyHeader, RawBody, idempotent, values_of
from flexcover.web.params import PathId
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(prefix="/api/v1", route_class=UnitOfWorkRoute, tags=["injury"])

_CODE = r"^[0-9]{6}$"
_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def now_of(request: Request) -> datetime:
    """The server's moment (``app.state.now``, replaced in tests that live in another day)."""
    now: datetime = request.app.state.now()
    return now


def _today(request: Request) -> date:
    today: date = request.app.state.today()
    return today


# --- onboarding --------------------------------------------------------------------------------


class OnboardIn(BaseModel):
    industry: Literal[INDUSTRIES]  # type: ignore[valid-type]
    jurisdictions: list[Annotated[str, Field(pattern=_CODE)]] = Field(min_length=1, max_length=500)
    float_steps: int = Field(default=0, ge=-20, le=20)


class ProfileOut(BaseModel):
    platform_id: int
    name: str
    industry: str
    float_steps: int
    jurisdictions: list[str]


@router.put("/injury/platforms/{platform_id}", response_model=ProfileOut)
def onboard(
    platform_id: PathId, body: OnboardIn, request: Request, session: DbSession, actor: ApiActor
) -> ProfileOut:
    """职业伤害保障参保登记 (a province officer): industry, the places the platform takes orders
    in, and its floating coefficient in steps (``injury.premium_float_step``, within
    ``injury.premium_float_limit``). Sent again, it changes them."""
    done = service.onboard(
        session=session,
        actor=actor,
        platform_id=platform_id,
        industry=body.industry,
        jurisdictions=body.jurisdictions,
        float_steps=body.float_steps,
        rulebook=request.app.state.rulebook,
        today=_today(request),
    )
    return _profile(done)


@router.get("/injury/platforms/{platform_id}", response_model=ProfileOut)
def profile(platform_id: PathId, session: DbSession, actor: ApiActor) -> ProfileOut:
    return _profile(service.onboarded(session=session, actor=actor, platform_id=platform_id))


def _profile(done: service.Onboarded) -> ProfileOut:
    return ProfileOut(
        platform_id=done.platform_id,
        name=done.name,
        industry=done.profile.industry,
        float_steps=done.profile.float_steps,
        jurisdictions=sorted(done.served),
    )


# --- orders ------------------------------------------------------------------------------------


class OrderIn(BaseModel):
    """One order, a line of NDJSON (or an element of a JSON array)."""

    order_id: str = Field(description="the platform's own id of the order, 1–64 ASCII characters")
    worker_id: str = Field(description="the worker's resident ID number")
    jurisdiction: str = Field(pattern=_CODE, description="where the order was taken (GB/T 2260)")
    accepted_at: AwareDatetime
    completed_at: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None
    distance_m: int | None = Field(default=None, ge=0)


class OrderResult(BaseModel):
    line: int
    result: str
    pointer: str | None = None
    detail: str | None = None


class OrdersAnswer(BaseModel):
    recorded: int
    counts: dict[str, int]
    rows: list[OrderResult] = Field(description="every order whose result is not ok")


_ORDERS = {"type": "array", "items": {"$ref": "#/components/schemas/OrderIn"}}
ORDERS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-ndjson": {
                "schema": {"$ref": "#/components/schemas/OrderIn"},
                "description": "one order a line; the body may be gzip (Content-Encoding: gzip)",
            },
            "application/json": {"schema": _ORDERS},
        },
    }
}


@router.post(
    "/platforms/{platform_id}/orders",
    response_model=OrdersAnswer,
    status_code=201,
    openapi_extra=ORDERS_BODY,
    responses={200: {"description": "every order was recorded before"}},
)
def record_orders(
    platform_id: PathId,
    request: Request,
    session: DbSession,
    actor: ApiActor,
    body: RawBody,
    idempotency_key: IdempotencyKeyHeader = None,
    mode: Annotated[Literal["strict", "partial"], Query()] = "strict",
) -> JSONResponse:
    """每单必保: up to 100,000 orders a request, NDJSON (gzip allowed) or a JSON array. Each
    order's result, in precedence: ``invalid``, ``bad_id``, ``end_before_start``, ``in_future``,
    ``jurisdiction_not_served``, ``no_premium_rate``, ``unknown_worker``, ``exists_different``,
    ``exists``, ``ok``; the answer lists every order that is not ``ok`` with its line. ``strict``
    (the default) records all or none (422 with the rows); ``partial`` records the good ones.
    An order id is the platform's forever: sent again with the same fields it is ``exists``."""

    def work() -> tuple[int, Any]:
        outcome = service.record_orders(
            session=session,
            actor=actor,
            platform_id=platform_id,
            rows=values_of(request, body),
            rulebook=request.app.state.rulebook,
            id_key=request.app.state.settings.id_hash_key,
            now=now_of(request),
            partial=mode == "partial",
        )
        return 201 if outcome.recorded else 200, {
            "recorded": outcome.recorded,
            "counts": outcome.counts,
            "rows": [row.to_dict() for row in outcome.rows if row.result != "ok"],
        }

    return idempotent(
        request=request,
        session=session,
        actor=actor,
        key=idempotency_key,
        body=body,
        work=work,
        log_as=(platform_id, "injury.orders"),
    )


class DayOut(BaseModel):
    day: str
    orders: int
    workers: int


@router.get("/platforms/{platform_id}/orders/daily", response_model=list[DayOut])
def orders_daily(
    platform_id: PathId,
    session: DbSession,
    actor: ApiActor,
    first: Annotated[date, Query(alias="from")],
    last: Annotated[date, Query(alias="to")],
) -> list[DayOut]:
    """Orders received per China day, and the workers they covered (按日参保)."""
    return [
        DayOut(day=day, orders=count, workers=workers)
        for day, count, workers in service.orders_per_day(
            session=session, actor=actor, platform_id=platform_id, first=first, last=last
        )
    ]


# --- cover -------------------------------------------------------------------------------------


class CoverOut(BaseModel):
    covered: bool
    day_covered: bool
    responsible_platform_id: int | None
    rule: str
    running: list[dict[str, Any]]


@router.get("/injury/cover", response_model=CoverOut)
def cover(
    request: Request,
    session: DbSession,
    actor: ApiActor,
    worker: Annotated[str, Query(min_length=15, max_length=18, description="resident ID number")],
    at: Annotated[AwareDatetime, Query()],
) -> CoverOut:
    """Was this person covered at this moment, and by whom (staff and commissioned insurers,
    for the orders of their region). The read is audited."""
    found = service.cover(
        session=session,
        actor=actor,
        worker_id=worker,
        at=at.astimezone(UTC),
        rulebook=request.app.state.rulebook,
        id_key=request.app.state.settings.id_hash_key,
    )
    return CoverOut(
        covered=found.covered,
        day_covered=found.day_covered,
        responsible_platform_id=found.responsible_platform_id,
        rule=found.rule,
        running=found.running,
    )


# --- bills -------------------------------------------------------------------------------------


class IssueIn(BaseModel):
    month: str = Field(pattern=_MONTH)
    region: str = Field(pattern=_CODE)


class IssuedOut(BaseModel):
    issued: int
    reissued: int
    unchanged: int
    difference_fen: int


class BillOut(BaseModel):
    bill_id: int
    platform_id: int
    jurisdiction: str
    month: str
    orders: int
    base_fen: int
    adjustment: str
    due_fen: int
    paid_fen: int
    due_date: date
    status: InjuryBillStatus
    revision: int


@router.post("/injury/bills", response_model=IssuedOut)
def issue_bills(body: IssueIn, request: Request, session: DbSession, actor: ApiActor) -> IssuedOut:
    """按月缴费: issue (or re-issue, for late orders) the platforms' bills of a month that has
    ended, in a region. A re-issued bill changes by the difference; it is never a second one."""
    issued = service.issue_bills(
        session=session,
        actor=actor,
        month=Month.parse(body.month),
        region=body.region,
        rulebook=request.app.state.rulebook,
        today=_today(request),
    )
    return IssuedOut(**issued.__dict__)


@router.get("/injury/bills", response_model=list[BillOut])
def region_bills(
    session: DbSession,
    actor: ApiActor,
    region: Annotated[str | None, Query(pattern=_CODE)] = None,
    status: Annotated[InjuryBillStatus | None, Query()] = None,
) -> list[BillOut]:
    """The platforms' bills of a region (arrears: ``status=arrears``)."""
    return [
        _bill(b)
        for b in service.list_bills(session=session, actor=actor, region=region, status=status)
    ]


@router.get("/platforms/{platform_id}/injury/bills", response_model=list[BillOut])
def platform_bills(platform_id: PathId, session: DbSession, actor: ApiActor) -> list[BillOut]:
    return [
        _bill(b) for b in service.list_bills(session=session, actor=actor, platform_id=platform_id)
    ]


def _bill(bill: Any) -> BillOut:
    return BillOut(
        bill_id=bill.id,
        platform_id=bill.platform_id,
        jurisdiction=bill.jurisdiction_code,
        month=bill.month,
        orders=bill.orders,
        base_fen=bill.base_fen,
        adjustment=bill.adjustment,
        due_fen=bill.due_fen,
        paid_fen=bill.paid_fen,
        due_date=bill.due_date,
        status=InjuryBillStatus(bill.status),
        revision=bill.revision,
    )


class PremiumPaymentIn(BaseModel):
    amount_fen: int = Field(gt=0, le=10**13)


@router.post("/platforms/{platform_id}/injury/payments", response_model=list[BillOut])
def pay_bills(
    platform_id: PathId,
    body: PremiumPaymentIn,
    request: Request,
    session: DbSession,
    actor: ApiActor,
    raw: RawBody,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """The platform pays its premiums (its open bills, oldest first). ``Idempotency-Key`` is
    required: a payment sent twice is made once."""
    if idempotency_key is None:
        from flexcover.kit.problems import ValidationFailed

        raise ValidationFailed(
            [{"field": "Idempotency-Key", "code": "missing", "message": "required for a payment"}]
        )

    def work() -> tuple[int, Any]:
        paid = service.pay_bills(
            session=session,
            actor=actor,
            platform_id=platform_id,
            amount_fen=body.amount_fen,
            reference=idempotency_key,
            today=_today(request),
        )
        return 200, [_bill(b).model_dump(mode="json") for b in paid]

    return idempotent(
        request=request,
        session=session,
        actor=actor,
        key=idempotency_key,
        body=raw,
        work=work,
        log_as=(platform_id, "injury.pay"),
    )


# --- claims ------------------------------------------------------------------------------------


class ClaimIn(BaseModel):
    worker_id: str | None = Field(
        default=None, max_length=18, description="the injured worker (not for a worker's own)"
    )
    accident_at: AwareDatetime
    jurisdiction: str = Field(pattern=_CODE)
    place: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=2000)
    order_id: str | None = Field(default=None, max_length=64)
    reporter_kind: Literal["worker", "relative", "union", "officer"] | None = None


class StepIn(BaseModel):
    action: ClaimAction
    reason: str | None = Field(default=None, max_length=500)
    platform_id: int | None = Field(default=None, gt=0)
    grade: int | None = Field(default=None, ge=1, le=10)
    died: bool = False
    nursing_level: int | None = Field(default=None, ge=1, le=3)
    dependants: list[DependantIn] = Field(default_factory=list, max_length=10)
    medical: list[MedicalIn] = Field(default_factory=list, max_length=200)
    bank_account: str | None = Field(default=None, max_length=40)
    recommendation: Literal["confirm", "reject"] | None = None


class DependantIn(BaseModel):
    relation: Literal["spouse", "other"]
    alone: bool = False


class MedicalIn(BaseModel):
    what: str = Field(min_length=1, max_length=60)
    amount_fen: int = Field(gt=0, le=10**11)


StepIn.model_rebuild()


class StepOut(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    role: str
    actor: str
    reason: str | None
    at: datetime


class BenefitOut(BaseModel):
    item: str
    label: str
    month: str
    amount_fen: int
    provisional: bool
    paid: bool


class ClaimOut(BaseModel):
    claim_id: int
    status: ClaimStatus
    status_text: str
    accident_at: datetime
    jurisdiction: str
    place: str
    reporter_kind: str
    late: bool
    report_deadline: date
    duplicate_of: int | None
    platform_id: int | None
    responsibility: dict[str, Any]
    due_on: date | None
    overdue: bool
    grade: int | None
    total_fen: int | None
    provisional: bool
    bank_account: str | None
    proposal: dict[str, Any] | None
    next_actions: list[str]
    missing_for_payment: list[str]
    steps: list[StepOut]
    benefits: list[BenefitOut]
    attachments: list[dict[str, Any]]


@router.post("/injury/claims", response_model=ClaimOut, status_code=201)
def report_claim(body: ClaimIn, request: Request, session: DbSession, actor: ApiActor) -> ClaimOut:
    """职业伤害申报: by the platform (within its working days), or by the worker, a relative or
    the union (within 30 days). A late report is kept and flagged; a report within two hours of
    another for the same worker (and order) is flagged as a likely duplicate."""
    claim = service.report_claim(
        session=session,
        actor=actor,
        worker_id=body.worker_id,
        accident_at=body.accident_at.astimezone(UTC),
        jurisdiction=body.jurisdiction,
        place=body.place,
        description=body.description,
        order_ref=body.order_id,
        reporter_kind=body.reporter_kind,
        rulebook=request.app.state.rulebook,
        id_key=request.app.state.settings.id_hash_key,
        now=now_of(request),
    )
    view = service.claim_view(
        session=session, actor=actor, claim_id=claim.id, today=_today(request)
    )
    return claim_out(view, request)


@router.get("/injury/claims", response_model=list[ClaimOut])
def claims_queue(
    request: Request,
    session: DbSession,
    actor: ApiActor,
    region: Annotated[str | None, Query(pattern=_CODE)] = None,
    status: Annotated[ClaimStatus | None, Query()] = None,
    overdue: Annotated[bool, Query()] = False,
) -> list[ClaimOut]:
    """The claims one may see, by due date (``overdue=true``: past their due date)."""
    today = _today(request)
    found = service.claims_queue(
        session=session,
        actor=actor,
        region=region,
        status=status,
        overdue_on=today if overdue else None,
    )
    return [
        claim_out(
            service.claim_view(session=session, actor=actor, claim_id=c.id, today=today), request
        )
        for c in found
    ]


@router.get("/injury/claims/{claim_id}", response_model=ClaimOut)
def claim(claim_id: PathId, request: Request, session: DbSession, actor: ApiActor) -> ClaimOut:
    """The claim like a parcel: every step, who decided and why, what is due next and by when."""
    view = service.claim_view(
        session=session, actor=actor, claim_id=claim_id, today=_today(request)
    )
    return claim_out(view, request)


@router.post("/injury/claims/{claim_id}/steps", response_model=ClaimOut)
def claim_step(
    claim_id: PathId, body: StepIn, request: Request, session: DbSession, actor: ApiActor
) -> ClaimOut:
    """One step of the claim; refused (409) unless the claim's state allows it and the caller
    holds it. ``approve`` is someone other than who computed, within their amount limit; ``pay``
    waits for identity, order evidence, confirmation, a bank account and computed benefits."""
    service.step_claim(
        session=session,
        actor=actor,
        claim_id=claim_id,
        action=body.action,
        data=StepInput(
            reason=body.reason,
            platform_id=body.platform_id,
            grade=body.grade,
            died=body.died,
            nursing_level=body.nursing_level,
            dependants=[Dependant(relation=d.relation, alone=d.alone) for d in body.dependants],
            medical=[(m.what, m.amount_fen) for m in body.medical],
            bank_account=body.bank_account,
            recommendation=body.recommendation,
        ),
        rulebook=request.app.state.rulebook,
        now=now_of(request),
    )
    view = service.claim_view(
        session=session, actor=actor, claim_id=claim_id, today=_today(request)
    )
    return claim_out(view, request)


@router.post("/injury/claims/{claim_id}/attachments", status_code=201)
def add_attachment(
    claim_id: PathId,
    request: Request,
    session: DbSession,
    actor: ApiActor,
    body: RawBody,
    filename: Annotated[str, Query(min_length=1, max_length=120)],
) -> dict[str, Any]:
    """A file for the claim, sent as the body with its Content-Type (JPEG, PNG or PDF, at most
    10 MiB; the type is told by the content)."""
    found = service.add_attachment(
        session=session,
        actor=actor,
        claim_id=claim_id,
        filename=filename,
        declared_type=request.headers.get("content-type", ""),
        data=body,
    )
    return _attachment(found)


@router.get("/injury/claims/{claim_id}/attachments/{attachment_id}")
def get_attachment(
    claim_id: PathId, attachment_id: PathId, session: DbSession, actor: ApiActor
) -> Response:
    """The file, as a download (never shown inline)."""
    found = service.attachment(
        session=session, actor=actor, claim_id=claim_id, attachment_id=attachment_id
    )
    return Response(
        found.data,
        media_type="application/octet-stream",
        headers={
            # RFC 6266: an ASCII fallback, and the real name percent-encoded (RFC 8187).
            "Content-Disposition": f'attachment; filename="attachment{_suffix(found.filename)}"; '
            f"filename*=UTF-8''{quote(found.filename, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    suffix = name[dot:] if dot >= 0 else ""
    return suffix if suffix[1:].isascii() and suffix[1:].isalnum() else ""


def _attachment(found: Any) -> dict[str, Any]:
    return {
        "attachment_id": found.id,
        "filename": found.filename,
        "content_type": found.content_type,
        "size": found.size,
        "sha256": found.sha256,
    }


def claim_out(view: ClaimView, request: Request) -> ClaimOut:
    claim = view.claim
    english = request.headers.get("accept-language", "").lower().startswith("en")
    return ClaimOut(
        claim_id=claim.id,
        status=ClaimStatus(claim.status),
        status_text=view.status_en if english else view.status_zh,
        accident_at=claim.accident_at,
        jurisdiction=claim.jurisdiction_code,
        place=claim.place,
        reporter_kind=claim.reporter_kind,
        late=claim.late,
        report_deadline=claim.report_deadline,
        duplicate_of=claim.duplicate_of,
        platform_id=claim.platform_id,
        responsibility=claim.responsibility or {},
        due_on=claim.due_on,
        overdue=view.overdue,
        grade=claim.grade,
        total_fen=claim.total_fen,
        provisional=claim.provisional,
        bank_account=claim.bank_account_masked,
        proposal=claim.proposal,
        next_actions=view.next_actions,
        missing_for_payment=[en if english else zh for zh, en in view.missing_for_payment],
        steps=[
            StepOut(
                action=s.action,
                from_status=s.from_status,
                to_status=s.to_status,
                role=s.role,
                actor=s.actor,
                reason=s.reason,
                at=s.at,
            )
            for s in view.steps
        ],
        benefits=[
            BenefitOut(
                item=b.item,
                label=b.label,
                month=b.month,
                amount_fen=b.amount_fen,
                provisional=b.provisional,
                paid=b.paid_entry is not None,
            )
            for b in view.benefits
        ],
        attachments=[_attachment(a) for a in view.attachments],
    )
