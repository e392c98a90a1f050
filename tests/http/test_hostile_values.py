"""Values at the edges of what a request can carry — cursors at the ends of the calendar, NUL bytes,
host-dependent time-zone names, booleans where numbers go — each get a clear 4xx that stores
nothing, on both databases."""

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import candidate_body, interview_body
from tests.test_openapi import SPEC

Headers = dict[str, str]
INVITATION = Path(__file__).resolve().parents[1] / "invitations" / "google.ics"

# Times whose UTC form falls outside what a datetime can hold, as a client might forge them.
EDGE_CURSORS = [
    "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzE0OjAwIiwgMV0",  # ["0001-01-01T00:00:00+14:00", 1]
    "WyI5OTk5LTEyLTMxVDIzOjU5OjU5LTEyOjAwIiwgMV0",  # ["9999-12-31T23:59:59-12:00", 1]
]


def _cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("path", ["/v1/interviews", "/v1/followups"])
@pytest.mark.parametrize("cursor", EDGE_CURSORS)
def test_a_cursor_at_the_ends_of_the_calendar_is_a_422(
    client: TestClient, auth: Headers, path: str, cursor: str
) -> None:
    response = client.get(path, params={"cursor": cursor}, headers=auth)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "cursor is not valid" in response.json()["detail"]


def test_a_cursor_still_pages_after_the_range_check(client: TestClient, auth: Headers) -> None:
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    for day in ("01", "02", "03"):
        body = interview_body(candidate["id"], starts_at=f"2026-12-{day}T14:00:00-05:00")
        assert client.post("/v1/interviews", json=body, headers=auth).status_code == 201
    first = client.get("/v1/interviews", params={"limit": 2}, headers=auth).json()
    rest = client.get(
        "/v1/interviews", params={"limit": 2, "cursor": first["next_cursor"]}, headers=auth
    ).json()
    starts = [i["starts_at"][:10] for i in first["items"] + rest["items"]]
    assert starts == ["2026-12-01", "2026-12-02", "2026-12-03"]
    # A cursor made at another offset names the same instant.
    shifted = _cursor("2026-12-02T20:00:00+01:00", first["items"][1]["id"])
    again = client.get("/v1/interviews", params={"cursor": shifted}, headers=auth).json()
    assert [i["starts_at"][:10] for i in again["items"]] == ["2026-12-03"]


def _string_query_parameters() -> list[tuple[str, str]]:
    """Every (path, name) of a string query parameter of a GET in the spec."""
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    found = []
    for path, operations in spec["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            schema = parameter["schema"]
            kinds = [schema, *schema.get("anyOf", [])]
            if parameter["in"] == "query" and any(k.get("type") == "string" for k in kinds):
                found.append((path, parameter["name"]))
    return found


@pytest.mark.parametrize(("path", "name"), _string_query_parameters())
def test_a_nul_byte_in_any_string_query_parameter_is_a_4xx(
    client: TestClient, auth: Headers, path: str, name: str
) -> None:
    real = path.replace("{candidate_id}", "1").replace("{interview_id}", "1")
    response = client.get(real, params={name: "a\x00b"}, headers=auth)
    assert 400 <= response.status_code < 500, (path, name, response.text)


def test_a_nul_byte_in_the_company_filter_is_a_422(client: TestClient, auth: Headers) -> None:
    response = client.get("/v1/interviews?company=%00", headers=auth)
    assert response.status_code == 422
    assert (
        "query.company: must not contain line breaks or control characters"
        in (response.json()["detail"])
    )


def test_a_nul_byte_in_a_path_or_an_invitation_is_a_4xx(
    client: TestClient, auth: Headers, count_rows: Callable[[str], int]
) -> None:
    assert client.get("/v1/candidates/%00", headers=auth).status_code == 422
    assert client.get("/feeds/%00.ics").status_code == 404
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    invitation = INVITATION.read_bytes().replace(b"SUMMARY:", b"SUMMARY:Acme\x00 ", 1)
    response = client.post(
        "/v1/interviews/import",
        params={"candidate_id": candidate["id"]},
        content=invitation,
        headers={**auth, "Content-Type": "text/calendar"},
    )
    assert response.status_code == 422, response.text
    assert "NUL" in response.json()["detail"]
    assert count_rows("interviews") == 0


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "posix/Europe/Paris"])
def test_only_real_iana_zones_are_accepted(
    client: TestClient, auth: Headers, count_rows: Callable[[str], int], zone: str
) -> None:
    refused = client.post("/v1/candidates", json=candidate_body(timezone=zone), headers=auth)
    assert refused.status_code == 422, refused.text
    assert "body.timezone: must be an IANA time zone" in refused.json()["detail"]
    assert count_rows("candidates") == 0
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    body = interview_body(candidate["id"], timezone=zone)
    assert client.post("/v1/interviews", json=body, headers=auth).status_code == 422
    preview = {**interview_body(0), "candidate": {"timezone": zone}}
    del preview["candidate_id"]
    assert client.post("/v1/cadence/preview", json=preview, headers=auth).status_code == 422
    assert count_rows("interviews") == 0


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"candidate_id": True}, "body.candidate_id"),
        ({"candidate_id": 1.0}, "body.candidate_id"),
        ({"candidate_id": "1"}, "body.candidate_id"),
        ({"round": True}, "body.round"),
        ({"duration_minutes": "30"}, "body.duration_minutes"),
    ],
)
def test_numbers_in_bodies_are_json_numbers(
    client: TestClient,
    auth: Headers,
    count_rows: Callable[[str], int],
    change: dict[str, Any],
    where: str,
) -> None:
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    response = client.post(
        "/v1/interviews", json={**interview_body(candidate["id"]), **change}, headers=auth
    )
    assert response.status_code == 422, response.text
    assert where in response.json()["detail"]
    assert count_rows("interviews") == 0


@pytest.mark.parametrize("value", [1, "true", "yes"])
def test_booleans_in_bodies_are_json_booleans(
    client: TestClient, auth: Headers, value: Any
) -> None:
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    policy = {"policy": {"max_attempts": True}}
    assert (
        client.patch(f"/v1/candidates/{candidate['id']}", json=policy, headers=auth).status_code
        == 422
    )
    interview = client.post(
        "/v1/interviews", json=interview_body(candidate["id"]), headers=auth
    ).json()
    contact = interview["contacts"][0]["id"]
    response = client.patch(
        f"/v1/interviews/{interview['id']}/contacts/{contact}",
        json={"primary": value},
        headers=auth,
    )
    assert response.status_code == 422, response.text
    assert "body.primary" in response.json()["detail"]
