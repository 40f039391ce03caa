"""Registry use cases. Each takes a session and an actor, authorises, writes its audit row, and
never commits: the request or command that called it does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.orm import Session

from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.credit_code import parse_credit_code
from flexcover.kit.divisions import current_divisions
from flexcover.kit.pagination import Page, PageRequest
from flexcover.kit.problems import NotFound
from flexcover.kit.resident_id import ResidentId, hash_id, parse_resident_id
from flexcover.registry import repository
from flexcover.registry.authz import (
    NATION,
    Target,
    allows,
    authorize,
    region_contains,
)
from flexcover.registry.models import Employer, Platform, PlatformRequest
from flexcover.registry.models import Jurisdiction as Jurisdiction  # records the service hands out
from flexcover.registry.models import Person as Person
from flexcover.registry.problems import (
    BirthDateMismatch,
    DuplicateCreditCode,
    DuplicatePerson,
    GenderMismatch,
    UnknownIndustry,
    UnknownJurisdiction,
    WrongJurisdictionLevel,
)
from flexcover.registry.schemas import INDUSTRIES, EmployerIn, PersonIn, PlatformIn

# --- jurisdictions -------------------------------------------------------------------------------

NATION_NAME = "中华人民共和国"
NON_PLACE_NAMES = ("市辖区", "县", "省直辖县级行政单位", "自治区直辖县级行政单位")
"""City-level codes that group counties without being a city of their own (Chongqing's 500100
市辖区 and 500200 县): no one picks them as a place."""


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
            continue  # a statistical grouping of older editions, not a place
        province = code[:2] + "0000"
        city = code[:4] + "00"
        if level == "province":
            parent, full = NATION, name
        elif level == "city":
            parent = province
            full = divisions.get(province, "") + ("" if name in NON_PLACE_NAMES else name)
        else:
            parent = city if city in divisions else province
            city_name = divisions.get(city, "") if parent == city else ""
            if city_name in NON_PLACE_NAMES:
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


def checked_person(
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
    hukou_code = person.hukou_code or _issuing_place(session, resident_id.region_code)
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


def _issuing_place(session: Session, code: str) -> str:
    """The current jurisdiction an ID's issuing code stands for: itself, or — for a county since
    merged or renamed (its number keeps the old code) — its city or province."""
    for candidate in (code, code[:4] + "00", code[:2] + "0000"):
        if repository.get_jurisdiction(session, candidate) is not None:
            return candidate
    return code


def _duplicate(actor: Actor, existing: Person, field: str) -> DuplicatePerson:
    """The refusal of a second registration: the register holds one record per person, so
    that it exists is no secret, but its id is named only to those who may read it."""
    readable = allows(
        actor,
        "person.read",
        Target(region_code=existing.residence_code, person_id=existing.id),
    )
    return DuplicatePerson(field=field, person_id=existing.id if readable else "—")


def register_person(*, session: Session, actor: Actor, person: PersonIn, id_key: bytes) -> Person:
    """人员登记: validate the ID and what it implies, refuse duplicates, record it."""
    _, row = checked_person(session, person, id_key=id_key)
    authorize(
        actor, "person.register", Target(region_code=person.residence_code), field="residence_code"
    )
    existing = repository.person_by_hash(session, str(row["id_hash"]))
    if existing is not None:
        raise _duplicate(actor, existing, "id_number")
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
        _, row = checked_person(session, person, id_key=id_key, field_prefix=f"{index}.")
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
        if existing is None:
            raise DuplicatePerson(field=f"{index}.id_number", person_id="?")
        raise _duplicate(actor, existing, f"{index}.id_number")
    ids = repository.insert_people(session, rows)
    audit.record_many(
        session, actor=actor, action="person.register", entity="person", entity_ids=list(ids)
    )
    return ids


def person(session: Session, person_id: int, *, field: str = "person_id") -> Person:
    """A person's record for a computation already authorised (their birth date and gender
    for a retirement month); not a read for anyone to see, so neither authorised nor audited."""
    found = session.get(Person, person_id)
    if found is None:
        raise NotFound(field=field, what="person", key=person_id)
    return found


def person_for(
    session: Session,
    actor: Actor,
    person_id: int,
    *,
    action: str,
    field: str = "person_id",
    audited: str | None = None,
) -> Person:
    """The one way to reach a person on someone's behalf: found (or not found), ``actor``
    allowed ``action`` over them (their residence, or themselves), and a staff read of their
    data audited as ``audited`` (``person.read``, ``record.read``; a worker's own reads are
    not)."""
    found = person(session, person_id, field=field)
    authorize(
        actor, action, Target(region_code=found.residence_code, person_id=found.id), field=field
    )
    if audited is not None and actor.role != "worker":
        audit.record(session, actor=actor, action=audited, entity="person", entity_id=found.id)
    return found


def person_with_number(
    session: Session, number: str, id_key: bytes, *, field: str = "worker_id"
) -> Person | None:
    """The person a resident ID number names (validated, then looked up by its keyed hash), for
    a caller that authorises what it does with them; None when nobody has it."""
    resident_id = parse_resident_id(number, field=field)
    return repository.person_by_hash(session, hash_id(resident_id.number, id_key))


def people_by_id(session: Session, ids: Sequence[int]) -> dict[int, Person]:
    """People by id in one query (a list of applications shows their names)."""
    return repository.people_by_id(session, list(ids))


def jurisdiction(session: Session, code: str) -> Jurisdiction | None:
    """The jurisdiction ``code``, if flexcover knows it."""
    return repository.get_jurisdiction(session, code)


def get_person(*, session: Session, actor: Actor, person_id: int) -> Person:
    """One person's record. A staff read of personal data is itself audited."""
    return person_for(session, actor, person_id, action="person.read", audited="person.read")


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


ID_LIKE = re.compile(r"^([0-9]{15}|[0-9]{17}[0-9Xx])$")


def find_people(
    *, session: Session, actor: Actor, region_code: str, text: str, id_key: bytes, page: PageRequest
) -> Page[Person]:
    """人员查询 within ``region_code``: by resident ID number — validated, then looked up
    through its keyed hash, never as a plain number — or by name (the beginning of it). Someone
    outside the region is not found, whoever they are. The search is audited with what it
    found (never the number searched for)."""
    require_jurisdiction(session, region_code, field="region")
    authorize(actor, "person.list", Target(region_code=region_code), field="region")
    wanted = text.strip()
    if ID_LIKE.match(wanted):
        resident_id = parse_resident_id(wanted, field="q")
        person = repository.person_by_hash(session, hash_id(resident_id.number, id_key))
        inside = person is not None and region_contains(region_code, person.residence_code)
        found = Page([person] if inside and person else [], int(inside), 1, page.size)
        by = "id_number"
    else:
        found = repository.people_named(session, region_code, wanted, page)
        by = "name"
    audit.record(
        session,
        actor=actor,
        action="person.search",
        entity="jurisdiction",
        entity_id=region_code,
        details={"by": by, "people": [p.id for p in found.items]},
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


def platform_requests(
    *, session: Session, actor: Actor, platform_id: int, limit: int = 20
) -> Sequence[PlatformRequest]:
    """The platform's recent API writes, newest first, with the rows they refused."""
    platform = get_platform(session=session, actor=actor, platform_id=platform_id)
    return repository.platform_requests(session, platform.id, limit)


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


def platform_name(session: Session, platform_id: int | None) -> str | None:
    """A platform's name (public: a claim's parties are told who is responsible)."""
    found = repository.get_platform(session, platform_id) if platform_id else None
    return found.name if found is not None else None


def platform_known(session: Session, platform_id: int) -> bool:
    """Whether a platform of this id is registered."""
    return repository.get_platform(session, platform_id) is not None


def log_platform_request(
    session: Session,
    *,
    platform_id: int,
    operation: str,
    status: int,
    accepted: int,
    refused: list[dict[str, object]],
    idempotency_key: str | None,
) -> None:
    """Note a platform's write in its request log (the platform page shows the last ones, with
    the rows refused: at most 200 of them, by line, result and pointer, never their values)."""
    session.add(
        PlatformRequest(
            platform_id=platform_id,
            operation=operation,
            status=status,
            accepted=accepted,
            rejected=len(refused),
            rejected_rows=refused[:200],
            idempotency_key=idempotency_key,
        )
    )
