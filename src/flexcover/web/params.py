"""Parameters every router shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from flexcover.kit.pagination import MAX_RECORD_ID

PathId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID)]
"""A record's id in a path: positive, and within what the database's integers hold."""
