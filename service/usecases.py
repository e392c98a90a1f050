"""What the service does, one function per action: load, apply the domain rules, save — each
inside one transaction. The HTTP routes and the command line call these and nothing below them."""

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

import holidays
from sqlalchemy.orm import Session

from service.db import repository
from service.db.repository import FeedTokenRecord as FeedTokenRecord
from service.db.repository import FollowUpFilter as FollowUpFilter
from service.db.repository import FollowUpRecord as FollowUpRecord
from service.db.repository import KeyRecord
from service.db.session import Database
from service.domain import cadence
from service.domain.cadence import ATTEMPT_RESULTS, OPEN, Kind, Outcome, OutcomeType, Plan, Status
from service.domain.model import (
    DEFAULT_DURATION,
    Candidate,
    Contact,
    DomainError,
    Interview,
    InterviewFilter,
)
from service.errors import InProgress, InvalidInput, NotFound, Unauthorized
from service.ical import events, feeds, invitation_fields, invitations
from service.ical.events import Stamp
from service.idempotency import Claim
from service.tokens import digest, issue_api_key, issue_feed_token, secret_matches, split_api_key
from service.webhooks import outbox

T = TypeVar("T")
R = TypeVar("R")

# Requests made with an Idempotency-Key are remembered for a day.
IDEMPOTENCY_WINDOW = timedelta(hours=24)


def _claim(session: Session, claim: Claim[Any] | None, now: datetime) -> None:
    """Take the create's Idempotency-Key inside its transaction, or refuse a second taker."""
    if claim is not None and not repository.claim_request(
        session, claim, now, now - IDEMPOTENCY_WINDOW
    ):
        raise InProgress("a request with this Idempotency-Key is in progress; retry shortly")


def _answered(session: Session, claim: Claim[R] | None, result: R) -> R:
    """The create's result, its answer stored with the claim in the same transaction: a retry
    after a crash finds the answer, never a claim without one."""
    if claim is not None:
        repository.remember_answer(session, claim.account_id, claim.key_hash, claim.sealed(result))
    return result


def idempotent_request(
    db: Database, account_id: int, key_hash: str, now: datetime
) -> repository.IdempotentRequest | None:
    """The create made with this key within the last day, if any."""
    with db.reading() as session:
        return repository.idempotent_request(
            session, account_id, key_hash, now - IDEMPOTENCY_WINDOW
        )


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


class TrustedKeys:
    """API keys this process has checked, trusted again for `seconds` after each check so that
    most requests skip the database; a key revoked meanwhile stops working within that time.
    Only keys that passed are kept, under their digest, at most `most` of them."""

    def __init__(self, db: Database, seconds: float, most: int = 10_000) -> None:
        self.db = db
        self.seconds = seconds
        self.most = most
        self._checked: dict[str, tuple[int, float]] = {}

    def known(self, key: str) -> int | None:
        """The account of a key checked less than `seconds` ago, without asking the database."""
        found = self._checked.get(digest(key)) if self.seconds > 0 else None
        if found is None or time.monotonic() - found[1] >= self.seconds:
            return None
        return found[0]

    def check(self, key: str) -> int:
        """The key's account, from the database (see `authenticate`); remembered if it passed."""
        account_id = authenticate(self.db, key)
        if self.seconds > 0:
            if len(self._checked) >= self.most:
                self._checked.clear()
            self._checked[digest(key)] = (account_id, time.monotonic())
        return account_id


# Candidates


def _build(factory: type[T], fields: Mapping[str, Any]) -> T:
    try:
        return factory(**fields)
    except DomainError as error:
        raise InvalidInput(str(error)) from error


def create_candidate(
    db: Database,
    account_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    claim: Claim[tuple[Candidate, str]] | None = None,
) -> tuple[Candidate, str]:
    """Store a new candidate; returns it with the secret token of its first calendar feed."""
    candidate = _build(Candidate, fields)
    token = issue_feed_token()
    with db.writing() as session:
        _claim(session, claim, now)
        stored = repository.add_candidate(session, account_id, candidate, now)
        assert stored.id is not None
        repository.add_feed_token(session, stored.id, None, digest(token), now)
        return _answered(session, claim, (stored, token))


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
    """Apply changes to a candidate's settings and re-plan their interviews' pending steps."""
    with db.writing() as session:
        current = repository.candidate(session, account_id, candidate_id)
        if current is None:
            raise NotFound(f"candidate {candidate_id} not found")
        updated = _build(Candidate, {**vars(current), **changes})
        repository.save_candidate(session, account_id, updated, now)
        for interview_id in repository.interview_ids_of_candidate(
            session, account_id, candidate_id
        ):
            interview = repository.interview(session, account_id, interview_id, lock=True)
            assert interview is not None
            _replan(session, account_id, interview, now)
    return updated


def delete_candidate(db: Database, account_id: int, candidate_id: int) -> None:
    """Delete a candidate with all their interviews and feeds."""
    with db.writing() as session:
        if not repository.delete_candidate(session, account_id, candidate_id):
            raise NotFound(f"candidate {candidate_id} not found")


# Planning


@lru_cache(maxsize=512)
def _country_holidays(country: str, first: int, last: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=range(first, last + 1)))


def _holidays(country: str | None, interview: Interview) -> frozenset[date]:
    """The candidate's public holidays over every year the interview's plan can reach."""
    if not country:
        return frozenset()
    first = interview.starts_at.year
    last = first + 1
    if interview.decision_date is not None:
        last = max(last, interview.decision_date.year + 1)
    return _country_holidays(country, first, last)


def _replan(session: Session, account_id: int, interview: Interview, now: datetime) -> Plan:
    """Plan the interview's follow-ups from what is stored and store the result."""
    assert interview.id is not None
    candidate = repository.candidate(session, account_id, interview.candidate_id)
    assert candidate is not None
    outcomes = [record.outcome for record in repository.outcomes_of(session, interview.id)]
    before = repository.plan_of(session, interview.id)
    result = cadence.plan(
        interview,
        candidate,
        outcomes,
        before,
        now=now,
        holidays=_holidays(candidate.country, interview),
    )
    called_off = any(outcome.type is OutcomeType.CANCELLED for outcome in outcomes)
    outbox.plan_changed(session, account_id, interview, before, result, now)
    _store(session, account_id, interview, candidate, result, now, called_off)
    return result


def _renderers(
    interview: Interview, candidate: Candidate, installation: str, called_off: bool = False
) -> tuple[repository.StepRenderer, Callable[[int, datetime, datetime], str]]:
    """How the interview's steps, and the interview itself, are rendered as events."""

    step_event = events.StepEvents(interview, candidate.timezone, installation)

    def render_step(step: cadence.FollowUp, sequence: int, at: datetime, created: datetime) -> str:
        return step_event(step, Stamp(sequence, at, created))

    def render_interview(sequence: int, at: datetime, created: datetime) -> str:
        return events.interview_event(
            interview, Stamp(sequence, at, created), installation, called_off
        )

    return render_step, render_interview


def _store(
    session: Session,
    account_id: int,
    interview: Interview,
    candidate: Candidate,
    plan: Plan,
    now: datetime,
    called_off: bool = False,
) -> None:
    """Save a plan with the calendar events of its steps and of the interview itself."""
    assert interview.id is not None
    installation = repository.installation_uid(session)
    render_step, render_interview = _renderers(interview, candidate, installation, called_off)
    repository.save_plan(session, account_id, interview, plan, now, render_step)
    repository.save_interview_event(session, interview.id, render_interview, now)


def render_missing_events(db: Database, now: datetime) -> int:
    """Render the calendar events of interviews stored before events were kept with their
    rows; the plans themselves are not touched. Returns how many interviews were rendered."""
    with db.writing() as session:
        missing = repository.interviews_without_events(session)
        for account_id, interview_id in missing:
            interview = repository.interview(session, account_id, interview_id, lock=True)
            assert interview is not None
            candidate = repository.candidate(session, account_id, interview.candidate_id)
            assert candidate is not None
            steps = repository.plan_of(session, interview_id)
            state, note = repository.cadence_of(session, interview_id)
            stored = Plan(tuple(steps.values()), cadence.SeriesState(state), note)
            _store(
                session,
                account_id,
                interview,
                candidate,
                stored,
                now,
                _called_off(session, interview_id),
            )
    return len(missing)


@dataclass(frozen=True)
class InterviewView:
    """An interview with its planned follow-ups and where its follow-up series stands."""

    interview: Interview
    followups: list[FollowUpRecord]
    cadence_state: str
    cadence_note: str


def _view(session: Session, account_id: int, interview: Interview, now: datetime) -> InterviewView:
    assert interview.id is not None
    steps = repository.followups(
        session, account_id, FollowUpFilter(now=now, interview_id=interview.id), None, 10_000
    )
    state, note = repository.cadence_of(session, interview.id)
    return InterviewView(interview, steps, state, note)


def preview(
    candidate_fields: Mapping[str, Any], interview_fields: Mapping[str, Any], now: datetime
) -> Plan:
    """The plan an interview would get, stored nowhere. Contacts are numbered 1, 2, … in the
    order given, and those numbers stand as their ids."""
    candidate = _build(Candidate, {"name": "preview", **candidate_fields})
    fields = _with_end(interview_fields, interview_fields["starts_at"], DEFAULT_DURATION)
    contacts = tuple(
        replace(contact, id=number)
        for number, contact in enumerate(fields.get("contacts", ()), start=1)
    )
    interview = _build(
        Interview,
        {"timezone": candidate.timezone, **fields, "candidate_id": 0, "contacts": contacts},
    )
    return cadence.plan(
        interview, candidate, now=now, holidays=_holidays(candidate.country, interview)
    )


# Interviews


def _not_owned(candidate_id: int) -> InvalidInput:
    return InvalidInput(f"candidate_id {candidate_id} is not a candidate of this account")


def _owned_candidate(session: Session, account_id: int, candidate_id: int) -> Candidate:
    found = repository.candidate(session, account_id, candidate_id)
    if found is None:
        raise _not_owned(candidate_id)
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


@dataclass(frozen=True)
class NewInterview:
    """A create: the account, the interview's fields, when, the Idempotency-Key it claims and
    the invitation it was imported from."""

    account_id: int
    fields: Mapping[str, Any]
    now: datetime
    claim: "Claim[InterviewView] | None" = None
    invitation_uid: str | None = None


def _create_interviews(
    session: Session, creates: Sequence[NewInterview]
) -> list[InterviewView | Exception]:
    """Add interviews with their first plans, each table's rows for all of them in one
    statement; each answered in its place as a read would show it, or with the error that
    refused it (a refused create stores nothing). An interview's time zone defaults to its
    candidate's, its length to an hour."""
    answers: dict[int, InterviewView | Exception] = {}
    accepted: list[tuple[int, Candidate, repository.InterviewToAdd]] = []
    candidates: dict[tuple[int, int], Candidate | None] = {}
    for place, create in enumerate(creates):
        whose = (create.account_id, create.fields["candidate_id"])
        if whose not in candidates:
            candidates[whose] = repository.candidate(session, *whose)
        candidate = candidates[whose]
        try:
            if candidate is None:
                raise _not_owned(whose[1])
            fields = _with_end(create.fields, create.fields["starts_at"], DEFAULT_DURATION)
            interview = _build(Interview, {"timezone": candidate.timezone, **fields})
            # Last, once nothing else can refuse it: a claim taken is stored.
            _claim(session, create.claim, create.now)
        except (InvalidInput, InProgress) as error:
            answers[place] = error
            continue
        new = repository.InterviewToAdd(
            create.account_id, interview, create.now, create.invitation_uid
        )
        accepted.append((place, candidate, new))
    stored = repository.add_interviews(session, [new for _, _, new in accepted])
    installation = repository.installation_uid(session) if accepted else ""
    firsts = []
    for (_, candidate, new), interview in zip(accepted, stored, strict=True):
        now = new.now
        plan = cadence.plan(
            interview, candidate, now=now, holidays=_holidays(candidate.country, interview)
        )
        render_step, render_interview = _renderers(interview, candidate, installation)
        firsts.append(
            repository.FirstPlan(
                new.account_id,
                interview,
                candidate.timezone,
                plan,
                now,
                render_step,
                render_interview(0, now, now),
            )
        )
    plans = repository.add_plans(session, firsts)
    outbox.plans_added(session, firsts)
    for (place, _, _), interview, (steps, state, note) in zip(accepted, stored, plans, strict=True):
        view = InterviewView(interview, steps, state, note)
        answers[place] = _answered(session, creates[place].claim, view)
    return [answers[place] for place in range(len(creates))]


def _create_interview(session: Session, create: NewInterview) -> InterviewView:
    """One create, as _create_interviews stores it; raises the error that refuses it."""
    [answer] = _create_interviews(session, [create])
    if isinstance(answer, Exception):
        raise answer
    return answer


def create_interview(
    db: Database,
    account_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    claim: Claim[InterviewView] | None = None,
) -> Future[InterviewView]:
    """Store a new interview and plan its follow-ups, committed with the other writes waiting
    then (creates come in bursts: a whole search's interviews, an import)."""

    return db.write_together(interview_creator(NewInterview(account_id, fields, now, claim)))


def interview_creator(create: NewInterview) -> Callable[[Session], InterviewView]:
    """A create as work for a write transaction (Database.write_together)."""

    def run(session: Session) -> InterviewView:
        return _create_interview(session, create)

    return run


def store_interviews(db: Database, creates: Sequence[NewInterview]) -> list[Future[InterviewView]]:
    """Store creates gathered by the caller in one transaction, sharing their statements
    (Database.write_batch); each future holds its interview or the error that refused it."""
    return db.write_batch(
        lambda session: _create_interviews(session, creates),
        [interview_creator(create) for create in creates],
    )


def get_interview(db: Database, account_id: int, interview_id: int, now: datetime) -> InterviewView:
    """One interview of the account with its follow-ups."""
    with db.reading() as session:
        found = repository.interview(session, account_id, interview_id)
        if found is None:
            raise NotFound(f"interview {interview_id} not found")
        return _view(session, account_id, found, now)


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


def _change_interview(
    session: Session,
    account_id: int,
    interview_id: int,
    edit: Callable[[Interview], Mapping[str, Any]],
    now: datetime,
) -> InterviewView:
    current = repository.interview(session, account_id, interview_id, lock=True)
    if current is None:
        raise NotFound(f"interview {interview_id} not found")
    updated = _build(Interview, {**vars(current), **edit(current)})
    saved = repository.save_interview(session, account_id, updated, now)
    _replan(session, account_id, saved, now)
    return _view(session, account_id, saved, now)


def update_interview(
    db: Database, account_id: int, interview_id: int, changes: Mapping[str, Any], now: datetime
) -> InterviewView:
    """Apply changes to an interview and re-plan its pending steps. Contacts given replace the
    whole list; moving the start without giving an end keeps the interview's length."""

    def edit(current: Interview) -> Mapping[str, Any]:
        starts_at = changes.get("starts_at", current.starts_at)
        return _with_end(changes, starts_at, current.ends_at - current.starts_at)

    with db.writing() as session:
        if "candidate_id" in changes:
            _owned_candidate(session, account_id, changes["candidate_id"])
        return _change_interview(session, account_id, interview_id, edit, now)


def delete_interview(db: Database, account_id: int, interview_id: int) -> None:
    """Delete an interview with its contacts, references, follow-ups and outcomes."""
    with db.writing() as session:
        if not repository.delete_interview(session, account_id, interview_id):
            raise NotFound(f"interview {interview_id} not found")


# Importing a calendar invitation


def _merge_contacts(
    imported: tuple[Contact, ...], current: tuple[Contact, ...]
) -> tuple[Contact, ...]:
    """Imported contacts matched to stored ones by email (else name), so their ids and steps
    stay; people added since the first import are kept too."""

    def identity(contact: Contact) -> str:
        return (contact.email or contact.name).casefold()

    stored = {identity(c): c for c in current}
    merged = []
    for contact in imported:
        match = stored.pop(identity(contact), None)
        merged.append(contact if match is None else replace(match, name=contact.name))
    return (*merged, *stored.values())


def import_interview(
    db: Database,
    account_id: int,
    candidate_id: int,
    data: bytes,
    choices: Mapping[str, Any],
    now: datetime,
    claim: Claim[tuple[InterviewView, bool]] | None = None,
) -> tuple[InterviewView, bool]:
    """Create an interview from a calendar invitation (.ics): its time and zone, location,
    organizer and attendees. `choices` (company, role, format, process, decision_date,
    candidate_email) override what the invitation implies. An invitation imported before (same
    UID) updates its interview instead, and its cancellation (METHOD:CANCEL) cancels that
    interview's plan; the flag says whether an interview was created."""
    try:
        invitation = invitations.read(data)
    except invitations.InvitationError as error:
        raise InvalidInput(str(error)) from error
    with db.writing() as session:
        _claim(session, claim, now)
        candidate = _owned_candidate(session, account_id, candidate_id)
        known = repository.interview_id_by_invitation(
            session, account_id, candidate_id, invitation.uid
        )
        if isinstance(invitation, invitations.Cancellation):
            cancelled = _cancel_imported(session, account_id, candidate_id, known, invitation, now)
            return _answered(session, claim, cancelled)
        if known is not None and _called_off(session, known):
            raise InvalidInput(
                f"the organizer cancelled this invitation (UID {invitation.uid}) and interview "
                f"{known} with it; delete that interview to import the invitation again"
            )
        fields = _imported_fields(invitation, candidate, choices)
        if known is None:
            create = NewInterview(account_id, fields, now, invitation_uid=invitation.uid)
            return _answered(session, claim, (_create_interview(session, create), True))

        def edit(current: Interview) -> Mapping[str, Any]:
            return {**fields, "contacts": _merge_contacts(fields["contacts"], current.contacts)}

        updated = _change_interview(session, account_id, known, edit, now)
        return _answered(session, claim, (updated, False))


def _imported_fields(
    invitation: invitations.Invitation, candidate: Candidate, choices: Mapping[str, Any]
) -> dict[str, Any]:
    """The interview an invitation describes, with the caller's choices over what it implies."""
    company, role = invitation_fields.company_and_role(invitation.summary, candidate.name)
    emails = [p.email for p in (invitation.organizer, *invitation.attendees) if p and p.email]
    company = choices.get("company") or company
    for email in emails:
        company = company or invitation_fields.company_from_domain(email)
    if not company:
        raise InvalidInput("the invitation does not name the company: give ?company=")
    role = choices.get("role") or role
    if not role:
        raise InvalidInput("the invitation does not name the role: give ?role=")
    fields: dict[str, Any] = {
        "candidate_id": candidate.id,
        "company": company,
        "role": role,
        "starts_at": invitation.starts_at,
        "ends_at": invitation.ends_at,
        "timezone": invitation.timezone or candidate.timezone,
        "format": choices.get("format") or invitation_fields.guess_format(invitation),
        "location": invitation.location or invitation.conference,
        "notes": invitation.description,
        "contacts": invitation_fields.contacts(
            invitation, candidate.name, choices.get("candidate_email")
        ),
    }
    for name in ("process", "decision_date"):
        if choices.get(name) is not None:
            fields[name] = choices[name]
    return fields


def _called_off(session: Session, interview_id: int) -> bool:
    return any(
        record.outcome.type is OutcomeType.CANCELLED
        for record in repository.outcomes_of(session, interview_id)
    )


def _cancel_imported(
    session: Session,
    account_id: int,
    candidate_id: int,
    known: int | None,
    cancellation: invitations.Cancellation,
    now: datetime,
) -> tuple[InterviewView, bool]:
    """The employer called the interview off: a `cancelled` outcome, noting the cancellation it
    came from, cancels every pending step. A cancellation sent again changes nothing."""
    if known is None:
        raise InvalidInput(
            f"this cancels an invitation (UID {cancellation.uid}) that was never imported for "
            f"candidate {candidate_id}: there is no interview to cancel"
        )
    interview = repository.interview(session, account_id, known, lock=True)
    assert interview is not None
    if not _called_off(session, known):
        note = f"Called off by the organizer: a cancellation (METHOD:CANCEL) of {cancellation.uid}"
        outcome = Outcome(0, OutcomeType.CANCELLED, now, note=note[:4000])
        repository.add_outcome(session, account_id, known, outcome, None, now)
        _replan(session, account_id, interview, now)
    return _view(session, account_id, interview, now), False


# Contacts within an interview


def _contact_index(contacts: tuple[Contact, ...], contact_id: int) -> int:
    for index, contact in enumerate(contacts):
        if contact.id == contact_id:
            return index
    raise NotFound(f"contact {contact_id} not found in this interview")


def _contacts_edited(
    session: Session,
    account_id: int,
    interview_id: int,
    edit: Callable[[tuple[Contact, ...]], tuple[Contact, ...]],
    now: datetime,
) -> Interview:
    view = _change_interview(
        session, account_id, interview_id, lambda current: {"contacts": edit(current.contacts)}, now
    )
    return view.interview


def _edit_contacts(
    db: Database,
    account_id: int,
    interview_id: int,
    edit: Callable[[tuple[Contact, ...]], tuple[Contact, ...]],
    now: datetime,
) -> Interview:
    with db.writing() as session:
        return _contacts_edited(session, account_id, interview_id, edit, now)


def add_contact(
    db: Database,
    account_id: int,
    interview_id: int,
    contact: Contact,
    now: datetime,
    claim: Claim[Contact] | None = None,
) -> Contact:
    """Add someone met at the interview; their follow-ups are planned."""
    with db.writing() as session:
        _claim(session, claim, now)
        interview = _contacts_edited(
            session, account_id, interview_id, lambda contacts: (*contacts, contact), now
        )
        return _answered(session, claim, interview.contacts[-1])


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
    """Remove a contact from an interview; their pending follow-ups are cancelled."""

    def edit(contacts: tuple[Contact, ...]) -> tuple[Contact, ...]:
        index = _contact_index(contacts, contact_id)
        return contacts[:index] + contacts[index + 1 :]

    _edit_contacts(db, account_id, interview_id, edit, now)


# Follow-ups


def list_followups(
    db: Database,
    account_id: int,
    where: FollowUpFilter,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[FollowUpRecord]:
    """A page of the account's follow-ups, soonest due first."""
    with db.reading() as session:
        return repository.followups(session, account_id, where, after, limit)


def get_followup(db: Database, account_id: int, followup_id: int) -> FollowUpRecord:
    """One follow-up."""
    with db.reading() as session:
        found = repository.followup(session, account_id, followup_id)
    if found is None:
        raise NotFound(f"follow-up {followup_id} not found")
    return found


def update_followup(
    db: Database,
    account_id: int,
    followup_id: int,
    status: Status | None,
    snoozed_until: datetime | None,
    now: datetime,
) -> FollowUpRecord:
    """Mark a step done, skipped or pending again, or snooze it; then re-plan the interview
    (a call marked done moves the next attempt; a mailed note moves its receipt call)."""
    with db.writing() as session:
        found = repository.followup(session, account_id, followup_id)
        if found is None:
            raise NotFound(f"follow-up {followup_id} not found")
        interview = repository.interview(session, account_id, found.interview_id, lock=True)
        assert interview is not None
        step = found.step
        if status is not None:
            done_at = now if status in (Status.DONE, Status.SKIPPED) else None
            repository.set_step_state(session, followup_id, status, done_at, step.snoozed_until)
        if snoozed_until is not None:
            if snoozed_until <= now:
                raise InvalidInput("snoozed_until must be in the future")
            repository.set_step_state(session, followup_id, Status.PENDING, None, snoozed_until)
        _replan(session, account_id, interview, now)
        updated = repository.followup(session, account_id, followup_id)
        assert updated is not None
        return updated


# Outcomes

FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class OutcomeView:
    outcome: Outcome
    interview_id: int
    next_interview_id: int | None
    interview: InterviewView | None = None
    next_interview: InterviewView | None = None


def _attempt_key(steps: Mapping[str, cadence.FollowUp]) -> str:
    """The follow-up attempt an attempt result belongs to: the earliest one still open."""
    open_attempts = sorted(
        (s for s in steps.values() if s.kind is Kind.FOLLOW_UP and s.status in OPEN),
        key=lambda s: s.due_at,
    )
    if not open_attempts:
        raise InvalidInput("no follow-up attempt is open to log this against; give followup_id")
    return open_attempts[0].key


def _next_round(
    session: Session,
    account_id: int,
    interview: Interview,
    wanted: Mapping[str, Any],
    now: datetime,
) -> InterviewView:
    """The next round: a new interview linked to this one, with the same people unless told."""
    if wanted["starts_at"] <= interview.starts_at:
        raise InvalidInput("next_interview.starts_at must be after this interview's start")
    contacts = wanted.get("contacts")
    fields: dict[str, Any] = {
        "candidate_id": interview.candidate_id,
        "company": interview.company,
        "role": interview.role,
        "job_number": interview.job_number,
        "timezone": interview.timezone,
        "format": interview.format,
        "process": interview.process,
        "round": min(interview.round + 1, 20),
        "location": interview.location,
        "contacts": tuple(replace(c, id=None) for c in interview.contacts)
        if contacts is None
        else contacts,
        "references": tuple(replace(r, id=None) for r in interview.references),
        "previous_interview_id": interview.id,
        **{k: v for k, v in wanted.items() if k != "contacts" and v is not None},
    }
    return _create_interview(session, NewInterview(account_id, fields, now))


def add_outcome(
    db: Database,
    account_id: int,
    interview_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    claim: Claim[OutcomeView] | None = None,
) -> OutcomeView:
    """Log what happened and re-plan: results of attempts, a decision date, a request for
    materials, a next round, or the end of the process."""
    kind: OutcomeType = fields["type"]
    at: datetime = fields.get("at") or now
    if at > now + FUTURE_TOLERANCE:
        raise InvalidInput("at cannot be in the future")
    decision_date: date | None = fields.get("decision_date")
    if (decision_date is None) == (kind is OutcomeType.TIMELINE_GIVEN):
        raise InvalidInput("decision_date goes with timeline_given, and only with it")
    wanted = fields.get("next_interview")
    if (wanted is None) == (kind is OutcomeType.NEXT_ROUND):
        raise InvalidInput("next_interview goes with next_round, and only with it")
    with db.writing() as session:
        _claim(session, claim, now)
        interview = repository.interview(session, account_id, interview_id, lock=True)
        if interview is None:
            raise NotFound(f"interview {interview_id} not found")
        steps = repository.plan_of(session, interview_id)
        step_key = None
        followup_id = fields.get("followup_id")
        if followup_id is not None:
            found = repository.followup(session, account_id, followup_id)
            if found is None or found.interview_id != interview_id:
                raise InvalidInput(f"followup_id {followup_id} is not a step of this interview")
            step_key = found.step.key
        elif kind in ATTEMPT_RESULTS:
            step_key = _attempt_key(steps)
        if decision_date is not None:
            interview = repository.save_interview(
                session, account_id, replace(interview, decision_date=decision_date), now
            )
        next_round = None
        if wanted is not None:
            next_round = _next_round(session, account_id, interview, wanted, now)
        next_interview_id = next_round.interview.id if next_round else None
        outcome = repository.add_outcome(
            session,
            account_id,
            interview_id,
            Outcome(0, kind, at, step_key, decision_date, fields.get("note")),
            next_interview_id,
            now,
        )
        _replan(session, account_id, interview, now)
        view = OutcomeView(
            outcome,
            interview_id,
            next_interview_id,
            _view(session, account_id, interview, now),
            next_round,
        )
        return _answered(session, claim, view)


def list_outcomes(db: Database, account_id: int, interview_id: int) -> list[OutcomeView]:
    """What has been logged for an interview, oldest first."""
    with db.reading() as session:
        if repository.interview(session, account_id, interview_id) is None:
            raise NotFound(f"interview {interview_id} not found")
        return [
            OutcomeView(r.outcome, r.interview_id, r.next_interview_id)
            for r in repository.outcomes_of(session, interview_id)
        ]


# Calendar feeds

FEED_FORMAT = "5"  # raise when rendering changes, so every ETag changes with it


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
) -> FeedAnswer | None:
    """A calendar feed by its secret token, or None when the token is unknown or revoked.

    The ETag comes from counts and latest changes alone; the body is read only when
    `wanted(etag, last_modified)` says the caller lacks it and this process has not built it
    already. Reads only: serving a feed writes nothing."""
    day, token_hash = _feed_day(now), digest(token)
    generation, checked = db.generation, time.monotonic()
    with db.reading() as session:
        scope = repository.feed_scope(session, token_hash)
        if scope is None:
            return None
        version = repository.feed_version(session, scope)
        fingerprint = repr((FEED_FORMAT, scope, options, day, version))
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
                (feeds.FeedEvent(e.text, e.starts_at, events.alarm_for(e.status)) for e in stored),
                options.alarms,
            )
            cache.put(etag, body)
    return FeedAnswer(etag, last_modified, body)


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
    if repository.candidate(session, account_id, candidate_id) is None:
        raise NotFound(f"candidate {candidate_id} not found")


def create_feed(
    db: Database,
    account_id: int,
    candidate_id: int,
    interview_id: int | None,
    now: datetime,
    claim: "Claim[IssuedFeed] | None" = None,
) -> IssuedFeed:
    """A new secret feed URL for a candidate's calendar, or for one of their interviews."""
    token = issue_feed_token()
    with db.writing() as session:
        _claim(session, claim, now)
        _feed_owner(session, account_id, candidate_id)
        if interview_id is not None:
            found = repository.interview(session, account_id, interview_id)
            if found is None or found.candidate_id != candidate_id:
                raise InvalidInput(
                    f"interview_id {interview_id} is not an interview of this candidate"
                )
        record = repository.add_feed_token(session, candidate_id, interview_id, digest(token), now)
        return _answered(session, claim, IssuedFeed(record, token))


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
