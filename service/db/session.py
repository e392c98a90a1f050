"""Engines and transactions: SQLite tuned for concurrent writers, PostgreSQL through psycopg 3,
and a writer that commits waiting work together."""

import logging
import math
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.db.deadlines import Deadlines
from service.errors import Unavailable

# SQLite copies the write-ahead log back into the database file (a checkpoint, with its fsyncs)
# in whichever commit crosses this many pages; a thread of the Database does it in the
# background long before, so a commit seldom does. Crash recovery reads at most this much log.
WAL_PAGES_BEFORE_A_COMMIT_CHECKPOINTS = 10_000
CHECKPOINT_EVERY_SECONDS = 0.5
# The most pieces of work one shared transaction takes (see GroupWriter), which bounds how long
# it holds SQLite's write lock: about a tenth of a second of creates.
GROUP_MOST = 64
# Errors of the database itself rather than of one piece of work: a shared transaction that
# meets one fails for everyone in it, as each would have failed alone.
_OUTAGES = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)

T = TypeVar("T")

log = logging.getLogger("service.db")


def _sqlite_engine(url: URL, settings: Settings) -> Engine:
    pool: dict[str, int] = {}
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        pool = {"pool_size": settings.db_pool_size, "max_overflow": settings.db_pool_size}
    engine = create_engine(
        url,
        connect_args={
            "timeout": settings.sqlite_busy_timeout_ms / 1000,
            "check_same_thread": False,
        },
        **pool,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours (see _begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES_BEFORE_A_COMMIT_CHECKPOINTS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A writer takes the write lock up front (BEGIN IMMEDIATE) and waits for it under
        # busy_timeout; a deferred transaction that upgrades later fails with "database is locked".
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def make_engine(settings: Settings) -> Engine:
    """An engine for the configured database URL."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, settings)
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() != "postgresql":
        return create_engine(url, pool_pre_ping=True)
    return create_engine(
        url,
        # Database checks each reused connection under its deadline (service.db.deadlines).
        pool_pre_ping=False,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=settings.db_timeout_seconds,
        connect_args=_postgres_timeouts(settings.db_timeout_seconds),
    )


def _postgres_timeouts(seconds: float) -> dict[str, Any]:
    """libpq's limits on waiting for the server: to connect, for a statement (the server stops
    it), and for the peer to acknowledge what was sent or to answer keepalives."""
    milliseconds = int(seconds * 1000)
    return {
        "connect_timeout": max(2, math.ceil(seconds)),  # libpq's least
        "options": f"-c statement_timeout={milliseconds}",
        "keepalives": 1,
        "keepalives_idle": max(1, math.ceil(seconds)),
        "keepalives_interval": 1,
        "keepalives_count": 3,
        "tcp_user_timeout": milliseconds,
    }


class Database:
    """One engine and the two kinds of transaction the use cases open: read and write."""

    def __init__(self, settings: Settings, deadlines: bool = True) -> None:
        self.engine = make_engine(settings)
        # A request's database work is bounded; a long job (rendering every event after an
        # upgrade) makes its own Database without the deadline.
        self._deadlines = (
            Deadlines(self.engine, settings.db_timeout_seconds)
            if deadlines and self.engine.dialect.name == "postgresql"
            else None
        )
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )
        # Writes committed through this object: what was read before one may be out of date.
        self.generation = 0
        # SQLite has one writer at a time. This process's writers take turns on a lock, handed
        # on at once, rather than in SQLite's busy handler, which sleeps up to 100 ms between
        # tries; writers in other processes still wait under busy_timeout.
        self._write_turn = threading.Lock() if self.engine.dialect.name == "sqlite" else None
        self._write_wait = settings.sqlite_busy_timeout_ms / 1000
        self._stop = threading.Event()
        self._group = GroupWriter(self)
        self._checkpointer: threading.Thread | None = None
        on_disk = self.engine.url.database not in (None, "", ":memory:")
        if self.engine.dialect.name == "sqlite" and on_disk:
            self._checkpointer = threading.Thread(
                target=self._checkpoint, name="sqlite-checkpoint", daemon=True
            )
            self._checkpointer.start()

    def _checkpoint(self) -> None:
        """Copy committed log pages into the database file every half second, beside the
        writers (a passive checkpoint waits for no one and stops no one)."""
        written = self.generation
        while not self._stop.wait(CHECKPOINT_EVERY_SECONDS):
            if self.generation == written:
                continue
            written = self.generation
            # A busy or vanished database: the next round does it, or a commit past the limit.
            with suppress(SQLAlchemyError), self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads; closing the session rolls it back."""
        with self._reader() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A transaction that commits when the block succeeds and rolls back when it raises."""
        turn = self._write_turn
        if turn is not None and not turn.acquire(timeout=self._write_wait):
            raise Unavailable("the database is busy; retry shortly")
        try:
            with self._writer() as session, session.begin():
                yield session
        finally:
            if turn is not None:
                turn.release()
            self.generation += 1

    def wrote(self) -> None:
        """Count a write committed elsewhere (by the server's writer process) as this one's."""
        self.generation += 1

    def write_together(self, work: Callable[[Session], T]) -> "Future[T]":
        """Run `work` in a write transaction shared with whatever else is waiting to write
        (see GroupWriter); the future holds its result once that transaction has committed."""
        return self._group.submit(work)

    def write_batch(
        self,
        batch: Callable[[Session], Sequence["T | Exception"]],
        works: Sequence[Callable[[Session], T]],
    ) -> "list[Future[T]]":
        """Run `batch`, here and now, which does what `works` do one by one but with statements
        they share, in one write transaction; for a caller that gathers its own groups (the
        server's writer process). Each work is answered with its place in what the batch
        returns: a result, or the error that refused it (a refused work stores nothing). If
        the batch raises, it is rolled back and the works run in transactions shared as the
        GroupWriter shares them, each stored or failing on its own; an outage fails them all."""
        group = [_Work(run, Future()) for run in works]
        for work in group:
            work.result.set_running_or_notify_cancel()
        batching = False
        try:
            with self.writing() as session:
                batching = True
                results = list(batch(session))
                if len(results) != len(group):  # each work must be answered
                    raise ValueError(f"a batch answered {len(results)} of {len(group)}")
                batching = False
        except Exception as error:
            if not batching or isinstance(error, _OUTAGES):
                for work in group:
                    work.result.set_exception(error)
            else:
                log.info(
                    "a batch of %d failed (%s); each runs alone", len(group), type(error).__name__
                )
                _commit_together(self, group)
            return [work.result for work in group]
        for work, result in zip(group, results, strict=True):
            if isinstance(result, Exception):
                work.result.set_exception(result)
            else:
                work.result.set_result(result)
        return [work.result for work in group]

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self._group.close()
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
        if self._deadlines is not None:
            self._deadlines.close()
        self.engine.dispose()


@dataclass(frozen=True)
class _Work(Generic[T]):
    run: Callable[[Session], T]
    result: "Future[T]"


class GroupWriter:
    """One thread that runs the work handed to it in write transactions, all the work waiting
    at the time in one transaction: a group commit. Under load a BEGIN, a COMMIT (on PostgreSQL
    a flush of its log) and a connection serve many creates rather than one each, and the work
    takes its turn on one thread instead of many contending for the interpreter.

    Work that raises is taken out, the work before it committed without it, and only then is
    its error answered; the work after it goes on in a new transaction. So each piece sees and
    stores what it would have run alone, one after another. An outage fails the whole group."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting: queue.SimpleQueue[_Work[Any] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, run: Callable[[Session], T]) -> "Future[T]":
        work = _Work(run, Future())
        with self._lock:
            if self._closed:
                raise Unavailable("the service is shutting down")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="group-writer", daemon=True
                )
                self._thread.start()
            self._waiting.put(work)
        return work.result

    def close(self) -> None:
        """Finish the work already handed in, then stop."""
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
            self._waiting.put(None)
        if thread is not None:
            thread.join()

    def _serve(self) -> None:
        while True:
            first = self._waiting.get()
            if first is None:
                return
            group = [first]
            last = False
            while len(group) < GROUP_MOST and not last:
                try:
                    more = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    last = True
                else:
                    group.append(more)
            try:
                running = [work for work in group if work.result.set_running_or_notify_cancel()]
                _commit_together(self._db, running)
            except BaseException as error:  # the thread is going: no caller is left waiting
                for work in group:
                    if not work.result.done():
                        work.result.set_exception(error)
                raise
            if last:
                return


def _commit_together(db: Database, group: list[_Work[Any]]) -> None:
    """Run the group in one write transaction, a failing piece taken out (see GroupWriter)."""
    while group:
        failed: int | None = None
        try:
            with db.writing() as session:
                results = []
                for place, work in enumerate(group):
                    failed = place
                    results.append(work.run(session))
                failed = None
        except Exception as error:
            if failed is None or isinstance(error, _OUTAGES):
                for work in group:
                    work.result.set_exception(error)
                return
            # The work before it is stored first, so the failure is answered once what it
            # saw is there for all to see (as if each had run alone, one after another).
            _commit_together(db, group[:failed])
            group[failed].result.set_exception(error)
            group = group[failed + 1 :]
            continue
        for work, result in zip(group, results, strict=True):
            work.result.set_result(result)
        return
