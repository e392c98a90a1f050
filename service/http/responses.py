"""The answers of creates as they are sent and replayed, and the error answers each route
documents in the OpenAPI spec."""

from typing import Any

from fastapi import Response

from service.http.fields import Problem
from service.idempotency.claims import Answer


def sent(answer: Answer) -> Response:
    """A create's answer as the route sends it: the same bytes a retry gets replayed."""
    return Response(answer.body, status_code=answer.status, headers=answer.headers)


# What each problem status means, wherever the spec documents it.
DESCRIBED = {
    400: "A malformed header: Idempotency-Key or Content-Length.",
    401: "Missing, unknown or revoked API key.",
    404: "No such resource in this account.",
    409: "The request conflicts with the stored state.",
    413: "The request body is over its size limit.",
    415: "The request body is not of a type this route takes.",
    422: "The request is not valid; `detail` says why.",
    429: "Too many requests for this API key or feed; retry after `Retry-After` seconds.",
    503: "The database is unavailable; retry after `Retry-After` seconds.",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for these problem statuses (401, 422, 429 and 503 always)."""
    wanted = sorted({401, 422, 429, 503, *statuses})
    return {
        status: {
            "model": Problem,
            "description": DESCRIBED[status],
            "content": {"application/problem+json": {}},
        }
        for status in wanted
    }


def creates(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem answers of a route that takes an Idempotency-Key: a malformed key (400), a
    retry while the first request runs (409), and a reused key (422), besides `statuses`."""
    return problems(400, 409, *statuses)
