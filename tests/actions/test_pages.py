"""A feed's pages as a person acting from their calendar meets them: linked from each event, a
GET that changes nothing, POSTs that run the API's own use cases only with the page's token,
read-only shared feeds, revoked feeds, escaping, and drafts that match the API."""

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from service.actions import service
from service.db.session import Database
from service.domain.steps import OutcomeType
from service.followups.outcomes import NewOutcome
from tests.builders import candidate_body, contact_body, feed_path, interview_body
from tests.conformance import assert_conformant
from tests.conftest import Clock

Headers = dict[str, str]
BASE = "https://calendar.example.org"
# A week and a day after the interview of tests.builders: the first follow-up call is due.
AFTER_FIRST_CALL = datetime.fromisoformat("2026-12-08T16:00:00+00:00")


@pytest.fixture
def candidate(client: TestClient, auth: Headers) -> dict[str, Any]:
    response = client.post("/v1/candidates", json=candidate_body(), headers=auth)
    assert response.status_code == 201
    created: dict[str, Any] = response.json()
    return created


@pytest.fixture
def interview(client: TestClient, auth: Headers, candidate: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/interviews", json=interview_body(candidate["id"]), headers=auth)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _path(url: str) -> str:
    assert url.startswith(BASE)
    return url[len(BASE) :]


def _descriptions(body: bytes) -> dict[str, str]:
    """Each event's DESCRIPTION by the UID part before the installation's."""
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]).split("@")[0]: str(e["DESCRIPTION"]) for e in calendar.walk("VEVENT")}


def _step(interview: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in interview["followups"] if s["key"] == key)


def _forms(html: str, under: str = "") -> dict[str, tuple[str, str]]:
    """The page's forms posting to a URL with `under` in it: action → (URL, form token)."""
    found = re.findall(
        r'<form method="post" action="([^"]+)"><input type="hidden" name="action" '
        r'value="([^"]+)"><input type="hidden" name="token" value="([^"]+)">',
        html,
    )
    return {action: (target, token) for target, action, token in found if under in target}


def _state(client: TestClient, auth: Headers, interview_id: int) -> tuple[Any, Any]:
    steps = client.get(f"/v1/interviews/{interview_id}/followups", headers=auth).json()
    outcomes = client.get(f"/v1/interviews/{interview_id}/outcomes", headers=auth).json()
    return steps, outcomes


def test_each_step_links_its_page_and_a_voicemail_schedules_the_retry(
    client: TestClient,
    auth: Headers,
    clock: Clock,
    candidate: dict[str, Any],
    interview: dict[str, Any],
) -> None:
    clock.now = AFTER_FIRST_CALL
    feed = client.get(feed_path(candidate))
    assert_conformant(feed.content, "feed with step links")
    call = _step(interview, "follow_up:1")
    page_url = f"{candidate['feed']['page']}/steps/{call['id']}"
    descriptions = _descriptions(feed.content)
    uid = f"{interview['id']}-follow_up-1"
    assert page_url in descriptions[uid]
    # The call's description opens with the link, then what to say, filled in.
    assert descriptions[uid].split("\n\n")[1].startswith("“Hello, this is [your full name].")
    assert (
        f"{candidate['feed']['page']}/interviews/{interview['id']}"
        in descriptions[f"interview-{interview['id']}"]
    )
    before = _state(client, auth, interview["id"])
    page = client.get(_path(page_url))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["referrer-policy"] == "no-referrer"
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp and "script-src" not in csp
    forms = _forms(page.text)
    assert set(forms) == {
        "done", "skip", "snooze_day", "snooze_week", "spoke", "voicemail", "no_answer"
    }  # fmt: skip
    assert _state(client, auth, interview["id"]) == before  # reading changed nothing

    target, token = forms["voicemail"]
    done = client.post(_path(target), data={"action": "voicemail", "token": token})
    assert done.status_code == 200, done.text
    notice = re.search(r'id="notice"[^>]*>([^<]*)<', done.text)
    assert notice is not None
    assert "Logged: voicemail. Next: Follow-up call #2" in notice.group(1)
    assert "on Tue 15 Dec 2026 at 10:00." in notice.group(1)

    steps, outcomes = _state(client, auth, interview["id"])
    assert [(o["type"], o["source"]) for o in outcomes] == [("voicemail", "calendar")]
    by_key = {s["key"]: s for s in steps}
    assert by_key["follow_up:1"]["status"] == "done"
    assert by_key["follow_up:2"]["due_at"] == "2026-12-15T10:00:00-05:00"
    retry = Calendar.from_ical(client.get(feed_path(candidate)).content)
    sequences = {str(e["UID"]).split("@")[0]: int(str(e["SEQUENCE"])) for e in retry.walk("VEVENT")}
    assert sequences[f"{interview['id']}-follow_up-2"] > _step(interview, "follow_up:2")["sequence"]

    # The same form again is refused and changes nothing; so are a forged and a missing token.
    again = client.post(_path(target), data={"action": "voicemail", "token": token})
    assert again.status_code == 403
    assert 'id="problem"' in again.text
    second = _path(f"{candidate['feed']['page']}/steps/{by_key['follow_up:2']['id']}")
    forged = client.post(second, data={"action": "voicemail", "token": "A" * 43})
    assert forged.status_code == 403
    missing = client.post(second, data={"action": "voicemail"})
    assert missing.status_code == 403
    moved = client.post(second, data={"action": "done", "token": token})
    assert moved.status_code == 403
    assert _state(client, auth, interview["id"]) == (steps, outcomes)


def test_done_and_snooze_run_the_apis_rules(
    client: TestClient,
    auth: Headers,
    candidate: dict[str, Any],
    interview: dict[str, Any],
) -> None:
    note = next(s for s in interview["followups"] if s["kind"] == "thank_you")
    path = _path(f"{candidate['feed']['page']}/steps/{note['id']}")
    target, token = _forms(client.get(path).text)["snooze_week"]
    snoozed = client.post(_path(target), data={"action": "snooze_week", "token": token})
    assert snoozed.status_code == 200
    after = client.get(f"/v1/followups/{note['id']}", headers=auth).json()
    assert after["snoozed_until"] is not None and after["due_at"] > note["due_at"]
    target, token = _forms(snoozed.text)["done"]
    assert client.post(_path(target), data={"action": "done", "token": token}).status_code == 200
    done = client.get(f"/v1/followups/{note['id']}", headers=auth).json()
    assert done["status"] == "done"
    assert _forms(client.get(path).text) == {}  # a closed step offers no buttons


def test_the_interviews_page_logs_a_decision_date_and_a_next_round(
    client: TestClient,
    auth: Headers,
    clock: Clock,
    candidate: dict[str, Any],
    interview: dict[str, Any],
) -> None:
    clock.now = AFTER_FIRST_CALL
    path = _path(f"{candidate['feed']['page']}/interviews/{interview['id']}")
    forms = _forms(client.get(path).text, "/interviews/")
    assert set(forms) == {
        "timeline_given",
        "materials_requested",
        "offer",
        "rejected",
        "next_round",
    }
    target, token = forms["timeline_given"]
    bad = client.post(_path(target), data={"action": "timeline_given", "token": token})
    assert bad.status_code == 422  # no date: the API's own validation
    given = client.post(
        _path(target), data={"action": "timeline_given", "token": token, "date": "2027-01-08"}
    )
    assert given.status_code == 200, given.text
    detail = client.get(f"/v1/interviews/{interview['id']}", headers=auth).json()
    assert detail["decision_date"] == "2027-01-08"
    target, token = _forms(given.text, "/interviews/")["next_round"]
    round_two = client.post(
        _path(target),
        data={"action": "next_round", "token": token, "datetime": "2027-01-12T09:30"},
    )
    assert round_two.status_code == 200, round_two.text
    outcomes = client.get(f"/v1/interviews/{interview['id']}/outcomes", headers=auth).json()
    assert [(o["type"], o["source"]) for o in outcomes] == [
        ("timeline_given", "calendar"),
        ("next_round", "calendar"),
    ]
    new = client.get(f"/v1/interviews/{outcomes[1]['next_interview_id']}", headers=auth).json()
    assert new["starts_at"] == "2027-01-12T09:30:00-05:00"


def test_a_shared_interview_feed_is_read_only_unless_made_to_act(
    client: TestClient, auth: Headers, candidate: dict[str, Any], interview: dict[str, Any]
) -> None:
    base = f"/v1/candidates/{candidate['id']}/feeds"
    shared = client.post(base, json={"interview_id": interview["id"]}, headers=auth).json()
    assert shared["can_act"] is False
    acting = client.post(
        base, json={"interview_id": interview["id"], "can_act": True}, headers=auth
    ).json()
    assert acting["can_act"] is True
    call = _step(interview, "follow_up:1")
    feed = client.get(_path(shared["https"])).content
    assert "/steps/" not in "".join(_descriptions(feed).values())
    assert "/steps/" in "".join(_descriptions(client.get(_path(acting["https"])).content).values())

    read_only = client.get(_path(f"{shared['page']}/steps/{call['id']}"))
    assert read_only.status_code == 200
    assert _forms(read_only.text) == {} and "read-only" in read_only.text
    plan = client.get(_path(f"{shared['page']}/plan"))
    assert plan.status_code == 200 and _forms(plan.text) == {}
    # Even with a token the acting feed's page made, the read-only feed changes nothing.
    _, token = _forms(client.get(_path(f"{acting['page']}/steps/{call['id']}")).text)["done"]
    refused = client.post(
        _path(f"{shared['page']}/steps/{call['id']}"), data={"action": "done", "token": token}
    )
    assert refused.status_code == 403
    assert client.get(f"/v1/followups/{call['id']}", headers=auth).json()["status"] == "pending"

    client.delete(f"{base}/{acting['id']}", headers=auth)
    gone = client.get(_path(f"{acting['page']}/steps/{call['id']}"))
    unknown = client.get("/feeds/" + "A" * 43 + f"/steps/{call['id']}")
    assert gone.status_code == unknown.status_code == 404
    assert gone.content == unknown.content
    assert client.get(_path(f"{acting['page']}/plan")).status_code == 404


def test_a_feed_shows_no_step_of_another_interview_or_candidate(
    client: TestClient, auth: Headers, candidate: dict[str, Any], interview: dict[str, Any]
) -> None:
    other = client.post("/v1/candidates", json=candidate_body(name="Bob"), headers=auth).json()
    theirs = client.post("/v1/interviews", json=interview_body(other["id"]), headers=auth).json()
    step = theirs["followups"][0]
    assert client.get(_path(f"{candidate['feed']['page']}/steps/{step['id']}")).status_code == 404
    path = _path(f"{candidate['feed']['page']}/interviews/{theirs['id']}")
    assert client.get(path).status_code == 404


def test_names_render_as_text_and_drafts_match_the_api(
    client: TestClient, auth: Headers, candidate: dict[str, Any]
) -> None:
    hostile = "<script>alert(1)</script> O'Brien & Co"
    body = interview_body(
        candidate["id"], company=hostile, contacts=[contact_body(name=f"Jane {hostile}")]
    )
    created = client.post("/v1/interviews", json=body, headers=auth).json()
    note = next(s for s in created["followups"] if s["kind"] == "thank_you")
    draft = note["draft"]
    assert draft["subject"] == "Thank you — Sales Manager interview on Tue 1 Dec 2026"
    assert f"Dear Jane {hostile}," in draft["body"]
    assert f"Sales Manager role at {hostile}" in draft["body"]
    assert client.get(f"/v1/followups/{note['id']}", headers=auth).json()["draft"] == draft

    page = client.get(_path(f"{candidate['feed']['page']}/steps/{note['id']}")).text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Brien &amp; Co" in page
    plan = client.get(_path(f"{candidate['feed']['page']}/plan")).text
    assert "<script>" not in plan and "&lt;script&gt;" in plan

    calendar = Calendar.from_ical(client.get(feed_path(candidate)).content)
    uid = f"{created['id']}-{note['key'].replace(':', '-')}"
    event = next(e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith(uid + "@"))
    url = str(event["URL"])
    assert url.startswith("mailto:jane.doe@acme.example?") and len(url) < 2000
    query = parse_qs(urlsplit(url).query)
    assert query["subject"] == [draft["subject"]]
    assert query["body"] == [draft["body"].replace("\n", "\r\n")]
    assert "<script>" not in url and "<script>" in unquote(url)  # percent-encoded


def test_one_form_sent_twice_at_once_logs_one_outcome(
    client: TestClient,
    auth: Headers,
    clock: Clock,
    db: Database,
    candidate: dict[str, Any],
    interview: dict[str, Any],
) -> None:
    """Two POSTs of one form that both pass the token check (sent at the same moment) meet
    at the form's claim, taken in the outcome's own transaction: the second logs nothing."""
    clock.now = AFTER_FIRST_CALL
    token = candidate["feed"]["https"].rsplit("/", 1)[1].removesuffix(".ics")
    feed = service.open_feed(db, token)
    assert feed is not None
    logged = NewOutcome(OutcomeType.VOICEMAIL, followup_id=_step(interview, "follow_up:1")["id"])
    service._log(db, feed, interview["id"], logged, "same-form", clock.now)
    with pytest.raises(service.Refused):
        service._log(db, feed, interview["id"], logged, "same-form", clock.now)
    outcomes = client.get(f"/v1/interviews/{interview['id']}/outcomes", headers=auth).json()
    assert [o["type"] for o in outcomes] == ["voicemail"]
