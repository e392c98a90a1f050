"""Group commit: one thread runs the work waiting to write in one transaction, so that under
load a BEGIN, a COMMIT (on PostgreSQL a flush of its log) and a connection serve many creates
rather than one each."""

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from service.errors import Unavailable

# The most pieces of work one shared transaction takes, which bounds how long it holds
# SQLite's write lock: about a tenth of a second of creates.
GROUP_MOST = 64
# Errors of the database itself rather than of one piece of work: a shared transaction that
# meets one fails for everyone in it, as each would have failed alone.
_OUTAGES = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)

T = TypeVar("T")
Item = TypeVar("Item")
# A write transaction: Database.writing.
Writing = Callable[[], AbstractContextManager[Session]]

log = logging.getLogger("service.db")


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

    def __init__(self, writing: Writing) -> None:
        self._writing = writing
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
        here: bool = False,
    ) -> "list[Future[T]]":
        given = _Items(store, list(items), [Future() for _ in items])
        if here:
            _commit_items(self._writing, given)
        else:
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
                        _commit_together(self._writing, works)
                    else:
                        _commit_items(self._writing, run)
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


def _commit_items(writing: Writing, given: "_Items[Any, Any]") -> None:
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
        with writing() as session:
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
                writing,
                [_Work(partial(_alone, given.store, item), result) for item, result in running],
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


def _commit_together(writing: Writing, group: list[_Work[Any]]) -> None:
    """Run the group in one write transaction, a failing piece taken out (see GroupWriter)."""
    while group:
        failed: int | None = None
        try:
            with writing() as session:
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
            _commit_together(writing, group[:failed])
            group[failed].result.set_exception(error)
            group = group[failed + 1 :]
            continue
        for work, result in zip(group, results, strict=True):
            work.result.set_result(result)
        return
