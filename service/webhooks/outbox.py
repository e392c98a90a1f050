"""What the write paths call: each stores the events a write causes in that write's own
transaction (an outbox), with one pending delivery per endpoint that takes them."""

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from service.domain.model import Interview
from service.domain.steps import FollowUp, Plan, SeriesState, Status
from service.followups import plan_repository as followups_plan_repository
from service.webhooks import repository
from service.webhooks.events import EventType, body


def new_msg_id() -> str:
    """A webhook-id, the same on every attempt of one event."""
    return f"msg_{uuid.uuid4().hex}"


def enqueue(
    session: Session,
    account_id: int,
    event_type: EventType,
    data: Mapping[str, Any],
    now: datetime,
    dedup_key: str | None = None,
    endpoint_ids: Sequence[int] | None = None,
) -> int | None:
    """Store one event for the account's endpoints that take it (or those given) and return
    its id; nothing is stored when no endpoint takes it, or when its dedup key is taken."""
    if endpoint_ids is None:
        endpoint_ids = repository.subscribers_of(session, account_id, event_type)
    if not endpoint_ids:
        return None
    payload = json.dumps(body(event_type, now, dict(data)), separators=(",", ":"), default=str)
    event_id = repository.add_event(
        session, account_id, event_type, new_msg_id(), payload, now, now, dedup_key
    )
    if event_id is not None:
        repository.add_deliveries(session, event_id, endpoint_ids, now)
    return event_id


def _changes(before: Mapping[str, FollowUp], after: Plan) -> dict[str, list[str]]:
    added, moved, cancelled = [], [], []
    for step in after.followups:
        old = before.get(step.key)
        if old is None:
            added.append(step.key)
        elif step.status is Status.CANCELLED and old.status is not Status.CANCELLED:
            cancelled.append(step.key)
        elif step.status is Status.PENDING and old.due_at != step.due_at:
            moved.append(step.key)
    return {"added": added, "moved": moved, "cancelled": cancelled}


def plan_changed(
    session: Session,
    account_id: int,
    interview: Interview,
    before: Mapping[str, FollowUp],
    after: Plan,
    now: datetime,
) -> None:
    """Before a re-plan is stored: `plan.changed` if it adds, moves or cancels steps, and
    `interview.concluded` if it ends a series that was active."""
    assert interview.id is not None
    if not repository.subscribers_of(session, account_id, EventType.PLAN_CHANGED) and not (
        after.state is not SeriesState.ACTIVE
        and repository.subscribers_of(session, account_id, EventType.INTERVIEW_CONCLUDED)
    ):
        return
    whose = {"interview_id": interview.id, "candidate_id": interview.candidate_id}
    changes = _changes(before, after)
    if any(changes.values()):
        enqueue(session, account_id, EventType.PLAN_CHANGED, {**whose, **changes}, now)
    if after.state is not SeriesState.ACTIVE:
        state, _note = followups_plan_repository.cadence_of(session, interview.id)
        if state == SeriesState.ACTIVE.value:
            data = {**whose, "state": after.state.value, "note": after.note}
            enqueue(session, account_id, EventType.INTERVIEW_CONCLUDED, data, now)


class _FirstPlan(Protocol):
    @property
    def account_id(self) -> int: ...
    @property
    def interview(self) -> Interview: ...
    @property
    def plan(self) -> Plan: ...
    @property
    def now(self) -> datetime: ...


def plans_added(session: Session, firsts: Sequence[_FirstPlan]) -> None:
    """After interviews are created: `plan.changed` with every step added, for accounts with an
    endpoint that takes it (one query an account of the group)."""
    listening = repository.subscribers(
        session, {first.account_id for first in firsts}, EventType.PLAN_CHANGED
    )
    for first in firsts:
        endpoint_ids = listening.get(first.account_id)
        if endpoint_ids:
            data = {
                "interview_id": first.interview.id,
                "candidate_id": first.interview.candidate_id,
                **_changes({}, first.plan),
            }
            enqueue(
                session,
                first.account_id,
                EventType.PLAN_CHANGED,
                data,
                first.now,
                None,
                endpoint_ids,
            )
