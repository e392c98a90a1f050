"""Stored calendar events: rendered with each change, and rendered for rows that predate them."""

from datetime import timedelta

from sqlalchemy import text

from service.calendar.feeds import FeedCache
from service.db.session import Database
from service.domain.model import Contact, Format
from service.feeds import service as feeds_service
from service.interviews import planning as interviews_planning
from service.interviews import service as interviews_service
from tests.builders import NOW
from tests.db.test_database import _candidate


def _feed(db: Database, token: str) -> bytes:
    answer = feeds_service.read_feed(
        db, token, feeds_service.FeedOptions(), NOW, FeedCache(), lambda _etag, _modified: True
    )
    assert answer is not None and answer.body is not None
    return answer.body


def test_rows_without_events_get_them_rendered_once(db: Database) -> None:
    account_id, candidate_id = _candidate(db)
    issued = feeds_service.create_feed(db, account_id, candidate_id, None, NOW)
    view = interviews_service.create_interview(
        db,
        account_id,
        {
            "candidate_id": candidate_id,
            "company": "Acme",
            "role": "Engineer",
            "starts_at": NOW + timedelta(days=2),
            "format": Format.VIDEO,
            "contacts": (Contact(name="Jane Doe", email="jane@acme.example"),),
        },
        NOW,
    ).result()
    whole = _feed(db, issued.token)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE followups SET ics = NULL"))
        connection.execute(text("UPDATE interviews SET ics = NULL, ics_changed_at = NULL"))
    assert b"BEGIN:VEVENT" not in _feed(db, issued.token)

    later = NOW + timedelta(hours=1)
    assert interviews_planning.render_missing_events(db, later) == 1
    assert interviews_planning.render_missing_events(db, later) == 0
    restored = _feed(db, issued.token)
    assert restored.count(b"BEGIN:VEVENT") == whole.count(b"BEGIN:VEVENT")
    assert restored.count(b"BEGIN:VEVENT") == len(view.followups) + 1
    with db.engine.connect() as connection:
        keys = connection.execute(text("SELECT key, sequence FROM followups")).all()
    assert {key for key, _ in keys} == {record.step.key for record in view.followups}
    assert all(sequence == 1 for _, sequence in keys), "a newly rendered event is a change"
