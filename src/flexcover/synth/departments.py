"""Synthetic departmental datasets (部门数据) for one jurisdiction, with their hidden truth: the
inputs of the comparison engine (精准扩面, ``docs/coverage.md``) and the answer key it is scored on.

How a set is made, all seeded and vectorised:

1. The population register (人口库) is :func:`flexcover.synth.population.generate_population`,
   with a few names in the transliterated form with a middle dot (阿卜杜拉·买买提).
2. A clean underlying state per person (:mod:`~flexcover.synth.departments_state`): alive or
   dead, a pension situation by work type (employed and insured by an employer, flexible enrolee,
   resident scheme, retired on a pension, lapsed, insured in another province, never insured),
   the agency's register (:mod:`~flexcover.synth.departments_register`), employers (some
   under-insuring), tax, platform work, 低保, disadvantaged groups, businesses
   (:mod:`~flexcover.synth.departments_employers`) and construction projects.
3. People outside the register (:mod:`~flexcover.synth.departments_people`: a second population,
   its ID numbers disjoint from the first) for the records of people who are not on it: a few
   platform workers, taxpayers, other provinces' insured, struck-off deaths, people who left.
4. The truth from the clean records (:mod:`~flexcover.synth.departments_truth`).
5. The files, from the clean records plus noise (:mod:`~flexcover.synth.departments_files`,
   :mod:`~flexcover.synth.departments_noise`, written by :mod:`~flexcover.synth.table_files`);
   the formats and columns are listed there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from flexcover.kit.months import Month
from flexcover.rules.parameters import default_rulebook
from flexcover.synth import departments_state as state
from flexcover.synth.departments_employers import (
    Market,
    Projects,
    draw_market,
    draw_projects,
    individual_operators,
)
from flexcover.synth.departments_noise import POPULATION_PHONE_MISSING_RATE, noisy_phones
from flexcover.synth.departments_people import (
    People,
    Spine,
    insured_elsewhere,
    moved_away,
    occupations,
    outside_staff,
    outsiders,
    with_transliterated_names,
)
from flexcover.synth.departments_register import Register, draw_register
from flexcover.synth.departments_state import (
    ALIVE,
    CivilRecords,
    ElsewhereRecords,
    PlatformWork,
    TaxRecords,
    stacked,
)
from flexcover.synth.departments_truth import (
    Evidence,
    PeopleTruth,
    PersonFacts,
    classify_people,
    retirement_schedule,
    under_insured_employers,
)
from flexcover.synth.names import draw_from
from flexcover.synth.places import residence_divisions
from flexcover.synth.population import (
    DEFAULT_SEED,
    WORK_TYPES,
    age_on,
    generate_population,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DayArray = npt.NDArray[np.datetime64]
AsciiMatrix = npt.NDArray[np.uint8]

DEFAULT_AS_OF = Month(2025, 8)
EARLIEST_AS_OF = Month.of(state.INJURY_PILOT_START)
MAX_PEOPLE = 50_000_000
"""Keeps the largest file (the register, ~1.5 rows a person) within Arrow's 2 GiB string offsets."""
STREAMS = (
    "names", "occupation", "phone", "deaths", "situations", "employers", "register", "tax",
    "platforms", "civil", "elsewhere", "operators", "market", "projects", "outside",
)  # fmt: skip
STREAM_TAG = 0xDE9A
"""Mixed into the seed so these streams differ from the population generator's own."""


@dataclass(frozen=True)
class Departments:
    """部门数据: a consistent set of clean departmental records for one jurisdiction, with the
    truth they imply; the files add noise to them."""

    jurisdiction: str
    as_of: Month
    seed: int
    """Also seeds the noise the files add."""
    people: People
    occupation: pa.Array
    population_phone: pa.StringArray
    register: Register
    tax: TaxRecords
    platforms: PlatformWork
    civil: CivilRecords
    elsewhere: ElsewhereRecords
    market: Market
    projects: Projects
    truth: PeopleTruth
    taxed_people: IntArray
    """Per employer: distinct people it taxed in the reference month."""
    insured_people: IntArray
    """Per employer: distinct insured employees (paying or paused) in the register."""


def generate_departments(
    *,
    jurisdiction: str,
    people: int,
    seed: int = DEFAULT_SEED,
    as_of: Month = DEFAULT_AS_OF,
) -> Departments:
    """Draw the departments of ``people`` residents of ``jurisdiction`` for the month ``as_of``.

    Raises ``ValueError`` for a size out of range or an unusable jurisdiction code.
    """
    if not 0 < people <= MAX_PEOPLE:
        raise ValueError(f"people must be between 1 and {MAX_PEOPLE:,}, got {people}")
    if as_of < EARLIEST_AS_OF:
        raise ValueError(f"as_of must be {EARLIEST_AS_OF} or later (the injury pilot began then)")
    population = generate_population(jurisdiction=jurisdiction, people=people, seed=seed)
    rng = dict(
        zip(
            STREAMS,
            (
                np.random.Generator(np.random.PCG64(s))
                for s in np.random.SeedSequence([seed, STREAM_TAG]).spawn(len(STREAMS))
            ),
            strict=True,
        )
    )
    districts = np.asarray(residence_divisions(jurisdiction), dtype=np.int64)
    spine = Spine.of(population)
    n = people
    is_male, birth, work = spine.is_male, spine.birth, spine.work
    names = with_transliterated_names(rng["names"], spine.names, is_male)
    m = as_of.index

    age = age_on(birth, as_of.last_day)
    birth_month = birth.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    retirement_month, minimum_months = retirement_schedule(
        birth_month, is_male, as_of=as_of, rulebook=default_rulebook(), jurisdiction=jurisdiction
    )
    over_age = m >= retirement_month
    working_age = (age >= 16) & ~over_age
    dead, death_day = state.draw_deaths(rng["deaths"], age, as_of)
    death_month = np.where(dead, _month_index(death_day), ALIVE)
    situation = state.draw_situations(rng["situations"], work, over_age)
    employer, weights, under, situation = state.draw_employers(rng["employers"], situation, work)
    employer_district = districts[rng["employers"].integers(0, len(districts), len(weights))]
    register = draw_register(
        rng["register"],
        situation=situation,
        employer=employer,
        employers=len(weights),
        birth_month=birth_month,
        is_male=is_male,
        retirement_month=retirement_month,
        death_month=death_month,
        residence=spine.residence,
        employer_district=employer_district,
        as_of=as_of,
    )
    tax = state.draw_tax(
        rng["tax"],
        employer=employer,
        employer_weights=weights,
        work=work,
        register=register,
        situation=situation,
        income_fen=spine.income_fen,
        death_month=death_month,
        as_of=as_of,
    )
    workers, platform, part_time = state.platform_entries(rng["platforms"], work, over_age)
    elsewhere = state.draw_elsewhere(
        rng["elsewhere"],
        situation=situation,
        register=register,
        hukou=spine.hukou,
        province=jurisdiction[:2],
    )

    # People outside the register, as many as each source needs.
    counts = {
        "platforms": _outside_count(len(workers), state.PLATFORM_OUTSIDE_SHARE),
        "tax": _outside_count(len(tax.person), state.TAX_OUTSIDE_SHARE),
        "deaths": round(n * state.STRUCK_OFF_DEATH_SHARE),
        "register": round(n * state.REGISTER_LEFT_SHARE),
        "elsewhere": _outside_count(len(elsewhere.person), state.ELSEWHERE_OUTSIDE_SHARE),
    }
    outside = outsiders(spine.ids, sum(counts.values()), jurisdiction=jurisdiction, seed=seed)
    everyone = People(
        ids=np.concatenate([spine.ids, outside.ids]),
        names=pa.concat_arrays([names, outside.names]),
        birth=np.concatenate([birth, outside.birth]),
        is_male=np.concatenate([is_male, outside.is_male]),
        residence=np.concatenate([spine.residence, outside.residence]),
        hukou=np.concatenate([spine.hukou, outside.hukou]),
        phone=np.concatenate([spine.phone, outside.phone]),
        registered=n,
    )
    keys = {}
    start = n
    for source, count in counts.items():
        keys[source] = np.arange(start, start + count, dtype=np.int64)
        start += count
    total = start
    death_month = np.concatenate([death_month, np.full(total - n, ALIVE)])
    everyone_income = np.concatenate([spine.income_fen, outside.income_fen])

    r = rng["outside"]
    outside_platform = draw_from(r, np.full(3, 1 / 3), len(keys["platforms"])).astype(np.int64)
    platforms = state.draw_platform_work(
        rng["platforms"],
        person=np.concatenate([workers, keys["platforms"]]),
        platform=np.concatenate([platform, outside_platform]),
        part_time=np.concatenate([part_time, np.zeros(len(keys["platforms"]), dtype=np.bool_)]),
        death_month=death_month,
        as_of=as_of,
    )
    outside_tax, outside_register = outside_staff(
        r,
        keys["tax"],
        employer_weights=weights,
        under_insuring=under,
        employer_district=employer_district,
        income_fen=everyone_income[keys["tax"]],
        as_of=as_of,
    )
    tax = stacked(tax, outside_tax)
    register = stacked(register, outside_register, moved_away(r, keys["register"], everyone, as_of))
    elsewhere = stacked(
        elsewhere,
        insured_elsewhere(
            r, keys["elsewhere"], everyone.hukou[keys["elsewhere"]], jurisdiction[:2]
        ),
    )
    civil = state.draw_civil(
        rng["civil"],
        work=work,
        working_age=working_age,
        residence=spine.residence,
        dead=dead,
        death_day=death_day,
        struck_off=keys["deaths"],
        struck_off_days=state.struck_off_death_days(rng["civil"], len(keys["deaths"]), as_of),
    )
    operator, operator_active = individual_operators(rng["operators"], work, working_age)
    market = draw_market(
        rng["market"],
        employer_district=employer_district,
        under_insuring=under,
        districts=districts,
        operator=operator,
        operator_active=operator_active,
        operator_name=names.take(pa.array(operator)),
        operator_district=spine.residence[operator],
        operator_birth=birth[operator],
        jurisdiction=jurisdiction,
        as_of=as_of,
    )
    projects = draw_projects(
        rng["projects"], people=n, districts=districts, employer_weights=weights, as_of=as_of
    )

    evidence = Evidence(
        death_person=civil.death_person,
        death_day=civil.death_day,
        register_person=register.person,
        register_scheme=register.scheme,
        register_identity=register.identity,
        register_employer=register.employer,
        register_status=register.status,
        register_first_month=register.first_month,
        register_paid_last_12=register.paid_last_12,
        register_months_total=register.months_total,
        elsewhere_person=elsewhere.person,
        elsewhere_active=elsewhere.status == state.ACTIVE_ELSEWHERE,
        platform_person=platforms.person[platforms.row_entry],
        platform_month=platforms.row_month,
        platform_orders=platforms.row_orders,
        tax_person=tax.person,
        tax_employer=tax.employer,
        tax_first_month=tax.first_month,
        tax_last_month=tax.last_month,
        dibao_person=civil.dibao_person,
        disadvantaged_person=civil.disadvantaged_person,
        business_person=market.businesses.person,
        business_individual=np.ones(len(market.businesses.person), dtype=np.bool_),
        business_active=market.businesses.active,
    )
    facts = PersonFacts(
        age=age,
        retirement_month=retirement_month,
        minimum_months=minimum_months,
        student=work == WORK_TYPES.index("student"),
    )
    truth = classify_people(facts, evidence, reference_month=as_of)
    taxed, insured = under_insured_employers(
        evidence, employers=len(weights), reference_month=as_of
    )
    return Departments(
        jurisdiction=jurisdiction,
        as_of=as_of,
        seed=seed,
        people=everyone,
        occupation=occupations(rng["occupation"], work),
        population_phone=noisy_phones(
            rng["phone"], spine.phone, changed=0.0, missing=POPULATION_PHONE_MISSING_RATE
        ),
        register=register,
        tax=tax,
        platforms=platforms,
        civil=civil,
        elsewhere=elsewhere,
        market=market,
        projects=projects,
        truth=truth,
        taxed_people=taxed,
        insured_people=insured,
    )


def _outside_count(inside: int, share: float) -> int:
    """Rows of outsiders so that they are ``share`` of all rows."""
    return round(inside * share / (1 - share))


def _month_index(days: DayArray) -> IntArray:
    index: IntArray = days.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return index
