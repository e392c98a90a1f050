"""A hostile invitation against a real server process: a VTIMEZONE whose rules change the offset
every second (under 1 kB) is refused within seconds, and the server goes on serving and stops
when asked."""

import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.builders import candidate_body
from tests.conftest import EmptyDatabases
from tests.system.servers import Server, new_api_key

pytestmark = pytest.mark.slow

HOSTILE = Path(__file__).resolve().parents[1] / "invitations" / "hostile-vtimezone-every-second.ics"


def test_a_zone_that_changes_every_second_is_refused_within_seconds(
    databases: EmptyDatabases, tmp_path: Path
) -> None:
    body = HOSTILE.read_bytes().replace(b"\n", b"\r\n")
    assert len(body) < 1000
    url = databases.new()
    server = Server(url, tmp_path / "server.log").start()
    try:
        auth = {"Authorization": f"Bearer {new_api_key(url, 'hostile')}"}
        with httpx.Client(base_url=server.url, headers=auth, timeout=10) as client:
            candidate = client.post("/v1/candidates", json=candidate_body()).json()
            began = time.monotonic()
            response = client.post(
                "/v1/interviews/import",
                params={"candidate_id": candidate["id"]},
                content=body,
                headers={"Content-Type": "text/calendar"},
            )
            assert time.monotonic() - began < 3
            assert response.status_code == 422, response.text
            assert "RRULE:FREQ=SECONDLY" in response.json()["detail"]
            assert client.get("/healthz").status_code == 200
            assert client.get("/v1/interviews", headers=auth).json()["items"] == []
        # A clean stop: uvicorn re-raises the SIGTERM it handled once its requests are done.
        server.signal(signal.SIGTERM)
        assert server.wait(timeout=15) in (0, -signal.SIGTERM)
    finally:
        server.stop()
    assert "Traceback" not in server.log.read_text()
