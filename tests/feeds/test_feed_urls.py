"""Where the feed URLs handed out point: PUBLIC_BASE_URL when set, else the address each request
came to, with X-Forwarded-Proto and -Host believed only from the proxies in FORWARDED_ALLOW_IPS."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.config import Settings
from service.db.session import Database
from tests.builders import candidate_body

# What the image sets: the server listens on every interface and no public address is given.
CONTAINER = {"host": "0.0.0.0", "port": 8000, "public_base_url": ""}
PROXIED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "calendar.example.org"}

ClientFor = Callable[..., TestClient]


@pytest.fixture
def client_for(migrated_url: str, db: Database) -> Iterator[ClientFor]:
    """A client of an app made with these settings, on the test's database."""
    with ExitStack() as clients:

        def make(**settings: Any) -> TestClient:
            app = create_app(Settings(database_url=migrated_url, writer_process=False, **settings))
            return clients.enter_context(TestClient(app, raise_server_exceptions=False))

        yield make


def _feed(client: TestClient, auth: dict[str, str], **headers: str) -> dict[str, str]:
    response = client.post("/v1/candidates", json=candidate_body(), headers=auth | headers)
    assert response.status_code == 201, response.text
    feed: dict[str, str] = response.json()["feed"]
    return feed


def test_without_a_public_address_the_urls_name_the_host_the_request_came_to(
    client_for: ClientFor, auth: dict[str, str]
) -> None:
    client = client_for(**CONTAINER)
    feed = _feed(client, auth, Host="followups.example.net:8080")
    token = feed["page"].rsplit("/", 1)[1]
    assert feed == {
        "https": f"http://followups.example.net:8080/feeds/{token}.ics",
        "webcal": f"webcal://followups.example.net:8080/feeds/{token}.ics",
        "page": f"http://followups.example.net:8080/feeds/{token}",
    }
    assert "0.0.0.0" not in str(feed)
    assert client.get(f"/feeds/{token}.ics").status_code == 200


def test_the_subscribe_page_links_the_address_it_was_opened_at(
    client_for: ClientFor, auth: dict[str, str]
) -> None:
    client = client_for(**CONTAINER)
    token = _feed(client, auth)["page"].rsplit("/", 1)[1]
    page = client.get(f"/feeds/{token}", headers={"Host": "127.0.0.1:8001"}).text
    assert f'value="http://127.0.0.1:8001/feeds/{token}.ics"' in page
    assert "0.0.0.0" not in page


def test_a_public_address_wins_over_the_request(
    client_for: ClientFor, auth: dict[str, str]
) -> None:
    client = client_for(**CONTAINER | {"public_base_url": "https://cal.example.org/followups/"})
    feed = _feed(client, auth, Host="10.1.2.3:8000", **PROXIED)
    assert feed["https"].startswith("https://cal.example.org/followups/feeds/")
    assert feed["webcal"].startswith("webcal://cal.example.org/followups/feeds/")


def test_forwarded_scheme_and_host_are_believed_from_a_trusted_proxy_only(
    client_for: ClientFor, auth: dict[str, str]
) -> None:
    # The test client's peer is named "testclient"; uvicorn's setting takes names as well.
    untrusted = _feed(client_for(**CONTAINER), auth, Host="10.1.2.3:8000", **PROXIED)
    assert untrusted["https"].startswith("http://10.1.2.3:8000/feeds/")

    behind_proxy = client_for(**CONTAINER | {"forwarded_allow_ips": "testclient"})
    trusted = _feed(behind_proxy, auth, Host="10.1.2.3:8000", **PROXIED)
    assert trusted["https"].startswith("https://calendar.example.org/feeds/")
    assert trusted["webcal"].startswith("webcal://calendar.example.org/feeds/")
    # Each proxy on the way appends its own: the nearest one's value counts.
    chained = _feed(
        behind_proxy,
        auth,
        **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example, calendar.example.org"},
    )
    assert chained["https"].startswith("https://calendar.example.org/feeds/")
