"""A real server's log: one JSON object per line, uvicorn's lines included, with request ids,
at the configured level."""

import json
from pathlib import Path

import httpx
import pytest

from tests.conftest import EmptyDatabases
from tests.system.servers import Server

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
