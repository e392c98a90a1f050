"""The webhook API's bodies (endpoints, deliveries) and the events' payloads, which the OpenAPI
document publishes under `webhooks`."""

import datetime as dt
from datetime import datetime
from typing import Literal

from pydantic import AnyUrl, BaseModel, Field, field_validator

from service.followups.schemas import FollowUpOut
from service.http.fields import Strict
from service.webhooks.events import ALL_EVENTS as ALL_EVENTS
from service.webhooks.events import EventType

_URL = Field(
    max_length=2000,
    description="https:// on a public address (plain http and private addresses only with "
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true).",
)


def _url_text(value: str) -> str:
    AnyUrl(value)  # raises ValueError on what is not a URL at all
    return value


class EndpointCreate(Strict):
    url: str = _URL
    events: list[EventType] | None = Field(
        default=None, max_length=10, description="The event types to send; all when omitted."
    )
    description: str | None = Field(default=None, max_length=500)

    _check_url = field_validator("url")(_url_text)


class EndpointUpdate(Strict):
    url: str | None = Field(default=None, max_length=2000, description=_URL.description)
    events: list[EventType] | None = Field(default=None, max_length=10, min_length=1)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = Field(
        default=None, description="true re-enables an endpoint that was disabled."
    )

    _check_url = field_validator("url")(_url_text)


class EndpointOut(BaseModel):
    id: int
    url: str
    events: list[EventType]
    description: str | None
    enabled: bool
    disabled_reason: str | None = Field(description="Why it was disabled, if it was.")
    failing_since: datetime | None = Field(description="Deliveries have failed since then.")
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointOut):
    secret: str = Field(
        description="`whsec_…`: verify signatures with it. Shown only here and on rotation."
    )
    previous_secret_expires_at: datetime | None = Field(
        default=None, description="After a rotation the old secret signs too, until then."
    )


class AttemptOut(BaseModel):
    attempted_at: datetime
    response_status: int | None = Field(description="Null when no answer came.")
    latency_ms: int
    error: str | None
    next_attempt_at: datetime | None = Field(description="When it is tried again, if it is.")


class DeliveryOut(BaseModel):
    id: int
    event_id: str = Field(description="The event's webhook-id, the same on every attempt.")
    event_type: EventType
    state: Literal["pending", "succeeded", "failed"]
    attempts: list[AttemptOut]
    next_attempt_at: datetime | None
    created_at: datetime


class PingOut(BaseModel):
    event_id: str = Field(description="The ping's webhook-id.")


# Event payloads, as delivered: {"type", "timestamp", "data"}.


class FollowUpEventData(FollowUpOut):
    """The follow-up as the API shows it."""


class PlanChangedData(BaseModel):
    interview_id: int
    candidate_id: int
    added: list[str] = Field(description="Keys of the steps the write added.")
    moved: list[str] = Field(description="Keys of pending steps whose due time changed.")
    cancelled: list[str] = Field(description="Keys of the steps the write cancelled.")


class InterviewConcludedData(BaseModel):
    interview_id: int
    candidate_id: int
    state: Literal["concluded", "closed"] = Field(
        description="concluded: the series ran its course; closed: an outcome ended it."
    )
    note: str


class DigestData(BaseModel):
    candidate_id: int
    date: dt.date = Field(description="The candidate's local day.")
    followups: list[FollowUpOut] = Field(description="The steps due that day, soonest first.")


class PingData(BaseModel):
    endpoint_id: int


class _Event(BaseModel):
    timestamp: datetime = Field(description="When it happened.")


class FollowUpDueEvent(_Event):
    type: Literal["followup.due"]
    data: FollowUpEventData


class FollowUpMissedEvent(_Event):
    type: Literal["followup.missed"]
    data: FollowUpEventData


class PlanChangedEvent(_Event):
    type: Literal["plan.changed"]
    data: PlanChangedData


class InterviewConcludedEvent(_Event):
    type: Literal["interview.concluded"]
    data: InterviewConcludedData


class DigestDailyEvent(_Event):
    type: Literal["digest.daily"]
    data: DigestData


class PingEvent(_Event):
    type: Literal["ping"]
    data: PingData


EVENT_BODIES: dict[EventType, tuple[type[_Event], str]] = {
    EventType.FOLLOWUP_DUE: (
        FollowUpDueEvent,
        "A step's due time has come: once per step and due time, again if it is snoozed or moved.",
    ),
    EventType.FOLLOWUP_MISSED: (FollowUpMissedEvent, "A step's deadline passed while pending."),
    EventType.PLAN_CHANGED: (
        PlanChangedEvent,
        "A write added, moved or cancelled steps of an interview.",
    ),
    EventType.INTERVIEW_CONCLUDED: (
        InterviewConcludedEvent,
        "An interview's follow-up series stopped (it ran its course) or closed (an outcome).",
    ),
    EventType.DIGEST_DAILY: (
        DigestDailyEvent,
        "Per candidate with something due that local day, at 08:00 local by default.",
    ),
    EventType.PING: (PingEvent, "Sent by POST /v1/webhooks/{id}/ping."),
}
