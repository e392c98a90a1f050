"""Request and response bodies (`ThingCreate`, `ThingUpdate`, `Thing`) and their conversion to and
from domain objects. Validation here is strict: unknown fields, naive times and unbounded text are
refused before anything reaches the domain."""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Annotated, Any, ClassVar, Generic, Literal, Self, TypeVar
from zoneinfo import ZoneInfo

import holidays
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    model_validator,
)
from pydantic import Strict as StrictValue
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from service.domain import drafts
from service.domain.cadence import FollowUp, Kind, OutcomeType, Plan, Status, effective_status
from service.domain.model import (
    EARLIEST,
    LATEST,
    WEEKDAYS,
    BusinessHours,
    Candidate,
    Channel,
    Contact,
    ContactRole,
    Format,
    Interview,
    Policy,
    Process,
    Reference,
    known_timezones,
)
from service.errors import InvalidInput
from service.usecases import FeedTokenRecord, FollowUpRecord, InterviewView

# What text may not hold, as regular-expression ranges that read the same in JSON Schema
# (ECMA-262), Python and Rust. A name, title or company sits on one line of a calendar: no line
# break or other control character. Notes and addresses may run over lines and hold tabs.
_ONE_LINE = r"\u0000-\u001f\u007f-\u009f\u2028\u2029"
_MULTILINE = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
# JSON can carry half of a UTF-16 pair alone, which no database can store as text.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class _Text:
    """A text field of at most `max_length` characters, stripped of surrounding spaces. Length
    and characters are checked on the text as sent, so the schema says exactly what passes."""

    max_length: int
    lines: bool = False

    def check(self, value: str) -> str:
        if len(value) > self.max_length:
            raise ValueError(f"must be at most {self.max_length} characters")
        found = re.search(f"[{self.refused}]", value)
        if found:
            what = "control characters" if self.lines else "line breaks or control characters"
            raise ValueError(f"must not contain {what} (found U+{ord(found.group()):04X})")
        if _SURROGATE.search(value):
            raise ValueError("must be Unicode text (found a lone surrogate)")
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        if self.lines:
            # One line end everywhere, as the feeds write it.
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return value

    @property
    def refused(self) -> str:
        return _MULTILINE if self.lines else _ONE_LINE

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, _schema: core_schema.CoreSchema, _handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "minLength": 1,
            "maxLength": self.max_length,
            "pattern": f"^[^{self.refused}]*$",
        }


@dataclass(frozen=True)
class _Matching:
    """A string that matches `pattern` whole, as sent (nothing is stripped)."""

    pattern: str
    max_length: int
    message: str

    def check(self, value: str) -> str:
        if len(value) > self.max_length or not re.fullmatch(self.pattern, value):
            raise ValueError(self.message)
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, _schema: core_schema.CoreSchema, _handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "maxLength": self.max_length, "pattern": f"^{self.pattern}$"}


Name = Annotated[str, _Text(200)]
Title = Annotated[str, _Text(200)]
Label = Annotated[str, _Text(100)]
Location = Annotated[str, _Text(500, lines=True)]
Notes = Annotated[str, _Text(4000, lines=True)]
# Anything but whitespace and control characters around one @ and a dot in the domain. Spelled
# out, as `\s` means other characters in each regular-expression dialect.
_ADDRESS_PART = (
    r"[^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
)
Email = Annotated[
    str,
    _Matching(
        rf"{_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART}",
        254,
        "must be an email address such as jane.doe@example.com, without spaces or control "
        "characters",
    ),
]
Phone = Annotated[
    str,
    _Matching(
        r"[+(]?[0-9][0-9 ().\-/]{1,30}( *(x|ext\.?) *[0-9]{1,6})?",
        40,
        "must be a phone number such as +1 212 555 0100 (ext 12)",
    ),
]
ClockTime = Annotated[
    str,
    Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["10:00"]),
]
# Ids are integer columns: 32 bits on PostgreSQL. A larger one names nothing, so it is refused.
MAX_ID = 2**31 - 1
# Numbers and booleans in bodies are JSON numbers and booleans: true is not 1, nor "2" two.
Integer = Annotated[int, StrictValue()]
Boolean = Annotated[bool, StrictValue()]
Id = Annotated[Integer, Field(ge=1, le=MAX_ID)]


def _iana(name: str) -> str:
    if name not in known_timezones():
        raise ValueError("must be an IANA time zone such as Europe/Paris or America/New_York")
    return name


TimeZone = Annotated[str, Field(max_length=64, examples=["Europe/Paris"]), AfterValidator(_iana)]


@cache
def _countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def _country(code: str) -> str:
    code = code.upper()
    if code not in _countries():
        raise ValueError("must be an ISO 3166-1 alpha-2 country code with known public holidays")
    return code


Country = Annotated[
    str, Field(min_length=2, max_length=2, examples=["US"]), AfterValidator(_country)
]


def _string_instant(value: Any) -> Any:
    if not isinstance(value, str | datetime):
        raise ValueError(
            "must be an RFC 3339 date-time with an offset, e.g. 2026-12-01T14:00:00-05:00"
        )
    return value


def _instant_in_range(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError("must fall between the years 2000 and 2099")
    return value


Instant = Annotated[
    AwareDatetime, BeforeValidator(_string_instant), AfterValidator(_instant_in_range)
]


def _date_in_range(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError("must fall between the years 2000 and 2099")
    return value


Day = Annotated[date, AfterValidator(_date_in_range)]


def clock(value: str) -> time:
    """HH:MM as a time of day."""
    return time.fromisoformat(value)


def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def local(instant: datetime, zone_name: str) -> datetime:
    """An instant shown at its offset in the given zone."""
    return instant.astimezone(ZoneInfo(zone_name))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Fields(Strict):
    """A create body (every field counts) or an update body (only the fields sent count)."""

    complete: ClassVar[bool] = False

    def given(self) -> dict[str, Any]:
        names = type(self).model_fields if self.complete else self.model_fields_set
        return {name: getattr(self, name) for name in names}


# Problems (RFC 9457)


class FieldError(BaseModel):
    loc: str = Field(description="Where in the request, e.g. body.contacts.0.email")
    message: str


class Problem(BaseModel):
    """An error answer, served as application/problem+json."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


# Pages


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *types: type) -> tuple[Any, ...]:
    """The values packed into a cursor; InvalidInput if it was not made by encode_cursor."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError
        decoded = []
        for value, kind in zip(values, types, strict=True):
            if kind is datetime:
                value = datetime.fromisoformat(value)
                if value.tzinfo is None:
                    raise ValueError
                # An instant at either end of the calendar may have no UTC form (OverflowError).
                value = value.astimezone(UTC)
            elif not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError
            if isinstance(value, int) and not 1 <= value <= MAX_ID:
                raise ValueError
            decoded.append(value)
        return tuple(decoded)
    except (ValueError, TypeError, OverflowError, binascii.Error) as error:
        raise InvalidInput(
            "cursor is not valid; pass next_cursor from the previous page"
        ) from error


# Candidates

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class BusinessHoursBody(Strict):
    start: ClockTime = "09:00"
    end: ClockTime = "17:00"
    days: list[Weekday] = Field(
        default=["mon", "tue", "wed", "thu", "fri"], min_length=1, max_length=7
    )

    def to_domain(self) -> BusinessHours:
        return BusinessHours(
            start=clock(self.start),
            end=clock(self.end),
            days=frozenset(WEEKDAYS.index(day) for day in self.days),
        )

    @classmethod
    def of(cls, hours: BusinessHours) -> Self:
        return cls(
            start=hhmm(hours.start),
            end=hhmm(hours.end),
            days=[WEEKDAYS[day] for day in sorted(hours.days)],
        )


class PolicyBody(Strict):
    """Overrides of the cadence's numbers for one candidate; anything left out keeps its default."""

    thank_you_within_hours: Integer = Field(default=24, ge=1, le=168)
    email_within_hours: Integer = Field(default=2, ge=0, le=24)
    mail_by_hour: Integer = Field(default=18, ge=0, le=23)
    references_within_hours: Integer = Field(default=48, ge=1, le=336)
    receipt_call_after_hours: Integer = Field(default=48, ge=0, le=336)
    receipt_call_before_hours: Integer = Field(default=72, ge=1, le=336)
    first_follow_up_after_days: Integer = Field(default=7, ge=1, le=60)
    email_follow_up_window_days: Integer = Field(default=14, ge=1, le=90)
    retry_after_days: Integer = Field(default=7, ge=1, le=60)
    max_conversations: Integer = Field(default=3, ge=1, le=20)
    max_attempts: Integer = Field(default=5, ge=1, le=20)
    extended_weeks: Integer = Field(default=12, ge=1, le=52)
    materials_within_hours: Integer = Field(default=24, ge=1, le=168)

    def to_domain(self) -> Policy:
        return Policy(**self.model_dump())

    @classmethod
    def of(cls, policy: Policy) -> Self:
        return cls(**vars(policy))


class CandidateFields(Fields):
    """Fields shared by candidate creation and update."""

    def to_fields(self) -> dict[str, Any]:
        """The fields given (all of them on create), as domain values."""
        fields: dict[str, Any] = {}
        for name, value in self.given().items():
            if name == "call_time":
                value = clock(value)
            elif name in ("business_hours", "policy"):
                value = value.to_domain()
            elif name in ("thank_you_channel", "follow_up_channel"):
                value = Channel(value)
            fields[name] = value
        return fields


class CandidateCreate(CandidateFields):
    complete: ClassVar[bool] = True

    name: Name
    timezone: TimeZone
    country: Country | None = None
    call_time: ClockTime = Field(default="10:00", description="Local time for follow-up calls.")
    business_hours: BusinessHoursBody = Field(default_factory=BusinessHoursBody)
    thank_you_channel: Literal["email", "mail"] = "email"
    follow_up_channel: Literal["phone", "email"] = "phone"
    policy: PolicyBody = Field(default_factory=PolicyBody)


class CandidateUpdate(CandidateFields):
    name: Name = None  # type: ignore[assignment]
    timezone: TimeZone = None  # type: ignore[assignment]
    country: Country | None = None
    call_time: ClockTime = None  # type: ignore[assignment]
    business_hours: BusinessHoursBody = None  # type: ignore[assignment]
    thank_you_channel: Literal["email", "mail"] = None  # type: ignore[assignment]
    follow_up_channel: Literal["phone", "email"] = None  # type: ignore[assignment]
    policy: PolicyBody = Field(  # type: ignore[assignment]
        default=None,
        description="Replaces the candidate's overrides; numbers left out return to defaults.",
    )


class Feed(BaseModel):
    https: str = Field(description="The feed URL; keep it secret.")
    webcal: str = Field(description="The same feed for one-click subscription in calendar apps.")
    page: str = Field(
        description="A page to open in a browser: what the calendar holds and one-click links "
        "for Google Calendar, Outlook and Apple Calendar."
    )


class FeedCreate(Strict):
    interview_id: Id | None = Field(
        default=None, description="Scope the feed to one interview; the whole calendar if absent."
    )
    can_act: Boolean | None = Field(
        default=None,
        description="Let a one-interview feed's pages change the plan (done, voicemail, …); "
        "without it (or with null) such a feed is read-only. A candidate's whole feed always "
        "may act.",
    )


class FeedOut(BaseModel):
    """A feed as listed: its URL is shown only when it is created."""

    id: int
    interview_id: int | None
    created_at: datetime
    revoked_at: datetime | None
    active: bool
    can_act: bool = Field(description="Whether the feed's pages may change the plan.")

    @classmethod
    def of(cls, record: FeedTokenRecord) -> "FeedOut":
        return cls(
            id=record.id,
            interview_id=record.interview_id,
            created_at=record.created_at,
            revoked_at=record.revoked_at,
            active=record.revoked_at is None,
            can_act=record.interview_id is None or record.can_act,
        )


class FeedCreated(FeedOut, Feed):
    pass


class CandidateOut(BaseModel):
    id: int
    name: str
    timezone: str
    country: str | None
    call_time: str
    business_hours: BusinessHoursBody
    thank_you_channel: str
    follow_up_channel: str
    policy: PolicyBody

    @classmethod
    def of(cls, candidate: Candidate) -> Self:
        assert candidate.id is not None
        return cls(
            id=candidate.id,
            name=candidate.name,
            timezone=candidate.timezone,
            country=candidate.country,
            call_time=hhmm(candidate.call_time),
            business_hours=BusinessHoursBody.of(candidate.business_hours),
            thank_you_channel=candidate.thank_you_channel.value,
            follow_up_channel=candidate.follow_up_channel.value,
            policy=PolicyBody.of(candidate.policy),
        )


class CandidateCreated(CandidateOut):
    feed: Feed = Field(description="The candidate's calendar feed; shown only once.")


# Interviews


class ContactBody(Strict):
    name: Name
    title: Title | None = None
    role: ContactRole = ContactRole.INTERVIEWER
    email: Email | None = None
    phone: Phone | None = None
    address: Location | None = None
    preferred_channel: Channel | None = None
    primary: Boolean = False

    def to_domain(self, contact_id: int | None = None) -> Contact:
        return Contact(id=contact_id, **self.model_dump())


class ContactUpdate(Strict):
    name: Name = None  # type: ignore[assignment]
    title: Title | None = None
    role: ContactRole = None  # type: ignore[assignment]
    email: Email | None = None
    phone: Phone | None = None
    address: Location | None = None
    preferred_channel: Channel | None = None
    primary: Boolean = None  # type: ignore[assignment]


class ContactOut(BaseModel):
    id: int
    name: str
    title: str | None
    role: ContactRole
    email: str | None
    phone: str | None
    address: str | None
    preferred_channel: Channel | None
    primary: bool

    @classmethod
    def of(cls, contact: Contact) -> Self:
        return cls.model_validate(contact, from_attributes=True)


class ReferenceBody(Strict):
    name: Name
    phone: Phone | None = None
    email: Email | None = None

    def to_domain(self) -> Reference:
        return Reference(**self.model_dump())


class ReferenceOut(BaseModel):
    id: int
    name: str
    phone: str | None
    email: str | None


MAX_CONTACTS = 20
MAX_REFERENCES = 10


class InterviewFields(Fields):
    """Fields shared by interview creation and update."""

    def to_fields(self) -> dict[str, Any]:
        """The fields given (all of them on create), as domain values; None means unset."""
        fields: dict[str, Any] = {}
        for name, value in self.given().items():
            if name == "contacts":
                value = tuple(contact.to_domain() for contact in value)
            elif name == "references":
                value = tuple(reference.to_domain() for reference in value)
            fields[name] = value
        minutes = fields.pop("duration_minutes", None)
        if minutes is not None:
            if fields.get("ends_at") is not None:
                raise InvalidInput("give ends_at or duration_minutes, not both")
            fields["length"] = timedelta(minutes=minutes)
        return fields


class InterviewCreate(InterviewFields):
    complete: ClassVar[bool] = True

    candidate_id: Id
    company: Name
    role: Name
    job_number: Label | None = None
    starts_at: Instant
    ends_at: Instant | None = Field(default=None, description="Defaults to one hour after start.")
    duration_minutes: Integer | None = Field(default=None, ge=1, le=1440)
    timezone: TimeZone | None = Field(
        default=None, description="Where the interview takes place; defaults to the candidate's."
    )
    format: Format
    round: Integer = Field(default=1, ge=1, le=20)
    location: Location | None = None
    process: Process = Process.STANDARD
    decision_date: Day | None = Field(
        default=None, description="When the employer said they will decide."
    )
    notes: Notes | None = None
    contacts: list[ContactBody] = Field(default=[], max_length=MAX_CONTACTS)
    references: list[ReferenceBody] = Field(default=[], max_length=MAX_REFERENCES)

    def to_fields(self) -> dict[str, Any]:
        fields = super().to_fields()
        if fields["timezone"] is None:
            del fields["timezone"]
        return fields


class InterviewUpdate(InterviewFields):
    candidate_id: Id = None  # type: ignore[assignment]
    company: Name = None  # type: ignore[assignment]
    role: Name = None  # type: ignore[assignment]
    job_number: Label | None = None
    starts_at: Instant = None  # type: ignore[assignment]
    ends_at: Instant = None  # type: ignore[assignment]
    duration_minutes: Integer | None = Field(default=None, ge=1, le=1440)
    timezone: TimeZone = None  # type: ignore[assignment]
    format: Format = None  # type: ignore[assignment]
    round: Integer = Field(default=None, ge=1, le=20)  # type: ignore[assignment]
    location: Location | None = None
    process: Process = None  # type: ignore[assignment]
    decision_date: Day | None = None
    notes: Notes | None = None
    contacts: list[ContactBody] = Field(default=None, max_length=MAX_CONTACTS)  # type: ignore[arg-type]
    references: list[ReferenceBody] = Field(default=None, max_length=MAX_REFERENCES)  # type: ignore[arg-type]


class InterviewOut(BaseModel):
    id: int
    candidate_id: int
    previous_interview_id: int | None
    company: str
    role: str
    job_number: str | None
    starts_at: datetime
    ends_at: datetime
    timezone: str
    format: Format
    round: int
    location: str | None
    process: Process
    decision_date: date | None
    notes: str | None
    contacts: list[ContactOut]
    references: list[ReferenceOut]

    @classmethod
    def of(cls, interview: Interview) -> Self:
        assert interview.id is not None
        return cls(
            id=interview.id,
            candidate_id=interview.candidate_id,
            previous_interview_id=interview.previous_interview_id,
            company=interview.company,
            role=interview.role,
            job_number=interview.job_number,
            starts_at=local(interview.starts_at, interview.timezone),
            ends_at=local(interview.ends_at, interview.timezone),
            timezone=interview.timezone,
            format=interview.format,
            round=interview.round,
            location=interview.location,
            process=interview.process,
            decision_date=interview.decision_date,
            notes=interview.notes,
            contacts=[ContactOut.of(c) for c in interview.contacts],
            references=[
                ReferenceOut.model_validate(r, from_attributes=True) for r in interview.references
            ],
        )


# Follow-ups


class DraftOut(BaseModel):
    """An email ready to send: its event's mailto: link carries the same subject and body."""

    subject: str
    body: str


class FollowUpOut(BaseModel):
    """One step of the plan. Times are shown in the candidate's time zone."""

    id: int | None = Field(description="Null in a preview, where nothing is stored.")
    key: str = Field(description="Stable across re-plans, e.g. thank_you:12 or follow_up:2.")
    kind: Kind
    channel: Channel | None
    contact_id: int | None
    interview_id: int | None
    candidate_id: int | None
    due_at: datetime
    deadline_at: datetime
    status: Status = Field(description="As of now: a pending step past its deadline is missed.")
    late: bool = Field(description="Its ideal time had passed when it was planned.")
    why: str
    summary: str
    checklist: list[str]
    done_at: datetime | None
    snoozed_until: datetime | None
    sequence: int = Field(description="Rises each time the step changes.")
    draft: DraftOut | None = Field(
        default=None,
        description="Thank-you and follow-up emails: the email drafted from the checklist, "
        "names, role, company and interview day filled in. Left out of the list across "
        "interviews (`GET /v1/followups`); ask for the step or its interview.",
    )

    @classmethod
    def of(
        cls,
        step: FollowUp,
        zone_name: str,
        now: datetime,
        record: FollowUpRecord | None = None,
        interview: Interview | None = None,
    ) -> Self:
        def shown(instant: datetime | None) -> datetime | None:
            return local(instant, zone_name) if instant is not None else None

        return cls(
            id=record.id if record else None,
            key=step.key,
            kind=step.kind,
            channel=step.channel,
            contact_id=step.contact_id,
            interview_id=record.interview_id if record else None,
            candidate_id=record.candidate_id if record else None,
            due_at=local(step.due_at, zone_name),
            deadline_at=local(step.deadline_at, zone_name),
            status=effective_status(step, now),
            late=step.late,
            why=step.why,
            summary=step.summary,
            checklist=list(step.checklist),
            done_at=shown(step.done_at),
            snoozed_until=shown(step.snoozed_until),
            sequence=record.sequence if record else 0,
            draft=_draft(step, interview, zone_name),
        )

    @classmethod
    def stored(
        cls, record: FollowUpRecord, now: datetime, interview: Interview | None = None
    ) -> Self:
        return cls.of(record.step, record.timezone, now, record, interview)


def _draft(step: FollowUp, interview: Interview | None, zone_name: str) -> DraftOut | None:
    found = drafts.for_step(step, interview, ZoneInfo(zone_name)) if interview else None
    return DraftOut(subject=found.subject, body=found.body) if found else None


class Cadence(BaseModel):
    state: Literal["active", "concluded", "closed"] = Field(
        description="active: steps pending; concluded: the series ran its course and the process "
        "is left to play out; closed: an outcome ended it."
    )
    note: str


class InterviewDetail(InterviewOut):
    followups: list[FollowUpOut]
    cadence: Cadence

    @classmethod
    def of_view(cls, view: InterviewView, now: datetime) -> Self:
        return cls(
            **InterviewOut.of(view.interview).model_dump(),
            followups=[
                FollowUpOut.stored(record, now, view.interview) for record in view.followups
            ],
            cadence=Cadence.model_validate(
                {"state": view.cadence_state, "note": view.cadence_note}
            ),
        )


class FollowUpUpdate(Strict):
    """Either a new status, or a later time to be reminded."""

    status: Literal["done", "skipped", "pending"] | None = None
    snoozed_until: Instant | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.status is None) == (self.snoozed_until is None):
            raise ValueError("give either status or snoozed_until")
        return self


# Outcomes


class NextInterview(Fields):
    """The next round's time, and whatever differs from this round."""

    starts_at: Instant
    ends_at: Instant | None = None
    timezone: TimeZone | None = None
    format: Format | None = None
    location: Location | None = None
    contacts: list[ContactBody] | None = Field(
        default=None, max_length=MAX_CONTACTS, description="Defaults to this round's contacts."
    )

    def to_fields(self) -> dict[str, Any]:
        fields = self.given()
        if self.contacts is not None:
            fields["contacts"] = tuple(contact.to_domain() for contact in self.contacts)
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise InvalidInput("next_interview.ends_at must be after its starts_at")
        fields.setdefault("ends_at", None)
        return fields


class OutcomeCreate(Strict):
    type: OutcomeType = Field(
        description="What happened; `cancelled` means the employer called the interview off "
        "(also logged when its invitation's cancellation is imported)."
    )
    followup_id: Id | None = Field(
        default=None,
        description="The step this is about; attempt results default to the open attempt.",
    )
    at: Instant | None = Field(default=None, description="When it happened; defaults to now.")
    decision_date: Day | None = Field(default=None, description="With timeline_given.")
    next_interview: NextInterview | None = Field(default=None, description="With next_round.")
    note: Notes | None = None

    def to_fields(self) -> dict[str, Any]:
        fields = self.model_dump(exclude={"next_interview"})
        if self.next_interview is not None:
            fields["next_interview"] = self.next_interview.to_fields()
        return fields


class OutcomeOut(BaseModel):
    id: int
    interview_id: int
    type: OutcomeType
    at: datetime
    step_key: str | None
    decision_date: date | None
    note: str | None
    next_interview_id: int | None
    source: Literal["api", "calendar"] = Field(
        description="Where it was logged: through the API, or from a calendar entry's page."
    )


class OutcomeLogged(OutcomeOut):
    interview: InterviewDetail
    next_interview: InterviewDetail | None


# Preview


class PreviewCandidate(Strict):
    timezone: TimeZone
    country: Country | None = None
    call_time: ClockTime = "10:00"
    business_hours: BusinessHoursBody = Field(default_factory=BusinessHoursBody)
    thank_you_channel: Literal["email", "mail"] = "email"
    follow_up_channel: Literal["phone", "email"] = "phone"
    policy: PolicyBody = Field(default_factory=PolicyBody)

    def to_fields(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "country": self.country,
            "call_time": clock(self.call_time),
            "business_hours": self.business_hours.to_domain(),
            "thank_you_channel": Channel(self.thank_you_channel),
            "follow_up_channel": Channel(self.follow_up_channel),
            "policy": self.policy.to_domain(),
        }


class PreviewRequest(InterviewFields):
    """An interview body (without candidate_id) and the candidate's settings."""

    complete: ClassVar[bool] = True

    candidate: PreviewCandidate
    as_of: Instant | None = Field(default=None, description="Plan as of this instant; default now.")
    company: Name
    role: Name
    job_number: Label | None = None
    starts_at: Instant
    ends_at: Instant | None = None
    duration_minutes: Integer | None = Field(default=None, ge=1, le=1440)
    timezone: TimeZone | None = None
    format: Format
    round: Integer = Field(default=1, ge=1, le=20)
    location: Location | None = None
    process: Process = Process.STANDARD
    decision_date: Day | None = None
    notes: Notes | None = None
    contacts: list[ContactBody] = Field(default=[], max_length=MAX_CONTACTS)
    references: list[ReferenceBody] = Field(default=[], max_length=MAX_REFERENCES)

    def to_fields(self) -> dict[str, Any]:
        fields = super().to_fields()
        for name in ("candidate", "as_of"):
            del fields[name]
        if fields["timezone"] is None:
            del fields["timezone"]
        return fields


class PreviewOut(BaseModel):
    followups: list[FollowUpOut] = Field(
        description="contact_id numbers the request's contacts from 1, in order."
    )
    cadence: Cadence

    @classmethod
    def of(cls, result: Plan, zone_name: str, now: datetime) -> Self:
        return cls(
            followups=[FollowUpOut.of(step, zone_name, now) for step in result.followups],
            cadence=Cadence(state=result.state.value, note=result.note),
        )
