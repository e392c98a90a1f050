"""Candidates as stored: a change made through the ORM is what the driver's cursor reads next."""

from dataclasses import replace
from datetime import UTC, datetime, time

from service.accounts import repository as accounts_repository
from service.candidates import repository
from service.db.session import Database
from service.domain.model import Candidate

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_change_not_yet_flushed_is_what_the_next_cursor_read_sees(db: Database) -> None:
    # Re-planning reads the candidate on the driver's cursor right after an update changed the
    # ORM's row; nothing between them may be needed to send the change (an autoflush).
    with db.writing() as session:
        account_id = accounts_repository.add_account(session, "stale reads", NOW)
        stored = repository.add_candidate(
            session, account_id, Candidate("Ada", "Europe/Paris"), NOW
        )
    assert stored.id is not None
    with db.writing() as session:
        moved = replace(stored, timezone="America/New_York", call_time=time(15, 30))
        repository.save_candidate(session, account_id, moved, NOW)
        read = repository.candidate(session, account_id, stored.id)
    assert read is not None
    assert (read.timezone, read.call_time) == ("America/New_York", time(15, 30))
