"""The worker's own pages: pausing is confirmed and can be withdrawn before it begins, a payment
says what it really did, bills show their due date, medical is offered where its rate is loaded,
subsidies and make-ups are asked for on the page."""

from datetime import date

import pytest
from sqlalchemy import select

from flexcover.contributions.models import ContributionBill, Enrolment, Pause, SubsidyApplication
from flexcover.kit.audit import AuditEntry
from flexcover.kit.months import Month
from tests.conftest import count
from tests.contributions.conftest import JAN
from tests.web.conftest import app_on, log_in

TODAY = date(2026, 1, 15)


@pytest.fixture
def app(settings, database, rulebook):
    return app_on(TODAY, settings, database, rulebook)


@pytest.fixture
def me(world, client):
    person_id, actor = world.worker()
    assert log_in(client, actor.username).status_code == 303
    return person_id


def csrf(client) -> str:
    return client.get("/worker").text.split('name="csrf" value="')[1].split('"')[0]


def post(client, path, **data):
    return client.post(path, data={"csrf": csrf(client), **data}, follow_redirects=False)


def _enrolment(session, person_id):
    session.expire_all()
    return session.scalars(select(Enrolment).where(Enrolment.person_id == person_id)).one()


def test_pausing_asks_for_confirmation_first(client, me, world, session):
    enrolment = world.enrol(me)
    first = post(client, "/worker/pause", enrolment_id=enrolment.id)
    assert first.status_code == 200
    assert 'data-testid="pause-confirm"' in first.text
    assert "2026-02" in first.text
    assert count(session, Pause) == 0  # nothing happened yet
    confirmed = post(client, "/worker/pause", enrolment_id=enrolment.id, confirm="yes")
    assert confirmed.status_code == 303
    assert _enrolment(session, me).status == "paused"


def test_a_pause_not_yet_begun_can_be_withdrawn(client, me, world, session):
    enrolment = world.enrol(me)
    post(client, "/worker/pause", enrolment_id=enrolment.id, confirm="yes")
    home = client.get("/worker")
    assert "将于 2026-02 起暂停" in home.text
    assert 'data-testid="withdraw-pause"' in home.text
    assert 'data-testid="resume"' not in home.text
    withdrawn = post(client, "/worker/pause/withdraw", enrolment_id=enrolment.id)
    assert withdrawn.headers["location"] == "/worker?done=pause_withdrawn"
    assert (_enrolment(session, me).status, count(session, Pause)) == ("active", 0)
    world.settle(JAN)
    world.settle(JAN + 1)  # February is billed as if no pause had been asked for
    assert count(session, ContributionBill) == 2


def test_resuming_a_pause_that_has_not_begun_says_to_withdraw_it(client, me, world):
    enrolment = world.enrol(me)
    post(client, "/worker/pause", enrolment_id=enrolment.id, confirm="yes")
    refused = post(client, "/worker/resume", enrolment_id=enrolment.id)
    assert refused.status_code == 400
    assert "尚未开始的暂停请直接撤销" in refused.text


def test_a_begun_pause_cannot_be_withdrawn_over_the_api(world, factory, settings, database):
    from fastapi.testclient import TestClient

    person_id, actor = world.worker()
    enrolment = world.enrol(person_id, actor)
    from flexcover.contributions import service

    with world.database.unit_of_work() as work:
        service.pause(
            session=work, actor=actor, enrolment_id=enrolment.id, from_month=JAN, as_of=JAN
        )
    from flexcover.registry.models import User

    with world.database.sessions() as work:
        user = work.scalars(select(User).where(User.person_id == person_id)).one()
    token = factory.token(user)
    with TestClient(app_on(TODAY, settings, database, world.rulebook)) as api:
        answer = api.post(
            f"/api/v1/enrolments/{enrolment.id}/pause/withdraw",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 400
    assert answer.json()["code"] == "month_not_allowed"


def test_a_partial_payment_says_nothing_reached_the_account_yet(client, me, world):
    world.enrol(me)
    world.settle(JAN)
    home = client.get("/worker")
    key = home.text.split('name="idempotency_key" value="')[1].split('"')[0]
    paid = client.post(
        "/worker/pay",
        data={"csrf": csrf(client), "amount_yuan": "500", "idempotency_key": key},
        follow_redirects=False,
    )
    notice = client.get(paid.headers["location"]).text
    assert "已收到 500.00 元，用于 2026-01 的账单；该月还差 410.60 元" in notice
    assert "已缴清" not in notice
    rest = client.post(
        "/worker/pay",
        data={"csrf": csrf(client), "amount_yuan": "410.60", "idempotency_key": key + "-2"},
        follow_redirects=False,
    )
    assert "2026-01 已缴清" in client.get(rest.headers["location"]).text


def test_bills_show_when_they_must_be_paid(client, me, world):
    world.enrol(me)
    world.settle(JAN)
    home = client.get("/worker").text
    # January's bill falls into arrears when February is settled, after February ends.
    assert '<td data-label="缴费期限" data-testid="due-on">2026-02-28</td>' in home


def test_the_worker_reads_where_they_are_enrolled_by_its_name(client, me, world):
    world.enrol(me, jurisdiction="500103")
    home = client.get("/worker").text
    assert '<td data-label="参保地" data-testid="enrolment-place">渝中区</td>' in home


def test_the_enrol_form_quotes_the_monthly_amount_from_the_calculator(client, me):
    home = client.get("/worker").text
    assert 'data-quote data-month="2026-01"' in home
    assert "/static/quote.js" in home
    assert client.get("/static/quote.js").status_code == 200


def test_medical_is_offered_only_where_its_rate_is_loaded(client, me, world, factory, settings):
    chongqing = client.get("/worker").text
    assert '<option value="employee_medical">' not in chongqing
    assert 'data-testid="no-medical"' in chongqing
    person_id, actor = world.worker(residence="310101")
    from fastapi.testclient import TestClient

    with TestClient(app_on(TODAY, settings, world.database, world.rulebook)) as shanghai:
        log_in(shanghai, actor.username)
        page = shanghai.get("/worker").text
        assert '<option value="employee_medical">' in page
        token = page.split('name="csrf" value="')[1].split('"')[0]
        enrolled = shanghai.post(
            "/worker/enrol",
            data={
                "csrf": token,
                "scheme": "employee_medical",
                "jurisdiction": "310101",
                "base_yuan": "7460",
            },
            follow_redirects=False,
        )
        assert enrolled.status_code == 303, enrolled.text
    with world.database.sessions() as work:
        [enrolment] = work.scalars(select(Enrolment).where(Enrolment.person_id == person_id))
        assert enrolment.scheme == "employee_medical"


def test_a_worker_applies_for_a_subsidy_on_their_page(client, me, world, session):
    assert 'data-testid="subsidy-form"' not in client.get("/worker").text  # not enrolled yet
    world.enrol(me)
    assert 'data-testid="subsidy-form"' in client.get("/worker").text
    applied = post(client, "/worker/subsidy", category="difficulty", certificate="渝就困2026001")
    assert applied.headers["location"] == "/worker?done=applied"
    [application] = session.scalars(select(SubsidyApplication)).all()
    assert (application.person_id, application.status) == (me, "submitted")
    home = client.get("/worker").text
    assert "已提交，待审核" in home
    assert 'data-testid="subsidy-form"' not in home


def test_the_make_up_page_explains_the_local_policy(client, me, world):
    world.enrol(me)
    page = client.get("/worker/makeup").text
    # Chongqing follows the national rule: only past retirement, short of the minimum.
    assert "一次性补缴" in page
    assert 'data-testid="makeup-refused"' in page
    assert "退休" in page
    refused = post(client, "/worker/makeup", enrolment_id=1, base_yuan="4553")
    assert refused.status_code == 409
    assert "请选择要补缴的月份" in refused.text


def test_the_subsidy_queue_says_when_a_subsidy_would_start_and_audits_who_it_showed(
    client, me, world, session
):
    world.enrol(me)
    post(client, "/worker/subsidy", category="difficulty", certificate="渝就困2026002")
    [application] = session.scalars(select(SubsidyApplication)).all()
    assert application.applied_month == str(Month.of(TODAY))
    client.post("/logout")
    world.officer(name="maker")
    assert log_in(client, "maker").status_code == 303
    queue = client.get("/staff/subsidies").text
    assert f'data-testid="starts-{application.id}"' in queue
    assert f"申请于 {Month.of(TODAY)}" in queue
    session.expire_all()
    listed = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "subsidy.queue.list")
    ).one()
    assert listed.details == {"applications": [application.id], "people": [me]}
