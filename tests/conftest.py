"""Shared fixtures. Every database test runs on SQLite and, when reachable, on PostgreSQL.

PostgreSQL comes from TEST_POSTGRES_URL (default: the local server as user postgres); each run makes
its own throwaway databases. With REQUIRE_POSTGRES=1 (as in CI) an unreachable server fails the run
instead of skipping those tests.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from service.accounts import service as accounts_service
from service.app import create_app
from service.config import Settings
from service.db import migrate
from service.db.base import Base
from service.db.installation import installation_uid
from service.db.session import Database
from service.http.deps import get_now
from tests.builders import NOW

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgresql"]


def _postgres_admin() -> Engine:
    """An autocommit engine on the PostgreSQL server, or a skip (a failure in CI) if it is down."""
    engine = create_engine(
        POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        engine.dispose()
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but unreachable at {POSTGRES_ADMIN_URL}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    return engine


class EmptyDatabases:
    """Makes new empty databases of one backend and removes them at the end."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self.made: list[str] = []
        self.admin = _postgres_admin() if backend == "postgresql" else None

    def new(self) -> str:
        name = f"ifs_test_{uuid.uuid4().hex[:12]}"
        if self.admin is None:
            return f"sqlite:///{self.folder / name}.db"
        self._run(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def _run(self, statement: str) -> None:
        assert self.admin is not None
        with self.admin.connect() as connection:
            connection.execute(text(statement))

    def drop_all(self) -> None:
        if self.admin is not None:
            for name in self.made:
                self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EmptyDatabases]:
    """A maker of empty databases on each backend in turn."""
    maker = EmptyDatabases(request.param, tmp_path_factory.mktemp(request.param))
    yield maker
    maker.drop_all()


@pytest.fixture(scope="session")
def migrated_url(databases: EmptyDatabases) -> str:
    """One database per backend, migrated to head, shared by the tests (wiped after each)."""
    url = databases.new()
    migrate.upgrade(url)
    return url


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    # Creates stay in the test's process; tests/interviews/test_writer_process.py covers the writer
    # process that a served app uses, and every system test runs with it.
    return Settings(
        database_url=migrated_url,
        public_base_url="https://calendar.example.org",
        writer_process=False,
        webhook_worker=False,  # tests/webhooks/ run the delivery worker themselves
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """The migrated database, emptied after the test (but for the installation's id, which the
    migrations made)."""
    database = Database(settings)
    yield database
    with database.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "installation":
                connection.execute(table.delete())
    database.dispose()


class Clock:
    """The service's notion of now in API tests; time is a parameter, so tests set it."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(settings: Settings, db: Database, clock: Clock) -> Iterator[TestClient]:
    app = create_app(settings)
    app.dependency_overrides[get_now] = clock
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def installation(db: Database) -> str:
    """The installation id every calendar UID of this database carries."""
    with db.reading() as session:
        return installation_uid(session)


@pytest.fixture
def api_key(db: Database) -> str:
    return accounts_service.create_key(db, "acme-careers", NOW)


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


@pytest.fixture
def other_auth(db: Database) -> dict[str, str]:
    """Credentials of a second account, to prove tenants cannot see each other."""
    return {"Authorization": f"Bearer {accounts_service.create_key(db, 'rival-portal', NOW)}"}


@pytest.fixture
def count_rows(db: Database) -> Callable[[str], int]:
    def count(table: str) -> int:
        with db.engine.connect() as connection:
            return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())

    return count
