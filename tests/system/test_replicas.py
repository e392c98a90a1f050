"""Two server processes on one PostgreSQL database are one service: whatever one writes, the
other serves, down to the bytes and ETag of the feeds."""

import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.builders import candidate_body, feed_path, interview_body
from tests.conftest import EmptyDatabases
from tests.system.servers import Server, new_api_key

pytestmark = pytest.mark.slow

NEW_YORK = ZoneInfo("America/New_York")  # the candidate's zone


def _next_week() -> datetime:
    """14:00 in New York a week from today: the servers run on the real clock, and a feed holds
    the last 90 days and what is ahead, so the interview stays in it whatever day this runs."""
    return (datetime.now(NEW_YORK) + timedelta(days=7)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )


def test_two_replicas_serve_the_same_plan_and_feed(
    databases: EmptyDatabases, tmp_path: Path
) -> None:
    if databases.backend != "postgresql":
        pytest.skip("replicas share a PostgreSQL database")
    url = databases.new()
    # Replicas answer behind one public address: the feeds' links to their pages name it.
    public = "https://followups.example.org"
    one = Server(url, tmp_path / "one.log", PUBLIC_BASE_URL=public).start()
    two = Server(url, tmp_path / "two.log", PUBLIC_BASE_URL=public)
    try:
        two.start()
        auth = {"Authorization": f"Bearer {new_api_key(url, 'replicas')}"}
        with (
            httpx.Client(base_url=one.url, headers=auth) as first,
            httpx.Client(base_url=two.url, headers=auth) as second,
        ):
            candidate = first.post("/v1/candidates", json=candidate_body()).json()
            starts_at = _next_week()
            created = first.post(
                "/v1/interviews",
                json=interview_body(candidate["id"], starts_at=starts_at.isoformat()),
            ).json()
            interview = f"/v1/interviews/{created['id']}"
            assert second.get(interview).json() == first.get(interview).json()
            assert second.get(f"{interview}/followups").json() == created["followups"]

            feed = feed_path(candidate)
            a, b = first.get(feed), second.get(feed)
            assert a.status_code == b.status_code == 200
            assert a.content == b.content
            assert a.headers["etag"] == b.headers["etag"]
            assert a.headers["last-modified"] == b.headers["last-modified"]
            revalidated = first.get(feed, headers={"If-None-Match": b.headers["etag"]})
            assert revalidated.status_code == 304

            # A change made through the second shows through the first within the second a
            # replica may answer polls from memory (FEED_REVALIDATE_SECONDS).
            moved_to = starts_at + timedelta(days=1)
            moved = second.patch(interview, json={"starts_at": moved_to.isoformat()})
            assert moved.status_code == 200
            after_b = second.get(feed)
            assert after_b.headers["etag"] != a.headers["etag"]  # at once where it was made
            deadline = time.monotonic() + 1.5
            while (after_a := first.get(feed)).headers["etag"] == a.headers["etag"]:
                assert time.monotonic() < deadline, "the other replica kept the old feed"
                time.sleep(0.1)
            assert after_a.content == after_b.content
            assert after_a.headers["etag"] == after_b.headers["etag"]
            assert (
                f"DTSTART;TZID=America/New_York:{moved_to:%Y%m%dT%H%M%S}".encode()
                in after_a.content
            )
            assert first.get(interview).json() == moved.json()
    finally:
        one.stop()
        two.stop()
