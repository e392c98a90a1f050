"""Feed tokens, what a feed covers, its version and its stored events."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from service.db import direct
from service.db.tables import (
    CandidateRow,
    FeedTokenRow,
    FollowUpRow,
    InterviewRow,
)
from service.domain.steps import Status


@dataclass(frozen=True)
class FeedTokenRecord:
    """A feed token as listed: never the token itself."""

    id: int
    candidate_id: int
    interview_id: int | None
    created_at: datetime
    revoked_at: datetime | None
    can_act: bool = False


def add_feed_token(
    session: Session,
    candidate_id: int,
    interview_id: int | None,
    token_hash: str,
    now: datetime,
    can_act: bool = False,
) -> FeedTokenRecord:
    row = FeedTokenRow(
        candidate_id=candidate_id,
        interview_id=interview_id,
        token_hash=token_hash,
        created_at=now,
        can_act=can_act,
    )
    session.add(row)
    session.flush()
    return FeedTokenRecord(row.id, candidate_id, interview_id, now, None, can_act)


def feed_tokens(session: Session, candidate_id: int) -> list[FeedTokenRecord]:
    rows = session.scalars(
        select(FeedTokenRow)
        .where(FeedTokenRow.candidate_id == candidate_id)
        .order_by(FeedTokenRow.id)
    )
    return [
        FeedTokenRecord(r.id, r.candidate_id, r.interview_id, r.created_at, r.revoked_at, r.can_act)
        for r in rows
    ]


def revoke_feed_token(session: Session, candidate_id: int, token_id: int, now: datetime) -> bool:
    """Revoke one of the candidate's feed tokens; False if there is no such token."""
    row = session.scalar(
        select(FeedTokenRow).where(
            FeedTokenRow.id == token_id, FeedTokenRow.candidate_id == candidate_id
        )
    )
    if row is None:
        return False
    if row.revoked_at is None:
        row.revoked_at = now
    return True


@dataclass(frozen=True)
class FeedScope:
    """What an active feed token shows: a candidate's calendar, or one interview's."""

    candidate_id: int
    interview_id: int | None
    candidate_name: str
    timezone: str
    candidate_changed_at: datetime
    can_act: bool = False  # the token's own flag; a candidate's feed may act whatever it says
    account_id: int = 0

    @property
    def may_act(self) -> bool:
        """Whether the feed's pages may change anything [SPEC §9]."""
        return self.interview_id is None or bool(self.can_act)


_FEED_SCOPE = (
    select(
        FeedTokenRow.candidate_id,
        FeedTokenRow.interview_id,
        CandidateRow.name,
        CandidateRow.timezone,
        CandidateRow.updated_at,
        FeedTokenRow.can_act,
        CandidateRow.account_id,
    )
    .join(CandidateRow, CandidateRow.id == FeedTokenRow.candidate_id)
    .where(FeedTokenRow.token_hash == bindparam("token_hash"), FeedTokenRow.revoked_at.is_(None))
)


def feed_scope(session: Session, token_hash: str) -> FeedScope | None:
    # Feeds are polled all day: their reads run through `direct`, built once.
    row = direct.first(session, _FEED_SCOPE, {"token_hash": token_hash})
    return FeedScope(*row.values()) if row else None


def _steps_in(by_interview: bool) -> ColumnElement[bool]:
    """A feed's steps: its interview's, or all its candidate's (the id a bind)."""
    if by_interview:
        return FollowUpRow.interview_id == bindparam("interview_id")
    return FollowUpRow.candidate_id == bindparam("candidate_id")


def _interviews_in(by_interview: bool) -> ColumnElement[bool]:
    """A feed's interviews: its own, or all its candidate's (the id a bind)."""
    if by_interview:
        return InterviewRow.id == bindparam("interview_id")
    return InterviewRow.candidate_id == bindparam("candidate_id")


def _scope_values(scope: FeedScope) -> dict[str, Any]:
    if scope.interview_id is not None:
        return {"interview_id": scope.interview_id}
    return {"candidate_id": scope.candidate_id}


def _feed_version_queries(by_interview: bool) -> tuple[Any, Any]:
    # count(*), not count(id): the covering indexes then answer without reading the table.
    steps = select(
        func.count().label("count"),
        func.max(FollowUpRow.updated_at).label("changed"),
        func.sum(FollowUpRow.sequence).label("sequences"),
    ).where(_steps_in(by_interview))
    interviews = select(
        func.count().label("count"),
        func.max(InterviewRow.ics_changed_at).label("changed"),
        func.sum(InterviewRow.ics_sequence).label("sequences"),
    ).where(_interviews_in(by_interview))
    return steps, interviews


_FEED_VERSION = {
    by_interview: _feed_version_queries(by_interview) for by_interview in (False, True)
}


def feed_version(session: Session, scope: FeedScope) -> tuple[Any, ...]:
    """What changes whenever anything in the feed changes: counts, latest changes and sequences
    of its steps and interviews. Aggregates only: no event text is sent back."""
    values = _scope_values(scope)
    found: list[Any] = []
    for query in _FEED_VERSION[scope.interview_id is not None]:
        row = direct.first(session, query, values)
        assert row is not None  # an aggregate always has its row
        found.extend(row.values())
    return tuple(found)


@dataclass(frozen=True)
class FeedWindow:
    """Which stored events a feed shows as of a day: open and done steps for a while after
    their time, cancelled and skipped ones for a shorter while, interviews for a year."""

    open_since: datetime
    done_since: datetime
    cancelled_since: datetime
    interviews_since: datetime


class StoredEvent(NamedTuple):
    text: str
    starts_at: datetime | str  # as the database gives it (SQLite: UTC text), for ordering
    status: str | None  # a step's status; None for an interview
    id: int = 0  # the step's id, or the interview's


def _constant(value: str | int) -> ColumnElement[Any]:
    """A constant written into a statement built once (its value is the service's own)."""
    return literal_column(repr(value))


def _feed_events_query(by_interview: bool, with_interviews: bool) -> Any:
    """The stored texts of a feed's events in its window, by start, the window and the scope
    as binds: built once for each kind of feed, and run through `direct`."""
    open_ = [_constant(Status.PENDING.value), _constant(Status.MISSED.value)]
    closed = [_constant(Status.CANCELLED.value), _constant(Status.SKIPPED.value)]
    steps = select(
        FollowUpRow.ics.label("ics"),
        FollowUpRow.due_at.label("starts"),
        FollowUpRow.status.label("status"),
        _constant(0).label("kind"),
        FollowUpRow.id.label("id"),
    ).where(
        _steps_in(by_interview),
        FollowUpRow.ics.is_not(None),
        or_(
            and_(
                FollowUpRow.status.in_(open_),
                FollowUpRow.deadline_at >= bindparam("open_since"),
            ),
            and_(
                FollowUpRow.status == _constant(Status.DONE.value),
                FollowUpRow.updated_at >= bindparam("done_since"),
            ),
            and_(
                FollowUpRow.status.in_(closed),
                FollowUpRow.updated_at >= bindparam("cancelled_since"),
            ),
        ),
    )
    query: Any = steps
    if with_interviews:
        interviews = select(
            InterviewRow.ics,
            InterviewRow.starts_at,
            cast(null(), String),
            _constant(1),
            InterviewRow.id,
        ).where(
            _interviews_in(by_interview),
            InterviewRow.ics.is_not(None),
            InterviewRow.starts_at >= bindparam("interviews_since"),
        )
        query = union_all(steps, interviews)
    return query.order_by(text("starts"), text("kind"), text("id"))


_FEED_EVENTS = {
    (by_interview, with_interviews): _feed_events_query(by_interview, with_interviews)
    for by_interview in (False, True)
    for with_interviews in (False, True)
}


def feed_events(
    session: Session, scope: FeedScope, window: FeedWindow, with_interviews: bool
) -> list[StoredEvent]:
    """The stored texts of the events in a feed's window, by start, in one query on the
    driver's cursor: a feed is hundreds of rows, and their texts need no conversion. Start
    times come back as the driver gives them (SQLite: UTC text): they only order the events."""
    by_interview = scope.interview_id is not None
    values: dict[str, Any] = {
        **_scope_values(scope),
        "open_since": window.open_since,
        "done_since": window.done_since,
        "cancelled_since": window.cancelled_since,
    }
    if with_interviews:
        values["interviews_since"] = window.interviews_since
    rows = direct.execute(session, _FEED_EVENTS[by_interview, with_interviews], values)
    return [StoredEvent(ics, starts, status, id_) for ics, starts, status, _, id_ in rows]


def interview_title(session: Session, interview_id: int) -> tuple[str, str]:
    row = session.execute(
        select(InterviewRow.company, InterviewRow.role).where(InterviewRow.id == interview_id)
    ).one()
    return row.company, row.role
