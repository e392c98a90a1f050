"""The delivery rules a receiver can provoke, against the real receiver process on SQLite and
PostgreSQL: its Retry-After sets the next attempt, redirects are failures and never followed, an
endless body is cut short, an endpoint failing for 5 days is disabled with the reason shown, and
an answer that never comes times out."""

import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.webhooks import delivery
from service.webhooks.worker import Worker
from tests.webhooks.conftest import Receiver


def _pinged(client: TestClient, auth: dict[str, str], url: str) -> int:
    """A new endpoint at `url` with one ping waiting for it; its id."""
    answer = client.post("/v1/webhooks", json={"url": url}, headers=auth)
    assert answer.status_code == 201, answer.text
    endpoint_id: int = answer.json()["id"]
    assert client.post(f"/v1/webhooks/{endpoint_id}/ping", headers=auth).status_code == 202
    return endpoint_id


def _delivery(client: TestClient, auth: dict[str, str], endpoint_id: int) -> dict[str, Any]:
    answer = client.get(f"/v1/webhooks/{endpoint_id}/deliveries", headers=auth)
    assert answer.status_code == 200, answer.text
    [found] = answer.json()["items"]
    shown: dict[str, Any] = found
    return shown


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_retry_after_in_seconds_replaces_the_schedule(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker
) -> None:
    endpoint_id = _pinged(client, auth, f"{receiver.url}/retry-after/503/120")
    worker.drain()
    shown = _delivery(client, auth, endpoint_id)
    assert shown["state"] == "pending"
    [first] = shown["attempts"]
    assert first["response_status"] == 503
    assert _at(first["next_attempt_at"]) - _at(first["attempted_at"]) == timedelta(seconds=120)
    assert shown["next_attempt_at"] == first["next_attempt_at"]
    worker.drain(_at(first["attempted_at"]) + timedelta(seconds=60))  # the schedule's 5 s passed
    assert len(receiver.received()) == 1
    worker.drain(_at(first["next_attempt_at"]))
    assert len(receiver.received()) == 2


def test_retry_after_as_an_http_date_replaces_the_schedule(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    later = urllib.parse.quote(format_datetime(now + timedelta(hours=2), usegmt=True), safe="")
    endpoint_id = _pinged(client, auth, f"{receiver.url}/retry-after/429/{later}")
    worker.drain(now)
    [first] = _delivery(client, auth, endpoint_id)["attempts"]
    assert first["response_status"] == 429
    assert _at(first["next_attempt_at"]) == now + timedelta(hours=2)


@pytest.mark.parametrize("status", [301, 302, 307])
def test_a_redirect_is_a_failure_and_is_not_followed(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker, status: int
) -> None:
    endpoint_id = _pinged(client, auth, f"{receiver.url}/redirect/{status}")
    worker.drain()
    assert [got["path"] for got in receiver.received()] == [f"/redirect/{status}"]
    shown = _delivery(client, auth, endpoint_id)
    assert shown["state"] == "pending"
    [first] = shown["attempts"]
    assert (first["response_status"], first["error"]) == (status, f"HTTP {status}")
    assert first["next_attempt_at"] is not None


def test_an_endless_body_is_cut_short_and_the_attempt_recorded(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker
) -> None:
    endpoint_id = _pinged(client, auth, f"{receiver.url}/endless")
    pool = ThreadPoolExecutor(1)
    try:
        pool.submit(worker.drain).result(timeout=20)  # reading it all would never end
    finally:
        pool.shutdown(wait=False)  # on a failure the receiver's end stops the read
    shown = _delivery(client, auth, endpoint_id)
    assert shown["state"] == "succeeded"
    [first] = shown["attempts"]
    assert (first["response_status"], first["error"]) == (200, None)
    assert len(receiver.received()) == 1


def test_an_endpoint_failing_for_five_days_is_disabled_with_the_reason(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker
) -> None:
    start = datetime.now(UTC)
    endpoint_id = _pinged(client, auth, f"{receiver.url}/status/500")
    worker.drain(start)
    shown = client.get(f"/v1/webhooks/{endpoint_id}", headers=auth).json()
    assert shown["enabled"] is True
    assert _at(shown["failing_since"]) == start
    worker.drain(start + timedelta(days=4, hours=23))
    shown = client.get(f"/v1/webhooks/{endpoint_id}", headers=auth).json()
    assert (shown["enabled"], shown["disabled_reason"]) == (True, None)
    worker.drain(start + timedelta(days=5))
    shown = client.get(f"/v1/webhooks/{endpoint_id}", headers=auth).json()
    assert shown["enabled"] is False
    assert "failed for 5 days" in shown["disabled_reason"]
    assert "HTTP 500" in shown["disabled_reason"]
    assert len(receiver.received()) == 3
    worker.drain(start + timedelta(days=6))
    assert len(receiver.received()) == 3  # nothing more goes to it


def test_a_receiver_that_never_answers_times_out(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker
) -> None:
    assert delivery.TIMEOUT_SECONDS == 15
    assert worker.client.timeout == httpx.Timeout(delivery.TIMEOUT_SECONDS)
    worker.client.close()  # the same client, but waiting half a second rather than 15
    worker.client = httpx.Client(timeout=0.5, follow_redirects=False, trust_env=False)
    endpoint_id = _pinged(client, auth, f"{receiver.url}/hang")
    worker.drain()
    shown = _delivery(client, auth, endpoint_id)
    assert shown["state"] == "pending"
    [first] = shown["attempts"]
    assert (first["response_status"], first["error"]) == (None, "timed out")
    assert first["next_attempt_at"] is not None
    assert len(receiver.received()) == 1
