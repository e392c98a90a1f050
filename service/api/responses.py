"""The error answers each route documents in the OpenAPI spec."""

from typing import Any

from service.api.schemas import Problem


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for these problem statuses (401, 422 and 503 always)."""
    described = {
        401: "Missing, unknown or revoked API key.",
        404: "No such resource in this account.",
        409: "The request conflicts with the stored state.",
        413: "The request body is over its size limit.",
        415: "The request body is not of a type this route takes.",
        422: "The request is not valid; `detail` says why.",
        503: "The database is unavailable; retry after `Retry-After` seconds.",
    }
    wanted = sorted({401, 422, 503, *statuses})
    return {
        status: {
            "model": Problem,
            "description": described[status],
            "content": {"application/problem+json": {}},
        }
        for status in wanted
    }
