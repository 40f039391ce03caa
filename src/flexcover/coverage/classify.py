"""Classification (docs/coverage.md "Classes", "Tags", "Employer findings"), written once as Ibis
expressions so that the same code runs on DuckDB (embedded) and on Apache Spark.

Inputs are the canonical tables of one comparison (``population`` and the other source types),
``links`` (each linked source record → the population record it describes) and ``retirement``
(the statutory retirement month and minimum contribution months of every birth month and
gender). Outputs: one row per population record with its class, reason, tags (comma-framed text,
``,platform_worker,``) and evidence, and
one row per employer finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from flexcover.kit.months import Month
from flexcover.rules.parameters import Rulebook
from flexcover.rules.retirement import retirement

ACTIVE = ("paying", "paused")
FIRST_BIRTH_YEAR = 1945
"""The retirement table starts here (retirements from 2000 on, within the minimum-months rule's
dates); anyone born earlier is past retirement age in any month a comparison is run for."""


@dataclass(frozen=True)
class Settings:
    as_of: Month
    near_retirement_months: int
    """How close to retirement a short record makes someone ``near_retirement_short``: the
    window in which the rules still help them (``subsidy.near_retirement_years``), see
    :func:`settings`."""
    interrupted_after: int = 3
    """*N*: unpaid months among the last 12 from which an enrolment is interrupted."""
    jurisdiction: str = "000000"


def settings(
    rulebook: Rulebook, as_of: Month, jurisdiction: str = "000000", *, interrupted_after: int = 3
) -> Settings:
    """The classification's settings with the rulebook's values in force at the end of
    ``as_of`` (or when first published, for an earlier month). Near retirement is the window in
    which a flexible worker's subsidy runs on to retirement (财社〔2017〕164号: within 5 years):
    the people whose records the tasks must reach first."""
    key = "subsidy.near_retirement_years"
    first = rulebook.periods(jurisdiction, key)[0].effective_from
    years = rulebook.get(jurisdiction, key, max(as_of.last_day, first)).value
    return Settings(
        as_of=as_of,
        near_retirement_months=int(years) * 12,
        interrupted_after=interrupted_after,
        jurisdiction=jurisdiction,
    )


def retirement_table(rulebook: Rulebook, as_of: Month, jurisdiction: str = "000000") -> pa.Table:
    """Every birth month from 1945 to ``as_of`` and gender: the retirement month (``YYYY-MM``)
    and the minimum contribution months, from :func:`flexcover.rules.retirement.retirement`
    with the original ages of flexible workers and residents
    (``retirement.flexible_original_age.*``). Parameters are those in force at the end of
    ``as_of``, or at the start of the 2025 reform for an earlier month: the reform delays only
    cohorts retiring after it began, so its table describes the earlier ones too."""
    reform = rulebook.periods(jurisdiction, "retirement.delay_from_birth_month")[0].effective_from
    on = max(as_of.last_day, reform)
    births = np.arange(Month(FIRST_BIRTH_YEAR, 1).index, as_of.index + 1, dtype=np.int64)
    columns: dict[str, list[object]] = {
        "birth_month": [],
        "gender": [],
        "retirement_month": [],
        "minimum_months": [],
    }
    for gender in ("male", "female"):
        age = rulebook.get(jurisdiction, f"retirement.flexible_original_age.{gender}", on).value
        facts = retirement(
            rulebook=rulebook,
            gender=(gender,) * len(births),
            original_age=np.full(len(births), age),
            birth_month=births,
            on=on,
            jurisdiction=jurisdiction,
        )
        columns["birth_month"] += [str(Month.from_index(int(m))) for m in births]
        columns["gender"] += [gender] * len(births)
        columns["retirement_month"] += [
            str(Month.from_index(int(m))) for m in facts.retirement_month
        ]
        columns["minimum_months"] += facts.minimum_contribution_months.tolist()
    return pa.table(columns)


def _month_index(text: ir.StringValue) -> ir.IntegerValue:
    """``YYYY-MM`` → years × 12 + month − 1 (as :attr:`Month.index`)."""
    year = text.substr(0, 4).cast("int64")
    month = text.substr(5, 2).cast("int64")
    return year * 12 + month - 1


def _refs(table: ir.Table) -> ir.StringValue:
    return table.source + ":" + table.record_id


def spine(population: ir.Table) -> ir.Table:
    """The population register by keyed ID hash (the first record of a hash that appears twice):
    (id_hash, person, registered name). Built once per run; every source is matched on it."""
    valid = population.filter(population.id_hash.notnull())
    return valid.group_by("id_hash").aggregate(
        person=valid.record_id.min(), registered=valid.name.min()
    )


def exact_links(spine: ir.Table, records: ir.Table) -> ir.Table:
    """Records whose valid ID hashes to a population record's: (source, record_id, person)."""
    valid = records.filter(records.id_hash.notnull())
    joined = valid.join(spine, valid.id_hash == spine.id_hash)
    return joined.select(source=joined.source, record_id=joined.record_id, person=joined.person)


def repaired_links(spine: ir.Table, records: ir.Table) -> ir.Table:
    """Records whose number is not valid but is one typed digit or one swap of neighbours away
    from exactly one population member's number, and whose name agrees (the same, or the same
    surname and length: a homophone typed for a given-name character): (source, record_id,
    person). Compared by keyed hash only (``id_repairs``)."""
    candidates = records.filter(records.id_repairs.notnull()).select(
        source=records.source,
        record_id=records.record_id,
        name=records.name,
        candidate=records.id_repairs.unnest(),
    )
    joined = candidates.join(spine, candidates.candidate == spine.id_hash)
    agrees = (joined.name == joined.registered) | (
        (joined.name.length() == joined.registered.length())
        & (joined.name.substr(0, 1) == joined.registered.substr(0, 1))
    )
    kept = joined.filter(agrees)
    found = kept.group_by(["source", "record_id"]).aggregate(
        person=kept.person.min(), people=kept.person.nunique()
    )
    return found.filter(found.people == 1).select("source", "record_id", "person")


def classify(
    tables: Mapping[str, ir.Table], links: ir.Table, retirements: ir.Table, settings: Settings
) -> ir.Table:
    """One row per population record: class, reason, tags, evidence and the facts behind them."""
    m = str(settings.as_of)
    m_index = settings.as_of.index
    last_12 = str(settings.as_of - 11)
    recent = str(settings.as_of - 2)
    month_end = settings.as_of.last_day

    def linked(source: str) -> ir.Table:
        """The source's records that describe someone, with the population record (``person``).
        Record ids are unique within a source, so the source's links join on them alone."""
        mine = links.filter(links.source == source).select("record_id", "person")
        return tables[source].join(mine, "record_id", how="inner")

    population = tables["population"]
    deaths = linked("deaths")
    deaths = deaths.filter(deaths.death_date <= ibis.literal(month_end))
    died = deaths.group_by("person").aggregate(
        death_date=deaths.death_date.min(), death_refs=_refs(deaths).collect()
    )
    register = linked("register")
    pension = register.filter(register.scheme.isin(("employee_pension", "resident_pension")))
    first = _month_index(pension.first_month)
    considered = ibis.greatest(ibis.least(m_index - first + 1, 12), 0)
    unpaid = ibis.greatest(considered - pension.paid_last_12.fill_null(0), 0)
    active = pension.status.isin(ACTIVE)
    employee = pension.scheme == "employee_pension"
    pension = pension.mutate(
        _active=active,
        _unpaid=ibis.ifelse(active & employee, unpaid, ibis.null("int64")),
        _resident_active=active & (pension.scheme == "resident_pension"),
        _retired=pension.status == "retired",
        _ref=_refs(pension),
    )
    enrolled = pension.group_by("person").aggregate(
        any_pension=pension.count(),
        any_active=pension._active.any(),
        resident_active=pension._resident_active.any(),
        retired=pension._retired.any(),
        unpaid_months=pension._unpaid.min(),
        months_total=pension.months_total.max(),
        active_refs=pension._ref.collect(where=pension._active),
        retired_refs=pension._ref.collect(where=pension._retired),
        pension_refs=pension._ref.collect(),
    )
    elsewhere = linked("elsewhere")
    elsewhere = elsewhere.filter(
        elsewhere.active & elsewhere.scheme.isin(("employee_pension", "resident_pension"))
    )
    insured_elsewhere = elsewhere.group_by("person").aggregate(
        elsewhere_refs=_refs(elsewhere).collect()
    )
    platform = linked("platform")
    platform = platform.filter((platform.month >= recent) & (platform.month <= m))
    platforms = platform.group_by("person").aggregate(recent_orders=platform.orders.sum())
    tax = linked("tax")
    tax = tax.filter((tax.last_month >= last_12) & (tax.first_month <= m))
    taxed = tax.group_by("person").aggregate(tax_records=tax.count())
    dibao = linked("dibao").group_by("person").aggregate(dibao_records=ibis._.count())
    disadvantaged = (
        linked("disadvantaged").group_by("person").aggregate(disadvantaged_records=ibis._.count())
    )
    business = linked("business")
    business = business.filter(
        (business.entity_type == "individual") & (business.status == "active")
    )
    businesses = business.group_by("person").aggregate(business_records=business.count())

    # Only what the classes and the tasks need travels through the joins below.
    people = population.select(
        "record_id",
        "id_hash",
        "name",
        "gender",
        "birth_date",
        "phone",
        "district",
        "student",
        person=population.record_id,
    )
    for facts in (
        died,
        enrolled,
        insured_elsewhere,
        platforms,
        taxed,
        dibao,
        disadvantaged,
        businesses,
    ):
        people = people.left_join(facts, "person").drop("person_right")
    birth_month = people.birth_date.strftime("%Y-%m")
    people = people.mutate(_birth_month=birth_month)
    people = people.left_join(
        retirements,
        (people._birth_month == retirements.birth_month) & (people.gender == retirements.gender),
    ).drop("birth_month", "gender_right")
    age = _age(people.birth_date, month_end)
    unpaid_months = people.unpaid_months
    n = settings.interrupted_after
    employee_covered = unpaid_months.notnull() & (unpaid_months < n)
    class_reason = [
        (people.death_date.notnull(), ("excluded", "deceased")),
        (age < 16, ("excluded", "under_age")),
        (
            (people.retirement_month.notnull() & (ibis.literal(m) >= people.retirement_month))
            | (people.birth_date < ibis.literal(date(FIRST_BIRTH_YEAR, 1, 1))),
            ("excluded", "over_age"),
        ),
        (people.retired.fill_null(False), ("excluded", "retired")),
        (people.student.fill_null(False), ("excluded", "student")),
        (employee_covered | people.resident_active.fill_null(False), ("covered", None)),
        (unpaid_months.notnull() & (unpaid_months >= n), ("interrupted", None)),
        (people.elsewhere_refs.notnull(), ("excluded", "insured_elsewhere")),
        (people.any_pension.fill_null(0) > 0, ("dropped", None)),
    ]
    klass = ibis.cases(*[(cond, value[0]) for cond, value in class_reason], else_="never_insured")
    reason = ibis.cases(
        *[(cond, ibis.literal(value[1], type="string")) for cond, value in class_reason],
        else_=ibis.null("string"),
    )
    people = people.mutate(klass=klass, reason=reason)
    uninsured = people.klass.isin(("never_insured", "dropped"))
    platform_worker = people.recent_orders.fill_null(0) > 0
    to_retirement = _month_index(people.retirement_month) - m_index
    tag_rules = [
        ("platform_worker", platform_worker),
        (
            "platform_no_pension",
            platform_worker & people.klass.isin(("never_insured", "dropped", "interrupted")),
        ),
        ("tax_income_uninsured", people.tax_records.notnull() & uninsured),
        (
            "near_retirement_short",
            (people.klass != "excluded")
            & people.retirement_month.notnull()
            & (to_retirement <= settings.near_retirement_months)
            & (people.months_total.fill_null(0) < people.minimum_months),
        ),
        ("minimum_income", people.dibao_records.notnull()),
        ("disadvantaged", people.disadvantaged_records.notnull()),
        ("self_employed", people.business_records.notnull()),
    ]
    # Comma-framed text (``,a,b,``), as results and tasks store it: cheaper than an array, and
    # ``LIKE '%,a,%'`` finds a tag.
    tags = ibis.literal(",")
    for tag, cond in tag_rules:
        tags = tags + ibis.ifelse(cond, ibis.literal(f"{tag},"), ibis.literal(""))
    evidence = ibis.cases(
        (people.reason == "deceased", people.death_refs),
        (people.reason == "retired", people.retired_refs),
        (people.reason == "insured_elsewhere", people.elsewhere_refs),
        (people.klass.isin(("covered", "interrupted")), people.active_refs),
        (people.klass == "dropped", people.pension_refs),
        else_=ibis.literal([], type="array<string>"),
    )
    return people.select(
        person=people.record_id,
        id_hash=people.id_hash,
        name=people.name,
        gender=people.gender,
        birth_date=people.birth_date,
        phone=people.phone,
        district=people.district,
        klass=people.klass,
        reason=people.reason,
        tags=tags,
        unpaid_months=people.unpaid_months,
        months_total=people.months_total,
        retirement_month=people.retirement_month,
        # In no particular order: sorting a million lists here costs more than the rest of the
        # projection; the write-back sorts what it stores.
        evidence=evidence,
    )


def _age(birth: ir.DateValue, on: date) -> ir.IntegerValue:
    """Whole years from ``birth`` to ``on``."""
    had_birthday = (birth.month() < on.month) | (
        (birth.month() == on.month) & (birth.day() <= on.day)
    )
    return on.year - birth.year() - ibis.ifelse(had_birthday, 0, 1)


def employer_findings(tables: Mapping[str, ir.Table], settings: Settings) -> ir.Table:
    """单位漏保线索 and 项目未参加工伤保险: (kind, key, district, figures)."""
    m = str(settings.as_of)
    month_end = settings.as_of.last_day
    tax = tables["tax"]
    tax = tax.filter((tax.first_month <= m) & (tax.last_month >= m))
    who = ibis.coalesce(tax.id_hash, tax.source + ":" + tax.record_id)
    headcount = tax.group_by(code=tax.employer_code).aggregate(
        headcount=who.nunique(), employer_name=tax.employer_name.max()
    )
    register = tables["register"]
    register = register.filter(
        (register.scheme == "employee_pension")
        & (register.identity == "employee")
        & register.status.isin(ACTIVE)
        & register.employer_code.notnull()
    )
    insured = register.group_by(code=register.employer_code).aggregate(
        insured=ibis.coalesce(register.id_hash, register.record_id).nunique()
    )
    business = tables["business"]
    places = business.group_by(code=business.credit_code).aggregate(
        place=business.entity_district.max(), registered_name=business.entity_name.max()
    )
    employers = headcount.left_join(insured, "code").drop("code_right")
    employers = employers.left_join(places, "code").drop("code_right")
    employers = employers.mutate(insured=employers.insured.fill_null(0))
    employers = employers.filter(employers.headcount > employers.insured)
    under = employers.select(
        kind=ibis.literal("employer_under_insured"),
        key=employers.code,
        name=ibis.coalesce(employers.registered_name, employers.employer_name),
        district=ibis.coalesce(employers.place, ibis.literal(settings.jurisdiction)),
        headcount=employers.headcount.cast("int64"),
        insured=employers.insured.cast("int64"),
        reference=ibis.null("string"),
    )
    projects = tables["construction"]
    projects = projects.filter(
        (projects.start_date <= ibis.literal(month_end)) & ~projects.injury_cover
    )
    uncovered = projects.select(
        kind=ibis.literal("project_no_injury_cover"),
        key=projects.project_id,
        name=projects.project_name,
        district=projects.project_district,
        headcount=ibis.null("int64"),
        insured=ibis.null("int64"),
        reference=projects.contractor_code,
    )
    return under.union(uncovered)
