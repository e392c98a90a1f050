"""Alembic, driven from code: the service, the command line and the tests migrate the same way.

The scripts ship inside the package, as `service/db/migrations`: in the source tree that is a link
to the top-level `alembic/`, where revisions are written, and an installed package holds a copy.
So migrations run from any working directory and from any installation, editable or not."""

from pathlib import Path

from alembic import command
from alembic.config import Config

SCRIPTS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration aimed at this database."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to a revision (the newest by default)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Take the schema down to a revision (empty by default)."""
    command.downgrade(alembic_config(database_url), revision)
