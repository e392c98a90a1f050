"""Each follow-up and each interview as one VEVENT, rendered when it changes and stored, so that a
feed is a join of stored texts. SEQUENCE, DTSTAMP and LAST-MODIFIED come from the stored row, never
the clock: unchanged data renders to identical bytes.

A stored text stops before `END:VEVENT`, so a feed can add the alarm (or not) and close it.

Events are written line by line. Building an `icalendar.Event` and calling `to_ical()` gives the
same bytes (a property test holds them equal over generated interviews, steps and every time
zone), but took 0.4 ms an event, most of the cost of creating an interview.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from urllib.parse import quote
from zoneinfo import ZoneInfo

from icalendar import Alarm, Component, vCategory, vDDDTypes

from service.domain import drafts
from service.domain.model import Channel, Contact, Format, Interview
from service.domain.steps import OPEN, FollowUp, Kind, Status
from service.domain.texts import Words

UID_DOMAIN = "interview-followup"
END = "END:VEVENT\r\n"

# How long a step sits in the calendar; the deadline is in its description.
STEP_LENGTH = {Kind.THANK_YOU: timedelta(minutes=30), Kind.SEND_MATERIALS: timedelta(minutes=30)}
DEFAULT_STEP_LENGTH = timedelta(minutes=15)


@dataclass(frozen=True)
class Stamp:
    """What the stored row says about an event's history."""

    sequence: int
    changed_at: datetime
    created_at: datetime


def text_of(component: Component) -> str:
    """A component's iCalendar text: CRLF line ends, folded at 75 octets, escaped. The same
    text as `component.to_ical()`, folded by `fold` (a test holds them equal)."""
    return "".join(f"{fold(line)}\r\n" for line in component.content_lines() if line)


_ESCAPES = b"\\^"


def fold(line: str) -> str:
    """A content line folded exactly as icalendar 7 folds it: at most 74 octets a line, never
    inside a UTF-8 character, never just after a backslash or caret (an escape moves down with
    the character it escapes). icalendar encodes one character at a time, which was a quarter of
    the cost of creating an interview; this works on the encoded line at once."""
    if line.isascii():
        if len(line) <= 74:
            return line
        return _fold_ascii(line)
    if len(line.encode()) <= 74:
        return line
    data = line.encode()
    parts, start = [], 0
    while len(data) - start > 74:
        end = start + 74
        while data[end] & 0xC0 == 0x80:  # not inside a character
            end -= 1
        if data[end - 1] in _ESCAPES and end - 1 > start:
            end -= 1
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode()


def _fold_ascii(line: str) -> str:
    """`fold` for a line of one-octet characters, without encoding it."""
    parts, start = [], 0
    while len(line) - start > 74:
        end = start + 74
        if line[end - 1] in "\\^":
            end -= 1
        parts.append(line[start:end])
        start = end
    parts.append(line[start:])
    return "\r\n ".join(parts)


def _line(name: str, value: str) -> str:
    return f"{fold(f'{name}:{value}')}\r\n"


def escape_text(text: str) -> str:
    """TEXT escaped as RFC 5545 §3.3.11 and icalendar have it; every line end becomes \\n."""
    # Each replace runs only when its character is there: a scan costs far less than a copy.
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if ";" in text:
        text = text.replace(";", "\\;")
    if "," in text:
        text = text.replace(",", "\\,")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "\\n") if "\n" in text else text


def _text(name: str, value: str) -> str:
    return _line(name, escape_text(value))


@lru_cache(maxsize=1024)
def _zone_parameter(zone: tzinfo) -> str:
    """ ";TZID=…" as icalendar writes it for a time in this zone; "" for UTC, written with Z."""
    parameters = vDDDTypes(datetime(2000, 1, 1, tzinfo=zone)).params.to_ical().decode()
    return f";{parameters}" if parameters else ""


def _time(name: str, at: datetime) -> str:
    """A DATE-TIME property: wall-clock time with TZID, or UTC with Z (RFC 5545 §3.3.5)."""
    assert at.tzinfo is not None
    parameter = _zone_parameter(at.tzinfo)
    value = f"{at.year:04}{at.month:02}{at.day:02}T{at.hour:02}{at.minute:02}{at.second:02}"
    return _line(f"{name}{parameter}", value if parameter else f"{value}Z")


@lru_cache(maxsize=1024)
def _stamp(name: str, at: datetime) -> str:
    """A DATE-TIME in UTC, as RFC 5545 wants DTSTAMP, CREATED and LAST-MODIFIED. Keyed by the
    instant (equal instants compare equal whatever their zone): a plan's steps share theirs."""
    return _time(name, at.astimezone(UTC))


@lru_cache(maxsize=16)
def _constant(name: str, value: str) -> str:
    return _text(name, value)


@lru_cache(maxsize=16)
def _category(name: str) -> str:
    return _line("CATEGORIES", vCategory([name]).to_ical().decode())


def _event(
    uid: str,
    stamp: Stamp,
    summary: str,
    span: tuple[datetime, datetime],
    category: str,
    description: str,
    *,
    contact: str | None = None,
    location: str | None = None,
    status: str,
    transparency: str,
    url: str | None = None,
) -> str:
    """An open VEVENT, its properties in icalendar's order: the canonical ones first, then the
    rest by name. The stamps are in UTC, as RFC 5545 requires."""
    start, end = span
    return "".join(
        [
            "BEGIN:VEVENT\r\n",
            _text("SUMMARY", summary),
            _time("DTSTART", start),
            _time("DTEND", end),
            _stamp("DTSTAMP", stamp.changed_at),
            _text("UID", uid),
            _line("SEQUENCE", str(stamp.sequence)),
            _category(category),
            _text("CONTACT", contact) if contact is not None else "",
            _stamp("CREATED", stamp.created_at),
            _text("DESCRIPTION", description),
            _stamp("LAST-MODIFIED", stamp.changed_at),
            _text("LOCATION", location) if location is not None else "",
            _constant("STATUS", status),
            _constant("TRANSP", transparency),
            _line("URL", url) if url is not None else "",
        ]
    )


def _alarm(before: timedelta, text: str) -> str:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", -before)
    return text_of(alarm)


# Clients that honour alarms from a feed (Thunderbird, Apple on request) show the event's title.
FOLLOWUP_ALARM = _alarm(timedelta(minutes=15), "Follow-up due")
INTERVIEW_ALARM = _alarm(timedelta(hours=1), "Interview in one hour")


def close(text: str, alarm: str) -> str:
    """A stored event closed, with its alarm ("" for none)."""
    return f"{text}{alarm}{END}"


def followup_uid(interview_id: int, key: str, installation: str) -> str:
    """Stable for the life of the step (keys survive reschedules and re-plans), and unique
    across installations: calendar apps merge events that share a UID."""
    return f"{interview_id}-{key.replace(':', '-')}@{installation}.{UID_DOMAIN}"


def interview_uid(interview_id: int, installation: str) -> str:
    return f"interview-{interview_id}@{installation}.{UID_DOMAIN}"


def tel(phone: str) -> str:
    """A tel: link from a phone number as people write it."""
    return "tel:" + re.sub(r"[^\d+]", "", phone)


def _mailto(email: str, subject: str) -> str:
    return f"mailto:{email}?subject={quote(subject)}"


# Mail clients and browsers cut or refuse longer mailto: URLs (Outlook about 2,000 characters).
MAILTO_MOST = 2000


def mailto_draft(email: str, draft: drafts.Draft) -> str:
    """A mailto: URL with the draft's subject and body, percent-encoded, line ends as CRLF
    (RFC 6068); the body is left out if the whole would pass MAILTO_MOST characters."""
    subject = _mailto(email, draft.subject)
    url = f"{subject}&body={quote(draft.body.replace(chr(10), chr(13) + chr(10)), safe='')}"
    return url if len(url) <= MAILTO_MOST else subject


def _contact_lines(contact: Contact) -> list[str]:
    lines = [", ".join(x for x in (contact.name, contact.title) if x)]
    if contact.email:
        lines.append(f"Email: mailto:{contact.email}")
    if contact.phone:
        lines.append(f"Phone: {contact.phone} ({tel(contact.phone)})")
    if contact.address:
        lines.append(f"Address: {contact.address}")
    return lines


def _contact_property(contact: Contact) -> str:
    return ", ".join(x for x in (contact.name, contact.title, contact.email, contact.phone) if x)


def _title(step: FollowUp) -> str:
    if step.status is Status.DONE:
        return f"Done: {step.summary}"
    if step.status is Status.SKIPPED:
        return f"Skipped: {step.summary}"
    if step.status is Status.CANCELLED:
        return f"Cancelled: {step.summary}"
    return step.summary


@dataclass(frozen=True)
class _Reach:
    """How a step's event names its contact and links to them."""

    lines: str  # the description's "Contact:" part
    property: str  # the CONTACT property's value
    thank_you: str | None  # mailto: with the thank-you subject
    email: str | None  # mailto:
    phone: str | None  # tel:

    def link(self, channel: Channel | None) -> str | None:
        if channel is Channel.EMAIL and self.thank_you:
            return self.thank_you
        if channel is Channel.PHONE and self.phone:
            return self.phone
        return self.email or self.phone


class StepEvents:
    """The events of one interview's steps, on the candidate's wall clock. What all of them
    share (the zone, the contacts' lines and links, the interview's own line) is worked out
    once: a plan has a dozen steps."""

    def __init__(self, interview: Interview, timezone: str, installation: str) -> None:
        assert interview.id is not None
        self.interview = interview
        self.installation = installation
        self.zone = ZoneInfo(timezone)
        self.words = Words(interview, self.zone)
        self.about = (
            f"Interview: {interview.company}, {interview.role} — "
            f"{self.words.moment(interview.starts_at)}"
            + (f" (round {interview.round})" if interview.round > 1 else "")
        )
        subject = f"{interview.role} interview — thank you"
        self.reach: dict[int | None, _Reach] = {}
        for contact in reversed(interview.contacts):  # the first of equal ids wins, as in a search
            email = contact.email
            self.reach[contact.id] = _Reach(
                "\n".join(["Contact:", *_contact_lines(contact)]),
                _contact_property(contact),
                _mailto(email, subject) if email else None,
                f"mailto:{email}" if email else None,
                tel(contact.phone) if contact.phone else None,
            )

    def __call__(self, step: FollowUp, stamp: Stamp) -> str:
        """One step as an open VEVENT, at its due time."""
        assert self.interview.id is not None
        reach = self.reach.get(step.contact_id)
        cancelled = step.status in (Status.CANCELLED, Status.SKIPPED)
        draft = drafts.for_step(step, self.interview, self.zone)
        url = reach.link(step.channel) if reach is not None else None
        if draft is not None and reach is not None and reach.email is not None:
            url = mailto_draft(reach.email.removeprefix("mailto:"), draft)
        return _event(
            followup_uid(self.interview.id, step.key, self.installation),
            stamp,
            _title(step),
            (
                step.due_at.astimezone(self.zone),
                (step.due_at + STEP_LENGTH.get(step.kind, DEFAULT_STEP_LENGTH)).astimezone(
                    self.zone
                ),
            ),
            "Interview follow-up",
            self._description(step, reach),
            contact=reach.property if reach is not None else None,
            status="CANCELLED" if cancelled else "CONFIRMED",
            transparency="TRANSPARENT",
            url=url,
        )

    def _description(self, step: FollowUp, reach: _Reach | None) -> str:
        words = self.words
        parts = []
        if step.channel is Channel.PHONE and step.kind in (Kind.FOLLOW_UP, Kind.RECEIPT_CALL):
            # A call step opens with what to say, filled in; the why follows.
            contact = next((c for c in self.interview.contacts if c.id == step.contact_id), None)
            parts.append(drafts.call_opening(self.interview, contact, words))
        if step.status is Status.DONE and step.done_at is not None:
            parts.append(f"Done {words.moment(step.done_at)}.")
        elif step.status is Status.CANCELLED:
            parts.append("No longer needed: this step was cancelled.")
        elif step.status is Status.SKIPPED:
            parts.append("You chose to skip this step.")
        parts.append(step.why)
        parts.append(f"Do it by {words.moment(step.deadline_at)}.")
        if step.checklist:
            label = "Call script" if step.channel is Channel.PHONE else "Checklist"
            parts.append("\n".join([f"{label}:", *(f"• {item}" for item in step.checklist)]))
        if reach is not None:
            parts.append(reach.lines)
        parts.append(self.about)
        return "\n\n".join(parts)


def followup_event(
    step: FollowUp, interview: Interview, timezone: str, stamp: Stamp, installation: str
) -> str:
    """One step as an open VEVENT, at its due time on the candidate's wall clock."""
    return StepEvents(interview, timezone, installation)(step, stamp)


def alarm_for(step_status: str | None) -> str:
    """The alarm a stored event gets: an interview's (no status), or a step's while it is still
    to do; none ("") for steps done, skipped or cancelled."""
    if step_status is None:
        return INTERVIEW_ALARM
    return _STEP_ALARMS[step_status]


_STEP_ALARMS = {status.value: FOLLOWUP_ALARM if status in OPEN else "" for status in Status}


_FORMAT_WORD = {Format.IN_PERSON: "Interview", Format.PHONE: "Phone interview"}


def _interview_description(interview: Interview) -> str:
    parts = []
    if interview.contacts:
        parts.append(
            "\n".join(["Meeting:", *("\n".join(_contact_lines(c)) for c in interview.contacts)])
        )
    if interview.job_number:
        parts.append(f"Job number: {interview.job_number}")
    if interview.notes:
        parts.append(interview.notes)
    parts.append(
        "Collect a card from everyone you meet and ask when they will decide; the follow-ups "
        "are in this calendar."
    )
    return "\n\n".join(parts)


def interview_event(
    interview: Interview, stamp: Stamp, installation: str, called_off: bool = False
) -> str:
    """The interview itself as an open VEVENT, on its own time zone's wall clock; cancelled
    once the employer called it off."""
    assert interview.id is not None
    zone = ZoneInfo(interview.timezone)
    word = _FORMAT_WORD.get(interview.format, "Video interview")
    round_ = f" (round {interview.round})" if interview.round > 1 else ""
    return _event(
        interview_uid(interview.id, installation),
        stamp,
        f"{word}: {interview.company} — {interview.role}{round_}",
        (interview.starts_at.astimezone(zone), interview.ends_at.astimezone(zone)),
        "Interview",
        _interview_description(interview),
        location=interview.location or None,
        status="CANCELLED" if called_off else "CONFIRMED",
        transparency="OPAQUE",
    )
