"""Schema fuzz: Hypothesis-generated requests from the OpenAPI document, valid and invalid, sent
as every role (most as a national administrator, who reaches the most code). Whatever arrives,
every operation answers without a server error, and every refusal is problem+json.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

EXAMPLES = int(os.environ.get("FLEXCOVER_FUZZ_EXAMPLES", "30"))


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=not os.environ.get("FLEXCOVER_FUZZ_EXAMPLES"),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )


ROLES = [
    ("admin", "000000", EXAMPLES),
    ("province_officer", "500000", max(3, EXAMPLES // 6)),
    ("district_officer", "500103", max(3, EXAMPLES // 6)),
    ("auditor", "500000", max(3, EXAMPLES // 6)),
    ("worker", "500103", max(3, EXAMPLES // 6)),
    ("platform", "500103", max(3, EXAMPLES // 6)),
]


@pytest.mark.parametrize(("role", "region", "examples"), ROLES, ids=[r[0] for r in ROLES])
def test_no_request_makes_the_api_fail(app, factory, role, region, examples):
    binding = {}
    if role == "worker":
        binding["person_id"] = factory.person().id
    if role == "platform":
        binding["platform_id"] = factory.platform().id
    token = factory.token(factory.user(role, region, username=f"fuzz-{role}", **binding))
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @fuzz(examples)
        @given(case=operation.as_strategy())
        def answers_cleanly(case):
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            assert response.status_code < 500, (case.method, case.formatted_path, response.text)
            if response.status_code >= 400:
                assert response.headers["content-type"] == ["application/problem+json"]

        answers_cleanly()
