"""Table rows. Named `…Row` so they are never mistaken for the domain objects they store."""

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db.base import Base, UtcDateTime


class InstallationRow(Base):
    """This installation's one row: an id made once, by the migration that adds the table, and
    written into every calendar UID so that no two installations hand out the same UIDs."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AccountRow(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CandidateRow(Base):
    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(8))
    call_time: Mapped[time] = mapped_column(Time())
    business_start: Mapped[time] = mapped_column(Time())
    business_end: Mapped[time] = mapped_column(Time())
    business_days: Mapped[str] = mapped_column(String(7))
    thank_you_channel: Mapped[str] = mapped_column(String(16))
    follow_up_channel: Mapped[str] = mapped_column(String(16))
    policy: Mapped[dict[str, int]] = mapped_column(JSON(), server_default="{}")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FeedTokenRow(Base):
    """A calendar feed's secret, kept only as a hash; scoped to one interview when it names one."""

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # A one-interview feed's pages may act only when it was made so; a candidate's always may.
    can_act: Mapped[bool] = mapped_column(Boolean, server_default=false())


class InterviewRow(Base):
    __tablename__ = "interviews"
    __table_args__ = (
        Index("ix_interviews_account_starts", "account_id", "starts_at", "id"),
        Index("ix_interviews_candidate_invitation", "candidate_id", "invitation_uid"),
        # A candidate's interviews in start order: lists stay flat however big the account.
        Index("ix_interviews_candidate_starts", "candidate_id", "starts_at", "id"),
        # A feed's version from the index alone, without reading the stored events.
        Index("ix_interviews_candidate_version", "candidate_id", "ics_changed_at", "ics_sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    previous_interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="SET NULL"), index=True
    )
    company: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    job_number: Mapped[str | None] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(16))
    round: Mapped[int] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(String(500))
    process: Mapped[str] = mapped_column(String(16))
    decision_date: Mapped[date | None] = mapped_column(Date())
    notes: Mapped[str | None] = mapped_column(Text())
    cadence_state: Mapped[str] = mapped_column(String(16), server_default="active")
    cadence_note: Mapped[str] = mapped_column(String(500), server_default="")
    # The UID of the calendar invitation it was imported from, so a re-sent invitation updates it.
    invitation_uid: Mapped[str | None] = mapped_column(String(255))
    # The interview's own VEVENT, rendered when it changes; feeds join these texts.
    ics: Mapped[str | None] = mapped_column(Text())
    ics_sequence: Mapped[int] = mapped_column(Integer, server_default="0")
    ics_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    contacts: Mapped[list["ContactRow"]] = relationship(
        order_by="ContactRow.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )
    references: Mapped[list["ReferenceRow"]] = relationship(
        order_by="ReferenceRow.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )


class ContactRow(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(500))
    preferred_channel: Mapped[str | None] = mapped_column(String(16))
    is_primary: Mapped[bool] = mapped_column(Boolean)


class ReferenceRow(Base):
    __tablename__ = "interview_references"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))


class FollowUpRow(Base):
    """A planned step. `sequence` rises each time anything about it changes."""

    __tablename__ = "followups"
    __table_args__ = (
        UniqueConstraint("interview_id", "key"),
        Index("ix_followups_account_due", "account_id", "due_at", "id"),
        # A candidate's steps in due order, however many the account's other candidates have.
        Index("ix_followups_candidate_due", "candidate_id", "due_at", "id"),
        # An interview's steps in due order, however many the account has.
        Index("ix_followups_interview_due", "interview_id", "due_at", "id"),
        # A feed's version from the index alone, without reading the stored events.
        Index("ix_followups_candidate_version", "candidate_id", "updated_at", "sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(16))
    contact_id: Mapped[int | None] = mapped_column(Integer)
    ideal_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16))
    late: Mapped[bool] = mapped_column(Boolean)
    why: Mapped[str] = mapped_column(Text())
    summary: Mapped[str] = mapped_column(String(600))
    checklist: Mapped[list[str]] = mapped_column(JSON())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    snoozed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sequence: Mapped[int] = mapped_column(Integer)
    # The step's VEVENT as of `sequence` (without its alarm), rendered when the step changes.
    ics: Mapped[str | None] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutcomeRow(Base):
    """What happened after the interview, in the order it was logged."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    step_key: Mapped[str | None] = mapped_column(String(64))
    decision_date: Mapped[date | None] = mapped_column(Date())
    next_interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(String(16), server_default="api")  # api or calendar


class IdempotentRequestRow(Base):
    """A create made with an Idempotency-Key: found by the key's hash, its answer sealed under
    the key (see service.idempotency.claims). `answer` is empty until the response has been sent."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("account_id", "key_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    answer: Mapped[bytes | None] = mapped_column(LargeBinary())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


# Webhooks (service/webhooks/): endpoints, the outbox of events, and each delivery's attempts.


class WebhookEndpointRow(Base):
    """A URL an account registered to hear events at; its secrets sealed with the service key."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JSON())
    enabled: Mapped[bool] = mapped_column(Boolean)
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    secret: Mapped[bytes] = mapped_column(LargeBinary())
    # After a rotation the old secret signs too, until previous_secret_until.
    previous_secret: Mapped[bytes | None] = mapped_column(LargeBinary())
    previous_secret_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebhookEventRow(Base):
    """One event, stored once (the outbox); `dedup_key` makes a scanned event unique per step
    and time, so replicas scanning together store it once."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(32))
    msg_id: Mapped[str] = mapped_column(String(40), unique=True)
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    payload: Mapped[str] = mapped_column(Text())
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebhookDeliveryRow(Base):
    """One event for one endpoint. Claimable while `state` is pending and `next_attempt_at`
    has come; a claim moves `next_attempt_at` to the end of its lease."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        Index("ix_webhook_deliveries_state_next", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    leased_by: Mapped[str | None] = mapped_column(String(32))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebhookAttemptRow(Base):
    """One try of a delivery: when, the answer's status, how long it took, the next try."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    response_status: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebhookScanRow(Base):
    """How far each scan of the steps (due, missed, digest) has come."""

    __tablename__ = "webhook_scans"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    scanned_until: Mapped[datetime] = mapped_column(UtcDateTime())


# The scans read pending steps by due time and by deadline across all accounts.
Index("ix_followups_status_due", FollowUpRow.status, FollowUpRow.due_at)
Index("ix_followups_status_deadline", FollowUpRow.status, FollowUpRow.deadline_at)
