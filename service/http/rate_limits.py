"""Rate limits per API key and per feed token (the `limits` library): over the limit, a 429
problem with Retry-After. Counters live in this process by default; with RATE_LIMIT_STORAGE set
to a Redis URL, every replica shares them.

Keys and tokens are counted under their SHA-256 hash, so the counters never hold a secret.
Unknown keys and tokens are counted like known ones: the answer says nothing about which exist.
"""

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from service.http.problems import problem
from service.tokens import digest

log = logging.getLogger(__name__)

FEED_PREFIX = "/feeds/"


def _storage_uri(configured: str) -> str:
    return configured if configured.startswith("async+") else f"async+{configured}"


class Limits:
    """The configured limits and the counters' store; `close()` releases the store."""

    def __init__(self, storage: str, per_key: str, per_feed: str) -> None:
        uri = _storage_uri(storage)
        options = {"implementation": "redispy"} if "redis" in uri.split("://")[0] else {}
        self.storage = storage_from_string(uri, **options)
        self.limiter = SlidingWindowCounterRateLimiter(self.storage)
        self.per_key = parse(per_key) if per_key else None
        self.per_feed = parse(per_feed) if per_feed else None

    def counted(self, scope: Scope) -> tuple[RateLimitItem, str, str] | None:
        """The limit this request counts against, its namespace and the secret's hash."""
        path: str = scope["path"]
        if path.startswith(FEED_PREFIX) and self.per_feed is not None:
            # A feed's pages (`/feeds/{token}/…`) count against the feed's own limit.
            token = path[len(FEED_PREFIX) :].removesuffix(".ics").split("/", 1)[0]
            return self.per_feed, "feed", digest(token)
        if path.startswith("/v1/") and self.per_key is not None:
            scheme, _, key = Headers(scope=scope).get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and key.strip():
                return self.per_key, "key", digest(key.strip())
        return None

    async def wait(self, limit: RateLimitItem, namespace: str, identity: str) -> int:
        """Count one request; 0 if it may pass, else the seconds until it may be retried."""
        try:
            if await self.limiter.hit(limit, namespace, identity):
                return 0
            stats = await self.limiter.get_window_stats(limit, namespace, identity)
        except Exception as error:  # the counters' store is down: serve rather than refuse
            log.warning("rate limit store unavailable (%s); request not counted", error)
            return 0
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def close(self) -> None:
        client = getattr(getattr(self.storage, "bridge", None), "storage", None)
        if client is not None:
            await client.aclose()


class RateLimit:
    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        counted = self.limits.counted(scope) if scope["type"] == "http" else None
        wait = await self.limits.wait(*counted) if counted else 0
        if not wait:
            await self.app(scope, receive, send)
            return
        assert counted is not None
        limit, namespace, _ = counted
        what = "this feed" if namespace == "feed" else "this API key"
        await problem(
            429,
            "Too many requests",
            f"over the limit of {limit} for {what}; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )(scope, receive, send)
