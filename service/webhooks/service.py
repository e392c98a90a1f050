"""The webhook use cases: register, read, change and delete endpoints, rotate their secrets,
ping them, read their delivery logs and retry one delivery. Each runs in one transaction; a URL
is resolved and checked before it, so a refused one stores nothing."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from service.db.session import Database
from service.db.tables import WebhookEndpointRow
from service.errors import Conflict, NotFound
from service.idempotency.claims import Claim

# The Idempotency-Key claim every POST takes in its own transaction.
from service.idempotency.service import answered, take_claim
from service.webhooks import addresses, outbox, repository
from service.webhooks.events import ALL_EVENTS, EventType
from service.webhooks.repository import DeliveryRecord as DeliveryRecord
from service.webhooks.signing import SecretBox, new_secret

# What the use cases hand their callers for one endpoint.
Endpoint = WebhookEndpointRow

# After a rotation the old secret signs beside the new one this long.
ROTATION_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True)
class Webhooks:
    """What the use cases need beside the database: the sealer and the address rule."""

    db: Database
    box: SecretBox
    allow_private: bool


@dataclass(frozen=True)
class NewEndpoint:
    url: str
    events: Sequence[EventType] | None = None
    description: str | None = None


@dataclass(frozen=True)
class EndpointChanges:
    url: str | None = None
    events: Sequence[EventType] | None = None
    description: str | None = None
    enabled: bool | None = None
    description_given: bool = False


@dataclass(frozen=True)
class WithSecret:
    endpoint: WebhookEndpointRow
    secret: str


def _events(wanted: Sequence[EventType] | None) -> list[str]:
    if wanted is None:
        return list(ALL_EVENTS)
    return [event.value for event in EventType if event in set(wanted)]


def _found(endpoint: WebhookEndpointRow | None, endpoint_id: int) -> WebhookEndpointRow:
    if endpoint is None:
        raise NotFound(f"webhook endpoint {endpoint_id} not found")
    return endpoint


def create_endpoint(
    hooks: Webhooks,
    account_id: int,
    new: NewEndpoint,
    now: datetime,
    claim: Claim[WithSecret] | None = None,
) -> WithSecret:
    """Register an endpoint with a new secret, shown only in this answer."""
    addresses.resolve(new.url, hooks.allow_private)
    secret = new_secret()
    row = WebhookEndpointRow(
        account_id=account_id,
        url=new.url,
        description=new.description,
        events=_events(new.events),
        enabled=True,
        secret=hooks.box.seal(secret),
        created_at=now,
        updated_at=now,
    )
    with hooks.db.writing() as session:
        take_claim(session, claim, now)
        return answered(session, claim, WithSecret(repository.add_endpoint(session, row), secret))


def list_endpoints(
    hooks: Webhooks, account_id: int, after: int | None, limit: int
) -> Sequence[WebhookEndpointRow]:
    """A page of the account's endpoints, oldest first."""
    with hooks.db.reading() as session:
        return repository.endpoints(session, account_id, after, limit)


def get_endpoint(hooks: Webhooks, account_id: int, endpoint_id: int) -> WebhookEndpointRow:
    """One endpoint of the account."""
    with hooks.db.reading() as session:
        return _found(repository.endpoint(session, account_id, endpoint_id), endpoint_id)


def update_endpoint(
    hooks: Webhooks,
    account_id: int,
    endpoint_id: int,
    changes: EndpointChanges,
    now: datetime,
) -> WebhookEndpointRow:
    """Change the URL, the events or the description, or enable or disable it; enabling
    clears the reason it was disabled, and deliveries waiting go out again."""
    if changes.url is not None:
        addresses.resolve(changes.url, hooks.allow_private)
    with hooks.db.writing() as session:
        row = _found(repository.endpoint(session, account_id, endpoint_id, lock=True), endpoint_id)
        if changes.url is not None:
            row.url = changes.url
        if changes.events is not None:
            row.events = _events(changes.events)
        if changes.description_given:
            row.description = changes.description
        if changes.enabled is not None and changes.enabled != row.enabled:
            row.enabled = changes.enabled
            row.disabled_reason = None if changes.enabled else "disabled through the API"
            row.failing_since = None
        row.updated_at = now
        session.flush()
        return row


def delete_endpoint(hooks: Webhooks, account_id: int, endpoint_id: int) -> None:
    """Delete an endpoint with its delivery log."""
    with hooks.db.writing() as session:
        if not repository.delete_endpoint(session, account_id, endpoint_id):
            raise NotFound(f"webhook endpoint {endpoint_id} not found")


def rotate_secret(
    hooks: Webhooks,
    account_id: int,
    endpoint_id: int,
    now: datetime,
    claim: Claim[WithSecret] | None = None,
) -> WithSecret:
    """A new secret, shown only in this answer; the old one signs beside it for 24 hours."""
    secret = new_secret()
    with hooks.db.writing() as session:
        take_claim(session, claim, now)
        row = _found(repository.endpoint(session, account_id, endpoint_id, lock=True), endpoint_id)
        row.previous_secret = row.secret
        row.previous_secret_until = now + ROTATION_OVERLAP
        row.secret = hooks.box.seal(secret)
        row.updated_at = now
        session.flush()
        return answered(session, claim, WithSecret(row, secret))


def ping(
    hooks: Webhooks,
    account_id: int,
    endpoint_id: int,
    now: datetime,
    claim: Claim[str] | None = None,
) -> str:
    """Queue a `ping` event for this endpoint alone; returns its webhook-id."""
    with hooks.db.writing() as session:
        take_claim(session, claim, now)
        _found(repository.endpoint(session, account_id, endpoint_id), endpoint_id)
        event_id = outbox.enqueue(
            session,
            account_id,
            EventType.PING,
            {"endpoint_id": endpoint_id},
            now,
            endpoint_ids=[endpoint_id],
        )
        assert event_id is not None
        return answered(session, claim, repository.msg_id(session, event_id))


def list_deliveries(
    hooks: Webhooks, account_id: int, endpoint_id: int, before: int | None, limit: int
) -> list[DeliveryRecord]:
    """An endpoint's deliveries, newest first, each with every attempt."""
    with hooks.db.reading() as session:
        _found(repository.endpoint(session, account_id, endpoint_id), endpoint_id)
        return repository.deliveries(session, endpoint_id, before, limit)


def retry_delivery(
    hooks: Webhooks,
    account_id: int,
    endpoint_id: int,
    delivery_id: int,
    now: datetime,
    claim: Claim[DeliveryRecord] | None = None,
) -> DeliveryRecord:
    """Send one delivery again now, whatever became of it."""
    with hooks.db.writing() as session:
        take_claim(session, claim, now)
        endpoint = _found(repository.endpoint(session, account_id, endpoint_id), endpoint_id)
        found = repository.delivery(session, endpoint_id, delivery_id)
        if found is None:
            raise NotFound(f"delivery {delivery_id} not found")
        if not endpoint.enabled:
            raise Conflict("the endpoint is disabled; enable it (PATCH enabled=true) first")
        if found.leased_by is not None:
            raise Conflict("the delivery is being attempted now")
        found.state, found.next_attempt_at, found.finished_at = repository.PENDING, now, None
        session.flush()
        [record] = repository.deliveries(session, endpoint_id, delivery_id + 1, 1)
        return answered(session, claim, record)
