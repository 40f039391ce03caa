"""Contributions API shapes. Money in as yuan strings, out as integer fen plus yuan strings."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from flexcover.contributions.lifecycle import EnrolmentStatus
from flexcover.contributions.models import SubsidyStatus
from flexcover.registry.schemas import PRINTABLE, RecordId

MonthText = Field(pattern=r"^[0-9]{4}-[0-9]{2}$", examples=["2026-12"])


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EnrolmentIn(In):
    person_id: RecordId
    scheme: Literal["employee_pension", "employee_medical"]
    jurisdiction: str = Field(pattern=r"^[0-9]{6}$", examples=["500103"])
    first_month: str = MonthText
    base_yuan: str = Field(max_length=20, examples=["4553.00"])
    payment_frequency: Literal["monthly", "quarterly", "semiannual", "annual"] = "monthly"


class EnrolmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    scheme: str
    jurisdiction_code: str
    status: EnrolmentStatus
    payment_frequency: str
    first_month: str
    last_month: str | None
    termination_reason: str | None


class BaseChangeIn(In):
    from_month: str = MonthText
    base_yuan: str = Field(max_length=20)


class BaseChoiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    enrolment_id: int
    effective_month: str
    base_fen: int


class PauseIn(In):
    from_month: str = MonthText


class ResumeIn(In):
    month: str = MonthText


class TerminateIn(In):
    month: str = MonthText
    reason: str = Field(min_length=1, max_length=200, pattern=PRINTABLE)


class PaymentIn(In):
    amount_yuan: str = Field(max_length=20, examples=["880.80"])
    channel: Literal["online", "tax_bureau", "bank", "counter"] = "online"


class PaymentOut(BaseModel):
    id: int
    person_id: int
    amount_fen: int
    amount_yuan: str
    channel: str
    bills_paid: list[str]


class SubsidyApplicationIn(In):
    person_id: RecordId
    category: Literal["difficulty", "graduate"]
    certificate: str = Field(min_length=1, max_length=100, pattern=PRINTABLE)


class ProposalIn(In):
    decision: Literal["approve", "reject"]
    note: str | None = Field(default=None, max_length=300, pattern=PRINTABLE)


class DecisionIn(In):
    confirm: bool
    first_month: str = MonthText


class SubsidyApplicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    jurisdiction_code: str
    category: str
    status: SubsidyStatus
    proposal: str | None
    first_month: str | None
    applied_month: str | None
    last_month: str | None


class MakeupIn(In):
    months: list[str] = Field(min_length=1, max_length=240)
    base_yuan: str = Field(max_length=20)


class AgreementIn(In):
    share_bp: int | None = Field(default=None, ge=1, le=10000, examples=[3000])
    fixed_yuan: str | None = Field(default=None, max_length=20)
    from_month: str = MonthText


class PlatformPaymentIn(In):
    amount_yuan: str = Field(max_length=20, examples=["3000.00"])
    reference: str | None = Field(default=None, max_length=100, pattern=PRINTABLE)
