"""Runs migrations on the URL the caller gives (tests, the service), else the configured one."""

from alembic import context
from sqlalchemy import text

from service.config import Settings, get_settings
from service.db import tables  # noqa: F401  (registers the tables on Base.metadata)
from service.db.base import Base
from service.db.session import make_engine

MIGRATION_LOCK = 72_410_003  # any constant shared by every process of this service

config = context.config
url = config.attributes.get("database_url") or get_settings().database_url
engine = make_engine(Settings(database_url=url))

try:
    # On SQLite the migration takes the write lock up front, so concurrent runs queue too.
    with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as connection:
        if connection.dialect.name == "sqlite":
            # Batch migrations rebuild tables; with foreign keys on, dropping the old copy would
            # cascade into its children. The pragma only works outside a transaction.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # A migration may take longer than a request's statement may.
                connection.execute(text("SET LOCAL statement_timeout = 0"))
                # Replicas starting together migrate one at a time; the rest then find the
                # schema current. The lock ends with the transaction.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            context.run_migrations()
finally:
    engine.dispose()
