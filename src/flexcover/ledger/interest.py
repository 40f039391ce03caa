"""Annual interest on personal pension accounts (个人账户记账利息), posted to the journal.

The rule is :func:`flexcover.rules.account.credit_year`; this module only feeds it each account's
opening balance and the year's contributions from the journal, and posts what it returns.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
from sqlalchemy.orm import Session

from flexcover.kit.audit import Actor
from flexcover.kit.months import Month
from flexcover.ledger import repository
from flexcover.ledger.accounts import AccountRef, natural_key
from flexcover.ledger.journal import BatchResult, Draft, post_batch
from flexcover.ledger.problems import InvalidEntry
from flexcover.rules.account import credit_year
from flexcover.rules.parameters import Rulebook

CHUNK = 10_000


def credit_interest(
    *, session: Session, rulebook: Rulebook, jurisdiction: str, year: int, actor: Actor
) -> BatchResult:
    """Credit ``year``'s interest to every personal pension account of ``jurisdiction``.

    Opening balance: every posting of an entry whose month is before January of ``year``. The
    year's contributions: postings of entries in ``year`` other than interest. The interest is
    Dr pooled_pension / Cr personal_pension, month December, key ``interest:<year>:<account>``,
    so a second run posts nothing. An account whose interest rounds to zero gets no entry.
    """
    pooled = AccountRef("pooled_pension", jurisdiction)
    natural_key(pooled, field="jurisdiction")
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise InvalidEntry(
            field="year", reason_zh=f"年份 {year} 无效", reason_en=f"{year} is not a year"
        )
    on = date(year, 12, 31)
    rate = rulebook.get(jurisdiction, "account.interest_rate", on, field="year").value
    method = rulebook.get(jurisdiction, "account.crediting_method", on, field="year").value
    factor = Decimal(0)
    if method == "half_year_factor":
        factor = rulebook.get(jurisdiction, "account.half_year_factor", on, field="year").value
    posted = skipped = 0
    after = 0
    while chunk := repository.personal_pension_years(
        session, jurisdiction=jurisdiction, year=year, after_id=after, limit=CHUNK
    ):
        after = chunk[-1].account_id
        # The journal sums debits minus credits; a personal account is credit-normal.
        opening = -np.array([row.before_fen for row in chunk], dtype=np.int64)
        contributions = -np.array([row.during_fen for row in chunk], dtype=np.int64)
        interest, _ = credit_year(opening, contributions, rate, method, factor)
        drafts = [
            Draft(
                key=f"interest:{year}:{row.account_id}",
                kind="interest",
                description=f"{year} 年个人账户记账利息（记账利率 {rate}，{method}）",
                postings=(
                    (pooled, amount),
                    (
                        AccountRef("personal_pension", jurisdiction, person_id=row.person_id),
                        -amount,
                    ),
                ),
                month=Month(year, 12),
            )
            for row, amount in zip(chunk, (int(value) for value in interest), strict=True)
            if amount != 0
        ]
        result = post_batch(session=session, drafts=drafts, actor=actor)
        posted += result.posted
        skipped += result.skipped
    return BatchResult(posted=posted, skipped=skipped)
