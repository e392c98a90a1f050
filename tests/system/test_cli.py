"""The operator's commands, run as a person would run them."""

import subprocess
import sys
import time

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.conftest import EmptyDatabases


def _service(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_create_list_and_revoke_keys(databases: EmptyDatabases) -> None:
    url = databases.new()
    created = _service(url, "create-key", "career-portal")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("ifk_") and " " not in key
    public_id = key.split("_")[1]

    listed = _service(url, "list-keys")
    assert public_id in listed.stdout and "career-portal" in listed.stdout
    assert key.split("_", 2)[2] not in listed.stdout

    from service.app import create_app
    from service.config import Settings

    with TestClient(create_app(Settings(database_url=url))) as client:
        headers = {"Authorization": f"Bearer {key}"}
        assert client.get("/v1/candidates", headers=headers).status_code == httpx.codes.OK
        revoked = _service(url, "revoke-key", key)
        assert revoked.returncode == 0, revoked.stderr
        # A running service trusts a key it checked for API_KEY_TRUST_SECONDS (1 s) more.
        time.sleep(1)
        assert client.get("/v1/candidates", headers=headers).status_code == httpx.codes.UNAUTHORIZED
    assert _service(url, "revoke-key", public_id).returncode == 1
    assert "revoked" in _service(url, "list-keys", "--account", "career-portal").stdout


def test_a_second_key_for_the_same_account_sees_the_same_data(databases: EmptyDatabases) -> None:
    url = databases.new()
    first = _service(url, "create-key", "portal").stdout.splitlines()[-1]
    second = _service(url, "create-key", "portal").stdout.splitlines()[-1]
    assert first != second
    from service.app import create_app
    from service.config import Settings

    with TestClient(create_app(Settings(database_url=url))) as client:
        made = client.post(
            "/v1/candidates",
            json={"name": "Ada", "timezone": "Europe/London"},
            headers={"Authorization": f"Bearer {first}"},
        )
        seen = client.get(
            f"/v1/candidates/{made.json()['id']}", headers={"Authorization": f"Bearer {second}"}
        )
        assert seen.status_code == httpx.codes.OK


def test_an_empty_account_name_is_refused(databases: EmptyDatabases) -> None:
    result = _service(databases.new(), "create-key", "  ")
    assert result.returncode == 2
    assert "ACCOUNT_NAME" in result.stderr


def test_replicas_starting_together_migrate_once(databases: EmptyDatabases) -> None:
    url = databases.new()
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    starting = [
        subprocess.Popen(
            [sys.executable, "-m", "service", "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in starting]
    assert [process.returncode for process in starting] == [0, 0, 0], outputs
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    assert len(versions) == 1
