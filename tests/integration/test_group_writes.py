"""Writes committed together: what waits while the writer is busy shares one transaction, and
each piece still stores exactly what it would have alone."""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager

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


def test_a_group_gathered_by_the_caller_shares_the_same_rules(db: Database) -> None:
    """write_batch's works, when its batch fails, as the server's writer process runs them:
    one transaction for the group, a failing piece taken out, on the caller's own thread."""
    broken = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
    with _commits(db) as commits:
        results = db.write_batch(
            _batch(["batch only"], broken),
            [_add("one"), _add("two", InvalidInput("refused")), _add("three"), _add("one")],
        )
    assert [r.done() for r in results] == [True] * 4
    assert results[0].result() == "one"
    with pytest.raises(InvalidInput, match="refused"):
        results[1].result()
    assert results[2].result() == "three"
    with pytest.raises(IntegrityError):
        results[3].result()
    assert _stored(db) == {"one", "three"}
    # "one" before the refusal, then "three" before the duplicate: two commits.
    assert len(commits) == 2


def _batch(
    answers: list[str | Exception], fail: Exception | None = None
) -> Callable[[Session], list[str | Exception]]:
    """A batch that stores the accounts named in `answers` in one statement and answers
    each in its place (an error in its place stores nothing); then raises `fail` if given."""

    def batch(session: Session) -> list[str | Exception]:
        names = [{"name": a, "created_at": NOW} for a in answers if isinstance(a, str)]
        session.execute(insert(AccountRow), names)
        if fail is not None:
            raise fail
        return answers

    return batch


def test_a_batch_answers_each_work_in_its_place_from_one_transaction(db: Database) -> None:
    refused = InvalidInput("no such candidate")
    alone = [_add("never run alone", InvalidInput("the batch ran"))] * 3
    with _commits(db) as commits:
        results = db.write_batch(_batch(["one", refused, "three"]), alone)
    assert results[0].result(0) == "one"
    with pytest.raises(InvalidInput, match="no such candidate"):
        results[1].result(0)
    assert results[2].result(0) == "three"
    assert _stored(db) == {"one", "three"}
    assert len(commits) == 1


def test_a_batch_that_raises_is_rolled_back_and_each_work_runs_alone(db: Database) -> None:
    broken = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
    works = [_add("one"), _add("two"), _add("two")]
    with _commits(db) as commits:
        results = db.write_batch(_batch(["batch only"], broken), works)
    assert [r.done() for r in results] == [True] * 3
    assert results[0].result() == "one"
    assert results[1].result() == "two"
    with pytest.raises(IntegrityError):
        results[2].result()
    # Nothing the batch wrote; the works as they store alone, the duplicate taken out.
    assert _stored(db) == {"one", "two"}
    assert len(commits) == 1


def test_an_outage_in_a_batch_fails_every_work_and_stores_nothing(db: Database) -> None:
    outage = OperationalError("INSERT", {}, Exception("server closed the connection"))
    works = [_add("one"), _add("two")]
    results = db.write_batch(_batch(["one", "two"], outage), works)
    for result in results:
        with pytest.raises(OperationalError):
            result.result(0)
    assert _stored(db) == set()


def test_a_batch_that_answers_too_few_is_rolled_back_and_each_work_runs_alone(
    db: Database,
) -> None:
    results = db.write_batch(_batch(["batch only"]), [_add("one"), _add("two")])
    assert [r.result(0) for r in results] == ["one", "two"]
    assert _stored(db) == {"one", "two"}
