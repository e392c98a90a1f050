"""What the service does, one function per action: load, apply the domain rules, save — each
inside one transaction. The HTTP routes and the command line call these and nothing below them."""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from service.db import repository
from service.db.repository import KeyRecord
from service.db.session import Database
from service.domain.model import (
    DEFAULT_DURATION,
    Candidate,
    Contact,
    DomainError,
    Interview,
    InterviewFilter,
)
from service.errors import InvalidInput, NotFound, Unauthorized
from service.tokens import digest, issue_api_key, issue_feed_token, secret_matches, split_api_key

T = TypeVar("T")

# Accounts and API keys


def create_key(db: Database, account_name: str, now: datetime) -> str:
    """A new API key for the named account, creating the account if needed."""
    issued = issue_api_key()
    with db.writing() as session:
        account_id = repository.account_id_by_name(session, account_name)
        if account_id is None:
            account_id = repository.add_account(session, account_name, now)
        repository.add_api_key(session, account_id, issued, now)
    return issued.key


def list_keys(db: Database, account_name: str | None = None) -> list[KeyRecord]:
    """Every API key (never the secret), optionally of one account."""
    with db.reading() as session:
        return repository.api_keys(session, account_name)


def revoke_key(db: Database, public_id: str, now: datetime) -> bool:
    """Revoke a key by its public id (the part after ifk_); False if none was active."""
    with db.writing() as session:
        return repository.revoke_api_key(session, public_id, now)


def authenticate(db: Database, key: str) -> int:
    """The account id an API key belongs to; Unauthorized unless the key is valid and active."""
    parts = split_api_key(key)
    if parts is not None:
        public_id, secret = parts
        with db.reading() as session:
            record = repository.api_key(session, public_id)
        if record and record.revoked_at is None and secret_matches(secret, record.secret_hash):
            return record.account_id
    raise Unauthorized("the API key is missing, unknown or revoked")


# Candidates


def _build(factory: type[T], fields: Mapping[str, Any]) -> T:
    try:
        return factory(**fields)
    except DomainError as error:
        raise InvalidInput(str(error)) from error


def create_candidate(
    db: Database, account_id: int, fields: Mapping[str, Any], now: datetime
) -> tuple[Candidate, str]:
    """Store a new candidate; returns it with the secret token of its first calendar feed."""
    candidate = _build(Candidate, fields)
    token = issue_feed_token()
    with db.writing() as session:
        stored = repository.add_candidate(session, account_id, candidate, now)
        assert stored.id is not None
        repository.add_feed_token(session, stored.id, digest(token), now)
    return stored, token


def get_candidate(db: Database, account_id: int, candidate_id: int) -> Candidate:
    """One candidate of the account."""
    with db.reading() as session:
        found = repository.candidate(session, account_id, candidate_id)
    if found is None:
        raise NotFound(f"candidate {candidate_id} not found")
    return found


def list_candidates(
    db: Database, account_id: int, after_id: int | None, limit: int
) -> list[Candidate]:
    """A page of the account's candidates in creation order."""
    with db.reading() as session:
        return repository.candidates(session, account_id, after_id, limit)


def update_candidate(
    db: Database, account_id: int, candidate_id: int, changes: Mapping[str, Any], now: datetime
) -> Candidate:
    """Apply changes to a candidate's settings."""
    with db.writing() as session:
        current = repository.candidate(session, account_id, candidate_id)
        if current is None:
            raise NotFound(f"candidate {candidate_id} not found")
        updated = _build(Candidate, {**vars(current), **changes})
        repository.save_candidate(session, account_id, updated, now)
    return updated


def delete_candidate(db: Database, account_id: int, candidate_id: int) -> None:
    """Delete a candidate with all their interviews and feeds."""
    with db.writing() as session:
        if not repository.delete_candidate(session, account_id, candidate_id):
            raise NotFound(f"candidate {candidate_id} not found")


# Interviews


def _owned_candidate(session: Any, account_id: int, candidate_id: int) -> Candidate:
    found = repository.candidate(session, account_id, candidate_id)
    if found is None:
        raise InvalidInput(f"candidate_id {candidate_id} is not a candidate of this account")
    return found


def _with_end(
    fields: Mapping[str, Any], starts_at: datetime, default_length: timedelta
) -> dict[str, Any]:
    """Fields with ends_at resolved from an explicit end, a `length`, or the default length."""
    resolved = dict(fields)
    length = resolved.pop("length", None)
    if resolved.get("ends_at") is None and (length or "starts_at" in resolved):
        resolved["ends_at"] = starts_at + (length or default_length)
    return resolved


def create_interview(
    db: Database, account_id: int, fields: Mapping[str, Any], now: datetime
) -> Interview:
    """Store a new interview; its time zone defaults to the candidate's, its length to an hour."""
    with db.writing() as session:
        candidate = _owned_candidate(session, account_id, fields["candidate_id"])
        fields = _with_end(fields, fields["starts_at"], DEFAULT_DURATION)
        interview = _build(Interview, {"timezone": candidate.timezone, **fields})
        return repository.add_interview(session, account_id, interview, now)


def get_interview(db: Database, account_id: int, interview_id: int) -> Interview:
    """One interview of the account."""
    with db.reading() as session:
        found = repository.interview(session, account_id, interview_id)
    if found is None:
        raise NotFound(f"interview {interview_id} not found")
    return found


def list_interviews(
    db: Database,
    account_id: int,
    where: InterviewFilter,
    after: tuple[datetime, int] | None,
    limit: int,
) -> Sequence[Interview]:
    """A page of the account's interviews, earliest start first."""
    with db.reading() as session:
        return repository.interviews(session, account_id, where, after, limit)


def update_interview(
    db: Database, account_id: int, interview_id: int, changes: Mapping[str, Any], now: datetime
) -> Interview:
    """Apply changes to an interview; contacts given replace the whole list.

    Moving the start without giving an end keeps the interview's length.
    """
    with db.writing() as session:
        current = repository.interview(session, account_id, interview_id)
        if current is None:
            raise NotFound(f"interview {interview_id} not found")
        if "candidate_id" in changes:
            _owned_candidate(session, account_id, changes["candidate_id"])
        starts_at = changes.get("starts_at", current.starts_at)
        changes = _with_end(changes, starts_at, current.ends_at - current.starts_at)
        updated = _build(Interview, {**vars(current), **changes})
        return repository.save_interview(session, account_id, updated, now)


def delete_interview(db: Database, account_id: int, interview_id: int) -> None:
    """Delete an interview with its contacts and references."""
    with db.writing() as session:
        if not repository.delete_interview(session, account_id, interview_id):
            raise NotFound(f"interview {interview_id} not found")


# Contacts within an interview


def _edit_contacts(
    db: Database,
    account_id: int,
    interview_id: int,
    edit: Callable[[tuple[Contact, ...]], tuple[Contact, ...]],
    now: datetime,
) -> Interview:
    with db.writing() as session:
        current = repository.interview(session, account_id, interview_id)
        if current is None:
            raise NotFound(f"interview {interview_id} not found")
        updated = _build(Interview, {**vars(current), "contacts": edit(current.contacts)})
        return repository.save_interview(session, account_id, updated, now)


def _contact_index(contacts: tuple[Contact, ...], contact_id: int) -> int:
    for index, contact in enumerate(contacts):
        if contact.id == contact_id:
            return index
    raise NotFound(f"contact {contact_id} not found in this interview")


def add_contact(
    db: Database, account_id: int, interview_id: int, contact: Contact, now: datetime
) -> Contact:
    """Add someone met at the interview."""
    interview = _edit_contacts(
        db, account_id, interview_id, lambda contacts: (*contacts, contact), now
    )
    return interview.contacts[-1]


def update_contact(
    db: Database,
    account_id: int,
    interview_id: int,
    contact_id: int,
    changes: Mapping[str, Any],
    now: datetime,
) -> Contact:
    """Change what is known of a contact; its id, and so its follow-ups, stay."""

    def edit(contacts: tuple[Contact, ...]) -> tuple[Contact, ...]:
        index = _contact_index(contacts, contact_id)
        changed = _build(Contact, {**vars(contacts[index]), **changes})
        return (*contacts[:index], changed, *contacts[index + 1 :])

    interview = _edit_contacts(db, account_id, interview_id, edit, now)
    return interview.contacts[_contact_index(interview.contacts, contact_id)]


def remove_contact(
    db: Database, account_id: int, interview_id: int, contact_id: int, now: datetime
) -> None:
    """Remove a contact from an interview."""

    def edit(contacts: tuple[Contact, ...]) -> tuple[Contact, ...]:
        index = _contact_index(contacts, contact_id)
        return contacts[:index] + contacts[index + 1 :]

    _edit_contacts(db, account_id, interview_id, edit, now)
