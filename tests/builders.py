"""Request bodies and domain objects with sensible defaults; override what a test is about."""

from datetime import UTC, datetime
from typing import Any

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def candidate_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Ada Lovelace", "timezone": "America/New_York", "country": "US"}
    body.update(overrides)
    return body


def contact_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Jane Doe",
        "title": "Sales Director",
        "role": "interviewer",
        "email": "jane.doe@acme.example",
        "phone": "+1 212 555 0100",
    }
    body.update(overrides)
    return body


def interview_body(candidate_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "candidate_id": candidate_id,
        "company": "Acme",
        "role": "Sales Manager",
        "starts_at": "2026-12-01T14:00:00-05:00",
        "format": "in_person",
        "process": "standard",
        "contacts": [
            contact_body(),
            contact_body(name="Raj Patel", title="HR Partner", role="hr", email="raj@acme.example"),
            contact_body(name="Sam Lee", title=None, role="receptionist", email=None, phone=None),
        ],
        "references": [{"name": "Grace Hopper", "phone": "+1 202 555 0199"}],
    }
    body.update(overrides)
    return body


def feed_path(created: dict[str, Any]) -> str:
    """The path of the feed in a created candidate (or feed) answer, for the test client."""
    return "/" + str(created["feed"]["https"]).split("/", 3)[3]
