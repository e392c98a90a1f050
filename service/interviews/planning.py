"""Plans and their calendar events: planned by the cadence, rendered, stored."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import holidays
from sqlalchemy.orm import Session

from service.calendar import events
from service.calendar.events import Stamp
from service.candidates import repository as candidates_repository
from service.db.installation import installation_uid
from service.db.session import Database
from service.domain import cadence
from service.domain.filters import FollowUpFilter
from service.domain.model import (
    Candidate,
    Interview,
)
from service.domain.steps import FollowUp, OutcomeType, Plan, SeriesState
from service.followups import plan_repository as followups_plan_repository
from service.followups import repository as followups_repository
from service.followups.plan_repository import StepEvent
from service.followups.repository import FollowUpRecord
from service.interviews import repository
from service.webhooks import outbox

# Planning


@lru_cache(maxsize=512)
def _country_holidays(country: str, first: int, last: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=range(first, last + 1)))


def holidays_for(country: str | None, interview: Interview) -> frozenset[date]:
    """The candidate's public holidays over every year the interview's plan can reach."""
    if not country:
        return frozenset()
    first = interview.starts_at.year
    last = first + 1
    if interview.decision_date is not None:
        last = max(last, interview.decision_date.year + 1)
    return _country_holidays(country, first, last)


def replan(session: Session, account_id: int, interview: Interview, now: datetime) -> Plan:
    """Plan the interview's follow-ups from what is stored and store the result."""
    assert interview.id is not None
    candidate = candidates_repository.candidate(session, account_id, interview.candidate_id)
    assert candidate is not None
    outcomes = [
        record.outcome for record in followups_repository.outcomes_of(session, interview.id)
    ]
    before = followups_plan_repository.plan_of(session, interview.id)
    result = cadence.plan(
        interview,
        candidate,
        outcomes,
        before,
        now=now,
        holidays=holidays_for(candidate.country, interview),
    )
    called_off = any(outcome.type is OutcomeType.CANCELLED for outcome in outcomes)
    outbox.plan_changed(session, account_id, interview, before, result, now)
    store_plan(session, account_id, interview, candidate, result, now, called_off)
    return result


StepRenderer = Callable[[FollowUp, int, datetime, datetime], str]
"""Renders a step's event from the step, its sequence, when it last changed and was created."""


def renderers(
    interview: Interview, candidate: Candidate, installation: str, called_off: bool = False
) -> tuple[StepRenderer, Callable[[int, datetime, datetime], str]]:
    """How the interview's steps, and the interview itself, are rendered as events."""

    step_event = events.StepEvents(interview, candidate.timezone, installation)

    def render_step(step: FollowUp, sequence: int, at: datetime, created: datetime) -> str:
        return step_event(step, Stamp(sequence, at, created))

    def render_interview(sequence: int, at: datetime, created: datetime) -> str:
        return events.interview_event(
            interview, Stamp(sequence, at, created), installation, called_off
        )

    return render_step, render_interview


def first_events(plan: Plan, render_step: StepRenderer, now: datetime) -> list[StepEvent]:
    """The events of a first plan's steps, each at sequence 0, made `now`."""
    return [StepEvent(step, 0, render_step(step, 0, now, now)) for step in plan.followups]


def store_plan(
    session: Session,
    account_id: int,
    interview: Interview,
    candidate: Candidate,
    plan: Plan,
    now: datetime,
    called_off: bool = False,
) -> None:
    """Save a plan with the calendar events of its steps and of the interview itself. A step
    whose data or event text changed gets a higher SEQUENCE and a new event; an unchanged one
    keeps its event byte for byte."""
    assert interview.id is not None
    installation = installation_uid(session)
    render_step, render_interview = renderers(interview, candidate, installation, called_off)
    stored = followups_plan_repository.stored_steps(session, interview.id)
    changed, new = [], []
    for step in plan.followups:
        before = stored.get(step.key)
        if before is None:
            new.append(StepEvent(step, 0, render_step(step, 0, now, now)))
            continue
        if (
            before.step == step
            and before.candidate_id == interview.candidate_id
            and before.ics
            == render_step(step, before.sequence, before.updated_at, before.created_at)
        ):
            continue
        sequence = before.sequence + 1
        changed.append(
            StepEvent(step, sequence, render_step(step, sequence, now, before.created_at))
        )
    followups_plan_repository.save_plan(session, account_id, interview, plan, changed, new, now)
    event = followups_plan_repository.interview_event_of(session, interview.id)
    sequence = event.sequence
    if event.ics is not None and event.changed_at is not None:
        if event.ics == render_interview(sequence, event.changed_at, event.created_at):
            return
        sequence += 1
    followups_plan_repository.save_interview_event(
        session, interview.id, render_interview(sequence, now, event.created_at), sequence, now
    )


def render_missing_events(db: Database, now: datetime) -> int:
    """Render the calendar events of interviews stored before events were kept with their
    rows; the plans themselves are not touched. Returns how many interviews were rendered."""
    with db.writing() as session:
        missing = followups_plan_repository.interviews_without_events(session)
        for account_id, interview_id in missing:
            interview = repository.interview(session, account_id, interview_id, lock=True)
            assert interview is not None
            candidate = candidates_repository.candidate(session, account_id, interview.candidate_id)
            assert candidate is not None
            steps = followups_plan_repository.plan_of(session, interview_id)
            state, note = followups_plan_repository.cadence_of(session, interview_id)
            stored = Plan(tuple(steps.values()), SeriesState(state), note)
            store_plan(
                session,
                account_id,
                interview,
                candidate,
                stored,
                now,
                called_off(session, interview_id),
            )
    return len(missing)


@dataclass(frozen=True)
class InterviewView:
    """An interview with its planned follow-ups and where its follow-up series stands."""

    interview: Interview
    followups: list[FollowUpRecord]
    cadence_state: str
    cadence_note: str


def view_of(
    session: Session, account_id: int, interview: Interview, now: datetime
) -> InterviewView:
    assert interview.id is not None
    steps = followups_repository.followups(
        session, account_id, FollowUpFilter(now=now, interview_id=interview.id), None, 10_000
    )
    state, note = followups_plan_repository.cadence_of(session, interview.id)
    return InterviewView(interview, steps, state, note)


def called_off(session: Session, interview_id: int) -> bool:
    return any(
        record.outcome.type is OutcomeType.CANCELLED
        for record in followups_repository.outcomes_of(session, interview_id)
    )
