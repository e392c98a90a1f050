"""Named dependencies the routes declare: the database, settings, the clock and the caller."""

import inspect
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from service.accounts import service as accounts_service
from service.calendar import invitations
from service.calendar.feeds import FeedCache
from service.config import Settings
from service.db.session import Database
from service.errors import TooLarge, Unauthorized, UnsupportedMedia
from service.idempotency.claims import MAX_KEY_LENGTH, Claim
from service.interviews.writer import Creates

# The dependencies that only look things up are async: FastAPI would run plain functions on its
# thread pool, a hop each.


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_creates(request: Request) -> Creates:
    creates: Creates = request.app.state.creates
    return creates


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_base_url(request: Request) -> str:
    """Where clients reach this service, without a trailing slash: PUBLIC_BASE_URL, else the
    address this request came to (its Host, or what a trusted proxy forwarded)."""
    settings: Settings = request.app.state.settings
    return (settings.public_base_url or str(request.base_url)).rstrip("/")


async def get_now() -> datetime:
    return datetime.now(UTC)


async def now_of(scope: Scope) -> datetime:
    """The routes' clock, for code that runs before them (tests set it as a dependency
    override)."""
    clock = scope["app"].dependency_overrides.get(get_now, get_now)
    now = clock()
    if inspect.isawaitable(now):
        now = await now
    assert isinstance(now, datetime)
    return now


async def get_feed_cache(request: Request) -> FeedCache:
    cache: FeedCache = request.app.state.feed_cache
    return cache


DbDep = Annotated[Database, Depends(get_db)]
CreatesDep = Annotated[Creates, Depends(get_creates)]
FeedCacheDep = Annotated[FeedCache, Depends(get_feed_cache)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
BaseUrlDep = Annotated[str, Depends(get_base_url)]
NowDep = Annotated[datetime, Depends(get_now)]

_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="ifk_…",
    description="An API key made by `python -m service create-key ACCOUNT`.",
)


async def account_of(keys: accounts_service.TrustedKeys, key: str) -> int:
    """The key's account: from memory when this process checked the key lately, else from the
    database on the thread pool. Unauthorized unless the key is valid and active."""
    known = keys.known(key)
    if known is not None:
        return known
    return await run_in_threadpool(keys.check, key)


async def get_account(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> int:
    """The calling account's id, from the Authorization: Bearer header."""
    if credentials is None:
        raise Unauthorized("send the API key as Authorization: Bearer ifk_…")
    return await account_of(request.app.state.keys, credentials.credentials)


AccountDep = Annotated[int, Depends(get_account)]


CALENDAR_TYPES = ("text/calendar", "application/ics")


async def calendar_body(request: Request) -> bytes:
    """The request's body as an iCalendar file, read up to the invitation size limit."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in CALENDAR_TYPES:
        raise UnsupportedMedia("send the invitation as Content-Type: text/calendar")
    limit = invitations.MAX_BYTES
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"an invitation can be at most {limit // 1000} kB")
        chunks.append(chunk)
    return b"".join(chunks)


CalendarBody = Annotated[bytes, Depends(calendar_body)]


# Exactly what service.idempotency.parse_key takes: 1 to MAX_KEY_LENGTH printable ASCII
# characters, bare or in quotes (`""` is an empty key), with spaces and tabs around trimmed.
_INNER = MAX_KEY_LENGTH - 2
_KEY_PATTERN = (
    rf'^[ \t]*(?:"[ -~]{{1,{MAX_KEY_LENGTH}}}"|[!-~]|[!#-~][ -~]{{0,{_INNER}}}[!-~]'
    rf'|"[ -~]{{0,{_INNER}}}[!#-~])[ \t]*$'
)

# Where the Idempotency middleware (service.idempotency.middleware) leaves a create's claim.
CLAIM_STATE = "idempotency_claim"


async def get_claim(
    request: Request,
    _key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            pattern=_KEY_PATTERN,
            description="Any unique string (a UUID is ideal). A retry with the same key and "
            "body gets the first answer again (with `Idempotent-Replayed: true`) instead of a "
            "second resource; the same key with another body is refused (422); a retry while "
            "the first is still running gets 409. Keys are remembered for 24 hours.",
        ),
    ] = None,
) -> Claim[Any] | None:
    """The claim on its Idempotency-Key that a create takes in its own transaction."""
    claim: Claim[Any] | None = getattr(request.state, CLAIM_STATE, None)
    return claim


ClaimDep = Annotated[Claim[Any] | None, Depends(get_claim)]
