"""The cockpit's funds panel: contributions collected, subsidies granted and arrears outstanding in
the latest settled month, per district; every amount links to the bills behind it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from flexcover.cockpit import charts
from flexcover.cockpit.links import bills_link, link, name_of
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
from flexcover.contributions import service
from flexcover.kit.audit import Actor
from flexcover.kit.i18n import translate
from flexcover.kit.money import format_yuan

CHART_WIDTH = 360
"""Charts are drawn at about a phone's width: legible there unscaled, and side by side on a desk."""


def yuan(fen: int) -> str:
    return format_yuan(fen, grouping=True)


class FundsPanel:
    """(e) 基金收支: what was collected, granted and is owed in the latest settled month."""

    key = "funds"
    order = 50
    title = {"zh-CN": "基金收缴", "en": "Contributions and arrears"}
    template = GENERIC_TEMPLATE

    def build(
        self, session: Session, actor: Actor, region: str, viewing: Viewing
    ) -> dict[str, Any]:
        lang = viewing.language
        funds = service.region_funds(session=session, actor=actor, region=region)
        if funds is None:
            return View(empty=translate("cockpit.no_settlement", lang)).context()
        month = funds.month
        unit = translate("cockpit.unit.yuan", lang)

        def paid(district: str | None = None) -> str:
            return bills_link(region=region, district=district, month=month, status="paid")

        def granted(district: str | None = None) -> str:
            return bills_link(region=region, district=district, month=month, subsidised=1)

        def owed(district: str | None = None) -> str:
            return bills_link(region=region, district=district, through=month, status="arrears")

        figures = [
            Figure(
                translate("cockpit.collected", lang), yuan(funds.collected_fen), paid(), "collected"
            ),
            Figure(
                translate("cockpit.subsidies", lang),
                yuan(funds.subsidy_fen),
                granted(),
                "subsidies",
            ),
            Figure(translate("cockpit.arrears", lang), yuan(funds.arrears_fen), owed(), "arrears"),
        ]
        rows = funds.districts
        drawn = [
            Chart(
                charts.bar_chart(
                    [
                        charts.Bar(name_of(d.district), getattr(d, field), href(d.district))
                        for d in sorted(rows, key=lambda d: (-getattr(d, field), d.district))
                    ],
                    title=translate(word, lang),
                    unit=unit,
                    value_format="yuan",
                    width=CHART_WIDTH,
                    lang=lang,
                ),
                translate(word, lang),
            )
            for word, field, href in (
                ("cockpit.collected", "collected_fen", paid),
                ("cockpit.arrears", "arrears_fen", owed),
            )
        ]
        table = Table(
            [
                translate("staff.district", lang),
                translate("cockpit.collected", lang),
                translate("cockpit.subsidies", lang),
                translate("cockpit.arrears", lang),
            ],
            [
                [
                    Cell(name_of(d.district), link("/staff/cockpit", region=d.district), False),
                    Cell(yuan(d.collected_fen), paid(d.district)),
                    Cell(yuan(d.subsidy_fen), granted(d.district)),
                    Cell(yuan(d.arrears_fen), owed(d.district), testid=f"arrears-{d.district}"),
                ]
                for d in rows
            ],
            testid="funds-table",
        )
        return View(
            note=translate("cockpit.settled_note", lang, month=month),
            figures=figures,
            charts=[] if not rows else drawn,
            tables=[table] if rows else [],
            empty=None if rows else translate("cockpit.no_bills", lang, month=month),
        ).context()


register(FundsPanel())
