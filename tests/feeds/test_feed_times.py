"""Every calendar client shows every event at the instant the API gives, in every year the feed
covers [SPEC §5]. Candidates in zones north and south, with and without DST, at half-hour offsets,
have interviews just before each DST change of 2026–2028; each feed shape is read by Mozilla ical.js
(Thunderbird), vobject (python-dateutil) and `icalendar`, each from the feed's own VTIMEZONEs."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests import calendar_clients
from tests.builders import candidate_body, feed_path, interview_body
from tests.conformance import assert_conformant
from tests.conftest import Clock
from tests.feeds.test_feeds import meeting_uid, uid_of

Headers = dict[str, str]

# Each zone with the country of its holidays, and the zone of one interview held elsewhere.
ZONES = {
    "America/New_York": ("US", "Europe/London"),
    "America/Los_Angeles": ("US", "Asia/Kolkata"),
    "Europe/Berlin": ("DE", "America/New_York"),
    "Europe/London": ("GB", "Australia/Sydney"),
    "Australia/Sydney": ("AU", "Europe/Berlin"),
    "America/Santiago": ("CL", "America/Los_Angeles"),
    "Asia/Kolkata": ("IN", "Australia/Adelaide"),
    "Australia/Adelaide": ("AU", "America/Santiago"),
}
# Before the first interview, so that no step is old enough to leave the feed's window.
NOW = datetime(2026, 2, 15, 12, tzinfo=UTC)
FIRST, LAST = date(2026, 3, 1), date(2028, 12, 31)


def dst_changes(zone: str) -> list[date]:
    """The days from FIRST to LAST whose noon has another UTC offset than the noon before."""
    tz = ZoneInfo(zone)
    noons = [
        datetime.combine(FIRST + timedelta(days=n), time(12), tz)
        for n in range((LAST - FIRST).days + 1)
    ]
    return [b.date() for a, b in pairwise(noons) if a.utcoffset() != b.utcoffset()]


def interview_days(zone: str) -> list[date]:
    """Four days before each DST change (its steps fall on both sides), or once a quarter."""
    changes = dst_changes(zone)
    if not changes:
        return [date(year, month, 10) for year in (2026, 2027, 2028) for month in (3, 6, 9, 12)]
    return [day - timedelta(days=4) for day in changes]


def _interview(
    client: TestClient, auth: Headers, candidate_id: int, day: date, zone: str
) -> dict[str, Any]:
    starts_at = datetime.combine(day, time(10), ZoneInfo(zone)).isoformat()
    body = interview_body(candidate_id, starts_at=starts_at, timezone=zone)
    created = client.post("/v1/interviews", json=body, headers=auth)
    assert created.status_code == 201, created.text
    answer: dict[str, Any] = created.json()
    return answer


def _plan(
    client: TestClient, auth: Headers, interview_id: int
) -> tuple[dict[str, datetime], dict[str, datetime]]:
    """The instants the API gives: the interview's start, and its steps' due_at, by UID."""
    detail = client.get(f"/v1/interviews/{interview_id}", headers=auth).json()
    meeting = {meeting_uid(detail): _instant(detail["starts_at"])}
    return meeting, {uid_of(detail, s["key"]): _instant(s["due_at"]) for s in detail["followups"]}


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _difference(read: datetime | None, due: datetime) -> str:
    if read is None:
        return "without its zone"
    return f"{(read - due).total_seconds() / 3600:+g} h off"


@pytest.mark.parametrize("zone", ZONES)
def test_every_client_shows_every_event_at_the_instant_the_api_gives(
    client: TestClient, auth: Headers, clock: Clock, zone: str
) -> None:
    clock.now = NOW
    country, elsewhere = ZONES[zone]
    candidate = client.post(
        "/v1/candidates", json=candidate_body(timezone=zone, country=country), headers=auth
    ).json()
    held = [_interview(client, auth, candidate["id"], day, zone) for day in interview_days(zone)]
    held.append(_interview(client, auth, candidate["id"], date(2027, 7, 1), elsewhere))
    plans = {interview["id"]: _plan(client, auth, interview["id"]) for interview in held}
    meetings = {uid: at for meeting, _ in plans.values() for uid, at in meeting.items()}
    every_step = {uid: at for _, steps in plans.values() for uid, at in steps.items()}
    one = held[len(held) // 2]["id"]
    scoped = client.post(
        f"/v1/candidates/{candidate['id']}/feeds", json={"interview_id": one}, headers=auth
    ).json()
    shapes = {
        "candidate": (feed_path(candidate), {}, meetings | every_step),
        "steps only, no alarms": (
            feed_path(candidate),
            {"alarms": "false", "interviews": "false"},
            every_step,
        ),
        "one interview": (feed_path({"feed": scoped}), {}, plans[one][0] | plans[one][1]),
    }
    icaljs_missing = calendar_clients.icaljs_missing()
    wall = ZoneInfo(zone)
    wrong: list[str] = []
    for shape, (path, params, wanted) in shapes.items():
        body = client.get(path, params=params).content
        if shape == "candidate":  # the other shapes hold fewer of the same events and zones
            assert_conformant(body, f"times-{zone.replace('/', '-')}")
        for reader, read in calendar_clients.READERS.items():
            if reader == "ical.js" and icaljs_missing:
                continue
            found = read(body)
            # By the part of each UID before the installation's, as tests/feeds/test_feeds.py does.
            starts = {uid.split("@")[0]: at for uid, at in found.items()}
            assert len(starts) == len(found), f"{reader}, {shape} feed: UIDs alike"
            assert set(starts) == set(wanted), f"{reader}, {shape} feed: other events"
            wrong += [
                f"{reader}, {shape} feed: {uid} due {at.astimezone(wall):%Y-%m-%d %H:%M %Z} "
                f"is read {_difference(starts[uid], at)}"
                for uid, at in sorted(wanted.items(), key=lambda item: item[1])
                if starts[uid] != at
            ]
    assert not wrong, f"{len(wrong)} events at another instant than the API's:\n" + "\n".join(wrong)
    if icaljs_missing:
        pytest.skip(f"vobject and icalendar agree with the API; ical.js: {icaljs_missing}")
