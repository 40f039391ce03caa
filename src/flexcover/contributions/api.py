"""Contributions JSON API: enrol, change base, pause, resume, terminate, pay, record, subsidies."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ValidationError

from flexcover.contributions import makeups, platforms, service, subsidies
from flexcover.contributions import record as records
from flexcover.contributions.problems import MonthNotAllowed
from flexcover.contributions.schemas import (
    AgreementIn,
    BaseChangeIn,
    BaseChoiceOut,
    DecisionIn,
    EnrolmentIn,
    EnrolmentOut,
    MakeupIn,
    PauseIn,
    PaymentIn,
    PaymentOut,
    PlatformPaymentIn,
    ProposalIn,
    ResumeIn,
    SubsidyApplicationIn,
    SubsidyApplicationOut,
    TerminateIn,
)
from flexcover.contributions.service import ENROL_AHEAD_MONTHS
from flexcover.contributions.statement import statement_pdf
from flexcover.kit.money import format_yuan, parse_yuan
from flexcover.kit.months import Month
from flexcover.kit.problems import ValidationFailed
from flexcover.web.auth import ApiActor, DbSession
from flexcover.web.bulk import IdempotencyKeyHeader, RawBody, UnreadableBody, idempotent
from flexcover.web.params import PathId
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(prefix="/api/v1", route_class=UnitOfWorkRoute, tags=["contributions"])
Shape = TypeVar("Shape", bound=BaseModel)
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=100)]


def _now(request: Request) -> Month:
    return Month.of(request.app.state.today())


@router.post("/enrolments", response_model=EnrolmentOut, status_code=201)
def enrol(body: EnrolmentIn, request: Request, session: DbSession, actor: ApiActor) -> Any:
    return service.enrol(
        session=session,
        rulebook=request.app.state.rulebook,
        actor=actor,
        person_id=body.person_id,
        scheme=body.scheme,
        jurisdiction=body.jurisdiction,
        first_month=Month.parse(body.first_month, field="first_month"),
        base_fen=parse_yuan(body.base_yuan, field="base_yuan"),
        payment_frequency=body.payment_frequency,
        as_of=_now(request),
    )


@router.post("/enrolments/{enrolment_id}/base", response_model=BaseChoiceOut)
def change_base(
    enrolment_id: PathId, body: BaseChangeIn, request: Request, session: DbSession, actor: ApiActor
) -> Any:
    return service.change_base(
        session=session,
        rulebook=request.app.state.rulebook,
        actor=actor,
        enrolment_id=enrolment_id,
        from_month=Month.parse(body.from_month, field="from_month"),
        base_fen=parse_yuan(body.base_yuan, field="base_yuan"),
        as_of=_now(request),
    )


@router.post("/enrolments/{enrolment_id}/pause", response_model=EnrolmentOut)
def pause(
    enrolment_id: PathId, body: PauseIn, request: Request, session: DbSession, actor: ApiActor
) -> Any:
    service.pause(
        session=session,
        actor=actor,
        enrolment_id=enrolment_id,
        from_month=Month.parse(body.from_month, field="from_month"),
        as_of=_now(request),
    )
    return service.get_enrolment(session=session, actor=actor, enrolment_id=enrolment_id)


@router.post("/enrolments/{enrolment_id}/pause/withdraw", response_model=EnrolmentOut)
def withdraw_pause(
    enrolment_id: PathId, request: Request, session: DbSession, actor: ApiActor
) -> Any:
    """撤销暂停: take back a pause that has not begun yet."""
    return service.withdraw_pause(
        session=session, actor=actor, enrolment_id=enrolment_id, as_of=_now(request)
    )


@router.post("/enrolments/{enrolment_id}/resume", response_model=EnrolmentOut)
def resume(
    enrolment_id: PathId, body: ResumeIn, request: Request, session: DbSession, actor: ApiActor
) -> Any:
    return service.resume(
        session=session,
        actor=actor,
        enrolment_id=enrolment_id,
        month=Month.parse(body.month, field="month"),
        as_of=_now(request),
    )


@router.post("/enrolments/{enrolment_id}/terminate", response_model=EnrolmentOut)
def terminate(
    enrolment_id: PathId, body: TerminateIn, request: Request, session: DbSession, actor: ApiActor
) -> Any:
    return service.terminate(
        session=session,
        actor=actor,
        enrolment_id=enrolment_id,
        month=Month.parse(body.month, field="month"),
        reason=body.reason,
        as_of=_now(request),
    )


@router.post("/enrolments/{enrolment_id}/makeups", status_code=201)
def request_makeup(
    enrolment_id: PathId, body: MakeupIn, request: Request, session: DbSession, actor: ApiActor
) -> dict[str, Any]:
    """补缴: bills for back months, only where the jurisdiction's make-up policy allows."""
    bills = makeups.request_makeup(
        session=session,
        rulebook=request.app.state.rulebook,
        actor=actor,
        enrolment_id=enrolment_id,
        months=[Month.parse(m, field=f"months.{i}") for i, m in enumerate(body.months)],
        base_fen=parse_yuan(body.base_yuan, field="base_yuan"),
        as_of=_now(request),
    )
    return {
        "bills": [
            {"month": b.month, "due_fen": b.due_fen, "due_yuan": format_yuan(b.due_fen)}
            for b in bills
        ],
        "total_fen": sum(b.due_fen for b in bills),
    }


@router.post("/platforms/{platform_id}/agreements", status_code=201)
def platform_agreement(
    platform_id: PathId,
    request: Request,
    session: DbSession,
    actor: ApiActor,
    body: RawBody,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """平台共担: the platform commits to a share (basis points) or a fixed amount a month of its
    rostered workers' pension bills, from a month on. The same agreement sent again answers 200
    with the one already made; a later one supersedes the agreement in force."""

    def work() -> tuple[int, Any]:
        terms = _json_body(body, AgreementIn)
        fixed = parse_yuan(terms.fixed_yuan, field="fixed_yuan") if terms.fixed_yuan else None
        agreement, new = platforms.agree(
            session=session,
            actor=actor,
            platform_id=platform_id,
            share_bp=terms.share_bp,
            fixed_fen=fixed,
            from_month=Month.parse(terms.from_month, field="from_month"),
            as_of=_now(request),
        )
        return 201 if new else 200, {
            "id": agreement.id,
            "share_bp": agreement.share_bp,
            "fixed_fen": agreement.fixed_fen,
            "from_month": agreement.from_month,
            "until_month": agreement.until_month,
        }

    return idempotent(
        request=request,
        session=session,
        actor=actor,
        key=idempotency_key,
        body=body,
        work=work,
        log_as=(platform_id, "agreement"),
    )


@router.post("/platforms/{platform_id}/payments", status_code=201)
def platform_payment(
    platform_id: PathId,
    request: Request,
    session: DbSession,
    actor: ApiActor,
    body: RawBody,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=100)],
) -> JSONResponse:
    """平台缴款: pay what the platform's co-contribution agreements made it owe. A payment
    needs an ``Idempotency-Key``; a retry with it changes nothing."""

    def work() -> tuple[int, Any]:
        given = _json_body(body, PlatformPaymentIn)
        payment = platforms.pay(
            session=session,
            actor=actor,
            platform_id=platform_id,
            amount_fen=parse_yuan(given.amount_yuan, field="amount_yuan"),
            reference=given.reference or idempotency_key,
        )
        return 201, {
            "id": payment.id,
            "amount_fen": payment.amount_fen,
            "amount_yuan": format_yuan(payment.amount_fen),
            "reference": payment.reference,
        }

    return idempotent(
        request=request,
        session=session,
        actor=actor,
        key=idempotency_key,
        body=body,
        work=work,
        log_as=(platform_id, "payment"),
    )


def _json_body(body: bytes, model: type[Shape]) -> Shape:
    """A JSON body validated into ``model`` (read raw, so that it can be fingerprinted)."""
    try:
        data = json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise UnreadableBody(
            field="body", reason_zh="不是有效的 JSON", reason_en="it is not valid JSON"
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        raise ValidationFailed(
            [
                {
                    "field": ".".join(str(part) for part in error["loc"]) or "body",
                    "code": str(error.get("type", "invalid")),
                    "message": str(error.get("msg", "invalid")),
                }
                for error in invalid.errors()
            ]
        ) from None


@router.post("/people/{person_id}/payments", response_model=PaymentOut, status_code=201)
def pay(
    person_id: PathId,
    body: PaymentIn,
    idempotency_key: IdempotencyKey,
    session: DbSession,
    actor: ApiActor,
) -> PaymentOut:
    """Pay towards the person's open bills, oldest first. Send a fresh ``Idempotency-Key`` per
    payment; a retry with the same key returns the same payment and charges nothing more."""
    payment = service.pay(
        session=session,
        actor=actor,
        person_id=person_id,
        amount_fen=parse_yuan(body.amount_yuan, field="amount_yuan"),
        idempotency_key=idempotency_key,
        channel=body.channel,
    )
    paid = service.payment_outcome(session=session, actor=actor, payment_id=payment.id)
    return PaymentOut(
        id=payment.id,
        person_id=payment.person_id,
        amount_fen=payment.amount_fen,
        amount_yuan=format_yuan(payment.amount_fen),
        channel=payment.channel,
        bills_paid=sorted(paid.paid_months),
    )


@router.get("/people/{person_id}/record")
def record(
    person_id: PathId,
    request: Request,
    session: DbSession,
    actor: ApiActor,
    through: Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}$")] = None,
) -> dict[str, Any]:
    """参保缴费记录: month by month per scheme, with gaps and running totals."""
    now = _now(request)
    until = Month.parse(through, field="through") if through else now
    if until > now + ENROL_AHEAD_MONTHS:
        # Months past the furthest enrolment hold nothing: a record to 9999-12 is 96,000 empty
        # months per scheme.
        raise MonthNotAllowed(
            field="through",
            reason_zh=f"记录最多查询至 {now + ENROL_AHEAD_MONTHS}",
            reason_en=f"the record reaches {now + ENROL_AHEAD_MONTHS} at most",
        )
    return records.record_json(
        records.record(session=session, actor=actor, person_id=person_id, through=until)
    )


@router.get("/people/{person_id}/record.csv", response_class=PlainTextResponse)
def record_csv(
    person_id: PathId, request: Request, session: DbSession, actor: ApiActor
) -> PlainTextResponse:
    found = records.record(session=session, actor=actor, person_id=person_id, through=_now(request))
    return PlainTextResponse(
        records.record_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="record-{person_id}.csv"'},
    )


@router.get("/people/{person_id}/record.pdf", response_class=Response)
def record_pdf(
    person_id: PathId, request: Request, session: DbSession, actor: ApiActor
) -> Response:
    """The printable statement (参保缴费记录单) as a PDF."""
    found = records.record(session=session, actor=actor, person_id=person_id, through=_now(request))
    return Response(
        statement_pdf(found, issued_on=request.app.state.today()),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="record-{person_id}.pdf"'},
    )


@router.post("/subsidy-applications", response_model=SubsidyApplicationOut, status_code=201)
def apply_for_subsidy(
    body: SubsidyApplicationIn, request: Request, session: DbSession, actor: ApiActor
) -> Any:
    return subsidies.apply(
        session=session,
        actor=actor,
        person_id=body.person_id,
        category=body.category,
        certificate=body.certificate,
        as_of=_now(request),
    )


@router.post(
    "/subsidy-applications/{application_id}/proposal", response_model=SubsidyApplicationOut
)
def propose_subsidy(
    application_id: PathId, body: ProposalIn, session: DbSession, actor: ApiActor
) -> Any:
    return subsidies.propose(
        session=session,
        actor=actor,
        application_id=application_id,
        decision=body.decision,
        note=body.note,
    )


@router.post(
    "/subsidy-applications/{application_id}/decision", response_model=SubsidyApplicationOut
)
def decide_subsidy(
    application_id: PathId, body: DecisionIn, request: Request, session: DbSession, actor: ApiActor
) -> Any:
    return subsidies.decide(
        session=session,
        rulebook=request.app.state.rulebook,
        actor=actor,
        application_id=application_id,
        confirm=body.confirm,
        first_month=Month.parse(body.first_month, field="first_month"),
        as_of=_now(request),
    )
