"""What the follow-up, outcome and preview routes take and answer."""

from datetime import date, datetime
from typing import ClassVar, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    Field,
    model_validator,
)

from service.candidates.schemas import BusinessHoursBody, CandidateFields, PolicyBody
from service.domain import drafts
from service.domain.changes import InterviewChanges
from service.domain.model import (
    Channel,
    Format,
    Interview,
    Process,
)
from service.domain.steps import FollowUp, Kind, OutcomeType, Plan, Status, effective_status
from service.errors import InvalidInput
from service.followups.outcomes import NewOutcome
from service.followups.repository import FollowUpRecord
from service.http.fields import (
    ClockTime,
    Country,
    Day,
    Id,
    Instant,
    Integer,
    Label,
    Location,
    Name,
    Notes,
    Strict,
    TimeZone,
    local,
)
from service.interviews.planning import InterviewView
from service.interviews.schemas import (
    MAX_CONTACTS,
    MAX_REFERENCES,
    ContactBody,
    InterviewFields,
    InterviewOut,
    ReferenceBody,
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


class NextInterview(Strict):
    """The next round's time, and whatever differs from this round."""

    starts_at: Instant
    ends_at: Instant | None = None
    timezone: TimeZone | None = None
    format: Format | None = None
    location: Location | None = None
    contacts: list[ContactBody] | None = Field(
        default=None, max_length=MAX_CONTACTS, description="Defaults to this round's contacts."
    )

    def to_changes(self) -> InterviewChanges:
        """The next round's start, and what was given of the rest (null: as this round)."""
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise InvalidInput("next_interview.ends_at must be after its starts_at")
        changes = InterviewChanges(starts_at=self.starts_at)
        if self.ends_at is not None:
            changes["ends_at"] = self.ends_at
        if self.timezone is not None:
            changes["timezone"] = self.timezone
        if self.format is not None:
            changes["format"] = self.format
        if self.location is not None:
            changes["location"] = self.location
        if self.contacts is not None:
            changes["contacts"] = tuple(contact.to_domain() for contact in self.contacts)
        return changes


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

    def to_outcome(self) -> NewOutcome:
        return NewOutcome(
            type=self.type,
            at=self.at,
            followup_id=self.followup_id,
            decision_date=self.decision_date,
            next_interview=self.next_interview.to_changes() if self.next_interview else None,
            note=self.note,
        )


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


class PreviewCandidate(CandidateFields):  # a candidate's settings, without a name
    complete: ClassVar[bool] = True

    timezone: TimeZone
    country: Country | None = None
    call_time: ClockTime = "10:00"
    business_hours: BusinessHoursBody = Field(default_factory=BusinessHoursBody)
    thank_you_channel: Literal["email", "mail"] = "email"
    follow_up_channel: Literal["phone", "email"] = "phone"
    policy: PolicyBody = Field(default_factory=PolicyBody)


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
