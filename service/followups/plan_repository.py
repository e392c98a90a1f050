"""Plans as stored: their steps, where the series stands, and the events rendered for them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    bindparam,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from service.db import direct
from service.db.rows import fill, ids_by_place, places, table_of
from service.db.tables import (
    FollowUpRow,
    InterviewRow,
)
from service.domain.model import (
    Interview,
)
from service.domain.steps import FollowUp, Plan
from service.followups.repository import FollowUpRecord, _step, _step_values

_FOLLOWUPS = table_of(FollowUpRow)
_INTERVIEWS = table_of(InterviewRow)
# A plan's new steps, run through `direct`: every step of every interview being added in one
# statement, their ids read back by key.
_NEW_STEPS = insert(_FOLLOWUPS)
_STEP_IDS = places(_FOLLOWUPS, _FOLLOWUPS.c.key)
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


def plan_of(session: Session, interview_id: int) -> dict[str, FollowUp]:
    """The stored steps of an interview by key."""
    rows = session.scalars(select(FollowUpRow).where(FollowUpRow.interview_id == interview_id))
    return {row.key: _step(row) for row in rows}


@dataclass(frozen=True)
class StoredStep:
    """A step as stored, with the event text rendered for it and that event's stamp."""

    id: int
    step: FollowUp
    candidate_id: int
    sequence: int
    created_at: datetime
    updated_at: datetime
    ics: str | None


def stored_steps(session: Session, interview_id: int) -> dict[str, StoredStep]:
    """The stored steps of an interview by key, with their events."""
    rows = session.scalars(select(FollowUpRow).where(FollowUpRow.interview_id == interview_id))
    return {
        row.key: StoredStep(
            row.id,
            _step(row),
            row.candidate_id,
            row.sequence,
            row.created_at,
            row.updated_at,
            row.ics,
        )
        for row in rows
    }


@dataclass(frozen=True)
class StepEvent:
    """A step to store with its event, rendered at `sequence` (0 for a new step)."""

    step: FollowUp
    sequence: int
    ics: str


@dataclass(frozen=True)
class StepsToAdd:
    """New steps of an interview, with their events, made `now`."""

    account_id: int
    interview: Interview
    steps: Sequence[StepEvent]
    now: datetime


def _add_steps(session: Session, new: Sequence[StepsToAdd]) -> list[list[int]]:
    """Store new steps with their events, in one statement whatever their number; the ids of
    each interview's steps in the order given."""
    rows = [
        {
            **_step_values(added_step.step),
            "account_id": added.account_id,
            "candidate_id": added.interview.candidate_id,
            "interview_id": added.interview.id,
            "sequence": added_step.sequence,
            "created_at": added.now,
            "updated_at": added.now,
            "ics": added_step.ics,
        }
        for added in new
        for added_step in added.steps
    ]
    if not rows:
        return [[] for _ in new]
    direct.execute_many(session, _NEW_STEPS, rows)
    ids = ids_by_place(session, _STEP_IDS, [row["interview_id"] for row in rows])
    found = []
    for added in new:
        interview_id = added.interview.id
        assert interview_id is not None
        found.append([ids[interview_id, added_step.step.key] for added_step in added.steps])
    return found


def _cadence_values(plan: Plan) -> dict[str, str]:
    return {"cadence_state": plan.state.value, "cadence_note": plan.note[:500]}


def save_plan(
    session: Session,
    account_id: int,
    interview: Interview,
    plan: Plan,
    changed: Sequence[StepEvent],
    new: Sequence[StepEvent],
    now: datetime,
) -> None:
    """Store a plan whose changes the caller decided: `changed` steps are stored with their
    new sequence and event, `new` ones added, the series' state saved; the rest stay as they
    are, byte for byte."""
    assert interview.id is not None
    rows = {
        row.key: row
        for row in session.scalars(
            select(FollowUpRow).where(FollowUpRow.interview_id == interview.id)
        )
    }
    for change in changed:
        row = rows[change.step.key]
        fill(row, _step_values(change.step))
        row.candidate_id = interview.candidate_id
        row.sequence = change.sequence
        row.updated_at = now
        row.ics = change.ics
    _add_steps(session, [StepsToAdd(account_id, interview, new, now)])
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
    its steps' events in the plan's order, and the interview's own event (its first)."""

    account_id: int
    interview: Interview
    timezone: str
    plan: Plan
    now: datetime
    steps: Sequence[StepEvent]
    interview_event: str


def add_plans(session: Session, plans: Sequence[FirstPlan]) -> list[StoredPlan]:
    """Store the first plans of interviews just added, a statement for each table whatever
    their number; returns what was stored, as reading it back would give it."""
    if not plans:
        return []
    step_ids = _add_steps(
        session,
        [StepsToAdd(first.account_id, first.interview, first.steps, first.now) for first in plans],
    )
    cadences = [_cadence_values(first.plan) for first in plans]
    direct.execute_many(
        session,
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


class InterviewEventStamp(NamedTuple):
    ics: str | None
    sequence: int
    changed_at: datetime | None
    created_at: datetime


def interview_event_of(session: Session, interview_id: int) -> InterviewEventStamp:
    """The interview's own event as stored, with its stamp."""
    row = session.get(InterviewRow, interview_id)
    assert row is not None
    return InterviewEventStamp(row.ics, row.ics_sequence, row.ics_changed_at, row.created_at)


def save_interview_event(
    session: Session, interview_id: int, ics: str, sequence: int, now: datetime
) -> None:
    """Store the interview's own event, rendered at `sequence`, as changed `now`."""
    row = session.get(InterviewRow, interview_id)
    assert row is not None
    row.ics_sequence = sequence
    row.ics_changed_at = now
    row.ics = ics


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
