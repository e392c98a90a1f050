"""One attempt of one delivery: sent signed to the address checked just before (redirects not
followed, 15 s at most, a small part of the answer read), then the outcome stored: success, a
retry by the schedule or the receiver's Retry-After, or an endpoint disabled."""

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from prometheus_client import Counter, Gauge
from sqlalchemy.orm import Session

from service.db.tables import WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow
from service.errors import InvalidInput
from service.webhooks import addresses, repository
from service.webhooks.repository import FAILED, PENDING, SUCCEEDED, Claimed
from service.webhooks.signing import SecretBox, signed_headers

log = logging.getLogger("service.webhooks")

# After the first attempt fails, the next ones follow these waits (each ±20%): eight in all.
SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
JITTER = 0.2
TIMEOUT_SECONDS = 15.0
BODY_CAP_BYTES = 4096
DISABLE_AFTER = timedelta(days=5)
LONGEST_RETRY_AFTER = timedelta(hours=24)

DELIVERIES = Counter(
    "webhook_deliveries_total",
    "Webhook deliveries finished or rescheduled, by outcome.",
    ["outcome"],
)
ATTEMPTS = Counter(
    "webhook_attempts_total", "Webhook delivery attempts, by the answer's class.", ["result"]
)
QUEUE_DEPTH = Gauge("webhook_queue_depth", "Webhook deliveries pending.")
OLDEST_AGE = Gauge(
    "webhook_oldest_pending_age_seconds", "Age of the oldest webhook delivery still pending."
)


@dataclass(frozen=True)
class Answer:
    """What one attempt got: a status (None when no answer came), how long it took, and why
    it failed."""

    status: int | None
    latency_ms: int
    error: str | None = None
    retry_after: timedelta | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _retry_after(value: str | None, now: datetime) -> timedelta | None:
    if not value:
        return None
    try:
        wait = timedelta(seconds=int(value.strip()))
    except ValueError:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            return None
    return min(max(wait, timedelta(seconds=1)), LONGEST_RETRY_AFTER)


def send(
    client: httpx.Client,
    claimed: Claimed,
    box: SecretBox,
    allow_private: bool,
    now: datetime,
) -> Answer:
    """Sign and send one attempt. The host is resolved and checked here and the request goes to
    that address, so a name that now points inside the network is refused."""
    started = time.perf_counter()

    def took() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        target = addresses.resolve(claimed.url, allow_private)
    except InvalidInput as error:
        return Answer(None, took(), f"refused: {error.detail}")
    endpoint_secrets = [box.open(claimed.secret)]
    if (
        claimed.previous_secret
        and claimed.previous_secret_until
        and (claimed.previous_secret_until > now)
    ):
        endpoint_secrets.append(box.open(claimed.previous_secret))
    headers = signed_headers(claimed.msg_id, now, claimed.payload, endpoint_secrets)
    url = httpx.URL(claimed.url)
    host = f"[{target.address}]" if ":" in target.address else target.address
    headers["host"] = url.netloc.decode()
    headers["user-agent"] = "interview-followup-webhooks/1"
    extensions = {"sni_hostname": target.host} if url.scheme == "https" else {}
    request = client.build_request(
        "POST",
        url.copy_with(host=host.strip("[]")),
        content=claimed.payload.encode(),
        headers=headers,
        extensions=extensions,
    )
    try:
        response = client.send(request, stream=True, follow_redirects=False)
        try:
            read = 0
            for chunk in response.iter_raw():
                read += len(chunk)
                if read >= BODY_CAP_BYTES:
                    break
        finally:
            response.close()
    except httpx.TimeoutException:
        return Answer(None, took(), "timed out")
    except httpx.HTTPError as error:
        return Answer(None, took(), f"{type(error).__name__}: {error}"[:300])
    retry_after = _retry_after(response.headers.get("retry-after"), now)
    failure = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return Answer(response.status_code, took(), failure, retry_after)


def _result_class(answer: Answer) -> str:
    return f"{answer.status // 100}xx" if answer.status is not None else "error"


def record(session: Session, claimed: Claimed, worker: str, answer: Answer, now: datetime) -> str:
    """Store an attempt and what follows from it; returns the outcome (succeeded, retrying,
    failed, disabled, or lost when another worker took the delivery meanwhile)."""
    ATTEMPTS.labels(_result_class(answer)).inc()
    delivery = repository.held(session, claimed.delivery_id, worker)
    attempt = WebhookAttemptRow(
        delivery_id=claimed.delivery_id,
        attempted_at=now,
        response_status=answer.status,
        latency_ms=answer.latency_ms,
        error=answer.error,
        next_attempt_at=None,
    )
    repository.add_attempt(session, attempt)
    if delivery is None:
        return "lost"
    endpoint = repository.endpoint_by_id(session, delivery.endpoint_id)
    delivery.attempts += 1
    delivery.leased_by = None
    delivery.last_status = answer.status
    delivery.last_error = answer.error
    if answer.succeeded:
        delivery.state, delivery.finished_at, delivery.next_attempt_at = SUCCEEDED, now, None
        if endpoint is not None and endpoint.failing_since is not None:
            endpoint.failing_since = None
        outcome = "succeeded"
    else:
        outcome = _failed(delivery, endpoint, answer, now)
        attempt.next_attempt_at = delivery.next_attempt_at
    DELIVERIES.labels(outcome).inc()
    return outcome


def _failed(
    delivery: WebhookDeliveryRow, endpoint: WebhookEndpointRow | None, answer: Answer, now: datetime
) -> str:
    if endpoint is not None:
        endpoint.failing_since = endpoint.failing_since or now
        reason = None
        if answer.status == 410:
            reason = f"the receiver answered 410 Gone on {now:%Y-%m-%d %H:%M} UTC"
        elif now - endpoint.failing_since >= DISABLE_AFTER:
            reason = (
                f"every delivery failed for 5 days, since {endpoint.failing_since:%Y-%m-%d %H:%M}"
                f" UTC (last: {answer.error})"
            )
        if reason is not None:
            endpoint.enabled, endpoint.disabled_reason, endpoint.updated_at = False, reason, now
            log.warning("webhook endpoint %d disabled: %s", endpoint.id, reason)
    if answer.status == 410 or delivery.attempts > len(SCHEDULE):
        delivery.state, delivery.finished_at, delivery.next_attempt_at = FAILED, now, None
        return "disabled" if answer.status == 410 else "failed"
    wait = answer.retry_after or SCHEDULE[delivery.attempts - 1] * random.uniform(  # noqa: S311
        1 - JITTER, 1 + JITTER
    )
    delivery.state, delivery.next_attempt_at = PENDING, now + wait
    return "disabled" if endpoint is not None and not endpoint.enabled else "retrying"
