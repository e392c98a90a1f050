"""Interviews over HTTP: the contract fields of SPEC §7, strict validation, and tenant isolation."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import candidate_body, contact_body, interview_body


@pytest.fixture
def candidate_id(client: TestClient, auth: dict[str, str]) -> int:
    response = client.post("/v1/candidates", json=candidate_body(), headers=auth)
    return int(response.json()["id"])


def _create(client: TestClient, auth: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/interviews", json=body, headers=auth)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_create_stores_every_field_and_reads_back(
    client: TestClient, auth: dict[str, str], candidate_id: int
) -> None:
    body = interview_body(
        candidate_id,
        job_number="R-1042",
        location="1 Main St, Springfield",
        decision_date="2026-12-11",
        round=2,
        notes="Asked about the Q1 territory plan.",
    )
    created = _create(client, auth, body)
    assert created == client.get(f"/v1/interviews/{created['id']}", headers=auth).json()
    assert created["starts_at"] == "2026-12-01T14:00:00-05:00"
    assert created["ends_at"] == "2026-12-01T15:00:00-05:00"
    assert created["timezone"] == "America/New_York"
    for field in ("company", "role", "job_number", "location", "decision_date", "round", "notes"):
        assert created[field] == body[field]
    assert [c["name"] for c in created["contacts"]] == ["Jane Doe", "Raj Patel", "Sam Lee"]
    assert created["contacts"][0]["email"] == "jane.doe@acme.example"
    assert created["contacts"][2]["role"] == "receptionist"
    assert created["references"][0]["name"] == "Grace Hopper"
    assert all(isinstance(c["id"], int) for c in created["contacts"])


def test_times_are_shown_in_the_interview_zone_whatever_offset_was_sent(
    client: TestClient, auth: dict[str, str], candidate_id: int
) -> None:
    created = _create(
        client,
        auth,
        interview_body(candidate_id, starts_at="2026-07-01T16:00:00Z", duration_minutes=45),
    )
    assert created["starts_at"] == "2026-07-01T12:00:00-04:00"
    assert created["ends_at"] == "2026-07-01T12:45:00-04:00"
    paris = _create(
        client,
        auth,
        interview_body(candidate_id, starts_at="2026-07-01T16:00:00Z", timezone="Europe/Paris"),
    )
    assert paris["starts_at"] == "2026-07-01T18:00:00+02:00"


def test_moving_the_start_keeps_the_length_and_contacts_can_be_replaced(
    client: TestClient, auth: dict[str, str], candidate_id: int
) -> None:
    created = _create(
        client, auth, interview_body(candidate_id, ends_at="2026-12-01T15:30:00-05:00")
    )
    url = f"/v1/interviews/{created['id']}"
    moved = client.patch(url, json={"starts_at": "2026-12-02T10:00:00-05:00"}, headers=auth)
    assert moved.status_code == 200, moved.text
    assert moved.json()["ends_at"] == "2026-12-02T11:30:00-05:00"
    assert moved.json()["contacts"] == created["contacts"]
    replaced = client.patch(
        url, json={"contacts": [contact_body(name="Lee Chen")], "decision_date": None}, headers=auth
    ).json()
    assert [c["name"] for c in replaced["contacts"]] == ["Lee Chen"]
    assert replaced["decision_date"] is None
    assert client.patch(url, json={"company": None}, headers=auth).status_code == 422
    assert (
        client.patch(url, json={"ends_at": "2026-12-02T09:00:00-05:00"}, headers=auth).status_code
        == 422
    )
    assert client.get(url, headers=auth).json() == replaced


def test_delete_removes_the_interview(
    client: TestClient, auth: dict[str, str], candidate_id: int, count_rows: Callable[[str], int]
) -> None:
    created = _create(client, auth, interview_body(candidate_id))
    assert client.delete(f"/v1/interviews/{created['id']}", headers=auth).status_code == 204
    assert client.get(f"/v1/interviews/{created['id']}", headers=auth).status_code == 404
    assert count_rows("contacts") == 0 and count_rows("interview_references") == 0


def test_contacts_can_be_managed_one_at_a_time(
    client: TestClient, auth: dict[str, str], candidate_id: int
) -> None:
    created = _create(client, auth, interview_body(candidate_id))
    base = f"/v1/interviews/{created['id']}/contacts"
    added = client.post(
        base, json=contact_body(name="Lee Chen", role="hiring_manager"), headers=auth
    )
    assert added.status_code == 201
    lee = added.json()
    assert added.headers["location"] == f"{base}/{lee['id']}"
    changed = client.patch(f"{base}/{lee['id']}", json={"title": "VP Sales"}, headers=auth)
    assert changed.json() == {**lee, "title": "VP Sales"}
    assert client.delete(f"{base}/{created['contacts'][0]['id']}", headers=auth).status_code == 204
    names = [c["name"] for c in client.get(base, headers=auth).json()]
    assert names == ["Raj Patel", "Sam Lee", "Lee Chen"]
    assert client.patch(f"{base}/999999", json={"title": "x"}, headers=auth).status_code == 404


def test_list_filters_and_pages(
    client: TestClient, auth: dict[str, str], candidate_id: int
) -> None:
    other = client.post("/v1/candidates", json=candidate_body(name="Bo"), headers=auth).json()["id"]
    starts = [f"2026-12-0{day}T10:00:00-05:00" for day in (5, 1, 3, 2, 4)]
    for n, start in enumerate(starts):
        _create(client, auth, interview_body(candidate_id, starts_at=start, company=f"Co{n}"))
    _create(client, auth, interview_body(other, starts_at="2026-12-01T09:00:00-05:00"))

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"candidate_id": candidate_id, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/interviews", params=params, headers=auth).json()
        seen += [i["starts_at"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(starts)

    window = client.get(
        "/v1/interviews",
        params={
            "starts_after": "2026-12-02T00:00:00-05:00",
            "starts_before": "2026-12-04T00:00:00-05:00",
        },
        headers=auth,
    ).json()["items"]
    assert [i["starts_at"][:10] for i in window] == ["2026-12-02", "2026-12-03"]
    by_company = client.get("/v1/interviews", params={"company": "co3"}, headers=auth).json()
    assert [i["company"] for i in by_company["items"]] == ["Co3"]
    naive = client.get(
        "/v1/interviews", params={"starts_after": "2026-12-02T00:00:00"}, headers=auth
    )
    assert naive.status_code == 422


BAD_INTERVIEWS: list[tuple[dict[str, Any], str]] = [
    ({"starts_at": "2026-12-01T14:00:00"}, "timezone"),
    ({"starts_at": "next tuesday"}, "starts_at"),
    ({"starts_at": 1796137200}, "RFC 3339"),
    ({"starts_at": "1900-01-01T10:00:00Z"}, "2000"),
    ({"ends_at": "2026-12-01T13:00:00-05:00"}, "end after it starts"),
    ({"ends_at": "2026-12-03T13:00:00-05:00"}, "24 hours"),
    ({"ends_at": "2026-12-01T15:00:00-05:00", "duration_minutes": 30}, "not both"),
    ({"timezone": "Europe/Atlantis"}, "IANA"),
    ({"format": "carrier pigeon"}, "format"),
    ({"process": "slow"}, "process"),
    ({"round": 0}, "round"),
    ({"decision_date": "12/11/2026"}, "decision_date"),
    ({"company": ""}, "company"),
    ({"company": "A" * 201}, "company"),
    ({"notes": "n" * 4001}, "notes"),
    ({"contacts": [contact_body()] * 21}, "contacts"),
    ({"contacts": [contact_body(email="not-an-email")]}, "email"),
    ({"contacts": [contact_body(email="jane\x00@acme.example")]}, "control characters"),
    ({"contacts": [contact_body(phone="call me maybe")]}, "phone"),
    ({"contacts": [contact_body(role="ceo")]}, "role"),
    ({"contacts": [contact_body(primary=True), contact_body(primary=True)]}, "at most one"),
    ({"contacts": [{"title": "nameless"}]}, "name"),
    ({"references": [{"name": "R"}] * 11}, "references"),
    ({"salary": 100000}, "not a known field"),
    ({"candidate_id": 2**63}, "candidate_id"),
    ({"candidate_id": 999999}, "not a candidate of this account"),
]


@pytest.mark.parametrize(("overrides", "complaint"), BAD_INTERVIEWS)
def test_bad_interviews_get_a_clear_422_and_store_nothing(
    client: TestClient,
    auth: dict[str, str],
    candidate_id: int,
    count_rows: Callable[[str], int],
    overrides: dict[str, Any],
    complaint: str,
) -> None:
    body = {**interview_body(candidate_id), **overrides}
    response = client.post("/v1/interviews", json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert complaint in response.json()["detail"]
    assert count_rows("interviews") == 0 and count_rows("contacts") == 0


def test_accounts_see_only_their_own_data(
    client: TestClient, auth: dict[str, str], other_auth: dict[str, str], candidate_id: int
) -> None:
    interview = _create(client, auth, interview_body(candidate_id))
    contact_id = interview["contacts"][0]["id"]
    iv = f"/v1/interviews/{interview['id']}"
    attempts = [
        ("GET", f"/v1/candidates/{candidate_id}", None),
        ("PATCH", f"/v1/candidates/{candidate_id}", {"name": "Mallory"}),
        ("DELETE", f"/v1/candidates/{candidate_id}", None),
        ("GET", iv, None),
        ("PATCH", iv, {"company": "Evil"}),
        ("DELETE", iv, None),
        ("GET", f"{iv}/contacts", None),
        ("POST", f"{iv}/contacts", contact_body()),
        ("PATCH", f"{iv}/contacts/{contact_id}", {"name": "Mallory"}),
        ("DELETE", f"{iv}/contacts/{contact_id}", None),
    ]
    for method, url, body in attempts:
        response = client.request(method, url, json=body, headers=other_auth)
        assert response.status_code == 404, (method, url)
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/candidates", headers=other_auth).json()["items"] == []
    assert client.get("/v1/interviews", headers=other_auth).json()["items"] == []
    stolen = client.post("/v1/interviews", json=interview_body(candidate_id), headers=other_auth)
    assert stolen.status_code == 422
    assert client.get(iv, headers=auth).json() == interview


def test_path_ids_out_of_range_are_refused_cleanly(
    client: TestClient, auth: dict[str, str]
) -> None:
    for path in [
        "/v1/interviews/0",
        "/v1/interviews/-1",
        f"/v1/interviews/{2**64}",
        "/v1/interviews/abc",
    ]:
        response = client.get(path, headers=auth)
        assert response.status_code == 422, path
        assert response.headers["content-type"] == "application/problem+json"


def test_ids_beyond_the_id_columns_are_refused_not_a_server_error(
    client: TestClient, auth: dict[str, str]
) -> None:
    # Ids are 32-bit columns on PostgreSQL; a larger one used to reach the query and fail there.
    for path in ("/v1/interviews/3000000000", "/v1/followups?candidate_id=3000000000"):
        response = client.get(path, headers=auth)
        assert response.status_code == 422, response.text
        assert "2147483647" in response.json()["detail"]
