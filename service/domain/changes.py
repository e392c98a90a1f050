"""What a caller may set on a candidate, an interview or a contact: the use cases' inputs, in
domain values. Every key is optional: a create gives what it has (the use case fills in the
defaults that depend on stored state, such as an interview's time zone), an update only what
changes."""

from datetime import date, datetime, time
from typing import TypedDict

from service.domain.model import (
    BusinessHours,
    Channel,
    Contact,
    ContactRole,
    Format,
    Policy,
    Process,
    Reference,
)


class CandidateChanges(TypedDict, total=False):
    name: str
    timezone: str
    country: str | None
    call_time: time
    business_hours: BusinessHours
    thank_you_channel: Channel
    follow_up_channel: Channel
    policy: Policy


class InterviewChanges(TypedDict, total=False):
    candidate_id: int
    company: str
    role: str
    job_number: str | None
    starts_at: datetime
    # None: the end follows from the length asked for, else the interview's length or an hour.
    ends_at: datetime | None
    timezone: str
    format: Format
    round: int
    location: str | None
    process: Process
    decision_date: date | None
    notes: str | None
    contacts: tuple[Contact, ...]
    references: tuple[Reference, ...]
    previous_interview_id: int | None


class ContactChanges(TypedDict, total=False):
    name: str
    role: ContactRole
    title: str | None
    email: str | None
    phone: str | None
    address: str | None
    preferred_channel: Channel | None
    primary: bool
