"""Alembic migrations: one linear history, timestamped file names.

``flexcover db upgrade`` runs :func:`upgrade`, then loads the reference data (jurisdictions).
"""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, Table


def metadata() -> MetaData:
    """The metadata of every table, for migrations and autogenerate."""
    import flexcover.contributions.models
    import flexcover.coverage.models
    import flexcover.injury.models
    import flexcover.jobs.models
    import flexcover.kit.audit
    import flexcover.kit.idempotency
    import flexcover.kit.outbox
    import flexcover.ledger.models
    import flexcover.registry.models
    import flexcover.synth.models  # noqa: F401
    from flexcover.kit.database import Base

    return Base.metadata


REFERENCE_TABLES = frozenset({"jurisdictions", "alembic_version"})
_PARTITION = re.compile(r"^injury_orders_[0-9]{4}_[0-9]{2}(_archived[0-9]*)?$")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """What autogenerate compares: not the orders' monthly partitions (made at run time by
    ``flexcover injury partitions``, not by a migration), nor their archives."""
    return not (type_ == "table" and name is not None and _PARTITION.match(name))


def data_tables() -> list[Table]:
    """Every table but the reference data, children before parents (safe to empty in order)."""
    return [
        table for table in reversed(metadata().sorted_tables) if table.name not in REFERENCE_TABLES
    ]


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.set_main_option(
        "file_template",
        "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s",
    )
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
