"""What the repositories share to build and run the fast path's statements (service.db.direct)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, bindparam, select
from sqlalchemy.orm import Session

from service.db import direct


def table_of(entity: type[Any]) -> Table:
    """The table an ORM class maps."""
    table = entity.__table__
    assert isinstance(table, Table)
    return table


def fill(row: Any, values: dict[str, Any]) -> None:
    """Set an ORM row's columns from these values."""
    for name, value in values.items():
        setattr(row, name, value)


def places(table: Table, place: ColumnElement[Any]) -> Select[Any]:
    """(interview id, place, id) of the rows of interviews first_id to last_id."""
    return select(table.c.interview_id, place, table.c.id).where(
        table.c.interview_id.between(bindparam("first_id"), bindparam("last_id"))
    )


def ids_by_place(
    session: Session, query: Select[Any], interview_ids: Sequence[int]
) -> dict[tuple[int, Any], int]:
    """{(interview id, place): id} of the rows these interviews own. The range can hold other
    interviews, added meanwhile by other transactions: their rows are left out."""
    found = direct.execute(
        session,
        query,
        {"first_id": min(interview_ids), "last_id": max(interview_ids)},
    )
    wanted = set(interview_ids)
    return {(row[0], row[1]): row[2] for row in found if row[0] in wanted}
