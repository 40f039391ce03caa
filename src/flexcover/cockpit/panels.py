"""The panels of the 数字驾驶舱: each capability registers its own, the cockpit page shows them all.

A panel is a key, a title per language, an order and a ``build`` that reads what it needs for a
region and returns the context of its template: headline figures, charts, a table.
Every figure a panel shows links to the list behind it. Adding a panel (injury claims, transfers,
outreach) means a module that calls :func:`register` and a line in :data:`PANEL_MODULES`; the
cockpit page does not change.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from flexcover.cockpit.charts import Drawing
from flexcover.kit.audit import Actor

PANEL_MODULES = (
    "flexcover.cockpit.coverage_panels",
    "flexcover.cockpit.funds_panels",
    "flexcover.cockpit.injury_panels",
)
"""The modules whose import registers panels; the one place a new capability's panels are named."""

GENERIC_TEMPLATE = "cockpit/panel.html"


@dataclass
class Viewing:
    """What a panel knows of the page showing it: the language, and a cache the panels of one
    page share (a run read once for all of them). No request: panels are not web code."""

    language: str
    cache: dict[str, Any] = field(default_factory=dict)


class Panel(Protocol):
    """One panel of the cockpit."""

    @property
    def key(self) -> str:
        """Stable, ``[a-z_]``: the panel's anchor and test id."""
        ...

    @property
    def title(self) -> Mapping[str, str]:
        """The title in each page language (``zh-CN``, ``en``)."""
        ...

    @property
    def order(self) -> int:
        """Panels are shown in ascending order."""
        ...

    @property
    def template(self) -> str:
        """The Jinja template that renders what ``build`` returns (usually
        :data:`GENERIC_TEMPLATE`)."""
        ...

    def build(
        self, session: Session, actor: Actor, region: str, viewing: Viewing
    ) -> dict[str, Any]:
        """The template context of the panel for ``region`` (already authorised as readable by
        ``actor``); a panel may still refuse with :class:`~flexcover.kit.problems.Forbidden`,
        and is then left out."""
        ...


@dataclass(frozen=True)
class Figure:
    """A headline number and the list behind it."""

    label: str
    value: str
    href: str | None = None
    testid: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Cell:
    """A table cell; numbers are right-aligned, and link to their list when ``href`` is set."""

    text: str
    href: str | None = None
    num: bool = True
    testid: str | None = None


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    testid: str | None = None


@dataclass(frozen=True)
class Chart:
    """A chart (see :mod:`flexcover.cockpit.charts`, drawn by ECharts) with an optional caption."""

    drawing: Drawing
    caption: str | None = None


@dataclass
class View:
    """What the generic panel template shows, top to bottom: a note (the data's month), the
    figures, the charts, a table; ``empty`` replaces all of them when there is nothing yet."""

    note: str | None = None
    empty: str | None = None
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def context(self) -> dict[str, Any]:
        return {"view": self}


_REGISTERED: dict[str, Panel] = {}
_loaded = False


def register(panel: Panel) -> Panel:
    """Add ``panel`` to the cockpit; registering another panel under the same key replaces it."""
    _REGISTERED[panel.key] = panel
    return panel


def panels() -> list[Panel]:
    """Every registered panel, in order (importing :data:`PANEL_MODULES` on first use)."""
    global _loaded
    if not _loaded:
        for module in PANEL_MODULES:
            importlib.import_module(module)
        _loaded = True
    return sorted(_REGISTERED.values(), key=lambda panel: (panel.order, panel.key))
