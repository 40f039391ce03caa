"""The calculators' JSON inputs, shared by the Python API, ``flexcover calc`` and
``POST /api/v1/calc/{name}``. Money is a yuan string, months ``YYYY-MM``, jurisdictions GB/T 2260.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Jurisdiction = Field(pattern=r"^[0-9]{6}$", examples=["500000"])
MonthText = Field(pattern=r"^[0-9]{4}-[0-9]{2}$", examples=["2025-08"])
Yuan = Field(max_length=20, examples=["4404.00"])


class CalcInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


SchemeName = Literal["employee_pension", "employee_medical"]


def _pension_only() -> list[SchemeName]:
    return ["employee_pension"]


class ContributionIn(CalcInput):
    jurisdiction: str = Jurisdiction
    month: str = MonthText
    base_yuan: str = Yuan
    schemes: list[SchemeName] = Field(default_factory=_pension_only, min_length=1, max_length=2)
    clamp: bool = False


class RetirementIn(CalcInput):
    gender: Literal["male", "female"]
    original_retirement_age: Literal[60, 55, 50]
    birth_month: str = MonthText


class DivisorIn(CalcInput):
    age_years: int = Field(ge=0, le=150)
    age_months: int = Field(default=0, ge=0, le=11)


class HistoryMonth(CalcInput):
    month: str = MonthText
    base_yuan: str = Yuan


class AverageIndexIn(CalcInput):
    jurisdiction: str = Jurisdiction
    history: list[HistoryMonth] = Field(min_length=1, max_length=12 * 80)


class AccountIn(CalcInput):
    jurisdiction: str = Jurisdiction
    opening_balance_yuan: str = Field(default="0", max_length=20)
    history: list[HistoryMonth] = Field(min_length=1, max_length=12 * 80)


class PensionIn(CalcInput):
    jurisdiction: str = Jurisdiction
    retirement_month: str = MonthText
    age_years: int = Field(ge=0, le=150)
    age_months: int = Field(default=0, ge=0, le=11)
    contribution_months: int = Field(ge=0, le=12 * 80)
    deemed_months: int = Field(default=0, ge=0, le=12 * 80)
    average_index: str = Field(max_length=20, examples=["0.6000"])
    account_balance_yuan: str = Yuan
    calculation_base_yuan: str | None = Field(default=None, max_length=20)


class ResidentPensionIn(CalcInput):
    jurisdiction: str = Jurisdiction
    year: int = Field(ge=2014, le=2100)
    account_balance_yuan: str = Yuan
