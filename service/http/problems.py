"""Every error leaves as application/problem+json (RFC 9457), and none carries a stack trace."""

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from service.domain.model import DomainError
from service.errors import AppError, Unauthorized, Unavailable
from service.http.fields import FieldError, Problem

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(title=title, status=status, detail=detail, errors=errors)
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "request"


def _field_errors(error: RequestValidationError) -> list[FieldError]:
    found = []
    for item in error.errors():
        message = str(item.get("msg", "is not valid"))
        if item.get("type") == "extra_forbidden":
            message = "is not a known field"
        elif item.get("type") == "value_error" and "error" in item.get("ctx", {}):
            message = str(item["ctx"]["error"])  # our own words, without pydantic's prefix
        elif item.get("type") == "json_invalid":
            message = f"is not valid JSON ({item.get('ctx', {}).get('error', 'syntax error')})"
        found.append(FieldError(loc=_location(tuple(item.get("loc", ()))), message=message))
    return found


def unavailable(retry_after_seconds: int) -> JSONResponse:
    """The answer to a database outage: 503, and when to retry."""
    return problem(
        503,
        Unavailable.title,
        "the database is unreachable or busy; retry shortly",
        headers={"Retry-After": str(retry_after_seconds)},
    )


def is_database_outage(error: BaseException) -> bool:
    """True for an error of the database being out of reach (a retry may succeed), as the
    handlers below tell it."""
    if isinstance(error, Unavailable | DisconnectionError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and is_outage(error)


def install(app: FastAPI, retry_after_seconds: int) -> None:
    """Register the handlers that turn every failure into a problem answer."""

    @app.exception_handler(AppError)
    async def _app_error(_request: Request, error: AppError) -> JSONResponse:
        if isinstance(error, Unavailable):
            return unavailable(retry_after_seconds)
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorized) else None
        return problem(error.status, error.title, error.detail, headers=headers)

    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, error: DomainError) -> JSONResponse:
        return problem(422, "Invalid input", str(error))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = _field_errors(error)
        detail = "; ".join(f"{e.loc}: {e.message}" for e in errors[:5])
        if len(errors) > 5:
            detail += f"; and {len(errors) - 5} more"
        return problem(422, "Invalid request", detail, errors=errors)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 400 and isinstance(error.__cause__, UnicodeDecodeError):
            # FastAPI's answer to a JSON body that is not UTF-8; any other bad JSON is a 422.
            errors = [FieldError(loc="body", message="is not valid JSON (not UTF-8 text)")]
            return problem(422, "Invalid request", "body: is not UTF-8 text", errors=errors)
        detail = error.detail if isinstance(error.detail, str) else "request refused"
        headers = dict(error.headers) if error.headers else None
        if error.status_code == 404:
            detail = "no such resource"
        elif error.status_code == 405:
            allowed = ", ".join(allowed_methods(request.app, request.url.path))
            headers = {**(headers or {}), "Allow": allowed}
            detail = f"{request.method} is not allowed here; this path takes {allowed}"
        return problem(error.status_code, _title(error.status_code), detail, headers=headers)

    @app.exception_handler(DisconnectionError)
    @app.exception_handler(PoolTimeout)
    async def _outage(_request: Request, error: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", type(error).__name__)
        return unavailable(retry_after_seconds)

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, error: DBAPIError) -> JSONResponse:
        if is_outage(error):
            log.warning("database unavailable: %s", error.orig.__class__.__name__)
            return unavailable(retry_after_seconds)
        log.exception("database error")
        return problem(500, "Internal error", "the request failed; it has been logged")

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, _error: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem(500, "Internal error", "the request failed; it has been logged")


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method the spec documents on this path. Starlette's 405 names only the methods of
    the first route that matched, and each method is a route of its own here."""
    matched: dict[int, set[str]] = {}
    for template, operations in app.openapi()["paths"].items():
        parts = re.split(r"\{\w+\}", template)
        if re.fullmatch("[^/]+".join(re.escape(part) for part in parts), path):
            # /v1/interviews/import is that path, not the interview whose id is "import".
            matched.setdefault(len(parts), set()).update(m.upper() for m in operations)
    return sorted(matched[min(matched)]) if matched else []


def is_outage(error: DBAPIError) -> bool:
    """True for lost connections and lock timeouts: the request may succeed if retried."""
    if error.connection_invalidated:
        return True
    name = type(error).__name__
    text = str(error.orig).lower()
    return name in ("OperationalError", "InterfaceError") and not any(
        marker in text for marker in ("syntax error", "no such table", "no such column")
    )


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
