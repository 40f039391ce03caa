"""Where the cockpit's numbers lead: the staff lists behind each figure, filtered to it."""

from __future__ import annotations

from urllib.parse import urlencode

from flexcover.coverage.service import TASK_CLASSES
from flexcover.kit.divisions import current_divisions


def link(path: str, **query: object) -> str:
    """``path?query`` with the empty parameters left out (``klass`` is sent as ``class``)."""
    pairs = {("class" if k == "klass" else k): v for k, v in query.items() if v not in (None, "")}
    return f"{path}?{urlencode(pairs)}" if pairs else path


def people_link(run: int, *, region: str | None = None, **query: object) -> str:
    return link("/staff/coverage/people", run=run, region=region, **query)


def tasks_link(**query: object) -> str:
    return link("/staff/tasks", **query)


def class_link(run: int, district: str, klass: str, tag: str | None = None) -> str:
    """The list behind a class count: the open tasks for classes that have tasks, else the
    run's people."""
    if klass in TASK_CLASSES:
        return tasks_link(district=district, klass=klass, tag=tag, status="open")
    return people_link(run, district=district, klass=klass, tag=tag)


def name_of(code: str) -> str:
    return current_divisions().get(code, code)


def count_text(value: int) -> str:
    return f"{value:,}"


def bills_link(**query: object) -> str:
    return link("/staff/bills", **query)
