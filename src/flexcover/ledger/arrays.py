"""PostgreSQL array literals: many values in one parameter, for ``unnest`` and joins.

A batch of 10,000 rows is sent as a few text values that the server parses, instead of 10,000
bound parameters per column (or lists that the driver adapts one element at a time).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import String, bindparam, func
from sqlalchemy import cast as cast_sql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeEngine


def ints(values: Iterable[int | None]) -> str:
    """A PostgreSQL array literal of integers, for ``CAST(:x AS BIGINT[])``.

    Sent as one text value: far cheaper for psycopg than adapting a list element by element.
    """
    return "{" + ",".join("NULL" if value is None else str(value) for value in values) + "}"


def booleans(values: Iterable[bool]) -> str:
    return "{" + ",".join("t" if value else "f" for value in values) + "}"


def texts(values: Iterable[str | None]) -> str:
    """A PostgreSQL array literal of strings (each quoted and escaped), for ``VARCHAR[]``."""
    items = list(values)
    if None not in items:
        strings = cast(list[str], items)
        joined = "".join(strings)
        if '"' not in joined and "\\" not in joined:  # nothing to escape: quote in one pass
            return '{"' + '","'.join(strings) + '"}' if strings else "{}"
    return "{" + ",".join(map(_element, items)) + "}"


def _element(value: str | None) -> str:
    if value is None:
        return "NULL"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unnest(name: str, array: str, element: type[TypeEngine[Any]]) -> TableValuedAlias:
    """PostgreSQL: an array literal as a table ``name(value)``, to JOIN rather than ``= ANY``
    (a parameter array is searched linearly for every row the planner chooses to scan)."""
    values = cast_sql(bindparam(name, array, type_=String), ARRAY(element))
    return func.unnest(values).table_valued("value").render_derived(name=name)
