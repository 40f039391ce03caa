"""The cockpit panels of 精准扩面: coverage by district, expansion progress, the coverage trend
and platform workers' coverage. Every figure links to the people or tasks behind it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy.orm import Session

from flexcover.cockpit import charts
from flexcover.cockpit.figures import percent_text
from flexcover.cockpit.links import class_link, count_text, link, name_of, people_link, tasks_link
from flexcover.cockpit.panels import (
    GENERIC_TEMPLATE,
    Cell,
    Chart,
    Figure,
    Table,
    View,
    Viewing,
    register,
)
from flexcover.coverage import service
from flexcover.coverage.service import CLASS_LABELS, CLASSES, ComparisonRun
from flexcover.kit.audit import Actor
from flexcover.kit.i18n import translate
from flexcover.kit.months import Month, month_range
from flexcover.registry.authz import region_contains

CHART_WIDTH = 360
"""Charts are drawn at about a phone's width: legible there unscaled, and side by side on a desk."""
NOT_COVERED = ("interrupted", "dropped", "never_insured")
"""The classes of people who should be insured and are not, in the order the charts stack them."""


def _rate(part: int, whole: int) -> Fraction:
    """For ranking: exact, and a district with nothing to divide by ranks last."""
    return Fraction(part, whole) if whole else Fraction(-1)


@dataclass(frozen=True)
class _Coverage:
    run: ComparisonRun | None
    districts: list[service.DistrictCoverage]


def _coverage(session: Session, actor: Actor, region: str, viewing: Viewing) -> _Coverage:
    """The newest run covering ``region`` and its people by district, read once per page."""
    cached: dict[str, _Coverage] = viewing.cache.setdefault("coverage", {})
    if region not in cached:
        run = service.latest_run(session, actor, region)
        rows = service.coverage_by_district(session, actor, run, region) if run else []
        cached[region] = _Coverage(run, rows)
    return cached[region]


def _run_note(run: ComparisonRun, lang: str) -> str:
    return translate("cockpit.run_note", lang, month=run.as_of, run=run.id)


class _Base(ABC):
    """A panel drawn by the generic template from the :class:`View` its subclass builds."""

    template = GENERIC_TEMPLATE
    key = ""
    order = 0
    title: Mapping[str, str] = {}

    def build(
        self, session: Session, actor: Actor, region: str, viewing: Viewing
    ) -> dict[str, Any]:
        return self.view(session, actor, region, viewing, viewing.language).context()

    @abstractmethod
    def view(
        self, session: Session, actor: Actor, region: str, viewing: Viewing, lang: str
    ) -> View:
        """The panel's figures, charts and tables for ``region`` in ``lang``."""


class CoveragePanel(_Base):
    """(a) 参保率: people per class in each district, and the coverage rate ranked."""

    key = "coverage"
    order = 10
    title = {"zh-CN": "各区县参保情况", "en": "Coverage by district"}

    def view(
        self, session: Session, actor: Actor, region: str, viewing: Viewing, lang: str
    ) -> View:
        found = _coverage(session, actor, region, viewing)
        if found.run is None or not found.districts:
            return View(empty=translate("cockpit.no_run", lang))
        run, rows = found.run, found.districts
        unit = translate("cockpit.unit.people", lang)
        labels = CLASS_LABELS[lang]
        covered = sum(row.covered for row in rows)
        should = sum(row.should_be_insured for row in rows)
        to_reach = sum(row.classes.get(k, 0) for row in rows for k in NOT_COVERED)
        figures = [
            Figure(
                translate("cockpit.coverage_rate", lang),
                percent_text(covered, should),
                people_link(run.id, region=region, klass="covered"),
                "coverage-rate",
                translate(
                    "cockpit.rate_of", lang, covered=count_text(covered), of=count_text(should)
                ),
            ),
            Figure(
                translate("cockpit.to_reach", lang),
                count_text(to_reach),
                tasks_link(region=region, kind="person", status="open"),
                "coverage-to-reach",
            ),
        ]
        stacked = charts.stacked_bar_chart(
            [
                charts.StackedRow(
                    label=name_of(row.district),
                    segments=[
                        charts.Segment(row.classes.get(k, 0), class_link(run.id, row.district, k))
                        for k in CLASSES
                    ],
                    href=people_link(run.id, district=row.district),
                )
                for row in rows
            ],
            [labels[k] for k in CLASSES],
            title=translate("cockpit.people_by_class", lang),
            unit=unit,
            width=CHART_WIDTH,
            lang=lang,
        )
        ranked = sorted(rows, key=lambda r: (-_rate(r.covered, r.should_be_insured), r.district))
        rates = charts.bar_chart(
            [
                charts.Bar(
                    name_of(row.district),
                    row.covered,
                    people_link(run.id, district=row.district, klass="covered"),
                    of=row.should_be_insured,
                )
                for row in ranked
            ],
            title=translate("cockpit.rate_by_district", lang),
            value_format="percent",
            width=CHART_WIDTH,
            lang=lang,
        )
        table = Table(
            [translate("staff.district", lang), translate("cockpit.coverage_rate", lang)]
            + [labels[k] for k in CLASSES],
            [
                [
                    Cell(name_of(row.district), link("/staff/cockpit", region=row.district), False),
                    Cell(percent_text(row.covered, row.should_be_insured)),
                    *[
                        Cell(
                            count_text(row.classes.get(k, 0)),
                            class_link(run.id, row.district, k),
                            testid=f"class-{k}-{row.district}",
                        )
                        for k in CLASSES
                    ],
                ]
                for row in rows
            ],
            testid="coverage-table",
        )
        return View(
            note=_run_note(run, lang),
            figures=figures,
            charts=[
                Chart(stacked, translate("cockpit.people_by_class", lang)),
                Chart(rates, translate("cockpit.rate_by_district", lang)),
                Chart(
                    charts.tile_map(
                        [
                            charts.Tile(
                                name_of(row.district),
                                row.covered,
                                row.should_be_insured,
                                people_link(run.id, district=row.district, klass="covered"),
                            )
                            for row in sorted(rows, key=lambda r: r.district)
                        ],
                        title=translate("cockpit.coverage_map", lang),
                        lang=lang,
                    ),
                    translate("cockpit.coverage_map", lang),
                ),
            ],
            tables=[table],
        )


class ProgressPanel(_Base):
    """(b) 扩面进度: tasks issued, verified and converted per district, ranked by conversion."""

    key = "progress"
    order = 20
    title = {"zh-CN": "扩面任务进度", "en": "Expansion progress"}

    def view(
        self, session: Session, actor: Actor, region: str, viewing: Viewing, lang: str
    ) -> View:
        rows = service.progress(session, actor, region)
        if not rows:
            return View(empty=translate("cockpit.no_tasks", lang))
        ranked = sorted(rows, key=lambda p: (-_rate(p.converted, p.issued), p.district))
        issued = sum(p.issued for p in rows)
        verified = sum(p.verified for p in rows)
        converted = sum(p.converted for p in rows)
        figures = [
            Figure(
                translate("cockpit.issued", lang),
                count_text(issued),
                tasks_link(region=region, status="current"),
                "progress-issued",
            ),
            Figure(
                translate("cockpit.verified", lang),
                count_text(verified),
                tasks_link(region=region, status="verified"),
                "progress-verified",
                percent_text(verified, issued),
            ),
            Figure(
                translate("cockpit.converted", lang),
                count_text(converted),
                tasks_link(region=region, status="converted"),
                "progress-converted",
                percent_text(converted, issued),
            ),
        ]
        bars = []
        for p in ranked:
            name = name_of(p.district)
            for word, done, status in (
                ("cockpit.verified", p.verified, "verified"),
                ("cockpit.converted", p.converted, "converted"),
            ):
                bars.append(
                    Chart(
                        charts.progress_bar(
                            done,
                            p.issued,
                            label=f"{name} · {translate(word, lang)}",
                            href=tasks_link(district=p.district, status=status),
                            width=300,
                            lang=lang,
                        )
                    )
                )
        table = Table(
            [
                translate("staff.district", lang),
                translate("cockpit.issued", lang),
                translate("cockpit.verified", lang),
                translate("cockpit.converted", lang),
                translate("cockpit.conversion", lang),
            ],
            [
                [
                    Cell(name_of(p.district), link("/staff/cockpit", region=p.district), False),
                    Cell(
                        count_text(p.issued),
                        tasks_link(district=p.district, status="current"),
                        testid=f"progress-issued-{p.district}",
                    ),
                    Cell(
                        count_text(p.verified),
                        tasks_link(district=p.district, status="verified"),
                        testid=f"progress-verified-{p.district}",
                    ),
                    Cell(
                        count_text(p.converted),
                        tasks_link(district=p.district, status="converted"),
                        testid=f"progress-converted-{p.district}",
                    ),
                    Cell(percent_text(p.converted, p.issued)),
                ]
                for p in ranked
            ],
            testid="progress-table",
        )
        return View(figures=figures, charts=bars, tables=[table])


class TrendPanel(_Base):
    """(c) 参保率走势: the coverage rate of the region in each month a comparison was run for
    (the newest finished run of each month)."""

    key = "trend"
    order = 30
    title = {"zh-CN": "参保率走势", "en": "Coverage rate over time"}

    def view(
        self, session: Session, actor: Actor, region: str, viewing: Viewing, lang: str
    ) -> View:
        done = [run for run in service.runs(session, actor, region) if run.status == "done"]
        # A run of the whole region (or above it) speaks for all of it; one of a single district
        # inside a city would make the city's rate jump, so it is used only when there is no other.
        whole = [run for run in done if region_contains(run.jurisdiction_code, region)]
        chosen: dict[str, ComparisonRun] = {}
        for run in whole or done:  # newest first: the first run of a month is its latest
            chosen.setdefault(run.as_of, run)
        if not chosen:
            return View(empty=translate("cockpit.no_run", lang))
        months = list(month_range(Month.parse(min(chosen)), Month.parse(max(chosen))))
        points = []
        for month in months:
            of_month = chosen.get(str(month))
            if of_month is None:
                points.append(charts.Point(None))
                continue
            rows = service.coverage_by_district(session, actor, of_month, region)
            points.append(
                charts.Point(
                    sum(row.covered for row in rows),
                    people_link(of_month.id, region=region, klass="covered"),
                    of=sum(row.should_be_insured for row in rows),
                )
            )
        title = translate("cockpit.coverage_rate", lang)
        chart = charts.line_chart(
            [charts.LineSeries(title, points)],
            months,
            title=self.title[lang],
            value_format="percent",
            width=CHART_WIDTH,
            lang=lang,
        )
        return View(charts=[Chart(chart)])


class PlatformPanel(_Base):
    """(d) 平台从业人员参保: platform workers covered or not, per district."""

    key = "platform"
    order = 40
    title = {"zh-CN": "平台从业人员参保情况", "en": "Platform workers' coverage"}
    tag = "platform_worker"
    shown = ("covered", *NOT_COVERED)

    def view(
        self, session: Session, actor: Actor, region: str, viewing: Viewing, lang: str
    ) -> View:
        found = _coverage(session, actor, region, viewing)
        run = found.run
        rows = [row for row in found.districts if row.tags.get(self.tag)]
        if run is None or not rows:
            return View(empty=translate("cockpit.no_platform", lang))
        labels = CLASS_LABELS[lang]

        def of(row: service.DistrictCoverage, klass: str) -> int:
            return row.tags_by_class.get((self.tag, klass), 0)

        covered = sum(of(row, "covered") for row in rows)
        should = sum(of(row, k) for row in rows for k in self.shown)
        figures = [
            Figure(
                translate("cockpit.platform_rate", lang),
                percent_text(covered, should),
                people_link(run.id, region=region, klass="covered", tag=self.tag),
                "platform-rate",
                translate(
                    "cockpit.rate_of", lang, covered=count_text(covered), of=count_text(should)
                ),
            )
        ]
        chart = charts.stacked_bar_chart(
            [
                charts.StackedRow(
                    label=name_of(row.district),
                    segments=[
                        charts.Segment(of(row, k), class_link(run.id, row.district, k, self.tag))
                        for k in self.shown
                    ],
                    # The bar's total counts the insurable (the segments shown), so its list
                    # leaves the excluded out.
                    href=people_link(
                        run.id, district=row.district, klass="insurable", tag=self.tag
                    ),
                )
                for row in rows
            ],
            [labels[k] for k in self.shown],
            title=self.title[lang],
            unit=translate("cockpit.unit.people", lang),
            width=CHART_WIDTH,
            lang=lang,
        )
        table = Table(
            [translate("staff.district", lang), translate("cockpit.coverage_rate", lang)]
            + [labels[k] for k in self.shown],
            [
                [
                    Cell(name_of(row.district), link("/staff/cockpit", region=row.district), False),
                    Cell(percent_text(of(row, "covered"), sum(of(row, k) for k in self.shown))),
                    *[
                        Cell(
                            count_text(of(row, k)),
                            class_link(run.id, row.district, k, self.tag),
                            testid=f"platform-{k}-{row.district}",
                        )
                        for k in self.shown
                    ],
                ]
                for row in rows
            ],
            testid="platform-table",
        )
        return View(
            note=_run_note(run, lang),
            figures=figures,
            charts=[Chart(chart, translate("cockpit.platform_by_class", lang))],
            tables=[table],
        )


register(CoveragePanel())
register(ProgressPanel())
register(TrendPanel())
register(PlatformPanel())
