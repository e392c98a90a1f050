"""The delivery worker: scans for due events and sends claimed deliveries on a few threads.
Claims are leases (a claimed row is due again when its lease ends), so deliveries held by a
worker that died are taken by another; on stop, unfinished work is handed back."""

import contextlib
import logging
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx

from service.config import Settings
from service.db.session import Database
from service.webhooks import delivery, repository, scan
from service.webhooks.repository import Claimed
from service.webhooks.signing import SecretBox, service_key

log = logging.getLogger("service.webhooks")


def _now() -> datetime:
    return datetime.now(UTC)


class Worker:
    """Scans every WEBHOOK_POLL_SECONDS and keeps up to WEBHOOK_CONCURRENCY deliveries in
    flight, at most WEBHOOK_ENDPOINT_CONCURRENCY to one endpoint."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.name = uuid.uuid4().hex[:16]
        self.poll = settings.webhook_poll_seconds
        self.lease = timedelta(seconds=settings.webhook_lease_seconds)
        self.concurrency = settings.webhook_concurrency
        self.per_endpoint = settings.webhook_endpoint_concurrency
        self.allow_private = settings.webhook_allow_private_addresses
        hour, minute = settings.webhook_digest_time.split(":")
        self.digest_at = datetime.min.time().replace(hour=int(hour), minute=int(minute))
        self.box = SecretBox(lambda: service_key(settings))
        self.client = httpx.Client(
            timeout=delivery.TIMEOUT_SECONDS,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=self.concurrency * 2),
            trust_env=False,
        )
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="webhook")
        self._flying: dict[int, tuple[Claimed, Future[None]]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_scan = 0.0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="webhook-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for work now rather than at the next poll."""
        self._wake.set()

    def stop(self, within: float) -> None:
        """Stop claiming, let deliveries in flight finish for up to `within` seconds, and hand
        back those that have not."""
        deadline = time.monotonic() + within
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=within)
        with self._lock:
            futures = [future for _, future in self._flying.values()]
        for future in futures:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with contextlib.suppress(Exception):  # each failure is logged where it ran
                future.result(timeout=remaining)
        with self._lock:
            unfinished = list(self._flying)
        if unfinished:
            try:
                with self.db.writing() as session:
                    repository.release(session, unfinished, self.name, _now())
            except Exception:
                log.warning("could not hand back %d webhook deliveries", len(unfinished))
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.client.close()

    # The loop

    def _run(self) -> None:
        while not self._stopping.is_set():
            # Cleared before looking, so a delivery that ends meanwhile wakes the next wait.
            self._wake.clear()
            busy = False
            try:
                busy = self.step(_now())
            except Exception as error:
                log.warning("webhook worker: %s: %s", type(error).__name__, error)
            if not busy:
                self._wake.wait(self.poll)

    def step(self, now: datetime) -> bool:
        """Scan if a poll has passed, then claim what free threads can take; True if it claimed
        a full load (there may be more waiting)."""
        if time.monotonic() - self._last_scan >= self.poll:
            self._last_scan = time.monotonic()
            scan.scan(self.db, now, self.digest_at)
            self._measure()
        free = self.concurrency - len(self._flying)
        if free <= 0:
            return False
        with self._lock:
            per_endpoint = Counter(claimed.endpoint_id for claimed, _ in self._flying.values())
        full = [endpoint for endpoint, n in per_endpoint.items() if n >= self.per_endpoint]
        with self.db.writing() as session:
            claimed = repository.claim(
                session,
                now,
                now + self.lease,
                self.name,
                free,
                full,
                per_endpoint,
                self.per_endpoint,
            )
        for one in claimed:
            future = self._pool.submit(self._deliver, one)
            with self._lock:
                self._flying[one.delivery_id] = (one, future)
        return len(claimed) == free

    def _deliver(self, claimed: Claimed, at: datetime | None = None) -> None:
        try:
            now = at or _now()
            answer = delivery.send(self.client, claimed, self.box, self.allow_private, now)
            with self.db.writing() as session:
                delivery.record(session, claimed, self.name, answer, now)
        except Exception as error:
            log.warning("webhook delivery %d: %s", claimed.delivery_id, type(error).__name__)
        finally:
            with self._lock:
                self._flying.pop(claimed.delivery_id, None)
            self._wake.set()

    def _measure(self) -> None:
        with self.db.reading() as session:
            depth, oldest = repository.queue_depth(session)
        delivery.QUEUE_DEPTH.set(depth)
        delivery.OLDEST_AGE.set((_now() - oldest).total_seconds() if oldest else 0)

    def drain(self, now: datetime | None = None, rounds: int = 100) -> None:
        """Claim and deliver until nothing is due (tests and the bench, without the thread); a
        given `now` is also the time each attempt is sent at and recorded at."""
        for _ in range(rounds):
            at = now or _now()
            with self.db.writing() as session:
                claimed = repository.claim(
                    session,
                    at,
                    at + self.lease,
                    self.name,
                    self.concurrency,
                    [],
                    {},
                    self.per_endpoint,
                )
            if not claimed:
                return
            for future in [self._pool.submit(self._deliver, one, now) for one in claimed]:
                future.result()
