"""The calculators over HTTP: ``POST /api/v1/calc/{name}``, same input and output as the Python
functions and ``flexcover calc``. They read no personal data, so they need no login: a worker's
phone or a platform's system may call them directly.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from flexcover.rules.schemas import (
    AccountIn,
    AverageIndexIn,
    ContributionIn,
    DivisorIn,
    PensionIn,
    ResidentPensionIn,
    RetirementIn,
)
from flexcover.rules.service import calculate

router = APIRouter(prefix="/api/v1/calc", tags=["calculators"])


def _run(request: Request, name: str, body: Any) -> dict[str, Any]:
    return calculate(
        name,
        body.model_dump(),
        rulebook=request.app.state.rulebook,
        today=request.app.state.today(),
    )


@router.post("/contribution")
def contribution(body: ContributionIn, request: Request) -> dict[str, Any]:
    """Monthly contribution for a chosen base, per scheme, with the personal and pooled shares."""
    return _run(request, "contribution", body)


@router.post("/retirement")
def retirement(body: RetirementIn, request: Request) -> dict[str, Any]:
    """Statutory retirement age and month under the 2025 reform, and the minimum months."""
    return _run(request, "retirement", body)


@router.post("/divisor")
def divisor(body: DivisorIn, request: Request) -> dict[str, Any]:
    """Personal-account divisor (计发月数) for an age in years and months."""
    return _run(request, "divisor", body)


@router.post("/average_index")
def average_index(body: AverageIndexIn, request: Request) -> dict[str, Any]:
    """Average contribution index of a monthly base history."""
    return _run(request, "average_index", body)


@router.post("/account")
def account(body: AccountIn, request: Request) -> dict[str, Any]:
    """Personal-account balance year by year at the national crediting rates."""
    return _run(request, "account", body)


@router.post("/pension")
def pension(body: PensionIn, request: Request) -> dict[str, Any]:
    """Monthly employee pension at retirement: basic, account and transitional parts."""
    return _run(request, "pension", body)


@router.post("/resident_pension")
def resident_pension(body: ResidentPensionIn, request: Request) -> dict[str, Any]:
    """Urban-rural resident pension from the account balance and the year."""
    return _run(request, "resident_pension", body)
