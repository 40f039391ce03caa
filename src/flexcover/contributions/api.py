"""Contributions JSON API: enrol, change base, pause, resume, terminate, pay, record, subsidies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import select

from flexcover.contributions import record as records
from flexcover.contributions import service, subsidies
from flexcover.contributions.models import ContributionBill, Enrolment, PaymentAllocation
from flexcover.contributions.schemas import (
    BaseChangeIn,
    BaseChoiceOut,
    DecisionIn,
    EnrolmentIn,
    EnrolmentOut,
    PauseIn,
    PaymentIn,
    PaymentOut,
    ProposalIn,
    ResumeIn,
    SubsidyApplicationIn,
    SubsidyApplicationOut,
    TerminateIn,
)
from flexcover.kit.money import format_yuan, parse_yuan
from flexcover.kit.months import Month
from flexcover.registry.api import PathId
from flexcover.web.auth import ApiActor, DbSession
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(prefix="/api/v1", route_class=UnitOfWorkRoute, tags=["contributions"])
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
    return session.get(Enrolment, enrolment_id)


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
    paid = session.scalars(
        select(ContributionBill.month)
        .join(PaymentAllocation, PaymentAllocation.bill_id == ContributionBill.id)
        .where(PaymentAllocation.payment_id == payment.id, ContributionBill.status == "paid")
        .order_by(ContributionBill.month)
    ).all()
    return PaymentOut(
        id=payment.id,
        person_id=payment.person_id,
        amount_fen=payment.amount_fen,
        amount_yuan=format_yuan(payment.amount_fen),
        channel=payment.channel,
        bills_paid=list(paid),
    )


@router.get("/people/{person_id}/record")
def record(
    person_id: PathId,
    request: Request,
    session: DbSession,
    actor: ApiActor,
    through: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
) -> dict[str, Any]:
    """参保缴费记录: month by month per scheme, with gaps and running totals."""
    until = Month.parse(through, field="through") if through else _now(request)
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


@router.post("/subsidy-applications", response_model=SubsidyApplicationOut, status_code=201)
def apply_for_subsidy(body: SubsidyApplicationIn, session: DbSession, actor: ApiActor) -> Any:
    return subsidies.apply(
        session=session,
        actor=actor,
        person_id=body.person_id,
        category=body.category,
        certificate=body.certificate,
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
    )
