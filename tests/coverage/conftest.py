"""Fixtures of the comparison-engine tests."""

from __future__ import annotations

import pytest

from flexcover.rules.parameters import Rulebook, default_rulebook
from tests.contributions.conftest import world  # noqa: F401 - an enrolment converts tasks


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return default_rulebook()
