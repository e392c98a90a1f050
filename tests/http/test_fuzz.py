"""Schemathesis against the app's own OpenAPI schema, authenticated, with every default check:
each operation through the examples, coverage and fuzzing phases with valid and invalid data, then
stateful runs that follow the spec's links from creates to reads. No request gets a server error,
and every answer matches what the spec documents. Bounded by example and step counts."""

import json
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)

from service.http.fields import MAX_ID
from tests.builders import candidate_body, interview_body
from tests.conftest import EmptyDatabases
from tests.test_openapi import SPEC

CONFIG: dict[str, Any] = {
    "generation": {"mode": "all", "max-examples": 6},
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": True, "max-steps": 6},
    },
    "checks": {
        # Valid by the schema is not always valid: a time zone no one has heard of, a stale
        # cursor, an end before its start, an invitation that is not one. Those are 422s, and
        # any other refusal (a 400, a 415) still fails the check.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "401", "404", "409", "422"],
        },
    },
}
# The same cases each run, so that a failure here is the code's, not the draw's.
BOUNDED = settings(
    deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
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


OPERATIONS = sorted(
    f"{method.upper()} {path}"
    for path, methods in json.loads(SPEC.read_text(encoding="utf-8"))["paths"].items()
    for method in methods
)
# The coverage phase sends every boundary and every violation of each constraint in the schema
# (some 3,000 requests), which the request validation answers the same way whatever the database;
# it runs on SQLite. Random valid and invalid data reach the database: those run on both.
PHASES = {
    "sqlite": [
        HypothesisTestMode.EXAMPLES,
        HypothesisTestMode.COVERAGE,
        HypothesisTestMode.FUZZING,
    ],
    "postgresql": [HypothesisTestMode.EXAMPLES, HypothesisTestMode.FUZZING],
}


@pytest.fixture
def api_schema(client: TestClient, api_key: str) -> Any:
    # The key as the spec's security scheme, so that schemathesis also sends requests without
    # it (or with a wrong one) where it means to, and checks that they are refused.
    auth = {"openapi": {"HTTPBearer": {"bearer": api_key}}}
    config = SchemathesisConfig.from_dict({**CONFIG, "auth": auth})
    return schemathesis.openapi.from_asgi("/openapi.json", client.app, config=config)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_generated_requests_get_documented_answers(
    api_schema: Any, databases: EmptyDatabases, real_ids: dict[str, int], operation: str
) -> None:
    found = api_schema.find_operation_by_label(operation)
    assert found is not None, operation

    def check(case: Any) -> None:
        if case.method != "DELETE" and case.meta.generation.mode is GenerationMode.POSITIVE:
            for name, value in (case.path_parameters or {}).items():
                if name in real_ids and isinstance(value, int) and 1 <= value <= MAX_ID:
                    case.path_parameters[name] = real_ids[name]
        case.call_and_validate()

    # The phases schemathesis's own pytest integration runs (which this pytest cannot load).
    create_test(
        operation=found,
        test_func=check,
        config=HypothesisTestConfig(
            project=api_schema.config,
            modes=PHASES[databases.backend],
            settings=settings(BOUNDED, max_examples=CONFIG["generation"]["max-examples"]),
        ),
    )()


def test_stateful_runs_along_the_links_get_documented_answers(
    api_schema: Any, real_ids: dict[str, int]
) -> None:
    api_schema.as_state_machine().run(
        settings=settings(BOUNDED, max_examples=20, stateful_step_count=6)
    )
