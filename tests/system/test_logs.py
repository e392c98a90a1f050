"""A real server's log: one JSON object per line, uvicorn's lines included, with request ids,
at the configured level."""

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from service.config import Settings
from service.db.session import Database
from tests.builders import candidate_body
from tests.conftest import EmptyDatabases
from tests.system.servers import Server, new_api_key

pytestmark = pytest.mark.slow


def _lines(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_the_server_logs_json_lines_with_request_ids(
    databases: EmptyDatabases, tmp_path: Path
) -> None:
    url = databases.new()
    server = Server(url, tmp_path / "info.log", LOG_LEVEL="info")
    server.start()
    try:
        answer = httpx.get(f"{server.url}/readyz", headers={"X-Request-ID": "trace-7"})
        assert answer.headers["x-request-id"] == "trace-7"
        httpx.get(f"{server.url}/v1/candidates")  # 401, with an id of its own
    finally:
        server.stop()
    lines = _lines(server.log)  # every line parses
    assert all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # type: ignore[attr-defined]
    access = [line for line in lines if line["logger"] == "service.access"]
    ready = next(line for line in access if line["route"] == "/readyz")
    assert ready["request_id"] == "trace-7"
    assert ready["status"] == 200 and ready["method"] == "GET"
    assert isinstance(ready["duration_ms"], float)
    refused = next(line for line in access if line["route"] == "/v1/candidates")
    assert refused["status"] == 401 and refused["request_id"] not in ("-", "trace-7")

    quiet = Server(url, tmp_path / "warning.log", LOG_LEVEL="warning")
    quiet.start()
    try:
        httpx.get(f"{quiet.url}/readyz")
    finally:
        quiet.stop()
    assert not [line for line in _lines(quiet.log) if line["logger"] == "service.access"]


def test_error_lines_carry_the_request_id(databases: EmptyDatabases, tmp_path: Path) -> None:
    url = databases.new()
    server = Server(url, tmp_path / "error.log")
    server.start()
    try:
        auth = {"Authorization": f"Bearer {new_api_key(url, 'acme')}"}
        made = httpx.post(f"{server.url}/v1/candidates", json=candidate_body(), headers=auth)
        assert made.status_code == 201
        # A row no release writes (an unknown policy number): reading it is a real 500.
        db = Database(Settings(database_url=url))
        try:
            with db.engine.begin() as connection:
                connection.execute(text("UPDATE candidates SET policy = '{\"bogus\": 1}'"))
        finally:
            db.dispose()
        failed = httpx.get(
            f"{server.url}/v1/candidates/{made.json()['id']}",
            headers={**auth, "X-Request-ID": "trace-500"},
        )
    finally:
        server.stop()
    assert failed.status_code == 500
    assert failed.headers["x-request-id"] == "trace-500"
    assert failed.headers["x-content-type-options"] == "nosniff"
    errors = [line for line in _lines(server.log) if line["level"] == "ERROR"]
    assert errors, server.log.read_text()
    assert all(line["request_id"] == "trace-500" for line in errors), errors
    access = [line for line in _lines(server.log) if line["logger"] == "service.access"]
    assert any(line["status"] == 500 and line["request_id"] == "trace-500" for line in access)
