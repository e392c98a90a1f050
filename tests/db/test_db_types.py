"""UtcDateTime writes instants for SQLite itself; SQLAlchemy's own DATETIME is the reference."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from service.db.base import UtcDateTime

SQLITE = sqlite.dialect()
OURS = UtcDateTime().bind_processor(SQLITE)
REFERENCE = DateTime().dialect_impl(SQLITE).bind_processor(SQLITE)


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
    )
)
def test_instants_are_written_as_sqlalchemys_sqlite_datetime_writes_them(at: datetime) -> None:
    assert OURS is not None and REFERENCE is not None
    assert OURS(at) == REFERENCE(at.astimezone(UTC).replace(tzinfo=None))


def test_nothing_stays_nothing_and_naive_instants_are_refused() -> None:
    assert OURS is not None
    assert OURS(None) is None
    with pytest.raises(ValueError, match="naive"):
        OURS(datetime(2026, 1, 1))
