"""Events found by scanning the steps: `followup.due` and `followup.missed` from indexed reads
of pending steps by time, `digest.daily` per candidate at the digest time in their zone. Each
scan resumes where the last stopped, and each event is stored once per step and time (a unique
key), so replicas scanning together, or one catching up after an outage, never store one twice."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import InstrumentedAttribute, Session

from service.db.session import Database
from service.db.tables import FollowUpRow
from service.domain.model import known_timezones
from service.followups import repository as followups_repository
from service.followups.schemas import FollowUpOut
from service.webhooks import outbox, repository
from service.webhooks.events import EventType

# A write computes a step due "now" and commits a moment later: each scan reads this far back
# from the present, so a step committed behind the scan is still found. Stored events are
# recognised by their keys and not stored again.
LOOKBACK = timedelta(minutes=2)
# A scan catching up after an outage reads this many steps at a time.
CATCH_UP_BATCH = 1000
# A digest more than this late is not sent: a week-old "today" helps nobody.
DIGEST_LATEST = timedelta(hours=26)


def _shown(row: FollowUpRow, zone: str, now: datetime) -> dict[str, Any]:
    """The step as the API shows it (GET /v1/followups/{id}): an event's `data`."""
    return FollowUpOut.stored(followups_repository.record_of(row, zone), now).model_dump(
        mode="json"
    )


def _due_key(row: FollowUpRow) -> str:
    return f"due:{row.id}:{int(row.due_at.timestamp())}"


def _missed_key(row: FollowUpRow) -> str:
    return f"missed:{row.id}:{int(row.deadline_at.timestamp())}"


def _steps(
    session: Session,
    name: str,
    column: InstrumentedAttribute[datetime],
    event_type: EventType,
    now: datetime,
) -> int:
    """One scan of pending steps whose `column` time has come; returns the events stored."""
    cursor = repository.scan_cursor(session, name, now - LOOKBACK)
    if cursor is None:
        return 0  # another worker is scanning
    listening = repository.accounts_listening(session)
    caught_up = cursor >= now - LOOKBACK
    lower = now - LOOKBACK if caught_up else cursor
    rows: list[tuple[FollowUpRow, str]] = []
    if listening:
        limit = None if caught_up else CATCH_UP_BATCH
        rows = repository.pending_steps(session, column, lower, now, listening, limit)
    full = not caught_up and len(rows) == CATCH_UP_BATCH
    key = _due_key if event_type is EventType.FOLLOWUP_DUE else _missed_key
    keyed = {key(row): (row, zone) for row, zone in rows}
    fresh = repository.unstored(session, list(keyed))
    endpoints = repository.subscribers(session, {row.account_id for row, _ in rows}, event_type)
    made = 0
    for dedup_key, (row, zone) in keyed.items():
        wanted = endpoints.get(row.account_id)
        if dedup_key in fresh and wanted:
            data = _shown(row, zone, now)
            if outbox.enqueue(session, row.account_id, event_type, data, now, dedup_key, wanted):
                made += 1
    last = getattr(rows[-1][0], column.key) if full else now
    repository.set_scan_cursor(session, name, last)
    return made


def due(session: Session, now: datetime) -> int:
    """`followup.due` for each pending step whose due time has come."""
    return _steps(session, "due", FollowUpRow.due_at, EventType.FOLLOWUP_DUE, now)


def missed(session: Session, now: datetime) -> int:
    """`followup.missed` for each pending step whose deadline has passed."""
    return _steps(session, "missed", FollowUpRow.deadline_at, EventType.FOLLOWUP_MISSED, now)


@cache
def _zones() -> tuple[tuple[str, ZoneInfo], ...]:
    return tuple((name, ZoneInfo(name)) for name in sorted(known_timezones() | {"UTC"}))


def digest_moments(
    lower: datetime, now: datetime, at: time
) -> dict[tuple[date, datetime, datetime], list[str]]:
    """The zones whose digest time fell in (lower, now], by (local date, day start, day end)."""
    found: dict[tuple[date, datetime, datetime], list[str]] = defaultdict(list)
    for name, zone in _zones():
        first, last = lower.astimezone(zone).date(), now.astimezone(zone).date()
        day = first
        while day <= last:
            moment = datetime.combine(day, at, zone)
            if lower < moment <= now:
                start = datetime.combine(day, time(), zone)
                end = datetime.combine(day + timedelta(days=1), time(), zone)
                found[(day, start, end)].append(name)
            day += timedelta(days=1)
    return found


def digests(session: Session, now: datetime, at: time) -> int:
    """`digest.daily` for each candidate with steps due on a local day whose digest time has
    come since the last scan."""
    cursor = repository.scan_cursor(session, "digest", now)
    if cursor is None:
        return 0
    listening = repository.accounts_listening(session)
    made = 0
    lower = max(cursor, now - DIGEST_LATEST)
    if listening and lower < now:
        for (day, start, end), zones in digest_moments(lower, now, at).items():
            made += _digest_day(session, listening, day, start, end, zones, now)
    repository.set_scan_cursor(session, "digest", now)
    return made


def _digest_day(
    session: Session,
    listening: set[int],
    day: date,
    start: datetime,
    end: datetime,
    zones: list[str],
    now: datetime,
) -> int:
    rows = repository.pending_steps_of_day(session, start, end, listening, zones)
    by_candidate: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for row, zone in rows:
        by_candidate[(row.account_id, row.candidate_id)].append(_shown(row, zone, now))
    endpoints = repository.subscribers(
        session, {account for account, _ in by_candidate}, EventType.DIGEST_DAILY
    )
    made = 0
    for (account_id, candidate_id), steps in by_candidate.items():
        wanted = endpoints.get(account_id)
        if not wanted:
            continue
        data = {"candidate_id": candidate_id, "date": day.isoformat(), "followups": steps}
        dedup_key = f"digest:{candidate_id}:{day.isoformat()}"
        if outbox.enqueue(
            session, account_id, EventType.DIGEST_DAILY, data, now, dedup_key, wanted
        ):
            made += 1
    return made


def scan(db: Database, now: datetime, digest_at: time) -> int:
    """Every scan once, each in its own transaction; returns the events stored."""
    made = 0
    for one in (due, missed):
        with db.writing() as session:
            made += one(session, now)
    with db.writing() as session:
        made += digests(session, now, digest_at)
    return made
