"""Text as people and programs send it — line breaks, iCalendar's special characters, emoji — in
every field that reaches a feed: one-line fields refuse line breaks and control characters with
a 422, multi-line fields keep them, and every feed stays valid and shows the text as given."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar, Component
from sqlalchemy import text

from service.db.session import Database
from tests.builders import candidate_body, contact_body, feed_path, interview_body
from tests.conformance import assert_conformant

Headers = dict[str, str]

# What iCalendar escapes, and a character outside the Basic Multilingual Plane.
SPECIAL = "O'Brien; Smith, Jr. \\ Co 🚀"
# Line breaks and control characters nobody types into a name, title or company.
BREAKS = {
    "line feed": "Ada\nLovelace",
    "carriage return": "Ada\rLovelace",
    "CRLF": "Ada\r\nLovelace",
    "tab": "Ada\tLovelace",
    "NUL": "Ada\x00Lovelace",
    "next line (U+0085)": "Ada\x85Lovelace",
    "line separator (U+2028)": "Ada\u2028Lovelace",
}
MULTILINE = "First line; with, commas \\ and 🎉\r\nSecond line\rThird line\n\tindented"
# As stored and shown: one kind of line end.
MULTILINE_STORED = "First line; with, commas \\ and 🎉\nSecond line\nThird line\n\tindented"


def _text_property(calendar: Component, name: str) -> str:
    """A TEXT property unescaped (RFC 5545 §3.3.11), also those icalendar reads as unknown and
    leaves escaped (NAME, X-WR-…)."""
    escaped = {"n": "\n", "N": "\n", "\\": "\\", ";": ";", ",": ","}
    return re.sub(r"\\([nN\\;,])", lambda m: escaped[m.group(1)], str(calendar[name]))


def _interview_body(candidate_id: int, value: str) -> dict[str, Any]:
    return interview_body(
        candidate_id,
        company=f"Acme {value}",
        role=f"Sales {value}",
        job_number=f"J-42 {value}",
        location=MULTILINE,
        notes=MULTILINE,
        contacts=[
            contact_body(
                name=f"Jane {value}",
                title=f"Director {value}",
                email="o'neil;x,y\\z🚀@exämple.com",
                phone="+1 (212) 555-0100 ext. 12",
                address=MULTILINE,
            )
        ],
        references=[{"name": f"Grace {value}", "email": "grace@navy.example"}],
    )


ONE_LINE_FIELDS: list[tuple[str, Callable[[dict[str, Any], str], None]]] = [
    ("company", lambda body, v: body.update(company=v)),
    ("role", lambda body, v: body.update(role=v)),
    ("job_number", lambda body, v: body.update(job_number=v)),
    ("contacts.0.name", lambda body, v: body["contacts"][0].update(name=v)),
    ("contacts.0.title", lambda body, v: body["contacts"][0].update(title=v)),
    ("references.0.name", lambda body, v: body["references"][0].update(name=v)),
]


@pytest.mark.parametrize("kind", BREAKS)
def test_a_candidate_name_with_a_line_break_is_refused_and_not_stored(
    client: TestClient, auth: Headers, count_rows: Callable[[str], int], kind: str
) -> None:
    response = client.post("/v1/candidates", json=candidate_body(name=BREAKS[kind]), headers=auth)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (
        "body.name: must not contain line breaks or control characters"
        in (response.json()["detail"])
    )
    assert count_rows("candidates") == 0
    created = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    renamed = client.patch(
        f"/v1/candidates/{created['id']}", json={"name": BREAKS[kind]}, headers=auth
    )
    assert renamed.status_code == 422
    assert client.get(f"/v1/candidates/{created['id']}", headers=auth).json()["name"] == (
        "Ada Lovelace"
    )


@pytest.mark.parametrize(("field", "put"), ONE_LINE_FIELDS, ids=[f for f, _ in ONE_LINE_FIELDS])
def test_one_line_interview_fields_refuse_line_breaks(
    client: TestClient,
    auth: Headers,
    count_rows: Callable[[str], int],
    field: str,
    put: Callable[[dict[str, Any], str], None],
) -> None:
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    for value in ("Acme\nCorp", "Acme\rCorp", "Acme\x1eCorp"):
        body = _interview_body(candidate["id"], "x")
        put(body, value)
        response = client.post("/v1/interviews", json=body, headers=auth)
        assert response.status_code == 422, (field, value)
        assert f"body.{field}: must not contain line breaks" in response.json()["detail"]
    assert count_rows("interviews") == 0


def test_multi_line_fields_keep_their_lines_with_one_kind_of_line_end(
    client: TestClient, auth: Headers
) -> None:
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    response = client.post(
        "/v1/interviews", json=_interview_body(candidate["id"], SPECIAL), headers=auth
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["notes"] == created["location"] == MULTILINE_STORED
    assert created["contacts"][0]["address"] == MULTILINE_STORED
    for refused in ("a\x00b", "a\x0bb", "a\x7fb", "a\x85b"):
        changed = client.patch(
            f"/v1/interviews/{created['id']}", json={"notes": refused}, headers=auth
        )
        assert changed.status_code == 422, refused
        assert "body.notes: must not contain control characters" in changed.json()["detail"]


def _check_events(body: bytes, value: str) -> None:
    """Every text the interview's events carry reads back exactly as it was sent."""
    found = Calendar.from_ical(body).walk("VEVENT")
    interview = next(e for e in found if str(e["UID"]).startswith("interview-"))
    assert str(interview["SUMMARY"]) == f"Interview: Acme {value} — Sales {value}"
    assert str(interview["LOCATION"]) == MULTILINE_STORED
    description = str(interview["DESCRIPTION"])
    assert f"Jane {value}, Director {value}" in description
    assert "Email: mailto:o'neil;x,y\\z🚀@exämple.com" in description
    assert "Phone: +1 (212) 555-0100 ext. 12 (tel:+1212555" in description
    assert f"Address: {MULTILINE_STORED}" in description
    assert f"Job number: J-42 {value}" in description
    assert MULTILINE_STORED in description
    steps = [e for e in found if e is not interview]
    thank_you = next(e for e in steps if "Thank-you" in str(e["SUMMARY"]))
    assert str(thank_you["SUMMARY"]).endswith(f"Jane {value} — Acme {value}, Sales {value}")
    assert str(thank_you["CONTACT"]).startswith(f"Jane {value}, Director {value}, o'neil;x,y")
    references = next(e for e in steps if "references" in str(e["SUMMARY"]))
    assert f"Call Grace {value} (grace@navy.example)" in str(references["DESCRIPTION"])


@pytest.mark.parametrize("value", [SPECIAL, "🚀🎉 𝄞 漢字"], ids=["escaped", "non-BMP"])
def test_feeds_show_special_characters_as_sent(
    client: TestClient, auth: Headers, value: str
) -> None:
    candidate = client.post(
        "/v1/candidates", json=candidate_body(name=f"Ada {value}"), headers=auth
    ).json()
    interview = client.post(
        "/v1/interviews", json=_interview_body(candidate["id"], value), headers=auth
    ).json()
    assert interview["company"] == f"Acme {value}", interview
    whole = client.get(feed_path(candidate))
    assert whole.status_code == 200
    assert_conformant(whole.content, f"hostile-text-feed-{len(value)}")
    calendar = Calendar.from_ical(whole.content)
    assert _text_property(calendar, "NAME") == f"Interview follow-ups — Ada {value}"
    assert _text_property(calendar, "X-WR-CALNAME") == f"Interview follow-ups — Ada {value}"
    assert _text_property(calendar, "X-WR-CALDESC").startswith(f"Ada {value}'s interviews")
    _check_events(whole.content, value)

    made = client.post(
        f"/v1/candidates/{candidate['id']}/feeds",
        json={"interview_id": interview["id"]},
        headers=auth,
    ).json()
    one = client.get(feed_path({"feed": made}))
    assert one.status_code == 200
    assert_conformant(one.content, f"hostile-text-interview-feed-{len(value)}")
    calendar = Calendar.from_ical(one.content)
    assert _text_property(calendar, "X-WR-CALNAME") == (f"Follow-ups — Acme {value}, Sales {value}")
    _check_events(one.content, value)


def test_feeds_of_rows_stored_with_line_breaks_still_parse(
    client: TestClient, auth: Headers, db: Database
) -> None:
    """Names stored before line breaks were refused (or by other means) cannot break a feed."""
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    interview = client.post(
        "/v1/interviews", json=interview_body(candidate["id"]), headers=auth
    ).json()
    made = client.post(
        f"/v1/candidates/{candidate['id']}/feeds",
        json={"interview_id": interview["id"]},
        headers=auth,
    ).json()
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE candidates SET name = :name"), {"name": "Ada\nLovelace;\r\x0b"}
        )
        connection.execute(
            text("UPDATE interviews SET company = :company, role = :role"),
            {"company": "Acme\nCorp", "role": "Sales,\r\nManager"},
        )
    whole = client.get(feed_path(candidate))
    assert whole.status_code == 200, whole.text
    assert_conformant(whole.content, "stored-line-breaks-feed")
    assert _text_property(Calendar.from_ical(whole.content), "X-WR-CALNAME") == (
        "Interview follow-ups — Ada\nLovelace;\n"
    )
    one = client.get(feed_path({"feed": made}))
    assert one.status_code == 200, one.text
    assert_conformant(one.content, "stored-line-breaks-interview-feed")
    assert _text_property(Calendar.from_ical(one.content), "X-WR-CALNAME") == (
        "Follow-ups — Acme\nCorp, Sales,\nManager"
    )
