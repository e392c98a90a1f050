"""Liveness and readiness probes for load balancers and orchestrators."""

import asyncio

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from service.db.session import Database
from service.errors import Unavailable
from service.http.fields import Problem

router = APIRouter(tags=["health"])


@router.get("/healthz", name="healthz")
def healthz() -> dict[str, str]:
    """The process is up and answering."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    name="readyz",
    responses={503: {"model": Problem, "description": "The database is unreachable."}},
)
async def readyz(request: Request) -> dict[str, str]:
    """The database answers; send traffic here. Answers within a second whatever the database
    does: a database slower than that is not ready."""
    probe: ReadinessProbe = request.app.state.readiness
    if not await probe.ready(READY_WITHIN_SECONDS):
        raise Unavailable("the database is unreachable or not answering")
    return {"status": "ready"}


READY_WITHIN_SECONDS = 1.0


class ReadinessProbe:
    """Pings the database on the thread pool, one ping at a time however many probes ask."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._ping: asyncio.Future[None] | None = None

    async def ready(self, within: float) -> bool:
        if self._ping is None or self._ping.done():
            self._ping = asyncio.ensure_future(run_in_threadpool(self.db.ping))
        try:
            await asyncio.wait_for(asyncio.shield(self._ping), within)
        except (TimeoutError, SQLAlchemyError, Unavailable):
            return False
        return True


@router.get(
    "/metrics",
    name="metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics() -> Response:
    """Prometheus metrics: requests and latencies by route template, interviews created,
    outcomes by type, and the process's own figures."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
