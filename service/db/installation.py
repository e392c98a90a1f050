"""The installation's id, which every calendar UID carries."""

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from service.db.tables import (
    InstallationRow,
)

# The installation


def installation_uid(session: Session) -> str:
    """This installation's id, made once by the migrations; read once per connection."""
    connection = session.connection()
    found: str | None = connection.info.get("installation_uid")
    if found is None:
        found = session.scalars(select(InstallationRow.uid)).one()
        connection.info["installation_uid"] = found
    return found
