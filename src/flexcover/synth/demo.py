"""The demo city: a synthetic population registered in a jurisdiction, with platforms, employers
and a login for every role. Built in one transaction, so it is either all there or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flexcover.contributions.service import insured_register_reader
from flexcover.coverage.tasks import ComparisonSummary, compare
from flexcover.kit.audit import Actor
from flexcover.kit.credit_code import ALPHABET, credit_check_character
from flexcover.kit.database import Database
from flexcover.kit.divisions import current_divisions
from flexcover.kit.months import age_on
from flexcover.kit.problems import Problem
from flexcover.kit.settings import Settings
from flexcover.migrations import data_tables
from flexcover.registry import accounts, repository, service
from flexcover.registry.authz import region_prefix
from flexcover.registry.models import Person, Platform, User
from flexcover.registry.schemas import EmployerIn, PersonIn, PlatformIn, UserIn
from flexcover.rules.parameters import NATION, Rulebook, default_rulebook
from flexcover.synth import injury as injury_demo
from flexcover.synth.departments import generate_departments
from flexcover.synth.departments_files import write_departments
from flexcover.synth.models import DemoDataset
from flexcover.synth.places import residence_divisions
from flexcover.synth.population import generate_population
from flexcover.synth.simulation import FIRST_MONTH, MONTHS, Simulation, as_date, simulate

GENERATOR_VERSION = "3"  # 2: twelve months of contributions; 3: orders, bills and claims
DEMO_PASSWORD = "flexcover-demo"  # noqa: S105 - printed on the console: demo data only, never production
DEMO_PLATFORMS = (
    ("山城骑手即时配送（演示）", ("instant_delivery",)),
    ("渝行网约车出行（演示）", ("mobility",)),
    ("两江同城货运（演示）", ("freight", "instant_delivery")),
)
DEMO_EMPLOYERS = (
    "解放碑商贸（演示）",
    "嘉陵江物流（演示）",
    "观音桥餐饮（演示）",
    "歌乐山建筑工程（演示）",
)
FEATURED_DISTRICTS = (
    "500103",
    "500106",
    "420106",
    "420103",
    "440106",
    "440305",
    "510107",
    "330106",
)


class UnsuitableJurisdiction(Problem):
    code = "unsuitable_jurisdiction"
    title = {"zh-CN": "无法为该行政区划生成演示数据", "en": "No demo for this jurisdiction"}
    detail = {"zh-CN": "{field}：{reason}", "en": "{field}: {reason}"}


class DemoDataPresent(Problem):
    code = "demo_data_present"
    status = 409
    title = {"zh-CN": "数据库中已有非演示数据", "en": "The database holds non-demo data"}
    detail = {
        "zh-CN": "数据库中已有 {people} 名人员但不是演示数据；"
        "为免误删，请使用 --rebuild 明确要求重建。",
        "en": "The database holds {people} people that are not demo data; to replace them, "
        "ask explicitly with --rebuild.",
    }


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    region_code: str
    note: str


@dataclass(frozen=True)
class DemoResult:
    reused: bool
    people: int
    logins: list[DemoLogin]
    tokens: dict[str, str]
    enrolled: int = 0
    bills: int = 0


def demo_credit_code(rng: np.random.Generator, region_code: str) -> str:
    """A valid unified social credit code (company, 91 prefix) registered in ``region_code``."""
    body = "".join(rng.choice(list(ALPHABET[:10]), size=9))
    first17 = "91" + region_code + body
    return first17 + credit_check_character(first17)


def demo_jurisdictions(rulebook: Rulebook) -> list[str]:
    """The jurisdictions a demo can be built for: those with a parameter file of their own
    whose every district has its base limits for every simulated month (published, or carried
    forward from the last published year). Any city or district inside one builds as well."""
    offered = []
    for code in sorted(rulebook.values):
        if code == NATION:
            continue
        if all(_has_limits(rulebook, district) for district in residence_divisions(code)):
            offered.append(code)
    return offered


def _has_limits(rulebook: Rulebook, district: str) -> bool:
    return all(
        rulebook.find(district, key, (FIRST_MONTH + offset).first_day) is not None
        for offset in range(MONTHS)
        for key in ("contribution_base.floor_yuan", "contribution_base.ceiling_yuan")
    )


def check_demo_jurisdiction(rulebook: Rulebook, jurisdiction: str) -> None:
    """Refuse, before anything is deleted, a place whose limits the rulebook does not hold."""
    offered = demo_jurisdictions(rulebook)
    inside = any(
        jurisdiction.startswith(region_prefix(code)) and jurisdiction in current_divisions()
        for code in offered
    )
    if not inside:
        raise UnsuitableJurisdiction(
            field="jurisdiction",
            reason=f"{jurisdiction} is not in a region whose contribution limits are loaded for "
            f"{FIRST_MONTH}–{FIRST_MONTH + MONTHS - 1}; the demo builds for "
            f"{', '.join(offered)} and any city or district inside them",
        )


def current_demo(session: Session) -> DemoDataset | None:
    return session.scalars(select(DemoDataset)).one_or_none()


def build_demo(
    *,
    session: Session,
    jurisdiction: str,
    people: int,
    seed: int,
    id_key: bytes,
    rebuild: bool = False,
    rulebook: Rulebook | None = None,
    progress: Callable[[str, int, int], None] = lambda step, done, total: None,
) -> DemoResult:
    """Reuse the demo if it was built with these settings, otherwise rebuild it from scratch."""
    existing = current_demo(session)
    wanted = (jurisdiction, people, seed, GENERATOR_VERSION)
    if (
        existing is not None
        and not rebuild
        and (existing.jurisdiction, existing.people, existing.seed, existing.generator_version)
        == wanted
    ):
        return DemoResult(reused=True, people=existing.people, logins=_logins(session), tokens={})
    check_demo_jurisdiction(rulebook or default_rulebook(), jurisdiction)
    registered = session.scalar(select(func.count()).select_from(Person)) or 0
    if existing is None and registered and not rebuild:
        raise DemoDataPresent(field="rebuild", people=registered)

    repository.delete_all(session, data_tables())
    actor = Actor.system("demo")
    region = service.require_jurisdiction(session, jurisdiction, field="jurisdiction")
    progress("population", 0, people)
    try:
        table = generate_population(jurisdiction=jurisdiction, people=people, seed=seed)
    except ValueError as refused:
        raise UnsuitableJurisdiction(field="jurisdiction", reason=str(refused)) from None
    progress("population", people, people)
    current = repository.jurisdiction_codes(session)
    columns = table.to_pydict()
    registrations = [
        PersonIn(
            id_number=columns["id_number"][i],
            name=columns["name"][i],
            phone=columns["phone"][i],
            # A hukou recorded under a since-abolished county is filed under its province.
            hukou_code=hukou if hukou in current else hukou[:2] + "0000",
            residence_code=columns["residence_code"][i],
        )
        for i, hukou in enumerate(columns["hukou_code"])
    ]
    person_ids: list[int] = []
    chunk = 5000
    for start in range(0, len(registrations), chunk):
        person_ids += service.register_people(
            session=session, actor=actor, people=registrations[start : start + chunk], id_key=id_key
        )
        progress("people", len(person_ids), people)

    rng = np.random.default_rng(seed)
    within = [d.code for d in service.districts_within(session=session, region_code=region.code)]
    # Central districts first, so the demo officers and workers sit where a visitor expects.
    districts = [c for c in FEATURED_DISTRICTS if c in within] + [
        c for c in within if c not in FEATURED_DISTRICTS
    ]
    platforms = [
        service.register_platform(
            session=session,
            actor=actor,
            platform=PlatformIn(
                name=name,
                credit_code=demo_credit_code(rng, districts[index % len(districts)]),
                region_code=districts[index % len(districts)],
                industries=list(industries),
            ),
        )
        for index, (name, industries) in enumerate(DEMO_PLATFORMS)
    ]
    for index, name in enumerate(DEMO_EMPLOYERS):
        district = districts[(index * 7) % len(districts)]
        service.register_employer(
            session=session,
            actor=actor,
            employer=EmployerIn(
                name=name, credit_code=demo_credit_code(rng, district), region_code=district
            ),
        )
    progress("organisations", 1, 1)

    tokens, officers, insurer = _staff_and_platform_logins(
        session, actor, region.code, districts, platforms
    )
    progress("logins", 1, 1)
    history = simulate(
        session=session,
        rulebook=rulebook or default_rulebook(),
        actor=actor,
        person_ids=person_ids,
        columns=columns,
        districts=districts,
        platforms=platforms,
        officers=officers,
        seed=seed,
        progress=progress,
    )
    _worker_logins(session, actor, person_ids, columns, districts, history)
    progress("injury", 0, 1)
    injury_demo.build(
        session=session,
        rulebook=rulebook or default_rulebook(),
        actor=actor,
        officers=officers,
        insurer=insurer,
        platforms=platforms,
        people={
            p: injury_demo.Someone(
                id_number=str(columns["id_number"][i]),
                name=str(columns["name"][i]),
                phone=str(columns["phone"][i]),
                residence=str(columns["residence_code"][i]),
            )
            for i, p in enumerate(person_ids)
        },
        districts=districts,
        month=FIRST_MONTH + MONTHS - 1,
        id_key=id_key,
        seed=seed,
    )
    progress("injury", 1, 1)
    session.add(
        DemoDataset(
            jurisdiction=jurisdiction, people=people, seed=seed, generator_version=GENERATOR_VERSION
        )
    )
    session.flush()
    return DemoResult(
        reused=False,
        people=len(person_ids),
        logins=_logins(session),
        tokens=tokens,
        enrolled=history.enrolled,
        bills=history.bills,
    )


def _staff_and_platform_logins(
    session: Session,
    actor: Actor,
    region_code: str,
    districts: list[str],
    platforms: list[Platform],
) -> tuple[dict[str, str], tuple[Actor, Actor], Actor | None]:
    """A login for every staff role (two officers in the first district, so subsidy reviews
    and injury approvals have a maker and a checker; a commissioned insurer of the city) and one
    per platform with an API token."""
    province = region_code[:2] + "0000"
    own_city = region_code[:4] + "00"
    cities = [j.code for j in repository.jurisdictions_within(session, province, "city")]
    city = own_city if own_city in cities else (cities[0] if cities else None)
    staff = [
        ("admin", "admin", "000000", "系统管理员"),
        ("auditor", "auditor", region_code, "审计员"),
        ("province", "province_officer", province, "省级经办"),
    ]
    if city is not None:
        staff.append(("city", "city_officer", city, "市级经办"))
        staff.append(("insurer", "insurer", city, "受托商业保险机构"))
    staff.append(("district1", "district_officer", districts[0], "区县经办1（初审）"))
    staff.append(("district1b", "district_officer", districts[0], "区县经办1（复核）"))
    if len(districts) > 1:
        staff.append(("district2", "district_officer", districts[1], "区县经办2"))
    created = {}
    for username, role, region, display in staff:
        created[username] = accounts.create_user(
            session=session,
            actor=actor,
            user=UserIn(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                region_code=region,
                display_name=display,
            ),
        )
    tokens = {}
    for number, platform in enumerate(platforms, start=1):
        user = accounts.create_user(
            session=session,
            actor=actor,
            user=UserIn(
                username=f"platform{number}",
                password=DEMO_PASSWORD,
                role="platform",
                region_code=platform.region_code,
                display_name=platform.name,
                platform_id=platform.id,
            ),
        )
        plain, _ = accounts.issue_api_token(
            session=session, actor=actor, user_id=user.id, label="demo"
        )
        tokens[user.username] = plain
    officers = (
        accounts.actor_for(created["district1"], source="demo"),
        accounts.actor_for(created["district1b"], source="demo"),
    )
    insurer = (
        accounts.actor_for(created["insurer"], source="demo") if "insurer" in created else None
    )
    return tokens, officers, insurer


def _worker_logins(
    session: Session,
    actor: Actor,
    person_ids: list[int],
    columns: dict[str, list[object]],
    districts: list[str],
    history: Simulation,
) -> None:
    """worker1 has a subsidy, worker2 pays on their own, worker3 has not enrolled yet — all in
    the first district when it has such people, else wherever they are."""
    rank = {code: position for position, code in enumerate(districts)}
    row_of = {person_id: row for row, person_id in enumerate(person_ids)}

    def nearest(candidates: list[int]) -> int | None:
        ordered = sorted(
            candidates, key=lambda p: (rank[str(columns["residence_code"][row_of[p]])], p)
        )
        return ordered[0] if ordered else None

    enrolled = set(history.enrolled_people)
    start = date(2025, 12, 1)
    others = [
        person_id
        for person_id in person_ids
        if person_id not in enrolled
        and 20 <= age_on(as_date(columns["birth_date"][row_of[person_id]]), start) <= 55
    ]
    picks = [
        nearest(history.subsidised_people),
        nearest([p for p in history.enrolled_people if p not in history.subsidised_people]),
        nearest(others),
    ]
    for number, person_id in enumerate(picks, start=1):
        if person_id is None:
            continue
        row = row_of[person_id]
        accounts.create_user(
            session=session,
            actor=actor,
            user=UserIn(
                username=f"worker{number}",
                password=DEMO_PASSWORD,
                role="worker",
                region_code=str(columns["residence_code"][row]),
                display_name=str(columns["name"][row]),
                person_id=person_id,
            ),
        )


def _logins(session: Session) -> list[DemoLogin]:
    users = session.scalars(select(User).order_by(User.id)).all()
    return [
        DemoLogin(
            username=user.username,
            password=DEMO_PASSWORD,
            role=user.role,
            region_code=user.region_code,
            note=user.display_name,
        )
        for user in users
    ]


COMPARISON_MONTH = FIRST_MONTH + MONTHS - 1
"""The demo compares its departments' data for the last month it simulated."""


def compare_demo(
    *,
    database: Database,
    rulebook: Rulebook,
    settings: Settings,
    jurisdiction: str,
    people: int,
    seed: int,
    progress: Callable[[str, int, int], None] = lambda step, done, total: None,
) -> ComparisonSummary:
    """精准扩面 for the demo city: its departments' files (the same people as the demo's
    register: :func:`generate_departments` draws them as :func:`generate_population` does) in
    ``<data dir>/sources/demo-<month>``, compared with the insured register — the departments'
    and the demo's own enrolments — so that the cockpit and the districts' task lists have
    something to show."""
    folder = settings.ensure_data_dir() / "sources" / f"demo-{COMPARISON_MONTH}"
    progress("departments", 0, 1)
    write_departments(
        generate_departments(
            jurisdiction=jurisdiction, people=people, seed=seed, as_of=COMPARISON_MONTH
        ),
        folder,
    )
    progress("departments", 1, 1)
    progress("comparison", 0, 1)
    summary = compare(
        database=database,
        rulebook=rulebook,
        sources=folder,
        as_of=COMPARISON_MONTH,
        jurisdiction=jurisdiction,
        actor=Actor.system("demo"),
        id_key=settings.id_hash_key,
        workdir=settings.data_dir / "comparisons",
        own_register=insured_register_reader(database),
    )
    progress("comparison", 1, 1)
    return summary
