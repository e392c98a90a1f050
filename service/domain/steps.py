"""The follow-up steps of a plan and what can happen to them: kinds, statuses, outcomes."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from service.domain.model import (
    Channel,
    Contact,
)


class Kind(StrEnum):
    COLLECT_CONTACTS = "collect_contacts"
    FIND_CONTACT_DETAILS = "find_contact_details"
    THANK_YOU = "thank_you"
    THANK_RECEPTIONIST = "thank_receptionist"
    NOTIFY_REFERENCES = "notify_references"
    RECEIPT_CALL = "receipt_call"
    FOLLOW_UP = "follow_up"
    SEND_MATERIALS = "send_materials"
    STAY_IN_TOUCH = "stay_in_touch"


class Status(StrEnum):
    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    MISSED = "missed"


class OutcomeType(StrEnum):
    SPOKE = "spoke"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    REPLIED = "replied"
    TIMELINE_GIVEN = "timeline_given"
    MATERIALS_REQUESTED = "materials_requested"
    NEXT_ROUND = "next_round"
    OFFER = "offer"
    REJECTED = "rejected"
    POSITION_FILLED = "position_filled"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"  # the employer called the interview off


ATTEMPT_RESULTS = frozenset(
    {OutcomeType.SPOKE, OutcomeType.NO_ANSWER, OutcomeType.VOICEMAIL, OutcomeType.REPLIED}
)
CONVERSATIONS = frozenset({OutcomeType.SPOKE, OutcomeType.REPLIED})
CLOSING = frozenset(
    {
        OutcomeType.OFFER,
        OutcomeType.REJECTED,
        OutcomeType.POSITION_FILLED,
        OutcomeType.WITHDRAWN,
        OutcomeType.CANCELLED,
    }
)
OPEN = frozenset({Status.PENDING, Status.MISSED})


@dataclass(frozen=True)
class Outcome:
    """What happened, logged against the interview or one of its steps (by key)."""

    id: int
    type: OutcomeType
    at: datetime
    step_key: str | None = None
    decision_date: date | None = None
    note: str | None = None
    source: str = "api"  # where it was logged: "api", or "calendar" (a step's page)


@dataclass(frozen=True)
class FollowUp:
    """One thing to do. `ideal_at` is when the rules want it; `due_at` is when it is scheduled
    (later if the ideal time had passed when it was planned, or if it was snoozed)."""

    key: str
    kind: Kind
    channel: Channel | None
    contact_id: int | None
    ideal_at: datetime
    due_at: datetime
    deadline_at: datetime
    status: Status
    late: bool
    why: str
    summary: str
    checklist: tuple[str, ...] = ()
    done_at: datetime | None = None
    snoozed_until: datetime | None = None


class SeriesState(StrEnum):
    ACTIVE = "active"
    CONCLUDED = "concluded"
    CLOSED = "closed"


@dataclass(frozen=True)
class Plan:
    followups: tuple[FollowUp, ...]
    state: SeriesState
    note: str


def effective_status(step: FollowUp, now: datetime) -> Status:
    """A pending step whose deadline has passed is missed."""
    if step.status is Status.PENDING and step.deadline_at < now:
        return Status.MISSED
    return step.status


@dataclass(frozen=True)
class Draft:
    """A step as the rules want it, before lateness, snoozes and user actions are applied."""

    key: str
    kind: Kind
    channel: Channel | None
    contact: Contact | None
    ideal_at: datetime
    deadline_at: datetime
    why: str
    summary: str
    checklist: tuple[str, ...] = ()
    soonest: Callable[[datetime], datetime] = field(default=lambda now: now)


def ceil_minute(instant: datetime) -> datetime:
    floor = instant.replace(second=0, microsecond=0)
    return floor if floor == instant else floor + timedelta(minutes=1)
