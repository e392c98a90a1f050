"""Writes committed together: what waits while the writer is busy shares one transaction, and
each piece still stores exactly what it would have alone."""

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from service.db.session import Database
from service.db.tables import AccountRow
from service.errors import InvalidInput, Unavailable
from tests.builders import NOW


def _add(name: str, fail: Exception | None = None) -> Callable[[Session], str]:
    """Work that stores an account, then raises `fail` if given."""

    def work(session: Session) -> str:
        session.execute(insert(AccountRow).values(name=name, created_at=NOW))
        if fail is not None:
            raise fail
        return name

    return work


def _stored(db: Database) -> set[str]:
    with db.reading() as session:
        return set(session.scalars(select(AccountRow.name)))


@contextmanager
def _writer_busy(db: Database) -> Iterator[Future[str]]:
    """Holds the writer inside a first piece of work until the block ends, so what is
    submitted meanwhile waits for it."""
    started, release = threading.Event(), threading.Event()

    def hold(session: Session) -> str:
        started.set()
        release.wait(10)
        return _add("first")(session)

    first = db.write_together(hold)
    assert started.wait(10)
    try:
        yield first
    finally:
        release.set()


@contextmanager
def _commits(db: Database) -> Iterator[list[None]]:
    seen: list[None] = []

    def count(_connection: object) -> None:
        seen.append(None)

    event.listen(db.engine, "commit", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "commit", count)


def test_work_waiting_for_the_writer_is_committed_in_one_transaction(db: Database) -> None:
    with _commits(db) as commits:
        with _writer_busy(db) as first:
            waiting = [db.write_together(_add(f"account {n}")) for n in range(5)]
        assert [work.result(10) for work in waiting] == [f"account {n}" for n in range(5)]
        assert first.result(10) == "first"
    assert len(commits) == 2  # the first alone, then the five that waited for it
    assert _stored(db) == {"first", *(f"account {n}" for n in range(5))}


def test_a_failing_piece_is_taken_out_and_the_rest_stored_without_it(db: Database) -> None:
    seen_on_failure: list[set[str]] = []
    with _writer_busy(db):
        before = db.write_together(_add("before"))
        failing = db.write_together(_add("failing", InvalidInput("no such candidate")))
        failing.add_done_callback(lambda _: seen_on_failure.append(_stored(db)))
        after = db.write_together(_add("after"))
    assert before.result(10) == "before"
    assert after.result(10) == "after"
    with pytest.raises(InvalidInput, match="no such candidate"):
        failing.result(10)
    assert _stored(db) == {"first", "before", "after"}
    # Its error was answered once the work before it was stored, and before the work after it.
    assert seen_on_failure == [{"first", "before"}]


def test_a_piece_that_breaks_a_constraint_fails_alone(db: Database) -> None:
    with _writer_busy(db):
        taken = db.write_together(_add("same"))
        again = db.write_together(_add("same"))
    assert taken.result(10) == "same"
    with pytest.raises(IntegrityError):
        again.result(10)
    assert _stored(db) == {"first", "same"}


def test_an_outage_fails_the_whole_group_and_stores_nothing(db: Database) -> None:
    outage = OperationalError("INSERT", {}, Exception("server closed the connection"))
    with _writer_busy(db):
        group = [
            db.write_together(_add("one")),
            db.write_together(_add("two", outage)),
            db.write_together(_add("three")),
        ]
    for work in group:
        with pytest.raises(OperationalError):
            work.result(10)
    assert _stored(db) == {"first"}


def test_work_cancelled_while_waiting_is_not_run(db: Database) -> None:
    with _writer_busy(db):
        cancelled = db.write_together(_add("cancelled"))
        assert cancelled.cancel()
        kept = db.write_together(_add("kept"))
    assert kept.result(10) == "kept"
    assert _stored(db) == {"first", "kept"}


def test_closing_finishes_the_work_handed_in_then_refuses_more(db: Database) -> None:
    with _writer_busy(db):
        waiting = db.write_together(_add("waiting"))
        closing = threading.Thread(target=db.dispose)
        closing.start()
    closing.join(10)
    assert not closing.is_alive()
    assert waiting.result(0) == "waiting"
    with pytest.raises(Unavailable):
        db.write_together(_add("late"))


class _Accounts:
    """A store for Database.store_together: the accounts named by the items in one statement,
    each item answered in its place (an error item stores nothing and is its own answer). It
    raises `fail` after storing more than one, or answers too few with `short`."""

    def __init__(self, fail: Exception | None = None, short: bool = False) -> None:
        self.fail, self.short, self.calls = fail, short, 0

    def __call__(self, session: Session, items: Sequence[Any]) -> list[str | Exception]:
        self.calls += 1
        names = [{"name": item, "created_at": NOW} for item in items if isinstance(item, str)]
        if names:
            session.execute(insert(AccountRow), names)
        if len(items) > 1 and self.fail is not None:
            raise self.fail
        return list(items[:1]) if len(items) > 1 and self.short else list(items)


def test_items_are_answered_each_in_its_place_from_one_transaction(db: Database) -> None:
    refused = InvalidInput("no such candidate")
    with _commits(db) as commits:
        results = db.store_together(_Accounts(), ["one", refused, "three"])
        assert results[0].result(10) == "one"
    with pytest.raises(InvalidInput, match="no such candidate"):
        results[1].result(0)
    assert results[2].result(0) == "three"
    assert _stored(db) == {"one", "three"}
    assert len(commits) == 1


def test_items_handed_in_while_the_writer_is_busy_share_one_store(db: Database) -> None:
    store = _Accounts()
    with _commits(db) as commits:
        with _writer_busy(db):
            first = db.store_together(store, ["one", "two"])
            second = db.store_together(store, ["three"])
        assert [r.result(10) for r in [*first, *second]] == ["one", "two", "three"]
    assert store.calls == 1
    # The work holding the writer, then the three items together.
    assert len(commits) == 2


def test_a_store_that_raises_is_rolled_back_and_each_item_runs_alone(db: Database) -> None:
    broken = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
    with _commits(db) as commits:
        results = db.store_together(
            _Accounts(broken), ["one", InvalidInput("refused"), "three", "one"]
        )
        for result in results:
            result.exception(10)
    assert results[0].result() == "one"
    with pytest.raises(InvalidInput, match="refused"):
        results[1].result()
    assert results[2].result() == "three"
    with pytest.raises(IntegrityError):
        results[3].result()
    # Nothing the shared store wrote; the items as they store alone, the duplicate taken out:
    # "one" before the refusal, then "three" before the duplicate, two commits.
    assert _stored(db) == {"one", "three"}
    assert len(commits) == 2


def test_an_outage_in_a_store_fails_every_item_and_stores_nothing(db: Database) -> None:
    outage = OperationalError("INSERT", {}, Exception("server closed the connection"))
    results = db.store_together(_Accounts(outage), ["one", "two"])
    for result in results:
        with pytest.raises(OperationalError):
            result.result(10)
    assert _stored(db) == set()


def test_a_store_that_answers_too_few_is_rolled_back_and_each_item_runs_alone(
    db: Database,
) -> None:
    results = db.store_together(_Accounts(short=True), ["one", "two"])
    assert [r.result(10) for r in results] == ["one", "two"]
    assert _stored(db) == {"one", "two"}


def test_items_stored_here_are_stored_on_the_callers_thread_before_it_returns(
    db: Database,
) -> None:
    """The writer process gathers its own groups: it stores them on its own thread, so a group
    is not handed to the group writer's thread and waited for."""
    threads: list[int] = []

    def store(session: Session, items: Sequence[Any]) -> list[str | Exception]:
        threads.append(threading.get_ident())
        return _Accounts()(session, items)

    with _commits(db) as commits:
        results = db.store_together(store, ["one", InvalidInput("refused"), "three"], here=True)
        assert all(result.done() for result in results)
    assert threads == [threading.get_ident()]
    assert [results[0].result(0), results[2].result(0)] == ["one", "three"]
    assert isinstance(results[1].exception(0), InvalidInput)
    assert _stored(db) == {"one", "three"}
    assert len(commits) == 1
