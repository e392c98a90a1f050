"""Failures answer as problem+json; a database outage is a 503 with Retry-After, never a 500."""

from fastapi.testclient import TestClient

from service.app import create_app
from service.config import Settings


def test_unknown_routes_and_methods_are_problems(client: TestClient) -> None:
    missing = client.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    wrong_method = client.put("/healthz")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["title"] == "Method Not Allowed"


def test_an_unreachable_database_gives_503_with_retry_after() -> None:
    dead = Settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:9/nowhere", retry_after_seconds=7
    )
    with TestClient(create_app(dead), raise_server_exceptions=False) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.headers["retry-after"] == "7"
        assert ready.headers["content-type"] == "application/problem+json"
        call = client.get("/v1/candidates", headers={"Authorization": "Bearer ifk_abc_def"})
        assert call.status_code == 503
        assert call.headers["retry-after"] == "7"
        assert "Traceback" not in call.text
        assert client.get("/healthz").status_code == 200
