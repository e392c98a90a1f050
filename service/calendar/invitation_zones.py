"""The zone an invitation's TZID names, found without trusting the sender: an IANA name, a
Windows name or a vendor-prefixed IANA name from the time-zone database; else the zone the file
itself defines (VTIMEZONE), read within bounds: yearly rules only, few changes, little time.

icalendar would build a sender's VTIMEZONE by expanding every rule it holds, without limit (a
`FREQ=SECONDLY;COUNT=999999999` rule pins a core), and keep it for the whole process; the
invitation reader keeps TZIDs as written and resolves them here instead.
"""

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import dateutil.rrule
from icalendar import Component, vRecur
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from service.domain.model import known_timezones

# In the time-zone database, but naming the host's zone or none at all, never a place.
NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})
MAX_CHANGES = 5_000  # offset changes read from one zone of the file, all its rules together
MAX_SECONDS = 1.0  # spent reading one zone of the file
MAX_OBSERVANCES = 100  # STANDARD and DAYLIGHT parts of one zone of the file
# A rule with COUNT is counted from its DTSTART; one counted from further back is refused.
MAX_COUNTED_YEARS = 150
EARLIEST_ONSET_YEAR = 1000  # before it, offsets could overflow the calendar


class ZoneError(ValueError):
    """The TZID cannot be resolved; the message says why."""


def iana_name(tzid: str) -> str | None:
    """The IANA zone a TZID names: itself, the zone of a Windows name, or the IANA name that
    ends a vendor prefix (/mozilla.org/20050126_1/Europe/Paris); None for anything else."""
    name = tzid.strip().strip('"').strip()
    zones = known_timezones() - NOT_PLACES
    if name in zones:
        return name
    windows = WINDOWS_TO_OLSON.get(name)
    if windows in zones:
        return str(windows)
    parts = [part for part in name.split("/") if part]
    for start in range(1, len(parts)):
        suffix = "/".join(parts[start:])
        if suffix in zones:
            return suffix
    return None


@dataclass(frozen=True)
class Placed:
    """A local time placed on the time line: its instant, and the IANA zone it was written in
    when the database knows it, or a zone only the file defines stands for one (else None)."""

    at: datetime
    zone: str | None


def place(local: datetime, tzid: str, defined: dict[str, Component], prop: str) -> Placed:
    """The instant that `local`, written with TZID in property `prop`, stands for."""
    name = iana_name(tzid)
    if name is not None:
        return Placed(local.replace(tzinfo=ZoneInfo(name)).astimezone(UTC), name)
    definition = defined.get(tzid.strip().strip('"').strip())
    if definition is None:
        raise ZoneError(
            f"{prop} names the time zone {tzid!r} (TZID), which the file does not define "
            "(no VTIMEZONE) and no time-zone database knows"
        )
    at = _FileZone(tzid, definition, local).utc(local)
    return Placed(at, _named_by(tzid, definition, local, at))


def _named_by(tzid: str, definition: Component, local: datetime, at: datetime) -> str | None:
    """The database zone a file's own zone stands for, when its X-LIC-LOCATION or a city in its
    name ('(UTC+01:00) Amsterdam, Berlin, …', 'Canberra, Melbourne, Sydney') is one that puts
    the local time at the same instant; None when nothing fits."""
    hints = [str(definition.get("X-LIC-LOCATION", ""))]
    hints += re.split(r"[,;/()&]|\s-\s", re.sub(r"\((?:UTC|GMT)[^)]*\)", "", tzid))
    cities = _cities()
    for hint in hints:
        key = "_".join(hint.split()).casefold()
        for name in [iana_name(hint.strip()), *sorted(cities.get(key, ()))]:
            if name and local.replace(tzinfo=ZoneInfo(name)).astimezone(UTC) == at:
                return name
    return None


@cache
def _cities() -> dict[str, frozenset[str]]:
    """Database zones by their last part, case-folded: 'sydney' → Australia/Sydney."""
    found: dict[str, set[str]] = {}
    for name in known_timezones() - NOT_PLACES:
        found.setdefault(name.rsplit("/", 1)[-1].casefold(), set()).add(name)
    return {city: frozenset(names) for city, names in found.items()}


@dataclass(frozen=True)
class _Change:
    at: datetime  # the instant, as naive UTC
    before: timedelta
    after: timedelta


class _FileZone:
    """A zone the file defines, as its offset changes up to just after one local time."""

    def __init__(self, tzid: str, definition: Component, local: datetime) -> None:
        self.tzid = tzid
        self.until = local + timedelta(days=2)
        self.deadline = time.monotonic() + MAX_SECONDS
        self.changes: list[_Change] = []
        observances = [c for c in definition.subcomponents if c.name in ("STANDARD", "DAYLIGHT")]
        if not observances:
            raise self.error("defines no STANDARD or DAYLIGHT part")
        if len(observances) > MAX_OBSERVANCES:
            raise self.error(f"has more than {MAX_OBSERVANCES} STANDARD and DAYLIGHT parts")
        for observance in observances:
            self.read(observance)
        self.changes.sort(key=lambda change: change.at)

    def error(self, what: str) -> ZoneError:
        return ZoneError(f"the time zone {self.tzid!r} that the file defines {what}")

    def unreadable(self, rule: vRecur) -> ZoneError:
        return self.error(f"has a rule that cannot be read ({rule_text(rule)[:80]})")

    def read(self, observance: Component) -> None:
        try:
            start = _naive(observance.decoded("DTSTART"))
            before = observance.decoded("TZOFFSETFROM")
            after = observance.decoded("TZOFFSETTO")
        except (KeyError, ValueError, TypeError) as error:
            raise self.error(
                f"has a {observance.name} part without a valid DTSTART, TZOFFSETFROM and TZOFFSETTO"
            ) from error
        if not isinstance(before, timedelta) or not isinstance(after, timedelta):
            raise self.error(f"has a {observance.name} part with an invalid offset")
        if start.year < EARLIEST_ONSET_YEAR:
            raise self.error(f"has a {observance.name} part starting in the year {start.year}")
        rules = _listed(observance.get("RRULE"))
        # DTSTART is the first onset; with a rule, only when the rule gives it (as dateutil
        # and icalendar read it: Outlook starts every rule on 1 January 1601).
        onsets = {*self.rdates(observance), *([] if rules else [start])}
        for rule in rules:
            if not isinstance(rule, vRecur):
                raise self.error(f"has a {observance.name} part with an invalid RRULE")
            onsets.update(self.occurrences(rule, start))
        for onset in onsets:
            if onset <= self.until:
                self.changes.append(_Change(onset - before, before, after))
        if len(self.changes) > MAX_CHANGES:
            raise self.error(f"changes its offset more than {MAX_CHANGES} times")

    def rdates(self, observance: Component) -> Iterator[datetime]:
        for listed in _listed(observance.get("RDATE")):
            for value in getattr(listed, "dts", ()):
                moment = value.dt[0] if isinstance(value.dt, tuple) else value.dt
                if isinstance(moment, datetime) and moment.year >= EARLIEST_ONSET_YEAR:
                    yield _naive(moment)

    def occurrences(self, rule: vRecur, start: datetime) -> Iterator[datetime]:
        frequency = "".join(str(part) for part in rule.get("FREQ", ["?"])).upper()
        if frequency != "YEARLY":
            raise self.error(
                f"changes its offset {frequency.lower()} (RRULE:FREQ={frequency}); "
                "a time zone's rules repeat yearly"
            )
        try:
            count = int(rule["COUNT"][0]) if "COUNT" in rule else None
            until = min(self.until, _naive(rule["UNTIL"][0])) if "UNTIL" in rule else self.until
            interval = max(int(rule.get("INTERVAL", [1])[0]), 1)
        except (ValueError, TypeError) as error:
            raise self.unreadable(rule) from error
        if count is None:
            # Years before the interview do not matter: start a few before it, on a year of
            # the rule (and of the leap cycle), so the rule expands over a few years only.
            step = 4 * interval
            skip = max(0, (until.year - 3 - start.year) // step) * step
            start = start.replace(year=start.year + skip) if skip else start
        elif until.year - start.year > MAX_COUNTED_YEARS:
            raise self.error(f"has a rule counted (COUNT) from the year {start.year}")
        bare = rule_text(rule, without=("COUNT", "UNTIL"))
        try:
            expansion = dateutil.rrule.rrulestr(bare, dtstart=start)
            assert isinstance(expansion, dateutil.rrule.rrule)
            expansion = expansion.replace(until=until)
            for number, onset in enumerate(expansion, start=1):
                if count is not None and number > count:
                    return
                if number > MAX_CHANGES:
                    raise self.error(f"changes its offset more than {MAX_CHANGES} times")
                if time.monotonic() > self.deadline:
                    raise self.error("takes too long to read")
                yield onset
        except ZoneError:
            raise
        except (ValueError, TypeError, OverflowError, AssertionError) as error:
            raise self.unreadable(rule) from error

    def offset_at(self, instant: datetime) -> timedelta:
        """The offset in force at a (naive UTC) instant; before the first change, the offset
        that change comes from."""
        offset = self.changes[0].before
        for change in self.changes:
            if change.at > instant:
                break
            offset = change.after
        return offset

    def utc(self, local: datetime) -> datetime:
        """The instant a local time stands for: the earlier of two in a repeated hour, and the
        offset before the change in a skipped one (as zoneinfo does)."""
        offsets = {change.after for change in self.changes} | {self.changes[0].before}
        fitting = [local - o for o in offsets if self.offset_at(local - o) == o]
        if fitting:
            return min(fitting).replace(tzinfo=UTC)
        return (local - self.offset_at(local - max(offsets))).replace(tzinfo=UTC)


def rule_text(rule: vRecur, without: tuple[str, ...] = ()) -> str:
    """A recurrence rule as written in a file (FREQ=YEARLY;BYMONTH=3;BYDAY=2SU)."""

    def written(value: object) -> str:
        if isinstance(value, datetime):
            return f"{value:%Y%m%dT%H%M%S}" + ("Z" if value.tzinfo else "")
        return f"{value:%Y%m%d}" if isinstance(value, date) else str(value)

    return ";".join(
        f"{name}={','.join(written(value) for value in values)}"
        for name, values in rule.items()
        if name not in without
    )


def _naive(value: object) -> datetime:
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    if not isinstance(value, datetime):
        raise TypeError("not a date-time")
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None)


def _listed(value: object) -> list[object]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
