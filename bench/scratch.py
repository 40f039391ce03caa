"""A scratch PostgreSQL database for a benchmark run: created, migrated, dropped."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from flexcover.cli import upgrade_database
from flexcover.kit.settings import Settings

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def scratch_database(server: str = DEFAULT_SERVER) -> Iterator[str]:
    """The URL of a fresh, migrated database on ``server``; dropped afterwards."""
    name = f"flexcover_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            upgrade_database(Settings(data_dir=Path(data_dir), database_url_override=url))
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
