"""The demo city: built whole in one transaction, reused when asked again, rebuilt cleanly."""

import pytest
from sqlalchemy import select

from flexcover.registry.models import ApiToken, Person, Platform, User
from flexcover.synth.demo import DemoDataPresent, UnsuitableJurisdiction, build_demo
from tests.conftest import count


def staff_and_workers(session):
    session.expire_all()
    roles = list(session.scalars(select(User.role)))
    return len([r for r in roles if r != "worker"]), len([r for r in roles if r == "worker"]) >= 2


def build(database, settings, **options):
    with database.unit_of_work() as session:
        return build_demo(
            session=session,
            jurisdiction=options.pop("jurisdiction", "500000"),
            people=options.pop("people", 400),
            seed=options.pop("seed", 7),
            id_key=settings.id_hash_key,
            **options,
        )


def test_builds_people_platforms_and_a_login_for_every_role(database, settings, session):
    result = build(database, settings)
    assert not result.reused
    assert count(session, Person) == 400
    assert count(session, Platform) == 3
    roles = set(session.scalars(select(User.role)))
    assert roles == {
        "admin",
        "auditor",
        "province_officer",
        "city_officer",
        "district_officer",
        "worker",
        "platform",
        "insurer",
    }
    district1 = session.scalars(select(User).where(User.username == "district1")).one()
    assert district1.region_code == "500103"
    for worker in session.scalars(select(User).where(User.role == "worker")):
        assert session.get(Person, worker.person_id).residence_code == worker.region_code
    assert set(result.tokens) == {"platform1", "platform2", "platform3"}
    assert count(session, ApiToken) == 3


def test_the_demo_has_a_year_of_contributions_and_a_ledger_that_verifies(
    database, settings, session
):
    from flexcover.contributions.models import ContributionBill, SubsidyGrant
    from flexcover.ledger.service import verify

    result = build(database, settings, people=1500)
    assert result.enrolled > 50
    assert result.bills > result.enrolled
    months = set(session.scalars(select(ContributionBill.month)))
    assert min(months) == "2025-12"
    assert max(months) == "2026-11"
    statuses = set(session.scalars(select(ContributionBill.status)))
    assert {"paid", "arrears"} <= statuses
    assert count(session, SubsidyGrant) > 0
    assert verify(session=session) == []
    # Occupational injury: a month of orders for each platform, billed, and claims in states.
    from flexcover.injury.models import Claim, InjuryBill, Order

    orders = session.execute(select(Order.platform_id, Order.month)).all()
    assert {month for _, month in orders} == {"2026-11"}
    assert len({platform for platform, _ in orders}) == 3
    assert count(session, InjuryBill) > 0
    states = set(session.scalars(select(Claim.status)))
    assert {"reported", "investigating", "computed", "approved", "paid", "not_confirmed"} <= states


def test_a_second_run_with_the_same_settings_reuses_the_data(database, settings, session):
    build(database, settings)
    ids = list(session.scalars(select(Person.id).order_by(Person.id)))
    again = build(database, settings)
    assert again.reused
    assert list(session.scalars(select(Person.id).order_by(Person.id))) == ids
    assert count(session, ApiToken) == 3


def test_other_settings_rebuild_from_scratch(database, settings, session):
    build(database, settings, people=400)
    rebuilt = build(database, settings, people=250)
    assert not rebuilt.reused
    assert count(session, Person) == 250
    assert count(session, Platform) == 3
    assert staff_and_workers(session) == (11, True)


def test_a_build_that_fails_halfway_leaves_the_previous_demo_whole(database, settings, session):
    build(database, settings, people=400)

    def crash(step, done, total):
        if step == "organisations":
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        build(database, settings, people=250, progress=crash)
    assert count(session, Person) == 400
    assert staff_and_workers(session) == (11, True)


def test_it_refuses_to_replace_data_that_is_not_demo_data(database, settings, session, factory):
    factory.person()
    with pytest.raises(DemoDataPresent) as raised:
        build(database, settings)
    assert raised.value.field == "rebuild"
    assert count(session, Person) == 1
    build(database, settings, rebuild=True)
    assert count(session, Person) == 400


def test_a_jurisdiction_with_no_districts_is_refused(database, settings, session):
    with pytest.raises(UnsuitableJurisdiction):
        build(database, settings, jurisdiction="441900")
    assert count(session, Person) == 0


def test_the_demo_offers_the_regions_whose_limits_are_loaded(rulebook):
    from flexcover.synth.demo import demo_jurisdictions

    offered = demo_jurisdictions(rulebook)
    assert {"500000", "420100", "310000", "110000", "440100"} <= set(offered)
    assert "420000" not in offered  # Hubei's other cities have no limits of their own


@pytest.mark.parametrize(
    "jurisdiction",
    [
        "110000",
        "120000",
        "310000",
        "320000",
        "330000",
        "420100",
        "420300",
        "421000",
        "440000",
        "440100",
        "440300",
        "500000",
        "510000",
    ],
)
def test_every_offered_jurisdiction_builds(database, settings, session, rulebook, jurisdiction):
    from flexcover.contributions.models import ContributionBill
    from flexcover.ledger.service import verify
    from flexcover.synth.demo import demo_jurisdictions

    assert jurisdiction in demo_jurisdictions(rulebook)  # the README's list is the offer
    result = build(database, settings, jurisdiction=jurisdiction, people=150)
    assert result.bills > 0
    months = set(session.scalars(select(ContributionBill.month)))
    assert (min(months), max(months)) == ("2025-12", "2026-11")
    assert verify(session=session) == []


def test_a_region_without_limits_is_refused_before_anything_changes(database, settings, session):
    build(database, settings)
    people = count(session, Person)
    with pytest.raises(UnsuitableJurisdiction) as refused:
        build(database, settings, jurisdiction="420000", rebuild=True)
    assert "420100" in refused.value.message("en")
    assert count(session, Person) == people
