"""A feed: a calendar header and one VTIMEZONE per zone used (both written with `icalendar` and
cached), then the stored events joined in order. Kept under Google's 1 MB import limit by dropping
the oldest events first."""

import gzip
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from icalendar import Calendar, vText

from service.calendar import timezones
from service.calendar.events import END as END_EVENT
from service.calendar.events import close, escape_text, fold, text_of

PRODID = "-//Interview follow-up service//Feeds 1.0//EN"
REFRESH = timedelta(hours=1)  # a hint: Google polls every 12–24 h whatever it says
MAX_BYTES = 1_000_000
# zlib's default. A 630 kB feed: 18.3 kB in 2.9 ms; level 9, 17.4 kB in 3.6 ms; level 1, 37.9 kB.
GZIP_LEVEL = 6
END = "END:VCALENDAR\r\n"
_TZID = re.compile(r";TZID=([^:;\r\n]+)")


class FeedEvent(NamedTuple):
    """A stored event, when it starts (as the database gives it: an instant, or its UTC text),
    the alarm it gets when alarms are on, and the link to its page (`page_link`), if any."""

    text: str
    starts_at: datetime | str
    alarm: str
    link: str = ""


_DESCRIPTION = "\r\nDESCRIPTION:"


def page_link(label: str, url: str) -> str:
    """The head of an event's DESCRIPTION that links the event's page, for a feed that may act.
    Its URL holds the feed's token, so it differs by feed and is added at join time, after
    `DESCRIPTION:`: folded on its own and ending in a fold, so that the stored (already folded)
    description carries on as the next continuation line, and the stored text stays shared."""
    folded = fold(f"DESCRIPTION:{escape_text(f'{label} {url}')}\\n\\n")
    return folded[len("DESCRIPTION:") :] + "\r\n "


def _linked(event: FeedEvent) -> tuple[str, ...]:
    """The event's stored text with its page link inserted at the head of its DESCRIPTION."""
    text = event.text
    at = text.find(_DESCRIPTION)
    if not event.link or at < 0:
        return (text,)
    at += len(_DESCRIPTION)
    return (text[:at], event.link, text[at:])


# Characters a TEXT value cannot hold, even escaped (RFC 5545 §3.3.11): controls other than tab
# and line ends, which the escaping writes as \n.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str) -> vText:
    """A TEXT value; icalendar leaves NAME and the X-WR- properties unescaped unless told."""
    return vText(_UNWRITABLE.sub("", value))


@lru_cache(maxsize=256)
def header(name: str, description: str, timezone: str) -> str:
    """The calendar's properties: its name for every client, and how often to refresh."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", _text(name))
    calendar.add("x-wr-calname", _text(name))
    calendar.add("description", _text(description))
    calendar.add("x-wr-caldesc", _text(description))
    calendar.add("x-wr-timezone", timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return text_of(calendar).removesuffix(END)


@lru_cache(maxsize=1024)
def vtimezone(tzid: str, last_year: int) -> str:
    """The zone's rules as RRULEs, from 2000 to the end of `last_year` and on by the rule in
    force, enough for every event that uses it."""
    return text_of(timezones.vtimezone(tzid, last_year))


def _year(starts_at: datetime | str) -> int:
    return int(str(starts_at)[:4])


def _joined(head: str, events: list[FeedEvent], alarms: bool) -> bytes:
    """Header, one VTIMEZONE per zone the events use (covering their years), events, end: joined
    and encoded once, as this is most of a feed's cost."""
    if not events:
        return f"{head}{END}".encode()
    tzids = {tzid for event in events for tzid in _TZID.findall(event.text)}
    last_year = _year(events[-1].starts_at) + 1
    parts = [head, *(vtimezone(tzid, last_year) for tzid in sorted(tzids))]
    for event in events:
        if event.link:
            parts += _linked(event)
        else:
            parts.append(event.text)
        parts += (event.alarm if alarms else "", END_EVENT)
    parts.append(END)
    return "".join(parts).encode()


def assemble(head: str, events: Iterable[FeedEvent], alarms: bool, limit: int = MAX_BYTES) -> bytes:
    """The feed's bytes: events in start order (ties kept in the order given), the oldest left
    out if the whole would pass `limit` bytes."""
    ordered = sorted(events, key=lambda e: e.starts_at)
    whole = _joined(head, ordered, alarms)
    if len(whole) <= limit:
        return whole
    # Rarely: measure each event, and leave out the oldest until the rest fit.
    sizes = [len(close("".join(_linked(e)), e.alarm if alarms else "").encode()) for e in ordered]
    total, first = len(whole), 0
    while total > limit and first < len(ordered):
        total -= sizes[first]
        first += 1
    return _joined(head, ordered[first:], alarms)


@dataclass(frozen=True)
class Validator:
    """A feed's ETag and Last-Modified as read from the database, and when."""

    etag: str
    last_modified: datetime
    checked: float  # time.monotonic() of the read
    generation: int  # the process's count of writes before the read


def compress(body: bytes) -> bytes:
    """A feed gzip-compressed, the same bytes for the same feed (no time in the header), so
    that replicas agree."""
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


class FeedCache:
    """Built feeds by ETag, least recently used out first, within a byte budget. An ETag names
    one exact output, so an entry is never stale: changed data gets a new ETag. A feed's
    gzip-compressed bytes, made the first time a client asks for them, are kept beside its
    bytes, so a version is compressed once however many clients poll it.

    It also remembers each feed's latest validators, so that a poll can be answered from memory:
    for `fresh_for` seconds, and only while this process has written nothing since. A write
    through another replica shows within `fresh_for` seconds."""

    def __init__(
        self, max_bytes: int = 64_000_000, fresh_for: float = 1.0, max_feeds: int = 100_000
    ) -> None:
        self.max_bytes = max_bytes
        self.fresh_for = fresh_for
        self.max_feeds = max_feeds
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._gzipped: dict[str, bytes] = {}
        self._bytes = 0
        self._validators: OrderedDict[Hashable, Validator] = OrderedDict()
        self._lock = threading.Lock()

    def validator(self, feed: Hashable, generation: int) -> Validator | None:
        """The feed's validators if still fresh and nothing was written here since."""
        found = self._validators.get(feed)
        if (
            found is None
            or found.generation != generation
            or time.monotonic() - found.checked > self.fresh_for
        ):
            return None
        return found

    def remember(self, feed: Hashable, validator: Validator) -> None:
        if self.fresh_for <= 0:
            return
        with self._lock:
            self._validators[feed] = validator
            self._validators.move_to_end(feed)
            while len(self._validators) > self.max_feeds:
                self._validators.popitem(last=False)

    def get(self, etag: str) -> bytes | None:
        with self._lock:
            body = self._entries.get(etag)
            if body is not None:
                self._entries.move_to_end(etag)
            return body

    def get_gzipped(self, etag: str) -> bytes | None:
        """The feed's compressed bytes, if they have been made."""
        with self._lock:
            return self._gzipped.get(etag)

    def gzipped(self, etag: str, body: bytes) -> bytes:
        """The feed's bytes compressed: made once and kept with them while they are kept."""
        found = self.get_gzipped(etag)
        if found is not None:
            return found
        made = compress(body)
        with self._lock:
            if etag in self._entries and etag not in self._gzipped:
                self._gzipped[etag] = made
                self._bytes += len(made)
                self._trim()
        return made

    def put(self, etag: str, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:
            if etag in self._entries:
                return
            self._entries[etag] = body
            self._bytes += len(body)
            self._trim()

    def _trim(self) -> None:
        while self._bytes > self.max_bytes:
            etag, dropped = self._entries.popitem(last=False)
            self._bytes -= len(dropped) + len(self._gzipped.pop(etag, b""))
