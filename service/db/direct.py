"""The statements that store a new interview, run as SQL text through `exec_driver_sql`.

SQLAlchemy still writes the SQL (each statement compiled once per dialect, with the casts the
dialect wants) and converts every value (each column type's own bind processor); its errors,
events and disconnect handling stay in force. What is skipped is its per-statement work —
finding the compiled form in its cache and preparing it for the values — which cost more than
the database's own work in a create, most of all for the ten-odd rows of a plan.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, CursorResult, Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.util.typing import TupleAny, Unpack


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    converters: tuple[Callable[[Any], Any] | None, ...]
    positional: bool

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
    return _Compiled(str(compiled), names, converters, dialect.positional)


def execute(
    connection: Connection, statement: ClauseElement, values: Mapping[str, Any]
) -> CursorResult[Unpack[TupleAny]]:
    """Run `statement` (built once, at import) with one set of values, named as its binds or,
    for an INSERT without values of its own, as the columns to fill."""
    keys = tuple(values) if statement.is_insert else None  # type: ignore[attr-defined]
    compiled = _compile(statement, connection.dialect, keys, False)
    return connection.exec_driver_sql(compiled.sql, compiled.parameters(values))


def execute_many(
    connection: Connection, statement: ClauseElement, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Run an INSERT (built once, at import) for every row; each row fills the same columns."""
    if not rows:
        return
    compiled = _compile(statement, connection.dialect, tuple(rows[0]), True)
    connection.exec_driver_sql(compiled.sql, [compiled.parameters(row) for row in rows])
