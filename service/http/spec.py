"""The published OpenAPI document: FastAPI's, with what the routes cannot say for themselves —
that every error leaves as problem+json, the answers the outer layers give (rate limits, outages,
the body limit) on the routes they guard, and the links from each create to what reads it."""

from typing import Any

from service.http.problems import PROBLEM_JSON
from service.http.responses import DESCRIBED

Spec = dict[str, Any]

_PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _link(operation: str, description: str, **parameters: str) -> dict[str, Any]:
    return {"operationId": operation, "description": description, "parameters": parameters}


_ID = "$response.body#/id"
# What each create's answer leads to, by operationId: OpenAPI links, which clients and
# schemathesis's stateful runs follow.
LINKS: dict[str, dict[str, dict[str, Any]]] = {
    "create_candidate": {
        "GetCandidate": _link("get_candidate", "The candidate.", candidate_id=_ID),
        "UpdateCandidate": _link("update_candidate", "Change it.", candidate_id=_ID),
        "DeleteCandidate": _link("delete_candidate", "Delete it.", candidate_id=_ID),
        "CreateFeed": _link("create_feed", "Another feed URL.", candidate_id=_ID),
        "ListFeeds": _link("list_feeds", "Its feeds.", candidate_id=_ID),
        "ListInterviews": _link("list_interviews", "Its interviews.", candidate_id=_ID),
        "ListFollowUps": _link("list_followups", "Its follow-ups.", candidate_id=_ID),
        "CreateInterview": {
            "operationId": "create_interview",
            "description": "Record an interview of this candidate.",
            "requestBody": {"candidate_id": _ID},
        },
    },
    "create_interview": {
        "GetInterview": _link("get_interview", "The interview.", interview_id=_ID),
        "UpdateInterview": _link("update_interview", "Change it.", interview_id=_ID),
        "DeleteInterview": _link("delete_interview", "Delete it.", interview_id=_ID),
        "ListContacts": _link("list_contacts", "Its contacts.", interview_id=_ID),
        "AddContact": _link("add_contact", "Add a contact.", interview_id=_ID),
        "UpdateContact": _link(
            "update_contact",
            "Change its first contact.",
            interview_id=_ID,
            contact_id="$response.body#/contacts/0/id",
        ),
        "ListFollowUps": _link("list_interview_followups", "Its follow-ups.", interview_id=_ID),
        "UpdateFollowUp": _link(
            "update_followup", "Mark its first step.", followup_id="$response.body#/followups/0/id"
        ),
        "LogOutcome": _link("log_outcome", "Log what happened.", interview_id=_ID),
        "ListOutcomes": _link("list_outcomes", "What was logged.", interview_id=_ID),
    },
    "add_contact": {
        "UpdateContact": _link(
            "update_contact",
            "Change the contact.",
            interview_id="$request.path.interview_id",
            contact_id="$response.body#/id",
        ),
        "RemoveContact": _link(
            "remove_contact",
            "Remove the contact.",
            interview_id="$request.path.interview_id",
            contact_id="$response.body#/id",
        ),
    },
    "create_feed": {
        "RevokeFeed": _link(
            "revoke_feed",
            "Revoke the feed.",
            candidate_id="$request.path.candidate_id",
            feed_id="$response.body#/id",
        ),
    },
    "log_outcome": {
        "GetInterview": _link(
            "get_interview", "The re-planned interview.", interview_id="$request.path.interview_id"
        ),
    },
}


def _guarded(path: str, operation: Spec) -> list[int]:
    """The problem statuses the outer layers can answer on this operation."""
    statuses = []
    if path.startswith(("/v1/", "/feeds/")):
        statuses += [429, 503]  # rate limits; the database out of reach
    if "requestBody" in operation:
        statuses.append(413)  # the body limit
    return statuses


def refine(spec: Spec) -> Spec:
    """The spec with every error answer as problem+json, the outer layers' answers and links
    (in place; refining it again changes nothing)."""
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            responses: dict[str, Any] = operation["responses"]
            for guarded in _guarded(path, operation):
                responses.setdefault(str(guarded), {"description": DESCRIBED[guarded]})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = _PROBLEM
            if "201" in responses and operation.get("operationId") in LINKS:
                responses["201"]["links"] = LINKS[operation["operationId"]]
    schemas = spec.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return spec
