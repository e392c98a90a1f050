"""The routes of a feed's pages under its page URL [SPEC §9]: a step's page, an interview's page
and the plan, read with GET (which changes nothing), acted on with POST and the page's own form
token. An unknown or revoked token, or a step the feed does not show, gets the feed's plain 404."""

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from service.actions import pages, paths, service
from service.actions.pages import Message
from service.actions.service import Feed, FollowUpRecord, Refused
from service.domain.model import DomainError, Interview
from service.domain.steps import Kind
from service.errors import AppError
from service.followups.outcomes import NewOutcome
from service.followups.schemas import FollowUpUpdate, OutcomeCreate
from service.http.deps import BaseUrlDep, DbDep, NowDep

router = APIRouter(tags=["feed pages"], include_in_schema=False)

_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
_MOST_ID = 2**31 - 1
_FORM_MOST = 4096  # a page's form is a few short fields
_DONE_WORDS = {
    "done": "Marked done.",
    "skip": "Skipped.",
    "snooze_day": "Snoozed for a day.",
    "snooze_week": "Snoozed for a week.",
    "spoke": "Logged: you spoke with them.",
    "voicemail": "Logged: voicemail.",
    "no_answer": "Logged: no answer.",
    "replied": "Logged: they replied.",
    "timeline_given": "Logged: their decision date.",
    "materials_requested": "Logged: they asked for materials.",
    "offer": "Logged: an offer. Congratulations!",
    "rejected": "Logged: not this time.",
    "next_round": "Logged: a next round.",
}


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=pages.HEADERS)


def _feed(db: DbDep, token: str, page_id: int | None = None) -> Feed:
    if not _TOKEN.fullmatch(token) or (page_id is not None and not 1 <= page_id <= _MOST_ID):
        raise HTTPException(404)
    feed = service.open_feed(db, token)
    if feed is None:
        raise HTTPException(404)
    return feed


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > _FORM_MOST:
        raise HTTPException(413)
    parsed = parse_qs(body.decode("utf-8", "replace"), max_num_fields=8)
    return {name: values[0] for name, values in parsed.items() if values}


def _step_response(
    db: DbDep, feed: Feed, page: str, step_id: int, now: datetime, message: Message | None
) -> str:
    found = service.step_of(db, feed, step_id, now)
    if found is None:
        raise HTTPException(404)
    record, plan = found
    return pages.step_page(feed, page, record, plan, message)


def _problem(error: Exception) -> str:
    if isinstance(error, AppError):
        return error.detail
    if isinstance(error, ValidationError):
        return "; ".join(str(e["msg"]) for e in error.errors())
    return str(error)


@router.get("/feeds/{token}/steps/{step_id}", response_class=HTMLResponse)
def step_page(token: str, step_id: int, db: DbDep, now: NowDep, base_url: BaseUrlDep) -> Any:
    """A step's page: reading it changes nothing."""
    feed = _feed(db, token, step_id)
    return _html(_step_response(db, feed, paths.page_url(base_url, token), step_id, now, None))


def _snooze(days: int, now: datetime) -> Callable[[FollowUpRecord], datetime]:
    def until(record: FollowUpRecord) -> datetime:
        start = max(now, record.step.due_at)
        body = FollowUpUpdate.model_validate({"snoozed_until": start + timedelta(days=days)})
        assert body.snoozed_until is not None
        return body.snoozed_until

    return until


def _attempt(action: str, step_id: int) -> NewOutcome:
    return OutcomeCreate.model_validate({"type": action, "followup_id": step_id}).to_outcome()


@router.post("/feeds/{token}/steps/{step_id}", response_class=HTMLResponse)
async def act_on_step(
    token: str, step_id: int, request: Request, db: DbDep, now: NowDep, base_url: BaseUrlDep
) -> Any:
    """Run one of a step's actions, given the page's own form token; answers the page again,
    with what comes next."""
    form = await _form(request)
    page = paths.page_url(base_url, token)
    action = form.get("action", "")
    days = 7 if action == "snooze_week" else 1

    def work() -> HTMLResponse:
        feed = _feed(db, token, step_id)
        try:
            service.act_on_step(
                db, feed, step_id, action, form.get("token", ""), now, _snooze(days, now), _attempt
            )
        except LookupError:
            raise HTTPException(404) from None
        except Refused as refused:
            status = 403
            message = Message(str(refused), problem=True)
        except (AppError, DomainError, ValidationError) as error:
            status = 422
            message = Message(_problem(error), problem=True)
        else:
            status = 200
            found = service.step_of(db, feed, step_id, now)
            assert found is not None
            record, plan = found
            zone = ZoneInfo(feed.scope.timezone)
            message = Message(
                f"{_DONE_WORDS.get(action, 'Done.')} "
                + pages.next_text(plan, zone, record.step.kind)
            )
        return _html(_step_response(db, feed, page, step_id, now, message), status)

    return await run_in_threadpool(work)


@router.get("/feeds/{token}/interviews/{interview_id}", response_class=HTMLResponse)
def interview_page(
    token: str, interview_id: int, db: DbDep, now: NowDep, base_url: BaseUrlDep
) -> Any:
    """An interview's page: reading it changes nothing."""
    feed = _feed(db, token, interview_id)
    plan = service.interview_plan(db, feed, interview_id, now)
    if plan is None:
        raise HTTPException(404)
    return _html(pages.interview_page(feed, paths.page_url(base_url, token), plan, now))


def _outcome_fields(
    action: str, form: Mapping[str, str], zone: str
) -> Callable[[Interview], NewOutcome]:
    def fields(_interview: Interview) -> NewOutcome:
        body: dict[str, Any] = {"type": action}
        if action == "timeline_given":
            body["decision_date"] = form.get("date", "")
        if action == "next_round":
            try:
                local = datetime.fromisoformat(form.get("datetime", ""))
            except ValueError:
                raise DomainError("give the next round's date and time") from None
            if local.tzinfo is None:
                local = local.replace(tzinfo=ZoneInfo(zone))
            body["next_interview"] = {"starts_at": local.isoformat()}
        return OutcomeCreate.model_validate(body).to_outcome()

    return fields


@router.post("/feeds/{token}/interviews/{interview_id}", response_class=HTMLResponse)
async def act_on_interview(
    token: str, interview_id: int, request: Request, db: DbDep, now: NowDep, base_url: BaseUrlDep
) -> Any:
    """Log what the employer said from the interview's page, given its own form token."""
    form = await _form(request)
    page = paths.page_url(base_url, token)
    action = form.get("action", "")

    def work() -> HTMLResponse:
        feed = _feed(db, token, interview_id)
        fields = _outcome_fields(action, form, feed.scope.timezone)
        message: Message | None
        try:
            service.act_on_interview(
                db, feed, interview_id, action, form.get("token", ""), now, fields
            )
        except LookupError:
            raise HTTPException(404) from None
        except Refused as refused:
            status, message = 403, Message(str(refused), problem=True)
        except (AppError, DomainError, ValidationError) as error:
            status, message = 422, Message(_problem(error), problem=True)
        else:
            status, message = 200, None
        plan = service.interview_plan(db, feed, interview_id, now)
        if plan is None:
            raise HTTPException(404)
        if message is None:
            zone = ZoneInfo(feed.scope.timezone)
            message = Message(
                f"{_DONE_WORDS.get(action, 'Done.')} {pages.next_text(plan, zone, Kind.FOLLOW_UP)}"
            )
        return _html(pages.interview_page(feed, page, plan, now, message), status)

    return await run_in_threadpool(work)


@router.get("/feeds/{token}/plan", response_class=HTMLResponse)
def plan_page(token: str, db: DbDep, now: NowDep, base_url: BaseUrlDep) -> Any:
    """The whole feed's plan by day, each step with its buttons: reading it changes nothing."""
    feed = _feed(db, token)
    plans = service.feed_plan(db, feed, now)
    title = f"Follow-up plan — {feed.scope.candidate_name}"
    return _html(pages.plan_page(feed, paths.page_url(base_url, token), plans, title))
