import numpy as np
import pytest

from flexcover.rules.parameters import default_rulebook


@pytest.fixture(scope="session")
def rulebook():
    return default_rulebook()


def one(value: int) -> np.ndarray:
    return np.array([value], dtype=np.int64)
