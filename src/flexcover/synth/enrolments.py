"""Many enrolments at once, written straight into the tables, for benchmarks and crash tests
(registering a million people through the services would test the services, not settlement)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from flexcover.contributions.models import BaseChoice, Enrolment
from flexcover.contributions.service import enrolment_accounts
from flexcover.kit.bulk import insert_rows, is_postgresql
from flexcover.kit.database import Database, utc_now
from flexcover.kit.months import Month
from flexcover.ledger.service import open_accounts
from flexcover.registry.models import Person

DISTRICTS = ("500103", "500106", "500105", "500107", "500108", "500112")
FLOOR_2026_FEN = 455300
CEILING_2026_FEN = 2276500


def load_enrolments(database: Database, count: int, month: Month, *, seed: int = 11) -> None:
    """``count`` people in Chongqing districts, each with an active pension enrolment from
    ``month``, a base (three in four at the 2026 floor) and the accounts enrolment opens."""
    rng = np.random.default_rng(seed)
    bases = np.where(
        rng.random(count) < 0.75,
        FLOOR_2026_FEN,
        rng.integers(FLOOR_2026_FEN, CEILING_2026_FEN, count),
    ).tolist()
    districts = [DISTRICTS[i] for i in rng.integers(0, len(DISTRICTS), count).tolist()]
    now = utc_now()
    with database.unit_of_work() as session:
        first = (session.execute(text("SELECT coalesce(max(id), 0) FROM people")).scalar() or 0) + 1
        enrolment_first = (
            session.execute(text("SELECT coalesce(max(id), 0) FROM enrolments")).scalar() or 0
        ) + 1
        for start in range(0, count, 50_000):
            part = range(start, min(count, start + 50_000))
            insert_rows(
                session,
                Person,
                [
                    {
                        "id": first + i,
                        "id_hash": f"bulk{first + i:060x}",
                        "id_masked": f"{districts[i]}********0000",
                        "name": "测试",
                        "gender": "male" if i % 2 else "female",
                        "birth_date": "1985-06-01",
                        "id_region_code": districts[i],
                        "phone": None,
                        "hukou_code": districts[i],
                        "residence_code": districts[i],
                        "registered_at": now,
                    }
                    for i in part
                ],
            )
            insert_rows(
                session,
                Enrolment,
                [
                    {
                        "id": enrolment_first + i,
                        "person_id": first + i,
                        "scheme": "employee_pension",
                        "jurisdiction_code": districts[i],
                        "status": "active",
                        "payment_frequency": "monthly",
                        "first_month": str(month),
                        "last_month": None,
                        "termination_reason": None,
                        "created_at": now,
                    }
                    for i in part
                ],
            )
            insert_rows(
                session,
                BaseChoice,
                [
                    {
                        "enrolment_id": enrolment_first + i,
                        "effective_month": str(month),
                        "base_fen": bases[i],
                        "chosen_at": now,
                    }
                    for i in part
                ],
            )
            # What enrolment does too: open the worker's accounts.
            open_accounts(
                session=session,
                refs=[
                    ref
                    for i in part
                    for ref in enrolment_accounts(first + i, "employee_pension", districts[i])
                ],
            )
        if is_postgresql(session):
            for table in ("people", "enrolments"):
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    if database.url.startswith("postgresql"):
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
