"""Liveness and readiness probes for load balancers and orchestrators."""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from service.api.deps import DbDep
from service.api.schemas import Problem
from service.errors import Unavailable

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
def readyz(db: DbDep) -> dict[str, str]:
    """The database answers; send traffic here."""
    try:
        db.ping()
    except SQLAlchemyError as error:
        raise Unavailable("the database is unreachable") from error
    return {"status": "ready"}


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
