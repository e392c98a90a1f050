"""The application: create_app(settings) wires routers, error answers and the database."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.types import ASGIApp

from service import __doc__ as summary
from service.accounts import service as accounts_service
from service.actions import routes as actions_routes
from service.calendar.feeds import FeedCache
from service.candidates import routes as candidates
from service.config import Settings, get_settings
from service.db.session import Database
from service.feeds import routes as feeds
from service.feeds.polls import FeedPolls
from service.followups import routes as followups
from service.http import health, problems, spec
from service.http.hardening import BodyLimit, SecurityHeaders
from service.http.observability import Observability
from service.http.proxies import ProxyHeaders
from service.http.rate_limits import Limits, RateLimit
from service.idempotency.middleware import Idempotency
from service.interviews import routes as interviews
from service.interviews.writer import Creates, InProcess, WriterProcess
from service.webhooks.runtime import Runtime as Webhooks

API_VERSION = "1.0.0"


def _operation_id(route: APIRoute) -> str:
    return route.name


class _App(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Around Starlette's error middleware, not inside it: its 500 answers and the lines it
        # logs carry the request id, and every answer, a 500 or a 413, the security headers.
        return Observability(SecurityHeaders(super().build_middleware_stack()))

    def openapi(self) -> dict[str, Any]:
        return spec.refine(super().openapi())


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready application for these settings (the environment's by default)."""
    settings = settings or get_settings()
    db = Database(settings)
    limits = Limits(settings.rate_limit_storage, settings.api_rate_limit, settings.feed_rate_limit)
    creates: Creates = (
        WriterProcess(settings, db.wrote) if settings.writer_process else InProcess(db)
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        creates.start()
        webhooks.start()
        yield
        await webhooks.stop()
        await creates.close()
        await limits.close()
        db.dispose()

    app = _App(
        title="Interview follow-up service",
        summary=(summary or "").strip(),
        version=API_VERSION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.creates = creates
    app.state.feed_cache = FeedCache(fresh_for=settings.feed_revalidate_seconds)
    app.state.keys = accounts_service.TrustedKeys(db, settings.api_key_trust_seconds)
    app.state.readiness = health.ReadinessProbe(db)
    problems.install(app, settings.retry_after_seconds)
    app.include_router(health.router)
    app.include_router(candidates.router)
    app.include_router(interviews.router)
    app.include_router(followups.router)
    app.include_router(feeds.router)
    app.include_router(actions_routes.router)
    webhooks = Webhooks(app, settings, db)
    app.add_middleware(FeedPolls, db=db, cache=app.state.feed_cache)
    app.add_middleware(
        Idempotency, db=db, keys=app.state.keys, retry_after=settings.retry_after_seconds
    )
    app.add_middleware(RateLimit, limits=limits)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ProxyHeaders, trusted=settings.forwarded_allow_ips)
    return app
