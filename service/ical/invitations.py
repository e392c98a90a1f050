"""A calendar invitation — the .ics that Google Calendar, Outlook, Greenhouse or Lever attach —
read into the fields of an interview: time and zone, location, organizer and attendees as contacts.

Invitations come from outside, so reading is defensive: size and nesting are bounded before
parsing, every value is checked after, and anything unusable is an `InvitationError` that says why.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Component
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from service.domain.model import Contact, ContactRole, Format, known_timezones

MAX_BYTES = 256_000
MAX_COMPONENTS = 200
MAX_CONTACTS = 20
DEFAULT_LENGTH = timedelta(hours=1)


class InvitationError(ValueError):
    """The file is not an invitation this service can read; the message says why."""


@dataclass(frozen=True)
class Person:
    name: str | None
    email: str | None


@dataclass(frozen=True)
class Invitation:
    """What an invitation says, as read from its one event."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    timezone: str | None  # an IANA name when the invitation names a zone we know
    summary: str
    location: str | None
    description: str | None
    organizer: Person | None
    attendees: tuple[Person, ...]
    conference: str | None  # a video link, from the conference properties or the text


# Reading


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise InvitationError(f"the invitation is larger than {MAX_BYTES // 1000} kB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvitationError("the invitation is not UTF-8 text") from error
    if "\x00" in text:
        raise InvitationError("the invitation contains NUL characters")
    if len(re.findall(r"^BEGIN:", text, flags=re.MULTILINE | re.IGNORECASE)) > MAX_COMPONENTS:
        raise InvitationError(f"the invitation has more than {MAX_COMPONENTS} components")
    return text


def _calendar(text: str) -> Calendar:
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise InvitationError("the body is not an iCalendar file (it must start BEGIN:VCALENDAR)")
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise InvitationError(f"the iCalendar file cannot be parsed: {error}") from error
    if not isinstance(calendar, Calendar):
        raise InvitationError("the file holds no calendar")
    return calendar


def _event(calendar: Calendar) -> Component:
    events = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e]
    if not events:
        raise InvitationError("the invitation holds no event (VEVENT)")
    if len({str(e.get("UID", "")) for e in events}) > 1:
        raise InvitationError(f"the file holds {len(events)} events; send one invitation at a time")
    event: Component = events[0]
    if str(calendar.get("METHOD", "")).upper() == "CANCEL" or (
        str(event.get("STATUS", "")).upper() == "CANCELLED"
    ):
        raise InvitationError("this is a cancellation, not an invitation")
    return event


def _instant(event: Component, name: str) -> datetime | None:
    if name not in event:
        return None
    try:
        value = event.decoded(name)
    except (ValueError, KeyError, TypeError) as error:
        raise InvitationError(f"{name} is not a valid date-time") from error
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvitationError(f"{name} has no time zone (a floating time); cannot place it")
        return value.astimezone(UTC)
    if isinstance(value, date):
        raise InvitationError(f"{name} is a whole day; an interview needs a start time")
    raise InvitationError(f"{name} is not a valid date-time")


def _zone_name(event: Component) -> str | None:
    """The IANA zone the invitation's start is written in, when it is recognisable."""
    tzid = str(event["DTSTART"].params.get("TZID", "")).strip().strip('"')
    if not tzid:
        return None
    zones = known_timezones()
    if tzid in zones:
        return tzid
    if tzid in WINDOWS_TO_OLSON:
        return str(WINDOWS_TO_OLSON[tzid])
    # Some writers prefix the IANA name: /mozilla.org/20050126_1/Europe/Paris
    parts = tzid.split("/")
    for start in range(len(parts)):
        name = "/".join(parts[start:])
        if name in zones:
            return name
    return None


def _clean(value: Any, limit: int, lines: bool = False) -> str | None:
    """Printable text within `limit` characters; line breaks kept only when `lines`."""
    if value is None:
        return None
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if not lines:
        text = " ".join(text.split())
    text = "".join(ch for ch in text if ch == "\n" or ch.isprintable())
    return text.strip()[:limit] or None


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _person(value: Any) -> tuple[Person | None, str]:
    """A person from an ORGANIZER or ATTENDEE, and their calendar user type."""
    params = getattr(value, "params", {})
    address = str(value).strip()
    email = address[7:] if address.lower().startswith("mailto:") else None
    if email is not None and (len(email) > 254 or not _EMAIL.fullmatch(email)):
        email = None
    name = _clean(params.get("CN"), 200)
    if name and _EMAIL.fullmatch(name):
        name = None
    if name is None and email is None:
        return None, ""
    return Person(name, email), str(params.get("CUTYPE", "INDIVIDUAL")).upper()


def _people(event: Component, name: str) -> list[tuple[Person | None, str]]:
    values = event.get(name, [])
    return [_person(v) for v in (values if isinstance(values, list) else [values])]


_VIDEO = re.compile(
    r"https://[^\s<>\"']*(?:zoom\.us|meet\.google\.com|teams\.microsoft\.com|teams\.live\.com|"
    r"webex\.com|whereby\.com|meet\.jit\.si|chime\.aws|gotomeeting\.com)[^\s<>\"']*",
    re.IGNORECASE,
)


def _conference(event: Component, location: str | None, description: str | None) -> str | None:
    for name in ("X-GOOGLE-CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL", "URL"):
        if name in event and _VIDEO.search(str(event[name])):
            return str(event[name])[:500]
    for text in (location, description):
        found = _VIDEO.search(text or "")
        if found:
            return found.group(0)[:500]
    return None


def read(data: bytes) -> Invitation:
    """The invitation in an .ics file; InvitationError when it cannot be one."""
    event = _event(_calendar(_text(data)))
    uid = _clean(event.get("UID"), 255)
    if uid is None:
        raise InvitationError("the event has no UID")
    starts_at = _instant(event, "DTSTART")
    if starts_at is None:
        raise InvitationError("the event has no start (DTSTART)")
    ends_at = _instant(event, "DTEND")
    if ends_at is None and "DURATION" in event:
        length = event.decoded("DURATION")
        if not isinstance(length, timedelta):
            raise InvitationError("DURATION is not a valid duration")
        ends_at = starts_at + length
    ends_at = ends_at or starts_at + DEFAULT_LENGTH
    if ends_at <= starts_at:
        raise InvitationError("the event ends before it starts")
    location = _clean(event.get("LOCATION"), 500)
    description = _clean(event.get("DESCRIPTION"), 4000, lines=True)
    organizer = _people(event, "ORGANIZER")
    return Invitation(
        uid=uid,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=_zone_name(event),
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


# Turning it into an interview

_GENERIC_DOMAINS = frozenset(
    [
        "gmail",
        "googlemail",
        "outlook",
        "hotmail",
        "live",
        "yahoo",
        "icloud",
        "me",
        "proton",
        "protonmail",
        "aol",
        "gmx",
        "greenhouse",
        "lever",
        "hire",
        "calendar",
        "google",
        "microsoft",
        "office365",
        "zoom",
        "calendly",
        "goodtime",
    ]
)
_AUTOMATED = re.compile(
    r"(no-?reply|do-?not-?reply|notifications?|calendar-notification|mailer-daemon)@|"
    r"@(resource|group)\.calendar\.google\.com$",
    re.IGNORECASE,
)
_NOISE = re.compile(
    r"\b(?:invitation|updated invitation|invite|interview|call|meeting|round \d+|"
    r"phone screen|screen|video|onsite|on-site|virtual)\b:?",
    re.IGNORECASE,
)


def _tidy(text: str) -> str:
    text = _NOISE.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip(" -–—|:,()<>@")


def company_from_domain(email: str | None) -> str | None:
    """'jane@talent.acme-corp.com' → 'Acme Corp'; None for mail and scheduling providers."""
    if not email or "@" not in email:
        return None
    labels = email.rsplit("@", 1)[1].lower().split(".")
    if len(labels) < 2:
        return None
    name = labels[-3] if len(labels) >= 3 and labels[-2] in ("co", "com", "ac") else labels[-2]
    if name in _GENERIC_DOMAINS:
        return None
    return " ".join(word.capitalize() for word in re.split(r"[-_]", name) if word)


def company_and_role(summary: str, candidate_name: str) -> tuple[str | None, str | None]:
    """Company and role from an invitation's title, for the shapes recruiting tools use:
    'Sales Manager interview at Acme', 'Interview with Acme for Sales Manager',
    'Acme - Sales Manager', 'Ada Lovelace <> Acme (Sales Manager)'."""
    text = (
        re.sub(re.escape(candidate_name), " ", summary, flags=re.IGNORECASE)
        if candidate_name
        else summary
    )
    text = re.sub(r"^\s*(?:updated invitation|invitation)\s*:\s*", "", text, flags=re.IGNORECASE)
    patterns = (
        r"interview with (?P<company>.+?) for (?:the )?(?P<role>.+?)(?: role| position)?$",
        r"(?:for |- )?(?P<role>[^@|–—]+?) (?:interview |role |position )?at (?P<company>.+)$",
        r"^(?P<company>[^()]+?)\s*\((?P<role>[^()]+)\)\s*$",
        r"^(?P<company>[^|–—:-]+?)\s*[|–—:-]\s*(?P<role>.+)$",
        r"interview with (?P<company>.+)$",
    )
    for pattern in patterns:
        found = re.search(pattern, text, flags=re.IGNORECASE)
        if found:
            company = _tidy(found.group("company"))
            role = _tidy(found.groupdict().get("role") or "")
            if company:
                return company[:200], (role[:200] or None)
    return None, (_tidy(text)[:200] or None)


def guess_format(invitation: Invitation) -> Format:
    """Video when a meeting link is in it, phone when it says so, else in person at its
    location (and video when it names no place)."""
    if invitation.conference:
        return Format.VIDEO
    words = f"{invitation.summary} {invitation.location or ''}".lower()
    if re.search(r"\b(phone|call|dial)\b", words):
        return Format.PHONE
    return Format.IN_PERSON if invitation.location else Format.VIDEO


def _name_and_title(name: str) -> tuple[str, str | None]:
    """'Müller, Katrin' → 'Katrin Müller' (directories put the family name first);
    'Samir N (Initech Recruiting)' → 'Samir N' with the bracket as title."""
    title = None
    bracket = re.search(r"\(([^()]+)\)", name)
    if bracket:
        title = bracket.group(1).strip()[:200] or None
        name = (name[: bracket.start()] + name[bracket.end() :]).strip()
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        if last and first:
            name = f"{first} {last}"
    return name, title


def _same_name(a: str, b: str) -> bool:
    return sorted(a.casefold().replace(",", " ").split()) == sorted(
        b.casefold().replace(",", " ").split()
    )


def contacts(
    invitation: Invitation, candidate_name: str, candidate_email: str | None
) -> tuple[Contact, ...]:
    """The organizer (as HR) and every other person invited (as interviewers), without the
    candidate, rooms, or automated senders."""
    found: list[Contact] = []
    seen: set[str] = set()
    people = [(invitation.organizer, ContactRole.HR)] if invitation.organizer else []
    people += [(person, ContactRole.INTERVIEWER) for person in invitation.attendees]
    for person, role in people:
        if person is None:
            continue
        email = person.email.casefold() if person.email else None
        if email and _AUTOMATED.search(email):
            continue
        if email and candidate_email and email == candidate_email.casefold():
            continue
        name, title = _name_and_title(person.name or _name_from_email(person.email or ""))
        if not name or _same_name(name, candidate_name):
            continue
        identity = email or name.casefold()
        if identity in seen:
            continue
        seen.add(identity)
        found.append(Contact(name=name, title=title, role=role, email=person.email))
    return tuple(found[:MAX_CONTACTS])


def _name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    words = [w for w in re.split(r"[._+-]+", local) if w]
    return " ".join(w.capitalize() for w in words)[:200] or email[:200]
