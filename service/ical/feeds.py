"""A feed: a calendar header and one VTIMEZONE per zone used (both written with `icalendar` and
cached), then the stored events joined in order. Kept under Google's 1 MB import limit by dropping
the oldest events first."""

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from icalendar import Calendar, Timezone

from service.ical.events import close, text_of

PRODID = "-//Interview follow-up service//Feeds 1.0//EN"
REFRESH = timedelta(hours=1)  # a hint: Google polls every 12–24 h whatever it says
MAX_BYTES = 1_000_000
END = "END:VCALENDAR\r\n"
_TZID = re.compile(r";TZID=([^:;\r\n]+)")


@dataclass(frozen=True)
class FeedEvent:
    """A stored event, when it starts, and the alarm it gets when alarms are on."""

    text: str
    starts_at: datetime
    alarm: str


@lru_cache(maxsize=256)
def header(name: str, description: str, timezone: str) -> str:
    """The calendar's properties: its name for every client, and how often to refresh."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("description", description)
    calendar.add("x-wr-caldesc", description)
    calendar.add("x-wr-timezone", timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return text_of(calendar).removesuffix(END)


@lru_cache(maxsize=1024)
def vtimezone(tzid: str, first_year: int, last_year: int) -> str:
    """The zone's rules over whole years, enough for every event that uses it."""
    zone = Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year, 12, 31)
    )
    # icalendar notes the covered range in a COMMENT, which iTIP-strict parsers (libical) refuse.
    zone.pop("COMMENT", None)
    return text_of(zone)


def _within(events: list[FeedEvent], alarms: bool, fixed: int, limit: int) -> list[str]:
    texts = [close(e.text, e.alarm if alarms else "") for e in events]
    sizes = [len(text.encode()) for text in texts]
    total = fixed + sum(sizes)
    first = 0
    while total > limit and first < len(texts):
        total -= sizes[first]
        first += 1
    return texts[first:]


def assemble(head: str, events: Iterable[FeedEvent], alarms: bool, limit: int = MAX_BYTES) -> bytes:
    """The feed's bytes: events in start order, the oldest left out if the whole would pass
    `limit` bytes (zone definitions are budgeted generously, as they come last to be known)."""
    ordered = sorted(events, key=lambda e: (e.starts_at, e.text))
    budget = len(head) + len(END) + 16_000
    texts = _within(ordered, alarms, budget, limit)
    years: dict[str, tuple[int, int]] = {}
    for text, event in zip(texts, ordered[len(ordered) - len(texts) :], strict=True):
        year = event.starts_at.year
        for tzid in set(_TZID.findall(text)):
            low, high = years.get(tzid, (year, year))
            years[tzid] = (min(low, year - 1), max(high, year + 1))
    zones = [vtimezone(tzid, *years[tzid]) for tzid in sorted(years)]
    return "".join([head, *zones, *texts, END]).encode()


class FeedCache:
    """Built feeds by ETag, least recently used out first, within a byte budget. An ETag names
    one exact output, so an entry is never stale: changed data gets a new ETag."""

    def __init__(self, max_bytes: int = 64_000_000) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, etag: str) -> bytes | None:
        with self._lock:
            body = self._entries.get(etag)
            if body is not None:
                self._entries.move_to_end(etag)
            return body

    def put(self, etag: str, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:
            if etag in self._entries:
                return
            self._entries[etag] = body
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped)
