"""Calendar feeds as subscribers see them: every step at its local time with what to do, updated in
place, conditional requests, windows, tokens, and no writes on read."""

import gzip
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar, Component
from sqlalchemy import text

from service.accounts import service as accounts_service
from service.app import create_app
from service.calendar.feeds import FeedCache
from service.config import Settings
from service.db import migrate
from service.db.base import Base
from service.db.session import Database
from service.http.deps import get_now
from tests.builders import candidate_body, feed_path, interview_body
from tests.conformance import assert_conformant
from tests.conftest import Clock, EmptyDatabases

Headers = dict[str, str]


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


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def events(body: bytes) -> dict[str, Component]:
    """The feed's events by the part of their UID before the installation's (see
    test_uids_carry_the_installation_id)."""
    return {str(event["UID"]).split("@")[0]: event for event in parse(body).walk("VEVENT")}


def step_events(body: bytes) -> dict[str, Component]:
    return {uid: e for uid, e in events(body).items() if not uid.startswith("interview-")}


def uid_of(interview: dict[str, Any], key: str) -> str:
    return f"{interview['id']}-{key.replace(':', '-')}"


def meeting_uid(interview: dict[str, Any]) -> str:
    return f"interview-{interview['id']}"


def test_the_feed_shows_every_step_at_its_local_time_with_what_to_do(
    client: TestClient, candidate: dict[str, Any], interview: dict[str, Any]
) -> None:
    response = client.get(feed_path(candidate))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert_conformant(response.content, "candidate-feed")
    calendar = parse(response.content)
    assert "METHOD" not in calendar
    assert str(calendar["X-WR-CALNAME"]) == "Interview follow-ups — Ada Lovelace"
    assert str(calendar["NAME"]) == str(calendar["X-WR-CALNAME"])
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"
    found = step_events(response.content)
    new_york = ZoneInfo("America/New_York")
    assert len(found) == len(interview["followups"])
    for step in interview["followups"]:
        event = found[uid_of(interview, step["key"])]
        start = event.decoded("DTSTART")
        assert start.tzinfo is not None and str(event["DTSTART"].params["TZID"]) == (
            "America/New_York"
        )
        assert start == datetime.fromisoformat(step["due_at"]).astimezone(new_york)
        assert str(event["TRANSP"]) == "TRANSPARENT"
        assert step["why"] in str(event["DESCRIPTION"])
        assert event.walk("VALARM"), "open steps carry an alarm"
    jane = interview["contacts"][0]
    thank_you = found[uid_of(interview, f"thank_you:{jane['id']}")]
    assert str(thank_you["SUMMARY"]) == "Thank-you email to Jane Doe — Acme, Sales Manager"
    assert str(thank_you["URL"]).startswith("mailto:jane.doe@acme.example?subject=")
    assert "Checklist:\n• " in str(thank_you["DESCRIPTION"])
    assert "tel:+12125550100" in str(thank_you["DESCRIPTION"])
    call = found[uid_of(interview, "follow_up:1")]
    assert str(call["URL"]) == "tel:+12125550100"
    assert "Call script:" in str(call["DESCRIPTION"])
    meeting = events(response.content)[meeting_uid(interview)]
    assert str(meeting["SUMMARY"]) == "Interview: Acme — Sales Manager"
    assert str(meeting["TRANSP"]) == "OPAQUE"


def test_alarms_and_interviews_can_be_left_out(
    client: TestClient, candidate: dict[str, Any], interview: dict[str, Any]
) -> None:
    body = client.get(feed_path(candidate), params={"alarms": "false", "interviews": "0"}).content
    assert_conformant(body, "no-alarms-no-interviews")
    assert b"BEGIN:VALARM" not in body
    assert set(events(body)) == set(step_events(body))
    assert len(events(body)) == len(interview["followups"])


def test_unchanged_data_gives_identical_bytes_and_a_304(
    client: TestClient, candidate: dict[str, Any], interview: dict[str, Any], clock: Clock
) -> None:
    first = client.get(feed_path(candidate))
    clock.now += timedelta(hours=3)  # the same day: nothing in the feed depends on the hour
    second = client.get(feed_path(candidate))
    assert second.content == first.content
    etag = first.headers["etag"]
    assert second.headers["etag"] == etag
    assert client.get(feed_path(candidate), headers={"If-None-Match": etag}).status_code == 304
    weak = client.get(feed_path(candidate), headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    assert weak.headers["etag"] == etag
    assert weak.content == b""
    since = {"If-Modified-Since": first.headers["last-modified"]}
    assert client.get(feed_path(candidate), headers=since).status_code == 304
    stale = {"If-None-Match": '"other"', **since}
    assert client.get(feed_path(candidate), headers=stale).status_code == 200
    earlier = {"If-Modified-Since": "Sun, 01 Nov 2026 00:00:00 GMT"}
    assert client.get(feed_path(candidate), headers=earlier).status_code == 200
    garbled = {"If-Modified-Since": "yesterday-ish"}
    assert client.get(feed_path(candidate), headers=garbled).status_code == 200


def test_head_answers_the_headers_of_get_without_a_body(
    client: TestClient, candidate: dict[str, Any], interview: dict[str, Any]
) -> None:
    for encoding in ("identity", "gzip"):
        asked = {"Accept-Encoding": encoding}
        got = client.get(feed_path(candidate), headers=asked)
        head = client.head(feed_path(candidate), headers=asked)
        assert head.status_code == 200
        assert head.content == b""
        for name in ("etag", "content-length", "content-type", "content-encoding", "vary"):
            assert head.headers.get(name) == got.headers.get(name), (encoding, name)
    plain = client.get(feed_path(candidate), headers={"Accept-Encoding": "identity"})
    assert plain.headers["content-length"] == str(len(plain.content))


def test_a_client_that_accepts_gzip_gets_it_compressed_once_per_version(
    client: TestClient, candidate: dict[str, Any], interview: dict[str, Any]
) -> None:
    path = feed_path(candidate)
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    for accepted in ("gzip", "br;q=1.0, gzip;q=0.8, *;q=0.1", "*", "x-gzip"):
        with client.stream("GET", path, headers={"Accept-Encoding": accepted}) as answer:
            compressed = b"".join(answer.iter_raw())
            assert answer.headers["content-encoding"] == "gzip", accepted
            assert answer.headers["content-length"] == str(len(compressed))
            assert "Accept-Encoding" in answer.headers["vary"]
            assert answer.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
        assert gzip.decompress(compressed) == plain.content
        assert len(compressed) < len(plain.content) / 3
    for refused in ("gzip;q=0", "identity", "br", "*;q=0", ""):
        answer = client.get(path, headers={"Accept-Encoding": refused})
        assert "content-encoding" not in answer.headers, refused
        assert answer.content == plain.content

    cache: FeedCache = client.app.state.feed_cache  # type: ignore[attr-defined]
    stored = cache.get_gzipped(plain.headers["etag"])
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as again:
        assert b"".join(again.iter_raw()) == stored, "the bytes compressed the first time"

    # Either encoding's ETag names this version: a client that has one gets a 304 for both.
    gzip_etag = plain.headers["etag"][:-1] + '-gzip"'
    for held in (plain.headers["etag"], gzip_etag):
        for accepted, expected in (("gzip", gzip_etag), ("identity", plain.headers["etag"])):
            answer = client.get(path, headers={"If-None-Match": held, "Accept-Encoding": accepted})
            assert answer.status_code == 304
            assert answer.headers["etag"] == expected
            assert "Accept-Encoding" in answer.headers["vary"]


def test_a_reschedule_updates_events_in_place(
    client: TestClient,
    auth: Headers,
    candidate: dict[str, Any],
    interview: dict[str, Any],
    clock: Clock,
) -> None:
    before = client.get(feed_path(candidate))
    clock.now += timedelta(minutes=5)
    moved = client.patch(
        f"/v1/interviews/{interview['id']}",
        json={"starts_at": "2026-12-03T10:00:00-05:00"},
        headers=auth,
    )
    assert moved.status_code == 200
    after = client.get(feed_path(candidate))
    assert after.headers["etag"] != before.headers["etag"]
    old, new = events(before.content), events(after.content)
    assert set(new) == set(old), "every UID survives a reschedule"
    for uid, event in new.items():
        assert event.decoded("SEQUENCE") == old[uid].decoded("SEQUENCE") + 1, uid
        assert event.decoded("DTSTAMP") == clock.now
        assert event.decoded("LAST-MODIFIED") == clock.now
        assert event.decoded("DTSTAMP") > old[uid].decoded("DTSTAMP")
    meeting = new[meeting_uid(interview)]
    assert meeting.decoded("DTSTART").isoformat() == "2026-12-03T10:00:00-05:00"
    conditional = client.get(
        feed_path(candidate), headers={"If-None-Match": before.headers["etag"]}
    )
    assert conditional.status_code == 200


def test_every_new_interview_shows_in_a_feed_read_before_it(
    client: TestClient,
    auth: Headers,
    candidate: dict[str, Any],
    interview: dict[str, Any],
    clock: Clock,
) -> None:
    """Each new interview changes the feed's version, so neither the ETag nor the feed built
    for it is served again: new rows of sequence 0 count as much as changed ones."""
    seen = [client.get(feed_path(candidate))]
    for days in (1, 2):
        clock.now += timedelta(minutes=1)
        body = interview_body(candidate["id"], starts_at=f"2026-12-0{1 + days}T14:00:00-05:00")
        added = client.post("/v1/interviews", json=body, headers=auth).json()
        seen.append(client.get(feed_path(candidate)))
        uids = set(events(seen[-1].content))
        assert meeting_uid(added) in uids
        assert {uid_of(added, step["key"]) for step in added["followups"]} <= uids
        assert seen[-1].headers["etag"] != seen[-2].headers["etag"]
        stale = {"If-None-Match": seen[-2].headers["etag"]}
        assert client.get(feed_path(candidate), headers=stale).status_code == 200


def test_a_change_to_one_step_leaves_the_others_byte_identical(
    client: TestClient,
    auth: Headers,
    candidate: dict[str, Any],
    interview: dict[str, Any],
    clock: Clock,
) -> None:
    before = step_events(client.get(feed_path(candidate)).content)
    step = next(s for s in interview["followups"] if s["key"] == "notify_references")
    clock.now += timedelta(minutes=1)
    client.patch(f"/v1/followups/{step['id']}", json={"status": "done"}, headers=auth)
    after = step_events(client.get(feed_path(candidate)).content)
    changed = {uid for uid in after if after[uid].to_ical() != before[uid].to_ical()}
    assert changed == {uid_of(interview, "notify_references")}
    done = after[uid_of(interview, "notify_references")]
    assert str(done["SUMMARY"]).startswith("Done: ")
    assert done.decoded("SEQUENCE") == 1
    assert not done.walk("VALARM"), "a done step no longer rings"


def test_cancelled_steps_stay_30_days_and_done_steps_90(
    client: TestClient,
    auth: Headers,
    candidate: dict[str, Any],
    interview: dict[str, Any],
    clock: Clock,
) -> None:
    thank = next(s for s in interview["followups"] if s["key"].startswith("thank_you:"))
    clock.now = datetime.fromisoformat("2026-12-01T17:30:00-05:00")
    client.patch(f"/v1/followups/{thank['id']}", json={"status": "done"}, headers=auth)
    clock.now = datetime.fromisoformat("2026-12-02T09:00:00-05:00")
    offer = client.post(
        f"/v1/interviews/{interview['id']}/outcomes", json={"type": "offer"}, headers=auth
    )
    assert offer.status_code == 201, offer.text
    body = client.get(feed_path(candidate)).content
    assert_conformant(body, "cancelled-and-done")
    found = step_events(body)
    statuses = {uid: str(e["STATUS"]) for uid, e in found.items()}
    assert statuses[uid_of(interview, "follow_up:1")] == "CANCELLED"
    assert str(found[uid_of(interview, "follow_up:1")]["SUMMARY"]).startswith("Cancelled: ")
    assert str(found[uid_of(interview, thank["key"])]["SUMMARY"]).startswith("Done: ")

    clock.now += timedelta(days=31)
    later = step_events(client.get(feed_path(candidate)).content)
    assert uid_of(interview, "follow_up:1") not in later, "cancelled steps leave after 30 days"
    assert uid_of(interview, thank["key"]) in later, "done steps stay for 90 days"

    clock.now += timedelta(days=60)
    latest = step_events(client.get(feed_path(candidate)).content)
    assert uid_of(interview, thank["key"]) not in latest


def test_an_interview_feed_holds_only_that_interview(
    client: TestClient, auth: Headers, candidate: dict[str, Any], interview: dict[str, Any]
) -> None:
    other = client.post(
        "/v1/interviews",
        json=interview_body(candidate["id"], company="Globex", starts_at="2026-12-04T10:00:00Z"),
        headers=auth,
    ).json()
    response = client.post(
        f"/v1/candidates/{candidate['id']}/feeds",
        json={"interview_id": other["id"]},
        headers=auth,
    )
    assert response.status_code == 201, response.text
    feed = response.json()
    assert feed["interview_id"] == other["id"]
    assert feed["webcal"] == "webcal://" + feed["https"].removeprefix("https://")
    body = client.get(feed_path({"feed": feed})).content
    assert_conformant(body, "interview-feed")
    assert str(parse(body)["X-WR-CALNAME"]) == "Follow-ups — Globex\\, Sales Manager"  # TEXT
    uids = set(events(body))
    assert meeting_uid(other) in uids
    assert all(uid.startswith(f"{other['id']}-") for uid in step_events(body))
    assert len(step_events(body)) == len(other["followups"])
    whole = events(client.get(feed_path(candidate)).content)
    assert uids < set(whole)


def test_feeds_are_listed_without_secrets_and_revoked_into_a_plain_404(
    client: TestClient, auth: Headers, candidate: dict[str, Any], interview: dict[str, Any]
) -> None:
    second = client.post(f"/v1/candidates/{candidate['id']}/feeds", headers=auth).json()
    listed = client.get(f"/v1/candidates/{candidate['id']}/feeds", headers=auth).json()
    assert [f["id"] for f in listed] == sorted(f["id"] for f in listed)
    assert len(listed) == 2
    assert all(
        set(f) == {"id", "interview_id", "created_at", "revoked_at", "active", "can_act"}
        for f in listed
    )
    token = second["https"].rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 22 and token not in str(listed)  # 192 random bits, shown only once
    assert client.get(feed_path({"feed": second})).status_code == 200

    revoked = client.delete(f"/v1/candidates/{candidate['id']}/feeds/{second['id']}", headers=auth)
    assert revoked.status_code == 204
    gone = client.get(feed_path({"feed": second}))
    unknown = client.get("/feeds/" + "A" * 32 + ".ics")
    malformed = client.get("/feeds/x.ics")
    nowhere = client.get("/no/such/path")
    assert gone.status_code == unknown.status_code == malformed.status_code == 404
    assert gone.content == unknown.content == malformed.content == nowhere.content
    assert gone.headers["content-type"] == nowhere.headers["content-type"]
    assert client.get(feed_path(candidate)).status_code == 200, "other feeds keep working"
    after = client.get(f"/v1/candidates/{candidate['id']}/feeds", headers=auth).json()
    assert [f["active"] for f in after] == [True, False]


def test_feed_tokens_belong_to_their_account(
    client: TestClient,
    auth: Headers,
    other_auth: Headers,
    candidate: dict[str, Any],
    interview: dict[str, Any],
) -> None:
    base = f"/v1/candidates/{candidate['id']}/feeds"
    assert client.post(base, headers=other_auth).status_code == 404
    assert client.get(base, headers=other_auth).status_code == 404
    feed_id = client.get(base, headers=auth).json()[0]["id"]
    assert client.delete(f"{base}/{feed_id}", headers=other_auth).status_code == 404
    theirs = client.post("/v1/candidates", json=candidate_body(), headers=other_auth).json()
    wrong = client.post(
        f"/v1/candidates/{theirs['id']}/feeds",
        json={"interview_id": interview["id"]},
        headers=other_auth,
    )
    assert wrong.status_code == 422
    assert client.get(base).status_code == 401


def test_reading_a_feed_writes_nothing(
    client: TestClient, db: Database, candidate: dict[str, Any], interview: dict[str, Any]
) -> None:
    def snapshot() -> list[Any]:
        with db.engine.connect() as connection:
            return [
                connection.execute(text(f"SELECT * FROM {table.name} ORDER BY 1")).all()
                for table in Base.metadata.sorted_tables
            ]

    before = snapshot()
    for params in ({}, {"alarms": "false"}, {"interviews": "false"}):
        assert client.get(feed_path(candidate), params=params).status_code == 200
    client.head(feed_path(candidate))
    assert snapshot() == before


def test_the_token_is_stored_only_as_a_hash(
    client: TestClient, db: Database, candidate: dict[str, Any]
) -> None:
    token = feed_path(candidate).rsplit("/", 1)[1].removesuffix(".ics")
    with db.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM feed_tokens")).scalars().all()
    assert stored and all(token not in value for value in stored)


def test_a_renamed_candidate_renames_the_calendar(
    client: TestClient, auth: Headers, candidate: dict[str, Any], clock: Clock
) -> None:
    before = client.get(feed_path(candidate))
    clock.now += timedelta(seconds=1)
    client.patch(f"/v1/candidates/{candidate['id']}", json={"name": "Ada King"}, headers=auth)
    after = client.get(feed_path(candidate), headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert str(parse(after.content)["X-WR-CALNAME"]) == "Interview follow-ups — Ada King"


def test_an_empty_calendar_is_still_a_valid_feed(
    client: TestClient, candidate: dict[str, Any]
) -> None:
    body = client.get(feed_path(candidate)).content
    assert_conformant(body, "empty")
    assert events(body) == {}


@pytest.mark.parametrize("zone", ["Asia/Kathmandu", "Pacific/Chatham", "UTC"])
def test_odd_time_zones_get_their_definitions(client: TestClient, auth: Headers, zone: str) -> None:
    created = client.post("/v1/candidates", json=candidate_body(timezone=zone), headers=auth).json()
    client.post(
        "/v1/interviews",
        json=interview_body(created["id"], starts_at="2027-03-31T23:30:00Z", timezone=zone),
        headers=auth,
    )
    body = client.get(feed_path(created)).content
    assert_conformant(body, f"zone-{zone.replace('/', '-')}")
    zones = {str(tz["TZID"]) for tz in parse(body).walk("VTIMEZONE")}
    used = {str(e["DTSTART"].params.get("TZID", "")) for e in parse(body).walk("VEVENT")}
    assert used - {""} <= zones


def test_deleting_takes_events_and_feeds_away(
    client: TestClient, auth: Headers, candidate: dict[str, Any], interview: dict[str, Any]
) -> None:
    scoped = client.post(
        f"/v1/candidates/{candidate['id']}/feeds",
        json={"interview_id": interview["id"]},
        headers=auth,
    ).json()
    assert client.delete(f"/v1/interviews/{interview['id']}", headers=auth).status_code == 204
    assert client.get(feed_path({"feed": scoped})).status_code == 404
    assert events(client.get(feed_path(candidate)).content) == {}
    assert client.delete(f"/v1/candidates/{candidate['id']}", headers=auth).status_code == 204
    assert client.get(feed_path(candidate)).status_code == 404


def _comparable(response: Any) -> tuple[int, bytes, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k not in ("date", "x-request-id")}
    return response.status_code, response.content, headers


def test_polls_answered_from_memory_are_the_routes_answers(
    client: TestClient,
    settings: Settings,
    clock: Clock,
    interview: dict[str, Any],
    candidate: dict[str, Any],
) -> None:
    path = feed_path(candidate)
    always_asks = create_app(settings.model_copy(update={"feed_revalidate_seconds": 0}))
    always_asks.dependency_overrides[get_now] = clock
    with TestClient(always_asks) as from_database:
        for headers in ({}, {"If-None-Match": client.get(path).headers["etag"]}):
            for query in ("", "?alarms=false&interviews=0"):
                for method in ("GET", "HEAD"):
                    remembered = client.request(method, path + query, headers=headers)
                    read = from_database.request(method, path + query, headers=headers)
                    assert _comparable(remembered) == _comparable(read), (method, query, headers)


def test_a_write_elsewhere_shows_once_the_memory_window_passes(
    settings: Settings, db: Database, clock: Clock, auth: Headers
) -> None:
    app = create_app(settings.model_copy(update={"feed_revalidate_seconds": 0.5}))
    app.dependency_overrides[get_now] = clock
    with TestClient(app) as client:
        created = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
        path = feed_path(created)
        before = client.get(path).headers["etag"]
        # Another replica renames the candidate: this process did not write, so it may answer
        # from memory for half a second, and not longer.
        with db.engine.begin() as connection:
            connection.execute(
                text("UPDATE candidates SET name = 'Ada King', updated_at = :now"),
                {"now": clock.now.replace(tzinfo=None) + timedelta(seconds=1)},
            )
        assert client.get(path).headers["etag"] == before
        time.sleep(0.6)
        renamed = client.get(path)
        assert renamed.headers["etag"] != before
        assert b"Ada King" in renamed.content


def test_uids_carry_the_installation_id(
    client: TestClient, installation: str, candidate: dict[str, Any], interview: dict[str, Any]
) -> None:
    calendar = parse(client.get(feed_path(candidate)).content)
    uids = [str(event["UID"]) for event in calendar.walk("VEVENT")]
    assert len(uids) == len(interview["followups"]) + 1
    assert all(uid.endswith(f"@{installation}.interview-followup") for uid in uids), uids


def test_two_installations_share_no_uid(databases: EmptyDatabases, clock: Clock) -> None:
    """The same requests against two databases (two installations, or one rebuilt from scratch)
    give the same ids, and feeds whose UIDs differ all the same."""
    found = []
    for _ in range(2):
        url = databases.new()
        migrate.upgrade(url)
        settings = Settings(database_url=url, writer_process=False)
        db = Database(settings)
        key = accounts_service.create_key(db, "acme-careers", clock.now)
        db.dispose()
        app = create_app(settings)
        app.dependency_overrides[get_now] = clock
        auth = {"Authorization": f"Bearer {key}"}
        with TestClient(app) as client:
            made = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
            answer = client.post("/v1/interviews", json=interview_body(made["id"]), headers=auth)
            assert answer.status_code == 201
            body = client.get(feed_path(made)).content
        found.append({str(event["UID"]) for event in parse(body).walk("VEVENT")})
    first, second = found
    assert {uid.split("@")[0] for uid in first} == {uid.split("@")[0] for uid in second}
    assert len(first) > 10
    assert not first & second
