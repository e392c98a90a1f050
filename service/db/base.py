"""Declarative base with a constraint naming convention, and a UTC-preserving timestamp type."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _refuse_naive(value: datetime) -> None:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored")


class UtcDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and read back timezone-aware on every database.

    SQLite keeps no offset, so values are normalised to UTC before they are written.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        _refuse_naive(value)
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # SQLite's DATETIME writes "YYYY-MM-DD HH:MM:SS.ffffff" through a %-format of ten
        # fields, twice the cost of isoformat, which writes the same text once its "+00:00" is
        # cut (a test holds them equal); a plan's rows carry some seventy instants. The last
        # one written is kept: a row's created_at and updated_at, a step's ideal and due time,
        # are often the very same object.
        last: list[tuple[datetime | None, str | None]] = [(None, None)]

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            seen, text = last[0]
            if value is seen:
                return text
            _refuse_naive(value)
            text = value.astimezone(UTC).isoformat(" ", "microseconds")[:-6]
            last[0] = (value, text)
            return text

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
