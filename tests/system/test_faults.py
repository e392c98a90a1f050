"""Faults against real server processes: the database going away and coming back, a server
killed mid-write, and a server asked to stop while requests are in flight."""

import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.builders import candidate_body, interview_body
from tests.conftest import EmptyDatabases
from tests.system.servers import Proxy, Server, new_api_key

pytestmark = pytest.mark.slow


def _key(database_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {new_api_key(database_url, 'faults')}"}


def _scalar(database_url: str, query: str) -> Any:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(query)).scalar_one()
    finally:
        engine.dispose()


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 503
    assert "Traceback" not in response.text


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def test_a_lost_database_gives_503_and_service_resumes_when_it_returns(
    databases: EmptyDatabases, tmp_path: Path, servers: list[Server]
) -> None:
    if databases.backend != "postgresql":
        pytest.skip("a database server to lose: PostgreSQL (SQLite's case is the busy test)")
    direct = databases.new()
    target = make_url(direct)
    proxy = Proxy(target.port or 5432)
    proxy.mend()
    through_proxy = target.set(port=proxy.port).render_as_string(hide_password=False)
    server = Server(through_proxy, tmp_path / "server.log", RETRY_AFTER_SECONDS="7")
    servers.append(server.start())
    auth = _key(direct)
    with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
        assert client.post("/v1/candidates", json=candidate_body()).status_code == 201

        proxy.cut()
        _assert_unavailable(client.post("/v1/candidates", json=candidate_body()))
        # With an Idempotency-Key, the key's lookup meets the outage before any route: the
        # API key trusted from a moment ago, and then checked again.
        keyed = {"Idempotency-Key": '"outage-1"'}
        _assert_unavailable(client.post("/v1/candidates", json=candidate_body(), headers=keyed))
        time.sleep(1.1)  # API_KEY_TRUST_SECONDS
        _assert_unavailable(client.post("/v1/candidates", json=candidate_body(), headers=keyed))
        _assert_unavailable(client.get("/v1/candidates"))
        ready = client.get("/readyz")
        _assert_unavailable(ready)
        assert ready.headers["retry-after"] == "7"
        assert client.get("/healthz").status_code == 200  # alive, just not ready

        proxy.mend()
        assert client.get("/readyz").status_code == 200
        assert client.post("/v1/candidates", json=candidate_body()).status_code == 201
        made = client.post("/v1/candidates", json=candidate_body(), headers=keyed)
        assert made.status_code == 201
        assert "idempotent-replayed" not in made.headers  # nothing was claimed in the outage
    assert _scalar(direct, "SELECT count(*) FROM candidates") == 3
    assert "Traceback" not in server.log.read_text()
    proxy.cut()


def test_a_busy_sqlite_database_gives_503_then_serves(
    databases: EmptyDatabases, tmp_path: Path, servers: list[Server]
) -> None:
    if databases.backend != "sqlite":
        pytest.skip("SQLite's write lock")
    url = databases.new()
    server = Server(url, tmp_path / "server.log", SQLITE_BUSY_TIMEOUT_MS="300")
    servers.append(server.start())
    auth = _key(url)
    holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
        _assert_unavailable(client.post("/v1/candidates", json=candidate_body()))
        holder.execute("ROLLBACK")
        holder.close()
        assert client.post("/v1/candidates", json=candidate_body()).status_code == 201
    assert _scalar(url, "SELECT count(*) FROM candidates") == 1


def test_a_server_killed_mid_write_loses_nothing_it_confirmed(
    databases: EmptyDatabases, tmp_path: Path, servers: list[Server]
) -> None:
    url = databases.new()
    server = Server(url, tmp_path / "server.log")
    servers.append(server.start())
    auth = _key(url)
    with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
        candidate = client.post("/v1/candidates", json=candidate_body()).json()
    confirmed: list[int] = []
    stop = threading.Event()

    def write() -> None:
        with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
            while not stop.is_set():
                try:
                    response = client.post("/v1/interviews", json=interview_body(candidate["id"]))
                except httpx.TransportError:
                    return  # the server died under this request
                assert response.status_code == 201, response.text
                confirmed.append(response.json()["id"])

    writers = [threading.Thread(target=write) for _ in range(4)]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 30
    while len(confirmed) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for writer in writers:
        writer.join()
    assert len(confirmed) >= 8

    restarted = Server(url, tmp_path / "restarted.log")
    servers.append(restarted.start())
    if databases.backend == "sqlite":
        assert _scalar(url, "PRAGMA integrity_check") == "ok"
    with httpx.Client(base_url=restarted.url, headers=auth, timeout=30) as client:
        stored = client.get("/v1/interviews", params={"limit": 100}).json()["items"]
        assert set(confirmed) <= {i["id"] for i in stored}  # nothing confirmed is lost
        plans = set()
        for interview in stored:  # and nothing half-written: each has all its parts
            detail = client.get(f"/v1/interviews/{interview['id']}").json()
            assert len(detail["contacts"]) == 3
            assert len(detail["references"]) == 1
            plans.add(tuple(sorted(step["kind"] for step in detail["followups"])))
        assert len(plans) == 1 and len(next(iter(plans))) > 5
        assert client.post("/v1/interviews", json=interview_body(candidate["id"])).is_success


def test_sigterm_lets_requests_in_flight_finish(
    databases: EmptyDatabases, tmp_path: Path, servers: list[Server]
) -> None:
    if databases.backend != "sqlite":
        pytest.skip("holds SQLite's write lock to keep a request in flight")
    url = databases.new()
    server = Server(url, tmp_path / "server.log")
    servers.append(server.start())
    auth = _key(url)
    holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the request below waits for this lock
    answers: list[httpx.Response] = []

    def create() -> None:
        answers.append(
            httpx.post(
                f"{server.url}/v1/candidates", json=candidate_body(), headers=auth, timeout=30
            )
        )

    in_flight = threading.Thread(target=create)
    in_flight.start()
    time.sleep(1)
    server.signal(signal.SIGTERM)
    time.sleep(1)
    with pytest.raises(httpx.TransportError):  # no new requests once stopping
        httpx.get(f"{server.url}/healthz", timeout=2)
    holder.execute("ROLLBACK")
    holder.close()
    in_flight.join(timeout=30)
    assert [a.status_code for a in answers] == [201]
    # A clean stop: uvicorn re-raises the SIGTERM it handled once its requests are done.
    assert server.wait() in (0, -signal.SIGTERM)
    assert "Traceback" not in server.log.read_text()
    assert _scalar(url, "SELECT count(*) FROM candidates") == 1


def test_a_server_killed_mid_write_leaves_no_idempotency_key_locked(
    databases: EmptyDatabases, tmp_path: Path, servers: list[Server]
) -> None:
    """Creates with keys, the server killed under them, then every key retried once: each
    retry is answered (the first answer replayed, or the create made now), none is a 409, and
    each key made exactly one interview."""
    url = databases.new()
    server = Server(url, tmp_path / "server.log")
    servers.append(server.start())
    auth = _key(url)
    with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
        candidate = client.post("/v1/candidates", json=candidate_body()).json()
    confirmed: dict[str, int] = {}
    sent: list[str] = []
    stop = threading.Event()

    def write(writer: int) -> None:
        with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
            for number in range(10_000):
                if stop.is_set():
                    return
                key = f"kill-{writer}-{number}"
                sent.append(key)
                try:
                    response = client.post(
                        "/v1/interviews",
                        json=interview_body(candidate["id"]),
                        headers={"Idempotency-Key": key},
                    )
                except httpx.TransportError:
                    return  # the server died under this request
                assert response.status_code == 201, response.text
                confirmed[key] = response.json()["id"]

    writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 30
    while len(confirmed) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for writer in writers:
        writer.join()

    restarted = Server(url, tmp_path / "restarted.log")
    servers.append(restarted.start())
    made: dict[str, int] = {}
    with httpx.Client(base_url=restarted.url, headers=auth, timeout=30) as client:
        for key in sent:
            retry = client.post(
                "/v1/interviews",
                json=interview_body(candidate["id"]),
                headers={"Idempotency-Key": key},
            )
            assert retry.status_code == 201, (key, retry.status_code, retry.text)
            made[key] = retry.json()["id"]
            if key in confirmed:
                assert retry.headers["idempotent-replayed"] == "true"
                assert made[key] == confirmed[key]
    assert len(set(made.values())) == len(sent)
    assert _scalar(url, "SELECT count(*) FROM interviews") == len(sent)
