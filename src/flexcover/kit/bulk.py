"""Bulk writes for batch tasks: COPY on PostgreSQL (the engine's fastest path), executemany on
SQLite. Both run inside the caller's transaction.

Large parameter lists are the slow path on PostgreSQL (every bound parameter of a many-row INSERT
is parsed on the client), so batch code sends rows with COPY and selects by ranges, never by long
``IN`` lists.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

import psycopg
from sqlalchemy import Table, insert, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flexcover.kit.database import Base

REFUSED = (IntegrityError, psycopg.IntegrityError)
"""What the database raises when it refuses a write: through SQLAlchemy, or straight from the
driver (COPY)."""


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _json(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if value is not None else None


def _copy(
    session: Session, table_name: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    # psycopg adapts numbers, text and timestamps itself; only JSON columns need encoding.
    encoded = [c for c in columns if isinstance(rows[0][c], dict | list)]
    connection: Any = session.connection().connection.driver_connection
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        if encoded:
            for row in rows:
                copy.write_row(tuple(_json(row[c]) if c in encoded else row[c] for c in columns))
        else:
            for row in rows:
                copy.write_row(tuple(row[c] for c in columns))


Column = Sequence[Any] | str | int | bool | datetime | None
"""A column for :func:`copy_columns`: one value per row, or one value for every row."""


def copy_columns(session: Session, table_name: str, count: int, columns: dict[str, Column]) -> None:
    """PostgreSQL: COPY ``count`` rows given column by column, in the caller's transaction.

    Each column is turned into COPY text at once (``map(str, …)`` over integers, text checked
    for characters to escape in one pass), which costs a fraction of adapting every value of
    every row. Columns hold integers, text, timestamps, booleans or None — never floats.
    """
    if not count:
        return
    encoded = [_encoded(name, values, count) for name, values in columns.items()]
    body = "\n".join(map("\t".join, zip(*encoded, strict=True))) + "\n"
    session.flush()
    connection: Any = session.connection().connection.driver_connection
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        copy.write(body.encode())


_NULL = "\\N"
_SPECIAL = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _encoded(name: str, column: Column, count: int) -> Iterable[str]:
    """One column as COPY text values."""
    if column is None or isinstance(column, str | int | bool | datetime):
        return itertools.repeat(next(iter(_encoded(name, [column], 1))), count)
    values: Sequence[Any] = column
    if len(values) != count:
        raise ValueError(f"column {name} has {len(values)} values for {count} rows")
    kinds = set(map(type, values))
    nulls = type(None) in kinds
    kinds.discard(type(None))
    encoded: list[str | None]
    if not kinds:
        return [_NULL] * count
    if kinds == {int}:
        encoded = [None if v is None else str(v) for v in values] if nulls else [*map(str, values)]
    elif kinds == {str}:
        encoded = list(values)
        joined = "".join(v for v in encoded if v is not None)
        if any(c in joined for c in "\\\n\r\t"):
            encoded = [None if v is None else v.translate(_SPECIAL) for v in encoded]
    elif kinds == {datetime}:
        encoded = [None if v is None else v.isoformat() for v in values]
    elif kinds == {bool}:
        encoded = [None if v is None else ("t" if v else "f") for v in values]
    else:
        raise TypeError(f"column {name} holds {sorted(k.__name__ for k in kinds)}: not COPYable")
    return [_NULL if v is None else v for v in encoded] if nulls else encoded  # type: ignore[return-value]


def insert_columns(
    session: Session, model: type[Base] | Table, count: int, columns: dict[str, Column]
) -> None:
    """Insert ``count`` rows given column by column (see :func:`copy_columns`) into a model's
    table or a plain (e.g. temporary) table: COPY on PostgreSQL, an executemany elsewhere."""
    if not count:
        return
    table = model if isinstance(model, Table) else cast(Table, model.__table__)
    if is_postgresql(session):
        copy_columns(session, table.name, count, columns)
        return
    expanded = [
        itertools.repeat(values, count)
        if values is None or isinstance(values, str | int | bool | datetime)
        else values
        for values in columns.values()
    ]
    session.execute(
        insert(table), [dict(zip(columns, row, strict=True)) for row in zip(*expanded, strict=True)]
    )


def insert_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) into ``model``'s table."""
    if not rows:
        return
    if is_postgresql(session):
        session.flush()
        _copy(session, model.__tablename__, list(rows[0]), rows)
    else:
        session.execute(insert(model), list(rows))


def insert_new(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], unique: Sequence[str]
) -> None:
    """Insert the ``rows`` whose ``unique`` columns are not taken yet; skip the others."""
    if not rows:
        return
    columns = list(rows[0])
    name = model.__tablename__
    if is_postgresql(session):
        session.flush()
        scratch = f"_bulk_{name}"
        session.execute(
            text(
                f"CREATE TEMP TABLE IF NOT EXISTS {scratch} "
                f"(LIKE {name} INCLUDING DEFAULTS) ON COMMIT DROP"
            )
        )
        session.execute(text(f"TRUNCATE {scratch}"))
        _copy(session, scratch, columns, rows)
        listed = ", ".join(columns)
        session.execute(
            text(
                f"INSERT INTO {name} ({listed}) SELECT {listed} FROM {scratch} "  # noqa: S608
                f"ON CONFLICT ({', '.join(unique)}) DO NOTHING"
            )
        )
    else:
        session.execute(insert(model).prefix_with("OR IGNORE"), list(rows))
