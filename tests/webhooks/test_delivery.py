"""Deliveries to a real receiver process, on SQLite and PostgreSQL: signed by Standard Webhooks,
retried with the same webhook-id, disabled by a 410, and events found by the scans on time."""

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from service.db.session import Database
from service.webhooks import scan
from service.webhooks.worker import Worker
from tests.builders import candidate_body, interview_body
from tests.conftest import Clock
from tests.webhooks.conftest import Receiver

EIGHT = datetime.min.time().replace(hour=8)


def _register(
    client: TestClient, auth: dict[str, str], url: str, events: list[str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"url": url}
    if events is not None:
        body["events"] = events
    answer = client.post("/v1/webhooks", json=body, headers=auth)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def _interview(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    answer = client.post("/v1/interviews", json=interview_body(candidate["id"]), headers=auth)
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def test_a_delivery_verifies_with_standardwebhooks(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker
) -> None:
    endpoint = _register(client, auth, f"{receiver.url}/ok", ["plan.changed"])
    assert endpoint["secret"].startswith("whsec_")
    interview = _interview(client, auth)
    worker.drain()
    [got] = receiver.received()
    event = Webhook(endpoint["secret"]).verify(got["body"], got["headers"])
    assert event["type"] == "plan.changed"
    assert event["data"]["interview_id"] == interview["id"]
    assert set(event["data"]["added"]) == {step["key"] for step in interview["followups"]}
    assert got["headers"]["webhook-id"].startswith("msg_")


def test_followup_due_arrives_when_its_step_falls_due(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker, db: Database
) -> None:
    endpoint = _register(client, auth, f"{receiver.url}/ok", ["followup.due"])
    interview = _interview(client, auth)
    step = min(interview["followups"], key=lambda s: s["due_at"])
    due_at = datetime.fromisoformat(step["due_at"])
    assert scan.scan(db, due_at - timedelta(seconds=1), EIGHT) == 0
    assert scan.scan(db, due_at + timedelta(seconds=5), EIGHT) >= 1
    assert scan.scan(db, due_at + timedelta(seconds=10), EIGHT) == 0  # once per step and time
    worker.drain()
    events = [
        Webhook(endpoint["secret"]).verify(r["body"], r["headers"]) for r in receiver.received()
    ]
    assert step["id"] in {e["data"]["id"] for e in events if e["type"] == "followup.due"}


def test_a_snoozed_step_falls_due_again(
    client: TestClient,
    auth: dict[str, str],
    receiver: Receiver,
    worker: Worker,
    db: Database,
    clock: Clock,
) -> None:
    _register(client, auth, f"{receiver.url}/ok", ["followup.due"])
    step = min(_interview(client, auth)["followups"], key=lambda s: s["due_at"])
    due_at = datetime.fromisoformat(step["due_at"])
    scan.scan(db, due_at + timedelta(seconds=1), EIGHT)
    clock.now = due_at + timedelta(seconds=2)
    later = due_at + timedelta(hours=3)
    answer = client.patch(
        f"/v1/followups/{step['id']}", json={"snoozed_until": later.isoformat()}, headers=auth
    )
    assert answer.status_code == 200, answer.text
    assert scan.scan(db, later + timedelta(seconds=1), EIGHT) >= 1
    worker.drain()
    due = [e for e in receiver.events() if e["data"].get("id") == step["id"]]
    assert [e["data"]["due_at"][:16] for e in due] == [
        step["due_at"][:16],
        answer.json()["due_at"][:16],
    ]


def test_a_missed_step_is_announced(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker, db: Database
) -> None:
    _register(client, auth, f"{receiver.url}/ok", ["followup.missed"])
    step = min(_interview(client, auth)["followups"], key=lambda s: s["deadline_at"])
    deadline = datetime.fromisoformat(step["deadline_at"])
    assert scan.scan(db, deadline + timedelta(seconds=3), EIGHT) >= 1
    worker.drain()
    missed = [e for e in receiver.events() if e["type"] == "followup.missed"]
    assert step["id"] in {e["data"]["id"] for e in missed}
    assert {e["data"]["status"] for e in missed} == {"missed"}


def test_the_daily_digest_comes_at_eight_local(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker, db: Database
) -> None:
    _register(client, auth, f"{receiver.url}/ok", ["digest.daily"])
    interview = _interview(client, auth)
    step = min(interview["followups"], key=lambda s: s["due_at"])
    local_day = datetime.fromisoformat(step["due_at"]).date()  # shown in the candidate's zone
    eight = datetime.fromisoformat(f"{local_day}T08:00:00-05:00")  # New York in December
    scan.scan(db, eight - timedelta(minutes=1), EIGHT)
    assert scan.scan(db, eight + timedelta(seconds=2), EIGHT) == 1
    assert scan.scan(db, eight + timedelta(seconds=9), EIGHT) == 0
    worker.drain()
    [digest] = receiver.events()
    assert digest["type"] == "digest.daily"
    assert digest["data"]["date"] == local_day.isoformat()
    assert step["id"] in {s["id"] for s in digest["data"]["followups"]}


def test_a_500_is_retried_with_the_same_webhook_id(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker
) -> None:
    endpoint = _register(client, auth, f"{receiver.url}/flaky/1")
    assert client.post(f"/v1/webhooks/{endpoint['id']}/ping", headers=auth).status_code == 202
    worker.drain()
    log = client.get(f"/v1/webhooks/{endpoint['id']}/deliveries", headers=auth).json()["items"]
    [delivery] = log
    assert delivery["state"] == "pending"
    [first] = delivery["attempts"]
    assert first["response_status"] == 500
    wait = datetime.fromisoformat(first["next_attempt_at"]) - datetime.fromisoformat(
        first["attempted_at"]
    )
    assert timedelta(seconds=3) <= wait <= timedelta(seconds=7)
    worker.drain(datetime.now(UTC) + timedelta(seconds=10))
    got = receiver.received()
    assert len(got) == 2
    assert got[0]["headers"]["webhook-id"] == got[1]["headers"]["webhook-id"]
    assert got[0]["headers"]["webhook-signature"] != "" and all(
        Webhook(endpoint["secret"]).verify(r["body"], r["headers"]) for r in got
    )
    [delivery] = client.get(f"/v1/webhooks/{endpoint['id']}/deliveries", headers=auth).json()[
        "items"
    ]
    assert delivery["state"] == "succeeded"
    assert [a["response_status"] for a in delivery["attempts"]] == [500, 200]


def test_a_410_disables_the_endpoint(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker
) -> None:
    endpoint = _register(client, auth, f"{receiver.url}/status/410")
    client.post(f"/v1/webhooks/{endpoint['id']}/ping", headers=auth)
    worker.drain()
    shown = client.get(f"/v1/webhooks/{endpoint['id']}", headers=auth).json()
    assert shown["enabled"] is False
    assert "410" in shown["disabled_reason"]
    client.post(f"/v1/webhooks/{endpoint['id']}/ping", headers=auth)
    worker.drain()
    assert len(receiver.received()) == 1  # nothing more goes to it


def test_after_a_rotation_both_secrets_sign_for_a_day(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker, clock: Clock
) -> None:
    clock.now = datetime.now(UTC)  # deliveries are signed at the real time
    endpoint = _register(client, auth, f"{receiver.url}/ok")
    rotated = client.post(f"/v1/webhooks/{endpoint['id']}/rotate-secret", headers=auth).json()
    assert rotated["secret"] != endpoint["secret"]
    assert rotated["previous_secret_expires_at"]
    client.post(f"/v1/webhooks/{endpoint['id']}/ping", headers=auth)
    worker.drain()
    [got] = receiver.received()
    assert len(got["headers"]["webhook-signature"].split(" ")) == 2
    for secret in (endpoint["secret"], rotated["secret"]):
        assert Webhook(secret).verify(got["body"], got["headers"])["type"] == "ping"


def test_a_retry_sends_a_delivery_again(
    client: TestClient, auth: dict[str, str], receiver: Receiver, worker: Worker
) -> None:
    endpoint = _register(client, auth, f"{receiver.url}/ok")
    client.post(f"/v1/webhooks/{endpoint['id']}/ping", headers=auth)
    worker.drain()
    [delivery] = client.get(f"/v1/webhooks/{endpoint['id']}/deliveries", headers=auth).json()[
        "items"
    ]
    path = f"/v1/webhooks/{endpoint['id']}/deliveries/{delivery['id']}/retry"
    assert client.post(path, headers=auth).status_code == 202
    worker.drain()
    got = receiver.received()
    assert len(got) == 2 and got[0]["headers"]["webhook-id"] == got[1]["headers"]["webhook-id"]
