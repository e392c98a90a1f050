"""The webhook API under /v1/webhooks and the events' payloads in the OpenAPI `webhooks`
(service.webhooks.runtime wires them and the delivery worker into the app)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, Response

from service.http.deps import AccountDep, ClaimDep, NowDep
from service.http.fields import MAX_ID, Page, decode_cursor, encode_cursor
from service.http.responses import creates, problems, sent
from service.idempotency.claims import Answer, json_answer
from service.webhooks import service
from service.webhooks.schemas import (
    EVENT_BODIES,
    AttemptOut,
    DeliveryOut,
    EndpointCreate,
    EndpointOut,
    EndpointUpdate,
    EndpointWithSecret,
    PingOut,
)
from service.webhooks.service import (
    DeliveryRecord,
    Endpoint,
    EndpointChanges,
    NewEndpoint,
    Webhooks,
    WithSecret,
)
from service.webhooks.worker import Worker

router = APIRouter(tags=["webhooks"])

EndpointId = Annotated[int, Path(ge=1, le=MAX_ID)]
DeliveryId = Annotated[int, Path(ge=1, le=MAX_ID)]


async def get_webhooks(request: Request) -> Webhooks:
    hooks: Webhooks = request.app.state.webhooks
    return hooks


WebhooksDep = Annotated[Webhooks, Depends(get_webhooks)]


def _out(row: Endpoint) -> EndpointOut:
    return EndpointOut.model_validate(row, from_attributes=True)


def _with_secret(made: WithSecret) -> EndpointWithSecret:
    row = made.endpoint
    return EndpointWithSecret(
        **_out(row).model_dump(),
        secret=made.secret,
        previous_secret_expires_at=row.previous_secret_until if row.previous_secret else None,
    )


def _delivery(record: DeliveryRecord) -> DeliveryOut:
    return DeliveryOut(
        id=record.id,
        event_id=record.msg_id,
        event_type=record.event_type,
        state=record.state,
        attempts=[AttemptOut.model_validate(a, from_attributes=True) for a in record.attempts],
        next_attempt_at=record.next_attempt_at,
        created_at=record.created_at,
    )


def _secret_answer(status: int) -> Callable[[WithSecret], Answer]:
    def answer(made: WithSecret) -> Answer:
        where = f"/v1/webhooks/{made.endpoint.id}"
        return json_answer(status, _with_secret(made).model_dump_json(), where)

    return answer


@router.post(
    "/v1/webhooks",
    name="create_webhook",
    status_code=201,
    response_model=EndpointWithSecret,
    responses=creates(),
)
def create_webhook(
    hooks: WebhooksDep, account: AccountDep, now: NowDep, claim: ClaimDep, body: EndpointCreate
) -> Response:
    """Register a URL to hear events at. The answer holds the endpoint's `whsec_` secret, shown
    only here: verify each delivery's `webhook-signature` with it (Standard Webhooks)."""
    new = NewEndpoint(body.url, body.events, body.description)
    answer = _secret_answer(201)
    claimed = claim and claim.answering(answer)
    return sent(answer(service.create_endpoint(hooks, account, new, now, claimed)))


@router.get("/v1/webhooks", name="list_webhooks", responses=problems())
def list_webhooks(
    hooks: WebhooksDep,
    account: AccountDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[EndpointOut]:
    """The account's endpoints, oldest first (never their secrets)."""
    after = decode_cursor(cursor, int)[0] if cursor else None
    found = service.list_endpoints(hooks, account, after, limit + 1)
    page = found[:limit]
    next_cursor = encode_cursor(page[-1].id) if len(found) > limit else None
    return Page[EndpointOut](items=[_out(row) for row in page], next_cursor=next_cursor)


@router.get("/v1/webhooks/{webhook_id}", name="get_webhook", responses=problems(404))
def get_webhook(hooks: WebhooksDep, account: AccountDep, webhook_id: EndpointId) -> EndpointOut:
    """One endpoint, with why it was disabled if it was."""
    return _out(service.get_endpoint(hooks, account, webhook_id))


@router.patch("/v1/webhooks/{webhook_id}", name="update_webhook", responses=problems(404))
def update_webhook(
    hooks: WebhooksDep,
    account: AccountDep,
    now: NowDep,
    webhook_id: EndpointId,
    body: EndpointUpdate,
) -> EndpointOut:
    """Change the URL, the events or the description; `enabled: true` re-enables an endpoint
    that was disabled, and what waits for it goes out."""
    changes = EndpointChanges(
        url=body.url,
        events=body.events,
        description=body.description,
        enabled=body.enabled,
        description_given="description" in body.model_fields_set,
    )
    return _out(service.update_endpoint(hooks, account, webhook_id, changes, now))


@router.delete(
    "/v1/webhooks/{webhook_id}", name="delete_webhook", status_code=204, responses=problems(404)
)
def delete_webhook(hooks: WebhooksDep, account: AccountDep, webhook_id: EndpointId) -> Response:
    """Delete an endpoint with its delivery log; nothing more is sent to it."""
    service.delete_endpoint(hooks, account, webhook_id)
    return Response(status_code=204)


@router.post(
    "/v1/webhooks/{webhook_id}/rotate-secret",
    name="rotate_webhook_secret",
    response_model=EndpointWithSecret,
    responses=creates(404),
)
def rotate_webhook_secret(
    hooks: WebhooksDep, account: AccountDep, now: NowDep, claim: ClaimDep, webhook_id: EndpointId
) -> Response:
    """A new secret, shown only here. For 24 hours deliveries carry a signature by each, so a
    receiver can switch at its own pace."""
    answer = _secret_answer(200)
    claimed = claim and claim.answering(answer)
    return sent(answer(service.rotate_secret(hooks, account, webhook_id, now, claimed)))


@router.post(
    "/v1/webhooks/{webhook_id}/ping",
    name="ping_webhook",
    status_code=202,
    response_model=PingOut,
    responses=creates(404),
)
def ping_webhook(
    request: Request,
    hooks: WebhooksDep,
    account: AccountDep,
    now: NowDep,
    claim: ClaimDep,
    webhook_id: EndpointId,
) -> Response:
    """Queue a `ping` event for this endpoint; its delivery shows in the log."""

    def answer(msg_id: str) -> Answer:
        return json_answer(202, PingOut(event_id=msg_id).model_dump_json())

    msg_id = service.ping(hooks, account, webhook_id, now, claim and claim.answering(answer))
    _wake(request)
    return sent(answer(msg_id))


@router.get(
    "/v1/webhooks/{webhook_id}/deliveries", name="list_webhook_deliveries", responses=problems(404)
)
def list_webhook_deliveries(
    hooks: WebhooksDep,
    account: AccountDep,
    webhook_id: EndpointId,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[DeliveryOut]:
    """The endpoint's deliveries, newest first, each with every attempt: when, the answer's
    status, the latency and when it is tried next."""
    before = decode_cursor(cursor, int)[0] if cursor else None
    found = service.list_deliveries(hooks, account, webhook_id, before, limit + 1)
    page = found[:limit]
    next_cursor = encode_cursor(page[-1].id) if len(found) > limit else None
    return Page[DeliveryOut](items=[_delivery(r) for r in page], next_cursor=next_cursor)


@router.post(
    "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
    name="retry_webhook_delivery",
    status_code=202,
    response_model=DeliveryOut,
    responses=creates(404),
)
def retry_webhook_delivery(
    request: Request,
    hooks: WebhooksDep,
    account: AccountDep,
    now: NowDep,
    claim: ClaimDep,
    webhook_id: EndpointId,
    delivery_id: DeliveryId,
) -> Response:
    """Send one delivery again now, whether it succeeded, failed or waits for its next try."""

    def answer(record: DeliveryRecord) -> Answer:
        return json_answer(202, _delivery(record).model_dump_json())

    claimed = claim and claim.answering(answer)
    record = service.retry_delivery(hooks, account, webhook_id, delivery_id, now, claimed)
    _wake(request)
    return sent(answer(record))


def _wake(request: Request) -> None:
    worker: Worker | None = getattr(request.app.state, "webhook_worker", None)
    if worker is not None:
        worker.wake()


# The events, documented as OpenAPI webhooks.

_DELIVERY_ANSWERS: dict[int | str, dict[str, Any]] = {
    "2XX": {"description": "Received: any 2xx answer is success."},
    "4XX": {"description": "Retried on the schedule; a 410 disables the endpoint."},
    "5XX": {"description": "Retried on the schedule, or after Retry-After."},
}


def document(app: FastAPI) -> None:
    for event_type, (model, summary) in EVENT_BODIES.items():

        def receive(body: Any) -> None:
            """Placeholder of an event's receiver, for the spec."""

        receive.__annotations__["body"] = model
        app.webhooks.post(
            event_type.value,
            name=f"webhook_{event_type.value.replace('.', '_')}",
            summary=summary,
            description="Headers `webhook-id` (the same on every attempt), "
            "`webhook-timestamp` and `webhook-signature` (`v1,…`): verify them with the "
            "`standardwebhooks` package and the endpoint's secret.",
            responses=_DELIVERY_ANSWERS,
        )(receive)
