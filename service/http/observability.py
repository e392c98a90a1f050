"""What each request leaves behind for operators: a request id, one access-log line and the
Prometheus metrics. Both name the route template, never the raw path, so feed tokens (secrets in
the URL) reach neither. Replaces uvicorn's own access log."""

import asyncio
import contextlib
import logging
import re
import time
import uuid
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.logs import request_id

log = logging.getLogger("service.access")

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by route template.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer, by route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
INTERVIEWS_CREATED = Counter(
    "interviews_created_total", "Interviews created, by how they came in.", ["source"]
)
OUTCOMES_LOGGED = Counter("outcomes_logged_total", "Outcomes logged, by type.", ["type"])

STOPPING = JSONResponse(
    {
        "type": "about:blank",
        "title": "Service unavailable",
        "status": 503,
        "detail": "the service is stopping; retry shortly",
    },
    status_code=503,
    media_type="application/problem+json",
    headers={"Retry-After": "1", "Connection": "close"},
)
UNMATCHED = "<unmatched>"
# In a path that matched no route, any long segment may be a secret someone mistyped.
_LONG_SEGMENT = re.compile(r"[^/]{17,}")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def route_of(scope: Scope) -> str | None:
    """The matched route's template, if a route matched."""
    route: Any = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else None


def loggable_path(scope: Scope) -> str:
    """The matched route's template, else the path with every long segment masked."""
    return route_of(scope) or _LONG_SEGMENT.sub("…", str(scope.get("path", "")))


class Observability:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = Headers(scope=scope).get("x-request-id", "")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        status = 500
        started_answer = False
        failed = False

        async def sending(message: Message) -> None:
            nonlocal status, started_answer
            if message["type"] == "http.response.start":
                status, started_answer = message["status"], True
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except asyncio.CancelledError:
            # The server is stopping and its grace period for requests is over: this one is
            # answered 503 (retry elsewhere, or later) rather than cut off.
            if not started_answer:
                with contextlib.suppress(Exception):
                    await STOPPING(scope, receive, sending)
        except Exception:
            # The server logs the error as it leaves: with this request's id, still set. (Each
            # request runs in a task of its own, so the id goes no further.)
            failed = True
            raise
        finally:
            seconds = time.perf_counter() - started
            method = scope["method"]
            route = route_of(scope)
            REQUESTS.labels(method, route or UNMATCHED, str(status)).inc()
            LATENCY.labels(method, route or UNMATCHED).observe(seconds)
            log.info(
                "%s %s %d %.1fms",
                method,
                route or loggable_path(scope),
                status,
                seconds * 1000,
                extra={
                    "method": method,
                    "route": route or UNMATCHED,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
            if not failed:
                request_id.reset(token)
