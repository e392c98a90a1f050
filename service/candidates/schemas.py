"""What the candidate routes take and answer."""

from typing import TYPE_CHECKING, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    Field,
)

from service.domain.changes import CandidateChanges
from service.domain.model import (
    WEEKDAYS,
    BusinessHours,
    Candidate,
    Channel,
    Policy,
)
from service.feeds.schemas import Feed
from service.http.fields import (
    ClockTime,
    Country,
    Fields,
    Integer,
    Name,
    Strict,
    TimeZone,
    clock,
    hhmm,
    unset,
)

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

    if TYPE_CHECKING:  # each body declares its fields; these are for the type checker
        name: Name
        timezone: TimeZone
        country: Country | None
        call_time: ClockTime
        business_hours: BusinessHoursBody
        thank_you_channel: Literal["email", "mail"]
        follow_up_channel: Literal["phone", "email"]
        policy: PolicyBody

    def to_changes(self) -> CandidateChanges:
        """The fields given (all of them on create), as domain values."""
        given = self.given()
        changes = CandidateChanges()
        if "name" in given:
            changes["name"] = self.name
        if "timezone" in given:
            changes["timezone"] = self.timezone
        if "country" in given:
            changes["country"] = self.country
        if "call_time" in given:
            changes["call_time"] = clock(self.call_time)
        if "business_hours" in given:
            changes["business_hours"] = self.business_hours.to_domain()
        if "thank_you_channel" in given:
            changes["thank_you_channel"] = Channel(self.thank_you_channel)
        if "follow_up_channel" in given:
            changes["follow_up_channel"] = Channel(self.follow_up_channel)
        if "policy" in given:
            changes["policy"] = self.policy.to_domain()
        return changes


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
    name: Name = Field(default_factory=unset)
    timezone: TimeZone = Field(default_factory=unset)
    country: Country | None = None
    call_time: ClockTime = Field(default_factory=unset)
    business_hours: BusinessHoursBody = Field(default_factory=unset)
    thank_you_channel: Literal["email", "mail"] = Field(default_factory=unset)
    follow_up_channel: Literal["phone", "email"] = Field(default_factory=unset)
    policy: PolicyBody = Field(
        default_factory=unset,
        description="Replaces the candidate's overrides; numbers left out return to defaults.",
    )


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
