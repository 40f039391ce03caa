"""Registry use cases. Each takes a session and an actor, authorises, writes its audit row, and
never commits: the request or command that called it does.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.credit_code import parse_credit_code
from flexcover.kit.database import utc_now
from flexcover.kit.divisions import current_divisions
from flexcover.kit.pagination import Page, PageRequest
from flexcover.kit.problems import NotAuthenticated, NotFound, Problem
from flexcover.kit.resident_id import ResidentId, hash_id, parse_resident_id
from flexcover.registry import repository
from flexcover.registry.authz import (
    NATION,
    ROLE_REGION_LEVELS,
    Target,
    authorize,
)
from flexcover.registry.models import (
    ApiToken,
    Employer,
    Jurisdiction,
    LoginSession,
    Person,
    Platform,
    User,
)
from flexcover.registry.schemas import INDUSTRIES, EmployerIn, PersonIn, PlatformIn, UserIn

# --- problems -----------------------------------------------------------------------------------


class UnknownJurisdiction(Problem):
    code = "unknown_jurisdiction"
    title = {"zh-CN": "行政区划不存在", "en": "Unknown jurisdiction"}
    detail = {
        "zh-CN": "{field}：{value} 不是现行的 GB/T 2260 行政区划代码。",
        "en": "{field}: {value} is not a current GB/T 2260 jurisdiction code.",
    }


class WrongJurisdictionLevel(Problem):
    code = "wrong_jurisdiction_level"
    title = {"zh-CN": "行政区划级别不符", "en": "Wrong jurisdiction level"}
    detail = {
        "zh-CN": "{field}：{value}（{name}）是{level}级，此处需要{expected}级。",
        "en": "{field}: {value} ({name}) is a {level}; a {expected} is needed here.",
    }


class BirthDateMismatch(Problem):
    code = "birth_date_mismatch"
    title = {"zh-CN": "出生日期与身份证号码不符", "en": "Birth date does not match the ID"}
    detail = {
        "zh-CN": "{field} 为 {given}，但身份证号码中的出生日期是 {expected}。",
        "en": "{field} is {given} but the resident ID says {expected}.",
    }


class GenderMismatch(Problem):
    code = "gender_mismatch"
    title = {"zh-CN": "性别与身份证号码不符", "en": "Gender does not match the ID"}
    detail = {
        "zh-CN": "{field} 为 {given}，但身份证号码第 17 位表示 {expected}。",
        "en": "{field} is {given} but the 17th digit of the resident ID says {expected}.",
    }


class DuplicatePerson(Problem):
    code = "duplicate_person"
    status = 409
    title = {"zh-CN": "人员已登记", "en": "Person already registered"}
    detail = {
        "zh-CN": "{field}：该身份证号码的人员已登记（人员编号 {person_id}）。",
        "en": "{field}: a person with this resident ID is already registered (id {person_id}).",
    }


class DuplicateCreditCode(Problem):
    code = "duplicate_credit_code"
    status = 409
    title = {"zh-CN": "单位已登记", "en": "Organisation already registered"}
    detail = {
        "zh-CN": "{field}：该统一社会信用代码已登记（编号 {existing_id}）。",
        "en": "{field}: this credit code is already registered (id {existing_id}).",
    }


class UnknownIndustry(Problem):
    code = "unknown_industry"
    title = {"zh-CN": "行业未知", "en": "Unknown industry"}
    detail = {
        "zh-CN": "{field}：“{value}”不是职业伤害保障试点行业（{allowed}）。",
        "en": "{field}: '{value}' is not an occupational-injury pilot industry ({allowed}).",
    }


class DuplicateUsername(Problem):
    code = "duplicate_username"
    status = 409
    title = {"zh-CN": "用户名已存在", "en": "Username taken"}
    detail = {"zh-CN": "{field}：用户名“{value}”已被使用。", "en": "{field}: '{value}' is taken."}


class InvalidUserBinding(Problem):
    code = "invalid_user_binding"
    title = {"zh-CN": "用户设置有误", "en": "Inconsistent user"}
    detail = {"zh-CN": "{field}：{reason_zh}", "en": "{field}: {reason_en}"}


class InvalidCredentials(Problem):
    code = "invalid_credentials"
    status = 401
    title = {"zh-CN": "用户名或密码错误", "en": "Wrong username or password"}
    detail = {
        "zh-CN": "用户名或密码错误，请重试。",
        "en": "The username or password is wrong. Try again.",
    }


# --- jurisdictions -------------------------------------------------------------------------------

NATION_NAME = "中华人民共和国"
_NON_PLACE_NAMES = ("市辖区", "县", "省直辖县级行政单位", "自治区直辖县级行政单位")


def _level(code: str) -> str:
    if code == NATION:
        return "national"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "district"


def jurisdiction_catalog() -> list[dict[str, object]]:
    """Every current GB/T 2260 division as a jurisdiction row, with parents and full names."""
    divisions = current_divisions()
    rows: dict[str, dict[str, object]] = {
        NATION: {
            "code": NATION,
            "name": NATION_NAME,
            "full_name": NATION_NAME,
            "level": "national",
            "parent_code": None,
        }
    }
    for code in sorted(divisions):
        name = divisions[code]
        level = _level(code)
        if level == "district" and name == "市辖区":
            continue  # a statistical placeholder of older editions, not a place
        province = code[:2] + "0000"
        city = code[:4] + "00"
        if level == "province":
            parent, full = NATION, name
        elif level == "city":
            parent = province
            full = divisions.get(province, "") + ("" if name in _NON_PLACE_NAMES else name)
        else:
            parent = city if city in divisions else province
            city_name = divisions.get(city, "") if parent == city else ""
            if city_name in _NON_PLACE_NAMES:
                city_name = ""
            full = divisions.get(province, "") + city_name + name
        if parent not in divisions and parent != NATION:
            parent = NATION
        rows[code] = {
            "code": code,
            "name": name,
            "full_name": full or name,
            "level": level,
            "parent_code": parent,
        }
    return list(rows.values())


def sync_jurisdictions(*, session: Session) -> int:
    """Load the current GB/T 2260 divisions; idempotent. Returns how many were added."""
    present = repository.jurisdiction_codes(session)
    catalog = jurisdiction_catalog()
    missing = [row for row in catalog if row["code"] not in present]
    # Parents before children, so the foreign key holds at every row.
    order = {"national": 0, "province": 1, "city": 2, "district": 3}
    missing.sort(key=lambda row: order[str(row["level"])])
    repository.insert_jurisdictions(session, missing)
    return len(missing)


def require_jurisdiction(
    session: Session, code: str, *, field: str, levels: Sequence[str] | None = None
) -> Jurisdiction:
    jurisdiction = repository.get_jurisdiction(session, code)
    if jurisdiction is None:
        raise UnknownJurisdiction(field=field, value=code)
    if levels is not None and jurisdiction.level not in levels:
        raise WrongJurisdictionLevel(
            field=field,
            value=code,
            name=jurisdiction.full_name,
            level=jurisdiction.level,
            expected=" / ".join(levels),
        )
    return jurisdiction


def get_jurisdiction(*, session: Session, code: str) -> Jurisdiction:
    jurisdiction = repository.get_jurisdiction(session, code)
    if jurisdiction is None:
        raise NotFound(field="code", what="jurisdiction", key=code)
    return jurisdiction


def jurisdiction_children(*, session: Session, code: str) -> Sequence[Jurisdiction]:
    return repository.jurisdiction_children(session, code)


def districts_within(*, session: Session, region_code: str) -> Sequence[Jurisdiction]:
    return repository.jurisdictions_within(session, region_code, "district")


# --- people --------------------------------------------------------------------------------------


def _checked_person(
    session: Session, person: PersonIn, *, id_key: bytes, field_prefix: str = ""
) -> tuple[ResidentId, dict[str, object]]:
    """Validate one registration against its ID and the jurisdictions; the row to insert."""
    resident_id = parse_resident_id(person.id_number, field=field_prefix + "id_number")
    if person.birth_date is not None and person.birth_date != resident_id.birth_date:
        raise BirthDateMismatch(
            field=field_prefix + "birth_date",
            given=person.birth_date.isoformat(),
            expected=resident_id.birth_date.isoformat(),
        )
    if person.gender is not None and person.gender != resident_id.gender:
        raise GenderMismatch(
            field=field_prefix + "gender", given=person.gender, expected=resident_id.gender
        )
    require_jurisdiction(
        session, person.residence_code, field=field_prefix + "residence_code", levels=("district",)
    )
    hukou_code = person.hukou_code or resident_id.region_code
    require_jurisdiction(
        session,
        hukou_code,
        field=field_prefix + ("hukou_code" if person.hukou_code else "id_number"),
    )
    name = person.name.strip()
    row: dict[str, object] = {
        "id_hash": hash_id(resident_id.number, id_key),
        "id_masked": resident_id.masked,
        "name": name,
        "gender": resident_id.gender,
        "birth_date": resident_id.birth_date,
        "id_region_code": resident_id.region_code,
        "phone": person.phone,
        "hukou_code": hukou_code,
        "residence_code": person.residence_code,
    }
    return resident_id, row


def register_person(*, session: Session, actor: Actor, person: PersonIn, id_key: bytes) -> Person:
    """人员登记: validate the ID and what it implies, refuse duplicates, record it."""
    _, row = _checked_person(session, person, id_key=id_key)
    authorize(
        actor, "person.register", Target(region_code=person.residence_code), field="residence_code"
    )
    existing = repository.person_by_hash(session, str(row["id_hash"]))
    if existing is not None:
        raise DuplicatePerson(field="id_number", person_id=existing.id)
    created = Person(**row)
    session.add(created)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="person.register",
        entity="person",
        entity_id=created.id,
        details={"residence_code": created.residence_code, "id_masked": created.id_masked},
    )
    return created


def register_people(
    *, session: Session, actor: Actor, people: Sequence[PersonIn], id_key: bytes
) -> list[int]:
    """Bulk registration, all or nothing: any bad row refuses the batch naming its index."""
    rows: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for index, person in enumerate(people):
        _, row = _checked_person(session, person, id_key=id_key, field_prefix=f"{index}.")
        authorize(
            actor,
            "person.register",
            Target(region_code=person.residence_code),
            field=f"{index}.residence_code",
        )
        id_hash = str(row["id_hash"])
        if id_hash in seen:
            raise DuplicatePerson(field=f"{index}.id_number", person_id=f"row {seen[id_hash]}")
        seen[id_hash] = index
        rows.append(row)
    clashes = repository.existing_hashes(session, list(seen))
    if clashes:
        index = min(seen[h] for h in clashes)
        existing = repository.person_by_hash(session, str(rows[index]["id_hash"]))
        raise DuplicatePerson(
            field=f"{index}.id_number", person_id=existing.id if existing else "?"
        )
    ids = repository.insert_people(session, rows)
    audit.record_many(
        session, actor=actor, action="person.register", entity="person", entity_ids=list(ids)
    )
    return ids


def get_person(*, session: Session, actor: Actor, person_id: int) -> Person:
    """One person's record. A staff read of personal data is itself audited."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(field="person_id", what="person", key=person_id)
    authorize(
        actor,
        "person.read",
        Target(region_code=person.residence_code, person_id=person.id),
        field="person_id",
    )
    if actor.role != "worker":
        audit.record(
            session, actor=actor, action="person.read", entity="person", entity_id=person.id
        )
    return person


def list_people(
    *, session: Session, actor: Actor, region_code: str, page: PageRequest
) -> Page[Person]:
    """A page of the people living in ``region_code``; the listing is audited like a read."""
    require_jurisdiction(session, region_code, field="region")
    authorize(actor, "person.list", Target(region_code=region_code), field="region")
    found = repository.people_in_region(session, region_code, page)
    audit.record(
        session,
        actor=actor,
        action="person.list",
        entity="jurisdiction",
        entity_id=region_code,
        details={"page": page.page, "size": page.size, "people": [p.id for p in found.items]},
    )
    return found


def region_summary(*, session: Session, actor: Actor) -> dict[str, object]:
    """What a staff home shows: the officer's region and the people registered per district."""
    region = actor.region_code or NATION
    authorize(actor, "staff.home", Target(region_code=region))
    jurisdiction = get_jurisdiction(session=session, code=region)
    counts = repository.people_count_by_district(session, region)
    districts = [
        (district, counts.get(district.code, 0))
        for district in repository.jurisdictions_within(session, region, "district")
    ]
    if region == NATION:  # ~2,900 districts: show only those with people
        districts = [(district, count) for district, count in districts if count]
    return {
        "region": jurisdiction,
        "districts": districts,
        "people_total": sum(counts.values()),
    }


# --- platforms and employers ---------------------------------------------------------------


def register_platform(*, session: Session, actor: Actor, platform: PlatformIn) -> Platform:
    """平台企业登记."""
    credit_code = parse_credit_code(platform.credit_code, field="credit_code")
    require_jurisdiction(session, platform.region_code, field="region_code")
    for index, industry in enumerate(platform.industries):
        if industry not in INDUSTRIES:
            raise UnknownIndustry(
                field=f"industries.{index}", value=industry, allowed=", ".join(INDUSTRIES)
            )
    authorize(
        actor, "platform.register", Target(region_code=platform.region_code), field="region_code"
    )
    existing = repository.platform_by_credit_code(session, credit_code)
    if existing is not None:
        raise DuplicateCreditCode(field="credit_code", existing_id=existing.id)
    created = Platform(
        name=platform.name,
        credit_code=credit_code,
        region_code=platform.region_code,
        industries=sorted(set(platform.industries)),
    )
    session.add(created)
    session.flush()
    audit.record(
        session, actor=actor, action="platform.register", entity="platform", entity_id=created.id
    )
    return created


def get_platform(*, session: Session, actor: Actor, platform_id: int) -> Platform:
    platform = repository.get_platform(session, platform_id)
    if platform is None:
        raise NotFound(field="platform_id", what="platform", key=platform_id)
    authorize(
        actor,
        "platform.read",
        Target(region_code=platform.region_code, platform_id=platform.id),
        field="platform_id",
    )
    return platform


def register_employer(*, session: Session, actor: Actor, employer: EmployerIn) -> Employer:
    """用人单位登记."""
    credit_code = parse_credit_code(employer.credit_code, field="credit_code")
    require_jurisdiction(session, employer.region_code, field="region_code")
    authorize(
        actor, "employer.register", Target(region_code=employer.region_code), field="region_code"
    )
    existing = repository.employer_by_credit_code(session, credit_code)
    if existing is not None:
        raise DuplicateCreditCode(field="credit_code", existing_id=existing.id)
    created = Employer(
        name=employer.name, credit_code=credit_code, region_code=employer.region_code
    )
    session.add(created)
    session.flush()
    audit.record(
        session, actor=actor, action="employer.register", entity="employer", entity_id=created.id
    )
    return created


def get_employer(*, session: Session, actor: Actor, employer_id: int) -> Employer:
    employer = repository.get_employer(session, employer_id)
    if employer is None:
        raise NotFound(field="employer_id", what="employer", key=employer_id)
    authorize(actor, "employer.read", Target(region_code=employer.region_code), field="employer_id")
    return employer


# --- users, passwords, tokens --------------------------------------------------------------

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a miss costs what a hit does.
_DUMMY_HASH = _hasher.hash("flexcover-timing-equaliser")
TOKEN_PREFIX = "fct_"  # noqa: S105 - a public marker, not a secret


def actor_for(user: User, *, source: str) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=user.role,
        region_code=user.region_code,
        source=source,
        platform_id=user.platform_id,
        person_id=user.person_id,
    )


def create_user(*, session: Session, actor: Actor, user: UserIn) -> User:
    """A login with a role and a region scope; workers are bound to their person record."""
    region = require_jurisdiction(
        session, user.region_code, field="region_code", levels=ROLE_REGION_LEVELS[user.role]
    )
    if user.role == "worker":
        if user.person_id is None:
            raise InvalidUserBinding(
                field="person_id",
                reason_zh="参保人账号必须关联已登记的人员",
                reason_en="a worker login must be bound to a registered person",
            )
        person = session.get(Person, user.person_id)
        if person is None:
            raise NotFound(field="person_id", what="person", key=user.person_id)
        if person.residence_code != region.code:
            raise InvalidUserBinding(
                field="region_code",
                reason_zh="参保人账号的辖区应为其居住地",
                reason_en="a worker's region must be their residence district",
            )
        if repository.user_for_person(session, person.id) is not None:
            raise InvalidUserBinding(
                field="person_id",
                reason_zh="该人员已有账号",
                reason_en="this person already has a login",
            )
    elif user.person_id is not None:
        raise InvalidUserBinding(
            field="person_id",
            reason_zh="只有参保人账号可以关联人员",
            reason_en="only worker logins are bound to a person",
        )
    if user.role == "platform":
        if user.platform_id is None or repository.get_platform(session, user.platform_id) is None:
            raise InvalidUserBinding(
                field="platform_id",
                reason_zh="平台账号必须关联已登记的平台",
                reason_en="a platform login must be bound to a registered platform",
            )
    elif user.platform_id is not None:
        raise InvalidUserBinding(
            field="platform_id",
            reason_zh="只有平台账号可以关联平台",
            reason_en="only platform logins are bound to a platform",
        )
    authorize(actor, "user.create", Target(region_code=user.region_code), field="region_code")
    if repository.user_by_username(session, user.username) is not None:
        raise DuplicateUsername(field="username", value=user.username)
    created = User(
        username=user.username,
        display_name=user.display_name or user.username,
        password_hash=_hasher.hash(user.password),
        role=user.role,
        region_code=user.region_code,
        person_id=user.person_id,
        platform_id=user.platform_id,
    )
    session.add(created)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        entity="user",
        entity_id=created.id,
        details={"role": created.role, "region_code": created.region_code},
    )
    return created


def authenticate(*, session: Session, username: str, password: str) -> User:
    """The active user with this username and password, or :class:`InvalidCredentials`."""
    user = repository.user_by_username(session, username.strip())
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials(field="password") from None
    if user is None or not user.active:
        raise InvalidCredentials(field="password")
    return user


LOGIN_SESSION_LIFETIME = timedelta(hours=8)  # one working day


def open_login_session(*, session: Session, user: User, source: str) -> str:
    """Log ``user`` in: a new server-side session; returns its key (for the cookie) once."""
    key = secrets.token_urlsafe(32)
    now = utc_now()
    login = LoginSession(
        user_id=user.id,
        key_hash=_sha256(key),
        source=source,
        created_at=now,
        expires_at=now + LOGIN_SESSION_LIFETIME,
    )
    session.add(login)
    session.flush()
    audit.record(
        session,
        actor=actor_for(user, source=source),
        action="user.login",
        entity="login_session",
        entity_id=login.id,
        details={"user_id": user.id},
    )
    return key


def user_for_login_session(*, session: Session, key: str) -> User | None:
    """The user of a live session key, or None if it is unknown, ended or expired."""
    login = repository.login_session_by_hash(session, _sha256(key))
    if login is None or login.ended_at is not None or login.expires_at <= utc_now():
        return None
    user = repository.get_user(session, login.user_id)
    return user if user is not None and user.active else None


def close_login_session(*, session: Session, actor: Actor, key: str) -> None:
    """Log out: the session ends on the server, so a copied cookie is worthless afterwards."""
    login = repository.login_session_by_hash(session, _sha256(key))
    if login is None or login.ended_at is not None:
        return
    login.ended_at = utc_now()
    audit.record(
        session, actor=actor, action="user.logout", entity="login_session", entity_id=login.id
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def issue_api_token(
    *, session: Session, actor: Actor, user_id: int, label: str
) -> tuple[str, ApiToken]:
    """A new bearer token for ``user_id``. The plain token is returned once and never stored."""
    user = repository.get_user(session, user_id)
    if user is None:
        raise NotFound(field="user_id", what="user", key=user_id)
    authorize(actor, "token.issue", Target(region_code=user.region_code), field="user_id")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=_sha256(plain),
        prefix=plain[:12],
        label=label,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="token.issue",
        entity="api_token",
        entity_id=token.id,
        details={"user_id": user.id, "prefix": token.prefix},
    )
    return plain, token


def user_for_token(*, session: Session, plain: str) -> User:
    """The active user a bearer token belongs to, or :class:`NotAuthenticated`."""
    token = repository.token_by_hash(session, _sha256(plain))
    user = repository.get_user(session, token.user_id) if token else None
    if user is None or not user.active:
        raise NotAuthenticated(field="authorization")
    return user


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
