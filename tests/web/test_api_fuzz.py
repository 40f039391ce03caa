"""Schema fuzz: Hypothesis-generated requests from the OpenAPI document, valid and invalid, sent
as an administrator. Whatever arrives, every operation answers without a server error, and every
refusal is problem+json.
"""

import os

import schemathesis
from hypothesis import HealthCheck, given, settings

FUZZ = settings(
    max_examples=int(os.environ.get("FLEXCOVER_FUZZ_EXAMPLES", "30")),
    derandomize=not os.environ.get("FLEXCOVER_FUZZ_EXAMPLES"),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def test_no_request_makes_the_api_fail(app, factory):
    token = factory.token(factory.user("admin", "000000", username="fuzz-admin"))
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def answers_cleanly(case):
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            assert response.status_code < 500, (case.method, case.formatted_path, response.text)
            if response.status_code >= 400:
                assert response.headers["content-type"] == ["application/problem+json"]

        answers_cleanly()
