"""What a proxy in front of the service says about a request, believed only from the proxies the
operator trusts (FORWARDED_ALLOW_IPS, read as uvicorn reads it): X-Forwarded-Proto and -For as
uvicorn's own middleware applies them, and X-Forwarded-Host, which it leaves alone.

The app applies them itself, rather than the server, because deciding on X-Forwarded-Host needs
the address of the peer, which uvicorn's middleware replaces with the client's."""

from typing import Any, cast

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


class ProxyHeaders:
    """Rewrites the request's scheme, client and Host as a trusted proxy reports them."""

    def __init__(self, app: ASGIApp, trusted: str) -> None:
        # uvicorn types the ASGI interface strictly, Starlette loosely: it is the same protocol.
        proxy = ProxyHeadersMiddleware(cast(Any, app), trusted_hosts=trusted)
        self.trusted = proxy.trusted_hosts
        self.app = cast(ASGIApp, proxy)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            peer = scope.get("client")
            if peer and peer[0] in self.trusted:
                _take_forwarded_host(scope)
        await self.app(scope, receive, send)


def _take_forwarded_host(scope: Scope) -> None:
    """The Host the nearest proxy was asked for (the last X-Forwarded-Host value) replaces the
    proxy's own, so URLs built from the request name the address clients use."""
    forwarded = [value for name, value in scope["headers"] if name == b"x-forwarded-host"]
    if not forwarded:
        return
    host = b",".join(forwarded).split(b",")[-1].strip()
    if not host:
        return
    headers = [(name, value) for name, value in scope["headers"] if name != b"host"]
    scope["headers"] = [*headers, (b"host", host)]
