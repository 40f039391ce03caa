"""Pages: login, logout, the two homes, language choice, and the region boundary."""

from sqlalchemy import func, select

from flexcover.kit.audit import AuditEntry
from tests.web.conftest import log_in


def test_pages_default_to_chinese_and_switch_to_english(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "密码" in page.text
    client.get("/lang/en?next=/login")
    assert "Password" in client.get("/login").text


def test_pages_require_login(client):
    response = client.get("/staff", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/staff"


def test_a_wrong_password_is_refused_and_only_the_failure_is_recorded(client, factory, session):
    factory.user("district_officer", "500103", username="officer")
    before = session.scalar(select(func.max(AuditEntry.id))) or 0
    response = log_in(client, "officer", "wrong password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert "flexcover_session" not in response.cookies
    assert log_in(client, "nobody", "whatever").status_code == 401
    session.expire_all()
    failures = session.scalars(
        select(AuditEntry).where(AuditEntry.id > before).order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.actor) for e in failures] == [
        ("user.login_failed", "officer"),
        ("user.login_failed", "nobody"),
    ]
    assert "wrong password" not in str([e.details for e in failures])


def test_staff_home_shows_the_officers_region(client, factory, session):
    factory.user("district_officer", "500103", username="officer")
    factory.person(residence="500103")
    response = log_in(client, "officer")
    assert response.status_code == 303
    home = client.get("/", follow_redirects=True)
    assert "重庆市渝中区" in home.text
    assert 'data-testid="people-total">1<' in home.text
    assert session.query(AuditEntry).filter_by(action="user.login").count() == 1


def test_worker_home_shows_their_own_record_masked(client, factory):
    person = factory.person(residence="500103", name="刘洋")
    factory.user("worker", "500103", username="worker", person_id=person.id)
    log_in(client, "worker")
    home = client.get("/", follow_redirects=True)
    assert "刘洋" in home.text
    assert person.id_masked in home.text
    assert client.get(f"/staff/people/{person.id}").status_code == 403


def test_officer_pages_stop_at_the_district_boundary(client, factory):
    other = factory.person(residence="500106")
    factory.user("district_officer", "500103", username="officer")
    log_in(client, "officer")
    assert client.get(f"/staff/people/{other.id}").status_code == 403
    assert client.get("/staff/people?region=500106").status_code == 403


def test_logout_needs_the_forms_token(client, factory, session):
    factory.user("district_officer", "500103", username="officer")
    log_in(client, "officer")
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    home = client.get("/staff")
    token = home.text.split('name="csrf" value="')[1].split('"')[0]
    response = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303
    assert session.query(AuditEntry).filter_by(action="user.logout").count() == 1
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_login_never_redirects_off_site(client, factory):
    factory.user("district_officer", "500103", username="officer")
    response = client.post(
        "/login",
        data={"username": "officer", "password": "correct horse battery", "next": "//evil.example"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_static_assets_are_served_locally(client):
    page = client.get("/login").text
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page
    assert client.get("/static/flexcover.css").status_code == 200


def test_a_cookie_copied_before_logout_is_worthless_after_it(client, factory):
    factory.user("district_officer", "500103", username="officer")
    log_in(client, "officer")
    copied = client.cookies.get("flexcover_session")
    page = client.get("/staff")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    client.post("/logout", data={"csrf": token})
    client.cookies.set("flexcover_session", copied)
    assert client.get("/staff", follow_redirects=False).status_code == 303
