"""A create's statements (reading its candidate, storing its rows) on the driver's own cursor.

SQLAlchemy still writes the SQL (each statement compiled once per dialect, with the casts the
dialect wants) and converts every value (each column type's own bind processor); a driver's
error is raised as SQLAlchemy raises it, and a lost connection is invalidated as it would be.
What is skipped is its per-statement work (finding the compiled form, preparing it for the
values, events, a result object), which cost more than the database's own work in a create,
most of all for the ten-odd rows of a plan.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    converters: tuple[Callable[[Any], Any] | None, ...]
    positional: bool
    # What a SELECT gives: each column's key and the processor that reads its value.
    columns: tuple[str, ...]
    readers: tuple[Callable[[Any], Any] | None, ...]

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        converted = [
            value if convert is None else convert(value)
            for convert, value in zip(
                self.converters, map(values.__getitem__, self.names), strict=True
            )
        ]
        return (
            tuple(converted) if self.positional else dict(zip(self.names, converted, strict=True))
        )


@lru_cache(maxsize=64)
def _compile(
    statement: ClauseElement, dialect: Dialect, keys: tuple[str, ...] | None, many: bool
) -> _Compiled:
    compiled = statement.compile(
        dialect=dialect, column_keys=list(keys) if keys else None, for_executemany=many
    )
    assert isinstance(compiled, SQLCompiler)
    names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(compiled.binds)
    converters = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    selected = list(statement.selected_columns) if statement.is_select else []  # type: ignore[attr-defined]
    return _Compiled(
        str(compiled),
        names,
        converters,
        dialect.positional,
        tuple(column.key for column in selected),
        tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in selected
        ),
    )


def _flushed(session: Session) -> Connection:
    """The session's connection, once the ORM has sent what it holds: a statement on the
    driver's cursor sees every change made before it in the transaction, whatever the order
    of the code that made them (the ORM's autoflush only runs before the ORM's own queries)."""
    session.flush()
    return session.connection()


def _run(
    connection: Connection, sql: str, parameters: Any, many: bool, each: bool = False
) -> list[Sequence[Any]]:
    """The statement run once, or for every set of parameters (`many`); the rows it returns,
    or with `each`, the first row each run returns."""
    cursor = connection.connection.cursor()
    try:
        if each:
            return _first_of_each(cursor, sql, parameters, connection.dialect.driver == "psycopg")
        if many:
            cursor.executemany(sql, parameters)
            return []
        cursor.execute(sql, parameters)
        return list(cursor.fetchall()) if cursor.description else []
    except connection.dialect.loaded_dbapi.Error as error:
        lost = connection.dialect.is_disconnect(error, connection.connection, cursor)
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance(
            sql,
            parameters,
            error,
            connection.dialect.loaded_dbapi.Error,
            connection_invalidated=lost,
            dialect=connection.dialect,
            ismulti=many or each,
        ) from error
    finally:
        cursor.close()


def _first_of_each(
    cursor: Any, sql: str, parameters: Sequence[Any], psycopg: bool
) -> list[Sequence[Any]]:
    """Run `sql` for every set of parameters; the first row of each run, in their order.
    psycopg sends them all before it waits for any (one round trip to the server) and keeps
    each run's rows apart; SQLite's driver has no such executemany, and runs in process."""
    found = []
    if psycopg:
        cursor.executemany(sql, parameters, returning=True)
        while True:
            found.append(cursor.fetchone())
            if not cursor.nextset():
                break
    else:
        for values in parameters:
            cursor.execute(sql, values)
            found.append(cursor.fetchone())
    return found


def execute(
    session: Session, statement: ClauseElement, values: Mapping[str, Any]
) -> list[Sequence[Any]]:
    """Run `statement` (built once, at import) with one set of values, named as its binds or,
    for an INSERT without values of its own, as the columns to fill; the rows it returns, as
    the driver gives them."""
    connection = _flushed(session)
    keys = tuple(values) if statement.is_insert else None  # type: ignore[attr-defined]
    compiled = _compile(statement, connection.dialect, keys, False)
    return _run(connection, compiled.sql, compiled.parameters(values), False)


def first(
    session: Session, statement: ClauseElement, values: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The first row a SELECT (built once, at import) finds, by column key, its values read
    as SQLAlchemy reads them; None if it finds none."""
    compiled, found = _select(session, statement, values)
    return _read(compiled, found[0]) if found else None


def every(
    session: Session, statement: ClauseElement, values: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every row a SELECT (built once, at import) finds, as `first` reads its first."""
    compiled, found = _select(session, statement, values)
    return [_read(compiled, row) for row in found]


def _select(
    session: Session, statement: ClauseElement, values: Mapping[str, Any]
) -> tuple[_Compiled, list[Sequence[Any]]]:
    connection = _flushed(session)
    compiled = _compile(statement, connection.dialect, None, False)
    if len(set(compiled.columns)) < len(compiled.columns):  # label the columns apart
        raise ValueError(f"selected columns share a key: {compiled.columns}")
    return compiled, _run(connection, compiled.sql, compiled.parameters(values), False)


def _read(compiled: _Compiled, row: Sequence[Any]) -> dict[str, Any]:
    return {
        key: value if read is None else read(value)
        for key, read, value in zip(compiled.columns, compiled.readers, row, strict=True)
    }


def execute_many(
    session: Session, statement: ClauseElement, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Run a statement (built once, at import) for every row: an INSERT of the same columns
    each time, or a statement with binds of its own."""
    if not rows:
        return
    connection = _flushed(session)
    keys = tuple(rows[0]) if statement.is_insert else None  # type: ignore[attr-defined]
    compiled = _compile(statement, connection.dialect, keys, True)
    _run(connection, compiled.sql, [compiled.parameters(row) for row in rows], True)


def execute_each(
    session: Session, statement: ClauseElement, rows: Sequence[Mapping[str, Any]]
) -> list[Sequence[Any]]:
    """Run an INSERT … RETURNING (built once, at import) for every row, each row filling the
    same columns; the row each run returns, in the order of `rows`."""
    if not rows:
        return []
    connection = _flushed(session)
    compiled = _compile(statement, connection.dialect, tuple(rows[0]), False)
    return _run(connection, compiled.sql, [compiled.parameters(row) for row in rows], False, True)
