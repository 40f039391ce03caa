"""Social-insurance subsidies for flexible workers with employment difficulties
(灵活就业社保补贴, 就业补助资金管理办法, 财社〔2017〕164号).

- ``share_of_paid`` (national, 财社〔2017〕164号): up to ``max_share`` (2/3) of what was actually
  paid; with ``cap_at_floor`` computed as if paid at the floor base, so a higher base does not
  raise the subsidy;
- ``share_of_floor_amount`` (Shanghai, 沪人社规〔2022〕8号): ``max_share`` (1/2) of the
  contributions due at the month's floor base, whatever base was chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from flexcover.kit.money import IntArray, apply_rate_array
from flexcover.kit.months import Month
from flexcover.rules.contribution import contribution
from flexcover.rules.explain import Explain
from flexcover.rules.parameters import Rulebook


@dataclass(frozen=True)
class Subsidy:
    subsidy_fen: IntArray
    explain: Explain


def monthly_subsidy_fen(
    paid_fen: IntArray, floor_amount_fen: IntArray, scheme: str, share: Fraction, cap_at_floor: bool
) -> IntArray:
    """The subsidy for one month, half-up to the fen, never more than was paid."""
    if scheme == "share_of_floor_amount":
        granted = apply_rate_array(floor_amount_fen, share)
    else:
        basis = np.minimum(paid_fen, floor_amount_fen) if cap_at_floor else paid_fen
        granted = apply_rate_array(basis, share)
    capped: IntArray = np.minimum(granted, paid_fen)
    return capped


def subsidy(
    *,
    rulebook: Rulebook,
    jurisdiction: str,
    month: Month,
    paid_fen: IntArray,
    schemes: tuple[str, ...] = ("employee_pension",),
) -> Subsidy:
    """The month's subsidy for people who paid ``paid_fen`` for ``schemes``."""
    day = month.first_day
    paid_fen = np.asarray(paid_fen, dtype=np.int64)
    explain = Explain(
        "subsidy",
        inputs={
            "jurisdiction": jurisdiction,
            "month": str(month),
            "paid_fen": paid_fen,
            "schemes": list(schemes),
        },
    )
    scheme = explain.use(rulebook.get(jurisdiction, "subsidy.scheme", day, field="month")).value
    share = explain.use(rulebook.get(jurisdiction, "subsidy.max_share", day, field="month")).value
    cap = rulebook.find(jurisdiction, "subsidy.cap_at_floor", day)
    cap_at_floor = bool(explain.use(cap).value) if cap is not None else False
    floor = rulebook.get(jurisdiction, "contribution_base.floor_yuan", day, field="month")
    at_floor = contribution(
        rulebook=rulebook,
        jurisdiction=jurisdiction,
        month=month,
        base_fen=np.array([floor.value]),
        schemes=schemes,
    )
    for used in at_floor.explain.parameters:
        explain.use(used)
    floor_amount = np.full_like(paid_fen, int(at_floor.total_fen[0]))
    explain.step("floor_amount_fen", "contributions due at the floor base", floor_amount)
    granted = monthly_subsidy_fen(paid_fen, floor_amount, scheme, share, cap_at_floor)
    explain.step("subsidy_fen", f"{scheme} × {share}", granted)
    return Subsidy(granted, explain)
