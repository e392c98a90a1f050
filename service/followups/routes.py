"""Follow-ups across interviews — "what is due today" — and marking them done, skipped or
snoozed; and the stateless cadence preview."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from service.domain.filters import FollowUpFilter
from service.domain.model import Channel, Interview
from service.domain.steps import FollowUp, Status
from service.followups import preview as followups_preview
from service.followups import service as followups_service
from service.followups.schemas import FollowUpOut, FollowUpUpdate, PreviewOut, PreviewRequest
from service.http.deps import AccountDep, DbDep, NowDep
from service.http.fields import MAX_ID, Instant, Page, decode_cursor, encode_cursor
from service.http.responses import problems
from service.interviews import service as interviews_service

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
    found = followups_service.list_followups(db, account, where, after, limit + 1)
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
    record = followups_service.get_followup(db, account, followup_id)
    return FollowUpOut.stored(
        record, now, _interview(db, account, record.step, record.interview_id, now)
    )


@router.patch("/v1/followups/{followup_id}", name="update_followup", responses=problems(404))
def update_followup(
    followup_id: FollowUpId, body: FollowUpUpdate, db: DbDep, account: AccountDep, now: NowDep
) -> FollowUpOut:
    """Mark a step `done` or `skipped` (or `pending` again), or snooze it with
    `snoozed_until`. The interview's plan is re-computed: marking a call done moves the next
    attempt to a week later."""
    status = Status(body.status) if body.status else None
    record = followups_service.update_followup(
        db, account, followup_id, status, body.snoozed_until, now
    )
    return FollowUpOut.stored(
        record, now, _interview(db, account, record.step, record.interview_id, now)
    )


def _interview(
    db: DbDep, account: int, step: FollowUp, interview_id: int, now: datetime
) -> Interview | None:
    """The step's interview, which its draft is written from; only email steps need it."""
    if step.channel is not Channel.EMAIL:
        return None
    return interviews_service.get_interview(db, account, interview_id, now).interview


@router.post("/v1/cadence/preview", name="preview_cadence", responses=problems())
def preview_cadence(body: PreviewRequest, account: AccountDep, now: NowDep) -> PreviewOut:
    """The follow-ups an interview would get, computed and returned; nothing is stored."""
    as_of = body.as_of or now
    result = followups_preview.preview(
        body.candidate.to_changes(), body.to_changes(), as_of, body.length()
    )
    return PreviewOut.of(result, body.candidate.timezone, as_of)
