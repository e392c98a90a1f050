"""Runs migrations on the URL the caller gives (tests, the service), else the configured one."""

from alembic import context

from service.config import Settings, get_settings
from service.db import tables  # noqa: F401  (registers the tables on Base.metadata)
from service.db.base import Base
from service.db.session import make_engine

config = context.config
url = config.attributes.get("database_url") or get_settings().database_url
engine = make_engine(Settings(database_url=url))

try:
    with engine.connect() as connection:
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
            context.run_migrations()
finally:
    engine.dispose()
