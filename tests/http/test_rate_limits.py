"""Rate limits per API key and per feed token: 429 with Retry-After, nothing stored, and counters
shared through Redis when configured."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service.accounts import service as accounts_service
from service.app import create_app
from service.config import Settings
from service.db.session import Database
from tests.builders import NOW, candidate_body, feed_path

REDIS_URL = "redis://127.0.0.1:6379/15"

# Limits per hour: the sliding window forgives part of the last window's count once a new one
# starts, so a test straddling a window's end could see one request more go through.


@contextmanager
def _client(settings: Settings, **limits: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update=limits))) as client:
        yield client


def _assert_too_many(response: object) -> int:
    assert getattr(response, "status_code", None) == 429
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["content-type"] == "application/problem+json"
    wait = int(headers["retry-after"])
    assert 1 <= wait <= 3600
    assert "retry in" in response.json()["detail"]  # type: ignore[attr-defined]
    return wait


def test_an_api_key_over_its_limit_gets_429_and_stores_nothing(
    settings: Settings,
    auth: dict[str, str],
    other_auth: dict[str, str],
    count_rows: Callable[[str], int],
) -> None:
    with _client(settings, api_rate_limit="5/hour") as client:
        for _ in range(5):
            assert client.post("/v1/candidates", json=candidate_body(), headers=auth).is_success
        _assert_too_many(client.post("/v1/candidates", json=candidate_body(), headers=auth))
        _assert_too_many(client.get("/v1/candidates", headers=auth))
        assert count_rows("candidates") == 5
        # Another key has its own allowance; unauthenticated routes have none to spend.
        assert client.get("/v1/candidates", headers=other_auth).status_code == 200
        assert client.get("/healthz").status_code == 200


def test_a_feed_over_its_limit_gets_429_whether_or_not_it_exists(
    settings: Settings, auth: dict[str, str]
) -> None:
    with _client(settings, feed_rate_limit="3/hour") as client:
        created = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
        path = feed_path(created)
        for _ in range(3):
            assert client.get(path).status_code == 200
        _assert_too_many(client.get(path))
        unknown = "/feeds/" + "A" * 32 + ".ics"
        for _ in range(3):
            assert client.get(unknown).status_code == 404
        limited = client.get(unknown)
        _assert_too_many(limited)
        assert limited.json() == client.get(path).json()  # no hint of which one exists
        # The API key that made the feed is not slowed by its subscribers.
        assert client.get("/v1/candidates", headers=auth).status_code == 200


def test_limits_can_be_turned_off(settings: Settings, auth: dict[str, str]) -> None:
    with _client(settings, api_rate_limit="", feed_rate_limit="") as client:
        created = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
        for _ in range(30):
            assert client.get(feed_path(created)).status_code == 200


def test_a_limit_must_read_as_count_per_period(migrated_url: str) -> None:
    with pytest.raises(ValidationError, match="api_rate_limit"):
        Settings(database_url=migrated_url, api_rate_limit="lots")


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {error}")
    return REDIS_URL


def test_replicas_share_counters_through_redis(
    settings: Settings, db: Database, redis_url: str
) -> None:
    # A key of its own, so counts left in Redis by other runs cannot matter.
    key = accounts_service.create_key(db, f"replicas-{uuid.uuid4().hex}", NOW)
    headers = {"Authorization": f"Bearer {key}"}
    shared = {"api_rate_limit": "4/hour", "rate_limit_storage": redis_url}
    with _client(settings, **shared) as one, _client(settings, **shared) as two:
        for client in (one, two, one, two):
            assert client.get("/v1/candidates", headers=headers).status_code == 200
        _assert_too_many(two.get("/v1/candidates", headers=headers))
        _assert_too_many(one.get("/v1/candidates", headers=headers))


def test_requests_are_served_when_the_counter_store_is_down(
    settings: Settings, auth: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    dead = "redis://127.0.0.1:1/0"
    with _client(settings, api_rate_limit="1/minute", rate_limit_storage=dead) as client:
        for _ in range(3):
            assert client.get("/v1/candidates", headers=auth).status_code == 200
    assert "rate limit store unavailable" in caplog.text
