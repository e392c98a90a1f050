"""What storage guarantees: instants keep their meaning, SQLite is tuned for concurrency."""

import contextlib
import sqlite3
import threading
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as clock
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from service.accounts import repository as accounts_repository
from service.accounts import service as accounts_service
from service.candidates import repository as candidates_repository
from service.candidates import service as candidates_service
from service.config import Settings
from service.db import direct
from service.db.base import Base
from service.db.session import Database
from service.db.tables import CandidateRow, FeedTokenRow
from service.domain.changes import InterviewChanges
from service.domain.model import Candidate, Contact, Format
from service.errors import Unavailable
from service.feeds import repository as feeds_repository
from service.interviews import service as interviews_service
from tests.builders import NOW


def _candidate(db: Database) -> tuple[int, int]:
    account = accounts_service.create_key(db, "acme", NOW)
    with db.reading() as session:
        record = accounts_repository.api_key(session, account.split("_")[1])
    assert record is not None
    candidate, _ = candidates_service.create_candidate(
        db, record.account_id, {"name": "Ada", "timezone": "Asia/Kolkata"}, NOW
    )
    assert candidate.id is not None
    return record.account_id, candidate.id


def test_instants_round_trip_as_the_same_moment(db: Database) -> None:
    account_id, candidate_id = _candidate(db)
    ist = timezone(timedelta(hours=5, minutes=30))
    starts_at = datetime(2026, 3, 29, 1, 30, tzinfo=ist)
    interview = (
        interviews_service.create_interview(
            db,
            account_id,
            {
                "candidate_id": candidate_id,
                "company": "Acme",
                "role": "Engineer",
                "starts_at": starts_at,
                "format": Format.VIDEO,
                "contacts": (Contact("Jane"),),
            },
            NOW,
        )
        .result()
        .interview
    )
    assert interview.id is not None
    stored = interviews_service.get_interview(db, account_id, interview.id, NOW).interview
    assert stored.starts_at == starts_at
    assert stored.starts_at.utcoffset() == timedelta(0)
    assert stored.ends_at - stored.starts_at == timedelta(hours=1)
    assert stored.timezone == "Asia/Kolkata"


def test_deleting_a_candidate_removes_their_interviews(db: Database) -> None:
    account_id, candidate_id = _candidate(db)
    fields: InterviewChanges = {
        "candidate_id": candidate_id,
        "company": "Acme",
        "role": "Engineer",
        "starts_at": datetime(2026, 12, 1, 15, tzinfo=UTC),
        "format": Format.PHONE,
        "contacts": (Contact("Jane"), Contact("Raj")),
    }
    interviews_service.create_interview(db, account_id, fields, NOW).result()
    candidates_service.delete_candidate(db, account_id, candidate_id)
    with db.engine.connect() as connection:
        for table in ("interviews", "contacts", "feed_tokens"):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0


def test_sqlite_runs_in_wal_mode_with_foreign_keys(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one()) >= 1000


def test_concurrent_writers_neither_fail_nor_lose_writes(db: Database) -> None:
    account_id, _ = _candidate(db)
    threads, writes = 8, 25
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for n in range(writes):
                candidates_service.create_candidate(
                    db, account_id, {"name": f"C{n}", "timezone": "Europe/Paris"}, NOW
                )
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=write) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    with db.engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM candidates")).scalar_one()
    assert count == threads * writes + 1


def test_sqlite_writers_of_one_process_take_turns_and_give_up_after_the_busy_timeout(
    settings: Settings,
) -> None:
    if make_url(settings.database_url).get_backend_name() != "sqlite":
        pytest.skip("SQLite has one writer at a time; PostgreSQL locks rows")
    db = Database(settings.model_copy(update={"sqlite_busy_timeout_ms": 200}))
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.writing():
            holding.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        with pytest.raises(Unavailable), db.writing():
            pass
        assert time.monotonic() - started >= 0.2
    finally:
        release.set()
        holder.join()
    with db.writing() as session:  # the turn was handed back
        session.execute(text("SELECT 1"))
    db.dispose()


def test_sqlite_copies_committed_writes_into_the_database_file_in_the_background(
    settings: Settings,
) -> None:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's write-ahead log")
    db = Database(settings)
    try:
        _candidate(db)  # a commit; its pages are in the log, not yet in the file

        def in_the_file() -> int:
            # A reader told the file is immutable ignores the log: it sees what was copied.
            with contextlib.closing(
                sqlite3.connect(f"file:{url.database}?immutable=1", uri=True)
            ) as raw:
                try:
                    return int(raw.execute("SELECT count(*) FROM accounts").fetchone()[0])
                except sqlite3.DatabaseError:  # caught mid-copy
                    return 0

        deadline = time.monotonic() + 10
        while not in_the_file():
            assert time.monotonic() < deadline, "nothing copied the log into the file"
            time.sleep(0.1)
    finally:
        db.dispose()


def test_a_new_interviews_rows_are_stored_as_sqlalchemy_binds_their_values(
    db: Database,
) -> None:
    """A create writes its rows as SQL text with values converted beforehand; what it stores
    must match, in SQL, the same values bound by SQLAlchemy, and read back equal."""
    account_id, candidate_id = _candidate(db)
    view = interviews_service.create_interview(
        db,
        account_id,
        {
            "candidate_id": candidate_id,
            "company": "Acme",
            "role": "Engineer",
            "starts_at": datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=-7))),
            "format": Format.IN_PERSON,
            "decision_date": date(2026, 4, 20),
            "contacts": (Contact("Jane", email="jane@acme.example"), Contact("Raj")),
        },
        NOW,
    ).result()
    interview = view.interview
    assert interview.id is not None and len(view.followups) > 3
    followups = Base.metadata.tables["followups"]
    interviews = Base.metadata.tables["interviews"]
    with db.reading() as session:
        for record in view.followups:
            step = record.step
            found = session.execute(
                select(func.count()).where(
                    followups.c.id == record.id,
                    followups.c.key == step.key,
                    followups.c.due_at == step.due_at,
                    followups.c.deadline_at == step.deadline_at,
                    followups.c.created_at == NOW,
                    followups.c.late == step.late,
                )
            ).scalar_one()
            assert found == 1, step.key
        matching = session.execute(
            select(func.count()).where(
                interviews.c.id == interview.id,
                interviews.c.starts_at == interview.starts_at,
                interviews.c.decision_date == date(2026, 4, 20),
                interviews.c.ics_changed_at == NOW,
            )
        ).scalar_one()
        assert matching == 1
    stored = interviews_service.get_interview(db, account_id, interview.id, NOW)
    assert stored.interview == interview
    assert [r.step for r in stored.followups] == [r.step for r in view.followups]
    assert [r.id for r in stored.followups] == [r.id for r in view.followups]


def test_a_candidate_read_on_the_drivers_cursor_equals_the_orms(db: Database) -> None:
    """The create reads its candidate through `direct`, with SQLAlchemy's readers of each
    column (times, JSON) applied by hand; the ORM reads the same row."""
    account_id, candidate_id = _candidate(db)
    with db.writing() as session:
        session.execute(
            update(CandidateRow)
            .where(CandidateRow.id == candidate_id)
            .values(policy={"retry_after_days": 3}, call_time=clock(9, 45), business_days="135")
        )
    with db.reading() as session:
        read = candidates_repository.candidate(session, account_id, candidate_id)
        row = session.get(CandidateRow, candidate_id)
        assert row is not None
        assert read == candidates_repository._candidate(row)
        assert read is not None
        assert read.call_time == clock(9, 45) and read.policy.retry_after_days == 3
        assert read.business_hours.days == frozenset({1, 3, 5})
        assert candidates_repository.candidate(session, account_id + 1, candidate_id) is None


def test_a_feeds_version_on_the_drivers_cursor_equals_the_orms(db: Database) -> None:
    """A feed's ETag comes from its version, read through `direct`: the ORM's values (counts,
    latest changes as aware instants, sums of sequences), moving with every interview added."""
    account_id, candidate_id = _candidate(db)
    steps, interviews = Base.metadata.tables["followups"], Base.metadata.tables["interviews"]
    versions = []
    for day in range(3):
        with db.reading() as session:
            token = session.scalar(select(FeedTokenRow.token_hash))
            assert token is not None
            scope = feeds_repository.feed_scope(session, token)
            assert scope is not None and scope.candidate_id == candidate_id
            version = feeds_repository.feed_version(session, scope)
            by_orm = (
                *session.execute(
                    select(
                        func.count(), func.max(steps.c.updated_at), func.sum(steps.c.sequence)
                    ).where(steps.c.candidate_id == candidate_id)
                ).one(),
                *session.execute(
                    select(
                        func.count(),
                        func.max(interviews.c.ics_changed_at),
                        func.sum(interviews.c.ics_sequence),
                    ).where(interviews.c.candidate_id == candidate_id)
                ).one(),
            )
        assert repr(version) == repr(by_orm)
        versions.append(version)
        fields: InterviewChanges = {
            "candidate_id": candidate_id,
            "company": "Acme",
            "role": "Analyst",
            "starts_at": NOW + timedelta(days=day + 1),
            "format": Format.PHONE,
            "contacts": (Contact(name="Jane Doe", email="jane@acme.example"),),
        }
        interviews_service.create_interview(
            db, account_id, fields, NOW + timedelta(minutes=day)
        ).result(10)
    assert len(set(versions)) == 3


def test_a_row_read_by_key_needs_columns_with_keys_of_their_own(db: Database) -> None:
    with db.reading() as session, pytest.raises(ValueError, match="share a key"):
        direct.first(session, select(func.count(), func.sum(CandidateRow.id)), {})


def test_a_driver_error_on_the_direct_path_is_raised_as_sqlalchemy_raises_it(
    db: Database,
) -> None:
    contacts = Base.metadata.tables["contacts"]
    row = {
        "interview_id": 10**9,  # no such interview
        "position": 0,
        "name": "Jane",
        "title": None,
        "role": "interviewer",
        "email": None,
        "phone": None,
        "address": None,
        "preferred_channel": None,
        "is_primary": False,
    }
    with pytest.raises(IntegrityError), db.writing() as session:
        direct.execute_many(session, insert(contacts), [row])
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(contacts)) == 0


def test_updates_keep_contact_ids_of_kept_contacts(db: Database) -> None:
    account_id, candidate_id = _candidate(db)
    created = (
        interviews_service.create_interview(
            db,
            account_id,
            {
                "candidate_id": candidate_id,
                "company": "Acme",
                "role": "Engineer",
                "starts_at": datetime(2026, 12, 1, 15, tzinfo=UTC),
                "format": Format.PHONE,
                "contacts": (Contact("Jane"), Contact("Raj")),
            },
            NOW,
        )
        .result()
        .interview
    )
    assert created.id is not None
    jane, raj = created.contacts
    updated = interviews_service.update_interview(
        db, account_id, created.id, {"contacts": (Contact("Lee"), raj)}, NOW
    ).interview
    assert [c.name for c in updated.contacts] == ["Lee", "Raj"]
    assert updated.contacts[1].id == raj.id
    assert updated.contacts[0].id not in (jane.id, raj.id)


def test_a_candidate_reads_back_equal(db: Database) -> None:
    account_id, candidate_id = _candidate(db)
    assert candidates_service.get_candidate(db, account_id, candidate_id) == Candidate(
        id=candidate_id, name="Ada", timezone="Asia/Kolkata"
    )


def test_an_interviews_steps_are_found_through_its_own_index(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner, which has no statistics to go by")
    account_id, candidate_id = _candidate(db)
    fields: InterviewChanges = {
        "candidate_id": candidate_id,
        "company": "Acme",
        "role": "Engineer",
        "starts_at": datetime(2026, 12, 1, 15, tzinfo=UTC),
        "format": Format.PHONE,
        "contacts": (Contact("Jane"),),
    }
    interview = interviews_service.create_interview(db, account_id, fields, NOW).result().interview
    assert interview.id is not None
    seen: list[tuple[str, Sequence[Any]]] = []

    def keep(
        _conn: object, _cursor: object, statement: str, parameters: Sequence[Any], *_: object
    ) -> None:
        if "FROM followups" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        interviews_service.get_interview(db, account_id, interview.id, NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    [(statement, parameters)] = seen
    with db.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    assert any("ix_followups_interview_due" in row[-1] for row in plan), plan
