from datetime import date

import pytest
from fastapi.testclient import TestClient

from flexcover.web.app import create_app
from tests.conftest import PASSWORD


@pytest.fixture
def app(settings, database):
    return create_app(settings, database)


def app_on(day: date, settings, database, rulebook=None):
    """The app living on ``day``: pages and API take "this month" from it, not from the clock."""
    app = create_app(settings, database, rulebook)
    app.state.today = lambda: day
    return app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def log_in(client: TestClient, username: str, password: str = PASSWORD):
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": "/"},
        follow_redirects=False,
    )
