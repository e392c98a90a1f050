"""Interviews: create with their first plans, read, list, update, delete."""

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.candidates import repository as candidates_repository
from service.db.installation import installation_uid
from service.db.session import Database
from service.domain import cadence
from service.domain.changes import InterviewChanges
from service.domain.model import (
    DEFAULT_DURATION,
    Candidate,
    Interview,
    InterviewFilter,
)
from service.errors import InProgress, InvalidInput, NotFound, build_valid
from service.followups import plan_repository as followups_plan_repository
from service.idempotency.claims import Claim
from service.idempotency.service import answered, take_claim
from service.interviews import repository
from service.interviews.planning import (
    InterviewView,
    first_events,
    holidays_for,
    renderers,
    replan,
    view_of,
)
from service.webhooks import outbox

# Interviews


def not_owned(candidate_id: int) -> InvalidInput:
    return InvalidInput(f"candidate_id {candidate_id} is not a candidate of this account")


def owned_candidate(session: Session, account_id: int, candidate_id: int) -> Candidate:
    found = candidates_repository.candidate(session, account_id, candidate_id)
    if found is None:
        raise not_owned(candidate_id)
    return found


def with_end(
    fields: InterviewChanges,
    length: timedelta | None,
    starts_at: datetime,
    default_length: timedelta,
) -> InterviewChanges:
    """Fields with ends_at resolved from an explicit end, the `length` asked for, or the
    default length."""
    resolved = fields.copy()
    if resolved.get("ends_at") is None and (length or "starts_at" in resolved):
        resolved["ends_at"] = starts_at + (length or default_length)
    return resolved


@dataclass(frozen=True)
class NewInterview:
    """A create: the account, the interview's fields, when, the Idempotency-Key it claims, the
    invitation it was imported from, and the length asked for in place of an end."""

    account_id: int
    fields: InterviewChanges
    now: datetime
    claim: "Claim[InterviewView] | None" = None
    invitation_uid: str | None = None
    length: timedelta | None = None


def add_interviews(
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
            candidates[whose] = candidates_repository.candidate(session, *whose)
        candidate = candidates[whose]
        try:
            if candidate is None:
                raise not_owned(whose[1])
            fields = with_end(
                create.fields, create.length, create.fields["starts_at"], DEFAULT_DURATION
            )
            interview = build_valid(Interview, {"timezone": candidate.timezone, **fields})
            # Last, once nothing else can refuse it: a claim taken is stored.
            take_claim(session, create.claim, create.now)
        except (InvalidInput, InProgress) as error:
            answers[place] = error
            continue
        new = repository.InterviewToAdd(
            create.account_id, interview, create.now, create.invitation_uid
        )
        accepted.append((place, candidate, new))
    stored = repository.add_interviews(session, [new for _, _, new in accepted])
    installation = installation_uid(session) if accepted else ""
    firsts = []
    for (_, candidate, new), interview in zip(accepted, stored, strict=True):
        now = new.now
        plan = cadence.plan(
            interview, candidate, now=now, holidays=holidays_for(candidate.country, interview)
        )
        render_step, render_interview = renderers(interview, candidate, installation)
        firsts.append(
            followups_plan_repository.FirstPlan(
                new.account_id,
                interview,
                candidate.timezone,
                plan,
                now,
                first_events(plan, render_step, now),
                render_interview(0, now, now),
            )
        )
    plans = followups_plan_repository.add_plans(session, firsts)
    outbox.plans_added(session, firsts)
    for (place, _, _), interview, (steps, state, note) in zip(accepted, stored, plans, strict=True):
        view = InterviewView(interview, steps, state, note)
        answers[place] = answered(session, creates[place].claim, view)
    return [answers[place] for place in range(len(creates))]


def add_interview(session: Session, create: NewInterview) -> InterviewView:
    """One create inside the caller's transaction (an import, a next round), as
    add_interviews stores it; raises the error that refuses it."""
    [answer] = add_interviews(session, [create])
    if isinstance(answer, Exception):
        raise answer
    return answer


def create_interview(
    db: Database,
    account_id: int,
    fields: InterviewChanges,
    now: datetime,
    claim: Claim[InterviewView] | None = None,
    length: timedelta | None = None,
) -> Future[InterviewView]:
    """Store a new interview and plan its follow-ups, committed with the other creates waiting
    then (creates come in bursts: a whole search's interviews, an import)."""
    create = NewInterview(account_id, fields, now, claim, length=length)
    [stored] = store_interviews(db, [create])
    return stored


def store_interviews(
    db: Database, creates: Sequence[NewInterview], here: bool = False
) -> list[Future[InterviewView]]:
    """Store creates in one transaction with the others waiting, sharing their statements
    (Database.store_together; `here`: on this thread, for the writer process, which gathers
    its own groups); each future holds its interview or the error that refused it."""
    return db.store_together(add_interviews, creates, here)


def get_interview(db: Database, account_id: int, interview_id: int, now: datetime) -> InterviewView:
    """One interview of the account with its follow-ups."""
    with db.reading() as session:
        found = repository.interview(session, account_id, interview_id)
        if found is None:
            raise NotFound(f"interview {interview_id} not found")
        return view_of(session, account_id, found, now)


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


def change_interview(
    session: Session,
    account_id: int,
    interview_id: int,
    edit: Callable[[Interview], InterviewChanges],
    now: datetime,
) -> InterviewView:
    current = repository.interview(session, account_id, interview_id, lock=True)
    if current is None:
        raise NotFound(f"interview {interview_id} not found")
    updated = build_valid(Interview, {**vars(current), **edit(current)})
    saved = repository.save_interview(session, account_id, updated, now)
    replan(session, account_id, saved, now)
    return view_of(session, account_id, saved, now)


def update_interview(
    db: Database,
    account_id: int,
    interview_id: int,
    changes: InterviewChanges,
    now: datetime,
    length: timedelta | None = None,
) -> InterviewView:
    """Apply changes to an interview and re-plan its pending steps. Contacts given replace the
    whole list; moving the start without giving an end or a `length` keeps the interview's
    length."""

    def edit(current: Interview) -> InterviewChanges:
        starts_at = changes.get("starts_at", current.starts_at)
        return with_end(changes, length, starts_at, current.ends_at - current.starts_at)

    with db.writing() as session:
        if "candidate_id" in changes:
            owned_candidate(session, account_id, changes["candidate_id"])
        return change_interview(session, account_id, interview_id, edit, now)


def delete_interview(db: Database, account_id: int, interview_id: int) -> None:
    """Delete an interview with its contacts, references, follow-ups and outcomes."""
    with db.writing() as session:
        if not repository.delete_interview(session, account_id, interview_id):
            raise NotFound(f"interview {interview_id} not found")
