"""Importing the calendar invitation a candidate received, in the shapes Google Calendar, Outlook,
Greenhouse and Lever send; and refusing, with a clear 4xx and nothing stored, what is not one."""

from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Imported:
    """What an invitation must become: the interview as the API answers it."""

    company: str
    role: str
    starts_at: str  # the instant, shown in the interview's zone
    ends_at: str
    timezone: str
    format: str
    location: str | None
    contacts: list[tuple[str, str | None, str, str | None]]  # name, title, role, email
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Refused:
    """A 4xx whose message names the real reason."""

    status: int
    words: str


# Every file in tests/invitations/ and what it must give; SOURCES.md there says whose shape each
# file reproduces. The candidate is Ada Lovelace, in New York.
EXPECTED: dict[str, Imported | Refused] = {
    "google.ics": Imported(
        "Acme Robotics",
        "Senior Robotics Engineer",
        "2026-12-01T14:00:00-05:00",
        "2026-12-01T15:00:00-05:00",
        "America/New_York",
        "video",
        "https://meet.google.com/abc-defg-hij",
        [
            ("Priya Raman", None, "hr", "priya.raman@acme-robotics.com"),
            ("Marcus O'Neil", None, "interviewer", "marcus.oneil@acme-robotics.com"),
        ],
    ),
    "google-zoom-redirector.ics": Imported(
        "Blue Yonder Airlines",
        "Flight Operations Analyst",
        "2026-12-08T13:30:00-06:00",
        "2026-12-08T14:15:00-06:00",
        "America/Chicago",
        "video",
        "https://us02web.zoom.us/j/84412345678?pwd=bW9ja1Bhc3N3b3Jk",
        [
            ("Rosa Delgado", None, "hr", "rosa.delgado@blue-yonder-airlines.example"),
            ("Tomás Ferreira", None, "interviewer", "tomas.ferreira@blue-yonder-airlines.example"),
        ],
    ),
    "google-cancel.ics": Refused(422, "never imported"),
    "google-reply.ics": Refused(422, "reply to an invitation (METHOD:REPLY)"),
    "google-recurring.ics": Refused(422, "repeats (RRULE:FREQ=WEEKLY"),
    "outlook.ics": Imported(
        "Globex",
        "Data Analyst",
        "2026-12-03T10:00:00+01:00",
        "2026-12-03T11:00:00+01:00",
        "Europe/Berlin",
        "video",
        "Microsoft Teams Meeting",
        [
            ("Katrin Müller", None, "hr", "katrin.mueller@globex.de"),
            ("Jonas Schmidt", None, "interviewer", "jonas.schmidt@globex.de"),
        ],
    ),
    "exchange2010-windows-tzid.ics": Imported(
        "Fabrikam",
        "Financial Analyst",
        "2026-12-14T15:00:00-05:00",
        "2026-12-14T16:00:00-05:00",
        "America/New_York",
        "in_person",
        "Fabrikam, 1 Penn Plaza, 5th floor, New York",
        [
            ("Jane Doe", None, "hr", "jane.doe@fabrikam.example"),
            ("Chidi Okafor", None, "interviewer", "chidi.okafor@fabrikam.example"),
        ],
    ),
    # Everyone is at contoso.onmicrosoft.com, a tenant's default domain: no company to take.
    "office365-onmicrosoft.ics": Refused(422, "does not name the company"),
    "iphone-via-exchange-onmicrosoft.ics": Imported(
        "Fourth Coffee",
        "Barista",
        "2026-12-22T10:00:00+01:00",
        "2026-12-22T11:00:00+01:00",
        "Europe/Madrid",
        "in_person",
        "Fourth Coffee, Calle de Alcalá 42, Madrid",
        [
            ("Pablo Ortega", None, "hr", "pablo.ortega@fourthcoffee.onmicrosoft.com"),
            ("Lucía Romero", None, "interviewer", "lucia.romero@fourthcoffee.onmicrosoft.com"),
        ],
        params={"company": "Fourth Coffee", "role": "Barista"},
    ),
    # A zone only the file defines: the instant from its rules, the zone a city in its name.
    "outlook-desktop-display-tzid.ics": Imported(
        "Adventure Works",
        "UX Researcher",
        "2026-12-10T14:00:00+01:00",
        "2026-12-10T15:00:00+01:00",
        "Europe/Amsterdam",
        "in_person",
        "Adventure Works, Leopoldstraße 12, 80802 München",
        [
            ("Sabine Vogel", None, "hr", "sabine.vogel@adventure-works.example"),
            ("Lukas Brandt", None, "interviewer", "lukas.brandt@adventure-works.example"),
        ],
    ),
    "teams-aus-windows-tzid.ics": Imported(
        "Consolidated Messenger",
        "Delivery Driver Supervisor",
        "2027-01-14T15:00:00+11:00",
        "2027-01-14T15:45:00+11:00",
        "Australia/Sydney",
        "video",
        "Microsoft Teams Meeting",
        [
            ("Sophie Nguyen", None, "hr", "sophie.nguyen@consolidated-messenger.example"),
            ("Jack O'Brien", None, "interviewer", "jack.obrien@consolidated-messenger.example"),
        ],
    ),
    "icloud-organizer-twice.ics": Imported(
        "Northwind Traders",
        "Store Manager",
        "2026-12-11T11:30:00Z",
        "2026-12-11T12:30:00Z",
        "Europe/London",
        "in_person",
        "Northwind Traders 221 Baker Street London NW1 6XE United Kingdom",
        [
            ("Grace Whitfield", None, "hr", "grace.whitfield@icloud.com"),
            ("Oliver Hughes", None, "interviewer", "oliver.hughes@northwind.example"),
        ],
    ),
    "apple-calendar-macos.ics": Imported(
        "Trey Research",
        "Lab Technician",
        "2026-12-15T10:00:00-07:00",
        "2026-12-15T11:30:00-07:00",
        "America/Denver",
        "in_person",
        "Trey Research 1600 Pearl St Boulder CO 80302 United States",
        [
            ("Dana Whitaker", None, "hr", "dana.whitaker@treyresearch.example"),
            ("Ravi Iyer", None, "interviewer", "ravi.iyer@treyresearch.example"),
        ],
    ),
    "thunderbird-mozilla-tzid.ics": Imported(
        "Coho Vineyard",
        "Python Developer",
        "2026-12-16T14:30:00+01:00",
        "2026-12-16T15:30:00+01:00",
        "Europe/Paris",
        "in_person",
        "Coho Vineyard, 8 rue des Vignes, 33000 Bordeaux",
        [
            ("Camille Roux", None, "hr", "camille.roux@coho-vineyard.example"),
            ("Hugo Lefèvre", None, "interviewer", "hugo.lefevre@coho-vineyard.example"),
        ],
    ),
    # A zone only the file defines, naming no city: the candidate's zone.
    "zimbra-display-tzid.ics": Imported(
        "Wide World Importers",
        "Logistics Coordinator",
        "2027-01-12T10:00:00-05:00",
        "2027-01-12T10:30:00-05:00",
        "America/New_York",
        "phone",
        "Phone: Mia will call +1 614 555 0187",
        [("Mia Novak", None, "hr", "mia.novak@wideworldimporters.example")],
    ),
    "yahoo.ics": Imported(
        "Proseware",
        "Dental Assistant",
        "2026-12-17T09:00:00-07:00",
        "2026-12-17T09:45:00-07:00",
        "America/Phoenix",
        "in_person",
        "Proseware Family Dental, 4410 N 7th St, Phoenix AZ",
        [("Linda Park", None, "hr", "linda.park.dds@yahoo.com")],
    ),
    "fastmail.ics": Imported(
        "Graphic Design Institute",
        "Junior Illustrator",
        "2026-12-18T10:00:00+11:00",
        "2026-12-18T10:45:00+11:00",
        "Australia/Melbourne",
        "video",
        "https://meet.jit.si/graphic-design-institute-ada",
        [("Isla Thompson", None, "hr", "isla@graphicdesigninstitute.example")],
    ),
    "nextcloud.ics": Imported(
        "Woodgrove Bank",
        "Compliance Officer",
        "2027-01-11T09:30:00+01:00",
        "2027-01-11T10:30:00+01:00",
        "Europe/Vienna",
        "in_person",
        "Woodgrove Bank, Schottengasse 6, 1010 Wien",
        [
            ("Elisabeth Gruber", None, "hr", "elisabeth.gruber@woodgrovebank.example"),
            ("Florian Steiner", None, "interviewer", "florian.steiner@woodgrovebank.example"),
        ],
    ),
    "greenhouse.ics": Imported(
        "Initech",
        "Product Designer",
        # Written in UTC: the interview takes the candidate's zone (New York).
        "2026-12-02T11:00:00-05:00",
        "2026-12-02T12:30:00-05:00",
        "America/New_York",
        "in_person",
        "Initech HQ, 4120 Freidrich Lane, Suite 400, Austin, TX 78744",
        [
            ("Samir Nagheenanajar", "Initech Recruiting", "hr", "samir.n@initech.com"),
            ("Bill Lumbergh", None, "interviewer", "bill.lumbergh@initech.com"),
            ("Joanna Ortiz", None, "interviewer", "joanna.ortiz@initech.com"),
        ],
    ),
    "lever.ics": Imported(
        "Hooli",
        "Site Reliability Engineer",
        "2026-12-07T09:30:00-08:00",
        "2026-12-07T10:00:00-08:00",
        "America/Los_Angeles",
        "phone",
        "Phone call – Gavin will call you on +1 (415) 555-0142",
        [("Gavin Belson", None, "interviewer", "gavin.belson@hooli.xyz")],
    ),
    "calendly.ics": Imported(
        "Tailspin Toys",
        "Product Analyst",
        "2026-12-21T12:00:00-05:00",
        "2026-12-21T12:30:00-05:00",
        "America/New_York",
        "video",
        "https://meet.google.com/qrs-tuvw-xyz",
        [("Noor Haddad", None, "hr", "noor.haddad@tailspin-toys.example")],
    ),
    "zoom.ics": Imported(
        "Relecloud",
        "Data Scientist",
        "2026-12-22T11:00:00-03:00",
        "2026-12-22T12:00:00-03:00",
        "America/Sao_Paulo",
        "video",
        "https://relecloud.zoom.us/j/87654321098?pwd=Q2hhbmdlTWVQbGVhc2U.1",
        [],
    ),
    "floating-time.ics": Refused(422, "no time zone (a floating time)"),
    "undefined-tzid.ics": Refused(
        422,
        "'Margie Office Time' (TZID), which the file does not define (no VTIMEZONE) and no "
        "time-zone database knows",
    ),
    "hostile-vtimezone-every-second.ics": Refused(
        422, "changes its offset secondly (RRULE:FREQ=SECONDLY)"
    ),
}


def test_every_invitation_in_the_folder_has_its_expected_answer() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in INVITATIONS.glob("*.ics"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_invitation_gives_its_interview_or_a_4xx_naming_the_reason(
    client: TestClient,
    auth: Headers,
    candidate: dict[str, Any],
    count_rows: Callable[[str], int],
    name: str,
) -> None:
    expected = EXPECTED[name]
    params = expected.params if isinstance(expected, Imported) else {}
    response = import_(client, auth, candidate["id"], invitation(name), **params)
    if isinstance(expected, Refused):
        assert response.status_code == expected.status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert expected.words in response.json()["detail"]
        assert count_rows("interviews") == 0
        return
    assert response.status_code == 201, response.text
    made = response.json()
    for part in ("company", "role", "starts_at", "ends_at", "timezone", "format", "location"):
        assert made[part] == getattr(expected, part), part
    people = [(c["name"], c["title"], c["role"], c["email"]) for c in made["contacts"]]
    assert people == expected.contacts
    if expected.contacts:
        assert {"thank_you", "follow_up"} <= {step["kind"] for step in made["followups"]}
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
    "cancellation-of-nothing": (
        _edit("google.ics", b"METHOD:REQUEST", b"METHOD:CANCEL"),
        422,
        "never imported",
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
    # The ends of the calendar, and times outside the years every interview falls in.
    "last-second-of-9999": (
        _edit("greenhouse.ics", b"DTSTART:20261202T160000Z", b"DTSTART:99991231T235959Z"),
        422,
        "DTSTART 9999-12-31 must fall between the years 2000 and 2099",
    ),
    "last-second-of-9999-west-of-utc": (
        _edit(
            "lever.ics",
            b"DTSTART;TZID=America/Los_Angeles:20261207T093000",
            b"DTSTART;TZID=Etc/GMT+12:99991231T235959",
        ),
        422,
        "DTSTART 9999-12-31 must fall between the years 2000 and 2099",
    ),
    "first-second-of-year-1": (
        _edit("greenhouse.ics", b"DTSTART:20261202T160000Z", b"DTSTART:00010101T000000Z"),
        422,
        "DTSTART 0001-01-01 must fall between the years 2000 and 2099",
    ),
    "a-duration-of-two-million-years": (
        _edit("lever.ics", b"DURATION:PT30M", b"DURATION:P99999999W"),
        422,
        "DURATION is longer than 24 hours",
    ),
    "a-duration-past-any-date": (
        _edit("lever.ics", b"DURATION:PT30M", b"DURATION:P9999999999W"),
        422,
        "DURATION is not a valid duration",
    ),
    "in-1990": (
        _edit("greenhouse.ics", b"DTSTART:20261202T160000Z", b"DTSTART:19900101T100000Z"),
        422,
        "DTSTART 1990-01-01 must fall between the years 2000 and 2099",
    ),
    "in-2150": (
        _edit("greenhouse.ics", b"DTSTART:20261202T160000Z", b"DTSTART:21500101T100000Z"),
        422,
        "DTSTART 2150-01-01 must fall between the years 2000 and 2099",
    ),
    "ends-in-2150": (
        _edit("greenhouse.ics", b"DTEND:20261202T173000Z", b"DTEND:21500101T100000Z"),
        422,
        "DTEND 2150-01-01 must fall between the years 2000 and 2099",
    ),
    "the-hosts-zone": (
        _edit(
            "lever.ics",
            b"DTSTART;TZID=America/Los_Angeles:20261207T093000",
            b"DTSTART;TZID=/etc/localtime:20261207T093000",
        ),
        422,
        "'/etc/localtime' (TZID), which the file does not define",
    ),
    "a-changed-occurrence-of-a-series": (
        _edit("greenhouse.ics", b"SEQUENCE:1", b"SEQUENCE:1\r\nRECURRENCE-ID:20261202T160000Z"),
        422,
        "one changed occurrence (RECURRENCE-ID) of a repeating event",
    ),
    "a-counter-proposal": (
        _edit("google.ics", b"METHOD:REQUEST", b"METHOD:COUNTER"),
        422,
        "another time (METHOD:COUNTER)",
    ),
    "many-lines": (
        _edit("greenhouse.ics", b"STATUS:CONFIRMED", b"X-NOTE:x\r\n" * 12_000),
        422,
        "more than 10000 lines",
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


def test_a_cancellation_of_an_imported_invitation_cancels_its_plan(
    client: TestClient, auth: Headers, candidate: dict[str, Any], count_rows: Callable[[str], int]
) -> None:
    made = import_(client, auth, candidate["id"], invitation("google.ics")).json()
    assert any(step["status"] == "pending" for step in made["followups"])

    response = import_(client, auth, candidate["id"], invitation("google-cancel.ics"))
    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert cancelled["id"] == made["id"]
    assert {step["status"] for step in cancelled["followups"]} == {"cancelled"}
    assert cancelled["cadence"]["state"] == "closed"
    assert "called the interview off" in cancelled["cadence"]["note"]
    outcomes = client.get(f"/v1/interviews/{made['id']}/outcomes", headers=auth).json()
    assert [o["type"] for o in outcomes] == ["cancelled"]
    assert "METHOD:CANCEL" in outcomes[0]["note"]
    assert "4kq1s0v7o1d8m0k2c9h5f3g6ab@google.com" in outcomes[0]["note"]

    feed = Calendar.from_ical(client.get(feed_path(candidate)).content)
    meeting = next(
        e for e in feed.walk("VEVENT") if str(e["UID"]).startswith(f"interview-{made['id']}@")
    )
    assert str(meeting["STATUS"]) == "CANCELLED"
    assert meeting.decoded("SEQUENCE") >= 1

    again = import_(client, auth, candidate["id"], invitation("google-cancel.ics"))
    assert again.status_code == 200, "a cancellation sent twice changes nothing"
    assert count_rows("outcomes") == 1

    reinvited = import_(client, auth, candidate["id"], invitation("google.ics"))
    assert reinvited.status_code == 422
    assert "cancelled this invitation" in reinvited.json()["detail"]
    assert count_rows("interviews") == 1


def test_a_cancellation_only_cancels_the_same_candidates_interview(
    client: TestClient, auth: Headers, candidate: dict[str, Any], count_rows: Callable[[str], int]
) -> None:
    other = client.post("/v1/candidates", json=candidate_body(name="Grace Hopper"), headers=auth)
    import_(client, auth, other.json()["id"], invitation("google.ics"))
    response = import_(client, auth, candidate["id"], invitation("google-cancel.ics"))
    assert response.status_code == 422
    assert "never imported for candidate" in response.json()["detail"]
    assert count_rows("outcomes") == 0


def test_an_organizer_whose_name_quotes_are_escaped_is_kept(
    client: TestClient, auth: Headers, candidate: dict[str, Any]
) -> None:
    body = _edit(
        "exchange2010-windows-tzid.ics",
        b'ORGANIZER;CN="Doe, Jane":MAILTO:',
        b'ORGANIZER;CN=\\"Doe, Jane\\":MAILTO:',
    )
    made = import_(client, auth, candidate["id"], body).json()
    assert (made["contacts"][0]["name"], made["contacts"][0]["email"]) == (
        "Jane Doe",
        "jane.doe@fabrikam.example",
    )


def test_an_organizer_name_split_at_its_comma_is_kept_whole(
    client: TestClient, auth: Headers, candidate: dict[str, Any]
) -> None:
    body = _edit(
        "exchange2010-windows-tzid.ics",
        b'ORGANIZER;CN="Doe, Jane":MAILTO:',
        b"ORGANIZER;CN=Doe, Jane:MAILTO:",
    )
    made = import_(client, auth, candidate["id"], body).json()
    assert made["contacts"][0]["name"] == "Jane Doe"
