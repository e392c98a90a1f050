"""Importing the calendar invitation a candidate received, in the shapes Google Calendar, Outlook,
Greenhouse and Lever send; and refusing, with a clear 4xx and nothing stored, what is not one."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.builders import candidate_body, feed_path
from tests.conformance import assert_conformant

INVITATIONS = Path(__file__).resolve().parents[1] / "invitations"
CALENDAR = {"Content-Type": "text/calendar; charset=utf-8"}

Headers = dict[str, str]


def invitation(name: str) -> bytes:
    """The invitation as mail clients hand it over: CRLF line ends."""
    return (INVITATIONS / name).read_bytes().replace(b"\n", b"\r\n")


@pytest.fixture
def candidate(client: TestClient, auth: Headers) -> dict[str, Any]:
    created: dict[str, Any] = client.post(
        "/v1/candidates", json=candidate_body(), headers=auth
    ).json()
    return created


def import_(
    client: TestClient, auth: Headers, candidate_id: int, body: bytes, **params: Any
) -> Any:
    return client.post(
        "/v1/interviews/import",
        params={"candidate_id": candidate_id, **params},
        content=body,
        headers={**auth, **CALENDAR},
    )


EXPECTED = {
    "google.ics": {
        "company": "Acme Robotics",
        "role": "Senior Robotics Engineer",
        "starts_at": "2026-12-01T14:00:00-05:00",
        "ends_at": "2026-12-01T15:00:00-05:00",
        "timezone": "America/New_York",
        "format": "video",
        "location": "https://meet.google.com/abc-defg-hij",
        "contacts": [
            ("Priya Raman", None, "hr", "priya.raman@acme-robotics.com"),
            ("Marcus O'Neil", None, "interviewer", "marcus.oneil@acme-robotics.com"),
        ],
    },
    "outlook.ics": {
        "company": "Globex",
        "role": "Data Analyst",
        "starts_at": "2026-12-03T10:00:00+01:00",
        "ends_at": "2026-12-03T11:00:00+01:00",
        "timezone": "Europe/Berlin",
        "format": "video",
        "location": "Microsoft Teams Meeting",
        "contacts": [
            ("Katrin Müller", None, "hr", "katrin.mueller@globex.de"),
            ("Jonas Schmidt", None, "interviewer", "jonas.schmidt@globex.de"),
        ],
    },
    "greenhouse.ics": {
        "company": "Initech",
        "role": "Product Designer",
        # Written in UTC: the interview takes the candidate's zone (New York).
        "starts_at": "2026-12-02T11:00:00-05:00",
        "ends_at": "2026-12-02T12:30:00-05:00",
        "timezone": "America/New_York",
        "format": "in_person",
        "location": "Initech HQ, 4120 Freidrich Lane, Suite 400, Austin, TX 78744",
        "contacts": [
            ("Samir Nagheenanajar", "Initech Recruiting", "hr", "samir.n@initech.com"),
            ("Bill Lumbergh", None, "interviewer", "bill.lumbergh@initech.com"),
            ("Joanna Ortiz", None, "interviewer", "joanna.ortiz@initech.com"),
        ],
    },
    "lever.ics": {
        "company": "Hooli",
        "role": "Site Reliability Engineer",
        "starts_at": "2026-12-07T09:30:00-08:00",
        "ends_at": "2026-12-07T10:00:00-08:00",
        "timezone": "America/Los_Angeles",
        "format": "phone",
        "location": "Phone call – Gavin will call you on +1 (415) 555-0142",
        "contacts": [("Gavin Belson", None, "interviewer", "gavin.belson@hooli.xyz")],
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_an_invitation_becomes_an_interview_with_its_plan(
    client: TestClient, auth: Headers, candidate: dict[str, Any], name: str
) -> None:
    response = import_(client, auth, candidate["id"], invitation(name))
    assert response.status_code == 201, response.text
    made = response.json()
    expected = EXPECTED[name]
    for field in ("company", "role", "starts_at", "ends_at", "timezone", "format", "location"):
        assert made[field] == expected[field], field
    people = [(c["name"], c["title"], c["role"], c["email"]) for c in made["contacts"]]
    assert people == expected["contacts"]
    kinds = {step["kind"] for step in made["followups"]}
    assert {"thank_you", "follow_up"} <= kinds
    assert response.headers["location"] == f"/v1/interviews/{made['id']}"
    stored = client.get(response.headers["location"], headers=auth).json()
    assert stored["followups"] == made["followups"]


def test_the_imported_interview_appears_in_the_feed_in_its_own_zone(
    client: TestClient, auth: Headers, candidate: dict[str, Any]
) -> None:
    made = import_(client, auth, candidate["id"], invitation("outlook.ics")).json()
    body = client.get(feed_path(candidate)).content
    assert_conformant(body, "imported-two-zones")
    calendar = Calendar.from_ical(body)
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == {
        "America/New_York",
        "Europe/Berlin",
    }
    meeting = next(
        e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith(f"interview-{made['id']}@")
    )
    assert meeting.decoded("DTSTART").isoformat() == "2026-12-03T10:00:00+01:00"
    assert str(meeting["LOCATION"]) == "Microsoft Teams Meeting"


def test_choices_in_the_query_override_the_invitation(
    client: TestClient, auth: Headers, candidate: dict[str, Any]
) -> None:
    response = import_(
        client,
        auth,
        candidate["id"],
        invitation("lever.ics"),
        company="Hooli XYZ",
        role="SRE II",
        format="video",
        process="extended",
        decision_date="2026-12-18",
    )
    assert response.status_code == 201, response.text
    made = response.json()
    assert (made["company"], made["role"], made["format"], made["process"]) == (
        "Hooli XYZ",
        "SRE II",
        "video",
        "extended",
    )
    assert made["decision_date"] == "2026-12-18"


def test_a_resent_invitation_updates_its_interview_and_keeps_the_steps(
    client: TestClient, auth: Headers, candidate: dict[str, Any], count_rows: Callable[[str], int]
) -> None:
    first = import_(client, auth, candidate["id"], invitation("google.ics")).json()
    added = client.post(
        f"/v1/interviews/{first['id']}/contacts",
        json={"name": "Sam Lee", "role": "receptionist"},
        headers=auth,
    )
    assert added.status_code == 201, added.text
    moved = (
        invitation("google.ics")
        .replace(b"20261201T140000", b"20261202T110000")
        .replace(b"20261201T150000", b"20261202T120000")
        .replace(b"SEQUENCE:0", b"SEQUENCE:1")
    )
    response = import_(client, auth, candidate["id"], moved)
    assert response.status_code == 200, response.text
    again = response.json()
    assert again["id"] == first["id"]
    assert again["starts_at"] == "2026-12-02T11:00:00-05:00"
    kept = [c["id"] for c in first["contacts"]] + [added.json()["id"]]
    assert [c["id"] for c in again["contacts"]] == kept, "people added by hand stay"
    assert {s["key"] for s in again["followups"]} >= {s["key"] for s in first["followups"]}
    assert all(s["status"] == "pending" for s in again["followups"])
    assert count_rows("interviews") == 1


def test_the_candidate_is_recognised_by_the_email_given(client: TestClient, auth: Headers) -> None:
    someone = client.post(
        "/v1/candidates", json=candidate_body(name="A. King"), headers=auth
    ).json()
    made = import_(
        client,
        auth,
        someone["id"],
        invitation("lever.ics"),
        candidate_email="ada.lovelace@gmail.com",
    ).json()
    assert [c["email"] for c in made["contacts"]] == ["gavin.belson@hooli.xyz"]


def _edit(name: str, old: bytes, new: bytes) -> bytes:
    body = invitation(name)
    assert old in body
    return body.replace(old, new)


HOSTILE = {
    "garbage": (b"\x00\x01 not a calendar", 422, "NUL"),
    "not-ical": (b"Subject: Interview\r\n\r\nSee you Tuesday", 422, "BEGIN:VCALENDAR"),
    "not-utf8": (b"BEGIN:VCALENDAR\r\nSUMMARY:\xff\xfe\r\nEND:VCALENDAR\r\n", 422, "UTF-8"),
    "no-event": (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", 422, "no event"),
    "broken-lines": (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nno colon here\r\n", 422, "parsed"),
    "all-day": (
        _edit(
            "lever.ics",
            b"DTSTART;TZID=America/Los_Angeles:20261207T093000",
            b"DTSTART;VALUE=DATE:20261207",
        ),
        422,
        "whole day",
    ),
    "floating": (
        _edit("lever.ics", b"DTSTART;TZID=America/Los_Angeles:", b"DTSTART:"),
        422,
        "floating",
    ),
    "bad-date": (
        _edit(
            "lever.ics", b"DTSTART;TZID=America/Los_Angeles:20261207T093000", b"DTSTART:2026-13-45"
        ),
        422,
        "DTSTART",
    ),
    "ends-before-start": (
        _edit("greenhouse.ics", b"DTEND:20261202T173000Z", b"DTEND:20261202T150000Z"),
        422,
        "ends before",
    ),
    "cancellation": (
        _edit("google.ics", b"METHOD:REQUEST", b"METHOD:CANCEL"),
        422,
        "cancellation",
    ),
    "two-events": (
        _edit(
            "greenhouse.ics",
            b"END:VCALENDAR",
            b"BEGIN:VEVENT\r\nUID:other\r\nDTSTART:20261203T160000Z\r\nEND:VEVENT\r\nEND:VCALENDAR",
        ),
        422,
        "one invitation",
    ),
    "nested-bomb": (
        b"BEGIN:VCALENDAR\r\n"
        + b"BEGIN:X-A\r\n" * 300
        + b"END:X-A\r\n" * 300
        + b"END:VCALENDAR\r\n",
        422,
        "components",
    ),
    "too-large": (
        _edit("greenhouse.ics", b"DESCRIPTION:", b"DESCRIPTION:" + b"x" * 300_000),
        413,
        "at most",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_what_is_not_an_invitation_gets_a_clear_4xx_and_stores_nothing(
    client: TestClient,
    auth: Headers,
    candidate: dict[str, Any],
    count_rows: Callable[[str], int],
    case: str,
) -> None:
    body, status, words = HOSTILE[case]
    response = import_(client, auth, candidate["id"], body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert words in response.json()["detail"]
    assert count_rows("interviews") == 0
    assert count_rows("followups") == 0


def test_the_request_must_be_a_calendar_for_a_candidate_of_the_account(
    client: TestClient,
    auth: Headers,
    other_auth: Headers,
    candidate: dict[str, Any],
    count_rows: Callable[[str], int],
) -> None:
    body = invitation("google.ics")
    as_json = client.post(
        "/v1/interviews/import",
        params={"candidate_id": candidate["id"]},
        content=body,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert as_json.status_code == 415
    assert import_(client, other_auth, candidate["id"], body).status_code == 422
    assert import_(client, auth, 999_999, body).status_code == 422
    missing = client.post("/v1/interviews/import", content=body, headers={**auth, **CALENDAR})
    assert missing.status_code == 422
    assert client.post(
        "/v1/interviews/import", params={"candidate_id": candidate["id"]}, content=body
    ).status_code in (401, 415)
    assert count_rows("interviews") == 0


def test_an_untitled_invitation_asks_for_company_and_role(
    client: TestClient, auth: Headers, candidate: dict[str, Any]
) -> None:
    body = _edit(
        "lever.ics", b"SUMMARY:Ada Lovelace <> Hooli (Site Reliability Engineer)", b"SUMMARY:Chat"
    )
    body = body.replace(b"@hooli.xyz", b"@gmail.com")
    response = import_(client, auth, candidate["id"], body)
    assert response.status_code == 422
    assert "company" in response.json()["detail"]
    fixed = import_(client, auth, candidate["id"], body, company="Hooli", role="SRE")
    assert fixed.status_code == 201
