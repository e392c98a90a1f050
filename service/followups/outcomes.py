"""Outcomes of an interview (a call, a reply, an offer…) and the plan they change."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from service.db.session import Database
from service.domain.changes import InterviewChanges
from service.domain.model import Interview
from service.domain.steps import (
    ATTEMPT_RESULTS,
    OPEN,
    FollowUp,
    Kind,
    Outcome,
    OutcomeType,
)
from service.errors import InvalidInput, NotFound
from service.followups import plan_repository, repository
from service.idempotency.claims import Claim
from service.idempotency.service import answered, take_claim
from service.interviews import repository as interviews_repository
from service.interviews.planning import InterviewView, replan, view_of
from service.interviews.service import NewInterview, add_interview

# Outcomes

FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class NewOutcome:
    """What happened: its type; when (default now); the step it is about (an attempt's result
    defaults to the open attempt); the decision date, with timeline_given; the next round, with
    next_round (its start, and whatever differs from this round); a note."""

    type: OutcomeType
    at: datetime | None = None
    followup_id: int | None = None
    decision_date: date | None = None
    next_interview: InterviewChanges | None = None
    note: str | None = None


@dataclass(frozen=True)
class OutcomeView:
    outcome: Outcome
    interview_id: int
    next_interview_id: int | None
    interview: InterviewView | None = None
    next_interview: InterviewView | None = None


def _attempt_key(steps: Mapping[str, FollowUp]) -> str:
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
    wanted: InterviewChanges,
    now: datetime,
) -> InterviewView:
    """The next round: a new interview linked to this one, with the same people unless told."""
    if wanted["starts_at"] <= interview.starts_at:
        raise InvalidInput("next_interview.starts_at must be after this interview's start")
    fields = InterviewChanges(
        candidate_id=interview.candidate_id,
        company=interview.company,
        role=interview.role,
        job_number=interview.job_number,
        timezone=interview.timezone,
        format=interview.format,
        process=interview.process,
        round=min(interview.round + 1, 20),
        location=interview.location,
        contacts=tuple(replace(c, id=None) for c in interview.contacts),
        references=tuple(replace(r, id=None) for r in interview.references),
        previous_interview_id=interview.id,
    )
    fields.update(wanted)
    return add_interview(session, NewInterview(account_id, fields, now))


def add_outcome(
    db: Database,
    account_id: int,
    interview_id: int,
    logged: NewOutcome,
    now: datetime,
    claim: Claim[OutcomeView] | None = None,
    source: str = "api",
) -> OutcomeView:
    """Log what happened and re-plan: results of attempts, a decision date, a request for
    materials, a next round, or the end of the process. `source` says where it was logged."""
    kind = logged.type
    at = logged.at or now
    if at > now + FUTURE_TOLERANCE:
        raise InvalidInput("at cannot be in the future")
    decision_date = logged.decision_date
    if (decision_date is None) == (kind is OutcomeType.TIMELINE_GIVEN):
        raise InvalidInput("decision_date goes with timeline_given, and only with it")
    wanted = logged.next_interview
    if (wanted is None) == (kind is OutcomeType.NEXT_ROUND):
        raise InvalidInput("next_interview goes with next_round, and only with it")
    with db.writing() as session:
        take_claim(session, claim, now)
        interview = interviews_repository.interview(session, account_id, interview_id, lock=True)
        if interview is None:
            raise NotFound(f"interview {interview_id} not found")
        steps = plan_repository.plan_of(session, interview_id)
        step_key = None
        followup_id = logged.followup_id
        if followup_id is not None:
            found = repository.followup(session, account_id, followup_id)
            if found is None or found.interview_id != interview_id:
                raise InvalidInput(f"followup_id {followup_id} is not a step of this interview")
            step_key = found.step.key
        elif kind in ATTEMPT_RESULTS:
            step_key = _attempt_key(steps)
        if decision_date is not None:
            interview = interviews_repository.save_interview(
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
            Outcome(0, kind, at, step_key, decision_date, logged.note, source),
            next_interview_id,
            now,
        )
        replan(session, account_id, interview, now)
        view = OutcomeView(
            outcome,
            interview_id,
            next_interview_id,
            view_of(session, account_id, interview, now),
            next_round,
        )
        return answered(session, claim, view)


def list_outcomes(db: Database, account_id: int, interview_id: int) -> list[OutcomeView]:
    """What has been logged for an interview, oldest first."""
    with db.reading() as session:
        if interviews_repository.interview(session, account_id, interview_id) is None:
            raise NotFound(f"interview {interview_id} not found")
        return [
            OutcomeView(r.outcome, r.interview_id, r.next_interview_id)
            for r in repository.outcomes_of(session, interview_id)
        ]
