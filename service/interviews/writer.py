"""Where creates are stored: in this process, or in a writer process of the server's own.

A create is the service's heaviest request: it plans the cadence, renders each step's calendar
event, stores some thirty rows and answers the whole plan. In one process all of that shares one
interpreter with the HTTP work, so a server used one core of the machine. The writer process runs
the creates beside it, on another core: the HTTP process checks the request, hands the create
over a pipe and sends the answer the writer sends back. The writer stores the creates waiting
in one transaction, with a statement a table for all of them (interviews_service.store_interviews).

Frames on the pipes are a 4-byte length and a pickle; both ends are this program. The writer
stops when its pipe closes: after finishing what it was handed, when the server shuts down, or
at once, when the server is gone. If it dies, the creates it held get a 503 with Retry-After
(with an Idempotency-Key, a retry is safe) and the next create starts another.

It is kept rather than left to uvicorn's worker processes (WEB_CONCURRENCY) because it was
measured against them and stored creates faster (bench/README.md). It knows nothing of
transactions: it calls the same use case as the server's own thread.
"""

import asyncio
import gc
import logging
import logging.config
import os
import pickle
import select
import signal
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from itertools import count
from typing import Any, Protocol

from service import logs
from service.config import Settings
from service.db.group import GROUP_MOST
from service.db.session import Database
from service.domain.changes import InterviewChanges
from service.domain.model import DomainError
from service.errors import AppError, Unavailable
from service.followups.schemas import InterviewDetail
from service.http.problems import is_database_outage
from service.idempotency.claims import Answer, Claim, json_answer
from service.interviews import planning as interviews_planning
from service.interviews import service as interviews_service

log = logging.getLogger("service.writer")

_LENGTH = 4
# The writer's program: serve() of this module as imported (under -m, the answers it pickles
# would name __main__ for their module).
_WRITER = "import sys; from service.interviews.writer import serve; serve(*map(int, sys.argv[1:]))"


def answer(view: interviews_planning.InterviewView, now: datetime) -> Answer:
    """The created interview's answer, as every read of it shows it."""
    body = InterviewDetail.of_view(view, now).model_dump_json()
    return json_answer(201, body, f"/v1/interviews/{view.interview.id}")


class Creates(Protocol):
    async def create(
        self,
        account_id: int,
        fields: InterviewChanges,
        length: timedelta | None,
        now: datetime,
        claim: Claim[Any] | None,
    ) -> Answer: ...

    def start(self) -> None: ...

    async def close(self) -> None: ...


class InProcess:
    """Creates stored by this process's group writer thread."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        account_id: int,
        fields: InterviewChanges,
        length: timedelta | None,
        now: datetime,
        claim: Claim[Any] | None,
    ) -> Answer:
        claimed = answering(claim, now)
        view = await asyncio.wrap_future(
            interviews_service.create_interview(self._db, account_id, fields, now, claimed, length)
        )
        return answer(view, now)

    def start(self) -> None:
        pass

    async def close(self) -> None:
        pass


def answering(
    claim: Claim[Any] | None, now: datetime
) -> Claim[interviews_planning.InterviewView] | None:
    """The claim, answered as the create route answers (and, for the writer process, in a form
    that crosses the pipe)."""
    return claim and claim.answering(partial(answer, now=now))


def _frame(value: object) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(_LENGTH, "big") + data


def _split(buffer: bytearray) -> list[bytes]:
    """The whole frames at the start of `buffer`, taken out of it; a partial one stays."""
    start, frames = 0, []
    while len(buffer) - start >= _LENGTH:
        end = start + _LENGTH + int.from_bytes(buffer[start : start + _LENGTH], "big")
        if len(buffer) < end:
            break
        frames.append(bytes(buffer[start + _LENGTH : end]))
        start = end
    del buffer[:start]
    return frames


def _read(data: bytes | bytearray) -> Any:
    # Only ever a frame of this program's other end, on a pipe no one else holds.
    return pickle.loads(data)  # noqa: S301


class _Link(asyncio.Protocol):
    """One running writer process: the pipe to it, the pipe back, and the creates it holds."""

    def __init__(self, process: "subprocess.Popen[bytes]", on_answer: Callable[[], None]) -> None:
        self.process = process
        self.out: asyncio.WriteTransport | None = None
        self.alive = True
        self.gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._on_answer = on_answer
        self._pending: dict[int, asyncio.Future[interviews_planning.InterviewView]] = {}
        self._ids = count()
        self._buffer = bytearray()

    def ask(self, request: tuple[Any, ...]) -> "asyncio.Future[interviews_planning.InterviewView]":
        if not self.alive or self.out is None or self.out.is_closing():
            raise Unavailable("the writer process stopped; retry shortly")
        number = next(self._ids)
        waiting: asyncio.Future[interviews_planning.InterviewView] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending[number] = waiting
        self.out.write(_frame((number, *request)))
        return waiting

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        for frame in _split(self._buffer):
            number, ok, value = _read(frame)
            self._on_answer()
            waiting = self._pending.pop(number, None)
            if waiting is None or waiting.done():  # its caller went away
                continue
            if ok:
                waiting.set_result(value)
            else:
                waiting.set_exception(value)

    def connection_lost(self, exc: Exception | None) -> None:
        self.alive = False
        for waiting in self._pending.values():
            if not waiting.done():
                waiting.set_exception(Unavailable("the writer process stopped; retry shortly"))
        self._pending.clear()
        if not self.gone.done():
            self.gone.set_result(None)


class WriterProcess:
    """Creates stored by a writer process, started with the server (or by the first create) and
    again after it dies. `on_answer` runs as each answer comes back: what this process read
    before may be out of date."""

    def __init__(self, settings: Settings, on_answer: Callable[[], None]) -> None:
        self._settings = settings
        self._on_answer = on_answer
        self._starting: asyncio.Task[_Link] | None = None
        self._closed = False

    def start(self) -> None:
        """Start the writer in the background, so that the first create need not wait."""
        self._link_task()

    async def create(
        self,
        account_id: int,
        fields: InterviewChanges,
        length: timedelta | None,
        now: datetime,
        claim: Claim[Any] | None,
    ) -> Answer:
        if self._closed:
            raise Unavailable("the service is shutting down")
        try:
            link = await asyncio.shield(self._link_task())
        except Exception as error:
            log.error("the writer process could not start: %s", error)
            raise Unavailable("the writer process could not start; retry shortly") from error
        create = interviews_service.NewInterview(
            account_id, fields, now, answering(claim, now), length=length
        )
        view = await link.ask((create, logs.request_id.get()))
        return answer(view, now)

    def _link_task(self) -> "asyncio.Task[_Link]":
        loop = asyncio.get_running_loop()
        task = self._starting
        if task is None or task.get_loop() is not loop or _dead(task):
            if task is not None and task.done() and not task.cancelled() and not task.exception():
                _stop(task.result())
            task = self._starting = loop.create_task(self._start())
        return task

    async def _start(self) -> _Link:
        loop = asyncio.get_running_loop()
        inbox, to_writer = os.pipe()
        from_writer, outbox = os.pipe()
        try:
            process = subprocess.Popen(  # noqa: S603  (this interpreter, this module)
                [sys.executable, "-c", _WRITER, str(inbox), str(outbox)],
                pass_fds=(inbox, outbox),
                stdin=subprocess.DEVNULL,
            )
        except OSError:
            os.close(to_writer)
            os.close(from_writer)
            raise
        finally:
            os.close(inbox)
            os.close(outbox)
        link = _Link(process, self._on_answer)
        # The transports own the pipes from here on, and close them.
        back = open(from_writer, "rb", buffering=0)  # noqa: SIM115
        there = open(to_writer, "wb", buffering=0)  # noqa: SIM115
        await loop.connect_read_pipe(lambda: link, back)
        out, _ = await loop.connect_write_pipe(asyncio.Protocol, there)
        link.out = out
        out.write(_frame(self._settings))
        log.info("writer process %d started", process.pid)
        return link

    async def close(self) -> None:
        """Let the writer finish the creates it holds, then stop it."""
        self._closed = True
        task, self._starting = self._starting, None
        if task is None:
            return
        try:
            link = await task
        except Exception:
            return
        if link.out is not None:
            link.out.close()
        try:
            # Within the server's grace period, whose first half its requests had.
            finish = self._settings.shutdown_grace_seconds / 4
            await asyncio.wait_for(asyncio.shield(link.gone), finish)
        except TimeoutError:
            log.error("the writer process did not finish in %.0f s", finish)
            link.process.kill()
        await asyncio.to_thread(link.process.wait)


def _dead(task: "asyncio.Task[_Link]") -> bool:
    if not task.done():
        return False
    return task.cancelled() or task.exception() is not None or not task.result().alive


def _stop(link: _Link) -> None:
    """Abandon a writer (dead, or of an event loop that is gone): it ignores SIGTERM."""
    if link.out is not None:
        link.out.close()
    if link.process.poll() is None:
        link.process.kill()


# The writer process's side.


class _Inbox:
    """The frames coming in on a pipe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.open = True
        self._buffer = bytearray()
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)

    def take(self, wait: bool) -> list[bytes]:
        """The whole frames come so far, waiting for one if `wait`; [] once the pipe closed."""
        frames: list[bytes] = []
        while self.open and ((wait and not frames) or self._poll.poll(0)):
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                self.open = False
            self._buffer += chunk
            frames += _split(self._buffer)
        return frames


def _portable(error: Exception) -> Exception:
    """The error as the HTTP process should answer it: the service's own errors as they are,
    an outage as Unavailable, anything else logged here and answered as an internal error."""
    if isinstance(error, AppError | DomainError):
        return error
    if is_database_outage(error):
        log.warning("database unavailable: %s", type(error).__name__)
        return Unavailable("the database is unreachable or busy; retry shortly")
    log.error("create failed", exc_info=error)
    return AppError("the request failed; it has been logged")


def serve(inbox: int, outbox: int) -> None:
    """Store the creates read from `inbox` and write their answers to `outbox`, until `inbox`
    closes and the creates handed in are done. One thread: it takes every create that has come,
    stores them together, answers them, and looks again."""
    # Ctrl-C in a terminal, or a service manager stopping the whole group, reaches this process
    # too: it stops when the server closes the pipe, after the creates it holds.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    frames = _Inbox(inbox)
    first = frames.take(wait=True)
    if not first:
        return
    settings: Settings = _read(first.pop(0))
    logging.config.dictConfig(logs.config(settings.log_level, settings.log_format))
    db = Database(settings)
    gc.freeze()
    waiting = deque(first)
    try:
        while True:
            waiting.extend(frames.take(wait=not waiting))
            if not waiting:
                return
            group = [_read(waiting.popleft()) for _ in range(min(GROUP_MOST, len(waiting)))]
            creates = [create for _, create, _ in group]
            stored = interviews_service.store_interviews(db, creates, here=True)
            for (number, _, rid), result in zip(group, stored, strict=True):
                token = logs.request_id.set(rid)
                try:
                    error = result.exception()
                    if error is None:
                        data = _frame((number, True, result.result()))
                    else:
                        assert isinstance(error, Exception)
                        data = _frame((number, False, _portable(error)))
                finally:
                    logs.request_id.reset(token)
                view = memoryview(data)
                while view:
                    view = view[os.write(outbox, view) :]
    finally:
        db.dispose()
