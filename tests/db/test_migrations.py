"""Migrations build the schema the models describe, and come down again, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

from service.accounts import service as accounts_service
from service.candidates import service as candidates_service
from service.candidates.schemas import CandidateCreate
from service.config import Settings
from service.db import migrate
from service.db.base import Base
from service.db.installation import installation_uid
from service.db.session import Database
from service.db.tables import InstallationRow
from service.interviews import planning as interviews_planning
from service.interviews import service as interviews_service
from service.interviews.schemas import InterviewCreate
from tests.builders import NOW, candidate_body, interview_body
from tests.conftest import EmptyDatabases


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(databases: EmptyDatabases) -> None:
    url = databases.new()
    migrate.upgrade(url)
    assert _tables(url) == set(Base.metadata.tables)
    migrate.downgrade(url)
    assert _tables(url) == set()
    migrate.upgrade(url)
    assert _tables(url) == set(Base.metadata.tables)


def test_models_and_migrations_agree(databases: EmptyDatabases) -> None:
    url = databases.new()
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def _uids(db: Database) -> set[str]:
    with db.engine.connect() as connection:
        texts = connection.execute(
            text("SELECT ics FROM followups UNION ALL SELECT ics FROM interviews")
        ).scalars()
        unfolded = ((ics or "UID:NONE").replace("\r\n ", "") for ics in texts)
        return {line for ics in unfolded for line in ics.splitlines() if line.startswith("UID:")}


def test_the_installation_id_is_made_once_and_every_event_carries_it(
    databases: EmptyDatabases,
) -> None:
    url = databases.new()
    migrate.upgrade(url, "0007")
    migrate.upgrade(url)
    db = Database(Settings(database_url=url))
    try:
        with db.reading() as session:
            installation = installation_uid(session)
        assert len(installation) == 32
        account = accounts_service.authenticate(
            db, accounts_service.create_key(db, "acme-careers", NOW)
        )
        candidate, _ = candidates_service.create_candidate(
            db, account, CandidateCreate.model_validate(candidate_body()).to_changes(), NOW
        )
        assert candidate.id is not None
        fields = InterviewCreate.model_validate(interview_body(candidate.id)).to_changes()
        interviews_service.create_interview(db, account, fields, NOW).result(10)
        before = _uids(db)
        assert before and all(f"@{installation}.interview-followup" in uid for uid in before)

        # Rebuilt from scratch, the schema makes a new id; the events are rendered again with it
        # (by a new process: one reads the id once per connection).
        db.dispose()
        migrate.downgrade(url, "0007")
        migrate.upgrade(url)
        db = Database(Settings(database_url=url))
        assert _uids(db) == {"UID:NONE"}
        assert interviews_planning.render_missing_events(db, NOW) == 1
        with db.reading() as session:
            renewed = session.scalars(select(InstallationRow.uid)).one()
        after = _uids(db)
        assert renewed != installation
        assert len(after) == len(before)
        assert all(f"@{renewed}.interview-followup" in uid for uid in after)
    finally:
        db.dispose()
