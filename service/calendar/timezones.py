"""A zone's VTIMEZONE with its DST rules as yearly RRULEs, the form Outlook, Google and Apple write
and read (ical.js and python-dateutil read only the first value of an RDATE list). The rules come
from the tzdata file `zoneinfo` reads for the zone: its listed changes, then the POSIX TZ rule at
its end (RFC 8536 §3.3) for the years after."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from itertools import groupby
from pathlib import Path
from struct import unpack_from
from typing import NamedTuple
from zoneinfo import TZPATH, ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

# The API's earliest instant. Zones start there, whatever a feed holds, because vobject takes a
# zone that has no change from 2000 to 2020 for UTC and drops it.
EARLIEST = datetime(2000, 1, 1)  # noqa: DTZ001 (wall times are naive, as DTSTART is here)
_DAY = timedelta(days=1)
_WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # POSIX numbers them from Sunday
_LENGTH = dict(enumerate((31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), start=1))  # Feb: 28+


@dataclass(frozen=True, order=True)
class Offset:
    """A zone's local time at one period: its UTC offset, DST or not, and its abbreviation."""

    utc: timedelta
    dst: bool
    name: str


@dataclass(frozen=True)
class Change:
    """A change of local time, at a UTC instant."""

    at: datetime
    before: Offset
    after: Offset

    @property
    def wall(self) -> datetime:
        """When it happens on the clock it changes (RFC 5545 DTSTART: TZOFFSETFROM's time)."""
        return (self.at + self.before.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class Yearly:
    """A POSIX `Mm.w.d/time` rule: weekday d (0 is Sunday) of week w (5: the last) of month m,
    at `time` after that day's midnight; the time may be negative or past 24 hours."""

    month: int
    week: int
    weekday: int
    time: timedelta

    def wall(self, year: int) -> datetime:
        first = date(year, self.month, 1)
        day = 1 + (self.weekday - (first.weekday() + 1)) % 7 + 7 * (self.week - 1)
        if self.week == 5 and (first + timedelta(days=day - 1)).month != self.month:
            day -= 7
        return datetime(year, self.month, day) + self.time  # noqa: DTZ001 (a wall time)

    def rrule(self) -> dict[str, object] | None:
        """The rule as an RRULE, or None where it cannot be one: a time past midnight moves it to
        another weekday, in a range of days that must stay inside the month."""
        shift, _ = divmod(self.time, _DAY)
        weekday = _WEEKDAYS[(self.weekday + shift) % 7]
        if shift == 0:
            week = -1 if self.week == 5 else self.week
            return {"freq": "yearly", "bymonth": self.month, "byday": f"{week}{weekday}"}
        # The week's days move with the time. They are counted from the month's start, as
        # ical.js misreads days counted from its end, save in February's last week.
        if self.week != 5:
            first = 7 * (self.week - 1) + 1 + shift
        elif self.month != 2:
            first = _LENGTH[self.month] - 6 + shift
        else:
            first = -7 + shift
        days = range(first, first + 7)
        from_start = days[0] >= 1 and days[-1] <= _LENGTH[self.month]
        from_end = self.week == 5 and self.month == 2 and days[0] >= -28 and days[-1] <= -1
        if not (from_start or from_end):
            return None
        return {"freq": "yearly", "bymonth": self.month, "byday": weekday, "bymonthday": list(days)}


@dataclass(frozen=True)
class Rule:
    """A POSIX TZ rule: standard time, and DST with the yearly rules that start and end it."""

    standard: Offset
    daylight: Offset | None = None
    start: Yearly | None = None
    end: Yearly | None = None

    def changes(self, year: int) -> list[Change]:
        if self.daylight is None or self.start is None or self.end is None:
            return []
        to_dst = self.start.wall(year) - self.standard.utc
        to_standard = self.end.wall(year) - self.daylight.utc
        return sorted(
            [
                Change(to_dst.replace(tzinfo=UTC), self.standard, self.daylight),
                Change(to_standard.replace(tzinfo=UTC), self.daylight, self.standard),
            ],
            key=lambda change: change.at,
        )


_NAME = r"(<[^>]+>|[A-Za-z]+)"
_TIME = r"([+-]?\d{1,3}(?::\d{2}){0,2})"
_YEARLY = rf",M(\d+)\.(\d)\.(\d)(?:/{_TIME})?"
_POSIX = re.compile(rf"{_NAME}{_TIME}(?:{_NAME}{_TIME}?{_YEARLY}{_YEARLY})?$")


def _duration(text: str) -> timedelta:
    sign = -1 if text.startswith("-") else 1
    parts = [int(part) for part in text.lstrip("+-").split(":")]
    return sign * timedelta(**dict(zip(("hours", "minutes", "seconds"), parts, strict=False)))


def parse_rule(text: str) -> Rule | None:
    """A POSIX TZ string as tzdata writes it (`EST5EDT,M3.2.0,M11.1.0`); None for forms tzdata
    does not use (Julian days) or an empty one."""
    found = _POSIX.match(text)
    if found is None:
        return None
    name, offset, dst_name, dst_offset, *rules = found.groups()
    standard = Offset(-_duration(offset), False, name.strip("<>"))
    if dst_name is None:
        return Rule(standard)
    daylight_utc = -_duration(dst_offset) if dst_offset else standard.utc + timedelta(hours=1)
    start, end = (
        Yearly(int(month), int(week), int(weekday), _duration(time or "2"))
        for month, week, weekday, time in (rules[:4], rules[4:])
    )
    return Rule(standard, Offset(daylight_utc, True, dst_name.strip("<>")), start, end)


def _tzif(key: str) -> bytes:
    """The zone's file, found as `zoneinfo` finds it: on TZPATH, else in the tzdata package."""
    ZoneInfo(key)  # refuses keys that are not zones
    for folder in TZPATH:
        path = Path(folder, key)
        if path.is_file():
            return path.read_bytes()
    return resources.files("tzdata.zoneinfo").joinpath(*key.split("/")).read_bytes()


def _read(data: bytes) -> tuple[list[Change], Offset, Rule | None]:
    """A TZif file's changes, the time before the first, and its rule for after the last. Only
    version 2 and later files are read: their 64-bit part and their rule (RFC 8536)."""
    if data[:4] != b"TZif" or data[4:5] == b"\0":
        raise ValueError("not a TZif file of version 2 or later")
    isut, isstd, leap, times, types, chars = unpack_from(">6l", data, 20)
    start = 44 + times * 5 + types * 6 + chars + leap * 8 + isstd + isut + 44  # skips version 1
    isut, isstd, leap, times, types, chars = unpack_from(">6l", data, start - 24)
    at = unpack_from(f">{times}q", data, start)
    kinds = data[start + times * 8 : start + times * 9]
    table = start + times * 9
    names = data[table + types * 6 : table + types * 6 + chars]
    offsets = []
    for n in range(types):
        utc, dst, index = unpack_from(">lBB", data, table + n * 6)
        name = names[index : names.index(b"\0", index)].decode()
        offsets.append(Offset(timedelta(seconds=utc), bool(dst), name))
    footer = data[table + types * 6 + chars + leap * 12 + isstd + isut :].strip(b"\n").decode()
    changes, before = [], offsets[0]
    for instant, kind in zip(at, kinds, strict=True):
        after = offsets[kind]
        if after != before:
            changes.append(Change(datetime.fromtimestamp(instant, UTC), before, after))
        before = after
    return changes, offsets[0], parse_rule(footer)


class _Day(NamedTuple):
    """One way to say which day of its month a yearly change falls on, as RRULE parts; the
    lowest `preference` is written when more than one holds."""

    preference: int
    part: str
    value: int | str


def _days_of(changes: list[Change]) -> set[_Day]:
    """Every way to say which day of its month each of these changes falls on (the nth or last
    weekday, or the day of the month) that holds for all of them."""
    wall = changes[0].wall
    weekday = _WEEKDAYS[(wall.weekday() + 1) % 7]
    found = {_Day(2, "bymonthday", wall.day)}
    if wall.day <= 28:
        found.add(_Day(0, "byday", f"{(wall.day - 1) // 7 + 1}{weekday}"))
    if (wall + timedelta(days=7)).month != wall.month:
        found.add(_Day(1, "byday", f"-1{weekday}"))
    for change in changes[1:]:
        found &= _days_of([change])
    return found


def _runs(changes: list[Change]) -> list[list[Change]]:
    """Changes of one kind cut into runs that one yearly RRULE describes: a change each year, on
    the same clock time, month and rule."""
    runs: list[list[Change]] = []
    for change in changes:
        if runs:
            last = runs[-1][-1]
            if (
                change.wall.year == last.wall.year + 1
                and (change.wall.month, change.wall.time()) == (last.wall.month, last.wall.time())
                and _days_of([*runs[-1], change])
            ):
                runs[-1].append(change)
                continue
        runs.append([change])
    return runs


def _observance(
    wall: datetime, before: Offset, after: Offset, rrule: dict[str, object] | None = None
) -> TimezoneStandard | TimezoneDaylight:
    component = TimezoneDaylight() if after.dst else TimezoneStandard()
    component.add("dtstart", wall)
    if rrule is not None:
        component.add("rrule", rrule)
    component.add("tzname", after.name)
    component.add("tzoffsetfrom", before.utc)
    component.add("tzoffsetto", after.utc)
    return component


def _until(change: Change) -> datetime:
    """UNTIL for a run ending with this change: its instant in UTC, as RFC 5545 wants, or its
    wall time where that reads later. dateutil (vobject) compares UNTIL with wall times, its Z
    dropped, and would lose the last change east of Greenwich."""
    return max(change.at, change.wall.replace(tzinfo=UTC))


def _explicit(changes: list[Change]) -> list[TimezoneStandard | TimezoneDaylight]:
    """Components for changes of no lasting rule: one per run, with an RRULE and UNTIL, and one
    without an RRULE for a change that happened once."""
    components = []
    kinds = sorted(changes, key=lambda c: (c.before, c.after, c.at))
    for _, same in groupby(kinds, key=lambda c: (c.before, c.after)):
        for run in _runs(list(same)):
            first = run[0]
            if len(run) == 1:
                components.append(_observance(first.wall, first.before, first.after))
                continue
            day = min(_days_of(run))
            rrule = {"freq": "yearly", "until": _until(run[-1]), "bymonth": first.wall.month}
            rrule[day.part] = day.value
            components.append(_observance(first.wall, first.before, first.after, rrule))
    return components


def _ruled(changes: list[Change], rule: Rule, end: datetime) -> int:
    """How many of the latest changes the rule in force gives: each year's, back to a year that
    had other changes (of those, the latest ones the rule also gives) or none."""
    count = 0
    for year in range(end.year - 1, EARLIEST.year - 1, -1):
        had = [c for c in changes if c.wall.year == year]
        given = [c for c in rule.changes(year) if c.at < end]
        if had and had == given:
            count += len(had)
            continue
        taken = 0
        while taken < min(len(had), len(given)) and had[-1 - taken] == given[-1 - taken]:
            taken += 1
        return count + taken
    return count


def vtimezone(key: str, last_year: int) -> Timezone:
    """The zone from the API's earliest instant to the end of `last_year`, and on by its rule:
    the time it starts with, a component for each rule it kept for a while (STANDARD for the
    change to standard time, DAYLIGHT for DST), a component for each change that stood alone,
    and the rule in force now as RRULEs without an end."""
    listed, first, rule = _read(_tzif(key))
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    changes = [c for c in listed if c.at < end]
    if rule is not None:
        last_listed = changes[-1].at if changes else EARLIEST.replace(tzinfo=UTC)
        for year in range(last_listed.year, last_year + 1):
            changes += [c for c in rule.changes(year) if last_listed < c.at < end]
    start = EARLIEST.replace(tzinfo=UTC)
    before = [c for c in changes if c.at < start]
    changes = [c for c in changes if c.at >= start]
    initial = before[-1].after if before else first
    ruled = 0 if rule is None else _ruled(changes, rule, end)
    lasting, ruled_changes = changes[: len(changes) - ruled], changes[len(changes) - ruled :]
    components = [_observance(EARLIEST, initial, initial), *_explicit(lasting)]
    if rule is not None and rule.start is not None and rule.end is not None:
        for yearly, to in ((rule.start, rule.daylight), (rule.end, rule.standard)):
            own = [c for c in ruled_changes if c.after == to]
            rrule = yearly.rrule()
            if not own:
                continue
            if rrule is None:
                components += _explicit(own)
            else:
                components.append(_observance(own[0].wall, own[0].before, own[0].after, rrule))
    zone = Timezone()
    zone.add("tzid", key)
    for component in sorted(components, key=lambda c: c.DTSTART):
        zone.add_component(component)
    return zone
