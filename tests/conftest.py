"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when
``FLEXCOVER_TEST_DATABASE_URL`` names a server), cleaned between tests, and factories.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import uvicorn
from argon2.profiles import CHEAPEST
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, delete, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from flexcover import wiring
from flexcover.cli import upgrade_database
from flexcover.jobs.worker import Worker
from flexcover.kit.audit import Actor
from flexcover.kit.database import Database
from flexcover.kit.resident_id import check_character
from flexcover.kit.settings import Settings
from flexcover.migrations import data_tables
from flexcover.registry import accounts, service
from flexcover.registry.models import Person, Platform, User
from flexcover.registry.schemas import PersonIn, PlatformIn, UserIn
from flexcover.web.app import create_app, server_options

PASSWORD = "correct horse battery"
LIVE_TODAY = date(2026, 11, 15)
"""The live server's date: the browser tests are written for November 2026."""
LIVE_NOW = datetime(2026, 11, 15, 12, 0, tzinfo=timezone(timedelta(hours=8)))
"""The live server's moment: noon of that day, China time."""


def pytest_configure(config: pytest.Config) -> None:
    wiring.connect()  # as the web app and the command line do: coverage hears enrolments
    # Argon2id at its cheapest: hundreds of logins are made here, and the cost of the production
    # parameters is the point of them, not of these tests (tests/registry checks them).
    accounts.use_password_parameters(CHEAPEST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if {"database", "database_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated database for this test run; dropped at the end on PostgreSQL."""
    server = os.environ.get("FLEXCOVER_TEST_DATABASE_URL")
    if not server:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'flexcover.db'}"
        _migrate(url, tmp_path_factory.mktemp("data"))
        yield url
        return
    name = f"flexcover_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url, tmp_path_factory.mktemp("data"))
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str, data_dir: Path) -> None:
    upgrade_database(Settings(data_dir=data_dir, database_url_override=url))


@pytest.fixture(scope="session")
def shared_database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def database(shared_database: Database) -> Database:
    """The migrated database with every data table emptied (jurisdictions stay)."""
    with shared_database.unit_of_work() as session:
        for table in data_tables():
            session.execute(delete(table))
    return shared_database


@pytest.fixture
def settings(database: Database, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url_override=database.url,
        environment={"FLEXCOVER_ID_HASH_KEY": "test-id-key", "FLEXCOVER_SESSION_SECRET": "s3cret"},
    )


@pytest.fixture(scope="session")
def inspection_engine(database_url: str) -> Iterator[Engine]:
    """A plain engine for the tests' own reads: on SQLite it opens no read transaction, so each
    query sees what the code under test has committed since (as PostgreSQL's READ COMMITTED
    does), instead of a snapshot from the test's first query."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(database: Database, inspection_engine: Engine) -> Iterator[Session]:
    """A session for arranging and inspecting; the test commits what it arranges."""
    with Session(inspection_engine, expire_on_commit=False) as session:
        yield session


SYSTEM = Actor.system("test")


def make_id(region: str = "500103", birth: date = date(1990, 3, 7), sequence: int = 123) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def count(session: Session, model: type[object]) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0  # type: ignore[arg-type]


class Factory:
    """Arranges registry records through the services, committing each."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self._sequence = 100

    def person(
        self, *, residence: str = "500103", region: str = "500103", **fields: object
    ) -> Person:
        self._sequence += 2
        data = {
            "id_number": make_id(region=region, sequence=self._sequence),
            "name": "张伟",
            "residence_code": residence,
            **fields,
        }
        with self.database.unit_of_work() as session:
            return service.register_person(
                session=session,
                actor=SYSTEM,
                person=PersonIn.model_validate(data),
                id_key=self.settings.id_hash_key,
            )

    def platform(self, *, region: str = "500103", name: str = "测试平台") -> Platform:
        from flexcover.kit.credit_code import credit_check_character

        self._sequence += 1
        first17 = f"91{region}MA{self._sequence:07d}"
        with self.database.unit_of_work() as session:
            return service.register_platform(
                session=session,
                actor=SYSTEM,
                platform=PlatformIn(
                    name=name,
                    credit_code=first17 + credit_check_character(first17),
                    region_code=region,
                    industries=["instant_delivery"],
                ),
            )

    def user(
        self,
        role: str,
        region: str,
        *,
        username: str | None = None,
        person_id: int | None = None,
        platform_id: int | None = None,
    ) -> User:
        with self.database.unit_of_work() as session:
            return accounts.create_user(
                session=session,
                actor=SYSTEM,
                user=UserIn(
                    username=username or f"{role.replace('_', '-')}-{region}",
                    password=PASSWORD,
                    role=role,
                    region_code=region,
                    person_id=person_id,
                    platform_id=platform_id,
                ),
            )

    def token(self, user: User) -> str:
        with self.database.unit_of_work() as session:
            plain, _ = accounts.issue_api_token(
                session=session, actor=SYSTEM, user_id=user.id, label="test"
            )
        return plain


@pytest.fixture
def factory(database: Database, settings: Settings) -> Factory:
    return Factory(database, settings)


@pytest.fixture(scope="session")
def small_departments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic department set of 1,500 Chongqing residents for 2026-10, written once: what a
    province officer compares from the pages."""
    from flexcover.kit.months import Month
    from flexcover.synth.departments import generate_departments
    from flexcover.synth.departments_files import write_departments

    out = tmp_path_factory.mktemp("departments")
    write_departments(
        generate_departments(jurisdiction="500000", people=1500, as_of=Month(2026, 10)), out
    )
    return out


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    """A client of the module's ``app`` fixture (web, contributions, coverage, cockpit tests)."""
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(settings: Settings, database: Database) -> Iterator[str]:
    """The app served by uvicorn on a free local port, as ``flexcover serve`` serves it."""
    port = _free_port()
    app = create_app(settings, database)
    app.state.today = lambda: LIVE_TODAY  # pages and tests agree on the month, whatever the clock
    app.state.now = lambda: LIVE_NOW
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", **server_options(settings)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def job_worker(settings: Settings, database: Database) -> Iterator[Worker]:
    """A ``flexcover worker`` in a thread of the test process, taking the test database's jobs
    with the real handlers (no schedules)."""
    from flexcover.jobs.commands import handlers
    from flexcover.rules.parameters import default_rulebook

    worker = Worker(
        database,
        handlers(),
        settings=settings,
        rulebook=default_rulebook(),
        name="test-worker",
        poll_seconds=0.1,
        grace_seconds=60,
    )
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), name="test-worker", daemon=True)
    thread.start()
    yield worker
    stop.set()
    thread.join(timeout=90)


@pytest.fixture(scope="session")
def rulebook():  # type: ignore[no-untyped-def]
    """The shipped rulebook, loaded once."""
    from flexcover.rules.parameters import default_rulebook

    return default_rulebook()
