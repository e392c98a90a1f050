"""Plans as stored: their steps, where the series stands, and the events rendered for them."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from service.db import direct
from service.db.tables import (
    FollowUpRow,
    InterviewRow,
)
from service.domain.model import (
    Interview,
)
from service.domain.steps import FollowUp, Plan
from service.followups.repository import FollowUpRecord, _step, _step_values
from service.interviews.repository import _FIRST_PLAN, _NEW_STEPS, _STEP_IDS, _fill, _ids


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
