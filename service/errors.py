"""The service's own exceptions; each carries the HTTP status the API answers with.

AppError                 500, never raised on purpose
├── NotFound             404  no such resource in the caller's account
├── Unauthorized         401  missing, unknown or revoked API key
├── Conflict             409  the request clashes with the stored state
│   └── InProgress       409  a request with the same Idempotency-Key is still running
├── TooLarge             413  a request body over its limit
├── UnsupportedMedia     415  a body of a type the route does not take
├── InvalidInput         422  well-formed JSON that breaks a domain rule
└── Unavailable          503  the database cannot be reached; retry later
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from service.domain.model import DomainError

T = TypeVar("T")


class AppError(Exception):
    """Base of every error the API turns into a problem+json answer."""

    status = 500
    title = "Internal error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(AppError):
    status = 404
    title = "Not found"


class Unauthorized(AppError):
    status = 401
    title = "Unauthorized"


class Conflict(AppError):
    status = 409
    title = "Conflict"


class InProgress(Conflict):
    pass


class TooLarge(AppError):
    status = 413
    title = "Content too large"


class UnsupportedMedia(AppError):
    status = 415
    title = "Unsupported media type"


class InvalidInput(AppError):
    status = 422
    title = "Invalid input"


class Unavailable(AppError):
    status = 503
    title = "Service unavailable"


def build_valid(factory: type[T], fields: Mapping[str, Any]) -> T:
    """A domain object from these fields, or InvalidInput with the rule it breaks."""
    try:
        return factory(**fields)
    except DomainError as error:
        raise InvalidInput(str(error)) from error
