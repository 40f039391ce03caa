"""Where flexcover keeps its data and secrets, from the environment.

``FLEXCOVER_DATA_DIR`` (default ``./.flexcover``) holds the SQLite database and the secret keys;
``FLEXCOVER_DATABASE_URL`` (e.g. ``postgresql+psycopg://user@host/db``) switches to PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url_override: str | None = None
    environment: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        data_dir = Path(env.get("FLEXCOVER_DATA_DIR") or ".flexcover").resolve()
        return cls(
            data_dir=data_dir,
            database_url_override=env.get("FLEXCOVER_DATABASE_URL") or None,
            environment=env,
        )

    @property
    def database_url(self) -> str:
        if self.database_url_override:
            return self.database_url_override
        return f"sqlite:///{self.data_dir / 'flexcover.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def trusted_proxies(self) -> list[str]:
        """``FLEXCOVER_TRUSTED_PROXIES``: the addresses (comma-separated) of the reverse proxies
        whose X-Forwarded-For and -Proto are believed. None by default: the peer's address is
        the client's, whatever headers it sends."""
        given = self.environment.get("FLEXCOVER_TRUSTED_PROXIES", "")
        return [address.strip() for address in given.split(",") if address.strip()]

    def ensure_data_dir(self) -> Path:
        """The data folder, made readable by flexcover's own user only (0700): it holds the
        database, the keys and the departments' files."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.data_dir

    @cached_property
    def session_secret(self) -> bytes:
        """Signs session cookies. ``FLEXCOVER_SESSION_SECRET`` or a file in the data folder."""
        return self._secret("FLEXCOVER_SESSION_SECRET", "session.key")

    @cached_property
    def id_hash_key(self) -> bytes:
        """Keys the resident-ID hash. Every instance that must join datasets shares this key."""
        return self._secret("FLEXCOVER_ID_HASH_KEY", "id-hash.key")

    def _secret(self, variable: str, filename: str) -> bytes:
        from_env = self.environment.get(variable)
        if from_env:
            return from_env.encode("utf-8")
        path = self.ensure_data_dir() / filename
        if not path.exists():
            # Created once, readable by the owner only; O_EXCL so two starting processes agree.
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(descriptor, "w") as handle:
                    handle.write(secrets.token_hex(32))
        return path.read_text("utf-8").strip().encode("utf-8")
