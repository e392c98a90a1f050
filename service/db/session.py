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
from functools import partial
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
Item = TypeVar("Item")

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

    def store_together(
        self,
        store: "Callable[[Session, Sequence[Item]], Sequence[T | Exception]]",
        items: Sequence[Item],
    ) -> "list[Future[T]]":
        """The fast path for many rows: `store` saves items in shared statements (a table's rows
        for all of them in one) and answers each in its place, with a result or the error that
        refused it (a refused item stores nothing). The items are stored in a write transaction
        with whatever else waits to be stored by the same `store` (see GroupWriter); each
        future holds its item's answer once that transaction has committed."""
        return self._group.submit_items(store, items)

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


@dataclass(frozen=True)
class _Items(Generic[Item, T]):
    """Items handed in together to be stored by one `store` (Database.store_together)."""

    store: Callable[[Session, Sequence[Item]], Sequence[T | Exception]]
    items: list[Item]
    results: "list[Future[T]]"


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
        self._waiting: queue.SimpleQueue[_Work[Any] | _Items[Any, Any] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, run: Callable[[Session], T]) -> "Future[T]":
        work = _Work(run, Future())
        self._put(work)
        return work.result

    def submit_items(
        self,
        store: Callable[[Session, Sequence[Item]], Sequence[T | Exception]],
        items: Sequence[Item],
    ) -> "list[Future[T]]":
        given = _Items(store, list(items), [Future() for _ in items])
        self._put(given)
        return given.results

    def _put(self, work: "_Work[Any] | _Items[Any, Any]") -> None:
        with self._lock:
            if self._closed:
                raise Unavailable("the service is shutting down")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="group-writer", daemon=True
                )
                self._thread.start()
            self._waiting.put(work)

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
            while _size(group) < GROUP_MOST and not last:
                try:
                    more = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    last = True
                else:
                    group.append(more)
            try:
                for run in _runs(group):
                    if isinstance(run, list):
                        works = [work for work in run if work.result.set_running_or_notify_cancel()]
                        _commit_together(self._db, works)
                    else:
                        _commit_items(self._db, run)
            except BaseException as error:  # the thread is going: no caller is left waiting
                for piece in group:
                    for future in piece.results if isinstance(piece, _Items) else [piece.result]:
                        if not future.done():
                            future.set_exception(error)
                raise
            if last:
                return


def _size(group: "list[_Work[Any] | _Items[Any, Any]]") -> int:
    return sum(len(piece.items) if isinstance(piece, _Items) else 1 for piece in group)


def _runs(
    group: "list[_Work[Any] | _Items[Any, Any]]",
) -> "list[list[_Work[Any]] | _Items[Any, Any]]":
    """The group in order, as runs of single pieces of work, and of items for one `store`
    merged into one: a burst of creates shares its statements whoever handed them in."""
    runs: list[list[_Work[Any]] | _Items[Any, Any]] = []
    for piece in group:
        before = runs[-1] if runs else None
        if isinstance(piece, _Work):
            if isinstance(before, list):
                before.append(piece)
            else:
                runs.append([piece])
        elif isinstance(before, _Items) and before.store is piece.store:
            runs[-1] = _Items(
                piece.store, before.items + piece.items, before.results + piece.results
            )
        else:
            runs.append(piece)
    return runs


def _commit_items(db: Database, given: "_Items[Any, Any]") -> None:
    """Store the items in one write transaction with their shared statements. If `store`
    raises, it is rolled back and each item is stored alone, one after another, as
    _commit_together runs work; an outage fails them all."""
    running = [
        (item, result)
        for item, result in zip(given.items, given.results, strict=True)
        if result.set_running_or_notify_cancel()
    ]
    if not running:
        return
    batching = False
    try:
        with db.writing() as session:
            batching = True
            answers = list(given.store(session, [item for item, _ in running]))
            if len(answers) != len(running):  # each item must be answered
                raise ValueError(f"a store answered {len(answers)} of {len(running)} items")
            batching = False
    except Exception as error:
        if not batching or isinstance(error, _OUTAGES):
            for _, result in running:
                result.set_exception(error)
        else:
            log.info(
                "a group of %d failed (%s); each runs alone", len(running), type(error).__name__
            )
            _commit_together(
                db, [_Work(partial(_alone, given.store, item), result) for item, result in running]
            )
        return
    for (_, result), answer in zip(running, answers, strict=True):
        if isinstance(answer, Exception):
            result.set_exception(answer)
        else:
            result.set_result(answer)


def _alone(
    store: Callable[[Session, Sequence[Item]], Sequence[T | Exception]],
    item: Item,
    session: Session,
) -> T:
    """One item stored by `store` on its own; raises the error that refuses it."""
    [answer] = store(session, [item])
    if isinstance(answer, Exception):
        raise answer
    return answer


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
