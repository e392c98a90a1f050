"""Webhook figures: the delivery rate to a receiver on this machine (events/s), and what one scan
for due steps costs as the database grows from 10 to 10,000 candidates (goal: flat within 1.2x).

python -m bench.webhooks [--events N] [--only sqlite|postgresql]
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from service.accounts import service as accounts_service
from service.config import Settings
from service.db import migrate
from service.db.session import Database
from service.db.tables import CandidateRow, FollowUpRow, InterviewRow
from service.webhooks import outbox, scan, service
from service.webhooks.events import EventType
from service.webhooks.service import NewEndpoint, Webhooks
from service.webhooks.signing import SecretBox, service_key
from service.webhooks.worker import Worker

ROOT = Path(__file__).resolve().parents[1]
RECEIVER = ROOT / "tests" / "webhooks" / "receiver.py"
POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
NOW = datetime(2027, 3, 2, 15, 0, tzinfo=UTC)
STEPS_PER_CANDIDATE = 11
DUE_IN_EACH_SCAN = 5


def _database(backend: str, folder: Path) -> tuple[str, Any]:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}", None
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"ifs_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    return url, (admin, name)


def _drop(made: Any) -> None:
    if made is not None:
        admin, name = made
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _settings(url: str, **more: Any) -> Settings:
    return Settings(
        database_url=url,
        secret_key="bench",
        webhook_allow_private_addresses=True,
        webhook_worker=False,
        **more,
    )


def delivery_rate(url: str, folder: Path, events: int, per_endpoint: int) -> float:
    """Events per second from the outbox to a receiver that answers 200 at once."""
    port = _free_port()
    receiver = subprocess.Popen(
        [sys.executable, str(RECEIVER), str(port), str(folder / f"got-{port}.jsonl")]
    )
    settings = _settings(url, webhook_concurrency=8, webhook_endpoint_concurrency=per_endpoint)
    db = Database(settings, deadlines=False)
    try:
        time.sleep(0.5)
        accounts_service.create_key(db, f"bench-{port}", NOW)
        hooks = Webhooks(db, SecretBox(lambda: service_key(settings)), allow_private=True)
        with db.reading() as session:
            account = int(session.execute(text("SELECT max(id) FROM accounts")).scalar_one())
        made = service.create_endpoint(
            hooks, account, NewEndpoint(f"http://127.0.0.1:{port}/ok"), NOW
        )
        with db.writing() as session:
            for n in range(events):
                outbox.enqueue(
                    session,
                    account,
                    EventType.PING,
                    {"n": n},
                    datetime.now(UTC),
                    endpoint_ids=[made.endpoint.id],
                )
        worker = Worker(db, settings)
        started = time.perf_counter()
        worker.start()  # the worker as a server runs it: its loop and threads
        while _succeeded(db, made.endpoint.id) < events:
            time.sleep(0.02)
        took = time.perf_counter() - started
        worker.stop(1)
        return events / took
    finally:
        receiver.kill()
        receiver.wait()
        db.dispose()


def _succeeded(db: Database, endpoint_id: int) -> int:
    with db.reading() as session:
        found = session.execute(
            text(
                "SELECT count(*) FROM webhook_deliveries"
                " WHERE state = 'succeeded' AND endpoint_id = :endpoint"
            ),
            {"endpoint": endpoint_id},
        )
        return int(found.scalar_one())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _grow(db: Database, account: int, first: int, count: int) -> None:
    """Add `count` candidates, each with an interview and its steps, none of them due near NOW."""
    rows: dict[str, list[dict[str, Any]]] = {"c": [], "i": [], "f": []}
    for n in range(first, first + count):
        rows["c"].append(
            {
                "id": n,
                "account_id": account,
                "name": f"Candidate {n}",
                "timezone": "America/New_York",
                "call_time": clock_time(10),
                "business_start": clock_time(9),
                "business_end": clock_time(17),
                "business_days": "12345",
                "thank_you_channel": "email",
                "follow_up_channel": "phone",
                "policy": {},
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        starts_at = NOW - timedelta(days=40) + timedelta(minutes=n % 50_000)
        rows["i"].append(
            {
                "id": n,
                "account_id": account,
                "candidate_id": n,
                "company": "Acme",
                "role": "Analyst",
                "starts_at": starts_at,
                "ends_at": starts_at + timedelta(hours=1),
                "timezone": "America/New_York",
                "format": "video",
                "round": 1,
                "process": "standard",
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        for step in range(STEPS_PER_CANDIDATE):
            # Spread over 60 days before and after NOW, but never within a day of it.
            offset = timedelta(days=1 + (n * STEPS_PER_CANDIDATE + step) % 59)
            due_at = NOW + offset if step % 2 else NOW - offset
            rows["f"].append(_step(account, n, f"follow_up:{step}", due_at))
    with db.writing() as session:
        for table, key in ((CandidateRow, "c"), (InterviewRow, "i"), (FollowUpRow, "f")):
            for start in range(0, len(rows[key]), 5000):
                session.execute(insert(table), rows[key][start : start + 5000])


def _step(account: int, candidate: int, key: str, due_at: datetime) -> dict[str, Any]:
    return {
        "account_id": account,
        "candidate_id": candidate,
        "interview_id": candidate,
        "key": key,
        "kind": "follow_up",
        "channel": "phone",
        "contact_id": None,
        "ideal_at": due_at,
        "due_at": due_at,
        "deadline_at": due_at + timedelta(days=1),
        "status": "pending",
        "late": False,
        "why": "bench",
        "summary": "Call",
        "checklist": [],
        "sequence": 0,
        "created_at": NOW,
        "updated_at": NOW,
    }


def _settle(db: Database) -> None:
    """Let the database finish with the rows just added before timing: SQLite's log copied
    back, PostgreSQL's statistics current."""
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            connection.execute(text("ANALYZE"))
        connection.commit()
    time.sleep(1)


def scan_cost(db: Database, runs: int) -> float:
    """Median seconds of one due scan at NOW (the same window each time), after a warm-up."""
    _settle(db)
    for _ in range(5):
        with db.writing() as session:
            scan.due(session, NOW)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with db.writing() as session:
            scan.due(session, NOW)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def scan_growth(url: str, runs: int) -> tuple[float, float]:
    """The due scan's median at 10 candidates, then at 10,000 (steps due in its window: the same
    five in both)."""
    settings = _settings(url)
    db = Database(settings, deadlines=False)
    try:
        accounts_service.create_key(db, "bench-scan", NOW)
        with db.reading() as session:
            account = int(session.execute(text("SELECT max(id) FROM accounts")).scalar_one())
        hooks = Webhooks(db, SecretBox(lambda: service_key(settings)), allow_private=True)
        service.create_endpoint(hooks, account, NewEndpoint("http://127.0.0.1:9/x"), NOW)
        _grow(db, account, 1, 10)
        with db.writing() as session:
            session.execute(
                insert(FollowUpRow),
                [
                    _step(account, 1, f"due-now:{n}", NOW - timedelta(seconds=10 * (n + 1)))
                    for n in range(DUE_IN_EACH_SCAN)
                ],
            )
        small = scan_cost(db, runs)
        _grow(db, account, 11, 9_990)
        large = scan_cost(db, runs)
        return small, large
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    backends = [args.only] if args.only else ["sqlite", "postgresql"]
    for backend in backends:
        with tempfile.TemporaryDirectory() as folder:
            for measure in ("rate", "scan"):
                (Path(folder) / measure).mkdir(exist_ok=True)
                url, made = _database(backend, Path(folder) / measure)
                try:
                    migrate.upgrade(url)
                    if measure == "rate":
                        for per_endpoint in (2, 8):
                            rate = delivery_rate(url, Path(folder), args.events, per_endpoint)
                            print(
                                f"{backend}: delivery to one local receiver, "
                                f"{per_endpoint} in flight: {rate:.0f} events/s"
                            )
                    else:
                        small, large = scan_growth(url, args.runs)
                        print(
                            f"{backend}: due scan, 10 candidates {small * 1000:.2f} ms, "
                            f"10,000 candidates {large * 1000:.2f} ms, "
                            f"ratio {large / small:.2f} (goal <= 1.2)"
                        )
                finally:
                    _drop(made)
    return 0


if __name__ == "__main__":
    sys.exit(main())
