"""Many writers at once on SQLite, through a real server: no errors and exact counts."""

import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.builders import candidate_body
from tests.conftest import EmptyDatabases
from tests.system.servers import Server, new_api_key

pytestmark = pytest.mark.slow

THREADS, WRITES = 16, 50


def test_sixteen_writers_on_sqlite_lose_nothing(databases: EmptyDatabases, tmp_path: Path) -> None:
    if databases.backend != "sqlite":
        pytest.skip("SQLite's single writer is what is under test")
    url = databases.new()
    server = Server(url, tmp_path / "server.log").start()
    try:
        keys = [new_api_key(url, f"writer-{n}") for n in range(THREADS)]
        failures: list[str] = []

        def write(key: str) -> None:
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
                for n in range(WRITES):
                    body = candidate_body(name=f"Candidate {n}")
                    response = client.post("/v1/candidates", json=body)
                    if response.status_code != 201:
                        failures.append(f"{response.status_code} {response.text}")

        threads = [threading.Thread(target=write, args=(key,)) for key in keys]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    assert failures == []
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            counts = connection.execute(
                text("SELECT account_id, count(*) FROM candidates GROUP BY account_id")
            ).all()
            tokens = connection.execute(text("SELECT count(*) FROM feed_tokens")).scalar_one()
    finally:
        engine.dispose()
    assert sorted(n for _, n in counts) == [WRITES] * THREADS
    assert tokens == THREADS * WRITES
