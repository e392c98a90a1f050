"""Follow-ups, plans and outcomes as stored."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    and_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from service.db import direct
from service.db.tables import (
    CandidateRow,
    FollowUpRow,
    InterviewRow,
    OutcomeRow,
)
from service.domain.cadence import FollowUp, Kind, Outcome, OutcomeType, Plan, Status
from service.domain.filters import FollowUpFilter
from service.domain.model import (
    Channel,
    Interview,
)
from service.interviews.repository import _FIRST_PLAN, _NEW_STEPS, _STEP_IDS, _fill, _ids

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
