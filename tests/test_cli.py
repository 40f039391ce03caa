"""The command line: the demo end to end, and one-line errors (exit 2) that change nothing."""

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from flexcover.cli import app
from flexcover.registry.models import Person, User
from tests.conftest import count

runner = CliRunner()


@pytest.fixture
def env(settings, tmp_path):
    return {
        "FLEXCOVER_DATA_DIR": str(tmp_path / "data"),
        "FLEXCOVER_DATABASE_URL": settings.database_url,
        "COLUMNS": "200",
    }


def test_demo_without_serving_builds_and_exits_0(env, session):
    result = runner.invoke(app, ["demo", "--no-serve", "--people", "300"], env=env)
    assert result.exit_code == 0, result.output
    assert "demo built: 300 people" in result.output
    assert "district1" in result.output
    assert count(session, Person) == 300
    again = runner.invoke(app, ["demo", "--no-serve", "--people", "300"], env=env)
    assert again.exit_code == 0
    assert "demo reused" in again.output


def test_demo_with_an_unknown_jurisdiction_is_a_one_line_error(env, session):
    result = runner.invoke(app, ["demo", "--no-serve", "--jurisdiction", "999999"], env=env)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: jurisdiction:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert count(session, Person) == 0


def test_users_create_and_its_errors(env, session):
    args = [
        "users",
        "create",
        "--username",
        "officer9",
        "--role",
        "district_officer",
        "--password-stdin",
    ]
    secret = "long enough\n"
    outside = runner.invoke(app, [*args, "--region", "500000"], env=env, input=secret)
    assert outside.exit_code == 2
    assert "region_code" in outside.stderr
    unknown = runner.invoke(app, [*args, "--region", "509999"], env=env, input=secret)
    assert unknown.exit_code == 2
    assert "509999" in unknown.stderr
    bad_role = runner.invoke(
        app, [*args[:5], "chief", *args[6:], "--region", "500103"], env=env, input=secret
    )
    assert bad_role.exit_code == 2
    assert count(session, User) == 0
    short = runner.invoke(app, [*args, "--region", "500103"], env=env, input="short\n")
    assert short.exit_code == 2
    assert short.stderr.startswith("error: password: ")
    assert "at least 10 characters" in short.stderr
    created = runner.invoke(app, [*args, "--region", "500103"], env=env, input=secret)
    assert created.exit_code == 0, created.output
    assert session.scalars(select(User.region_code)).one() == "500103"
    duplicate = runner.invoke(app, [*args, "--region", "500103"], env=env, input=secret)
    assert duplicate.exit_code == 2
    assert "username" in duplicate.stderr


CREATE_OFFICER8 = [
    *("users", "create", "--username", "officer8"),
    *("--role", "district_officer", "--region", "500103"),
]


def test_a_password_is_never_an_argument(env, session):
    on_the_line = runner.invoke(
        app,
        [*CREATE_OFFICER8, "--password", "long enough"],
        env=env,
    )
    assert on_the_line.exit_code == 2
    assert count(session, User) == 0
    prompted = runner.invoke(
        app,
        CREATE_OFFICER8,
        env=env,
        input="long enough\nlong enough\n",
    )
    assert prompted.exit_code == 0, prompted.output
    assert "long enough" not in prompted.output  # hidden at the prompt


def test_users_reset_password_and_disable(env, factory, session):
    factory.user("district_officer", "500103", username="officer7")
    reset = runner.invoke(
        app,
        ["users", "reset-password", "officer7", "--password-stdin"],
        env=env,
        input="new temp pass\n",
    )
    assert reset.exit_code == 0, reset.output
    session.expire_all()
    user = session.scalars(select(User).where(User.username == "officer7")).one()
    assert user.must_change_password
    disabled = runner.invoke(app, ["users", "disable", "officer7"], env=env)
    assert disabled.exit_code == 0
    session.expire_all()
    assert not session.get(User, user.id).active


def test_users_token_prints_a_token_once(env, factory):
    factory.user("admin", "000000", username="root")
    result = runner.invoke(app, ["users", "token", "root"], env=env)
    assert result.exit_code == 0
    assert result.output.strip().startswith("fct_")
    missing = runner.invoke(app, ["users", "token", "nobody"], env=env)
    assert missing.exit_code == 2


def test_tokens_expire_and_are_revoked_by_prefix_and_logins_get_a_last_day(env, factory, session):
    from datetime import datetime, timedelta

    from flexcover.kit.months import CHINA
    from flexcover.registry.models import ApiToken, User

    factory.user("platform", "500103", username="rider-app", platform_id=factory.platform().id)
    issued = runner.invoke(app, ["users", "token", "rider-app", "--days", "30"], env=env)
    assert issued.exit_code == 0, issued.output
    token = session.scalars(select(ApiToken)).one()
    assert timedelta(days=29) < token.expires_at - token.created_at <= timedelta(days=30)
    too_long = runner.invoke(app, ["users", "token", "rider-app", "--days", "400"], env=env)
    assert too_long.exit_code == 2
    revoked = runner.invoke(app, ["users", "revoke-token", token.prefix], env=env)
    assert revoked.exit_code == 0, revoked.output
    session.expire_all()
    assert session.get(ApiToken, token.id).revoked_at is not None
    again = runner.invoke(app, ["users", "revoke-token", token.prefix], env=env)
    assert again.exit_code == 2  # no live token has that prefix any more
    ends = runner.invoke(app, ["users", "expire", "rider-app", "--on", "2027-03-31"], env=env)
    assert ends.exit_code == 0, ends.output
    user = session.scalars(select(User).where(User.username == "rider-app")).one()
    assert user.expires_at == datetime(2027, 4, 1, tzinfo=CHINA)  # through the whole last day
    never = runner.invoke(app, ["users", "expire", "rider-app", "--never"], env=env)
    assert never.exit_code == 0
    session.expire_all()
    assert session.get(User, user.id).expires_at is None
    neither = runner.invoke(app, ["users", "expire", "rider-app"], env=env)
    assert neither.exit_code == 2
    assert neither.stderr.count("\n") == 1
    bad = runner.invoke(app, ["users", "expire", "rider-app", "--on", "2027-02-30"], env=env)
    assert (bad.exit_code, bad.stderr.startswith("error: on:")) == (2, True)


def test_db_upgrade_creates_a_fresh_sqlite_database(tmp_path):
    data = tmp_path / "fresh"
    result = runner.invoke(
        app, ["db", "upgrade"], env={"FLEXCOVER_DATA_DIR": str(data), "FLEXCOVER_DATABASE_URL": ""}
    )
    assert result.exit_code == 0, result.output
    assert (data / "flexcover.db").exists()
    # For flexcover's own user only: the database, its folder and the keys made beside it.
    assert (data / "flexcover.db").stat().st_mode & 0o777 == 0o600
    assert data.stat().st_mode & 0o777 == 0o700
    from alembic.script import ScriptDirectory

    from flexcover.migrations import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert f"revision {head}" in result.output
