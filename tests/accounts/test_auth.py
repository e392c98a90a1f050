"""Every /v1 call needs a valid, unrevoked API key; failures are 401 problems."""

import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from service.accounts import service as accounts_service
from service.app import create_app
from service.config import Settings
from service.db.session import Database


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer ifk_nope_nope",
        "Bearer not-a-key",
        "Bearer ifk_" + "a" * 500,
    ],
)
def test_requests_without_a_valid_key_get_401(
    client: TestClient, api_key: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/v1/candidates", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["status"] == 401


def test_a_key_with_the_right_id_but_wrong_secret_is_refused(
    client: TestClient, api_key: str
) -> None:
    forged = api_key[: api_key.rindex("_") + 1] + "x" * 43
    assert (
        client.get("/v1/candidates", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )


def test_a_valid_key_is_accepted_and_a_revoked_one_is_not(
    settings: Settings, db: Database, api_key: str, auth: dict[str, str]
) -> None:
    always_asks = create_app(settings.model_copy(update={"api_key_trust_seconds": 0}))
    with TestClient(always_asks) as client:
        assert client.get("/v1/candidates", headers=auth).status_code == 200
        public_id = api_key.split("_")[1]
        assert accounts_service.revoke_key(db, public_id, datetime.now(UTC))
        assert client.get("/v1/candidates", headers=auth).status_code == 401
        assert not accounts_service.revoke_key(db, public_id, datetime.now(UTC))


def test_a_revoked_key_stops_working_once_its_trust_runs_out(
    settings: Settings, db: Database, api_key: str, auth: dict[str, str]
) -> None:
    app = create_app(settings.model_copy(update={"api_key_trust_seconds": 0.5}))
    with TestClient(app) as client:
        assert client.get("/v1/candidates", headers=auth).status_code == 200
        assert accounts_service.revoke_key(db, api_key.split("_")[1], datetime.now(UTC))
        checked = time.monotonic()
        # Within the trust window the process still takes the key it checked…
        still = client.get("/v1/candidates", headers=auth).status_code
        if time.monotonic() - checked < 0.5:
            assert still == 200
        time.sleep(0.5)
        # …and after it, asks the database again.
        assert client.get("/v1/candidates", headers=auth).status_code == 401
        assert client.post("/v1/candidates", headers=auth, json={"name": "A"}).status_code == 401


def test_only_keys_that_passed_are_trusted(
    settings: Settings, db: Database, api_key: str, auth: dict[str, str]
) -> None:
    forged = {"Authorization": f"Bearer {api_key[: api_key.rindex('_') + 1]}{'x' * 43}"}
    app = create_app(settings.model_copy(update={"api_key_trust_seconds": 60}))
    with TestClient(app) as client:
        assert client.get("/v1/candidates", headers=forged).status_code == 401
        assert client.get("/v1/candidates", headers=auth).status_code == 200
        assert client.get("/v1/candidates", headers=forged).status_code == 401


def test_the_key_is_stored_only_as_a_hash(db: Database, api_key: str) -> None:
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT public_id, secret_hash FROM api_keys").all()
    secret = api_key.split("_", 2)[2]
    assert len(rows) == 1
    assert secret not in rows[0].secret_hash and api_key not in rows[0].secret_hash


def test_health_probes_need_no_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
