"""Domain events inside a unit of work: a capability announces what happened (a person enrolled)
and the capabilities that care react in the same transaction, so both commit or neither does and
the announcer does not know who listens. Who listens is wired once, at start-up, by
:func:`flexcover.wiring.connect` (the web app, the command line and the tests call it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

PERSON_ENROLLED = "person.enrolled"
"""A person was enrolled in the employee pension: ``person_key`` (the keyed ID hash), ``scheme``,
``jurisdiction``."""


@dataclass(frozen=True)
class Event:
    name: str
    data: Mapping[str, Any] = field(default_factory=dict)


Listener = Callable[[Session, Event], None]
_listeners: dict[str, list[Listener]] = defaultdict(list)


def subscribe(name: str, listener: Listener) -> None:
    """Call ``listener`` for every ``name`` event from now on (once, however often it is
    subscribed)."""
    if listener not in _listeners[name]:
        _listeners[name].append(listener)


def listeners(name: str) -> tuple[Listener, ...]:
    return tuple(_listeners.get(name, ()))


def publish(session: Session, name: str, **data: Any) -> None:
    """Tell the listeners of ``name``, in the caller's unit of work."""
    event = Event(name, data)
    for listener in listeners(name):
        listener(session, event)
