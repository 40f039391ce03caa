"""Worker pages for contributions (enrol, base, pay, pause, resume, record) and the district
officer's subsidy review queue. Forms post back here; errors come back on the page in the
worker's language, nothing changed."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from flexcover.contributions import makeups, service, subsidies
from flexcover.contributions import record as records
from flexcover.contributions.overview import worker_overview
from flexcover.contributions.problems import MakeupNotAllowed
from flexcover.contributions.statement import statement_pdf
from flexcover.kit.audit import Actor
from flexcover.kit.money import format_yuan, parse_yuan
from flexcover.kit.months import Month
from flexcover.kit.pagination import MAX_PAGE, MAX_RECORD_ID, PageRequest
from flexcover.kit.problems import NotFound
from flexcover.registry import service as registry
from flexcover.registry.authz import NATION
from flexcover.registry.schemas import PRINTABLE
from flexcover.web.auth import DbSession, PageActor, check_csrf
from flexcover.web.templating import render
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


def _now(request: Request) -> Month:
    return Month.of(request.app.state.today())


def _me(session: DbSession, actor: Actor) -> registry.Person:
    if actor.person_id is None:
        raise NotFound(field="person_id", what="person", key="-")
    return registry.person_for(session, actor, actor.person_id, action="worker.home")


def _home(done: str, **extra: object) -> RedirectResponse:
    query = urlencode({"done": done, **{k: v for k, v in extra.items() if v is not None}})
    return RedirectResponse(f"/worker?{query}", status_code=303)


def _done_message(
    request: Request, session: DbSession, actor: Actor, done: str | None
) -> dict[str, object] | None:
    """The notice after an action: what really happened, in the worker's words."""
    if not done:
        return None
    if done == "paid":
        payment = request.query_params.get("payment", "")
        if not payment.isdigit() or int(payment) > MAX_RECORD_ID:
            return {"key": "done.paid_unknown", "params": {}}
        outcome = service.payment_outcome(session=session, actor=actor, payment_id=int(payment))
        if outcome.partial_month is None:
            return {"key": "done.paid", "params": {"months": "、".join(outcome.paid_months)}}
        return {
            "key": "done.paid_part",
            "params": {
                "amount": format_yuan(outcome.amount_fen, grouping=True),
                "month": outcome.partial_month,
                "remaining": format_yuan(outcome.partial_remaining_fen, grouping=True),
            },
        }
    if done in DONE_MESSAGES:
        return {"key": f"done.{done}", "params": {}}
    return None


DONE_MESSAGES = frozenset(
    {"enrolled", "base", "paused", "resumed", "pause_withdrawn", "applied", "makeup"}
)


@router.get("/worker")
def worker_home(request: Request, session: DbSession, actor: PageActor) -> Response:
    """The worker's home: their details, their insurance, what they owe, and what to do next."""
    person = _me(session, actor)
    places = {
        code: registry.jurisdiction(session, code)
        for code in (person.hukou_code, person.residence_code)
    }
    return render(
        request,
        "worker_home.html",
        actor=actor,
        person=person,
        places={code: (place.full_name if place else code) for code, place in places.items()},
        overview=worker_overview(
            session=session,
            rulebook=request.app.state.rulebook,
            actor=actor,
            person_id=person.id,
            now=_now(request),
        ),
        districts=registry.districts_within(
            session=session, region_code=person.residence_code[:2] + "0000"
        ),
        pay_key=uuid.uuid4().hex,
        done=_done_message(request, session, actor, request.query_params.get("done")),
    )


@router.post("/worker/enrol")
def enrol(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    scheme: Annotated[str, Form(pattern="^(employee_pension|employee_medical)$")] = (
        "employee_pension"
    ),
    jurisdiction: Annotated[str, Form(max_length=6)] = "",
    base_yuan: Annotated[str, Form(max_length=20)] = "",
    payment_frequency: Annotated[str, Form(pattern="^(monthly|quarterly|semiannual|annual)$")] = (
        "monthly"
    ),
) -> Response:
    check_csrf(request, csrf)
    person = _me(session, actor)
    service.enrol(
        session=session,
        rulebook=request.app.state.rulebook,
        actor=actor,
        person_id=person.id,
        scheme=scheme,
        jurisdiction=jurisdiction,
        first_month=_now(request),
        base_fen=parse_yuan(base_yuan, field="base_yuan"),
        payment_frequency=payment_frequency,
        as_of=_now(request),
    )
    return _home("enrolled")


@router.post("/worker/base")
def change_base(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    enrolment_id: Annotated[int, Form(ge=1, le=MAX_RECORD_ID)] = 0,
    base_yuan: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    check_csrf(request, csrf)
    service.change_base(
        session=session,
        rulebook=request.app.state.rulebook,
        actor=actor,
        enrolment_id=enrolment_id,
        from_month=_now(request) + 1,
        base_fen=parse_yuan(base_yuan, field="base_yuan"),
        as_of=_now(request),
    )
    return _home("base")


@router.post("/worker/pay")
def pay(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    amount_yuan: Annotated[str, Form(max_length=20)] = "",
    idempotency_key: Annotated[str, Form(min_length=8, max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf)
    person = _me(session, actor)
    payment = service.pay(
        session=session,
        actor=actor,
        person_id=person.id,
        amount_fen=parse_yuan(amount_yuan, field="amount_yuan"),
        idempotency_key=idempotency_key,
        channel="online",
    )
    return _home("paid", payment=payment.id)


@router.post("/worker/pause")
def pause(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    enrolment_id: Annotated[int, Form(ge=1, le=MAX_RECORD_ID)] = 0,
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """A pause is asked for twice: the first post shows what it means, the second confirms."""
    check_csrf(request, csrf)
    if confirm != "yes":
        person = _me(session, actor)
        overview = worker_overview(
            session=session,
            rulebook=request.app.state.rulebook,
            actor=actor,
            person_id=person.id,
            now=_now(request),
        )
        chosen = next((v for v in overview.enrolments if v.enrolment.id == enrolment_id), None)
        if chosen is None:
            raise NotFound(field="enrolment_id", what="enrolment", key=enrolment_id)
        return render(
            request,
            "pause_confirm.html",
            actor=actor,
            view=chosen,
            from_month=str(_now(request) + 1),
        )
    service.pause(
        session=session,
        actor=actor,
        enrolment_id=enrolment_id,
        from_month=_now(request) + 1,
        as_of=_now(request),
    )
    return _home("paused")


@router.post("/worker/pause/withdraw")
def withdraw_pause(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    enrolment_id: Annotated[int, Form(ge=1, le=MAX_RECORD_ID)] = 0,
) -> Response:
    check_csrf(request, csrf)
    service.withdraw_pause(
        session=session, actor=actor, enrolment_id=enrolment_id, as_of=_now(request)
    )
    return _home("pause_withdrawn")


@router.post("/worker/resume")
def resume(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    enrolment_id: Annotated[int, Form(ge=1, le=MAX_RECORD_ID)] = 0,
) -> Response:
    check_csrf(request, csrf)
    service.resume(
        session=session,
        actor=actor,
        enrolment_id=enrolment_id,
        month=_now(request) + 1,
        as_of=_now(request),
    )
    return _home("resumed")


@router.post("/worker/subsidy")
def apply_for_subsidy(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    category: Annotated[str, Form(pattern="^(difficulty|graduate)$")] = "difficulty",
    certificate: Annotated[str, Form(min_length=1, max_length=100, pattern=PRINTABLE)] = "",
) -> Response:
    """灵活就业社保补贴申请 from the worker's own page, with their certificate number."""
    check_csrf(request, csrf)
    person = _me(session, actor)
    subsidies.apply(
        session=session,
        actor=actor,
        person_id=person.id,
        category=category,
        certificate=certificate,
        as_of=_now(request),
    )
    return _home("applied")


@router.get("/worker/makeup")
def makeup_form(request: Request, session: DbSession, actor: PageActor) -> Response:
    """补缴: what the local policy allows, and the missed months the worker may pay."""
    person = _me(session, actor)
    offer = makeups.makeup_offer(
        session=session,
        rulebook=request.app.state.rulebook,
        actor=actor,
        person_id=person.id,
        as_of=_now(request),
    )
    return render(request, "makeup.html", actor=actor, offer=offer)


@router.post("/worker/makeup")
def makeup(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    enrolment_id: Annotated[int, Form(ge=1, le=MAX_RECORD_ID)] = 0,
    months: Annotated[list[str] | None, Form(max_length=240)] = None,
    base_yuan: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    check_csrf(request, csrf)
    chosen = months or []
    if not chosen:
        raise MakeupNotAllowed(
            field="months", reason_zh="请选择要补缴的月份", reason_en="choose the months to pay"
        )
    makeups.request_makeup(
        session=session,
        rulebook=request.app.state.rulebook,
        actor=actor,
        enrolment_id=enrolment_id,
        months=[Month.parse(m, field=f"months.{i}") for i, m in enumerate(chosen)],
        base_fen=parse_yuan(base_yuan, field="base_yuan"),
        as_of=_now(request),
    )
    return _home("makeup")


@router.get("/worker/record")
def record_page(request: Request, session: DbSession, actor: PageActor) -> Response:
    person = _me(session, actor)
    found = records.record(session=session, actor=actor, person_id=person.id, through=_now(request))
    return render(request, "record.html", actor=actor, record=found)


@router.get("/worker/record.csv")
def record_csv(request: Request, session: DbSession, actor: PageActor) -> Response:
    person = _me(session, actor)
    found = records.record(session=session, actor=actor, person_id=person.id, through=_now(request))
    return PlainTextResponse(
        records.record_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="record.csv"'},
    )


@router.get("/worker/record.pdf")
def record_pdf(request: Request, session: DbSession, actor: PageActor) -> Response:
    person = _me(session, actor)
    found = records.record(session=session, actor=actor, person_id=person.id, through=_now(request))
    return Response(
        statement_pdf(found, issued_on=request.app.state.today()),
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="record.pdf"'},
    )


@router.get("/staff/subsidies")
def review_queue(request: Request, session: DbSession, actor: PageActor) -> Response:
    queue = subsidies.review_queue(
        session, request.app.state.rulebook, actor=actor, as_of=_now(request)
    )
    return render(
        request,
        "subsidy_queue.html",
        actor=actor,
        queue=[item.application for item in queue],
        people={item.application.person_id: item.person for item in queue},
        places={item.application.jurisdiction_code: item.place for item in queue},
        starts={item.application.id: item.first_month for item in queue},
        now=str(_now(request)),
    )


@router.post("/staff/subsidies/{application_id}")
def review(
    request: Request,
    application_id: Annotated[int, Path(ge=1, le=MAX_RECORD_ID)],
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    action: Annotated[str, Form(pattern="^(approve|reject|confirm|overturn)$")] = "approve",
) -> Response:
    check_csrf(request, csrf)
    if action in ("approve", "reject"):
        subsidies.propose(
            session=session, actor=actor, application_id=application_id, decision=action, note=None
        )
    else:
        subsidies.decide(
            session=session,
            rulebook=request.app.state.rulebook,
            actor=actor,
            application_id=application_id,
            confirm=action == "confirm",
            first_month=subsidies.default_first_month(
                session, request.app.state.rulebook, application_id, _now(request)
            ),
            as_of=_now(request),
        )
    return RedirectResponse("/staff/subsidies", status_code=303)


MonthQuery = Annotated[str | None, Query(pattern=r"^([0-9]{4}-(0[1-9]|1[0-2]))?$")]


@router.get("/staff/bills")
def bills_list(
    request: Request,
    session: DbSession,
    actor: PageActor,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    district: Annotated[str | None, Query(pattern=r"^([0-9]{6})?$")] = None,
    month: MonthQuery = None,
    through: MonthQuery = None,
    status: Annotated[str | None, Query(pattern=r"^(open|paid|arrears)?$")] = None,
    subsidised: Annotated[int, Query(ge=0, le=1)] = 0,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    """The bills behind a funds figure of the cockpit: collected, subsidised or overdue."""
    place = region or actor.region_code or NATION
    found = service.bills_in_region(
        session=session,
        actor=actor,
        region=place,
        district=district or None,
        month=month or None,
        through=through or None,
        status=status or None,
        subsidised=bool(subsidised),
        page=PageRequest(page, 50),
    )
    shown = registry.get_jurisdiction(session=session, code=district or place)
    query = {
        "region": region,
        "district": district,
        "month": month,
        "through": through,
        "status": status,
        "subsidised": subsidised or None,
    }
    return render(
        request,
        "staff_bills.html",
        actor=actor,
        bills=found,
        place=shown,
        filters=query,
        query=urlencode({k: v for k, v in query.items() if v}),
    )
