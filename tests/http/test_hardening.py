"""Request bodies are capped and every response carries the security headers."""

from collections.abc import Callable, Iterator
from typing import Any

from fastapi.testclient import TestClient

from tests.builders import candidate_body, feed_path

Headers = dict[str, str]
JSON = {"Content-Type": "application/json"}


def _huge_candidate() -> bytes:
    return b'{"name": "Ada", "timezone": "UTC", "notes": "' + b"x" * 1_100_000 + b'"}'


def test_a_body_over_the_limit_is_refused_with_413_and_stores_nothing(
    client: TestClient, auth: Headers, count_rows: Callable[[str], int]
) -> None:
    response = client.post("/v1/candidates", content=_huge_candidate(), headers={**auth, **JSON})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "1000000 bytes" in response.json()["detail"]
    assert count_rows("candidates") == 0


def test_answers_of_the_outer_layers_carry_the_security_headers(
    client: TestClient, auth: Headers
) -> None:
    """A 413 from the body limit, a 400 for a garbled length: answered before any route."""
    answers = [
        client.post("/v1/candidates", content=_huge_candidate(), headers={**auth, **JSON}),
        client.post(
            "/v1/candidates", content=b"{}", headers={**auth, **JSON, "Content-Length": "x"}
        ),
    ]
    for response in answers:
        assert response.status_code in (400, 413)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-request-id"]


def test_a_streamed_body_is_cut_off_at_the_limit(
    client: TestClient, auth: Headers, count_rows: Callable[[str], int]
) -> None:
    def chunks() -> Iterator[bytes]:
        body = _huge_candidate()
        for start in range(0, len(body), 64_000):
            yield body[start : start + 64_000]

    response = client.post("/v1/candidates", content=chunks(), headers={**auth, **JSON})
    assert response.status_code == 413
    assert "1000000 bytes" in response.json()["detail"]
    assert count_rows("candidates") == 0


def test_a_garbled_content_length_is_a_400(client: TestClient, auth: Headers) -> None:
    response = client.post(
        "/v1/candidates", content=b"{}", headers={**auth, **JSON, "Content-Length": "lots"}
    )
    assert response.status_code == 400


def test_every_response_carries_the_security_headers(client: TestClient, auth: Headers) -> None:
    created: dict[str, Any] = client.post(
        "/v1/candidates", json=candidate_body(), headers=auth
    ).json()
    feed = feed_path(created)
    answers = {
        "health": client.get("/healthz"),
        "created": client.post("/v1/candidates", json=candidate_body(), headers=auth),
        "invalid": client.post("/v1/candidates", json={}, headers=auth),
        "unauthorized": client.get("/v1/candidates"),
        "missing": client.get("/nowhere"),
        "feed": client.get(feed),
        "head": client.head(feed),
    }
    for name, response in answers.items():
        assert response.headers["x-content-type-options"] == "nosniff", name
        assert response.headers["x-frame-options"] == "DENY", name
        assert response.headers["referrer-policy"] == "no-referrer", name
        assert "default-src 'none'" in response.headers["content-security-policy"], name
    assert answers["created"].headers["cache-control"] == "no-store"
    assert answers["feed"].headers["cache-control"] == "private, no-cache"
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "content-security-policy" not in docs.headers  # its scripts come from a CDN


def test_pages_are_at_most_a_hundred_items(client: TestClient, auth: Headers) -> None:
    for path in ("/v1/candidates", "/v1/interviews", "/v1/followups"):
        assert client.get(path, params={"limit": 100}, headers=auth).status_code == 200
        refused = client.get(path, params={"limit": 101}, headers=auth)
        assert refused.status_code == 422, path
        assert "limit" in refused.json()["detail"]
