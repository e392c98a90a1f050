"""Calendar feeds: issue, list, revoke, describe, and read them (from memory when fresh)."""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from service.actions import paths
from service.calendar import events, feeds
from service.candidates import repository as candidates_repository
from service.db.session import Database
from service.domain.steps import Status
from service.errors import InvalidInput, NotFound
from service.feeds import repository
from service.feeds.repository import FeedTokenRecord
from service.idempotency.claims import Claim
from service.idempotency.service import answered, take_claim
from service.interviews import repository as interviews_repository
from service.tokens import digest, issue_feed_token

# Calendar feeds

FEED_FORMAT = "6"  # raise when rendering changes, so every ETag changes with it


@dataclass(frozen=True)
class FeedOptions:
    """How a subscriber asked for a feed: with alarms, and with the interviews themselves."""

    alarms: bool = True
    interviews: bool = True


@dataclass(frozen=True)
class FeedAnswer:
    """A feed's validators and, when the caller needs them, its bytes."""

    etag: str
    last_modified: datetime
    body: bytes | None


def _feed_window(day: datetime) -> repository.FeedWindow:
    """Open and done steps show for 90 days, cancelled and skipped ones for 30 [SPEC §5]."""
    return repository.FeedWindow(
        open_since=day - timedelta(days=90),
        done_since=day - timedelta(days=90),
        cancelled_since=day - timedelta(days=30),
        interviews_since=day - timedelta(days=365),
    )


def _feed_name(session: Session, scope: repository.FeedScope) -> tuple[str, str]:
    if scope.interview_id is None:
        return (
            f"Interview follow-ups — {scope.candidate_name}",
            f"{scope.candidate_name}'s interviews and the follow-ups each one calls for.",
        )
    company, role = repository.interview_title(session, scope.interview_id)
    return (
        f"Follow-ups — {company}, {role}",
        f"{scope.candidate_name}'s {role} interview at {company} and its follow-ups.",
    )


def _feed_day(now: datetime) -> datetime:
    """The UTC day a feed is served for: its windows move, and its ETag changes, daily."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _feed_key(token_hash: str, options: FeedOptions, now: datetime) -> tuple[Any, ...]:
    return (token_hash, options, _feed_day(now))


def feed_from_memory(
    db: Database,
    token: str,
    options: FeedOptions,
    now: datetime,
    cache: feeds.FeedCache,
    wanted: Callable[[str, datetime], bool],
) -> FeedAnswer | None:
    """The answer to a feed poll from this process's memory alone, when it can be given: the
    feed was read from the database a moment ago, nothing was written here since, and either the
    caller has it (a 304) or its bytes are cached. None means: ask `read_feed`."""
    known = cache.validator(_feed_key(digest(token), options, now), db.generation)
    if known is None:
        return None
    if not wanted(known.etag, known.last_modified):
        return FeedAnswer(known.etag, known.last_modified, None)
    body = cache.get(known.etag)
    return None if body is None else FeedAnswer(known.etag, known.last_modified, body)


def read_feed(
    db: Database,
    token: str,
    options: FeedOptions,
    now: datetime,
    cache: feeds.FeedCache,
    wanted: Callable[[str, datetime], bool],
    base_url: str = "",
) -> FeedAnswer | None:
    """A calendar feed by its secret token, or None when the token is unknown or revoked.

    The ETag comes from counts and latest changes alone; the body is read only when
    `wanted(etag, last_modified)` says the caller lacks it and this process has not built it
    already. A feed that may act links each event's page under `base_url` [SPEC §9]. Reads
    only: serving a feed writes nothing."""
    day, token_hash = _feed_day(now), digest(token)
    generation, checked = db.generation, time.monotonic()
    with db.reading() as session:
        scope = repository.feed_scope(session, token_hash)
        if scope is None:
            return None
        version = repository.feed_version(session, scope)
        # The links name the token: feeds of one scope differ by token, and by the base URL.
        page = paths.page_url(base_url, token) if scope.may_act else None
        linked = (token_hash, base_url) if page else None
        fingerprint = repr((FEED_FORMAT, scope, options, day, version, linked))
        etag = '"' + hashlib.sha256(fingerprint.encode()).hexdigest()[:32] + '"'
        changes = [scope.candidate_changed_at, day]
        last_modified = max([*changes, *(v for v in version if isinstance(v, datetime))])
        cache.remember(
            _feed_key(token_hash, options, now),
            feeds.Validator(etag, last_modified, checked, generation),
        )
        if not wanted(etag, last_modified):
            return FeedAnswer(etag, last_modified, None)
        body = cache.get(etag)
        if body is None:
            stored = repository.feed_events(session, scope, _feed_window(day), options.interviews)
            name, description = _feed_name(session, scope)
            body = feeds.assemble(
                feeds.header(name, description, scope.timezone),
                (
                    feeds.FeedEvent(e.text, e.starts_at, events.alarm_for(e.status), _link(page, e))
                    for e in stored
                ),
                options.alarms,
            )
            cache.put(etag, body)
    return FeedAnswer(etag, last_modified, body)


def _link(page: str | None, event: repository.StoredEvent) -> str:
    """The link to an event's page at the head of its DESCRIPTION, or "" for a read-only feed."""
    if page is None:
        return ""
    if event.status is None:
        return feeds.page_link(paths.INTERVIEW_LABEL, paths.interview_url(page, event.id))
    return feeds.page_link(paths.STEP_LABEL, paths.step_url(page, event.id))


@dataclass(frozen=True)
class FeedSummary:
    """What a feed holds, for its subscribe page."""

    name: str
    description: str
    timezone: str
    to_do: int
    done: int
    interviews: int


def describe_feed(db: Database, token: str, now: datetime) -> FeedSummary | None:
    """A feed's name and what it holds today, or None when the token is unknown or revoked."""
    with db.reading() as session:
        scope = repository.feed_scope(session, digest(token))
        if scope is None:
            return None
        stored = repository.feed_events(session, scope, _feed_window(_feed_day(now)), True)
        name, description = _feed_name(session, scope)
    statuses = [event.status for event in stored]
    return FeedSummary(
        name,
        description,
        scope.timezone,
        to_do=sum(s in (Status.PENDING.value, Status.MISSED.value) for s in statuses),
        done=statuses.count(Status.DONE.value),
        interviews=statuses.count(None),
    )


@dataclass(frozen=True)
class IssuedFeed:
    record: FeedTokenRecord
    token: str


def _feed_owner(session: Session, account_id: int, candidate_id: int) -> None:
    if candidates_repository.candidate(session, account_id, candidate_id) is None:
        raise NotFound(f"candidate {candidate_id} not found")


def create_feed(
    db: Database,
    account_id: int,
    candidate_id: int,
    interview_id: int | None,
    now: datetime,
    claim: "Claim[IssuedFeed] | None" = None,
    can_act: bool = False,
) -> IssuedFeed:
    """A new secret feed URL for a candidate's calendar, or for one of their interviews (whose
    pages may act only with `can_act`)."""
    token = issue_feed_token()
    with db.writing() as session:
        take_claim(session, claim, now)
        _feed_owner(session, account_id, candidate_id)
        if interview_id is not None:
            found = interviews_repository.interview(session, account_id, interview_id)
            if found is None or found.candidate_id != candidate_id:
                raise InvalidInput(
                    f"interview_id {interview_id} is not an interview of this candidate"
                )
        record = repository.add_feed_token(
            session, candidate_id, interview_id, digest(token), now, can_act
        )
        return answered(session, claim, IssuedFeed(record, token))


def list_feeds(db: Database, account_id: int, candidate_id: int) -> list[FeedTokenRecord]:
    """A candidate's feed tokens, revoked ones included; never the tokens themselves."""
    with db.reading() as session:
        _feed_owner(session, account_id, candidate_id)
        return repository.feed_tokens(session, candidate_id)


def revoke_feed(
    db: Database, account_id: int, candidate_id: int, feed_id: int, now: datetime
) -> None:
    """Revoke a feed: its URL answers 404 from now on, like any unknown one."""
    with db.writing() as session:
        _feed_owner(session, account_id, candidate_id)
        if not repository.revoke_feed_token(session, candidate_id, feed_id, now):
            raise NotFound(f"feed {feed_id} not found")
