"""No secret in clear, anywhere the operator can look: a real server at debug level is given API
keys, feed tokens and Idempotency-Keys in every way a client would send them, and then neither its
log nor any column of any table holds one."""

from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect, select, table, text

from service.tokens import digest, split_api_key
from tests.builders import candidate_body
from tests.conftest import EmptyDatabases
from tests.system.servers import Server, new_api_key

pytestmark = pytest.mark.slow


def _everything_stored(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            dump = []
            for name in inspect(connection).get_table_names():
                columns = [c["name"] for c in inspect(connection).get_columns(name)]
                query = select(*(text(f'"{c}"') for c in columns)).select_from(table(name))
                for row in connection.execute(query):
                    for value in row:
                        is_bytes = isinstance(value, bytes | memoryview)
                        dump.append(bytes(value).decode("latin-1") if is_bytes else str(value))
            return "\n".join(dump)
    finally:
        engine.dispose()


def test_keys_and_tokens_never_reach_the_log_or_the_database(
    databases: EmptyDatabases, tmp_path: Path
) -> None:
    url = databases.new()
    server = Server(url, tmp_path / "server.log", LOG_LEVEL="debug", FEED_RATE_LIMIT="3/minute")
    server.start()
    try:
        key = new_api_key(url, "secrets")
        idempotency_key = "idem-7f3a9c2e-secret-enough"
        auth = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=server.url, timeout=30) as client:
            created = client.post(
                "/v1/candidates",
                json=candidate_body(),
                headers={**auth, "Idempotency-Key": idempotency_key},
            ).json()
            replayed = client.post(
                "/v1/candidates",
                json=candidate_body(),
                headers={**auth, "Idempotency-Key": idempotency_key},
            )
            assert replayed.json() == created  # the sealed answer opens with the key
            extra = client.post(f"/v1/candidates/{created['id']}/feeds", headers=auth).json()
            feeds = [created["feed"]["https"], extra["https"]]
            tokens = [f.rsplit("/", 1)[1].removesuffix(".ics") for f in feeds]
            for feed in feeds:
                path = "/" + feed.split("/", 3)[3]
                assert client.get(path).status_code == 200
                assert client.get(path.removesuffix(".ics")).status_code in (200, 404)
                assert client.get(path, params={"alarms": "false"}).status_code == 200
            assert client.get(path).status_code == 429  # over the feed's limit, still unlogged
            wrong = key[:-4] + "abcd"
            assert client.get("/v1/candidates", headers={"Authorization": wrong}).is_client_error
            assert client.get(
                "/v1/candidates", headers={"Authorization": f"Bearer {wrong}"}
            ).is_client_error
            assert client.get(f"/feeds/{tokens[0]}x.ics").status_code == 404
    finally:
        server.stop()

    parts = split_api_key(key)
    assert parts is not None
    secrets = {"API key": key, "its secret part": parts[1], "wrong key": wrong}
    secrets |= {f"feed token {n}": token for n, token in enumerate(tokens)}
    secrets["Idempotency-Key"] = idempotency_key
    log = server.log.read_text()
    assert "GET /feeds/{token}.ics 200" in log  # the log is there, and detailed
    stored = _everything_stored(url)
    assert digest(parts[1]) in stored and len(stored) > 1000  # the dump reaches the key table
    for what, secret in secrets.items():
        assert secret not in log, f"{what} in the server log"
        assert secret not in stored, f"{what} stored in clear"
