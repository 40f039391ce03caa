"""The platform roster API (平台从业人员名册): bulk, idempotent, a result per row."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from flexcover.kit.months import Month
from flexcover.kit.pagination import MAX_PAGE, MAX_PAGE_SIZE, PageRequest
from flexcover.registry import roster
from flexcover.registry.schemas import RosterEndIn, RosterRowIn
from flexcover.web.auth import ApiActor, DbSession
from flexcover.web.bulk import IdempotencyKeyHeader, RawBody, idempotent, rows_of
from flexcover.web.params import PathId
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(prefix="/api/v1", route_class=UnitOfWorkRoute, tags=["platforms"])

_ROWS = {"type": "array", "items": {"$ref": "#/components/schemas/RosterRowIn"}}
BULK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _ROWS},
            "application/x-ndjson": {
                "schema": {"$ref": "#/components/schemas/RosterRowIn"},
                "description": "one row a line; the body may be gzip (Content-Encoding: gzip)",
            },
        },
    }
}


class RosterRowOut(BaseModel):
    roster_id: int
    name: str
    id_masked: str
    from_month: str
    until_month: str | None
    work_codes: list[str]


class RosterPage(BaseModel):
    items: list[RosterRowOut]
    total: int
    page: int
    size: int


class RosterResult(BaseModel):
    line: int
    result: str
    roster_id: int | None = None
    pointer: str | None = None
    detail: str | None = None


class RosterAnswer(BaseModel):
    accepted: int
    rejected: int
    rows: list[RosterResult]


def _now(request: Request) -> Month:
    return Month.of(request.app.state.today())


@router.post(
    "/platforms/{platform_id}/workers",
    response_model=RosterAnswer,
    status_code=201,
    openapi_extra=BULK_BODY,
    responses={200: {"description": "every row was on the roster already"}},
)
def add_workers(
    platform_id: PathId,
    request: Request,
    session: DbSession,
    actor: ApiActor,
    body: RawBody,
    idempotency_key: IdempotencyKeyHeader = None,
    mode: Annotated[Literal["strict", "partial"], Query()] = "strict",
) -> JSONResponse:
    """Put workers on the platform's roster by resident ID number, name and phone (with the
    district they live in, used only to register someone new). A JSON array or NDJSON, up to
    100,000 rows; each row's result is ``ok``, ``exists`` or the code of its refusal, in that
    precedence: the row's shape, the ID, the name (实名核验), the place, the period. ``strict``
    (the default) keeps all or none; ``partial`` keeps the good rows."""

    def work() -> tuple[int, Any]:
        rows = rows_of(request, body, RosterRowIn)
        outcome = roster.add_workers(
            session=session,
            actor=actor,
            platform_id=platform_id,
            rows=rows,
            id_key=request.app.state.settings.id_hash_key,
            as_of=_now(request),
            partial=mode == "partial",
        )
        created = any(row.result == "ok" for row in outcome.rows)
        return 201 if created else 200, {
            "accepted": outcome.accepted,
            "rejected": len(outcome.rejected),
            "rows": [row.to_dict() for row in outcome.rows],
        }

    return idempotent(
        request=request,
        session=session,
        actor=actor,
        key=idempotency_key,
        body=body,
        work=work,
        log_as=(platform_id, "roster.add"),
    )


@router.get("/platforms/{platform_id}/workers", response_model=RosterPage)
def list_workers(
    platform_id: PathId,
    session: DbSession,
    actor: ApiActor,
    active_in: Annotated[str | None, Query(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
) -> RosterPage:
    """The roster, newest first, with names and masked ID numbers only."""
    found = roster.list_workers(
        session=session,
        actor=actor,
        platform_id=platform_id,
        active_in=Month.parse(active_in, field="active_in") if active_in else None,
        page=PageRequest(page=page, size=size),
    )
    return RosterPage(
        items=[_out(row) for row in found.items],
        total=found.total,
        page=found.page,
        size=found.size,
    )


@router.post("/platforms/{platform_id}/workers/{roster_id}/end", response_model=RosterRowOut)
def end_worker(
    platform_id: PathId,
    roster_id: PathId,
    body: RosterEndIn,
    request: Request,
    session: DbSession,
    actor: ApiActor,
) -> RosterRowOut:
    """The worker stops working through the platform after ``until_month`` (sent twice, the
    same answer)."""
    row = roster.end_worker(
        session=session,
        actor=actor,
        platform_id=platform_id,
        roster_id=roster_id,
        until_month=Month.parse(body.until_month, field="until_month"),
        as_of=_now(request),
    )
    return _out(row)


def _out(row: roster.RosterRow) -> RosterRowOut:
    return RosterRowOut(
        roster_id=row.entry.id,
        name=row.name,
        id_masked=row.id_masked,
        from_month=row.entry.from_month,
        until_month=row.entry.until_month,
        work_codes=list(row.entry.work_codes or []),
    )
