"""Follow-ups across interviews — "what is due today" — and marking them done, skipped or
snoozed; and the stateless cadence preview."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from service import usecases
from service.api.deps import AccountDep, DbDep, NowDep
from service.api.responses import problems
from service.api.schemas import (
    MAX_ID,
    FollowUpOut,
    FollowUpUpdate,
    Instant,
    Page,
    PreviewOut,
    PreviewRequest,
    decode_cursor,
    encode_cursor,
)
from service.db.session import Database
from service.domain.cadence import Status
from service.domain.model import Channel, Interview
from service.usecases import FollowUpFilter

router = APIRouter(tags=["follow-ups"])

FollowUpId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/v1/followups", name="list_followups", responses=problems())
def list_followups(
    db: DbDep,
    account: AccountDep,
    now: NowDep,
    candidate_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    interview_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: Annotated[
        Status | None, Query(description="As of now: pending steps past their deadline are missed.")
    ] = None,
    due_before: Annotated[
        Instant | None, Query(description="Only steps due before this instant.")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[FollowUpOut]:
    """Follow-ups across the account's interviews, soonest due first. "What is due today":
    `?status=pending&due_before=<tomorrow 00:00 with offset>`."""
    where = FollowUpFilter(now, candidate_id, interview_id, status, due_before)
    after = decode_cursor(cursor, datetime, int) if cursor else None
    found = usecases.list_followups(db, account, where, after, limit + 1)
    page = found[:limit]
    next_cursor = None
    if len(found) > limit:
        next_cursor = encode_cursor(page[-1].step.due_at.isoformat(), page[-1].id)
    return Page[FollowUpOut](
        items=[FollowUpOut.stored(record, now) for record in page], next_cursor=next_cursor
    )


@router.get("/v1/followups/{followup_id}", name="get_followup", responses=problems(404))
def get_followup(
    followup_id: FollowUpId, db: DbDep, account: AccountDep, now: NowDep
) -> FollowUpOut:
    """One follow-up; an email step with its draft."""
    record = usecases.get_followup(db, account, followup_id)
    return FollowUpOut.stored(record, now, _interview(db, account, record, now))


@router.patch("/v1/followups/{followup_id}", name="update_followup", responses=problems(404))
def update_followup(
    followup_id: FollowUpId, body: FollowUpUpdate, db: DbDep, account: AccountDep, now: NowDep
) -> FollowUpOut:
    """Mark a step `done` or `skipped` (or `pending` again), or snooze it with
    `snoozed_until`. The interview's plan is re-computed: marking a call done moves the next
    attempt to a week later."""
    status = Status(body.status) if body.status else None
    record = usecases.update_followup(db, account, followup_id, status, body.snoozed_until, now)
    return FollowUpOut.stored(record, now, _interview(db, account, record, now))


def _interview(
    db: Database, account: int, record: usecases.FollowUpRecord, now: datetime
) -> Interview | None:
    """The step's interview, which its draft is written from; only email steps need it."""
    if record.step.channel is not Channel.EMAIL:
        return None
    return usecases.get_interview(db, account, record.interview_id, now).interview


@router.post("/v1/cadence/preview", name="preview_cadence", responses=problems())
def preview_cadence(body: PreviewRequest, account: AccountDep, now: NowDep) -> PreviewOut:
    """The follow-ups an interview would get, computed and returned; nothing is stored."""
    as_of = body.as_of or now
    result = usecases.preview(body.candidate.to_fields(), body.to_fields(), as_of)
    return PreviewOut.of(result, body.candidate.timezone, as_of)
