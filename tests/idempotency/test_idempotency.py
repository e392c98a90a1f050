"""Idempotency-Key on every create: retries replay, reuses are refused, duplicates never land."""

import json
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.accounts import service as accounts_service
from service.db.session import Database
from service.idempotency import claims as idempotency
from service.idempotency.claims import Claim
from service.interviews import service as interviews_service
from service.interviews.schemas import InterviewCreate
from service.interviews.writer import answering
from tests.builders import candidate_body, contact_body, interview_body
from tests.conftest import Clock

INVITATION = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example//EN\r
BEGIN:VEVENT\r
UID:idem-1@example.com\r
DTSTAMP:20261120T120000Z\r
DTSTART:20261201T150000Z\r
DTEND:20261201T160000Z\r
SUMMARY:Acme - Sales Manager interview\r
ORGANIZER;CN=Raj Patel:mailto:raj@acme.example\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture
def candidate_id(client: TestClient, auth: dict[str, str]) -> int:
    return int(client.post("/v1/candidates", json=candidate_body(), headers=auth).json()["id"])


@pytest.fixture
def interview_id(client: TestClient, auth: dict[str, str], candidate_id: int) -> int:
    created = client.post("/v1/interviews", json=interview_body(candidate_id), headers=auth)
    return int(created.json()["id"])


def _keyed(
    auth: dict[str, str], key: str = "3f1c9a52-7d1e-4b7a-9a53-0c1f7e1d2b44"
) -> dict[str, str]:
    return {**auth, "Idempotency-Key": f'"{key}"'}


# Each create: (table it adds to, how to send it)
Send = Callable[[TestClient, dict[str, str], int, int], Any]
CREATES: dict[str, tuple[str, Send]] = {
    "create_candidate": (
        "candidates",
        lambda c, h, _cid, _iid: c.post("/v1/candidates", json=candidate_body(), headers=h),
    ),
    "create_interview": (
        "interviews",
        lambda c, h, cid, _iid: c.post("/v1/interviews", json=interview_body(cid), headers=h),
    ),
    "import_interview": (
        "interviews",
        lambda c, h, cid, _iid: c.post(
            f"/v1/interviews/import?candidate_id={cid}",
            content=INVITATION,
            headers={**h, "Content-Type": "text/calendar"},
        ),
    ),
    "add_contact": (
        "contacts",
        lambda c, h, _cid, iid: c.post(
            f"/v1/interviews/{iid}/contacts", json=contact_body(name="Kim Ode"), headers=h
        ),
    ),
    "log_outcome": (
        "outcomes",
        lambda c, h, _cid, iid: c.post(
            f"/v1/interviews/{iid}/outcomes",
            json={"type": "timeline_given", "decision_date": "2026-12-11"},
            headers=h,
        ),
    ),
    "create_feed": (
        "feed_tokens",
        lambda c, h, cid, _iid: c.post(f"/v1/candidates/{cid}/feeds", headers=h),
    ),
    "create_webhook": (
        "webhook_endpoints",
        lambda c, h, _cid, _iid: c.post(
            "/v1/webhooks", json={"url": "https://93.184.215.14/hooks"}, headers=h
        ),
    ),
}
# POSTs that act on what exists rather than create (tests/webhooks/ covers their replays).
ACTIONS = {"rotate_webhook_secret", "ping_webhook", "retry_webhook_delivery"}


@pytest.mark.parametrize("operation", sorted(CREATES))
def test_a_retry_replays_the_first_answer_and_creates_nothing(
    client: TestClient,
    auth: dict[str, str],
    candidate_id: int,
    interview_id: int,
    count_rows: Callable[[str], int],
    operation: str,
) -> None:
    table, send = CREATES[operation]
    before = count_rows(table)
    first = send(client, _keyed(auth), candidate_id, interview_id)
    assert first.status_code == 201, first.text
    assert count_rows(table) == before + 1
    again = send(client, _keyed(auth), candidate_id, interview_id)
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers.get("location") == first.headers.get("location")
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.headers["x-content-type-options"] == "nosniff"
    assert count_rows(table) == before + 1
    # Without the key, the same request is a new one (an invitation sent again updates the
    # interview it made: its UID is a key of its own).
    fresh = send(client, auth, candidate_id, interview_id)
    assert "idempotent-replayed" not in fresh.headers
    added = 0 if operation == "import_interview" else 1
    assert fresh.status_code == 201 if added else 200
    assert count_rows(table) == before + 1 + added


def test_every_create_route_documents_the_header(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    takes_key = {
        operation["operationId"]
        for path in spec["paths"].values()
        for method, operation in path.items()
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    posts = {
        operation["operationId"]
        for path in spec["paths"].values()
        for method, operation in path.items()
        if method == "post"
    }
    assert takes_key == set(CREATES) | ACTIONS == posts - {"preview_cadence"}


def test_the_same_key_with_another_request_is_refused(
    client: TestClient,
    auth: dict[str, str],
    candidate_id: int,
    count_rows: Callable[[str], int],
) -> None:
    first = client.post("/v1/interviews", json=interview_body(candidate_id), headers=_keyed(auth))
    assert first.status_code == 201
    other = interview_body(candidate_id, company="Globex")
    reused = client.post("/v1/interviews", json=other, headers=_keyed(auth))
    assert reused.status_code == 422
    assert reused.headers["content-type"] == "application/problem+json"
    assert "different request" in reused.json()["detail"]
    elsewhere = client.post("/v1/candidates", json=candidate_body(), headers=_keyed(auth))
    assert elsewhere.status_code == 422
    assert count_rows("interviews") == 1
    assert count_rows("candidates") == 1


def test_json_is_compared_by_value_not_by_spelling(
    client: TestClient, auth: dict[str, str], candidate_id: int, count_rows: Callable[[str], int]
) -> None:
    body = interview_body(candidate_id)
    first = client.post("/v1/interviews", json=body, headers=_keyed(auth))
    respelled = dict(reversed(body.items()))
    again = client.post(
        "/v1/interviews",
        content=json.dumps(respelled, indent=2).encode(),
        headers={**_keyed(auth), "Content-Type": "application/json"},
    )
    assert again.status_code == 201
    assert again.json() == first.json()
    assert count_rows("interviews") == 1


def test_keys_belong_to_one_account(
    client: TestClient,
    auth: dict[str, str],
    other_auth: dict[str, str],
    count_rows: Callable[[str], int],
) -> None:
    mine = client.post("/v1/candidates", json=candidate_body(), headers=_keyed(auth))
    theirs = client.post("/v1/candidates", json=candidate_body(), headers=_keyed(other_auth))
    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]
    assert count_rows("candidates") == 2


def test_keys_are_remembered_for_a_day(
    client: TestClient,
    auth: dict[str, str],
    clock: Clock,
    count_rows: Callable[[str], int],
) -> None:
    started = clock.now
    first = client.post("/v1/candidates", json=candidate_body(), headers=_keyed(auth))
    clock.now = started + timedelta(hours=23, minutes=59)
    replay = client.post("/v1/candidates", json=candidate_body(), headers=_keyed(auth))
    assert replay.headers.get("idempotent-replayed") == "true"
    assert replay.json()["id"] == first.json()["id"]
    clock.now = started + timedelta(hours=24, minutes=1)
    fresh = client.post("/v1/candidates", json=candidate_body(), headers=_keyed(auth))
    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers
    assert count_rows("candidates") == 2
    assert count_rows("idempotent_requests") == 1  # the expired claim was forgotten


@pytest.mark.parametrize(
    "key",
    [b"", b"x" * 256, "clé-unique".encode(), b"tab\tinside", b'""'],
    ids=["empty", "long", "non-ascii", "tab", "empty-quoted"],
)
def test_a_malformed_key_is_a_400_and_stores_nothing(
    client: TestClient, auth: dict[str, str], count_rows: Callable[[str], int], key: bytes
) -> None:
    headers: dict[str, Any] = {**auth, "Idempotency-Key": key}
    response = client.post("/v1/candidates", json=candidate_body(), headers=headers)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert count_rows("candidates") == 0


def test_a_refused_create_is_not_remembered(
    client: TestClient, auth: dict[str, str], count_rows: Callable[[str], int]
) -> None:
    bad = client.post("/v1/interviews", json=interview_body(999_999), headers=_keyed(auth))
    assert bad.status_code == 422
    assert count_rows("idempotent_requests") == 0
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    # The key is free for the corrected request.
    good = client.post("/v1/interviews", json=interview_body(candidate["id"]), headers=_keyed(auth))
    assert good.status_code == 201


def test_without_valid_credentials_the_key_changes_nothing(
    client: TestClient, count_rows: Callable[[str], int]
) -> None:
    headers = {"Authorization": "Bearer ifk_nope_nope", "Idempotency-Key": "k-1"}
    response = client.post("/v1/candidates", json=candidate_body(), headers=headers)
    assert response.status_code == 401
    assert count_rows("idempotent_requests") == 0


def test_twenty_concurrent_duplicates_create_one_interview(
    client: TestClient, auth: dict[str, str], candidate_id: int, count_rows: Callable[[str], int]
) -> None:
    body = interview_body(candidate_id)
    start = threading.Barrier(20)
    answers: list[Any] = []

    def send() -> None:
        start.wait()
        answers.append(client.post("/v1/interviews", json=body, headers=_keyed(auth)))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count_rows("interviews") == 1
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}, statuses
    created = [a for a in answers if a.status_code == 201]
    assert sum("idempotent-replayed" not in a.headers for a in created) == 1
    assert len({a.json()["id"] for a in created}) == 1
    for conflict in (a for a in answers if a.status_code == 409):
        assert conflict.headers["retry-after"] == "1"
    # Once the first has answered, every retry is a replay.
    late = client.post("/v1/interviews", json=body, headers=_keyed(auth))
    assert late.headers["idempotent-replayed"] == "true"
    assert late.json()["id"] == created[0].json()["id"]


def test_a_create_committed_but_never_answered_is_replayed_not_locked(
    client: TestClient,
    auth: dict[str, str],
    db: Database,
    clock: Clock,
    candidate_id: int,
    count_rows: Callable[[str], int],
) -> None:
    """The process dies after a create's commit, before it answers: the retry finds the answer
    stored with the claim in the create's own transaction, not a key locked for a day."""
    body = json.dumps(interview_body(candidate_id)).encode()
    key = "b7c0e5d4-crashed-after-commit"
    account = accounts_service.authenticate(db, auth["Authorization"].removeprefix("Bearer "))
    fingerprint = idempotency.fingerprint("POST", "/v1/interviews", "", "application/json", body)
    claim: Claim[Any] = Claim(
        account, idempotency.lookup_hash(key), fingerprint, idempotency.sealing_key(key)
    )
    # What the create route runs with this key, up to its commit; then the process is gone.
    fields = InterviewCreate.model_validate_json(body).to_changes()
    made = interviews_service.create_interview(
        db, account, fields, clock.now, answering(claim, clock.now)
    )
    interview_id = made.result(10).interview.id
    assert count_rows("interviews") == 1

    retry = client.post(
        "/v1/interviews",
        content=body,
        headers={**_keyed(auth, key), "Content-Type": "application/json"},
    )
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.headers["location"] == f"/v1/interviews/{interview_id}"
    assert retry.json()["id"] == interview_id
    assert len(retry.json()["followups"]) > 5
    assert count_rows("interviews") == 1
