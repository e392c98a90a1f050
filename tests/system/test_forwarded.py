"""A served app without PUBLIC_BASE_URL hands out feed URLs at the address it was asked at, and
believes X-Forwarded-Proto and -Host from the proxies in FORWARDED_ALLOW_IPS, from no one else."""

from pathlib import Path

import httpx
import pytest

from tests.system.servers import Server, new_api_key

PROXY = "127.0.0.2"  # any loopback address is this machine; only this one is trusted below
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "calendar.example.org"}


def _feed_url(server: Server, auth: dict[str, str], source: str) -> str:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=server.url, transport=transport, timeout=30) as client:
        response = client.post(
            "/v1/candidates",
            json={"name": "Ada Lovelace", "timezone": "America/New_York"},
            headers=auth | FORWARDED,
        )
    assert response.status_code == 201, response.text
    url: str = response.json()["feed"]["https"]
    return url


@pytest.mark.slow
def test_forwarded_headers_count_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'service.db'}"
    server = Server(
        database,
        tmp_path / "server.log",
        HOST="127.0.0.1",
        PUBLIC_BASE_URL="",
        FORWARDED_ALLOW_IPS=PROXY,
    ).start()
    try:
        auth = {"Authorization": f"Bearer {new_api_key(database, 'proxies')}"}
        direct = _feed_url(server, auth, "127.0.0.1")
        assert direct.startswith(f"{server.url}/feeds/"), direct
        assert httpx.get(direct, timeout=30).status_code == 200
        proxied = _feed_url(server, auth, PROXY)
        assert proxied.startswith("https://calendar.example.org/feeds/"), proxied
    finally:
        server.stop()
