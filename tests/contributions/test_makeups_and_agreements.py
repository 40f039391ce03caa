"""补缴 only under the policy, never subsidised; platform agreements over the API."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from flexcover.contributions import makeups
from flexcover.contributions.models import ContributionBill, PlatformAgreement, SubsidyGrant
from flexcover.contributions.problems import MakeupNotAllowed
from flexcover.web.app import create_app
from tests.conftest import SYSTEM, count
from tests.contributions.conftest import FLOOR, JAN
from tests.web.conftest import bearer

WINDOW = """\
jurisdiction: "500000"
name: 重庆市
parameters:
  makeup.policy:
    - value: window
      effective_from: 2026-01-01
      source: reform scenario (conditional back-payment)
      confidence: U
  makeup.window_months:
    - value: 3
      effective_from: 2026-01-01
      source: reform scenario
      confidence: U
"""


def makeup(world, enrolment_id, months, *, as_of, base=FLOOR):
    with world.database.unit_of_work() as session:
        return makeups.request_makeup(
            session=session,
            rulebook=world.rulebook,
            actor=SYSTEM,
            enrolment_id=enrolment_id,
            months=months,
            base_fen=base,
            as_of=as_of,
        )


def pause_feb_mar(world, enrolment_id):
    from flexcover.contributions import service

    with world.database.unit_of_work() as session:
        service.pause(
            session=session,
            actor=SYSTEM,
            enrolment_id=enrolment_id,
            from_month=JAN + 1,
            as_of=JAN + 1,
        )
    with world.database.unit_of_work() as session:
        service.resume(
            session=session, actor=SYSTEM, enrolment_id=enrolment_id, month=JAN + 3, as_of=JAN + 3
        )


def test_the_national_policy_refuses_a_working_age_worker_and_says_why(world, session):
    person_id, _ = world.worker()
    enrolment = world.enrol(person_id)
    pause_feb_mar(world, enrolment.id)
    with pytest.raises(MakeupNotAllowed) as raised:
        makeup(world, enrolment.id, [JAN + 1, JAN + 2], as_of=JAN + 3)
    assert raised.value.field == "months"
    assert "人社部令第13号" in raised.value.message("en")
    assert count(session, ContributionBill) == 0


def test_a_window_policy_allows_recent_gaps_only_and_without_subsidy(world, session, tmp_path):
    (tmp_path / "window.yaml").write_text(WINDOW, encoding="utf-8")
    world.rulebook = world.rulebook.with_override(tmp_path / "window.yaml")
    person_id, me = world.worker()
    enrolment = world.enrol(person_id)
    world.settle(JAN)
    pause_feb_mar(world, enrolment.id)
    with pytest.raises(MakeupNotAllowed) as too_old:
        makeup(world, enrolment.id, [JAN - 1], as_of=JAN + 3)
    assert "makeup.window_months = 3" in too_old.value.message("en")
    with pytest.raises(MakeupNotAllowed):
        makeup(world, enrolment.id, [JAN], as_of=JAN + 3)  # January already has a bill
    bills = makeup(world, enrolment.id, [JAN + 1, JAN + 2], as_of=JAN + 3)
    assert [(b.month, b.kind, b.due_fen) for b in bills] == [
        ("2026-02", "makeup", 91060),
        ("2026-03", "makeup", 91060),
    ]
    world.pay(person_id, 91060 * 3, "all", me)
    world.settle(JAN + 3)
    assert count(session, SubsidyGrant) == 0  # none approved here; and make-ups are never granted
    statuses = session.scalars(
        select(ContributionBill.status).order_by(ContributionBill.month)
    ).all()
    assert statuses == ["paid", "paid", "paid", "open"]


def test_a_lump_sum_for_someone_past_retirement_but_short(world, session):
    """人社部令第13号 art. 2: past retirement, short of the minimum, insured before 2011-07."""
    from flexcover.registry import service as registry
    from flexcover.registry.schemas import PersonIn
    from tests.conftest import make_id

    with world.database.unit_of_work() as work:
        old = registry.register_person(
            session=work,
            actor=SYSTEM,
            person=PersonIn(
                id_number=make_id(birth=date(1962, 5, 1), sequence=411),
                name="老李",
                residence_code="500103",
            ),
            id_key=world.factory.settings.id_hash_key,
        )
    enrolment = world.enrol(old.id)
    with pytest.raises(MakeupNotAllowed) as raised:  # enrolled in 2026: not insured before 2011
        makeup(world, enrolment.id, [JAN - 1], as_of=JAN + 1)
    assert "2011-07" in raised.value.message("en")


def test_a_platform_commits_a_share_over_the_api(settings, database, rulebook, factory, session):
    app = create_app(settings, database, rulebook)
    app.state.today = lambda: date(2026, 1, 10)
    platform = factory.platform()
    other = factory.platform(name="别家平台")
    token = factory.token(
        factory.user("platform", "500103", username="plat", platform_id=platform.id)
    )
    with TestClient(app) as client:
        ok = client.post(
            f"/api/v1/platforms/{platform.id}/agreements",
            json={"share_bp": 3000, "from_month": "2026-02"},
            headers=bearer(token),
        )
        assert ok.status_code == 201, ok.text
        both = client.post(
            f"/api/v1/platforms/{platform.id}/agreements",
            json={"share_bp": 3000, "fixed_yuan": "100", "from_month": "2026-02"},
            headers=bearer(token),
        )
        assert (both.status_code, both.json()["pointer"]) == (400, "/share_bp")
        theirs = client.post(
            f"/api/v1/platforms/{other.id}/agreements",
            json={"share_bp": 3000, "from_month": "2026-02"},
            headers=bearer(token),
        )
        assert theirs.status_code == 403
        past = client.post(
            f"/api/v1/platforms/{platform.id}/agreements",
            json={"share_bp": 3000, "from_month": "2025-12"},
            headers=bearer(token),
        )
        assert past.json()["code"] == "month_not_allowed"
    assert count(session, PlatformAgreement) == 1
