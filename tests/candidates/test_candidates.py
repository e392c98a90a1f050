"""Candidates over HTTP: create, read, list, update, delete, and refusals that store nothing."""

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.builders import candidate_body


def test_create_returns_the_candidate_with_defaults_and_a_secret_feed(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = client.post("/v1/candidates", json=candidate_body(), headers=auth)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/v1/candidates/{body['id']}"
    assert body["name"] == "Ada Lovelace"
    assert body["timezone"] == "America/New_York"
    assert body["country"] == "US"
    assert body["call_time"] == "10:00"
    assert body["business_hours"] == {
        "start": "09:00",
        "end": "17:00",
        "days": ["mon", "tue", "wed", "thu", "fri"],
    }
    assert body["thank_you_channel"] == "email"
    https, webcal = urlsplit(body["feed"]["https"]), urlsplit(body["feed"]["webcal"])
    assert https.scheme == "https" and webcal.scheme == "webcal"
    assert https.netloc == webcal.netloc == "calendar.example.org"
    assert https.path == webcal.path and https.path.endswith(".ics")
    token = https.path.removeprefix("/feeds/").removesuffix(".ics")
    assert len(base64.urlsafe_b64decode(token + "==")) * 8 >= 128


def test_the_feed_token_is_shown_once_and_stored_hashed(
    client: TestClient, auth: dict[str, str], count_rows: Callable[[str], int]
) -> None:
    created = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    token = created["feed"]["https"].rsplit("/", 1)[1].removesuffix(".ics")
    again = client.get(f"/v1/candidates/{created['id']}", headers=auth).json()
    assert "feed" not in again and token not in str(again)
    assert count_rows("feed_tokens") == 1


def test_read_update_and_delete(client: TestClient, auth: dict[str, str]) -> None:
    created = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    url = f"/v1/candidates/{created['id']}"
    changed = client.patch(
        url,
        json={
            "call_time": "11:30",
            "country": None,
            "thank_you_channel": "mail",
            "business_hours": {"start": "08:00", "end": "16:00", "days": ["mon", "wed"]},
        },
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    assert client.get(url, headers=auth).json() == changed.json()
    body = changed.json()
    assert (body["call_time"], body["country"], body["thank_you_channel"]) == (
        "11:30",
        None,
        "mail",
    )
    assert body["business_hours"]["days"] == ["mon", "wed"]
    assert body["name"] == "Ada Lovelace"
    assert client.delete(url, headers=auth).status_code == 204
    assert client.get(url, headers=auth).status_code == 404
    assert client.delete(url, headers=auth).status_code == 404


def test_list_pages_through_every_candidate_once(client: TestClient, auth: dict[str, str]) -> None:
    ids = [
        client.post("/v1/candidates", json=candidate_body(name=f"C{n}"), headers=auth).json()["id"]
        for n in range(5)
    ]
    seen: list[int] = []
    cursor = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/candidates", params=params, headers=auth).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (candidate_body(timezone="Eastern"), "IANA"),
        (candidate_body(timezone="america/new_york"), "IANA"),
        (candidate_body(country="XX"), "country"),
        (candidate_body(country="USA"), "country"),
        (candidate_body(call_time="7pm"), "call_time"),
        (candidate_body(call_time="24:00"), "call_time"),
        (candidate_body(call_time="08:00"), "outside business hours"),
        (candidate_body(thank_you_channel="phone"), "thank_you_channel"),
        (candidate_body(name=""), "name"),
        (candidate_body(name="x" * 201), "name"),
        (candidate_body(name="Ada\x00"), "control characters"),
        (candidate_body(nickname="Ada"), "not a known field"),
        (candidate_body(business_hours={"start": "17:00", "end": "09:00"}), "business hours"),
        (candidate_body(business_hours={"days": []}), "days"),
        ({"timezone": "Europe/Paris"}, "name"),
        ([], "body"),
    ],
)
def test_bad_candidates_get_a_clear_422_and_store_nothing(
    client: TestClient,
    auth: dict[str, str],
    count_rows: Callable[[str], int],
    body: Any,
    complaint: str,
) -> None:
    response = client.post("/v1/candidates", json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert complaint in response.json()["detail"]
    assert count_rows("candidates") == 0


def test_malformed_json_is_a_422(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/v1/candidates",
        content=b'{"name": "Ada", ',
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"]


def test_a_null_for_a_required_field_is_refused_on_update(
    client: TestClient, auth: dict[str, str]
) -> None:
    created = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    response = client.patch(
        f"/v1/candidates/{created['id']}", json={"timezone": None}, headers=auth
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "body.timezone: Input should be a valid string"
    assert client.get(f"/v1/candidates/{created['id']}", headers=auth).json() == {
        k: v for k, v in created.items() if k != "feed"
    }


def test_a_bad_cursor_is_a_422(client: TestClient, auth: dict[str, str]) -> None:
    for cursor in ["garbage", "e30", base64.urlsafe_b64encode(b'["x"]').decode()]:
        response = client.get("/v1/candidates", params={"cursor": cursor}, headers=auth)
        assert response.status_code == 422, cursor
        assert "cursor" in response.json()["detail"]
