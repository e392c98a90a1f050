"""Webhooks from real server and worker processes: a step due seconds ahead arrives on time,
two replicas on one PostgreSQL deliver each of 1,000 events exactly once, and a worker killed
with SIGKILL in the middle of deliveries loses none."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from service.config import Settings
from service.db import migrate
from service.db.session import Database
from service.db.tables import WebhookDeliveryRow, WebhookEventRow
from service.domain.model import WEEKDAYS
from service.webhooks import outbox, service
from service.webhooks.events import EventType
from service.webhooks.service import NewEndpoint, Webhooks
from service.webhooks.signing import SecretBox, service_key
from tests.builders import candidate_body, interview_body
from tests.conftest import EmptyDatabases
from tests.system.servers import ROOT, Server, new_api_key
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.slow

KEY = "the service key of these tests"
ENV = {
    "SECRET_KEY": KEY,
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
    "WEBHOOK_POLL_SECONDS": "0.5",
    "LOG_LEVEL": "warning",
}


def _hooks(url: str) -> tuple[Database, Webhooks]:
    settings = Settings(database_url=url, secret_key=KEY)
    db = Database(settings, deadlines=False)  # a thousand events take a while to store
    return db, Webhooks(db, SecretBox(lambda: service_key(settings)), allow_private=True)


def _events(db: Database, endpoint_id: int, account_id: int, count: int) -> set[str]:
    """`count` ping events for one endpoint, stored in one transaction; their webhook-ids."""
    now = datetime.now(UTC)
    with db.writing() as session:
        ids = [
            outbox.enqueue(
                session,
                account_id,
                EventType.PING,
                {"endpoint_id": endpoint_id, "n": n},
                now,
                endpoint_ids=[endpoint_id],
            )
            for n in range(count)
        ]
        return set(
            session.scalars(select(WebhookEventRow.msg_id).where(WebhookEventRow.id.in_(ids)))
        )


def _succeeded(db: Database) -> int:
    with db.reading() as session:
        return int(
            session.scalar(select(func.count()).where(WebhookDeliveryRow.state == "succeeded")) or 0
        )


def test_a_step_due_seconds_ahead_arrives_from_a_served_app(
    databases: EmptyDatabases, tmp_path: Path
) -> None:
    url = databases.new()
    receiver = Receiver(tmp_path)
    server = Server(url, tmp_path / "server.log", None, "/healthz", **ENV).start()
    try:
        auth = {"Authorization": f"Bearer {new_api_key(url, 'reminders')}"}
        with httpx.Client(base_url=server.url, headers=auth) as api:
            endpoint = api.post(
                "/v1/webhooks", json={"url": f"{receiver.url}/ok", "events": ["followup.due"]}
            ).json()
            # Open every hour of every day, with no holidays: the step is due when the interview
            # ends, whatever the hour this runs at (else a step ending at night waits for 9:00).
            always = {"start": "00:00", "end": "23:59", "days": list(WEEKDAYS)}
            body = candidate_body(country=None, business_hours=always)
            candidate = api.post("/v1/candidates", json=body).json()
            # An interview ending in seconds: telling the references is due then.
            # (The first create starts the server's writer process, which takes a moment.)
            api.post("/v1/interviews", json=interview_body(candidate["id"]))
            ends_at = (datetime.now(UTC) + timedelta(seconds=6)).replace(microsecond=0)
            starts_at = ends_at - timedelta(hours=1)
            interview = api.post(
                "/v1/interviews",
                json=interview_body(candidate["id"], starts_at=starts_at.isoformat()),
            ).json()
            [step] = [s for s in interview["followups"] if s["kind"] == "notify_references"]
            due_at = datetime.fromisoformat(step["due_at"])
            deadline = time.monotonic() + 90
            while not (
                mine := [r for r in receiver.received() if f'"id":{step["id"]},' in r["body"]]
            ):
                assert time.monotonic() < deadline, "the step's followup.due did not arrive"
                time.sleep(0.1)
            arrived = datetime.now(UTC)
        [got] = mine
        event = Webhook(endpoint["secret"]).verify(got["body"], got["headers"])
        assert event["type"] == "followup.due" and event["data"]["id"] == step["id"]
        assert timedelta(0) <= arrived - due_at < timedelta(seconds=30)
    finally:
        server.stop()
        receiver.stop()


def test_two_replicas_deliver_each_of_1000_events_exactly_once(
    databases: EmptyDatabases, tmp_path: Path
) -> None:
    if databases.backend != "postgresql":
        pytest.skip("replicas share a PostgreSQL database")
    url = databases.new()
    receiver = Receiver(tmp_path)
    env = {**ENV, "WEBHOOK_ENDPOINT_CONCURRENCY": "8"}
    replicas = [Server(url, tmp_path / f"replica-{n}.log", None, "/healthz", **env) for n in (1, 2)]
    db, hooks = _hooks(url)
    try:
        for replica in replicas:
            replica.start()
        new_api_key(url, "replicas")
        endpoint = service.create_endpoint(
            hooks, 1, NewEndpoint(f"{receiver.url}/ok"), datetime.now(UTC)
        )
        sent = _events(db, endpoint.endpoint.id, 1, 1000)
        got = receiver.wait_for(1000, timeout=240)
        time.sleep(2)  # anything sent twice would arrive by now
        got = receiver.received()
        ids = Counter(entry["headers"]["webhook-id"] for entry in got)
        assert set(ids) == sent
        assert max(ids.values()) == 1, [i for i, n in ids.items() if n > 1][:5]
        assert _succeeded(db) == 1000
    finally:
        for replica in replicas:
            replica.stop()
        receiver.stop()
        db.dispose()


def test_a_worker_killed_during_deliveries_loses_none(
    databases: EmptyDatabases, tmp_path: Path
) -> None:
    url = databases.new()
    migrate.upgrade(url)
    receiver = Receiver(tmp_path)
    db, hooks = _hooks(url)
    env = {**os.environ, **ENV, "DATABASE_URL": url, "WEBHOOK_LEASE_SECONDS": "2"}
    command = [sys.executable, "-m", "service", "worker"]
    log = (tmp_path / "worker.log").open("ab")
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    second = None
    try:
        new_api_key(url, "crashes")
        endpoint = service.create_endpoint(
            hooks, 1, NewEndpoint(f"{receiver.url}/slow/20"), datetime.now(UTC)
        )
        sent = _events(db, endpoint.endpoint.id, 1, 200)
        receiver.wait_for(20, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait()
        second = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while _succeeded(db) < 200:
            assert time.monotonic() < deadline, f"{_succeeded(db)} of 200 delivered"
            time.sleep(0.2)
        received = {entry["headers"]["webhook-id"] for entry in receiver.received()}
        assert received == sent
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        receiver.stop()
        db.dispose()
        log.close()
