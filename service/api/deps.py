"""Named dependencies the routes declare: the database, settings, the clock and the caller."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service import usecases
from service.config import Settings
from service.db.session import Database
from service.errors import Unauthorized
from service.ical.feeds import FeedCache


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_now() -> datetime:
    return datetime.now(UTC)


def get_feed_cache(request: Request) -> FeedCache:
    cache: FeedCache = request.app.state.feed_cache
    return cache


DbDep = Annotated[Database, Depends(get_db)]
FeedCacheDep = Annotated[FeedCache, Depends(get_feed_cache)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(get_now)]

_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="ifk_…",
    description="An API key made by `python -m service create-key ACCOUNT`.",
)


def get_account(
    db: DbDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> int:
    """The calling account's id, from the Authorization: Bearer header."""
    if credentials is None:
        raise Unauthorized("send the API key as Authorization: Bearer ifk_…")
    return usecases.authenticate(db, credentials.credentials)


AccountDep = Annotated[int, Depends(get_account)]
