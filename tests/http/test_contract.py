"""The spec and the service agree where a fuzzer found them apart: what an error answer is, which
methods a path takes, which Idempotency-Keys and email addresses pass."""

import json
import random
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.config import Settings
from service.idempotency.claims import InvalidKey, parse_key
from tests.builders import candidate_body, contact_body, interview_body

Headers = dict[str, str]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    served: dict[str, Any] = create_app(Settings(database_url="sqlite://")).openapi()
    return served


def _ecma(pattern: str) -> re.Pattern[str]:
    """A spec pattern as ECMA-262 reads it: the same in Python for the classes written here,
    with `$` at the very end only."""
    assert "\\s" not in pattern and "\\d" not in pattern and "\\w" not in pattern, pattern
    return re.compile(pattern.removesuffix("$") + r"\Z")


def test_every_error_answer_in_the_spec_is_problem_json(spec: dict[str, Any]) -> None:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (
                        method,
                        path,
                        status,
                    )
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)
            if path.startswith(("/v1/", "/feeds/")):
                assert {"429", "503"} <= set(operation["responses"]), (method, path)


def test_a_bad_feed_option_is_the_problem_the_spec_says(
    client: TestClient, auth: Headers, spec: dict[str, Any]
) -> None:
    created = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    path = "/" + created["feed"]["https"].split("/", 3)[3]
    response = client.get(path, params={"interviews": "null"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    documented = spec["paths"]["/feeds/{token}.ics"]["get"]["responses"]["422"]["content"]
    assert list(documented) == ["application/problem+json"]


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/v1/candidates/1", "DELETE, GET, PATCH"),
        ("/v1/candidates", "GET, POST"),
        ("/v1/interviews/1/contacts/1", "DELETE, PATCH"),
        ("/v1/interviews/import", "POST"),
        ("/feeds/" + "a" * 32 + ".ics", "GET, HEAD"),
    ],
)
def test_a_method_a_path_does_not_take_is_a_405_naming_all_it_does(
    client: TestClient, auth: Headers, spec: dict[str, Any], path: str, methods: str
) -> None:
    for method in {"OPTIONS", "PUT", "TRACE", "PATCH", "GET"} - set(methods.split(", ")):
        response = client.request(method, path, headers=auth)
        assert response.status_code == 405, (method, path)
        assert response.headers["allow"] == methods
        assert response.headers["content-type"] == "application/problem+json"
    template = next(p for p in spec["paths"] if re.fullmatch(re.sub(r"{\w+}", "[^/]+", p), path))
    assert ", ".join(sorted(m.upper() for m in spec["paths"][template])) == methods


def test_a_body_that_is_not_utf8_is_a_422(client: TestClient, auth: Headers) -> None:
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    interview = client.post(
        "/v1/interviews", json=interview_body(candidate["id"]), headers=auth
    ).json()
    contact = interview["contacts"][0]["id"]
    headers = {**auth, "Content-Type": "application/json"}
    for path, method in [
        (f"/v1/interviews/{interview['id']}/contacts/{contact}", "PATCH"),
        ("/v1/cadence/preview", "POST"),
        ("/v1/candidates", "POST"),
    ]:
        response = client.request(method, path, content=b'{"name": "\xff\xfe"}', headers=headers)
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"] == [
            {"loc": "body", "message": "is not valid JSON (not UTF-8 text)"}
        ]


def test_the_idempotency_key_pattern_is_exactly_what_the_service_takes(
    spec: dict[str, Any], client: TestClient, auth: Headers
) -> None:
    parameters = spec["paths"]["/v1/candidates"]["post"]["parameters"]
    key = next(p for p in parameters if p["name"] == "Idempotency-Key")
    pattern = _ecma(key["schema"]["anyOf"][0]["pattern"])
    random.seed(18)
    alphabet = ' !"#ab~\t'
    values = ["", '""', '"', '" "', "a", '"a', 'a"', "x" * 255, "x" * 256, f'"{"x" * 255}"']
    values += ["".join(random.choices(alphabet, k=random.randint(0, 6))) for _ in range(5000)]
    for value in values:
        try:
            parse_key(value)
            taken = True
        except InvalidKey:
            taken = False
        assert bool(pattern.match(value)) is taken, repr(value)
    refused = client.post(
        "/v1/candidates", json=candidate_body(), headers={**auth, "Idempotency-Key": '""'}
    )
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("jane.doe@acme.example", True),
        ("o'neil;x,y\\z🚀@exämple.com", True),
        ("a\x85b@acme.example", False),  # NEL: whitespace to Python and Rust, not to ECMA
        ("a\x1eb@acme.example", False),  # a record separator: whitespace to Python only
        ("a\u00a0b@acme.example", False),
        ("a\ufeffb@acme.example", False),  # whitespace to ECMA only
        ("jane@acme", False),
        ("jane doe@acme.example", False),
    ],
)
def test_the_email_pattern_is_exactly_what_the_service_takes(
    client: TestClient, auth: Headers, spec: dict[str, Any], address: str, valid: bool
) -> None:
    contact = spec["components"]["schemas"]["ContactBody"]["properties"]["email"]
    pattern = _ecma(contact["anyOf"][0]["pattern"])
    assert bool(pattern.match(address)) is valid
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    body = interview_body(candidate["id"], contacts=[contact_body(email=address)])
    response = client.post("/v1/interviews", json=body, headers=auth)
    assert response.status_code == (201 if valid else 422), response.text
    if valid:
        assert response.json()["contacts"][0]["email"] == address


def test_the_spec_links_each_create_to_what_reads_it(spec: dict[str, Any]) -> None:
    operations = {
        operation["operationId"]: operation
        for methods in spec["paths"].values()
        for operation in methods.values()
    }
    for name in ("create_candidate", "create_interview", "add_contact", "create_feed"):
        links = operations[name]["responses"]["201"]["links"]
        assert links, name
        for link in links.values():
            assert link["operationId"] in operations, link
    to_interview = operations["create_candidate"]["responses"]["201"]["links"]["CreateInterview"]
    assert to_interview["requestBody"] == {"candidate_id": "$response.body#/id"}
    assert json.dumps(spec)  # serialisable as served
