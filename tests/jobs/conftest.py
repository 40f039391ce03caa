"""Fixtures of the job tests: the contributions world (month-end settlement runs as a job)."""

from tests.contributions.conftest import world  # noqa: F401
