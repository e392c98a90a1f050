"""A calendar invitation — the .ics that Google Calendar, Outlook, iCloud, Greenhouse or Lever
attach — read into what it says: one event's time and zone, location or meeting link, organizer and
attendees; or a cancellation of an invitation sent before.

Invitations come from outside, so reading is bounded: size, components and nesting are checked
before parsing, no rule the sender wrote is expanded without a cap (see invitation_zones), every
value is checked after, and anything unusable is an `InvitationError` that says why.
"""

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from icalendar import Calendar, Component, vCalAddress, vRecur
from icalendar.parser.content_line import Contentline
from icalendar.parser.ical.calendar import CalendarIcalParser

from service.calendar.invitation_zones import ZoneError, place, rule_text
from service.domain.model import EARLIEST, LATEST, MAX_DURATION

MAX_BYTES = 256_000
MAX_COMPONENTS = 200
MAX_DEPTH = 8
MAX_LINES = 10_000  # content lines, unfolded; a real invitation has a few hundred
DEFAULT_LENGTH = timedelta(hours=1)
YEARS = f"between the years {EARLIEST.year} and {LATEST.year - 1}"


class InvitationError(ValueError):
    """The file is not an invitation this service can read; the message says why."""


@dataclass(frozen=True)
class Person:
    name: str | None
    email: str | None
    chair: bool = False  # ROLE=CHAIR: the organizer, listed again as an attendee


@dataclass(frozen=True)
class Invitation:
    """What an invitation says, as read from its one event."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    timezone: str | None  # an IANA name when the invitation names a zone the database knows
    summary: str
    location: str | None
    description: str | None
    organizer: Person | None
    attendees: tuple[Person, ...]
    conference: str | None  # a video link, from the conference properties or the text


@dataclass(frozen=True)
class Cancellation:
    """The organizer called off the event of an invitation sent before (METHOD:CANCEL)."""

    uid: str


# The file, bounded


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise InvitationError(f"the invitation is larger than {MAX_BYTES // 1000} kB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvitationError("the invitation is not UTF-8 text") from error
    if "\x00" in text:
        raise InvitationError("the invitation contains NUL characters")
    if len(re.findall(r"^[^ \t\r\n]", text, flags=re.MULTILINE)) > MAX_LINES:
        raise InvitationError(f"the invitation has more than {MAX_LINES} lines")
    marks = re.findall(r"^(BEGIN|END):", text, flags=re.MULTILINE | re.IGNORECASE)
    if sum(mark.upper() == "BEGIN" for mark in marks) > MAX_COMPONENTS:
        raise InvitationError(f"the invitation has more than {MAX_COMPONENTS} components")
    depth = 0
    for mark in marks:
        depth += 1 if mark.upper() == "BEGIN" else -1
        if depth > MAX_DEPTH:
            raise InvitationError(f"the invitation nests components more than {MAX_DEPTH} deep")
    return text


class _Parser(CalendarIcalParser):
    """icalendar's parser for a file from outside. It keeps each TZID as written, to be resolved
    within bounds (invitation_zones): icalendar would build every VTIMEZONE it meets by expanding
    the sender's rules without limit, and keep it for the whole process. It also keeps the
    people of ORGANIZER and ATTENDEE lines whose parameters are not quite valid (escaped or
    nested quotes in a name), which icalendar would drop."""

    def parse_content_lines(self) -> None:
        for line in self._content_lines_iterator:
            if not line:
                continue
            try:
                name, params, vals = line.parts()
            except ValueError as error:
                self._lenient_person(line, error)
                continue
            uname = name.upper()
            if uname == "BEGIN":
                self.handle_begin_component(vals)
            elif uname == "END":
                self.handle_end_component(vals)
            else:
                self.handle_property(uname, params, vals, line)

    def handle_end_component(self, vals: str) -> None:
        if not self._stack:
            raise ValueError("END encountered without an accompanying BEGIN")
        component = self._stack.pop()
        if self._stack:
            self._stack[-1].add_component(component)
        else:
            self._components.append(component)

    def parse_and_add_property(
        self, name: str, params: Any, val: str, tzid: str | None, line: Contentline
    ) -> None:
        super().parse_and_add_property(name, params, val, None, line)

    def prepare_components(self) -> None:
        """Nothing to do: zones are resolved after parsing, whatever their order in the file."""

    def _lenient_person(self, line: Contentline, error: ValueError) -> None:
        person = _lenient_person(str(line))
        if person is None or self.component is None:
            self.handle_line_parse_error(error)
            return
        self.component.add(person[0], person[1], encode=False)


_CN = re.compile(r'(?i);CN=\\?"?([^";:\\]*)')
_MAILTO = re.compile(r'(?i):(mailto:[^\s";:]+)\s*$')


def _lenient_person(line: str) -> tuple[str, vCalAddress] | None:
    """The person of an ORGANIZER or ATTENDEE line whose parameters do not parse: its address
    at the end and its CN, read without backtracking (lines are short; longer ones are not
    people)."""
    name = re.split(r"[;:]", line, maxsplit=1)[0].upper()
    if name not in ("ORGANIZER", "ATTENDEE") or len(line) > 2000:
        return None
    address = _MAILTO.search(line)
    if address is None:
        return None
    person = vCalAddress(address.group(1))
    cn = _CN.search(line, 0, address.start())
    if cn and cn.group(1).strip(" ,"):
        person.params["CN"] = cn.group(1).strip(" ,")
    return name, person


def _calendar(text: str) -> Calendar:
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise InvitationError("the body is not an iCalendar file (it must start BEGIN:VCALENDAR)")
    try:
        parsed = _Parser(text, Calendar._get_component_factory(), Calendar.types_factory).parse()
    except (ValueError, KeyError, IndexError, TypeError, OverflowError) as error:
        raise InvitationError(f"the iCalendar file cannot be parsed: {error}") from error
    if not parsed:
        raise InvitationError("the iCalendar file cannot be parsed: no VCALENDAR in it ends")
    if len(parsed) > 1 or not isinstance(parsed[0], Calendar):
        raise InvitationError("the file must hold one calendar (one VCALENDAR)")
    return parsed[0]


# What kind of message it is


_NOT_INVITATIONS = {
    "REPLY": "an attendee's reply to an invitation (METHOD:REPLY), not the invitation: "
    "import the invitation you received",
    "COUNTER": "an attendee's proposal of another time (METHOD:COUNTER), not an invitation",
    "DECLINECOUNTER": "the organizer's refusal of a proposed time (METHOD:DECLINECOUNTER), "
    "not an invitation",
    "REFRESH": "a request for the latest version of an invitation (METHOD:REFRESH), "
    "not an invitation",
}


def _method(calendar: Calendar) -> str:
    method = str(calendar.get("METHOD", "")).strip().upper()
    if method in _NOT_INVITATIONS:
        raise InvitationError(f"this is {_NOT_INVITATIONS[method]}")
    if method not in ("", "REQUEST", "PUBLISH", "CANCEL"):
        raise InvitationError(
            f"METHOD:{method[:20]} is not an invitation; REQUEST, PUBLISH or CANCEL can be imported"
        )
    return method


def _event(calendar: Calendar) -> Component:
    events = calendar.walk("VEVENT")
    if not events:
        raise InvitationError("the invitation holds no event (VEVENT)")
    if len({str(e.get("UID", "")) for e in events}) > 1:
        raise InvitationError(f"the file holds {len(events)} events; send one invitation at a time")
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    if not masters:
        raise InvitationError(
            "this is one changed occurrence (RECURRENCE-ID) of a repeating event; an interview "
            "happens once: send an invitation for that one time"
        )
    event: Component = masters[0]
    return event


def _once(event: Component) -> None:
    """An interview happens once: a repeating event is refused rather than guessed at."""
    if "RRULE" in event:
        rule = event["RRULE"]
        rule = rule[0] if isinstance(rule, list) else rule
        written = rule_text(rule) if isinstance(rule, vRecur) else "?"
        raise InvitationError(
            f"the event repeats (RRULE:{written[:80]}); an interview happens "
            "once: send an invitation for the one time, or create the interview with "
            "POST /v1/interviews"
        )
    if "RDATE" in event:
        raise InvitationError(
            "the event repeats (RDATE); an interview happens once: send an invitation for the "
            "one time, or create the interview with POST /v1/interviews"
        )


# Times


def _in_years(value: datetime, name: str) -> None:
    """The rule of the whole API: interview times fall in 2000–2099. Checked on the time as
    written too, before any arithmetic, which would overflow at the ends of the calendar."""
    bare = value.replace(tzinfo=UTC)
    if not EARLIEST - timedelta(days=1) <= bare < LATEST + timedelta(days=1):
        raise InvitationError(f"{name} {value.date().isoformat()} must fall {YEARS}")


def _instant(event: Component, name: str, zones: dict[str, Component]) -> tuple[datetime, Any]:
    """The property's instant (UTC) and the IANA zone it was written in, if any."""
    try:
        value = event.decoded(name)
    except (ValueError, KeyError, TypeError, OverflowError) as error:
        raise InvitationError(f"{name} is not a valid date-time") from error
    if isinstance(value, datetime):
        _in_years(value, name)
        tzid = str(event[name].params.get("TZID", "")).strip()
        if value.tzinfo is not None and value.utcoffset() is not None:
            at, zone = value.astimezone(UTC), None
        elif tzid:
            try:
                placed = place(value, tzid, zones, name)
            except ZoneError as error:
                raise InvitationError(str(error)) from error
            at, zone = placed.at, placed.zone
        else:
            raise InvitationError(f"{name} has no time zone (a floating time); cannot place it")
        if not EARLIEST <= at < LATEST:
            raise InvitationError(f"{name} {at.date().isoformat()} must fall {YEARS}")
        return at, zone
    if isinstance(value, date):
        raise InvitationError(f"{name} is a whole day; an interview needs a start time")
    raise InvitationError(f"{name} is not a valid date-time")


def _end(event: Component, starts_at: datetime, zones: dict[str, Component]) -> datetime:
    if "DTEND" in event:
        return _instant(event, "DTEND", zones)[0]
    if "DURATION" not in event:
        return starts_at + DEFAULT_LENGTH
    try:
        length = event.decoded("DURATION")
    except (ValueError, KeyError, TypeError, OverflowError) as error:
        raise InvitationError("DURATION is not a valid duration") from error
    if not isinstance(length, timedelta):
        raise InvitationError("DURATION is not a valid duration")
    if length > MAX_DURATION:
        hours = MAX_DURATION // timedelta(hours=1)
        raise InvitationError(f"DURATION is longer than {hours} hours, the most an interview lasts")
    return starts_at + length


# Text, people and links


def _clean(value: Any, limit: int, lines: bool = False) -> str | None:
    """Printable text within `limit` characters; line breaks kept only when `lines`."""
    if value is None:
        return None
    if isinstance(value, list):  # a parameter split at commas: CN=Doe, Jane
        value = ",".join(str(part) for part in value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if not lines:
        text = " ".join(text.split())
    text = "".join(ch for ch in text if ch == "\n" or ch.isprintable())
    return text.strip()[:limit] or None


_EMAIL = re.compile(r"[^@\s\"<>]+@[^@\s\"<>]+\.[^@\s\"<>]+")


def _address(value: Any) -> str | None:
    text = str(value or "").strip().strip('"').strip()
    if text.lower().startswith("mailto:"):
        text = text[7:].strip('"')
    return text if len(text) <= 254 and _EMAIL.fullmatch(text) else None


def _person(value: Any) -> tuple[Person | None, str]:
    """A person from an ORGANIZER or ATTENDEE, and their calendar user type. The EMAIL
    parameter (RFC 7986) wins over the address: iCloud sends from a relay (…@imip.me.com)."""
    params = getattr(value, "params", {})
    email = _address(params.get("EMAIL")) or _address(value)
    name = _clean(params.get("CN"), 200)
    if name:
        name = name.strip('"').strip() or None
    if name and _EMAIL.fullmatch(name):
        name = None
    if name is None and email is None:
        return None, ""
    chair = str(params.get("ROLE", "")).upper() == "CHAIR"
    return Person(name, email, chair), str(params.get("CUTYPE", "INDIVIDUAL")).upper()


def _people(event: Component, name: str) -> list[tuple[Person | None, str]]:
    values = event.get(name, [])
    return [_person(v) for v in (values if isinstance(values, list) else [values])]


# Links that stand for another: Google's redirector, Outlook's Safe Links.
_WRAPPED = re.compile(
    r"https?://(?:www\.google\.com/url|[a-z0-9]+\.safelinks\.protection\.outlook\.com/)"
    r"\?[^\s<>\"']+",
    re.IGNORECASE,
)


def _unwrap(text: str | None) -> str | None:
    """Text with every wrapped link replaced by the link it stands for."""

    def real(found: re.Match[str]) -> str:
        query = parse_qs(urlsplit(html.unescape(found.group(0))).query)
        target = (query.get("q") or query.get("url") or [""])[0]
        return target if target.startswith(("https://", "http://")) else found.group(0)

    return _WRAPPED.sub(real, text) if text else text


_VIDEO = re.compile(
    r"https://[^\s<>\"'/]*(?:zoom\.us|meet\.google\.com|teams\.microsoft\.com|teams\.live\.com|"
    r"webex\.com|whereby\.com|meet\.jit\.si|chime\.aws|gotomeeting\.com)(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)


def _conference(event: Component, location: str | None, description: str | None) -> str | None:
    for name in ("X-GOOGLE-CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL", "CONFERENCE", "URL"):
        found = _VIDEO.search(_unwrap(str(event.get(name, ""))) or "")
        if found:
            return found.group(0)[:500]
    for text in (location, description):
        found = _VIDEO.search(text or "")
        if found:
            return found.group(0)[:500]
    return None


def read(data: bytes) -> Invitation | Cancellation:
    """The invitation in an .ics file, or the cancellation of one; InvitationError when the file
    is neither."""
    calendar = _calendar(_text(data))
    method = _method(calendar)
    event = _event(calendar)
    uid = _clean(event.get("UID"), 255)
    if uid is None:
        raise InvitationError("the event has no UID")
    if method == "CANCEL" or str(event.get("STATUS", "")).upper() == "CANCELLED":
        return Cancellation(uid)
    _once(event)
    zones = {str(tz.get("TZID", "")).strip(): tz for tz in calendar.walk("VTIMEZONE")}
    if "DTSTART" not in event:
        raise InvitationError("the event has no start (DTSTART)")
    starts_at, zone = _instant(event, "DTSTART", zones)
    ends_at = _end(event, starts_at, zones)
    if ends_at <= starts_at:
        raise InvitationError("the event ends before it starts")
    location = _unwrap(_clean(event.get("LOCATION"), 500))
    description = _unwrap(_clean(event.get("DESCRIPTION"), 4000, lines=True))
    organizer = _people(event, "ORGANIZER")
    return Invitation(
        uid=uid,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone,
        summary=_clean(event.get("SUMMARY"), 300) or "",
        location=location,
        description=description,
        organizer=organizer[0][0] if organizer else None,
        attendees=tuple(
            person
            for person, kind in _people(event, "ATTENDEE")
            if person is not None and kind in ("INDIVIDUAL", "UNKNOWN", "")
        ),
        conference=_conference(event, location, description),
    )
