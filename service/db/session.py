"""Engines and transactions: SQLite tuned for concurrent writers, PostgreSQL through psycopg 3;
the work waiting to write is committed together (service.db.group)."""

import math
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.db.deadlines import Deadlines
from service.db.group import GroupWriter
from service.errors import Unavailable

# SQLite copies the write-ahead log back into the database file (a checkpoint, with its fsyncs)
# in whichever commit crosses this many pages; a thread of the Database does it in the
# background long before, so a commit seldom does. Crash recovery reads at most this much log.
WAL_PAGES_BEFORE_A_COMMIT_CHECKPOINTS = 10_000
CHECKPOINT_EVERY_SECONDS = 0.5

T = TypeVar("T")
Item = TypeVar("Item")


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
        self._group = GroupWriter(self.writing)
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
        (see service.db.group); the future holds its result once that transaction has committed."""
        return self._group.submit(work)

    def store_together(
        self,
        store: "Callable[[Session, Sequence[Item]], Sequence[T | Exception]]",
        items: Sequence[Item],
        here: bool = False,
    ) -> "list[Future[T]]":
        """The fast path for many rows: `store` saves items in shared statements (a table's rows
        for all of them in one) and answers each in its place, with a result or the error that
        refused it (a refused item stores nothing). The items are stored in a write transaction
        with whatever else waits to be stored by the same `store` (see service.db.group); each
        future holds its item's answer once that transaction has committed. With `here`, for a
        caller that gathers its own groups (the writer process), they are stored as they are,
        on the caller's thread, before this returns: no handing over to the group's thread."""
        return self._group.submit_items(store, items, here)

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
