"""Feed polls this process can answer from memory, answered before routing (FeedPolls)."""

from types import SimpleNamespace
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from service.calendar.feeds import FeedCache
from service.db.session import Database
from service.feeds import service as feeds_service
from service.feeds.routes import FEED_TOKEN, accepts_gzip, feed_response, lacks, wants_page
from service.http.deps import now_of

_BOOLEANS = {"true": True, "1": True, "yes": True, "on": True}
_BOOLEANS |= {"false": False, "0": False, "no": False, "off": False}


def _options(query: str) -> feeds_service.FeedOptions | None:
    """The feed options of a query string, or None if it holds anything the route must judge."""
    given: dict[str, bool] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in ("alarms", "interviews") or value.lower() not in _BOOLEANS:
            return None
        given[name] = _BOOLEANS[value.lower()]
    return feeds_service.FeedOptions(**given)


# What the access log and the metrics read of a matched route (service.http.observability).
FEED_ROUTE = SimpleNamespace(path="/feeds/{token}.ics", path_format="/feeds/{token}.ics")


class FeedPolls:
    """Answers the polls this process can answer from memory — a 304, or bytes it has already
    built, for a feed read from the database a moment ago — before routing and dependency
    injection, which cost more than the answer. Anything else goes on to the route above."""

    def __init__(self, app: ASGIApp, db: Database, cache: FeedCache) -> None:
        self.app = app
        self.db = db
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = await self._from_memory(scope) if scope["type"] == "http" else None
        if answer is None:
            await self.app(scope, receive, send)
            return
        found, head, gzip, gzipped = answer
        await feed_response(found, head, gzip, gzipped)(scope, receive, send)

    async def _from_memory(
        self, scope: Scope
    ) -> tuple[feeds_service.FeedAnswer, bool, bool, bytes | None] | None:
        path: str = scope["path"]
        if scope["method"] not in ("GET", "HEAD") or not path.startswith("/feeds/"):
            return None
        token = path[len("/feeds/") :].removesuffix(".ics")
        if not path.endswith(".ics") or not FEED_TOKEN.fullmatch(token):
            return None
        headers = Headers(scope=scope)
        head = scope["method"] == "HEAD"
        options = _options(scope.get("query_string", b"").decode("latin-1"))
        if options is None or (not head and wants_page(headers.get("accept", ""))):
            return None
        wanted = lacks(headers.get("if-none-match"), headers.get("if-modified-since"))
        now = await now_of(scope)
        answer = feeds_service.feed_from_memory(self.db, token, options, now, self.cache, wanted)
        if answer is None:
            return None
        gzip = accepts_gzip(headers.get("accept-encoding", ""))
        gzipped = None
        if gzip and answer.body is not None:
            # Compressing is for the route's thread pool, once per version, not for this loop.
            gzipped = self.cache.get_gzipped(answer.etag)
            if gzipped is None:
                return None
        # The access log and the metrics name the route, as for any other feed request.
        scope["route"] = FEED_ROUTE
        return answer, head, gzip, gzipped
