"""Fixtures of the comparison-engine tests."""

from __future__ import annotations

import os

import pytest

from flexcover.rules.parameters import Rulebook, default_rulebook
from tests.contributions.conftest import world  # noqa: F401 - an enrolment converts tasks

# The Spark tests' JVM lives a minute or two: the quick compiler alone and the serial collector
# cost a quarter less CPU than the server defaults, which pay off only on long runs.
os.environ.setdefault("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return default_rulebook()
