"""What the feed routes take and answer."""

from datetime import datetime

from pydantic import (
    BaseModel,
    Field,
)

from service.feeds.repository import FeedTokenRecord
from service.http.fields import Boolean, Id, Strict


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
