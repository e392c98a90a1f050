"""Schemathesis against the app's own OpenAPI schema, authenticated, with the path ids of real
resources: no request gets a server error, and every answer matches the schema it documents."""

import json
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.builders import candidate_body, interview_body
from tests.test_openapi import SPEC

OPERATIONS = sorted(
    f"{method.upper()} {path}"
    for path, methods in json.loads(SPEC.read_text(encoding="utf-8"))["paths"].items()
    for method in methods
)


@pytest.fixture
def real_ids(client: TestClient, auth: dict[str, str]) -> dict[str, int]:
    """Ids of stored resources, so that generated requests reach past the 404s."""
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    interview = client.post(
        "/v1/interviews", json=interview_body(candidate["id"]), headers=auth
    ).json()
    feeds = client.get(f"/v1/candidates/{candidate['id']}/feeds", headers=auth).json()
    return {
        "candidate_id": candidate["id"],
        "interview_id": interview["id"],
        "contact_id": interview["contacts"][0]["id"],
        "followup_id": interview["followups"][0]["id"],
        "feed_id": feeds[0]["id"],
    }


@pytest.mark.parametrize("operation", OPERATIONS)
def test_generated_requests_get_documented_answers(
    client: TestClient, auth: dict[str, str], real_ids: dict[str, int], operation: str
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    found = schema.find_operation_by_label(operation)
    assert found is not None, operation

    @given(case=found.as_strategy())
    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case: Any) -> None:
        for name in case.path_parameters or {}:
            if name in real_ids and not operation.startswith("DELETE"):
                case.path_parameters[name] = real_ids[name]
        # Schema-valid is not always valid: an unknown time zone or a stale cursor is a 422.
        case.call_and_validate(headers=auth, excluded_checks=[checks.positive_data_acceptance])

    check()
