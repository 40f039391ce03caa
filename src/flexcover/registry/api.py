"""Registry JSON API under /api/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from flexcover.kit.pagination import MAX_PAGE, MAX_PAGE_SIZE, PageRequest
from flexcover.registry import accounts, service
from flexcover.registry.schemas import (
    PRINTABLE,
    EmployerIn,
    EmployerOut,
    JurisdictionOut,
    PersonIn,
    PersonOut,
    PlatformIn,
    PlatformOut,
    TokenOut,
    UserIn,
    UserOut,
)
from flexcover.web.auth import ApiActor, DbSession
from flexcover.web.params import PathId
from flexcover.web.unit_of_work import UnitOfWorkRoute

router = APIRouter(prefix="/api/v1", route_class=UnitOfWorkRoute, tags=["registry"])


class Me(BaseModel):
    username: str
    role: str
    region_code: str | None
    person_id: int | None
    platform_id: int | None


class JurisdictionDetail(JurisdictionOut):
    children: list[JurisdictionOut]


class PeoplePage(BaseModel):
    items: list[PersonOut]
    total: int
    page: int
    size: int


class TokenRequest(BaseModel):
    label: str = Field(default="api", min_length=1, max_length=60, pattern=PRINTABLE)
    days: int = Field(default=accounts.TOKEN_LIFETIME_DAYS, ge=1, le=accounts.TOKEN_LIFETIME_DAYS)


@router.get("/me", response_model=Me)
def me(actor: ApiActor) -> Me:
    return Me(
        username=actor.username,
        role=actor.role,
        region_code=actor.region_code,
        person_id=actor.person_id,
        platform_id=actor.platform_id,
    )


@router.get("/jurisdictions/{code}", response_model=JurisdictionDetail)
def jurisdiction(code: str, session: DbSession, actor: ApiActor) -> JurisdictionDetail:
    found = service.get_jurisdiction(session=session, code=code)
    children = service.jurisdiction_children(session=session, code=code)
    return JurisdictionDetail(
        **JurisdictionOut.model_validate(found).model_dump(),
        children=[JurisdictionOut.model_validate(child) for child in children],
    )


@router.post("/people", response_model=PersonOut, status_code=201)
def register_person(
    person: PersonIn, request: Request, session: DbSession, actor: ApiActor
) -> PersonOut:
    created = service.register_person(
        session=session, actor=actor, person=person, id_key=request.app.state.settings.id_hash_key
    )
    return PersonOut.model_validate(created)


@router.get("/people", response_model=PeoplePage)
def list_people(
    session: DbSession,
    actor: ApiActor,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> PeoplePage:
    found = service.list_people(
        session=session,
        actor=actor,
        region_code=region or actor.region_code or "",
        page=PageRequest(page=page, size=size),
    )
    return PeoplePage(
        items=[PersonOut.model_validate(person) for person in found.items],
        total=found.total,
        page=found.page,
        size=found.size,
    )


@router.get("/people/{person_id}", response_model=PersonOut)
def get_person(person_id: PathId, session: DbSession, actor: ApiActor) -> PersonOut:
    return PersonOut.model_validate(
        service.get_person(session=session, actor=actor, person_id=person_id)
    )


@router.post("/platforms", response_model=PlatformOut, status_code=201)
def register_platform(platform: PlatformIn, session: DbSession, actor: ApiActor) -> PlatformOut:
    return PlatformOut.model_validate(
        service.register_platform(session=session, actor=actor, platform=platform)
    )


@router.get("/platforms/{platform_id}", response_model=PlatformOut)
def get_platform(platform_id: PathId, session: DbSession, actor: ApiActor) -> PlatformOut:
    return PlatformOut.model_validate(
        service.get_platform(session=session, actor=actor, platform_id=platform_id)
    )


@router.post("/employers", response_model=EmployerOut, status_code=201)
def register_employer(employer: EmployerIn, session: DbSession, actor: ApiActor) -> EmployerOut:
    return EmployerOut.model_validate(
        service.register_employer(session=session, actor=actor, employer=employer)
    )


@router.get("/employers/{employer_id}", response_model=EmployerOut)
def get_employer(employer_id: PathId, session: DbSession, actor: ApiActor) -> EmployerOut:
    return EmployerOut.model_validate(
        service.get_employer(session=session, actor=actor, employer_id=employer_id)
    )


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(user: UserIn, session: DbSession, actor: ApiActor) -> UserOut:
    return UserOut.model_validate(accounts.create_user(session=session, actor=actor, user=user))


@router.post("/users/{user_id}/tokens", response_model=TokenOut, status_code=201)
def issue_token(
    user_id: PathId, body: TokenRequest, session: DbSession, actor: ApiActor
) -> TokenOut:
    plain, token = accounts.issue_api_token(
        session=session, actor=actor, user_id=user_id, label=body.label, days=body.days
    )
    return TokenOut(
        token=plain, prefix=token.prefix, label=token.label, expires_at=token.expires_at
    )


@router.post("/tokens/rotate", response_model=TokenOut, status_code=201)
def rotate_my_token(request: Request, session: DbSession, actor: ApiActor) -> TokenOut:
    """Replace the bearer token this request is made with: the new one is returned once, the
    old one stops working at once."""
    header = request.headers.get("authorization", "")
    scheme, _, plain = header.partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        from flexcover.kit.problems import NotAuthenticated

        raise NotAuthenticated(field="authorization")
    current = accounts.token_for(session=session, plain=plain.strip())
    new_plain, token = accounts.rotate_token(session=session, actor=actor, token_id=current.id)
    return TokenOut(
        token=new_plain, prefix=token.prefix, label=token.label, expires_at=token.expires_at
    )


@router.post("/tokens/{token_id}/revoke", status_code=204)
def revoke_token(token_id: PathId, session: DbSession, actor: ApiActor) -> None:
    """Revoke a token (a platform its own logins', an administrator those of their region)."""
    accounts.revoke_token(session=session, actor=actor, token_id=token_id)
