"""The calendar feeds subscribers poll: `/feeds/{token}.ics`, with HEAD, ETag and Last-Modified;
and at `/feeds/{token}` (or for a browser at the feed URL) the page to subscribe from.

The token in the path is the only credential. An unknown or revoked token gets the same 404 as any
other unknown path, and nothing here writes to the database."""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from service.candidates.routes import feed_urls
from service.feeds import page as subscribe
from service.feeds import service as feeds_service
from service.http.deps import BaseUrlDep, DbDep, FeedCacheDep, NowDep

router = APIRouter(tags=["feeds"])

CALENDAR = "text/calendar; charset=utf-8"
FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")


def gzip_etag(etag: str) -> str:
    """The ETag of a feed's gzip-compressed bytes: another representation, another tag."""
    return f'{etag[:-1]}-gzip"'


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header (RFC 9110 §12.5.3) admits gzip: named, or by `*`,
    with a weight above zero."""
    weights: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        coding, _, parameters = item.partition(";")
        weight = 1.0
        name, _, value = parameters.partition("=")
        if name.strip() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
        weights[coding.strip()] = weight
    found = weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0)))
    return found > 0


def _client_has(
    etag: str, last_modified: datetime, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """RFC 9110 §13: If-None-Match (weak comparison) wins; If-Modified-Since counts only alone.
    A client holding either encoding of this version has it."""
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags or gzip_etag(etag) in tags
    if if_modified_since is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        return last_modified.replace(microsecond=0) <= since
    return False


def lacks(
    if_none_match: str | None, if_modified_since: str | None
) -> Callable[[str, datetime], bool]:
    """Whether a client with these validators lacks the feed of a given ETag and date."""

    def lacks(etag: str, last_modified: datetime) -> bool:
        return not _client_has(etag, last_modified, if_none_match, if_modified_since)

    return lacks


def wants_page(accept: str) -> bool:
    """True for a browser, which asks for HTML; calendar apps ask for calendars or anything."""
    return "text/html" in accept and "text/calendar" not in accept


def subscribe_page(token: str, db: DbDep, now: NowDep, base_url: BaseUrlDep) -> HTMLResponse:
    """The feed's subscribe page: what the calendar holds, and one-click links to add it to
    Google Calendar, Outlook or Apple Calendar."""
    if not FEED_TOKEN.fullmatch(token):
        raise HTTPException(404)
    return _page(db, token, now, base_url)


def _page(db: DbDep, token: str, now: datetime, base_url: str) -> HTMLResponse:
    summary = feeds_service.describe_feed(db, token, now)
    if summary is None:
        raise HTTPException(404)
    return HTMLResponse(
        subscribe.page(summary, feed_urls(base_url, token).https),
        headers={
            "Content-Security-Policy": subscribe.CSP,
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "private, no-store",
            "X-Robots-Tag": "noindex, nofollow",
            "Vary": "Accept",
        },
    )


async def read_feed(
    token: str,
    request: Request,
    db: DbDep,
    now: NowDep,
    cache: FeedCacheDep,
    base_url: BaseUrlDep,
    alarms: Annotated[bool, Query(description="Include reminders (VALARM).")] = True,
    interviews: Annotated[bool, Query(description="Include the interviews themselves.")] = True,
    if_none_match: Annotated[str | None, Header(include_in_schema=False)] = None,
    if_modified_since: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """The calendar as iCalendar: every follow-up (and, unless `interviews=false`, each
    interview) as an event. Subscribe with the webcal:// form of the URL."""
    if not FEED_TOKEN.fullmatch(token):
        raise HTTPException(404)
    head = request.method == "HEAD"
    if not head and wants_page(request.headers.get("accept", "")):
        return await run_in_threadpool(_page, db, token, now, base_url)

    wanted = lacks(if_none_match, if_modified_since)
    # FeedPolls (below) answers what it can from memory before this route is reached.
    options = feeds_service.FeedOptions(alarms, interviews)
    gzip = accepts_gzip(request.headers.get("accept-encoding", ""))

    def read() -> tuple[feeds_service.FeedAnswer | None, bytes | None]:
        answer = feeds_service.read_feed(db, token, options, now, cache, wanted, base_url)
        if answer is None or answer.body is None or not gzip:
            return answer, None
        return answer, cache.gzipped(answer.etag, answer.body)

    answer, gzipped = await run_in_threadpool(read)
    if answer is None:
        raise HTTPException(404)
    return feed_response(answer, head, gzip, gzipped)


def feed_response(
    answer: feeds_service.FeedAnswer, head: bool, gzip: bool, gzipped: bytes | None
) -> Response:
    """The answer as HTTP: a 304 when the client has it, else the calendar (or, for HEAD, its
    headers), gzip-compressed when the client accepts it (`gzipped`, the body compressed)."""
    headers = {
        "ETag": gzip_etag(answer.etag) if gzip else answer.etag,
        "Last-Modified": format_datetime(answer.last_modified.replace(microsecond=0), usegmt=True),
        "Cache-Control": "private, no-cache",
        # A browser asking for HTML gets the subscribe page instead; gzip only when accepted.
        "Vary": "Accept, Accept-Encoding",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
    if answer.body is None:
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = 'inline; filename="followups.ics"'
    body = answer.body
    if gzip:
        assert gzipped is not None
        headers["Content-Encoding"] = "gzip"
        body = gzipped
    if head:
        headers["Content-Length"] = str(len(body))
        return Response(media_type=CALENDAR, headers=headers)
    return Response(body, media_type=CALENDAR, headers=headers)


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
router.add_api_route(
    "/feeds/{token}",
    subscribe_page,
    methods=["GET"],
    name="subscribe_page",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}, "description": "The subscribe page."},
        404: _FEED_RESPONSES[404],
    },
)


# The spellings of true and false the route's boolean query parameters accept.
