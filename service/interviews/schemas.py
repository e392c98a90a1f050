"""What the interview routes take and answer."""

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar, Self

from pydantic import (
    BaseModel,
    Field,
)

from service.domain.changes import ContactChanges, InterviewChanges
from service.domain.model import (
    Channel,
    Contact,
    ContactRole,
    Format,
    Interview,
    Process,
    Reference,
)
from service.errors import InvalidInput
from service.http.fields import (
    Boolean,
    Day,
    Email,
    Fields,
    Id,
    Instant,
    Integer,
    Label,
    Location,
    Name,
    Notes,
    Phone,
    Strict,
    TimeZone,
    Title,
    local,
    unset,
)

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


class ContactUpdate(Fields):
    name: Name = Field(default_factory=unset)
    title: Title | None = None
    role: ContactRole = Field(default_factory=unset)
    email: Email | None = None
    phone: Phone | None = None
    address: Location | None = None
    preferred_channel: Channel | None = None
    primary: Boolean = Field(default_factory=unset)

    def to_changes(self) -> ContactChanges:
        """The fields sent."""
        sent = self.given()
        changes = ContactChanges()
        if "name" in sent:
            changes["name"] = self.name
        if "title" in sent:
            changes["title"] = self.title
        if "role" in sent:
            changes["role"] = self.role
        if "email" in sent:
            changes["email"] = self.email
        if "phone" in sent:
            changes["phone"] = self.phone
        if "address" in sent:
            changes["address"] = self.address
        if "preferred_channel" in sent:
            changes["preferred_channel"] = self.preferred_channel
        if "primary" in sent:
            changes["primary"] = self.primary
        return changes


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
    """Fields shared by interview creation, update and preview."""

    if TYPE_CHECKING:  # each body declares its fields; these are for the type checker
        candidate_id: Id
        company: Name
        role: Name
        job_number: Label | None
        starts_at: Instant
        ends_at: Instant | None
        duration_minutes: Integer | None
        timezone: TimeZone | None
        format: Format
        round: Integer
        location: Location | None
        process: Process
        decision_date: Day | None
        notes: Notes | None
        contacts: list[ContactBody]
        references: list[ReferenceBody]

    def to_changes(self) -> InterviewChanges:
        """The fields given (all of them on create), as domain values. A time zone left out
        or null is left for the use case to default (a create takes the candidate's)."""
        given = self.given()
        changes = InterviewChanges()
        if "candidate_id" in given:
            changes["candidate_id"] = self.candidate_id
        if "company" in given:
            changes["company"] = self.company
        if "role" in given:
            changes["role"] = self.role
        if "job_number" in given:
            changes["job_number"] = self.job_number
        if "starts_at" in given:
            changes["starts_at"] = self.starts_at
        if "ends_at" in given:
            changes["ends_at"] = self.ends_at
        if self.timezone is not None:
            changes["timezone"] = self.timezone
        if "format" in given:
            changes["format"] = self.format
        if "round" in given:
            changes["round"] = self.round
        if "location" in given:
            changes["location"] = self.location
        if "process" in given:
            changes["process"] = self.process
        if "decision_date" in given:
            changes["decision_date"] = self.decision_date
        if "notes" in given:
            changes["notes"] = self.notes
        if "contacts" in given:
            changes["contacts"] = tuple(contact.to_domain() for contact in self.contacts)
        if "references" in given:
            changes["references"] = tuple(reference.to_domain() for reference in self.references)
        return changes

    def length(self) -> timedelta | None:
        """The length asked for in place of an end (`duration_minutes`), if any."""
        if self.duration_minutes is None:
            return None
        if self.ends_at is not None:
            raise InvalidInput("give ends_at or duration_minutes, not both")
        return timedelta(minutes=self.duration_minutes)


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


class InterviewUpdate(InterviewFields):
    candidate_id: Id = Field(default_factory=unset)
    company: Name = Field(default_factory=unset)
    role: Name = Field(default_factory=unset)
    job_number: Label | None = None
    starts_at: Instant = Field(default_factory=unset)
    ends_at: Instant = Field(default_factory=unset)
    duration_minutes: Integer | None = Field(default=None, ge=1, le=1440)
    timezone: TimeZone = Field(default_factory=unset)
    format: Format = Field(default_factory=unset)
    round: Integer = Field(default_factory=unset, ge=1, le=20)
    location: Location | None = None
    process: Process = Field(default_factory=unset)
    decision_date: Day | None = None
    notes: Notes | None = None
    contacts: list[ContactBody] = Field(default_factory=unset, max_length=MAX_CONTACTS)
    references: list[ReferenceBody] = Field(default_factory=unset, max_length=MAX_REFERENCES)


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
