"""Follow-ups, plans and outcomes as stored."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from service.db.tables import (
    CandidateRow,
    FollowUpRow,
    InterviewRow,
    OutcomeRow,
)
from service.domain.filters import FollowUpFilter
from service.domain.model import (
    Channel,
)
from service.domain.steps import FollowUp, Kind, Outcome, OutcomeType, Status

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


def record_of(row: FollowUpRow, timezone: str) -> FollowUpRecord:
    return FollowUpRecord(
        id=row.id,
        interview_id=row.interview_id,
        candidate_id=row.candidate_id,
        timezone=timezone,
        sequence=row.sequence,
        updated_at=row.updated_at,
        step=_step(row),
    )


_WITH_ZONE = select(FollowUpRow, CandidateRow.timezone).join(
    CandidateRow, CandidateRow.id == FollowUpRow.candidate_id
)


def followup(session: Session, account_id: int, followup_id: int) -> FollowUpRecord | None:
    found = session.execute(
        _WITH_ZONE.where(FollowUpRow.id == followup_id, FollowUpRow.account_id == account_id)
    ).one_or_none()
    return record_of(*found) if found else None


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
    return [record_of(row, zone) for row, zone in rows]


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
