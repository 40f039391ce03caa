"""The vendored browser libraries are exactly the ones locked (requirements/vendor.json, fetched
and checked from npm by ``./dev vendor``), and flexcover serves them itself."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from tests.web.conftest import app_on

ROOT = Path(__file__).resolve().parents[2]
LOCK = json.loads((ROOT / "requirements" / "vendor.json").read_text("utf-8"))
FILES = [
    (name, entry["into"], file, digest)
    for name, entry in LOCK.items()
    for file, digest in entry["files"].items()
]


@pytest.mark.parametrize(("name", "into", "file", "digest"), FILES, ids=[f[2] for f in FILES])
def test_a_vendored_file_is_the_one_locked(name, into, file, digest):
    vendored = ROOT / into / Path(file).name
    assert hashlib.sha256(vendored.read_bytes()).hexdigest() == digest, f"{name}: {file}"


@pytest.fixture
def app(settings, database):
    return app_on(date(2026, 11, 15), settings, database)


@pytest.mark.database
def test_echarts_is_served_by_flexcover(client):
    served = client.get("/static/vendor/echarts/echarts.min.js")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert f'version:"{LOCK["echarts"]["version"]}"' in served.text  # the locked release
