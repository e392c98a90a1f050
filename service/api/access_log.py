"""One access-log line per request, naming the route template rather than the raw path, so feed
tokens (secrets in the URL) never reach the logs. Replaces uvicorn's own access log."""

import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("service.access")

# In a path that matched no route, any long segment may be a secret someone mistyped.
_LONG_SEGMENT = re.compile(r"[^/]{17,}")


def loggable_path(scope: Scope) -> str:
    """The matched route's template, else the path with every long segment masked."""
    route: Any = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if isinstance(template, str):
        return template
    return _LONG_SEGMENT.sub("…", str(scope.get("path", "")))


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            log.info(
                "%s %s %d %.1fms",
                scope["method"],
                loggable_path(scope),
                status,
                (time.perf_counter() - started) * 1000,
            )
