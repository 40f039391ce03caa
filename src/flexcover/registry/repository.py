"""Every registry query. Services call these; nothing else touches the tables directly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, delete, func, insert, select
from sqlalchemy.orm import Session

from flexcover.kit.audit import AuditEntry
from flexcover.kit.pagination import Page, PageRequest
from flexcover.registry.authz import region_prefix, within
from flexcover.registry.models import (
    ApiToken,
    Employer,
    Jurisdiction,
    LoginSession,
    Person,
    Platform,
    PlatformRequest,
    PlatformWorker,
    User,
)


def get_jurisdiction(session: Session, code: str) -> Jurisdiction | None:
    return session.get(Jurisdiction, code)


def jurisdiction_children(session: Session, code: str) -> Sequence[Jurisdiction]:
    return session.scalars(
        select(Jurisdiction).where(Jurisdiction.parent_code == code).order_by(Jurisdiction.code)
    ).all()


def jurisdictions_within(session: Session, region_code: str, level: str) -> Sequence[Jurisdiction]:
    return session.scalars(
        select(Jurisdiction)
        .where(within(Jurisdiction.code, region_code))
        .where(Jurisdiction.level == level)
        .order_by(Jurisdiction.code)
    ).all()


def jurisdiction_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Jurisdiction.code)))


def insert_jurisdictions(session: Session, rows: Iterable[dict[str, object]]) -> None:
    rows = list(rows)
    if rows:
        session.execute(insert(Jurisdiction), rows)


def person_by_hash(session: Session, id_hash: str) -> Person | None:
    return session.scalars(select(Person).where(Person.id_hash == id_hash)).one_or_none()


def existing_hashes(session: Session, hashes: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(hashes), 5000):
        chunk = hashes[start : start + 5000]
        found.update(session.scalars(select(Person.id_hash).where(Person.id_hash.in_(chunk))))
    return found


def insert_people(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """Bulk insert; returns the new ids in the order given."""
    if not rows:
        return []
    result = session.execute(
        insert(Person).returning(Person.id, sort_by_parameter_order=True), rows
    )
    return [row[0] for row in result]


def people_by_id(session: Session, ids: list[int]) -> dict[int, Person]:
    """The people with these ids, in one query."""
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(set(ids))))}


def people_named(
    session: Session, region_code: str, name: str, request: PageRequest
) -> Page[Person]:
    """People of the region whose name begins with ``name`` (LIKE's wildcards taken literally)."""
    pattern = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    where = within(Person.residence_code, region_code) & Person.name.like(pattern, escape="\\")
    total = session.scalar(select(func.count()).select_from(Person).where(where)) or 0
    items = session.scalars(
        select(Person)
        .where(where)
        .order_by(Person.name, Person.id)
        .offset(request.offset)
        .limit(request.size)
    ).all()
    return Page(items=list(items), total=total, page=request.page, size=request.size)


def people_in_region(session: Session, region_code: str, request: PageRequest) -> Page[Person]:
    where = within(Person.residence_code, region_code)
    total = session.scalar(select(func.count()).select_from(Person).where(where)) or 0
    items = session.scalars(
        select(Person).where(where).order_by(Person.id).offset(request.offset).limit(request.size)
    ).all()
    return Page(items=list(items), total=total, page=request.page, size=request.size)


def people_count_by_district(session: Session, region_code: str) -> dict[str, int]:
    rows = session.execute(
        select(Person.residence_code, func.count())
        .where(within(Person.residence_code, region_code))
        .group_by(Person.residence_code)
    ).all()
    return {code: count for code, count in rows}


def get_platform(session: Session, platform_id: int) -> Platform | None:
    return session.get(Platform, platform_id)


def platform_by_credit_code(session: Session, credit_code: str) -> Platform | None:
    return session.scalars(
        select(Platform).where(Platform.credit_code == credit_code)
    ).one_or_none()


def get_employer(session: Session, employer_id: int) -> Employer | None:
    return session.get(Employer, employer_id)


def employer_by_credit_code(session: Session, credit_code: str) -> Employer | None:
    return session.scalars(
        select(Employer).where(Employer.credit_code == credit_code)
    ).one_or_none()


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def user_by_username(session: Session, username: str, *, lock: bool = False) -> User | None:
    query = select(User).where(User.username == username)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def users_in_region(session: Session, region_code: str, request: PageRequest) -> Page[User]:
    where = within(User.region_code, region_code)
    total = session.scalar(select(func.count()).select_from(User).where(where)) or 0
    items = session.scalars(
        select(User).where(where).order_by(User.username).offset(request.offset).limit(request.size)
    ).all()
    return Page(items=list(items), total=total, page=request.page, size=request.size)


def live_sessions_of(session: Session, user_id: int) -> Sequence[LoginSession]:
    return session.scalars(
        select(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
    ).all()


def user_for_person(session: Session, person_id: int) -> User | None:
    return session.scalars(select(User).where(User.person_id == person_id)).one_or_none()


def live_token_by_prefix(session: Session, prefix: str) -> ApiToken | None:
    """The one unrevoked token with this prefix (prefixes are 12 characters of 43 random)."""
    return session.scalars(
        select(ApiToken).where(ApiToken.prefix == prefix[:12], ApiToken.revoked_at.is_(None))
    ).first()


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
    ).one_or_none()


def login_session_by_hash(session: Session, key_hash: str) -> LoginSession | None:
    return session.scalars(
        select(LoginSession).where(LoginSession.key_hash == key_hash)
    ).one_or_none()


def delete_all(session: Session, tables: Iterable[Table]) -> None:
    """Empty ``tables`` in the given order; the session forgets every object it held."""
    for table in tables:
        session.execute(delete(table))
    session.expunge_all()


def roster_periods(session: Session, platform_id: int, person_id: int) -> Sequence[PlatformWorker]:
    return session.scalars(
        select(PlatformWorker)
        .where(PlatformWorker.platform_id == platform_id, PlatformWorker.person_id == person_id)
        .order_by(PlatformWorker.from_month)
    ).all()


def roster_page(
    session: Session, platform_id: int, active_in: str | None, request: PageRequest
) -> Page[tuple[PlatformWorker, str, str]]:
    query = (
        select(PlatformWorker, Person.name, Person.id_masked)
        .join(Person, Person.id == PlatformWorker.person_id)
        .where(PlatformWorker.platform_id == platform_id)
    )
    if active_in is not None:
        query = query.where(
            PlatformWorker.from_month <= active_in,
            (PlatformWorker.until_month.is_(None)) | (PlatformWorker.until_month >= active_in),
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(PlatformWorker.id.desc()).offset(request.offset).limit(request.size)
    ).all()
    return Page([(w, n, m) for w, n, m in rows], total, request.page, request.size)


def platform_requests(session: Session, platform_id: int, limit: int) -> Sequence[PlatformRequest]:
    return session.scalars(
        select(PlatformRequest)
        .where(PlatformRequest.platform_id == platform_id)
        .order_by(PlatformRequest.id.desc())
        .limit(limit)
    ).all()


def tokens_of(session: Session, user_ids: Sequence[int]) -> Sequence[ApiToken]:
    if not user_ids:
        return []
    return session.scalars(
        select(ApiToken).where(ApiToken.user_id.in_(user_ids)).order_by(ApiToken.id.desc())
    ).all()


def platform_users(session: Session, platform_id: int) -> Sequence[User]:
    return session.scalars(
        select(User).where(User.platform_id == platform_id).order_by(User.id)
    ).all()


@dataclass(frozen=True)
class AuditFilter:
    """Which audit rows an auditor asks for: the actor's region (always), and optionally the
    actor's name, the action (a prefix: ``person.`` is every action on people), the record, and
    the days from and to (UTC, inclusive)."""

    region: str
    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _audit_query(where: AuditFilter) -> Select[Any]:
    query = select(AuditEntry)
    prefix = region_prefix(where.region)
    if prefix:
        query = query.where(AuditEntry.actor_region.startswith(prefix))
    if where.actor:
        query = query.where(AuditEntry.actor == where.actor)
    if where.action:
        query = query.where(AuditEntry.action.startswith(where.action))
    if where.entity:
        query = query.where(AuditEntry.entity == where.entity)
    if where.entity_id:
        query = query.where(AuditEntry.entity_id == where.entity_id)
    if where.since:
        query = query.where(AuditEntry.at >= where.since)
    if where.until:
        query = query.where(AuditEntry.at < where.until)
    return query


def audit_page(session: Session, where: AuditFilter, request: PageRequest) -> Page[AuditEntry]:
    query = _audit_query(where)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(AuditEntry.id.desc()).offset(request.offset).limit(request.size)
    ).all()
    return Page(items=list(items), total=total, page=request.page, size=request.size)


def audit_rows(session: Session, where: AuditFilter, limit: int) -> Sequence[AuditEntry]:
    return session.scalars(_audit_query(where).order_by(AuditEntry.id).limit(limit)).all()
