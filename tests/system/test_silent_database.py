"""A database that stops answering without closing anything (a frozen server, a stalled proxy):
requests get a 503 within their timeout, /readyz answers within a second, and a server asked
to stop does so within its grace period, whatever the database does."""

import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.builders import candidate_body, interview_body
from tests.conftest import EmptyDatabases
from tests.system.servers import Proxy, Server, new_api_key

pytestmark = pytest.mark.slow

TIMEOUT = 2  # DB_TIMEOUT_SECONDS of the servers here
# A request waits at most that long for each of: its pooled connection's answer, a new
# connection, and that connection's answer; and then some for the process itself.
BOUND = 3 * TIMEOUT + 2


@pytest.fixture
def held(databases: EmptyDatabases, tmp_path: Path) -> Iterator[tuple[Server, Proxy, str]]:
    """A server on PostgreSQL behind a proxy that can turn into a black hole, and its API key."""
    if databases.backend != "postgresql":
        pytest.skip("a database server behind a network: PostgreSQL (SQLite's is the busy test)")
    direct = databases.new()
    target = make_url(direct)
    proxy = Proxy(target.port or 5432)
    proxy.mend()
    through = target.set(port=proxy.port).render_as_string(hide_password=False)
    server = Server(
        through,
        tmp_path / "server.log",
        DB_TIMEOUT_SECONDS=str(TIMEOUT),
        SHUTDOWN_GRACE_SECONDS="6",
        RETRY_AFTER_SECONDS="3",
    ).start()
    try:
        yield server, proxy, new_api_key(direct, "silence")
    finally:
        proxy.release()
        server.stop()
        proxy.cut()


def _timed(send: "httpx.Client", method: str, path: str, **kwargs: object) -> tuple[int, float]:
    started = time.monotonic()
    response = send.request(method, path, **kwargs)  # type: ignore[arg-type]
    return response.status_code, time.monotonic() - started


def test_a_black_holed_database_gives_503_within_the_timeout(
    held: tuple[Server, Proxy, str],
) -> None:
    server, proxy, key = held
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.url, headers=auth, timeout=60) as client:
        assert client.post("/v1/candidates", json=candidate_body()).status_code == 201
        proxy.hold()
        time.sleep(1.1)  # past API_KEY_TRUST_SECONDS: the key is checked in the database too
        for method, path, kwargs in (
            ("POST", "/v1/candidates", {"json": candidate_body()}),
            ("GET", "/v1/candidates", {}),
            (
                "POST",
                "/v1/candidates",
                {"json": candidate_body(), "headers": {"Idempotency-Key": '"silent-1"'}},
            ),
        ):
            status, took = _timed(client, method, path, **kwargs)
            assert status == 503, (method, path)
            assert took < BOUND, (method, path, took)
        status, took = _timed(client, "GET", "/readyz")
        assert (status, took < 1.5) == (503, True), took
        status, took = _timed(client, "GET", "/healthz")
        assert (status, took < 0.5) == (200, True), took

        proxy.release()
        deadline = time.monotonic() + 10
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the service did not come back"
            time.sleep(0.2)
        assert client.post("/v1/candidates", json=candidate_body()).status_code == 201
    assert "Traceback" not in server.log.read_text()


def test_pooled_connections_gone_silent_are_replaced_within_the_timeout(
    held: tuple[Server, Proxy, str],
) -> None:
    """The connections in the pool stop answering; new ones would: requests are answered on new
    connections within the timeout, not after the silence ends."""
    server, proxy, key = held
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.url, headers=auth, timeout=60) as client:
        for _ in range(3):  # connections in the pool
            assert client.post("/v1/candidates", json=candidate_body()).status_code == 201
        proxy.hold(new=False)
        time.sleep(1.1)
        for _ in range(3):
            status, took = _timed(client, "POST", "/v1/candidates", json=candidate_body())
            assert status == 201
            assert took < TIMEOUT + 2, took
        status, took = _timed(client, "GET", "/readyz")
        assert (status, took < 1.5) == (200, True), took


def test_sigterm_stops_within_the_grace_period_while_the_database_is_silent(
    held: tuple[Server, Proxy, str],
) -> None:
    server, proxy, key = held
    auth = {"Authorization": f"Bearer {key}"}
    assert httpx.get(f"{server.url}/readyz", timeout=5).status_code == 200
    proxy.hold()
    answers: list[int] = []

    def create() -> None:
        try:
            response = httpx.post(
                f"{server.url}/v1/candidates", json=candidate_body(), headers=auth, timeout=60
            )
            answers.append(response.status_code)
        except httpx.TransportError:
            answers.append(0)

    waiting = [threading.Thread(target=create) for _ in range(4)]
    for thread in waiting:
        thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    server.signal(signal.SIGTERM)
    server.wait(timeout=15)
    assert time.monotonic() - started < 6 + 1  # SHUTDOWN_GRACE_SECONDS, and a little
    for thread in waiting:
        thread.join(timeout=10)
    assert set(answers) <= {503, 0}, answers  # answered 503, or cut off as the process went


@pytest.mark.parametrize("writer_process", ["true", "false"])
def test_sigterm_stops_within_the_grace_period_on_a_sqlite_lock_held_for_ever(
    databases: EmptyDatabases, tmp_path: Path, writer_process: str
) -> None:
    """A create waits on a lock another process never lets go. In the writer process, it is
    stopped with it; in the server's own process, its thread cannot be, and the server exits
    regardless at the end of the grace period."""
    if databases.backend != "sqlite":
        pytest.skip("SQLite's write lock, held by another process")
    url = databases.new()
    server = Server(
        url,
        tmp_path / "server.log",
        SQLITE_BUSY_TIMEOUT_MS="600000",
        SHUTDOWN_GRACE_SECONDS="3",
        WRITER_PROCESS=writer_process,
    ).start()
    auth = {"Authorization": f"Bearer {new_api_key(url, 'silence')}"}
    holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    answers: list[int] = []

    def create() -> None:
        with httpx.Client(base_url=server.url, headers=auth, timeout=60) as client:
            answers.append(
                client.post("/v1/interviews", json=interview_body(candidate)).status_code
            )

    try:
        with httpx.Client(base_url=server.url, headers=auth, timeout=60) as client:
            candidate = client.post("/v1/candidates", json=candidate_body()).json()["id"]
        holder.execute("BEGIN IMMEDIATE")
        stuck = threading.Thread(target=create)
        stuck.start()
        time.sleep(1)
        started = time.monotonic()
        server.signal(signal.SIGTERM)
        server.wait(timeout=15)
        assert time.monotonic() - started < 3 + 1
        stuck.join(timeout=10)
        assert answers == [503]  # told to retry, not cut off
        if writer_process == "false":
            assert "still busy after the grace period" in server.log.read_text()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        server.stop()
