"""Candidates, interviews, contacts and references, with the rules that bind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

DEFAULT_DURATION = timedelta(minutes=60)
MAX_DURATION = timedelta(hours=24)
# Interview times fall in these years, however they arrive (JSON or an imported invitation).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class DomainError(ValueError):
    """Input that is well-formed but breaks a rule of the domain."""


class Format(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


class Process(StrEnum):
    STANDARD = "standard"
    EXTENDED = "extended"


class ContactRole(StrEnum):
    INTERVIEWER = "interviewer"
    HIRING_MANAGER = "hiring_manager"
    HR = "hr"
    RECEPTIONIST = "receptionist"


class Channel(StrEnum):
    EMAIL = "email"
    MAIL = "mail"
    PHONE = "phone"
    FAX = "fax"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# Listed in the tz database, but a placeholder for "no zone set", not a place.
_NOT_PLACES = frozenset({"Factory"})


@cache
def known_timezones() -> frozenset[str]:
    """Every IANA zone name, as the tzdata package lists them: the same on every host (a host's
    own zone files add names such as "localtime", which means whatever that host is set to)."""
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(listed) - _NOT_PLACES


def zone(name: str) -> ZoneInfo:
    """The named IANA zone; DomainError if it does not exist."""
    if name not in known_timezones():
        raise DomainError(f"{name!r} is not an IANA time zone (for example Europe/Paris)")
    return ZoneInfo(name)


@dataclass(frozen=True)
class BusinessHours:
    """When the candidate may be expected to call or write: weekdays 0=Mon … 6=Sun, local times."""

    start: time = time(9, 0)
    end: time = time(17, 0)
    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise DomainError("business hours must start before they end")
        if not self.days or not self.days <= set(range(7)):
            raise DomainError("business days must name at least one weekday")


@dataclass(frozen=True)
class Policy:
    """The cadence's numbers, each from its source article; a candidate may override any."""

    thank_you_within_hours: int = 24  # [001][002][003]
    email_within_hours: int = 2  # "sooner if emailing" [001]
    mail_by_hour: int = 18  # mailed the same evening [003]
    references_within_hours: int = 48  # [003]
    receipt_call_after_hours: int = 48  # [003]
    receipt_call_before_hours: int = 72  # [003]
    first_follow_up_after_days: int = 7  # one full week [004]
    email_follow_up_window_days: int = 14  # one to two weeks [002]
    retry_after_days: int = 7  # a week between calls [004]
    max_conversations: int = 3  # [004]
    max_attempts: int = 5  # [004]
    extended_weeks: int = 12  # weekly until filled [003]
    materials_within_hours: int = 24  # [003][004]

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise DomainError(f"policy {name} must be a whole number of at least 0")
        if not 0 <= self.mail_by_hour <= 23:
            raise DomainError("policy mail_by_hour must be an hour from 0 to 23")
        if self.receipt_call_before_hours < self.receipt_call_after_hours:
            raise DomainError("policy receipt call window must not end before it starts")
        if self.max_attempts < 1 or self.retry_after_days < 1:
            raise DomainError("policy needs at least one attempt, at least a day apart")

    def overrides(self) -> dict[str, int]:
        """The numbers that differ from the defaults."""
        default = Policy()
        return {k: v for k, v in vars(self).items() if getattr(default, k) != v}


@dataclass(frozen=True)
class Candidate:
    """A job seeker inside an account, with the settings their follow-ups are planned by."""

    name: str
    timezone: str
    country: str | None = None
    call_time: time = time(10, 0)
    business_hours: BusinessHours = field(default_factory=BusinessHours)
    thank_you_channel: Channel = Channel.EMAIL
    follow_up_channel: Channel = Channel.PHONE
    policy: Policy = field(default_factory=Policy)
    id: int | None = None

    def __post_init__(self) -> None:
        zone(self.timezone)
        if self.thank_you_channel not in (Channel.EMAIL, Channel.MAIL):
            raise DomainError("thank_you_channel must be email or mail")
        if self.follow_up_channel not in (Channel.PHONE, Channel.EMAIL):
            raise DomainError("follow_up_channel must be phone or email")
        hours = self.business_hours
        if not hours.start <= self.call_time < hours.end:
            raise DomainError(
                f"call_time {self.call_time:%H:%M} is outside business hours "
                f"{hours.start:%H:%M}–{hours.end:%H:%M}"
            )


@dataclass(frozen=True)
class Contact:
    """Someone met at the interview and how to reach them."""

    name: str
    role: ContactRole = ContactRole.INTERVIEWER
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    preferred_channel: Channel | None = None
    primary: bool = False
    id: int | None = None

    @property
    def reachable(self) -> bool:
        """True when at least one way to reach this contact is known."""
        return bool(self.email or self.phone or self.address)


@dataclass(frozen=True)
class Reference:
    """A person the employer may call about the candidate."""

    name: str
    phone: str | None = None
    email: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class Interview:
    """One interview: when and where it was, whom it was with, and what the employer said."""

    candidate_id: int
    company: str
    role: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    format: Format
    process: Process = Process.STANDARD
    round: int = 1
    job_number: str | None = None
    location: str | None = None
    decision_date: date | None = None
    notes: str | None = None
    contacts: tuple[Contact, ...] = ()
    references: tuple[Reference, ...] = ()
    previous_interview_id: int | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise DomainError("interview times must carry a UTC offset")
        zone(self.timezone)
        if not (EARLIEST <= self.starts_at < LATEST and EARLIEST <= self.ends_at < LATEST):
            raise DomainError("interview times must fall between the years 2000 and 2099")
        if self.ends_at <= self.starts_at:
            raise DomainError("the interview must end after it starts")
        if self.ends_at - self.starts_at > MAX_DURATION:
            raise DomainError("an interview cannot last more than 24 hours")
        if sum(contact.primary for contact in self.contacts) > 1:
            raise DomainError("at most one contact can be the primary contact")

    @property
    def primary_contact(self) -> Contact | None:
        """Whom follow-up calls go to: the marked one, else the first interviewer [003]."""
        marked = [c for c in self.contacts if c.primary]
        if marked:
            return marked[0]
        for role in (ContactRole.INTERVIEWER, ContactRole.HIRING_MANAGER, ContactRole.HR):
            for contact in self.contacts:
                if contact.role == role:
                    return contact
        return None


@dataclass(frozen=True)
class InterviewFilter:
    """What a list of interviews may be narrowed to."""

    candidate_id: int | None = None
    company: str | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None
