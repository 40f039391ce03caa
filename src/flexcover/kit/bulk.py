"""Bulk writes for batch tasks: COPY on PostgreSQL (the engine's fastest path), executemany on
SQLite. Both run inside the caller's transaction.

Large parameter lists are the slow path on PostgreSQL (every bound parameter of a many-row INSERT
is parsed on the client), so batch code sends rows with COPY and selects by ranges, never by long
``IN`` lists.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from flexcover.kit.database import Base


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
