"""Registry pages: the staff home of an officer's region, people lists, and the logins an
administrator manages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from pydantic import ValidationError

from flexcover.kit.audit import Actor
from flexcover.kit.database import utc_now
from flexcover.kit.months import CHINA
from flexcover.kit.pagination import MAX_PAGE, MAX_RECORD_ID, PageRequest
from flexcover.kit.problems import ValidationFailed
from flexcover.registry import accounts, audit_log, service
from flexcover.registry.authz import Target, authorize
from flexcover.registry.models import ROLES
from flexcover.registry.repository import AuditFilter
from flexcover.registry.schemas import UserIn
from flexcover.rules.problems import OutOfRange
from flexcover.web.auth import DbSession, PageActor, check_csrf
from flexcover.web.templating import render
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


def _names(session: DbSession, *codes: str) -> dict[str, str]:
    names = {}
    for code in codes:
        jurisdiction = service.jurisdiction(session, code)
        names[code] = jurisdiction.full_name if jurisdiction else code
    return names


def _staff_only(actor: Actor) -> None:
    """Staff pages are for staff: a worker reads their own record on their home page."""
    authorize(actor, "staff.home", Target(region_code=actor.region_code or ""))


@router.get("/staff")
def staff_home(request: Request, session: DbSession, actor: PageActor) -> Response:
    summary = service.region_summary(session=session, actor=actor)
    return render(request, "staff_home.html", actor=actor, summary=summary)


@router.get("/staff/people")
def people_list(
    request: Request,
    session: DbSession,
    actor: PageActor,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    q: Annotated[str | None, Query(max_length=60, pattern=r"^[^\x00-\x1f\x7f]*$")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    """The people of a region, or a search among them by resident ID number or name."""
    _staff_only(actor)
    region_code = region or actor.region_code or ""
    wanted = (q or "").strip()
    if wanted:
        found = service.find_people(
            session=session,
            actor=actor,
            region_code=region_code,
            text=wanted,
            id_key=request.app.state.settings.id_hash_key,
            page=PageRequest(page=page, size=50),
        )
    else:
        found = service.list_people(
            session=session,
            actor=actor,
            region_code=region_code,
            page=PageRequest(page=page, size=50),
        )
    region_name = _names(session, region_code)[region_code]
    return render(
        request,
        "people_list.html",
        actor=actor,
        people=found,
        region_code=region_code,
        region_name=region_name,
        q=wanted,
        searched_by_id=bool(service.ID_LIKE.match(wanted)),
    )


# --- logins (账号管理), for administrators --------------------------------------------------


@router.get("/staff/users")
def users_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    done: Annotated[str | None, Query(pattern=r"^[a-z_]{1,20}$")] = None,
) -> Response:
    region = actor.region_code or ""
    found = accounts.list_users(
        session=session, actor=actor, region=region, page=PageRequest(page=page, size=50)
    )
    return render(
        request,
        "users.html",
        actor=actor,
        users=found,
        roles=[role for role in ROLES if role not in ("worker", "platform")],
        all_roles=ROLES,
        region_name=_names(session, region)[region],
        now=utc_now(),
        done=done,
    )


@router.post("/staff/users")
def create_user(
    request: Request,
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    username: Annotated[str, Form(max_length=60)] = "",
    display_name: Annotated[str, Form(max_length=60)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    region_code: Annotated[str, Form(max_length=6)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    person_id: Annotated[str, Form(max_length=12)] = "",
    platform_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        given = UserIn(
            username=username,
            display_name=display_name or None,
            role=role,
            region_code=region_code,
            password=password,
            person_id=int(person_id) if person_id.strip().isdigit() else None,
            platform_id=int(platform_id) if platform_id.strip().isdigit() else None,
        )
    except ValidationError as invalid:
        raise ValidationFailed(
            [
                {"field": str(e["loc"][0]), "code": str(e["type"]), "message": str(e["msg"])}
                for e in invalid.errors()
            ]
        ) from None
    accounts.create_user(session=session, actor=actor, user=given)
    return RedirectResponse("/staff/users?done=created", status_code=303)


@router.post("/staff/users/{user_id}")
def update_user(
    request: Request,
    user_id: Annotated[int, Path(ge=1, le=MAX_RECORD_ID)],
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    region_code: Annotated[str, Form(pattern=r"^([0-9]{6})?$")] = "",
    active: Annotated[str, Form(pattern=r"^(yes|no)?$")] = "",
    last_day: Annotated[str, Form(pattern=r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        expires_on = date.fromisoformat(last_day) if last_day else None
    except ValueError:
        raise ValidationFailed(
            [{"field": "last_day", "code": "date", "message": "not a real date"}]
        ) from None
    accounts.update_user(
        session=session,
        actor=actor,
        user_id=user_id,
        role=role or None,
        region_code=region_code or None,
        active={"yes": True, "no": False}.get(active),
        expires_on=expires_on,
    )
    return RedirectResponse("/staff/users?done=updated", status_code=303)


@router.post("/staff/users/{user_id}/password")
def reset_password(
    request: Request,
    user_id: Annotated[int, Path(ge=1, le=MAX_RECORD_ID)],
    session: DbSession,
    actor: PageActor,
    csrf: Annotated[str, Form()] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """A temporary password the user must change when they next log in."""
    check_csrf(request, csrf)
    accounts.reset_password(session=session, actor=actor, user_id=user_id, new=password)
    return RedirectResponse("/staff/users?done=reset", status_code=303)


# --- the audit log (审计日志), for auditors and administrators --------------------------------

DayQuery = Annotated[str | None, Query(pattern=r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
TextQuery = Annotated[str | None, Query(max_length=60, pattern=r"^[^\x00-\x1f\x7f]*$")]


def _audit_filter(
    actor: Actor,
    *,
    who: str | None,
    action: str | None,
    entity: str | None,
    entity_id: str | None,
    since: str | None,
    until: str | None,
) -> AuditFilter:
    def day(text: str | None, field: str, shift: int = 0) -> datetime | None:
        if not text:
            return None
        try:
            start = datetime.combine(date.fromisoformat(text), time(), CHINA)
        except ValueError:
            raise OutOfRange(
                field=field, reason_zh="日期无效", reason_en="not a valid date"
            ) from None
        return start + timedelta(days=shift)

    return AuditFilter(
        region=actor.region_code or "",
        actor=who or None,
        action=action or None,
        entity=entity or None,
        entity_id=entity_id or None,
        since=day(since, "since"),
        until=day(until, "until", shift=1),
    )


@router.get("/staff/audit")
def audit_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    who: TextQuery = None,
    action: TextQuery = None,
    entity: TextQuery = None,
    entity_id: TextQuery = None,
    since: DayQuery = None,
    until: DayQuery = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    where = _audit_filter(
        actor,
        who=who,
        action=action,
        entity=entity,
        entity_id=entity_id,
        since=since,
        until=until,
    )
    found = audit_log.entries(
        session=session, actor=actor, where=where, page=PageRequest(page=page, size=100)
    )
    filters = {
        "who": who,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "since": since,
        "until": until,
    }
    return render(
        request,
        "audit.html",
        actor=actor,
        entries=found,
        filters=filters,
        query=urlencode({k: v for k, v in filters.items() if v}),
    )


@router.get("/staff/audit.csv")
def audit_export(
    session: DbSession,
    actor: PageActor,
    who: TextQuery = None,
    action: TextQuery = None,
    entity: TextQuery = None,
    entity_id: TextQuery = None,
    since: DayQuery = None,
    until: DayQuery = None,
) -> Response:
    where = _audit_filter(
        actor,
        who=who,
        action=action,
        entity=entity,
        entity_id=entity_id,
        since=since,
        until=until,
    )
    return PlainTextResponse(
        audit_log.export_csv(session=session, actor=actor, where=where),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
