"""What moves when a pension relationship moves between regions (转移接续, 国办发〔2009〕66号)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np

from flexcover.kit.money import IntArray, apply_rate_array
from flexcover.rules.explain import Explain
from flexcover.rules.parameters import NATION, Rulebook


def pooled_fund_transfer(bases_since_1998_fen: IntArray, rate: Decimal) -> IntArray:
    """统筹基金转移额: 12 % of every month's actual base since 1998, without interest
    (国办发〔2009〕66号 art. 4). ``bases_since_1998_fen`` is (people × months)."""
    total: IntArray = np.atleast_2d(bases_since_1998_fen).sum(axis=1)
    return apply_rate_array(total, rate)


def pooled_fund_transfer_on(
    *, rulebook: Rulebook, bases_since_1998_fen: IntArray, on: date, jurisdiction: str = NATION
) -> tuple[IntArray, Explain]:
    explain = Explain("pooled_fund_transfer", inputs={"bases_fen": bases_since_1998_fen})
    rate = explain.use(rulebook.get(jurisdiction, "transfer.pooled_fund_rate", on))
    amount = pooled_fund_transfer(bases_since_1998_fen, rate.value)
    explain.step("amount_fen", f"sum of bases × {rate.value}", amount)
    return amount, explain
