"""A real receiver process on 127.0.0.1 and settings that allow it (a private address)."""

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.config import Settings
from service.db.session import Database
from service.webhooks.worker import Worker
from tests.system.servers import free_port


class Receiver:
    """tests/webhooks/receiver.py in its own process; `received()` reads what it got."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"received-{self.port}.jsonl"
        self.log.touch()
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("receiver.py")),
                str(self.port),
                str(self.log),
            ]
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def received(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(entry["body"]) for entry in self.received()]

    def wait_for(self, count: int, timeout: float = 60) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(found := self.received()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"received {len(found)} of {count}")
            time.sleep(0.1)
        return found

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    found = Receiver(tmp_path)
    yield found
    found.stop()


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    return Settings(
        database_url=migrated_url,
        public_base_url="https://calendar.example.org",
        writer_process=False,
        webhook_worker=False,
        webhook_allow_private_addresses=True,
        secret_key="a key for the tests",
    )


@pytest.fixture
def worker(db: Database, settings: Settings) -> Iterator[Worker]:
    made = Worker(db, settings)
    yield made
    made.stop(1)
