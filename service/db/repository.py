"""Reads and writes of accounts, keys, candidates and interviews; rows in, domain objects out."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.db import direct
from service.db.tables import (
    AccountRow,
    ApiKeyRow,
    CandidateRow,
    ContactRow,
    FeedTokenRow,
    FollowUpRow,
    IdempotentRequestRow,
    InstallationRow,
    InterviewRow,
    OutcomeRow,
    ReferenceRow,
)
from service.domain.cadence import FollowUp, Kind, Outcome, OutcomeType, Plan, Status
from service.domain.model import (
    BusinessHours,
    Candidate,
    Channel,
    Contact,
    ContactRole,
    Format,
    Interview,
    InterviewFilter,
    Policy,
    Process,
    Reference,
)
from service.idempotency import Claim
from service.tokens import IssuedKey

# The installation


def installation_uid(session: Session) -> str:
    """This installation's id, made once by the migrations; read once per connection."""
    connection = session.connection()
    found: str | None = connection.info.get("installation_uid")
    if found is None:
        found = session.scalars(select(InstallationRow.uid)).one()
        connection.info["installation_uid"] = found
    return found


# Accounts and API keys


def account_id_by_name(session: Session, name: str) -> int | None:
    return session.scalar(select(AccountRow.id).where(AccountRow.name == name))


def add_account(session: Session, name: str, now: datetime) -> int:
    row = AccountRow(name=name, created_at=now)
    session.add(row)
    session.flush()
    return row.id


def add_api_key(session: Session, account_id: int, issued: IssuedKey, now: datetime) -> None:
    session.add(
        ApiKeyRow(
            account_id=account_id,
            public_id=issued.public_id,
            secret_hash=issued.secret_hash,
            created_at=now,
        )
    )


@dataclass(frozen=True)
class KeyRecord:
    """What is stored of an API key: never the key itself."""

    public_id: str
    account_id: int
    account_name: str
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None


_KEYS = select(
    ApiKeyRow.public_id,
    ApiKeyRow.account_id,
    AccountRow.name.label("account_name"),
    ApiKeyRow.secret_hash,
    ApiKeyRow.created_at,
    ApiKeyRow.revoked_at,
).join(AccountRow, AccountRow.id == ApiKeyRow.account_id)


def api_key(session: Session, public_id: str) -> KeyRecord | None:
    row = session.execute(_KEYS.where(ApiKeyRow.public_id == public_id)).one_or_none()
    return KeyRecord(**row._asdict()) if row else None


def api_keys(session: Session, account_name: str | None) -> list[KeyRecord]:
    query = _KEYS.order_by(ApiKeyRow.id)
    if account_name is not None:
        query = query.where(AccountRow.name == account_name)
    return [KeyRecord(**row._asdict()) for row in session.execute(query)]


def revoke_api_key(session: Session, public_id: str, now: datetime) -> bool:
    result = session.execute(
        update(ApiKeyRow)
        .where(ApiKeyRow.public_id == public_id, ApiKeyRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# Candidates and feed tokens


def _candidate(row: CandidateRow | SimpleNamespace) -> Candidate:
    return Candidate(
        id=row.id,
        name=row.name,
        timezone=row.timezone,
        country=row.country,
        call_time=row.call_time,
        business_hours=BusinessHours(
            start=row.business_start,
            end=row.business_end,
            days=frozenset(int(day) for day in row.business_days),
        ),
        thank_you_channel=Channel(row.thank_you_channel),
        follow_up_channel=Channel(row.follow_up_channel),
        policy=Policy(**row.policy),
    )


def _fill_candidate(row: CandidateRow, candidate: Candidate) -> None:
    row.name = candidate.name
    row.timezone = candidate.timezone
    row.country = candidate.country
    row.call_time = candidate.call_time
    row.business_start = candidate.business_hours.start
    row.business_end = candidate.business_hours.end
    row.business_days = "".join(str(day) for day in sorted(candidate.business_hours.days))
    row.thank_you_channel = candidate.thank_you_channel.value
    row.follow_up_channel = candidate.follow_up_channel.value
    row.policy = candidate.policy.overrides()


def add_candidate(
    session: Session, account_id: int, candidate: Candidate, now: datetime
) -> Candidate:
    row = CandidateRow(account_id=account_id, created_at=now, updated_at=now)
    _fill_candidate(row, candidate)
    session.add(row)
    session.flush()
    return replace(candidate, id=row.id)


def _candidate_row(session: Session, account_id: int, candidate_id: int) -> CandidateRow | None:
    return session.scalar(
        select(CandidateRow).where(
            CandidateRow.id == candidate_id, CandidateRow.account_id == account_id
        )
    )


_CANDIDATE = select(CandidateRow.__table__).where(
    CandidateRow.id == bindparam("candidate_id"),
    CandidateRow.account_id == bindparam("account_id"),
)


def candidate(session: Session, account_id: int, candidate_id: int) -> Candidate | None:
    # Read through `direct`, not as an ORM object: a create reads its candidate first.
    found = direct.first(
        session.connection(), _CANDIDATE, {"candidate_id": candidate_id, "account_id": account_id}
    )
    return _candidate(SimpleNamespace(**found)) if found else None


def candidates(
    session: Session, account_id: int, after_id: int | None, limit: int
) -> list[Candidate]:
    query = select(CandidateRow).where(CandidateRow.account_id == account_id)
    if after_id is not None:
        query = query.where(CandidateRow.id > after_id)
    rows = session.scalars(query.order_by(CandidateRow.id).limit(limit))
    return [_candidate(row) for row in rows]


def save_candidate(session: Session, account_id: int, candidate: Candidate, now: datetime) -> None:
    assert candidate.id is not None
    row = _candidate_row(session, account_id, candidate.id)
    assert row is not None
    _fill_candidate(row, candidate)
    row.updated_at = now


def delete_candidate(session: Session, account_id: int, candidate_id: int) -> bool:
    result = session.execute(
        delete(CandidateRow).where(
            CandidateRow.id == candidate_id, CandidateRow.account_id == account_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


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
    row = direct.first(session.connection(), _FEED_SCOPE, {"token_hash": token_hash})
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
    connection, values = session.connection(), _scope_values(scope)
    found: list[Any] = []
    for query in _FEED_VERSION[scope.interview_id is not None]:
        row = direct.first(connection, query, values)
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
    rows = direct.execute(session.connection(), _FEED_EVENTS[by_interview, with_interviews], values)
    return [StoredEvent(ics, starts, status, id_) for ics, starts, status, _, id_ in rows]


def interview_title(session: Session, interview_id: int) -> tuple[str, str]:
    row = session.execute(
        select(InterviewRow.company, InterviewRow.role).where(InterviewRow.id == interview_id)
    ).one()
    return row.company, row.role


# Interviews with their contacts and references


def _contact(row: ContactRow) -> Contact:
    return Contact(
        id=row.id,
        name=row.name,
        title=row.title,
        role=ContactRole(row.role),
        email=row.email,
        phone=row.phone,
        address=row.address,
        preferred_channel=Channel(row.preferred_channel) if row.preferred_channel else None,
        primary=row.is_primary,
    )


def _interview(row: InterviewRow) -> Interview:
    return Interview(
        id=row.id,
        candidate_id=row.candidate_id,
        previous_interview_id=row.previous_interview_id,
        company=row.company,
        role=row.role,
        job_number=row.job_number,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        timezone=row.timezone,
        format=Format(row.format),
        round=row.round,
        location=row.location,
        process=Process(row.process),
        decision_date=row.decision_date,
        notes=row.notes,
        contacts=tuple(_contact(c) for c in row.contacts),
        references=tuple(
            Reference(id=r.id, name=r.name, phone=r.phone, email=r.email) for r in row.references
        ),
    )


def _contact_values(contact: Contact, position: int) -> dict[str, Any]:
    return {
        "position": position,
        "name": contact.name,
        "title": contact.title,
        "role": contact.role.value,
        "email": contact.email,
        "phone": contact.phone,
        "address": contact.address,
        "preferred_channel": contact.preferred_channel.value if contact.preferred_channel else None,
        "is_primary": contact.primary,
    }


def _reference_values(reference: Reference, position: int) -> dict[str, Any]:
    return {
        "position": position,
        "name": reference.name,
        "phone": reference.phone,
        "email": reference.email,
    }


def _interview_values(interview: Interview) -> dict[str, Any]:
    return {
        "candidate_id": interview.candidate_id,
        "previous_interview_id": interview.previous_interview_id,
        "company": interview.company,
        "role": interview.role,
        "job_number": interview.job_number,
        "starts_at": interview.starts_at,
        "ends_at": interview.ends_at,
        "timezone": interview.timezone,
        "format": interview.format.value,
        "round": interview.round,
        "location": interview.location,
        "process": interview.process.value,
        "decision_date": interview.decision_date,
        "notes": interview.notes,
    }


def _fill(row: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(row, name, value)


def _fill_interview(row: InterviewRow, interview: Interview) -> None:
    _fill(row, _interview_values(interview))
    # Contacts and references keep their ids (and so their follow-ups) when they are kept.
    kept_contacts: dict[int | None, ContactRow] = {c.id: c for c in row.contacts}
    row.contacts = []
    for position, contact in enumerate(interview.contacts):
        contact_row = kept_contacts.get(contact.id) or ContactRow()
        _fill(contact_row, _contact_values(contact, position))
        row.contacts.append(contact_row)
    kept_references: dict[int | None, ReferenceRow] = {r.id: r for r in row.references}
    row.references = []
    for position, reference in enumerate(interview.references):
        reference_row = kept_references.get(reference.id) or ReferenceRow()
        _fill(reference_row, _reference_values(reference, position))
        row.references.append(reference_row)


def _table(entity: type[Any]) -> Table:
    table = entity.__table__
    assert isinstance(table, Table)
    return table


_INTERVIEWS = _table(InterviewRow)
_CONTACTS = _table(ContactRow)
_REFERENCES = _table(ReferenceRow)
_FOLLOWUPS = _table(FollowUpRow)
# The statements that store new interviews and their plans, run through `direct`: a table's
# rows for every interview being added go in one statement. Ids of the rows an interview owns
# come back by each row's place (a contact's position, a step's key) rather than from RETURNING
# in parameter order, which SQLAlchemy can only promise by sorting on every database.
_NEW_INTERVIEW = insert(_INTERVIEWS).returning(_INTERVIEWS.c.id)
_NEW_CONTACTS = insert(_CONTACTS)
_NEW_REFERENCES = insert(_REFERENCES)
_NEW_STEPS = insert(_FOLLOWUPS)


def _places(table: Table, place: ColumnElement[Any]) -> Select[Any]:
    """(interview id, place, id) of the rows of interviews first_id to last_id."""
    return select(table.c.interview_id, place, table.c.id).where(
        table.c.interview_id.between(bindparam("first_id"), bindparam("last_id"))
    )


_CONTACT_IDS = _places(_CONTACTS, _CONTACTS.c.position)
_REFERENCE_IDS = _places(_REFERENCES, _REFERENCES.c.position)
_STEP_IDS = _places(_FOLLOWUPS, _FOLLOWUPS.c.key)
_FIRST_PLAN = (
    update(_INTERVIEWS)
    .where(_INTERVIEWS.c.id == bindparam("interview_id"))
    .values(
        ics=bindparam("event"),
        ics_changed_at=bindparam("changed_at"),
        cadence_state=bindparam("state"),
        cadence_note=bindparam("note"),
    )
)


def _ids(
    session: Session, query: Select[Any], interview_ids: Sequence[int]
) -> dict[tuple[int, Any], int]:
    """{(interview id, place): id} of the rows these interviews own. The range can hold other
    interviews, added meanwhile by other transactions: their rows are left out."""
    found = direct.execute(
        session.connection(),
        query,
        {"first_id": min(interview_ids), "last_id": max(interview_ids)},
    )
    wanted = set(interview_ids)
    return {(row[0], row[1]): row[2] for row in found if row[0] in wanted}


@dataclass(frozen=True)
class InterviewToAdd:
    """An interview to add: whose it is, when it is added, and the invitation it came from."""

    account_id: int
    interview: Interview
    now: datetime
    invitation_uid: str | None = None


def add_interviews(session: Session, new: Sequence[InterviewToAdd]) -> list[Interview]:
    """Store new interviews with their contacts and references, a statement for each table
    whatever their number; each returned with its ids and those of its contacts and
    references."""
    if not new:
        return []
    connection = session.connection()
    ids = [
        row[0]
        for row in direct.execute_each(
            connection,
            _NEW_INTERVIEW,
            [
                {
                    **_interview_values(added.interview),
                    "account_id": added.account_id,
                    "invitation_uid": added.invitation_uid,
                    "created_at": added.now,
                    "updated_at": added.now,
                }
                for added in new
            ],
        )
    ]
    contacts = [
        {**_contact_values(contact, position), "interview_id": interview_id}
        for added, interview_id in zip(new, ids, strict=True)
        for position, contact in enumerate(added.interview.contacts)
    ]
    references = [
        {**_reference_values(reference, position), "interview_id": interview_id}
        for added, interview_id in zip(new, ids, strict=True)
        for position, reference in enumerate(added.interview.references)
    ]
    direct.execute_many(connection, _NEW_CONTACTS, contacts)
    direct.execute_many(connection, _NEW_REFERENCES, references)
    contact_ids = _ids(session, _CONTACT_IDS, ids) if contacts else {}
    reference_ids = _ids(session, _REFERENCE_IDS, ids) if references else {}
    return [
        replace(
            added.interview,
            id=interview_id,
            contacts=tuple(
                replace(contact, id=contact_ids[interview_id, position])
                for position, contact in enumerate(added.interview.contacts)
            ),
            references=tuple(
                replace(reference, id=reference_ids[interview_id, position])
                for position, reference in enumerate(added.interview.references)
            ),
        )
        for added, interview_id in zip(new, ids, strict=True)
    ]


def interview_id_by_invitation(
    session: Session, account_id: int, candidate_id: int, invitation_uid: str
) -> int | None:
    """The candidate's interview imported from the invitation with this UID, if any."""
    return session.scalar(
        select(InterviewRow.id).where(
            InterviewRow.candidate_id == candidate_id,
            InterviewRow.invitation_uid == invitation_uid,
            InterviewRow.account_id == account_id,
        )
    )


def _interview_row(
    session: Session, account_id: int, interview_id: int, lock: bool = False
) -> InterviewRow | None:
    query = select(InterviewRow).where(
        InterviewRow.id == interview_id, InterviewRow.account_id == account_id
    )
    return session.scalar(query.with_for_update() if lock else query)


def interview(
    session: Session, account_id: int, interview_id: int, lock: bool = False
) -> Interview | None:
    """One interview; `lock` holds it against concurrent changes until the transaction ends."""
    row = _interview_row(session, account_id, interview_id, lock)
    return _interview(row) if row else None


def interviews(
    session: Session,
    account_id: int,
    where: InterviewFilter,
    after: tuple[datetime, int] | None,
    limit: int,
) -> Sequence[Interview]:
    query = select(InterviewRow).where(InterviewRow.account_id == account_id)
    if where.candidate_id is not None:
        query = query.where(InterviewRow.candidate_id == where.candidate_id)
    if where.company is not None:
        query = query.where(func.lower(InterviewRow.company) == where.company.lower())
    if where.starts_after is not None:
        query = query.where(InterviewRow.starts_at >= where.starts_after)
    if where.starts_before is not None:
        query = query.where(InterviewRow.starts_at < where.starts_before)
    if after is not None:
        starts_at, interview_id = after
        query = query.where(
            or_(
                InterviewRow.starts_at > starts_at,
                and_(InterviewRow.starts_at == starts_at, InterviewRow.id > interview_id),
            )
        )
    rows = session.scalars(query.order_by(InterviewRow.starts_at, InterviewRow.id).limit(limit))
    return [_interview(row) for row in rows]


def save_interview(
    session: Session, account_id: int, interview: Interview, now: datetime
) -> Interview:
    assert interview.id is not None
    row = _interview_row(session, account_id, interview.id)
    assert row is not None
    _fill_interview(row, interview)
    row.updated_at = now
    session.flush()
    return _interview(row)


def delete_interview(session: Session, account_id: int, interview_id: int) -> bool:
    row = _interview_row(session, account_id, interview_id)
    if row is None:
        return False
    session.delete(row)
    return True


# Follow-ups and outcomes


@dataclass(frozen=True)
class FollowUpRecord:
    """A stored step with where it belongs and how often it has changed."""

    id: int
    interview_id: int
    candidate_id: int
    timezone: str
    sequence: int
    updated_at: datetime
    step: FollowUp


def _step(row: FollowUpRow) -> FollowUp:
    return FollowUp(
        key=row.key,
        kind=Kind(row.kind),
        channel=Channel(row.channel) if row.channel else None,
        contact_id=row.contact_id,
        ideal_at=row.ideal_at,
        due_at=row.due_at,
        deadline_at=row.deadline_at,
        status=Status(row.status),
        late=row.late,
        why=row.why,
        summary=row.summary,
        checklist=tuple(row.checklist),
        done_at=row.done_at,
        snoozed_until=row.snoozed_until,
    )


def _step_values(step: FollowUp) -> dict[str, Any]:
    return {
        "key": step.key,
        "kind": step.kind.value,
        "channel": step.channel.value if step.channel else None,
        "contact_id": step.contact_id,
        "ideal_at": step.ideal_at,
        "due_at": step.due_at,
        "deadline_at": step.deadline_at,
        "status": step.status.value,
        "late": step.late,
        "why": step.why,
        "summary": step.summary,
        "checklist": list(step.checklist),
        "done_at": step.done_at,
        "snoozed_until": step.snoozed_until,
    }


def _record(row: FollowUpRow, timezone: str) -> FollowUpRecord:
    return FollowUpRecord(
        id=row.id,
        interview_id=row.interview_id,
        candidate_id=row.candidate_id,
        timezone=timezone,
        sequence=row.sequence,
        updated_at=row.updated_at,
        step=_step(row),
    )


def plan_of(session: Session, interview_id: int) -> dict[str, FollowUp]:
    """The stored steps of an interview by key."""
    rows = session.scalars(select(FollowUpRow).where(FollowUpRow.interview_id == interview_id))
    return {row.key: _step(row) for row in rows}


StepRenderer = Callable[[FollowUp, int, datetime, datetime], str]
"""Renders a step's event from the step, its sequence, when it last changed and was created."""


@dataclass(frozen=True)
class StepsToAdd:
    """Steps to add to an interview, made `now`, with how their events are rendered."""

    account_id: int
    interview: Interview
    steps: Sequence[FollowUp]
    now: datetime
    render: StepRenderer


def _add_steps(session: Session, new: Sequence[StepsToAdd]) -> list[list[int]]:
    """Store new steps with their events, in one statement whatever their number; the ids of
    each interview's steps in the order given."""
    rows = [
        {
            **_step_values(step),
            "account_id": added.account_id,
            "candidate_id": added.interview.candidate_id,
            "interview_id": added.interview.id,
            "sequence": 0,
            "created_at": added.now,
            "updated_at": added.now,
            "ics": added.render(step, 0, added.now, added.now),
        }
        for added in new
        for step in added.steps
    ]
    if not rows:
        return [[] for _ in new]
    direct.execute_many(session.connection(), _NEW_STEPS, rows)
    ids = _ids(session, _STEP_IDS, [row["interview_id"] for row in rows])
    found = []
    for added in new:
        interview_id = added.interview.id
        assert interview_id is not None
        found.append([ids[interview_id, step.key] for step in added.steps])
    return found


def _cadence_values(plan: Plan) -> dict[str, str]:
    return {"cadence_state": plan.state.value, "cadence_note": plan.note[:500]}


def save_plan(
    session: Session,
    account_id: int,
    interview: Interview,
    plan: Plan,
    now: datetime,
    render: StepRenderer,
) -> None:
    """Store a plan: new steps are added; a step whose data or event text changed gets a higher
    sequence and a new event; the rest stay as they are, byte for byte."""
    assert interview.id is not None
    rows = {
        row.key: row
        for row in session.scalars(
            select(FollowUpRow).where(FollowUpRow.interview_id == interview.id)
        )
    }
    new = []
    for step in plan.followups:
        row = rows.get(step.key)
        if row is None:
            new.append(step)
            continue
        if (
            _step(row) == step
            and row.candidate_id == interview.candidate_id
            and row.ics == render(step, row.sequence, row.updated_at, row.created_at)
        ):
            continue
        _fill(row, _step_values(step))
        row.candidate_id = interview.candidate_id
        row.sequence += 1
        row.updated_at = now
        row.ics = render(step, row.sequence, now, row.created_at)
    _add_steps(session, [StepsToAdd(account_id, interview, new, now, render)])
    session.execute(
        update(InterviewRow).where(InterviewRow.id == interview.id).values(**_cadence_values(plan))
    )
    session.flush()


class StoredPlan(NamedTuple):
    followups: list[FollowUpRecord]
    cadence_state: str
    cadence_note: str


@dataclass(frozen=True)
class FirstPlan:
    """The first plan of an interview just added: the candidate's zone, the plan made `now`,
    how its steps' events are rendered, and the interview's own event (its first)."""

    account_id: int
    interview: Interview
    timezone: str
    plan: Plan
    now: datetime
    render: StepRenderer
    interview_event: str


def add_plans(session: Session, plans: Sequence[FirstPlan]) -> list[StoredPlan]:
    """Store the first plans of interviews just added, a statement for each table whatever
    their number; returns what was stored, as reading it back would give it."""
    if not plans:
        return []
    step_ids = _add_steps(
        session,
        [
            StepsToAdd(
                first.account_id, first.interview, first.plan.followups, first.now, first.render
            )
            for first in plans
        ],
    )
    cadences = [_cadence_values(first.plan) for first in plans]
    direct.execute_many(
        session.connection(),
        _FIRST_PLAN,
        [
            {
                "interview_id": first.interview.id,
                "event": first.interview_event,
                "changed_at": first.now,
                "state": cadence["cadence_state"],
                "note": cadence["cadence_note"],
            }
            for first, cadence in zip(plans, cadences, strict=True)
        ],
    )
    stored = []
    for first, ids, cadence in zip(plans, step_ids, cadences, strict=True):
        interview = first.interview
        assert interview.id is not None
        records = [
            FollowUpRecord(
                followup_id,
                interview.id,
                interview.candidate_id,
                first.timezone,
                0,
                first.now,
                step,
            )
            for followup_id, step in zip(ids, first.plan.followups, strict=True)
        ]
        records.sort(key=lambda record: (record.step.due_at, record.id))
        stored.append(StoredPlan(records, cadence["cadence_state"], cadence["cadence_note"]))
    return stored


def save_interview_event(
    session: Session,
    interview_id: int,
    render: Callable[[int, datetime, datetime], str],
    now: datetime,
) -> None:
    """Store the interview's own event, with a higher sequence when its text changed."""
    row = session.get(InterviewRow, interview_id)
    assert row is not None
    if row.ics is not None and row.ics_changed_at is not None:
        if row.ics == render(row.ics_sequence, row.ics_changed_at, row.created_at):
            return
        row.ics_sequence += 1
    row.ics_changed_at = now
    row.ics = render(row.ics_sequence, now, row.created_at)


def interviews_without_events(session: Session) -> list[tuple[int, int]]:
    """(account id, interview id) of every interview whose own or steps' events are missing."""
    steps_missing = select(FollowUpRow.interview_id).where(FollowUpRow.ics.is_(None))
    rows = session.execute(
        select(InterviewRow.account_id, InterviewRow.id)
        .where(or_(InterviewRow.ics.is_(None), InterviewRow.id.in_(steps_missing)))
        .order_by(InterviewRow.id)
    )
    return [(account_id, interview_id) for account_id, interview_id in rows]


def cadence_of(session: Session, interview_id: int) -> tuple[str, str]:
    row = session.execute(
        select(InterviewRow.cadence_state, InterviewRow.cadence_note).where(
            InterviewRow.id == interview_id
        )
    ).one()
    return row.cadence_state, row.cadence_note


_WITH_ZONE = select(FollowUpRow, CandidateRow.timezone).join(
    CandidateRow, CandidateRow.id == FollowUpRow.candidate_id
)


def followup(session: Session, account_id: int, followup_id: int) -> FollowUpRecord | None:
    found = session.execute(
        _WITH_ZONE.where(FollowUpRow.id == followup_id, FollowUpRow.account_id == account_id)
    ).one_or_none()
    return _record(*found) if found else None


@dataclass(frozen=True)
class FollowUpFilter:
    """What a list of follow-ups may be narrowed to; statuses are as of `now`."""

    now: datetime
    candidate_id: int | None = None
    interview_id: int | None = None
    status: Status | None = None
    due_before: datetime | None = None


def followups(
    session: Session,
    account_id: int,
    where: FollowUpFilter,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[FollowUpRecord]:
    query = _WITH_ZONE.where(FollowUpRow.account_id == account_id)
    if where.candidate_id is not None:
        query = query.where(FollowUpRow.candidate_id == where.candidate_id)
    if where.interview_id is not None:
        query = query.where(FollowUpRow.interview_id == where.interview_id)
    if where.status is Status.PENDING:
        query = query.where(
            FollowUpRow.status == Status.PENDING.value, FollowUpRow.deadline_at >= where.now
        )
    elif where.status is Status.MISSED:
        query = query.where(
            or_(
                FollowUpRow.status == Status.MISSED.value,
                and_(
                    FollowUpRow.status == Status.PENDING.value,
                    FollowUpRow.deadline_at < where.now,
                ),
            )
        )
    elif where.status is not None:
        query = query.where(FollowUpRow.status == where.status.value)
    if where.due_before is not None:
        query = query.where(FollowUpRow.due_at < where.due_before)
    if after is not None:
        due_at, followup_id = after
        query = query.where(
            or_(
                FollowUpRow.due_at > due_at,
                and_(FollowUpRow.due_at == due_at, FollowUpRow.id > followup_id),
            )
        )
    rows = session.execute(query.order_by(FollowUpRow.due_at, FollowUpRow.id).limit(limit))
    return [_record(row, zone) for row, zone in rows]


def set_step_state(
    session: Session,
    followup_id: int,
    status: Status,
    done_at: datetime | None,
    snoozed_until: datetime | None,
) -> None:
    """Record what the candidate did with a step; the re-plan that follows in the same
    transaction builds on it, and raises the step's sequence."""
    session.execute(
        update(FollowUpRow)
        .where(FollowUpRow.id == followup_id)
        .values(status=status.value, done_at=done_at, snoozed_until=snoozed_until)
    )


def add_outcome(
    session: Session,
    account_id: int,
    interview_id: int,
    outcome: Outcome,
    next_interview_id: int | None,
    now: datetime,
) -> Outcome:
    row = OutcomeRow(
        account_id=account_id,
        interview_id=interview_id,
        type=outcome.type.value,
        at=outcome.at,
        step_key=outcome.step_key,
        decision_date=outcome.decision_date,
        next_interview_id=next_interview_id,
        note=outcome.note,
        created_at=now,
        source=outcome.source,
    )
    session.add(row)
    session.flush()
    return replace(outcome, id=row.id)


@dataclass(frozen=True)
class OutcomeRecord:
    outcome: Outcome
    interview_id: int
    next_interview_id: int | None


def outcomes_of(session: Session, interview_id: int) -> list[OutcomeRecord]:
    rows = session.scalars(
        select(OutcomeRow).where(OutcomeRow.interview_id == interview_id).order_by(OutcomeRow.id)
    )
    return [
        OutcomeRecord(
            Outcome(
                id=row.id,
                type=OutcomeType(row.type),
                at=row.at,
                step_key=row.step_key,
                decision_date=row.decision_date,
                note=row.note,
                source=row.source,
            ),
            row.interview_id,
            row.next_interview_id,
        )
        for row in rows
    ]


def interview_ids_of_candidate(session: Session, account_id: int, candidate_id: int) -> list[int]:
    return list(
        session.scalars(
            select(InterviewRow.id).where(
                InterviewRow.candidate_id == candidate_id, InterviewRow.account_id == account_id
            )
        )
    )


# Requests made with an Idempotency-Key


@dataclass(frozen=True)
class IdempotentRequest:
    fingerprint: str
    answer: bytes | None
    created_at: datetime


def idempotent_request(
    session: Session, account_id: int, key_hash: str, since: datetime
) -> IdempotentRequest | None:
    """The request made with this key since `since`, if any."""
    row = session.scalar(
        select(IdempotentRequestRow).where(
            IdempotentRequestRow.account_id == account_id,
            IdempotentRequestRow.key_hash == key_hash,
            IdempotentRequestRow.created_at >= since,
        )
    )
    return IdempotentRequest(row.fingerprint, row.answer, row.created_at) if row else None


def claim_request(session: Session, claim: Claim[Any], now: datetime, since: datetime) -> bool:
    """Record the claim unless the key is taken; the account's claims from before `since` are
    forgotten first. On PostgreSQL a claim that an open transaction holds waits for it."""
    session.execute(
        delete(IdempotentRequestRow).where(
            IdempotentRequestRow.account_id == claim.account_id,
            IdempotentRequestRow.created_at < since,
        )
    )
    row = IdempotentRequestRow(
        account_id=claim.account_id,
        key_hash=claim.key_hash,
        fingerprint=claim.fingerprint,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def remember_answer(session: Session, account_id: int, key_hash: str, sealed: bytes) -> bool:
    """Store the sealed answer with its claim, in the create's transaction; False when no
    claim was made with the key."""
    done = session.execute(
        update(IdempotentRequestRow)
        .where(
            IdempotentRequestRow.account_id == account_id,
            IdempotentRequestRow.key_hash == key_hash,
            IdempotentRequestRow.answer.is_(None),
        )
        .values(answer=sealed)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]
