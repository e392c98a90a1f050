"""The webhook API: what is refused (private addresses by default, plain http, bad fields) stores
nothing; accounts see only their own endpoints; events written go out with their writes or not
at all."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.accounts import service as accounts_service
from service.app import create_app
from service.config import Settings
from service.db.session import Database
from service.errors import InvalidInput
from service.webhooks import addresses, outbox
from service.webhooks.events import EventType
from service.webhooks.signing import service_key
from tests.builders import NOW, candidate_body, interview_body


@pytest.fixture
def strict_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    """An app with the default address rule: public https addresses only."""
    strict = settings.model_copy(update={"webhook_allow_private_addresses": False})
    with TestClient(create_app(strict), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[fd00:ec2::254]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://100.100.100.200/hooks",
        "http://93.184.215.14/hooks",
        "ftp://93.184.215.14/hooks",
        "https://user:pass@93.184.215.14/hooks",
    ],
)
def test_private_addresses_and_plain_http_are_refused_by_default(
    strict_client: TestClient,
    auth: dict[str, str],
    count_rows: Callable[[str], int],
    url: str,
) -> None:
    answer = strict_client.post("/v1/webhooks", json={"url": url}, headers=auth)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"].startswith("url:")
    assert count_rows("webhook_endpoints") == 0


def test_a_public_address_passes_the_check() -> None:
    target = addresses.resolve("https://93.184.215.14/hooks", allow_private=False)
    assert target.address == "93.184.215.14"
    with pytest.raises(InvalidInput):
        addresses.resolve("https://127.0.0.1/hooks", allow_private=False)
    assert addresses.resolve("http://127.0.0.1:9/x", allow_private=True).port == 9


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": "not a url"},
        {"url": "https://example.org/x", "events": ["followup.eaten"]},
        {"url": "https://example.org/x", "secret": "whsec_mine"},
        {"url": "https://example.org/" + "x" * 2000},
    ],
)
def test_bad_bodies_get_a_422_and_store_nothing(
    client: TestClient,
    auth: dict[str, str],
    count_rows: Callable[[str], int],
    body: dict[str, object],
) -> None:
    answer = client.post("/v1/webhooks", json=body, headers=auth)
    assert answer.status_code == 422, answer.text
    assert count_rows("webhook_endpoints") == 0


def test_endpoints_are_managed_and_never_show_their_secret_again(
    client: TestClient, auth: dict[str, str]
) -> None:
    made = client.post(
        "/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hooks", "events": ["followup.due"], "description": "a"},
        headers=auth,
    )
    assert made.status_code == 201
    endpoint = made.json()
    assert endpoint["events"] == ["followup.due"] and endpoint["enabled"] is True
    path = f"/v1/webhooks/{endpoint['id']}"
    assert "secret" not in client.get(path, headers=auth).json()
    listed = client.get("/v1/webhooks", headers=auth).json()
    assert [e["id"] for e in listed["items"]] == [endpoint["id"]]
    assert all("secret" not in e for e in listed["items"])
    changed = client.patch(path, json={"enabled": False, "events": ["ping"]}, headers=auth).json()
    assert changed["enabled"] is False and changed["events"] == ["ping"]
    assert changed["disabled_reason"] == "disabled through the API"
    again = client.patch(path, json={"enabled": True}, headers=auth).json()
    assert again["enabled"] is True and again["disabled_reason"] is None
    assert client.delete(path, headers=auth).status_code == 204
    assert client.get(path, headers=auth).status_code == 404


def test_an_account_sees_only_its_own_endpoints(
    client: TestClient, auth: dict[str, str], other_auth: dict[str, str]
) -> None:
    made = client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/x"}, headers=auth).json()
    path = f"/v1/webhooks/{made['id']}"
    for method, suffix in [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/rotate-secret"),
        ("POST", "/ping"),
        ("GET", "/deliveries"),
        ("POST", "/deliveries/1/retry"),
    ]:
        body = {"description": "x"} if method == "PATCH" else None
        answer = client.request(method, path + suffix, json=body, headers=other_auth)
        assert answer.status_code == 404, (method, suffix, answer.text)
    assert client.get("/v1/webhooks", headers=other_auth).json()["items"] == []
    assert client.get("/v1/webhooks").status_code == 401


def test_an_event_rolls_back_with_its_write(
    client: TestClient, auth: dict[str, str], db: Database, count_rows: Callable[[str], int]
) -> None:
    client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/x"}, headers=auth)
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    made = client.post("/v1/interviews", json=interview_body(candidate["id"]), headers=auth).json()
    before = count_rows("webhook_events")
    assert before == 1  # the plan of the interview created
    account = accounts_service.authenticate(db, auth["Authorization"].split()[1])

    class Refused(Exception):
        pass

    def refused_write() -> None:
        with db.writing() as session:
            outbox.enqueue(session, account, EventType.PLAN_CHANGED, {"interview_id": 1}, NOW)
            assert count_rows("webhook_events") == before  # not visible before the commit
            raise Refused

    with pytest.raises(Refused):
        refused_write()
    assert count_rows("webhook_events") == before
    # A write the domain refuses stores neither the change nor its event.
    answer = client.patch(
        f"/v1/interviews/{made['id']}",
        json={"starts_at": "2026-12-01T14:00:00-05:00", "ends_at": "2026-12-01T13:00:00-05:00"},
        headers=auth,
    )
    assert answer.status_code == 422
    assert count_rows("webhook_events") == before
    # A write that moves the plan stores one event with it.
    moved = client.patch(
        f"/v1/interviews/{made['id']}",
        json={"starts_at": "2026-12-02T10:00:00-05:00"},
        headers=auth,
    )
    assert moved.status_code == 200
    assert count_rows("webhook_events") == before + 1
    assert count_rows("webhook_deliveries") == before + 1


def test_an_account_without_endpoints_stores_no_events(
    client: TestClient, auth: dict[str, str], count_rows: Callable[[str], int]
) -> None:
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    client.post("/v1/interviews", json=interview_body(candidate["id"]), headers=auth)
    assert count_rows("webhook_events") == 0


def test_a_ping_sent_again_with_its_key_is_replayed(
    client: TestClient, auth: dict[str, str], count_rows: Callable[[str], int]
) -> None:
    made = client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/x"}, headers=auth).json()
    keyed = {**auth, "Idempotency-Key": '"ping-once"'}
    first = client.post(f"/v1/webhooks/{made['id']}/ping", headers=keyed)
    again = client.post(f"/v1/webhooks/{made['id']}/ping", headers=keyed)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert count_rows("webhook_events") == 1


def test_the_key_file_is_made_whole_once(tmp_path: Path) -> None:
    settings = Settings(
        database_url="sqlite://", secret_key_file=str(tmp_path / "k" / "secret.key")
    )
    first = service_key(settings)
    assert service_key(settings) == first
    made = tmp_path / "k" / "secret.key"
    assert made.stat().st_mode & 0o777 == 0o600
    assert [path.name for path in made.parent.iterdir()] == ["secret.key"]
