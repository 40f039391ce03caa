"""flexcover's own insured register, as a comparison reads it beside the departments' data."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
from sqlalchemy.orm import Session

from flexcover.contributions import repository
from flexcover.kit.database import Database
from flexcover.kit.months import Month


def insured_register(session: Session, as_of: Month) -> pa.Table:
    """flexcover's own insured register for a comparison (参保登记, as the ``flexcover_register``
    mapping reads it): per enrolment the person's keyed hash — never the number — and the
    paid months of the 12 ending with ``as_of`` and of all time."""
    rows = repository.insured_register(session, str(as_of - 11), str(as_of))
    return pa.table(
        {
            "证件号码哈希": [r.id_hash for r in rows],
            "姓名": [r.name for r in rows],
            "性别": ["男" if r.gender == "male" else "女" for r in rows],
            "出生日期": pa.array([r.birth_date for r in rows], pa.date32()),
            "险种": [r.scheme for r in rows],
            "参保身份": ["flexible"] * len(rows),
            "参保地区划": [r.jurisdiction_code for r in rows],
            "参保状态": [r.status for r in rows],
            "首次参保年月": [r.first_month for r in rows],
            "最后缴费年月": pa.array([r.last_paid_month for r in rows], pa.string()),
            "近12个月缴费月数": pa.array([r.paid_last_12 for r in rows], pa.int64()),
            "累计缴费月数": pa.array([r.months_total for r in rows], pa.int64()),
        }
    )


def insured_register_reader(database: Database) -> Callable[[Month], pa.Table]:
    """:func:`insured_register` in a unit of work of its own, as a comparison asks for it."""

    def read(as_of: Month) -> pa.Table:
        with database.unit_of_work() as session:
            return insured_register(session, as_of)

    return read
