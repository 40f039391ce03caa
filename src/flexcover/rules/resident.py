"""The urban-rural resident basic pension (城乡居民基本养老保险, 国发〔2014〕8号): a basic pension
paid by government — the central minimum (基础养老金最低标准) or the province's own — plus the
personal account divided by 139.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from flexcover.kit.money import IntArray, round_half_up_div_array
from flexcover.rules.explain import Explain
from flexcover.rules.parameters import Rulebook
from flexcover.rules.problems import OutOfRange


@dataclass(frozen=True)
class ResidentPension:
    basic_fen: IntArray
    account_fen: IntArray
    total_fen: IntArray
    explain: Explain


def resident_pension(
    *, rulebook: Rulebook, jurisdiction: str, year: int, account_balance_fen: IntArray
) -> ResidentPension:
    balance = np.asarray(account_balance_fen, dtype=np.int64)
    if np.any(balance < 0):
        raise OutOfRange(
            field="account_balance_yuan", reason_zh="不能为负数", reason_en="cannot be negative"
        )
    on = date(year, 1, 1)
    explain = Explain(
        "resident_pension",
        inputs={"jurisdiction": jurisdiction, "year": year, "account_balance_fen": balance},
    )
    minimum = explain.use(
        rulebook.get(jurisdiction, "resident.minimum_basic_pension_yuan", on, field="year")
    )
    divisor = explain.use(rulebook.get(jurisdiction, "resident.account_divisor", on, field="year"))
    numerator, denominator = divisor.value.as_integer_ratio()
    account = round_half_up_div_array(balance * denominator, numerator)
    basic = np.full_like(balance, minimum.value)
    explain.step("account_fen", f"balance / {divisor.value}", account)
    explain.step("basic_fen", "basic pension minimum for the year", basic)
    return ResidentPension(basic, account, basic + account, explain)
