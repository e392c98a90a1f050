"""The cadence over HTTP: plans on create, "what is due", marking steps, outcomes, preview."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import candidate_body, contact_body, interview_body
from tests.conftest import Clock

FOLLOW_UP_FIELDS = {"id", "key", "kind", "channel", "contact_id", "due_at", "deadline_at"}
FOLLOW_UP_FIELDS |= {"status", "late", "why"}


@pytest.fixture
def candidate_id(client: TestClient, auth: dict[str, str]) -> int:
    return int(client.post("/v1/candidates", json=candidate_body(), headers=auth).json()["id"])


@pytest.fixture
def interview(client: TestClient, auth: dict[str, str], candidate_id: int) -> dict[str, Any]:
    response = client.post("/v1/interviews", json=interview_body(candidate_id), headers=auth)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def by_key(followups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {step["key"]: step for step in followups}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def jane(interview: dict[str, Any]) -> int:
    """The first interviewer's contact id (ids differ between databases)."""
    return int(interview["contacts"][0]["id"])


def test_creating_an_interview_returns_its_plan(interview: dict[str, Any]) -> None:
    steps = by_key(interview["followups"])
    assert set(steps[f"thank_you:{jane(interview)}"]) >= FOLLOW_UP_FIELDS
    assert steps["collect_contacts"]["due_at"] == "2026-12-01T14:00:00-05:00"
    assert steps[f"thank_you:{jane(interview)}"]["due_at"] == "2026-12-01T17:00:00-05:00"
    assert steps[f"thank_you:{jane(interview)}"]["deadline_at"] == "2026-12-02T15:00:00-05:00"
    assert steps[f"thank_you:{jane(interview)}"]["contact_id"] == interview["contacts"][0]["id"]
    assert steps[f"thank_receptionist:{interview['contacts'][2]['id']}"]["channel"] == "mail"
    assert steps["follow_up:1"]["due_at"] == "2026-12-08T10:00:00-05:00"
    assert steps["follow_up:1"]["channel"] == "phone"
    assert all(s["status"] == "pending" and not s["late"] for s in steps.values())
    assert all("[00" in s["why"] for s in steps.values())
    assert interview["cadence"]["state"] == "active"
    dues = [s["due_at"] for s in interview["followups"]]
    assert dues == sorted(dues, key=at)


def test_the_interview_followups_route_lists_the_same_plan(
    client: TestClient, auth: dict[str, str], interview: dict[str, Any]
) -> None:
    listed = client.get(f"/v1/interviews/{interview['id']}/followups", headers=auth).json()
    assert listed == interview["followups"]


def test_a_voicemail_is_retried_a_week_later(
    client: TestClient, auth: dict[str, str], interview: dict[str, Any], clock: Clock
) -> None:
    first = by_key(interview["followups"])["follow_up:1"]
    clock.now = at(first["due_at"]) + timedelta(minutes=5)
    response = client.post(
        f"/v1/interviews/{interview['id']}/outcomes", json={"type": "voicemail"}, headers=auth
    )
    assert response.status_code == 201, response.text
    logged = response.json()
    assert logged["step_key"] == "follow_up:1"
    steps = by_key(logged["interview"]["followups"])
    assert steps["follow_up:1"]["status"] == "done"
    assert steps["follow_up:2"]["due_at"] == "2026-12-15T10:00:00-05:00"
    assert "voicemail" in steps["follow_up:2"]["why"]
    outcomes = client.get(f"/v1/interviews/{interview['id']}/outcomes", headers=auth).json()
    assert [o["type"] for o in outcomes] == ["voicemail"]


def test_an_offer_cancels_every_pending_step(
    client: TestClient, auth: dict[str, str], interview: dict[str, Any], clock: Clock
) -> None:
    clock.now = at("2026-12-03T12:00:00-05:00")
    logged = client.post(
        f"/v1/interviews/{interview['id']}/outcomes", json={"type": "offer"}, headers=auth
    ).json()
    statuses = {s["key"]: s["status"] for s in logged["interview"]["followups"]}
    assert "pending" not in statuses.values()
    assert statuses["follow_up:1"] == "cancelled"
    assert logged["interview"]["cadence"]["state"] == "closed"
    pending = client.get("/v1/followups", params={"status": "pending"}, headers=auth).json()
    assert pending["items"] == []


def test_a_rejection_leaves_a_stay_in_touch_step(
    client: TestClient, auth: dict[str, str], interview: dict[str, Any], clock: Clock
) -> None:
    clock.now = at("2026-12-04T16:00:00-05:00")
    logged = client.post(
        f"/v1/interviews/{interview['id']}/outcomes", json={"type": "rejected"}, headers=auth
    ).json()
    stay = by_key(logged["interview"]["followups"])["stay_in_touch"]
    assert stay["due_at"] == "2026-12-07T10:00:00-05:00"
    assert stay["status"] == "pending"


def test_what_is_due_today_across_interviews(
    client: TestClient, auth: dict[str, str], candidate_id: int, clock: Clock
) -> None:
    for start in ("2026-12-01T14:00:00-05:00", "2026-12-02T10:00:00-05:00"):
        body = interview_body(candidate_id, starts_at=start)
        assert client.post("/v1/interviews", json=body, headers=auth).status_code == 201
    clock.now = at("2026-12-02T08:00:00-05:00")
    today = client.get(
        "/v1/followups",
        params={"status": "pending", "due_before": "2026-12-03T00:00:00-05:00", "limit": 100},
        headers=auth,
    ).json()["items"]
    kinds = sorted({s["kind"] for s in today})
    assert kinds == [
        "collect_contacts",
        "find_contact_details",  # the receptionist's card needs an address
        "notify_references",
        "thank_receptionist",
        "thank_you",
    ]
    assert all(at(s["due_at"]) < at("2026-12-03T00:00:00-05:00") for s in today)
    assert len({s["interview_id"] for s in today}) == 2
    clock.now = at("2026-12-03T08:00:00-05:00")
    missed = client.get("/v1/followups", params={"status": "missed"}, headers=auth).json()
    assert {s["kind"] for s in missed["items"]} == {
        "collect_contacts",
        "find_contact_details",
        "thank_you",
        "thank_receptionist",
    }


def test_followups_page_through_once_each(
    client: TestClient, auth: dict[str, str], interview: dict[str, Any]
) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "candidate_id": interview["candidate_id"]}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/followups", params=params, headers=auth).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(s["id"] for s in interview["followups"])
    assert len(seen) == len(set(seen))


def test_steps_can_be_marked_done_skipped_and_snoozed(
    client: TestClient, auth: dict[str, str], interview: dict[str, Any], clock: Clock
) -> None:
    steps = by_key(interview["followups"])
    note, card, call = (
        steps[f"thank_you:{jane(interview)}"],
        steps["notify_references"],
        steps["follow_up:1"],
    )
    clock.now = at("2026-12-01T16:00:00-05:00")
    done = client.patch(f"/v1/followups/{note['id']}", json={"status": "done"}, headers=auth)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    assert done.json()["done_at"] == "2026-12-01T16:00:00-05:00"
    assert done.json()["sequence"] == note["sequence"] + 1
    skipped = client.patch(f"/v1/followups/{card['id']}", json={"status": "skipped"}, headers=auth)
    assert skipped.json()["status"] == "skipped"
    snoozed = client.patch(
        f"/v1/followups/{call['id']}",
        json={"snoozed_until": "2026-12-09T15:00:00-05:00"},
        headers=auth,
    ).json()
    assert snoozed["due_at"] == "2026-12-09T15:00:00-05:00"
    plan = by_key(client.get(f"/v1/interviews/{interview['id']}/followups", headers=auth).json())
    assert plan["follow_up:2"]["due_at"] == "2026-12-16T10:00:00-05:00"
    assert client.get(f"/v1/followups/{note['id']}", headers=auth).json()["status"] == "done"


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({}, "either status or snoozed_until"),
        ({"status": "done", "snoozed_until": "2026-12-09T15:00:00-05:00"}, "either"),
        ({"status": "cancelled"}, "status"),
        ({"snoozed_until": "2026-11-01T15:00:00-05:00"}, "future"),
        ({"snoozed_until": "2026-12-09T15:00:00"}, "timezone"),
    ],
)
def test_bad_step_updates_are_refused(
    client: TestClient,
    auth: dict[str, str],
    interview: dict[str, Any],
    body: dict[str, Any],
    complaint: str,
) -> None:
    step = interview["followups"][0]
    response = client.patch(f"/v1/followups/{step['id']}", json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert complaint in response.json()["detail"]
    assert client.get(f"/v1/followups/{step['id']}", headers=auth).json() == step


def test_rescheduling_keeps_keys_and_raises_sequences(
    client: TestClient, auth: dict[str, str], interview: dict[str, Any]
) -> None:
    moved = client.patch(
        f"/v1/interviews/{interview['id']}",
        json={"starts_at": "2026-12-03T10:00:00-05:00"},
        headers=auth,
    ).json()
    before, after = by_key(interview["followups"]), by_key(moved["followups"])
    assert set(before) == set(after)
    assert {k: s["id"] for k, s in before.items()} == {k: s["id"] for k, s in after.items()}
    assert after["follow_up:1"]["due_at"] == "2026-12-10T10:00:00-05:00"
    assert all(after[k]["sequence"] == before[k]["sequence"] + 1 for k in before)
    unchanged = client.patch(
        f"/v1/interviews/{interview['id']}", json={"notes": "Bring the portfolio."}, headers=auth
    ).json()
    assert [s["sequence"] for s in unchanged["followups"]] == [
        s["sequence"] for s in moved["followups"]
    ]


def test_a_timeline_moves_the_calls_after_the_decision_date(
    client: TestClient, auth: dict[str, str], interview: dict[str, Any], clock: Clock
) -> None:
    clock.now = at("2026-12-01T15:30:00-05:00")
    logged = client.post(
        f"/v1/interviews/{interview['id']}/outcomes",
        json={
            "type": "timeline_given",
            "decision_date": "2026-12-18",
            "note": "Panel meets the 17th",
        },
        headers=auth,
    ).json()
    assert logged["interview"]["decision_date"] == "2026-12-18"
    first = by_key(logged["interview"]["followups"])["follow_up:1"]
    assert first["due_at"] == "2026-12-21T10:00:00-05:00"
    assert "Fri 18 Dec 2026" in first["why"]


def test_requested_materials_get_their_own_step(
    client: TestClient, auth: dict[str, str], interview: dict[str, Any], clock: Clock
) -> None:
    clock.now = at("2026-12-08T10:20:00-05:00")
    logged = client.post(
        f"/v1/interviews/{interview['id']}/outcomes",
        json={"type": "materials_requested"},
        headers=auth,
    ).json()
    step = by_key(logged["interview"]["followups"])[f"send_materials:{logged['id']}"]
    assert step["due_at"] == "2026-12-08T10:20:00-05:00"
    assert step["deadline_at"] == "2026-12-09T10:20:00-05:00"


def test_a_next_round_becomes_a_linked_interview_with_its_own_plan(
    client: TestClient, auth: dict[str, str], interview: dict[str, Any], clock: Clock
) -> None:
    clock.now = at("2026-12-04T11:00:00-05:00")
    logged = client.post(
        f"/v1/interviews/{interview['id']}/outcomes",
        json={"type": "next_round", "next_interview": {"starts_at": "2026-12-10T09:00:00-05:00"}},
        headers=auth,
    ).json()
    new = logged["next_interview"]
    assert new["previous_interview_id"] == interview["id"]
    assert new["round"] == 2
    assert [c["name"] for c in new["contacts"]] == [c["name"] for c in interview["contacts"]]
    assert by_key(new["followups"])["follow_up:1"]["due_at"] == "2026-12-17T10:00:00-05:00"
    old = by_key(logged["interview"]["followups"])
    assert old["follow_up:1"]["status"] == "cancelled"
    assert logged["next_interview_id"] == new["id"]


BAD_OUTCOMES: list[tuple[dict[str, Any], str]] = [
    ({"type": "ghosted"}, "type"),
    ({"type": "timeline_given"}, "decision_date goes with timeline_given"),
    ({"type": "spoke", "decision_date": "2026-12-20"}, "decision_date goes with"),
    ({"type": "next_round"}, "next_interview goes with next_round"),
    (
        {"type": "next_round", "next_interview": {"starts_at": "2026-11-20T10:00:00-05:00"}},
        "after this interview",
    ),
    ({"type": "spoke", "at": "2027-01-01T10:00:00-05:00"}, "future"),
    ({"type": "spoke", "followup_id": 999999}, "not a step of this interview"),
    ({"type": "spoke", "note": "x" * 4001}, "note"),
    ({"type": "spoke", "extra": True}, "not a known field"),
]


@pytest.mark.parametrize(("body", "complaint"), BAD_OUTCOMES)
def test_bad_outcomes_are_refused_and_store_nothing(
    client: TestClient,
    auth: dict[str, str],
    interview: dict[str, Any],
    count_rows: Callable[[str], int],
    body: dict[str, Any],
    complaint: str,
) -> None:
    before = client.get(f"/v1/interviews/{interview['id']}", headers=auth).json()
    response = client.post(f"/v1/interviews/{interview['id']}/outcomes", json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert complaint in response.json()["detail"]
    assert count_rows("outcomes") == 0
    assert count_rows("interviews") == 1
    assert client.get(f"/v1/interviews/{interview['id']}", headers=auth).json() == before


def test_an_attempt_result_needs_an_open_attempt(
    client: TestClient, auth: dict[str, str], interview: dict[str, Any], clock: Clock
) -> None:
    url = f"/v1/interviews/{interview['id']}/outcomes"
    clock.now = at("2026-12-03T12:00:00-05:00")
    assert client.post(url, json={"type": "withdrawn"}, headers=auth).status_code == 201
    refused = client.post(url, json={"type": "spoke"}, headers=auth)
    assert refused.status_code == 422
    assert "no follow-up attempt is open" in refused.json()["detail"]


def test_preview_plans_like_create_and_stores_nothing(
    client: TestClient,
    auth: dict[str, str],
    candidate_id: int,
    count_rows: Callable[[str], int],
) -> None:
    body = {k: v for k, v in interview_body(candidate_id).items() if k != "candidate_id"}
    body["candidate"] = {"timezone": "America/New_York", "country": "US"}
    response = client.post("/v1/cadence/preview", json=body, headers=auth)
    assert response.status_code == 200, response.text
    preview = response.json()
    assert count_rows("interviews") == 0 and count_rows("followups") == 0
    created = client.post("/v1/interviews", json=interview_body(candidate_id), headers=auth).json()
    ids = {c["id"]: n for n, c in enumerate(created["contacts"], start=1)}

    def shape(steps: list[dict[str, Any]], contact: Callable[[Any], Any]) -> list[tuple[Any, ...]]:
        return [(s["key"].split(":")[0], s["due_at"], contact(s["contact_id"])) for s in steps]

    assert shape(preview["followups"], lambda c: c) == shape(
        created["followups"], lambda c: ids.get(c)
    )
    assert all(s["id"] is None for s in preview["followups"])


def test_preview_as_of_a_later_moment_marks_late_steps(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = {k: v for k, v in interview_body(1).items() if k != "candidate_id"}
    body["candidate"] = {"timezone": "America/New_York"}
    body["as_of"] = "2026-12-02T10:00:00-05:00"
    steps = by_key(client.post("/v1/cadence/preview", json=body, headers=auth).json()["followups"])
    assert steps["thank_you:1"]  # preview numbers contacts from 1["late"] is True
    assert steps[
        "thank_you:1"
    ]  # preview numbers contacts from 1["due_at"] == "2026-12-02T10:00:00-05:00"
    assert "collect_contacts" not in steps


def test_public_holidays_come_from_the_candidates_country(
    client: TestClient, auth: dict[str, str]
) -> None:
    us = client.post("/v1/candidates", json=candidate_body(country="US"), headers=auth).json()
    fr = client.post(
        "/v1/candidates",
        json=candidate_body(country="FR", timezone="America/New_York"),
        headers=auth,
    ).json()
    start = "2026-11-19T14:00:00-05:00"
    thanksgiving = client.post(
        "/v1/interviews", json=interview_body(us["id"], starts_at=start), headers=auth
    ).json()
    ordinary = client.post(
        "/v1/interviews", json=interview_body(fr["id"], starts_at=start), headers=auth
    ).json()
    assert by_key(thanksgiving["followups"])["follow_up:1"]["due_at"] == "2026-11-27T10:00:00-05:00"
    assert by_key(ordinary["followups"])["follow_up:1"]["due_at"] == "2026-11-26T10:00:00-05:00"


def test_changing_the_candidates_call_time_re_plans_their_calls(
    client: TestClient, auth: dict[str, str], interview: dict[str, Any], candidate_id: int
) -> None:
    changed = client.patch(
        f"/v1/candidates/{candidate_id}",
        json={"call_time": "11:30", "policy": {"max_attempts": 3}},
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["policy"]["max_attempts"] == 3
    steps = by_key(client.get(f"/v1/interviews/{interview['id']}/followups", headers=auth).json())
    assert steps["follow_up:1"]["due_at"] == "2026-12-08T11:30:00-05:00"
    assert steps["follow_up:4"]["status"] == "cancelled"


def test_contacts_added_later_get_their_thank_you(
    client: TestClient, auth: dict[str, str], interview: dict[str, Any]
) -> None:
    added = client.post(
        f"/v1/interviews/{interview['id']}/contacts",
        json=contact_body(name="Lee Chen", email="lee@acme.example"),
        headers=auth,
    ).json()
    steps = by_key(client.get(f"/v1/interviews/{interview['id']}/followups", headers=auth).json())
    assert steps[f"thank_you:{added['id']}"]["summary"].startswith("Thank-you email to Lee Chen")
    client.delete(f"/v1/interviews/{interview['id']}/contacts/{added['id']}", headers=auth)
    steps = by_key(client.get(f"/v1/interviews/{interview['id']}/followups", headers=auth).json())
    assert steps[f"thank_you:{added['id']}"]["status"] == "cancelled"


def test_followups_are_private_to_their_account(
    client: TestClient, auth: dict[str, str], other_auth: dict[str, str], interview: dict[str, Any]
) -> None:
    step = interview["followups"][0]
    assert client.get(f"/v1/followups/{step['id']}", headers=other_auth).status_code == 404
    patched = client.patch(
        f"/v1/followups/{step['id']}", json={"status": "done"}, headers=other_auth
    )
    assert patched.status_code == 404
    logged = client.post(
        f"/v1/interviews/{interview['id']}/outcomes", json={"type": "offer"}, headers=other_auth
    )
    assert logged.status_code == 404
    assert (
        client.get(f"/v1/interviews/{interview['id']}/outcomes", headers=other_auth).status_code
        == 404
    )
    assert (
        client.get(f"/v1/interviews/{interview['id']}/followups", headers=other_auth).status_code
        == 404
    )
    assert client.get("/v1/followups", headers=other_auth).json()["items"] == []
    assert client.get(f"/v1/followups/{step['id']}", headers=auth).json() == step
