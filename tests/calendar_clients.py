"""Reads a feed as three calendar clients do, each from the feed's own VTIMEZONEs: Mozilla ical.js
(Thunderbird; through node, installed from npm on first use into a cache folder outside the
repository), vobject (python-dateutil) and `icalendar`. Each reader answers every event's start as
a UTC instant by UID, or None where it read no zone of the feed for it.

Every TZID is first renamed, in a copy of the feed, to a name no zone database knows, so that no
reader can take a zone's rules from anywhere but the feed. Where node, npm or the install is
missing, ical.js's readers skip with the reason, or fail when REQUIRE_CALENDAR_CLIENTS=1 (CI)."""

import fcntl
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar

ICALJS = "ical.js@2"  # the major version Thunderbird ships
CACHE = Path(
    os.environ.get(
        "CALENDAR_CLIENTS_CACHE",
        Path(tempfile.gettempdir()) / "interview-followup-calendar-clients",
    )
)
READ_ICALJS = Path(__file__).with_name("read_icaljs.mjs")
REQUIRED = os.environ.get("REQUIRE_CALENDAR_CLIENTS") == "1"

Starts = dict[str, datetime | None]  # None: not read in a zone of the feed
_renames = itertools.count(1)


def isolated(feed: bytes) -> tuple[str, str]:
    """The feed's text, unfolded, with every TZID renamed to one no database knows (and no earlier
    read in this process used), and the prefix given."""
    prefix = f"Feed{next(_renames)}/"
    text = feed.decode().replace("\r\n ", "")
    text = re.sub(r";TZID=([^:;\r\n]+)", lambda m: f";TZID={prefix}{m[1]}", text)
    return re.sub(r"^TZID:", f"TZID:{prefix}", text, flags=re.MULTILINE), prefix


def _checked(start: datetime, prefix: str, zone: str | None) -> datetime | None:
    """A start as UTC, or None where it was read as a floating time or in a zone not from the
    feed."""
    if start.tzinfo is None or (zone is not None and not zone.startswith(prefix)):
        return None
    return start.astimezone(UTC)


def read_with_icalendar(feed: bytes) -> Starts:
    text, prefix = isolated(feed)
    starts = {}
    for event in Calendar.from_ical(text).walk("VEVENT"):
        uid, start = str(event["UID"]), event.decoded("DTSTART")
        assert isinstance(start, datetime), uid
        zone = event["DTSTART"].params.get("TZID")
        starts[uid] = _checked(start, prefix, None if zone is None else str(zone))
    return starts


def read_with_vobject(feed: bytes) -> Starts:
    text, prefix = isolated(feed)
    calendar = vobject.readOne(text)
    starts = {}
    for event in calendar.vevent_list:
        uid, start = event.uid.value, event.dtstart.value
        zone = event.dtstart.params.get("TZID", [None])[0]
        starts[uid] = _checked(start, prefix, zone)
    return starts


def icaljs_missing() -> str | None:
    """Why ical.js cannot run here, or None once it is installed in the cache folder (on first
    use; one installer at a time, as other test runs on this machine share the folder). Where it
    is required, a reason fails the test instead."""
    reason = _install()
    if reason is not None and REQUIRED:
        pytest.fail(f"ical.js is required (REQUIRE_CALENDAR_CLIENTS=1): {reason}")
    return reason


def _install() -> str | None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are not installed (apt-get install nodejs npm)"
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (CACHE / "node_modules" / "ical.js" / "package.json").is_file():
            return None
        result = subprocess.run(
            ["npm", "install", "--silent", "--no-save", "--prefix", str(CACHE), ICALJS],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    if result.returncode != 0:
        return f"npm install {ICALJS} failed: {result.stderr.strip()[-500:]}"
    return None


def read_with_icaljs(feed: bytes) -> Starts:
    """As Thunderbird reads a subscribed feed: every VTIMEZONE registered with
    ICAL.TimezoneService first, then each event's start."""
    missing = icaljs_missing()
    if missing is not None:
        pytest.skip(f"ical.js is not available: {missing}")
    text, prefix = isolated(feed)
    result = subprocess.run(
        ["node", str(READ_ICALJS)],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "ICALJS_HOME": str(CACHE), "TZ": "Pacific/Kiritimati"},
    )
    assert result.returncode == 0, f"ical.js could not read the feed:\n{result.stderr}"
    starts = {}
    for uid, (seconds, zone) in json.loads(result.stdout).items():
        starts[uid] = _checked(datetime.fromtimestamp(seconds, UTC), prefix, zone)
    return starts


READERS: dict[str, Callable[[bytes], Starts]] = {
    "ical.js": read_with_icaljs,
    "vobject": read_with_vobject,
    "icalendar": read_with_icalendar,
}
