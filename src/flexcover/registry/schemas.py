"""Registry input and output shapes for the API and the CLI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from flexcover.kit.pagination import MAX_RECORD_ID
from flexcover.registry.models import ROLES

RecordId = Annotated[int, Field(ge=1, le=MAX_RECORD_ID)]
"""The id of a stored record, as accepted from a request."""

PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
"""No control characters: they have no place in a name and PostgreSQL refuses NUL outright."""


INDUSTRIES = ("mobility", "instant_delivery", "freight")
"""Occupational-injury pilot industries: 出行, 即时配送, 同城货运 (人社部发〔2025〕24号)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonIn(Strict):
    """Registration of a person. Gender and birth date, when given, must agree with the ID."""

    id_number: str = Field(min_length=1, max_length=32, examples=["11010519491231002X"])
    name: str = Field(min_length=1, max_length=60, pattern=PRINTABLE, examples=["张伟"])
    gender: str | None = Field(default=None, pattern="^(male|female)$")
    birth_date: date | None = None
    phone: str | None = Field(default=None, pattern=r"^1[3-9][0-9]{9}$", examples=["13800138000"])
    hukou_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$", examples=["500103"])
    residence_code: str = Field(pattern=r"^[0-9]{6}$", examples=["500103"])


class PersonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    id_masked: str
    gender: str
    birth_date: date
    phone: str | None
    hukou_code: str
    residence_code: str
    registered_at: datetime


class JurisdictionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    full_name: str
    level: str
    parent_code: str | None


class PlatformIn(Strict):
    name: str = Field(min_length=1, max_length=120, pattern=PRINTABLE)
    credit_code: str = Field(min_length=1, max_length=32)
    region_code: str = Field(pattern=r"^[0-9]{6}$")
    industries: list[str] = Field(default_factory=list, max_length=3)


class PlatformOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    credit_code: str
    region_code: str
    industries: list[str]


class EmployerIn(Strict):
    name: str = Field(min_length=1, max_length=120, pattern=PRINTABLE)
    credit_code: str = Field(min_length=1, max_length=32)
    region_code: str = Field(pattern=r"^[0-9]{6}$")


class EmployerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    credit_code: str
    region_code: str


class UserIn(Strict):
    username: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{2,59}$")
    password: str = Field(min_length=10, max_length=200)
    role: str = Field(pattern="^(" + "|".join(ROLES) + ")$")
    region_code: str = Field(pattern=r"^[0-9]{6}$")
    display_name: str | None = Field(default=None, min_length=1, max_length=60, pattern=PRINTABLE)
    person_id: RecordId | None = None
    platform_id: RecordId | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    region_code: str
    person_id: int | None
    platform_id: int | None


class TokenOut(BaseModel):
    token: str
    prefix: str
    label: str
    expires_at: datetime | None = None


MonthField = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", examples=["2026-12"])


class RosterRowIn(Strict):
    """One worker a platform engages, as its own systems know them."""

    id_number: str = Field(min_length=1, max_length=32, examples=["11010519491231002X"])
    name: str = Field(min_length=1, max_length=60, pattern=PRINTABLE, examples=["张伟"])
    phone: str | None = Field(default=None, pattern=r"^1[3-9][0-9]{9}$", examples=["13800138000"])
    residence_code: str = Field(
        pattern=r"^[0-9]{6}$",
        examples=["500103"],
        description="the district the worker lives in (used only if they are not registered)",
    )
    work_codes: list[Annotated[str, Field(pattern=r"^[0-9]{6}$")]] = Field(
        default_factory=list, max_length=50, description="jurisdictions where they take orders"
    )
    from_month: str = MonthField
    until_month: str | None = Field(default=None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")


class RosterEndIn(Strict):
    until_month: str = MonthField
