"""Liveness and readiness probes for load balancers and orchestrators."""

from fastapi import APIRouter
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
