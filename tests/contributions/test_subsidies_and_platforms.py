"""Subsidies (maker–checker, 2/3 of what was paid up to the floor amount, within the approved
months, from the budget) and platform co-contributions."""

from datetime import date

import pytest
from sqlalchemy import select

from flexcover.contributions import subsidies
from flexcover.contributions.models import (
    ContributionBill,
    PlatformAgreement,
    SubsidyGrant,
)
from flexcover.contributions.problems import SubsidyNotAllowed
from flexcover.kit.problems import Forbidden
from flexcover.ledger.service import AccountRef, balance, verify
from flexcover.registry import accounts
from flexcover.registry import service as registry
from flexcover.registry.models import PlatformWorker
from flexcover.registry.schemas import PersonIn
from tests.conftest import SYSTEM, count, make_id
from tests.contributions.conftest import JAN

DUE = 91060


def proposed(world, person_id, me, *, as_of=JAN):
    """An application made in ``as_of`` and proposed for approval; returns it and the checker."""
    maker, checker = world.officer(name="maker"), world.officer(name="checker")
    with world.database.unit_of_work() as session:
        application = subsidies.apply(
            session=session,
            actor=me,
            person_id=person_id,
            category="difficulty",
            certificate="渝就困〔2025〕001",
            as_of=as_of,
        )
    with world.database.unit_of_work() as session:
        subsidies.propose(
            session=session,
            actor=maker,
            application_id=application.id,
            decision="approve",
            note=None,
        )
    return application, checker


def decided(world, application, checker, *, first, as_of=JAN):
    with world.database.unit_of_work() as session:
        return subsidies.decide(
            session=session,
            rulebook=world.rulebook,
            actor=checker,
            application_id=application.id,
            confirm=True,
            first_month=first,
            as_of=as_of,
        )


def approved(world, person_id, me, *, first=JAN, as_of=JAN):
    application, checker = proposed(world, person_id, me, as_of=as_of)
    return decided(world, application, checker, first=first, as_of=as_of)


def test_the_proposing_officer_cannot_also_decide(world):
    person_id, me = world.worker()
    world.enrol(person_id, me)
    maker = world.officer(name="maker")
    with world.database.unit_of_work() as session:
        application = subsidies.apply(
            session=session,
            actor=me,
            person_id=person_id,
            category="difficulty",
            certificate="x",
            as_of=JAN,
        )
    with world.database.unit_of_work() as session:
        subsidies.propose(
            session=session,
            actor=maker,
            application_id=application.id,
            decision="approve",
            note=None,
        )
    with pytest.raises(SubsidyNotAllowed), world.database.unit_of_work() as session:
        subsidies.decide(
            session=session,
            rulebook=world.rulebook,
            actor=maker,
            application_id=application.id,
            confirm=True,
            first_month=JAN,
            as_of=JAN,
        )


def test_another_districts_officer_cannot_review(world):
    person_id, me = world.worker()
    world.enrol(person_id, me)
    with world.database.unit_of_work() as session:
        application = subsidies.apply(
            session=session,
            actor=me,
            person_id=person_id,
            category="difficulty",
            certificate="x",
            as_of=JAN,
        )
    with pytest.raises(Forbidden), world.database.unit_of_work() as session:
        subsidies.propose(
            session=session,
            actor=world.officer("500106", "far"),
            application_id=application.id,
            decision="approve",
            note=None,
        )


def test_approval_covers_36_months_or_24_for_graduates(world):
    person_id, me = world.worker()  # born 1990: far from retirement
    world.enrol(person_id, me)
    application = approved(world, person_id, me)
    assert (application.first_month, application.last_month) == ("2026-01", "2028-12")


def test_near_retirement_the_subsidy_runs_to_retirement(world):
    """A man born 1967-03 retires at 60y7m (2027-10): within 5 years at approval in 2026-01, so
    the subsidy runs to the month before retirement instead of 36 months."""
    with world.database.unit_of_work() as session:
        older = registry.register_person(
            session=session,
            actor=SYSTEM,
            person=PersonIn(
                id_number=make_id(birth=date(1967, 3, 10), sequence=311),
                name="老王",
                residence_code="500103",
            ),
            id_key=world.factory.settings.id_hash_key,
        )
    user = world.factory.user("worker", "500103", username="older", person_id=older.id)
    me = accounts.actor_for(user, source="t")
    world.enrol(older.id, me)
    assert approved(world, older.id, me).last_month == "2027-09"


def test_settlement_grants_two_thirds_of_what_was_paid_from_the_budget(world, session):
    person_id, me = world.worker()
    world.enrol(person_id, me)
    approved(world, person_id, me)
    world.fund_subsidy_budget(amount=100_000)
    world.settle(JAN)
    world.pay(person_id, DUE, "jan", me)
    world.settle(JAN + 1)  # grants for January, now paid
    grant = session.scalars(select(SubsidyGrant)).one()
    assert (grant.month, grant.amount_fen) == ("2026-01", 60707)  # 910.60 × 2/3 = 607.07
    assert (
        balance(session=session, ref=AccountRef("subsidy_payable", "500103", person_id=person_id))
        == 60707
    )
    assert balance(session=session, ref=AccountRef("subsidy_budget", "500103")) == 100_000 - 60707
    world.settle(JAN + 2)
    assert count(session, SubsidyGrant) == 1  # February is unpaid: nothing yet, nothing twice
    assert verify(session=session) == []


def test_an_empty_budget_grants_nothing_and_breaks_nothing(world, session):
    person_id, me = world.worker()
    world.enrol(person_id, me)
    approved(world, person_id, me)
    world.settle(JAN)
    world.pay(person_id, DUE, "jan", me)
    world.settle(JAN + 1)
    assert count(session, SubsidyGrant) == 0
    assert verify(session=session) == []


def test_a_platform_pays_its_share_of_its_riders_pension_bills(world, session):
    person_id, me = world.worker()
    platform = world.factory.platform()
    with world.database.unit_of_work() as work:
        work.add(PlatformWorker(platform_id=platform.id, person_id=person_id, from_month="2026-01"))
        work.add(PlatformAgreement(platform_id=platform.id, share_bp=3000, from_month="2026-01"))
    world.enrol(person_id, me)
    world.settle(JAN)
    bill = session.scalars(select(ContributionBill)).one()
    assert (bill.due_fen, bill.platform_share_fen, bill.worker_due_fen) == (DUE, 27318, DUE - 27318)
    assert (
        balance(
            session=session, ref=AccountRef("platform_payable", "500103", platform_id=platform.id)
        )
        == 27318
    )
    world.pay(person_id, DUE - 27318, "mine", me)
    session.expire_all()
    assert session.get(ContributionBill, bill.id).status == "paid"
    assert (
        balance(session=session, ref=AccountRef("personal_pension", "500103", person_id=person_id))
        == 36424
    )
    assert verify(session=session) == []


def test_the_subsidy_stops_by_itself_after_its_last_month(world, session, tmp_path):
    """A one-month subsidy (a reform file shortens the duration) pays January and nothing after."""
    (tmp_path / "short.yaml").write_text(
        'jurisdiction: "500000"\nname: 重庆市\nparameters:\n  subsidy.duration_months:\n'
        "    - value: 1\n      effective_from: 2026-01-01\n      source: test scenario\n"
        "      confidence: U\n",
        encoding="utf-8",
    )
    world.rulebook = world.rulebook.with_override(tmp_path / "short.yaml")
    person_id, me = world.worker()
    world.enrol(person_id, me)
    application = approved(world, person_id, me)
    assert (application.first_month, application.last_month) == ("2026-01", "2026-01")
    world.fund_subsidy_budget(amount=1_000_000)
    for month in (JAN, JAN + 1, JAN + 2):
        world.settle(month)
        world.pay(person_id, DUE, f"pay-{month}", me)
    world.settle(JAN + 3)
    grants = session.scalars(select(SubsidyGrant.month)).all()
    assert grants == ["2026-01"]


def test_a_subsidy_never_starts_before_its_application(world, session):
    """Applied for in July after paying since January: the checker cannot grant January to June
    (nor start it more than a quarter after the decision), and settlement grants from July."""
    person_id, me = world.worker()
    world.enrol(person_id, me)
    july = JAN + 6
    for month in range(6):
        world.settle(JAN + month)
        world.pay(person_id, DUE, f"m{month}", me)
    application, checker = proposed(world, person_id, me, as_of=july)
    for first in (JAN, july - 1, july + 4):
        with pytest.raises(SubsidyNotAllowed) as refused:
            decided(world, application, checker, first=first, as_of=july)
        assert refused.value.field == "first_month"
        assert "2026-07 至 2026-10" in refused.value.message("zh-CN")
    session.expire_all()
    assert session.get(type(application), application.id).status == "proposed"  # nothing changed
    grant = decided(world, application, checker, first=july, as_of=july)
    assert (grant.applied_month, grant.first_month) == ("2026-07", "2026-07")
    world.fund_subsidy_budget(amount=1_000_000)
    for month in range(6, 8):
        world.settle(JAN + month)
        world.pay(person_id, DUE, f"m{month}", me)
    world.settle(JAN + 8)
    assert session.scalars(select(SubsidyGrant.month).order_by(SubsidyGrant.month)).all() == [
        "2026-07",
        "2026-08",
    ]
