"""The canonical records every source is normalised into (docs/coverage.md, "Canonical
records"): the fields of each source type and their SQL types."""

from __future__ import annotations

PERSON_FIELDS: dict[str, str] = {
    "id_hash": "VARCHAR",
    "id_valid": "BOOLEAN",
    "id_repairs": "VARCHAR[]",
    "name": "VARCHAR",
    "birth_date": "DATE",
    "gender": "VARCHAR",
    "phone": "VARCHAR",
    "district": "VARCHAR",
}
"""Fields that describe a person (an operator, for businesses); ``id_hash``/``id_valid`` come
from the mapped ``id_number``, never stored in plain. ``id_repairs``: for a number that is not
valid, the keyed hashes of the valid numbers one typed digit or one swap of neighbours away
(matching tries them against the population, still without a plain number)."""

OWN_FIELDS: dict[str, dict[str, str]] = {
    "population": {"hukou_district": "VARCHAR", "student": "BOOLEAN"},
    "tax": {
        "employer_code": "VARCHAR",
        "employer_name": "VARCHAR",
        "first_month": "VARCHAR",
        "last_month": "VARCHAR",
        "months": "BIGINT",
        "income_fen": "BIGINT",
    },
    "platform": {
        "platform_code": "VARCHAR",
        "platform_name": "VARCHAR",
        "month": "VARCHAR",
        "orders": "BIGINT",
    },
    "injury": {"platform_code": "VARCHAR", "from_date": "DATE"},
    "deaths": {"death_date": "DATE"},
    "dibao": {"household": "VARCHAR"},
    "disadvantaged": {"category": "VARCHAR"},
    "business": {
        "credit_code": "VARCHAR",
        "entity_name": "VARCHAR",
        "entity_type": "VARCHAR",
        "founded": "DATE",
        "status": "VARCHAR",
        "entity_district": "VARCHAR",
    },
    "construction": {
        "project_id": "VARCHAR",
        "project_name": "VARCHAR",
        "contractor_code": "VARCHAR",
        "start_date": "DATE",
        "injury_cover": "BOOLEAN",
        "project_district": "VARCHAR",
    },
    "elsewhere": {"province": "VARCHAR", "scheme": "VARCHAR", "active": "BOOLEAN"},
    "register": {
        "scheme": "VARCHAR",
        "identity": "VARCHAR",
        "employer_code": "VARCHAR",
        "insured_district": "VARCHAR",
        "status": "VARCHAR",
        "first_month": "VARCHAR",
        "last_paid_month": "VARCHAR",
        "paid_last_12": "BIGINT",
        "months_total": "BIGINT",
        "transfer_in_month": "VARCHAR",
    },
}
"""Each source type's own fields."""

SOURCE_TYPES = tuple(OWN_FIELDS)
WITHOUT_PEOPLE = frozenset({"construction"})
"""Source types whose records describe no person."""

PENSION_SCHEMES = ("employee_pension", "resident_pension")
CLASSES = ("covered", "interrupted", "dropped", "never_insured", "excluded")
CLASS_GROUPS = {"insurable": ("covered", "interrupted", "dropped", "never_insured")}
"""Classes a list can name together: ``insurable``, everyone but the excluded (应参保人数)."""
REASONS = ("deceased", "under_age", "over_age", "retired", "student", "insured_elsewhere")
TAGS = (
    "platform_worker",
    "platform_no_pension",
    "tax_income_uninsured",
    "near_retirement_short",
    "minimum_income",
    "disadvantaged",
    "self_employed",
)


def fields_of(source_type: str) -> dict[str, str]:
    """Every canonical field of a source type (after ``source`` and ``record_id``)."""
    own = OWN_FIELDS[source_type]
    return own if source_type in WITHOUT_PEOPLE else {**PERSON_FIELDS, **own}
