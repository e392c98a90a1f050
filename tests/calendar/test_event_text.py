"""Stored event texts are written line by line for speed; icalendar's own serializer is the
reference. Over generated interviews, steps, stamps and every time zone, each text must equal
what an `icalendar.Event` holding the same properties gives from `to_ical()`, byte for byte."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Event

from service.calendar import events
from service.calendar.events import Stamp
from service.domain import drafts
from service.domain.cadence import plan
from service.domain.model import (
    Channel,
    Contact,
    ContactRole,
    Format,
    Interview,
    known_timezones,
)
from service.domain.steps import FollowUp, Kind, Status
from service.domain.texts import Words
from tests.domain.cadence_builders import make_candidate, make_interview

# The zones an interview may be in: the tz database's places (not its Factory placeholder).
ZONES = sorted(known_timezones())
INSTALLATION = "5f2b9c1e8d7a4b3c9e0f1a2b3c4d5e6f"

# Text that exercises escaping and folding: separators, backslashes, line ends, multi-byte
# characters and long runs.
TEXT = st.text(
    alphabet=st.sampled_from(list("ab Z09,;:\\^\"'\n\r\téø—…日本😀")), min_size=1, max_size=120
)
OPTIONAL = st.none() | TEXT

# Instants arrive at any offset: from the database in UTC, from clients at theirs.
OFFSETS = st.sampled_from(
    [
        UTC,
        timezone(timedelta(hours=-5)),
        timezone(timedelta(hours=5, minutes=45)),
        ZoneInfo("Asia/Kolkata"),
    ]
)
INSTANTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31), timezones=OFFSETS
)


def _reference(uid: str, stamp: Stamp, properties: list[tuple[str, object]], category: str) -> str:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.changed_at)
    event.add("created", stamp.created_at)
    event.add("last-modified", stamp.changed_at)
    event.add("sequence", stamp.sequence)
    for name, value in properties:
        if value is not None:
            event.add(name, value)
    event.add("categories", [category])
    text: str = event.to_ical().decode()
    return text.removesuffix(events.END)


# What each step's event says, written out plainly (the service works the shared parts out once
# per interview).


def _reference_link(
    step: FollowUp, contact: Contact | None, interview: Interview, zone: ZoneInfo
) -> str | None:
    if contact is None:
        return None
    draft = drafts.for_step(step, interview, zone)
    if draft is not None and contact.email:
        return events.mailto_draft(contact.email, draft)
    if step.channel is Channel.EMAIL and contact.email:
        return events._mailto(contact.email, f"{interview.role} interview — thank you")
    if step.channel is Channel.PHONE and contact.phone:
        return events.tel(contact.phone)
    if contact.email:
        return f"mailto:{contact.email}"
    return events.tel(contact.phone) if contact.phone else None


def _reference_description(
    step: FollowUp, interview: Interview, contact: Contact | None, words: Words
) -> str:
    parts = []
    if step.channel is Channel.PHONE and step.kind in (Kind.FOLLOW_UP, Kind.RECEIPT_CALL):
        parts.append(drafts.call_opening(interview, contact, words))
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
    if contact is not None:
        parts.append("\n".join(["Contact:", *events._contact_lines(contact)]))
    parts.append(
        f"Interview: {interview.company}, {interview.role} — {words.moment(interview.starts_at)}"
        + (f" (round {interview.round})" if interview.round > 1 else "")
    )
    return "\n\n".join(parts)


def reference_followup(step: FollowUp, interview: Interview, timezone: str, stamp: Stamp) -> str:
    assert interview.id is not None
    zone = ZoneInfo(timezone)
    contact = next((c for c in interview.contacts if c.id == step.contact_id), None)
    length = events.STEP_LENGTH.get(step.kind, events.DEFAULT_STEP_LENGTH)
    description = _reference_description(step, interview, contact, Words(interview, zone))
    cancelled = step.status in (Status.CANCELLED, Status.SKIPPED)
    return _reference(
        events.followup_uid(interview.id, step.key, INSTALLATION),
        stamp,
        [
            ("summary", events._title(step)),
            ("dtstart", step.due_at.astimezone(zone)),
            ("dtend", (step.due_at + length).astimezone(zone)),
            ("description", description),
            ("contact", events._contact_property(contact) if contact else None),
            ("url", _reference_link(step, contact, interview, zone)),
            ("transp", "TRANSPARENT"),
            ("status", "CANCELLED" if cancelled else "CONFIRMED"),
        ],
        "Interview follow-up",
    )


def reference_interview(interview: Interview, stamp: Stamp) -> str:
    assert interview.id is not None
    zone = ZoneInfo(interview.timezone)
    word = events._FORMAT_WORD.get(interview.format, "Video interview")
    round_ = f" (round {interview.round})" if interview.round > 1 else ""
    return _reference(
        events.interview_uid(interview.id, INSTALLATION),
        stamp,
        [
            ("summary", f"{word}: {interview.company} — {interview.role}{round_}"),
            ("dtstart", interview.starts_at.astimezone(zone)),
            ("dtend", interview.ends_at.astimezone(zone)),
            ("location", interview.location or None),
            ("description", events._interview_description(interview)),
            ("transp", "OPAQUE"),
            ("status", "CONFIRMED"),
        ],
        "Interview",
    )


@st.composite
def interviews(draw: st.DrawFn) -> Interview:
    zone = draw(st.sampled_from(ZONES))
    starts_at = draw(
        st.datetimes(
            min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31), timezones=OFFSETS
        )
    )
    contacts = tuple(
        Contact(
            name=draw(TEXT),
            role=draw(st.sampled_from(list(ContactRole))),
            title=draw(OPTIONAL),
            email=draw(st.none() | st.just("a.b+c@example.org")),
            phone=draw(st.none() | st.just("+1 (212) 555-0100")),
            address=draw(OPTIONAL),
            preferred_channel=draw(st.none() | st.sampled_from(list(Channel))),
            id=number,
        )
        for number in range(1, draw(st.integers(0, 3)) + 1)
    )
    return Interview(
        candidate_id=1,
        company=draw(TEXT),
        role=draw(TEXT),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=draw(st.integers(1, 600))),
        timezone=zone,
        format=draw(st.sampled_from(list(Format))),
        round=draw(st.integers(1, 4)),
        job_number=draw(OPTIONAL),
        location=draw(st.none() | st.just("") | TEXT),
        notes=draw(OPTIONAL),
        contacts=contacts,
        id=draw(st.integers(1, 2**31 - 1)),
    )


STAMPS = st.builds(Stamp, sequence=st.integers(0, 10_000), changed_at=INSTANTS, created_at=INSTANTS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    interviews(),
    st.sampled_from(ZONES),
    STAMPS,
    st.sampled_from(list(Status)),
    st.integers(-30, 60),
)
def test_followup_texts_equal_icalendars(
    interview: Interview, timezone: str, stamp: Stamp, status: Status, days: int
) -> None:
    candidate = make_candidate(timezone=timezone)
    now = interview.starts_at + timedelta(days=days)
    # One per interview, as a create uses it.
    shared = events.StepEvents(interview, timezone, INSTALLATION)
    for step in plan(interview, candidate, now=now).followups:
        step = replace(step, status=status, done_at=now if status is Status.DONE else None)
        expected = reference_followup(step, interview, timezone, stamp)
        assert events.followup_event(step, interview, timezone, stamp, INSTALLATION) == expected
        assert shared(step, stamp) == expected


@settings(max_examples=200, deadline=None)
@given(interviews(), STAMPS)
def test_interview_texts_equal_icalendars(interview: Interview, stamp: Stamp) -> None:
    assert events.interview_event(interview, stamp, INSTALLATION) == reference_interview(
        interview, stamp
    )


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7)), ZoneInfo("Asia/Tokyo")]),
    ),
    st.sampled_from(ZONES),
)
def test_days_and_times_read_as_strftime_writes_them(instant: datetime, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    local = instant.astimezone(zone)
    words = Words(make_interview(), zone)
    assert words.day(instant) == f"{local:%a} {local.day} {local:%b %Y}"
    assert words.moment(instant) == f"{local:%a} {local.day} {local:%b %Y} at {local:%H:%M}"
