"""The database: one engine per process, one unit of work per request or task.

Services receive a ``Session`` and never commit; the boundary that opened the unit of work (an API
request, a CLI command, a batch chunk) commits it or rolls it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


SQLITE_BUSY_SECONDS = 15
"""How long a SQLite unit of work waits for the write lock before it is refused as busy."""
PG_LOCK_TIMEOUT_MS = 5000
"""How long a PostgreSQL statement waits for a row or table lock."""
POOL_TIMEOUT_SECONDS = 10
"""How long a request waits for a free PostgreSQL connection."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, **options: Any) -> Engine:
    if url.startswith("sqlite"):
        # Requests run their work in a thread pool and commit from another thread; the session is
        # never used by two threads at once, so the same-thread check only gets in the way.
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False},
            **options,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            # pysqlite opens transactions lazily and on its own, which breaks SAVEPOINTs (a
            # released savepoint would commit). Let SQLAlchemy say BEGIN itself instead.
            connection.isolation_level = None
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # IMMEDIATE: a unit of work takes the write lock when it begins, waiting up to the
            # busy timeout for it. A deferred BEGIN that reads, then writes (a staff read and its
            # audit row, a payment) fails at once with "database is locked" when another writer
            # committed in between: SQLite cannot wait there without a deadlock. Readers of WAL
            # outside units of work (the tests' inspection, backups) are never blocked.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No JIT: flexcover's statements are index lookups and bulk writes over arrays, whose high
    # plan costs would make PostgreSQL compile each one (50–100 ms) for nothing. A caller waits
    # at most POOL_TIMEOUT for a free connection, then is refused as busy.
    options.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"}, **options)


def bound_lock_waits(session: Session) -> None:
    """Let this unit of work wait at most :data:`PG_LOCK_TIMEOUT_MS` for a row lock on
    PostgreSQL (a burst of payments for one person queue on that person's bills): a request
    then fails as busy and frees its connection, instead of every request waiting in the pool
    behind one hot row. Batch work keeps PostgreSQL's unbounded wait. (SQLite waits for its one
    write lock at BEGIN, up to :data:`SQLITE_BUSY_SECONDS`.)"""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL lock_timeout = {PG_LOCK_TIMEOUT_MS}"))


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` means the database was too busy (a lock not had in time, or no free
    connection): the work was rolled back and may be tried again in a moment."""
    if isinstance(error, SATimeoutError):
        return True
    if not isinstance(error, OperationalError | DBAPIError):
        return False
    original = getattr(error, "orig", None)
    code = getattr(original, "sqlstate", None)
    if code in ("55P03", "40001", "40P01"):  # lock_not_available, serialization, deadlock
        return True
    return "database is locked" in str(original) or "database is busy" in str(original)


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """Commit if the block finishes, roll back if it raises. The only place that commits."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def one_of(column: str, values: Iterable[str]) -> str:
    """The SQL of a CHECK that ``column`` holds one of ``values`` (a status enum's members): the
    enum, the table's constraint and the schemas then say the same."""
    listed = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({listed})"
