"""A deadline on every PostgreSQL connection in use: a database that stops answering (a frozen
server, a stalled proxy, a network that drops everything) fails the request with an error instead
of holding it, its thread and its connection for as long as the silence lasts.

libpq's connect_timeout, TCP keepalives and TCP_USER_TIMEOUT, and the server's statement_timeout,
catch most of this; none of them sees a peer whose kernel still acknowledges what it is sent but
never answers. So a connection checked out longer than the deadline has its socket shut down,
which the waiting driver reports as a lost connection (a 503 for the request).
"""

import contextlib
import logging
import os
import socket
import threading
import time
from typing import Any

from sqlalchemy import Engine, event, exc

log = logging.getLogger("service.db")


class Deadlines:
    """Watches an engine's connections from checkout to checkin; also pings each reused
    connection at checkout under the same deadline (SQLAlchemy's own pre-ping runs before any
    listener could watch it)."""

    def __init__(self, engine: Engine, seconds: float) -> None:
        self.seconds = seconds
        self._busy: dict[int, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        event.listen(engine, "connect", self._connected)
        event.listen(engine, "checkout", self._checked_out)
        event.listen(engine, "checkin", self._checked_in)
        event.listen(engine, "invalidate", self._invalidated)
        self._thread = threading.Thread(target=self._watch, name="db-deadlines", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def _connected(self, dbapi_connection: Any, record: Any) -> None:
        record.info["fresh"] = True

    def _checked_out(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        with self._lock:
            self._busy[id(dbapi_connection)] = (time.monotonic() + self.seconds, dbapi_connection)
        if record.info.pop("fresh", False):
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as error:
            self._forget(dbapi_connection)
            # SQLAlchemy drops this connection and tries a new one.
            raise exc.DisconnectionError(f"the connection no longer answers: {error}") from error

    def _checked_in(self, dbapi_connection: Any, _record: Any) -> None:
        self._forget(dbapi_connection)

    def _invalidated(self, dbapi_connection: Any, _record: Any, _error: Any) -> None:
        if dbapi_connection is not None:
            self._forget(dbapi_connection)

    def _forget(self, dbapi_connection: Any) -> None:
        with self._lock:
            self._busy.pop(id(dbapi_connection), None)

    def _watch(self) -> None:
        tick = min(0.25, self.seconds / 4)
        while not self._stop.wait(tick):
            now = time.monotonic()
            with self._lock:
                late = [c for key, (due, c) in self._busy.items() if due <= now]
                for connection in late:
                    self._busy.pop(id(connection), None)
            for connection in late:
                log.warning(
                    "the database did not answer within %.1f s; its connection is cut",
                    self.seconds,
                )
                _shut_down(connection)


def _shut_down(dbapi_connection: Any) -> None:
    """Shut the connection's socket down under the driver, which then reports it lost."""
    try:
        fd = dbapi_connection.pgconn.socket
    except Exception:  # already closed
        return
    with socket.socket(fileno=os.dup(fd)) as sock, contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
