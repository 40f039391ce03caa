"""Queries of occupational-injury protection. The orders' staging table, the platform lock and
the monthly partitions (PostgreSQL) live here; SQL joins the registry's people and rosters."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    any_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from flexcover.injury.models import (
    Benefit,
    Claim,
    ClaimAttachment,
    ClaimStep,
    InjuryBill,
    InjuryProfile,
    Order,
    ServedArea,
)
from flexcover.kit.bulk import insert_columns, is_postgresql
from flexcover.kit.database import UtcDateTime, utc_now
from flexcover.kit.months import Month
from flexcover.registry.models import Person, Platform, PlatformWorker

if TYPE_CHECKING:
    from flexcover.injury.orders import Candidate

_CHUNK = 500
_CHINA = timezone(timedelta(hours=8))
ORDER_LOCK = 7001
"""The first key of the advisory lock a platform's order ingestion holds (the second is the
platform id)."""

_scratch = MetaData()
STAGING = Table(
    "injury_order_staging",
    _scratch,
    Column("line", Integer, primary_key=True),
    Column("order_ref", String(64)),
    Column("id_hash", String(64)),
    Column("jurisdiction_code", String(6)),
    Column("month", String(7)),
    Column("accepted_at", UtcDateTime),
    Column("ended_at", UtcDateTime),
    Column("end_kind", String(10)),
    Column("distance_m", Integer),
    Column("premium_fen", Integer),
    Column("person_id", Integer),
    Column("keep", Boolean),
    prefixes=["TEMPORARY"],
)


# --- profiles ----------------------------------------------------------------------------------


def profile(session: Session, platform_id: int) -> InjuryProfile | None:
    return session.get(InjuryProfile, platform_id)


def served(session: Session, platform_id: int) -> frozenset[str]:
    return frozenset(
        session.scalars(
            select(ServedArea.jurisdiction_code).where(ServedArea.platform_id == platform_id)
        )
    )


def set_served(session: Session, platform_id: int, codes: Sequence[str]) -> None:
    session.execute(delete(ServedArea).where(ServedArea.platform_id == platform_id))
    session.add_all(ServedArea(platform_id=platform_id, jurisdiction_code=c) for c in codes)


def profiles_within(session: Session, condition: Any) -> Sequence[tuple[InjuryProfile, Platform]]:
    rows = session.execute(
        select(InjuryProfile, Platform)
        .join(Platform, Platform.id == InjuryProfile.platform_id)
        .where(condition)
        .order_by(Platform.id)
    ).all()
    return [(row[0], row[1]) for row in rows]


# --- orders ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredOrder:
    person_id: int
    jurisdiction_code: str
    accepted_at: datetime
    ended_at: datetime
    end_kind: str
    distance_m: int | None


def lock_platform_orders(session: Session, platform_id: int) -> None:
    """Hold the platform's order lock to the end of the transaction (PostgreSQL; SQLite's one
    writer holds it already)."""
    if is_postgresql(session):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": ORDER_LOCK, "b": platform_id}
        )


def stage_orders(session: Session, candidates: Sequence[Candidate]) -> None:
    """Copy the candidates into the transaction's staging table."""
    postgres = is_postgresql(session)
    if postgres:
        session.execute(
            text(
                "CREATE TEMP TABLE IF NOT EXISTS injury_order_staging ("
                "line integer PRIMARY KEY, order_ref varchar(64), id_hash varchar(64), "
                "jurisdiction_code varchar(6), month varchar(7), accepted_at timestamptz, "
                "ended_at timestamptz, end_kind varchar(10), distance_m integer, "
                "premium_fen integer, person_id integer, keep boolean) ON COMMIT DROP"
            )
        )
        session.execute(text("TRUNCATE injury_order_staging"))
    else:
        STAGING.create(session.connection(), checkfirst=True)
        session.execute(delete(STAGING))
    insert_columns(
        session,
        STAGING,
        len(candidates),
        {
            "line": [c.line for c in candidates],
            "order_ref": [c.order_ref for c in candidates],
            "id_hash": [c.id_hash for c in candidates],
            "jurisdiction_code": [c.jurisdiction for c in candidates],
            "month": [c.month for c in candidates],
            "accepted_at": [c.accepted_text for c in candidates]
            if postgres
            else [c.accepted_at for c in candidates],
            "ended_at": [c.ended_text for c in candidates]
            if postgres
            else [c.ended_at for c in candidates],
            "end_kind": [str(c.end_kind) for c in candidates],
            "distance_m": [c.distance_m for c in candidates],
            "premium_fen": [c.premium_fen for c in candidates],
            "person_id": [c.person_id for c in candidates],
            "keep": True,
        },
    )


def roster_of(
    session: Session, platform_id: int, hashes: set[str]
) -> dict[str, list[tuple[int, str, str | None]]]:
    """id hash → (person, first month, last month) of the platform's roster periods of the
    people whose keyed hashes are ``hashes``."""
    found: dict[str, list[tuple[int, str, str | None]]] = {}
    wanted = sorted(hashes)
    postgres = is_postgresql(session)
    for start in range(0, len(wanted), 10_000):
        chunk = wanted[start : start + 10_000]
        # One array parameter on PostgreSQL (a long IN list is parsed value by value).
        named = (
            Person.id_hash == any_(literal(chunk, ARRAY(String(64))))
            if postgres
            else Person.id_hash.in_(chunk)
        )
        rows = session.execute(
            select(
                Person.id_hash,
                PlatformWorker.person_id,
                PlatformWorker.from_month,
                PlatformWorker.until_month,
            )
            .join(PlatformWorker, PlatformWorker.person_id == Person.id)
            .where(
                PlatformWorker.platform_id == platform_id,
                named,
            )
        ).all()
        for id_hash, person_id, first, last in rows:
            found.setdefault(id_hash, []).append((person_id, first, last))
    return found


def staged_existing(session: Session, platform_id: int) -> dict[int, StoredOrder]:
    """line → the order already stored under the staged order's id, in any month."""
    s = STAGING.c
    rows = session.execute(
        select(
            s.line,
            Order.person_id,
            Order.jurisdiction_code,
            Order.accepted_at,
            Order.ended_at,
            Order.end_kind,
            Order.distance_m,
        )
        .select_from(STAGING)
        .join(Order, and_(Order.platform_id == platform_id, Order.order_ref == s.order_ref))
    ).all()
    return {row[0]: StoredOrder(*row[1:]) for row in rows}


def insert_orders(
    session: Session, *, platform_id: int, industry: str, lines: Sequence[Candidate]
) -> None:
    """Insert the staged orders of ``lines`` (their workers found on the roster) in one
    statement."""
    if not lines:
        return
    kept = {c.line for c in lines}
    s = STAGING.c
    dropped = list(session.scalars(select(s.line)).all())
    dropped = [line for line in dropped if line not in kept]
    for chunk in _chunks(dropped):
        session.execute(
            delete(STAGING).where(s.line.in_(bindparam("lines", expanding=True))), {"lines": chunk}
        )
    columns = [
        "month",
        "platform_id",
        "order_ref",
        "person_id",
        "jurisdiction_code",
        "industry",
        "accepted_at",
        "ended_at",
        "end_kind",
        "distance_m",
        "premium_fen",
        "received_at",
    ]
    source = select(
        s.month,
        literal(platform_id),
        s.order_ref,
        s.person_id,
        s.jurisdiction_code,
        literal(industry),
        s.accepted_at,
        s.ended_at,
        s.end_kind,
        s.distance_m,
        s.premium_fen,
        literal(utc_now(), UtcDateTime),
    ).where(s.keep)
    dialect = postgresql if is_postgresql(session) else sqlite
    statement = dialect.insert(Order.__table__).from_select(columns, source)
    session.execute(statement.on_conflict_do_nothing())


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def orders_running(
    session: Session, person_id: int, start: datetime, end: datetime
) -> Sequence[Order]:
    """The person's orders whose window meets [start, end], earliest accepted first."""
    return session.scalars(
        select(Order)
        .where(Order.person_id == person_id, Order.accepted_at <= end, Order.ended_at >= start)
        .order_by(Order.accepted_at, Order.platform_id, Order.order_ref)
    ).all()


def orders_per_day(
    session: Session, platform_id: int, first: datetime, last: datetime
) -> list[tuple[str, int, int]]:
    """(China day, orders, workers) of a platform's orders accepted in [first, last)."""
    rows = session.execute(
        select(Order.accepted_at, Order.person_id).where(
            Order.platform_id == platform_id, Order.accepted_at >= first, Order.accepted_at < last
        )
    ).all()
    days: dict[str, tuple[int, set[int]]] = {}
    for accepted_at, person_id in rows:
        day = accepted_at.astimezone(_CHINA).date().isoformat()
        count, people = days.get(day, (0, set()))
        people.add(person_id)
        days[day] = (count + 1, people)
    return sorted((day, count, len(people)) for day, (count, people) in days.items())


def month_totals(session: Session, month: Month, condition: Any) -> list[tuple[int, str, int, int]]:
    """(platform, jurisdiction, orders, premiums in fen) of a month's orders."""
    rows = session.execute(
        select(
            Order.platform_id,
            Order.jurisdiction_code,
            func.count(),
            func.coalesce(func.sum(Order.premium_fen), 0),
        )
        .where(Order.month == str(month), condition)
        .group_by(Order.platform_id, Order.jurisdiction_code)
        .order_by(Order.platform_id, Order.jurisdiction_code)
    ).all()
    return [(int(p), str(j), int(n), int(fen)) for p, j, n, fen in rows]


# --- partitions (PostgreSQL) -------------------------------------------------------------------


def partition_name(month: Month) -> str:
    return f"injury_orders_{month.year:04d}_{month.month:02d}"


def partitions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(
            connection.scalars(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'injury_orders'"
                )
            )
        )


_known_partitions: set[str] = set()


def open_months(session: Session, months: set[str]) -> None:
    """PostgreSQL: make the partitions of ``months`` that are missing, each in a transaction of
    its own, before the session reads the orders (creating one locks the table, and the session
    would otherwise wait on itself)."""
    if not is_postgresql(session):
        return
    wanted = {partition_name(Month.parse(m)): Month.parse(m) for m in months}
    if set(wanted) <= _known_partitions:
        return
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    present = partitions(engine)
    for name, month in wanted.items():
        if name not in present:
            create_partition(engine, month)
    _known_partitions.update(wanted)


def create_partition(engine: Engine, month: Month) -> bool:
    """Create the month's partition (in a transaction of its own: it locks the whole table
    briefly); False if it was there."""
    name = partition_name(month)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        exists = connection.scalar(text("SELECT to_regclass(:name)"), {"name": name})
        if exists is not None:
            return False
        connection.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF injury_orders "
                f"FOR VALUES FROM ('{month}') TO ('{month + 1}')"
            )
        )
    return True


def detach_partition(engine: Engine, month: Month) -> str | None:
    """Detach the month's partition: its orders leave the live table and stay in a table of
    their own, renamed ``…_archived`` (to archive or drop), so that the month can be made anew;
    the archive's name, or None if the month was not attached."""
    name = partition_name(month)
    if name not in partitions(engine):
        return None
    archive = f"{name}_archived"
    with engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE injury_orders DETACH PARTITION {name}"))
        taken = connection.scalar(text("SELECT to_regclass(:name)"), {"name": archive})
        suffix = 1
        while taken is not None:
            suffix += 1
            archive = f"{name}_archived{suffix}"
            taken = connection.scalar(text("SELECT to_regclass(:name)"), {"name": archive})
        connection.execute(text(f"ALTER TABLE {name} RENAME TO {archive}"))
    _known_partitions.discard(name)
    return archive


# --- bills -------------------------------------------------------------------------------------


def bill(session: Session, platform_id: int, code: str, month: Month) -> InjuryBill | None:
    return session.scalars(
        select(InjuryBill).where(
            InjuryBill.platform_id == platform_id,
            InjuryBill.jurisdiction_code == code,
            InjuryBill.month == str(month),
        )
    ).one_or_none()


def bills(session: Session, condition: Any, *, limit: int = 500) -> Sequence[InjuryBill]:
    return session.scalars(
        select(InjuryBill)
        .where(condition)
        .order_by(InjuryBill.month.desc(), InjuryBill.platform_id, InjuryBill.jurisdiction_code)
        .limit(limit)
    ).all()


# --- claims ------------------------------------------------------------------------------------


def claim(session: Session, claim_id: int, *, lock: bool = False) -> Claim | None:
    query = select(Claim).where(Claim.id == claim_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def claims(session: Session, condition: Any, *, limit: int = 500) -> Sequence[Claim]:
    return session.scalars(
        select(Claim)
        .where(condition)
        .order_by(Claim.due_on.is_(None), Claim.due_on, Claim.id)
        .limit(limit)
    ).all()


def steps(session: Session, claim_id: int) -> Sequence[ClaimStep]:
    return session.scalars(
        select(ClaimStep).where(ClaimStep.claim_id == claim_id).order_by(ClaimStep.id)
    ).all()


def benefits(session: Session, claim_id: int) -> Sequence[Benefit]:
    return session.scalars(
        select(Benefit)
        .where(Benefit.claim_id == claim_id)
        .order_by(Benefit.month, Benefit.item, Benefit.sequence)
    ).all()


def near_duplicate(
    session: Session, person_id: int, start: datetime, end: datetime, order_ref: str | None
) -> Claim | None:
    """A claim of the same person whose accident lies in [start, end] (for the same order, when
    both name one)."""
    query = select(Claim).where(
        Claim.person_id == person_id, Claim.accident_at >= start, Claim.accident_at <= end
    )
    if order_ref is not None:
        query = query.where(or_(Claim.order_ref.is_(None), Claim.order_ref == order_ref))
    return session.scalars(query.order_by(Claim.id).limit(1)).one_or_none()


def attachments(session: Session, claim_id: int) -> Sequence[ClaimAttachment]:
    return session.scalars(
        select(ClaimAttachment)
        .where(ClaimAttachment.claim_id == claim_id)
        .order_by(ClaimAttachment.id)
    ).all()


def attachment(session: Session, claim_id: int, attachment_id: int) -> ClaimAttachment | None:
    return session.scalars(
        select(ClaimAttachment).where(
            ClaimAttachment.claim_id == claim_id, ClaimAttachment.id == attachment_id
        )
    ).one_or_none()


def latest_order_month(session: Session, condition: Any) -> str | None:
    found: str | None = session.scalar(select(func.max(Order.month)).where(condition))
    return found


def platform_month(session: Session, month: str, condition: Any) -> list[tuple[int, str, int, int]]:
    """(platform, name, orders, premiums in fen) of a month, most orders first."""
    rows = session.execute(
        select(
            Order.platform_id,
            Platform.name,
            func.count(),
            func.coalesce(func.sum(Order.premium_fen), 0),
        )
        .join(Platform, Platform.id == Order.platform_id)
        .where(Order.month == month, condition)
        .group_by(Order.platform_id, Platform.name)
        .order_by(func.count().desc(), Order.platform_id)
    ).all()
    return [(int(p), str(n), int(c), int(f)) for p, n, c, f in rows]


def workers_per_day(session: Session, month: str, condition: Any) -> list[tuple[str, int]]:
    """(China day, workers covered: with an order that day) of a month."""
    rows = session.execute(
        select(Order.accepted_at, Order.person_id).where(Order.month == month, condition)
    ).all()
    days: dict[str, set[int]] = {}
    for accepted_at, person_id in rows:
        days.setdefault(accepted_at.astimezone(_CHINA).date().isoformat(), set()).add(person_id)
    return sorted((day, len(people)) for day, people in days.items())


def claims_by_status(session: Session, condition: Any) -> dict[str, int]:
    rows = session.execute(
        select(Claim.status, func.count()).where(condition).group_by(Claim.status)
    ).all()
    return {str(status): int(n) for status, n in rows}


def claims_overdue(session: Session, condition: Any, today: Any) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Claim)
            .where(condition, Claim.due_on.is_not(None), Claim.due_on < today)
        )
        or 0
    )


def bill_totals(session: Session, condition: Any) -> tuple[int, int]:
    """(due, paid) in fen of the bills matching ``condition``."""
    due, paid = session.execute(
        select(
            func.coalesce(func.sum(InjuryBill.due_fen), 0),
            func.coalesce(func.sum(InjuryBill.paid_fen), 0),
        ).where(condition)
    ).one()
    return int(due), int(paid)


def benefits_paid(session: Session, condition: Any) -> int:
    """Benefits paid in fen, of the claims matching ``condition``."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Benefit.amount_fen), 0))
            .join(Claim, Claim.id == Benefit.claim_id)
            .where(condition, Benefit.paid_entry.is_not(None))
        )
        or 0
    )
