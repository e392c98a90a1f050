"""The calendar feeds subscribers poll: `/feeds/{token}.ics`, with HEAD, ETag and Last-Modified.

The token in the path is the only credential. An unknown or revoked token gets the same 404 as any
other unknown path, and nothing here writes to the database."""

import re
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.exceptions import HTTPException

from service import usecases
from service.api.deps import DbDep, FeedCacheDep, NowDep

router = APIRouter(tags=["feeds"])

CALENDAR = "text/calendar; charset=utf-8"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")


def _client_has(
    etag: str, last_modified: datetime, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """RFC 9110 §13: If-None-Match (weak comparison) wins; If-Modified-Since counts only alone."""
    if if_none_match is not None:
        tags = [tag.strip() for tag in if_none_match.split(",")]
        return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)
    if if_modified_since is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        return last_modified.replace(microsecond=0) <= since
    return False


def read_feed(
    token: str,
    request: Request,
    db: DbDep,
    now: NowDep,
    cache: FeedCacheDep,
    alarms: Annotated[bool, Query(description="Include reminders (VALARM).")] = True,
    interviews: Annotated[bool, Query(description="Include the interviews themselves.")] = True,
    if_none_match: Annotated[str | None, Header(include_in_schema=False)] = None,
    if_modified_since: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """The calendar as iCalendar: every follow-up (and, unless `interviews=false`, each
    interview) as an event. Subscribe with the webcal:// form of the URL."""
    if not _TOKEN.fullmatch(token):
        raise HTTPException(404)
    head = request.method == "HEAD"

    def wanted(etag: str, last_modified: datetime) -> bool:
        return not _client_has(etag, last_modified, if_none_match, if_modified_since)

    answer = usecases.read_feed(
        db, token, usecases.FeedOptions(alarms, interviews), now, cache, wanted
    )
    if answer is None:
        raise HTTPException(404)
    headers = {
        "ETag": answer.etag,
        "Last-Modified": format_datetime(answer.last_modified.replace(microsecond=0), usegmt=True),
        "Cache-Control": "private, no-cache",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
    if answer.body is None:
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = 'inline; filename="followups.ics"'
    if head:
        headers["Content-Length"] = str(len(answer.body))
        return Response(media_type=CALENDAR, headers=headers)
    return Response(answer.body, media_type=CALENDAR, headers=headers)


_FEED_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/calendar": {}}, "description": "The calendar."},
    304: {"description": "Unchanged since the ETag or date the client sent."},
    404: {"description": "No such feed: unknown, revoked, or never existed."},
}
router.add_api_route(
    "/feeds/{token}.ics",
    read_feed,
    methods=["GET"],
    name="read_feed",
    response_class=Response,
    responses=_FEED_RESPONSES,
)
router.add_api_route(
    "/feeds/{token}.ics",
    read_feed,
    methods=["HEAD"],
    name="head_feed",
    response_class=Response,
    responses=_FEED_RESPONSES,
)
