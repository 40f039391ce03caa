"""Occupational injury as its users meet it: a province onboards a platform, the platform sends
its roster and orders, officers bill and decide, insurers investigate. The app lives on
2026-11-20 at noon, China time (orders in November, the roster from November)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from flexcover.web.app import create_app
from tests.conftest import make_id
from tests.web.conftest import bearer

CHINA = timezone(timedelta(hours=8))
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA)
WORKERS = [make_id(sequence=300 + 2 * i) for i in range(5)]


class Clock:
    """The app's day and moment, which a test may move (to bill a month after it ends)."""

    def __init__(self) -> None:
        self.now = NOW

    def today(self) -> date:
        return self.now.astimezone(CHINA).date()

    def moment(self) -> datetime:
        return self.now.astimezone(UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(settings, database, rulebook, clock):
    app = create_app(settings, database, rulebook)
    app.state.today = clock.today
    app.state.now = clock.moment
    with TestClient(app) as client:
        yield client


@pytest.fixture
def platform(factory):
    return factory.platform(name="闪送平台")


@pytest.fixture
def other_platform(factory):
    return factory.platform(name="货拉拉平台")


def staff_token(factory, role: str, region: str, username: str) -> dict[str, str]:
    return bearer(factory.token(factory.user(role, region, username=username)))


@pytest.fixture
def province(factory):
    return staff_token(factory, "province_officer", "500000", "province")


@pytest.fixture
def district(factory):
    return staff_token(factory, "district_officer", "500103", "district-a")


@pytest.fixture
def district_b(factory):
    return staff_token(factory, "district_officer", "500103", "district-b")


@pytest.fixture
def insurer(factory):
    return staff_token(factory, "insurer", "500100", "insurer")


def platform_token(factory, platform, username: str) -> dict[str, str]:
    return bearer(
        factory.token(
            factory.user("platform", "500103", username=username, platform_id=platform.id)
        )
    )


@pytest.fixture
def plat(factory, platform):
    return platform_token(factory, platform, "plat")


@pytest.fixture
def other(factory, other_platform):
    return platform_token(factory, other_platform, "other-plat")


def onboard(
    client, headers, platform, *, industry="instant_delivery", places=("500103", "500106"), steps=0
):
    return client.put(
        f"/api/v1/injury/platforms/{platform.id}",
        json={"industry": industry, "jurisdictions": list(places), "float_steps": steps},
        headers=headers,
    )


def roster(client, headers, platform, numbers=WORKERS, month="2026-11"):
    rows = [
        {
            "id_number": number,
            "name": "张伟",
            "phone": "13800138000",
            "residence_code": "500103",
            "work_codes": ["500103"],
            "from_month": month,
        }
        for number in numbers
    ]
    answer = client.post(f"/api/v1/platforms/{platform.id}/workers", json=rows, headers=headers)
    assert answer.status_code in (200, 201), answer.text


@pytest.fixture
def ready(client, province, platform, plat, other_platform, other):
    """Both platforms onboarded for 500103 and 500106, the five workers on both rosters."""
    for p, headers in ((platform, plat), (other_platform, other)):
        assert onboard(client, province, p).status_code == 200
        roster(client, headers, p)
    return platform


def order(
    n: int, *, worker: int = 0, start: str = "2026-11-03T09:00:00+08:00", minutes=30, **fields
):
    accepted = datetime.fromisoformat(start)
    row = {
        "order_id": f"O-{n}",
        "worker_id": WORKERS[worker],
        "jurisdiction": "500103",
        "accepted_at": accepted.isoformat(),
        "completed_at": (accepted + timedelta(minutes=minutes)).isoformat(),
        **fields,
    }
    return {k: v for k, v in row.items() if v is not None}


def send_orders(client, platform, headers, rows, *, mode=None, key=None, raw=None, **extra):
    path = f"/api/v1/platforms/{platform.id}/orders" + (f"?mode={mode}" if mode else "")
    headers = {**headers, "Content-Type": "application/x-ndjson", **extra}
    if key:
        headers["Idempotency-Key"] = key
    body = raw if raw is not None else "\n".join(json.dumps(r) for r in rows).encode()
    return client.post(path, content=body, headers=headers)
