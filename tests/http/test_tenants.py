"""Tenant isolation across the whole API: another account using this account's ids gets 404 on
every route that takes one, sees none of its data in any list, and changes nothing."""

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.builders import candidate_body, contact_body, interview_body
from tests.test_openapi import SPEC

INVITATION = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\nBEGIN:VEVENT\r\n"
    b"UID:tenant@example.com\r\nDTSTAMP:20261120T120000Z\r\nDTSTART:20261201T150000Z\r\n"
    b"DTEND:20261201T160000Z\r\nSUMMARY:Acme - Analyst interview\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)

# Each route that names a resource of the account, with a body it would accept from the owner.
BODIES: dict[str, dict[str, Any] | None] = {
    "GET /v1/candidates/{candidate_id}": None,
    "PATCH /v1/candidates/{candidate_id}": {"name": "Renamed"},
    "DELETE /v1/candidates/{candidate_id}": None,
    "POST /v1/candidates/{candidate_id}/feeds": {},
    "GET /v1/candidates/{candidate_id}/feeds": None,
    "DELETE /v1/candidates/{candidate_id}/feeds/{feed_id}": None,
    "GET /v1/interviews/{interview_id}": None,
    "PATCH /v1/interviews/{interview_id}": {"notes": "changed"},
    "DELETE /v1/interviews/{interview_id}": None,
    "GET /v1/interviews/{interview_id}/contacts": None,
    "POST /v1/interviews/{interview_id}/contacts": contact_body(name="Intruder"),
    "PATCH /v1/interviews/{interview_id}/contacts/{contact_id}": {"name": "Changed"},
    "DELETE /v1/interviews/{interview_id}/contacts/{contact_id}": None,
    "GET /v1/interviews/{interview_id}/followups": None,
    "POST /v1/interviews/{interview_id}/outcomes": {"type": "offer"},
    "GET /v1/interviews/{interview_id}/outcomes": None,
    "GET /v1/followups/{followup_id}": None,
    "PATCH /v1/followups/{followup_id}": {"status": "done"},
    "GET /v1/webhooks/{webhook_id}": None,
    "PATCH /v1/webhooks/{webhook_id}": {"description": "changed"},
    "DELETE /v1/webhooks/{webhook_id}": None,
    "POST /v1/webhooks/{webhook_id}/rotate-secret": None,
    "POST /v1/webhooks/{webhook_id}/ping": None,
    "GET /v1/webhooks/{webhook_id}/deliveries": None,
    "POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry": None,
}


def _routes_with_ids() -> set[str]:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    return {
        f"{method.upper()} {path}"
        for path, methods in spec["paths"].items()
        for method in methods
        if path.startswith("/v1/") and "{" in path
    }


def _snapshot(client: TestClient, auth: dict[str, str], ids: dict[str, int]) -> list[Any]:
    interview = f"/v1/interviews/{ids['interview_id']}"
    return [
        client.get(f"/v1/candidates/{ids['candidate_id']}", headers=auth).json(),
        client.get(f"/v1/candidates/{ids['candidate_id']}/feeds", headers=auth).json(),
        client.get(interview, headers=auth).json(),
        client.get(f"{interview}/outcomes", headers=auth).json(),
    ]


def test_every_route_hides_another_accounts_resources(
    client: TestClient,
    auth: dict[str, str],
    other_auth: dict[str, str],
    count_rows: Callable[[str], int],
) -> None:
    assert set(BODIES) == _routes_with_ids(), "a new route needs its place in this walk"
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    interview = client.post(
        "/v1/interviews", json=interview_body(candidate["id"]), headers=auth
    ).json()
    webhook = client.post(
        "/v1/webhooks", json={"url": "https://93.184.215.14/hooks"}, headers=auth
    ).json()
    client.post(f"/v1/webhooks/{webhook['id']}/ping", headers=auth)
    deliveries = client.get(f"/v1/webhooks/{webhook['id']}/deliveries", headers=auth).json()
    ids = {
        "webhook_id": webhook["id"],
        "delivery_id": deliveries["items"][0]["id"],
        "candidate_id": candidate["id"],
        "interview_id": interview["id"],
        "contact_id": interview["contacts"][0]["id"],
        "followup_id": interview["followups"][0]["id"],
        "feed_id": client.get(f"/v1/candidates/{candidate['id']}/feeds", headers=auth).json()[0][
            "id"
        ],
    }
    before = _snapshot(client, auth, ids)
    tables = (
        "candidates",
        "interviews",
        "contacts",
        "followups",
        "outcomes",
        "feed_tokens",
        "webhook_endpoints",
        "webhook_events",
    )
    counts = {table: count_rows(table) for table in tables}

    for route, body in BODIES.items():
        method, template = route.split(" ", 1)
        path = template.format(**ids)
        response = client.request(method, path, json=body, headers=other_auth)
        assert response.status_code == 404, (route, response.status_code, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert str(ids["candidate_id"]) not in response.json().get("errors", "")

    # Ids in queries and bodies: nothing of the other account shows, nothing is made for it.
    for path in (
        f"/v1/interviews?candidate_id={ids['candidate_id']}",
        f"/v1/followups?candidate_id={ids['candidate_id']}",
        f"/v1/followups?interview_id={ids['interview_id']}",
        "/v1/candidates",
        "/v1/interviews",
        "/v1/followups",
    ):
        listed = client.get(path, headers=other_auth)
        assert listed.status_code == 200 and listed.json()["items"] == [], path
    created = client.post(
        "/v1/interviews", json=interview_body(ids["candidate_id"]), headers=other_auth
    )
    assert created.status_code in (404, 422), created.text
    imported = client.post(
        f"/v1/interviews/import?candidate_id={ids['candidate_id']}",
        content=INVITATION,
        headers={**other_auth, "Content-Type": "text/calendar"},
    )
    assert imported.status_code in (404, 422), imported.text

    assert _snapshot(client, auth, ids) == before
    assert {table: count_rows(table) for table in tables} == counts
