"""What the interview routes take and answer."""

from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Self

from pydantic import (
    BaseModel,
    Field,
)

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


class ContactUpdate(Strict):
    name: Name = Field(default_factory=unset)
    title: Title | None = None
    role: ContactRole = Field(default_factory=unset)
    email: Email | None = None
    phone: Phone | None = None
    address: Location | None = None
    preferred_channel: Channel | None = None
    primary: Boolean = Field(default_factory=unset)


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
        fields.pop("duration_minutes", None)
        return fields

    def length(self) -> timedelta | None:
        """The length asked for in place of an end (`duration_minutes`), if any."""
        given = self.given()
        minutes = given.get("duration_minutes")
        if minutes is None:
            return None
        if given.get("ends_at") is not None:
            raise InvalidInput("give ends_at or duration_minutes, not both")
        return timedelta(minutes=minutes)


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
