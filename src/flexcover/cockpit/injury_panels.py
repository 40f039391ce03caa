"""The cockpit's occupational-injury panel: the latest month's orders and premiums by platform,
the workers covered each day (按日参保), claims by state and overdue, and the injury fund's income
and payouts. Every claim count links to the claims behind it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from flexcover.cockpit import charts
from flexcover.cockpit.links import count_text, link
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
from flexcover.injury import service
from flexcover.kit.audit import Actor
from flexcover.kit.i18n import translate
from flexcover.kit.money import format_yuan
from flexcover.kit.months import china_today

CHART_WIDTH = 360


def claims_link(region: str, **query: object) -> str:
    return link("/staff/injury/claims", region=region, **query)


class InjuryPanel:
    """(f) 职业伤害保障: orders, workers covered, claims and the fund."""

    key = "injury"
    order = 60
    title = {"zh-CN": "职业伤害保障", "en": "Occupational injury"}
    template = GENERIC_TEMPLATE

    def build(
        self, session: Session, actor: Actor, region: str, viewing: Viewing
    ) -> dict[str, Any]:
        lang = viewing.language
        today: date = viewing.cache.get("today") or china_today()
        found = service.region_figures(session=session, actor=actor, region=region, today=today)
        open_claims = sum(
            n for status, n in found.claims_by_status.items() if status not in ("closed", "paid")
        )
        figures = [
            Figure(
                translate("cockpit.injury.open_claims", lang),
                count_text(open_claims),
                None,
                "injury-open",
            ),
            Figure(
                translate("cockpit.injury.overdue", lang),
                count_text(found.overdue),
                claims_link(region, overdue=1),
                "injury-overdue",
            ),
            Figure(
                translate("cockpit.injury.received", lang),
                format_yuan(found.premiums_received_fen, grouping=True),
                None,
                "injury-received",
            ),
            Figure(
                translate("cockpit.injury.paid_out", lang),
                format_yuan(found.benefits_paid_fen, grouping=True),
                None,
                "injury-paid-out",
            ),
        ]
        if found.month is None and not found.claims_by_status:
            return View(empty=translate("cockpit.injury.none", lang), figures=figures).context()
        drawn = [
            Chart(
                charts.bar_chart(
                    [charts.Bar(name, orders) for _, name, orders, _ in found.platforms],
                    title=translate("cockpit.injury.orders_by_platform", lang),
                    unit=translate("cockpit.injury.unit_orders", lang),
                    width=CHART_WIDTH,
                    lang=lang,
                ),
                translate("cockpit.injury.orders_by_platform", lang),
            ),
            Chart(
                charts.bar_chart(
                    [charts.Bar(day[5:], workers) for day, workers in found.workers_per_day],
                    title=translate("cockpit.injury.workers_per_day", lang),
                    unit=translate("cockpit.injury.unit_people", lang),
                    width=CHART_WIDTH,
                    lang=lang,
                ),
                translate("cockpit.injury.workers_per_day", lang),
            ),
            Chart(
                charts.bar_chart(
                    [
                        charts.Bar(
                            translate(f"injury.status.{status}", lang),
                            n,
                            claims_link(region, status=status),
                        )
                        for status, n in sorted(found.claims_by_status.items())
                    ],
                    title=translate("cockpit.injury.claims_by_state", lang),
                    unit=translate("cockpit.injury.unit_claims", lang),
                    width=CHART_WIDTH,
                    lang=lang,
                ),
                translate("cockpit.injury.claims_by_state", lang),
            ),
        ]
        table = Table(
            [
                translate("cockpit.injury.platform", lang),
                translate("cockpit.injury.orders", lang),
                translate("cockpit.injury.premium", lang),
            ],
            [
                [
                    Cell(name, None, False),
                    Cell(count_text(orders)),
                    Cell(format_yuan(premium, grouping=True)),
                ]
                for _, name, orders, premium in found.platforms
            ],
            testid="injury-platforms",
        )
        return View(
            note=translate("cockpit.injury.note", lang, month=found.month or "—"),
            figures=figures,
            charts=drawn,
            tables=[table] if found.platforms else [],
        ).context()


register(InjuryPanel())
