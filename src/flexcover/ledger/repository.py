"""Every ledger query. The journal and its checks call these; nothing else touches the tables.

Bulk statements have two forms: on PostgreSQL one statement per table over ``unnest`` of arrays
(one round trip however many rows), elsewhere an ``executemany`` (SQLite runs in-process, so a
round trip costs nothing there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    String,
    Table,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy import cast as cast_sql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.types import TypeEngine

from flexcover.kit.bulk import Column, copy_columns
from flexcover.kit.database import UtcDateTime, utc_now
from flexcover.ledger.accounts import ACCOUNT_KINDS, NaturalKey
from flexcover.ledger.arrays import booleans, ints, texts, unnest
from flexcover.ledger.models import JournalEntry, LedgerAccount, Posting
from flexcover.registry.models import Jurisdiction, Person, Platform

_CHUNK = 2000  # rows per IN (...) list on SQLite, well under its 32,766 bound parameters
accounts_table = cast(Table, LedgerAccount.__table__)
entries_table = cast(Table, JournalEntry.__table__)
postings_table = cast(Table, Posting.__table__)


class AccountState(NamedTuple):
    id: int
    kind: str
    allow_negative: bool
    balance_fen: int


@dataclass(frozen=True)
class StoredEntry:
    """An entry as the journal compares it: its postings as (account, amount), sorted."""

    id: int
    key: str
    reverses_entry_id: int | None
    lines: tuple[tuple[NaturalKey, int], ...]


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A SAVEPOINT: the block's writes are undone if it raises, the outer transaction stays.

    (On SQLite this relies on ``kit.database`` letting SQLAlchemy emit BEGIN itself: left to
    pysqlite, the release of a first savepoint would commit behind the unit of work's back.)
    """
    with session.begin_nested():
        yield


def _total(amount: ColumnElement[Any] | InstrumentedAttribute[int]) -> ColumnElement[int]:
    """SUM of fen as a BIGINT (PostgreSQL sums BIGINTs into NUMERIC), 0 over no rows."""
    return cast_sql(func.coalesce(func.sum(amount), 0), BigInteger)


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- accounts ----------------------------------------------------------------------------------


def accounts_by_key(session: Session, keys: Iterable[NaturalKey]) -> dict[NaturalKey, AccountState]:
    wanted = list(set(keys))
    found: dict[NaturalKey, AccountState] = {}
    if not wanted:
        return found
    columns = (
        LedgerAccount.kind,
        LedgerAccount.jurisdiction_code,
        LedgerAccount.owner_key,
        LedgerAccount.id,
        LedgerAccount.allow_negative,
        LedgerAccount.balance_fen,
    )
    if is_postgresql(session):
        rows = session.execute(
            # LATERAL with LIMIT (which keeps it from being flattened into a join): one probe
            # of the unique index per key. A hash join would read every account (millions) to
            # find a chunk's few thousand.
            text(
                "SELECT a.kind, a.jurisdiction_code, a.owner_key, a.id, a.allow_negative, "
                "a.balance_fen FROM unnest(CAST(:kinds AS VARCHAR[]), CAST(:codes AS VARCHAR[]), "
                "CAST(:owners AS VARCHAR[])) AS r(kind, code, owner) CROSS JOIN LATERAL ("
                "SELECT * FROM ledger_accounts AS x WHERE x.kind = r.kind "
                "AND x.jurisdiction_code = r.code AND x.owner_key = r.owner LIMIT 1) AS a"
            ),
            {
                "kinds": texts(key[0] for key in wanted),
                "codes": texts(key[1] for key in wanted),
                "owners": texts(key[2] for key in wanted),
            },
        ).all()
    else:
        rows = []
        for chunk in _chunks(wanted, _CHUNK // 3):
            rows.extend(
                session.execute(select(*columns).where(tuple_(*columns[:3]).in_(chunk))).all()
            )
    for kind, code, owner, account_id, allow_negative, balance in rows:
        found[(kind, code, owner)] = AccountState(account_id, kind, bool(allow_negative), balance)
    return found


def insert_accounts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Create accounts (given in natural-key order, so that concurrent creators queue up rather
    than deadlock), leaving alone any that a concurrent transaction created first."""
    if not rows:
        return
    conflict = ["kind", "jurisdiction_code", "owner_key"]
    if not is_postgresql(session):
        session.execute(
            sqlite_insert(accounts_table).on_conflict_do_nothing(index_elements=conflict), rows
        )
        return
    arrays: dict[str, tuple[Callable[[Iterable[Any]], str], type[TypeEngine[Any]]]] = {
        "kind": (texts, String),
        "jurisdiction_code": (texts, String),
        "owner_key": (texts, String),
        "person_id": (ints, BigInteger),
        "platform_id": (ints, BigInteger),
        "normal_side": (texts, String),
        "allow_negative": (booleans, Boolean),
    }
    source = (
        func.unnest(
            *(
                cast_sql(bindparam(name, type_=String), ARRAY(element))
                for name, (_, element) in arrays.items()
            )
        )
        .table_valued(*arrays)
        .render_derived(name="source")
    )
    session.execute(
        pg_insert(accounts_table)
        .from_select(
            [*arrays, "balance_fen", "created_at"],
            select(*source.c, literal(0, BigInteger), bindparam("at", type_=UtcDateTime)),
        )
        .on_conflict_do_nothing(index_elements=conflict),
        {
            "at": rows[0]["created_at"],
            **{name: to_array(row[name] for row in rows) for name, (to_array, _) in arrays.items()},
        },
    )


def copy_new_accounts(session: Session, deltas: dict[NaturalKey, int]) -> dict[NaturalKey, int]:
    """PostgreSQL: COPY these accounts in, each holding its delta (on its normal side) from the
    start, under ids drawn from the sequence; returns {key: id}. The sign rule's CHECK judges
    each opening balance; an account a concurrent transaction created first is refused."""
    if not deltas:
        return {}
    keys = sorted(deltas)
    kinds = [ACCOUNT_KINDS[kind] for kind, _, _ in keys]
    ids = _next_ids(session, "ledger_accounts", len(keys))
    copy_columns(
        session,
        "ledger_accounts",
        len(keys),
        {
            "id": ids,
            "kind": [key[0] for key in keys],
            "jurisdiction_code": [key[1] for key in keys],
            "owner_key": [key[2] for key in keys],
            "person_id": [_owner_id(key[2], "person:") for key in keys],
            "platform_id": [_owner_id(key[2], "platform:") for key in keys],
            "normal_side": [kind.side for kind in kinds],
            "allow_negative": [kind.allow_negative for kind in kinds],
            "balance_fen": [deltas[key] for key in keys],
            "created_at": utc_now(),
        },
    )
    return dict(zip(keys, ids, strict=True))


def _owner_id(owner_key: str, prefix: str) -> int | None:
    return int(owner_key[len(prefix) :]) if owner_key.startswith(prefix) else None


def _next_ids(session: Session, table: str, count: int) -> list[int]:
    """PostgreSQL: ``count`` ids from the table's sequence, ascending, in one round trip."""
    drawn = session.scalar(
        text(
            "SELECT array_agg(nextval(pg_get_serial_sequence(:table, 'id'))) "
            "FROM generate_series(1, :count)"
        ),
        {"table": table, "count": count},
    )
    return sorted(drawn or [])


def lock_accounts(session: Session, ids: Iterable[int]) -> None:
    """PostgreSQL: lock the rows in ascending id order, so that concurrent posters that touch the
    same accounts queue up instead of deadlocking.

    The lock is FOR NO KEY UPDATE, the one an UPDATE of the balance takes: it keeps other
    posters off the balance but lets their postings' foreign-key checks (FOR KEY SHARE) through.
    """
    ordered = sorted(set(ids))
    if ordered:
        # One probe of the primary key per id, in the array's (ascending) order: the locks are
        # taken in that order, and the plan stays a nested loop however big the table.
        session.execute(
            text(
                "SELECT a.id FROM unnest(CAST(:ids AS BIGINT[])) WITH ORDINALITY AS w(id, n) "
                "CROSS JOIN LATERAL (SELECT x.id FROM ledger_accounts AS x WHERE x.id = w.id "
                "LIMIT 1 FOR NO KEY UPDATE) AS a ORDER BY w.n"
            ),
            {"ids": ints(ordered)},
        ).all()


def add_to_balances(session: Session, deltas: dict[int, int]) -> None:
    """One aggregated change per account (normal side); the CHECK constraint judges the result."""
    changes = sorted((account_id, delta) for account_id, delta in deltas.items() if delta != 0)
    if not changes:
        return
    if is_postgresql(session):
        session.execute(
            text(
                "UPDATE ledger_accounts AS a SET balance_fen = a.balance_fen + d.delta "
                "FROM unnest(CAST(:ids AS BIGINT[]), CAST(:deltas AS BIGINT[])) AS d(id, delta) "
                "WHERE a.id = d.id"
            ),
            {"ids": ints(c[0] for c in changes), "deltas": ints(c[1] for c in changes)},
        )
        return
    session.execute(
        update(accounts_table)
        .where(accounts_table.c.id == bindparam("account_id"))
        .values(balance_fen=accounts_table.c.balance_fen + bindparam("delta")),
        [{"account_id": account_id, "delta": delta} for account_id, delta in changes],
    )


def missing_people(session: Session, ids: Sequence[int]) -> set[int]:
    return set(ids) - _present(session, Person.id, sorted(set(ids)))


def missing_platforms(session: Session, ids: Sequence[int]) -> set[int]:
    return set(ids) - _present(session, Platform.id, sorted(set(ids)))


def _present(session: Session, column: InstrumentedAttribute[int], ids: list[int]) -> set[int]:
    found: set[int] = set()
    if is_postgresql(session):
        # A join, never ``= ANY`` of a large array: the planner may scan the table and search
        # the array element by element for every row.
        wanted = unnest("wanted", ints(ids), BigInteger)
        found.update(session.scalars(select(column).join(wanted, column == wanted.c.value)))
        return found
    for chunk in _chunks(ids):
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def missing_jurisdictions(session: Session, codes: Sequence[str]) -> set[str]:
    wanted = sorted(set(codes))
    found = set(session.scalars(select(Jurisdiction.code).where(Jurisdiction.code.in_(wanted))))
    return set(wanted) - found


# --- entries -----------------------------------------------------------------------------------


def entry_by_id(session: Session, entry_id: int) -> JournalEntry | None:
    return session.get(JournalEntry, entry_id)


def entry_by_key(session: Session, key: str) -> JournalEntry | None:
    return session.scalars(select(JournalEntry).where(JournalEntry.key == key)).one_or_none()


def reversal_of(session: Session, entry_id: int) -> JournalEntry | None:
    return session.scalars(
        select(JournalEntry).where(JournalEntry.reverses_entry_id == entry_id)
    ).one_or_none()


def stored_entries(session: Session, keys: Sequence[str]) -> dict[str, StoredEntry]:
    """The entries with these keys, with their postings (one query, or a few on SQLite)."""
    lines: dict[str, list[tuple[NaturalKey, int]]] = {}
    heads: dict[str, tuple[int, int | None]] = {}
    if not keys:
        return {}
    if is_postgresql(session):
        # Each key probes the unique index (LATERAL with LIMIT is not flattened into a join,
        # which could read the whole journal); the postings follow by entry.
        rows: Iterable[Any] = session.execute(
            text(
                "SELECT e.key, e.id, e.reverses_entry_id, a.kind, a.jurisdiction_code, "
                "a.owner_key, p.amount_fen FROM unnest(CAST(:keys AS VARCHAR[])) AS w(key) "
                "CROSS JOIN LATERAL (SELECT x.id, x.key, x.reverses_entry_id "
                "FROM ledger_entries AS x WHERE x.key = w.key LIMIT 1) AS e "
                "JOIN ledger_postings AS p ON p.entry_id = e.id "
                "JOIN ledger_accounts AS a ON a.id = p.account_id"
            ),
            {"keys": texts(keys)},
        )
    else:
        rows = (
            row
            for chunk in _chunks(list(keys))
            for row in session.execute(
                select(
                    JournalEntry.key,
                    JournalEntry.id,
                    JournalEntry.reverses_entry_id,
                    LedgerAccount.kind,
                    LedgerAccount.jurisdiction_code,
                    LedgerAccount.owner_key,
                    Posting.amount_fen,
                )
                .join(Posting, Posting.entry_id == JournalEntry.id)
                .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
                .where(JournalEntry.key.in_(chunk))
            )
        )
    for key, entry_id, reverses, kind, code, owner, amount in rows:
        heads[key] = (entry_id, reverses)
        lines.setdefault(key, []).append(((kind, code, owner), amount))
    return {
        key: StoredEntry(entry_id, key, reverses, tuple(sorted(lines[key])))
        for key, (entry_id, reverses) in heads.items()
    }


def insert_entries(
    session: Session, rows: list[dict[str, Any]], *, actor: str, at: datetime
) -> dict[str, int]:
    """Insert entries (given in key order), skipping keys that exist; returns {key: id} of the
    rows inserted. Inserting in key order keeps two overlapping batches from deadlocking on the
    unique index."""
    if not rows:
        return {}
    if is_postgresql(session):
        result = session.execute(
            text(
                "INSERT INTO ledger_entries (key, kind, description, month, actor, created_at) "
                "SELECT k, kd, d, m, :actor, :at FROM unnest(CAST(:keys AS VARCHAR[]), "
                "CAST(:kinds AS VARCHAR[]), CAST(:descriptions AS VARCHAR[]), "
                "CAST(:months AS VARCHAR[])) AS t(k, kd, d, m) "
                "ON CONFLICT (key) DO NOTHING RETURNING key, id"
            ),
            {
                "keys": texts(row["key"] for row in rows),
                "kinds": texts(row["kind"] for row in rows),
                "descriptions": texts(row["description"] for row in rows),
                "months": texts(row["month"] for row in rows),
                "actor": actor,
                "at": at,
            },
        )
    else:
        result = session.execute(
            sqlite_insert(entries_table)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(entries_table.c.key, entries_table.c.id),
            [{**row, "actor": actor, "created_at": at} for row in rows],
        )
    return {key: entry_id for key, entry_id in result.all()}


def insert_postings(session: Session, rows: list[tuple[int, int, int]]) -> None:
    """(entry_id, account_id, amount_fen) rows."""
    if not rows:
        return
    if is_postgresql(session):
        session.execute(
            text(
                "INSERT INTO ledger_postings (entry_id, account_id, amount_fen) "
                "SELECT * FROM unnest(CAST(:entries AS BIGINT[]), CAST(:accounts AS BIGINT[]), "
                "CAST(:amounts AS BIGINT[]))"
            ),
            {
                "entries": ints(row[0] for row in rows),
                "accounts": ints(row[1] for row in rows),
                "amounts": ints(row[2] for row in rows),
            },
        )
        return
    session.execute(
        postings_table.insert(),
        [{"entry_id": e, "account_id": a, "amount_fen": m} for e, a, m in rows],
    )


def next_entry_ids(session: Session, count: int) -> list[int]:
    """PostgreSQL: ``count`` ids from the journal's sequence, ascending."""
    return _next_ids(session, "ledger_entries", count)


def copy_entries(session: Session, count: int, columns: dict[str, Column]) -> None:
    """PostgreSQL: COPY entries given column by column (id, key, kind, description, month,
    actor, created_at)."""
    copy_columns(session, "ledger_entries", count, columns)


def copy_postings(session: Session, count: int, columns: dict[str, Column]) -> None:
    """PostgreSQL: COPY postings given column by column (entry_id, account_id, amount_fen)."""
    copy_columns(session, "ledger_postings", count, columns)


# --- interest ----------------------------------------------------------------------------------


class AccountYear(NamedTuple):
    account_id: int
    person_id: int
    before_fen: int
    """Σ postings of entries whose month is before the year (debit +, credit −)."""
    during_fen: int
    """Σ postings of the year's entries other than interest."""


def personal_pension_years(
    session: Session, *, jurisdiction: str, year: int, after_id: int, limit: int
) -> list[AccountYear]:
    """A chunk of a jurisdiction's personal pension accounts, in id order after ``after_id``."""
    theirs = and_(
        LedgerAccount.kind == "personal_pension",
        LedgerAccount.jurisdiction_code == jurisdiction,
        LedgerAccount.id > after_id,
    )
    last_id = session.scalar(
        select(func.max(LedgerAccount.id)).where(
            LedgerAccount.id.in_(
                select(LedgerAccount.id).where(theirs).order_by(LedgerAccount.id).limit(limit)
            )
        )
    )
    if last_id is None:
        return []
    first, last = f"{year:04d}-01", f"{year:04d}-12"
    before = case((JournalEntry.month < first, Posting.amount_fen), else_=0)
    during = case(
        (
            and_(
                JournalEntry.month >= first,
                JournalEntry.month <= last,
                JournalEntry.kind != "interest",
            ),
            Posting.amount_fen,
        ),
        else_=0,
    )
    rows = session.execute(
        select(
            LedgerAccount.id,
            LedgerAccount.person_id,
            _total(before),
            _total(during),
        )
        .select_from(LedgerAccount)
        .outerjoin(Posting, Posting.account_id == LedgerAccount.id)
        .outerjoin(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(theirs, LedgerAccount.id <= last_id)
        .group_by(LedgerAccount.id, LedgerAccount.person_id)
        .order_by(LedgerAccount.id)
    ).all()
    # A personal account always has its person (the owner key says so).
    return [AccountYear(row[0], cast(int, row[1]), row[2], row[3]) for row in rows]


# --- verification ------------------------------------------------------------------------------


def journal_size(session: Session) -> tuple[int, int]:
    """(entries, accounts)."""
    entries = session.scalar(select(func.count()).select_from(JournalEntry)) or 0
    accounts = session.scalar(select(func.count()).select_from(LedgerAccount)) or 0
    return entries, accounts


def accounts_out_of_line(session: Session) -> list[Any]:
    """Accounts whose cached balance differs from their postings, whose recomputed balance breaks
    the sign rule, or whose side or sign rule is not their kind's."""
    totals = (
        select(Posting.account_id, _total(Posting.amount_fen).label("total"))
        .group_by(Posting.account_id)
        .subquery()
    )
    total = func.coalesce(totals.c.total, 0)
    expected = case((LedgerAccount.normal_side == "debit", total), else_=-total)
    side = case({k.name: k.side for k in ACCOUNT_KINDS.values()}, value=LedgerAccount.kind)
    negative_ok = [k.name for k in ACCOUNT_KINDS.values() if k.allow_negative]
    allowed = case((LedgerAccount.kind.in_(negative_ok), literal(True)), else_=literal(False))
    return list(
        session.execute(
            select(
                LedgerAccount.id,
                LedgerAccount.kind,
                LedgerAccount.jurisdiction_code,
                LedgerAccount.owner_key,
                LedgerAccount.normal_side,
                LedgerAccount.allow_negative,
                LedgerAccount.balance_fen,
                expected.label("expected"),
            )
            .outerjoin(totals, totals.c.account_id == LedgerAccount.id)
            .where(
                or_(
                    LedgerAccount.balance_fen != expected,
                    and_(LedgerAccount.allow_negative.is_(False), expected < 0),
                    and_(LedgerAccount.allow_negative.is_(False), LedgerAccount.balance_fen < 0),
                    LedgerAccount.normal_side != side,
                    LedgerAccount.allow_negative != allowed,
                )
            )
            .order_by(LedgerAccount.id)
        ).all()
    )


def unbalanced_entries(session: Session) -> list[Any]:
    """Entries with fewer than two postings or postings that do not sum to zero."""
    postings = func.count(Posting.id)
    total = _total(Posting.amount_fen)
    return list(
        session.execute(
            select(JournalEntry.id, JournalEntry.key, postings, total)
            .outerjoin(Posting, Posting.entry_id == JournalEntry.id)
            .group_by(JournalEntry.id, JournalEntry.key)
            .having(or_(postings < 2, total != 0))
            .order_by(JournalEntry.id)
        ).all()
    )


def reversals(session: Session) -> list[Any]:
    """(id, key, kind, reverses_entry_id, original id or None) of every entry that is a reversal
    or says it is one."""
    original = aliased(JournalEntry)
    return list(
        session.execute(
            select(
                JournalEntry.id,
                JournalEntry.key,
                JournalEntry.kind,
                JournalEntry.reverses_entry_id,
                original.id,
            )
            .outerjoin(original, original.id == JournalEntry.reverses_entry_id)
            .where(
                or_(JournalEntry.reverses_entry_id.is_not(None), JournalEntry.kind == "reversal")
            )
            .order_by(JournalEntry.id)
        ).all()
    )


def postings_of(session: Session, entry_ids: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
    """{entry_id: [(account_id, amount_fen), …]}"""
    found: dict[int, list[tuple[int, int]]] = {entry_id: [] for entry_id in entry_ids}
    for chunk in _chunks(sorted(set(entry_ids))):
        for entry_id, account_id, amount in session.execute(
            select(Posting.entry_id, Posting.account_id, Posting.amount_fen).where(
                Posting.entry_id.in_(chunk)
            )
        ):
            found[entry_id].append((account_id, amount))
    return found
