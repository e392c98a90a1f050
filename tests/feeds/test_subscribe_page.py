"""The subscribe page, as served: what it says, where its links go, and how it guards the URL."""

from html import unescape
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.builders import candidate_body, interview_body

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def created(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    candidate: dict[str, Any] = client.post(
        "/v1/candidates", json=candidate_body(), headers=auth
    ).json()
    client.post("/v1/interviews", json=interview_body(candidate["id"]), headers=auth)
    return candidate


def _path(url: str) -> str:
    return urlsplit(url).path


def _href(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    href = page.index('href="', start) + len('href="')
    return unescape(page[href : page.index('"', href)])


def test_the_page_names_the_calendar_and_links_each_app(
    client: TestClient, created: dict[str, Any]
) -> None:
    feed = created["feed"]
    assert feed["page"] + ".ics" == feed["https"]
    response = client.get(_path(feed["page"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert "<h1>Interview follow-ups — Ada Lovelace</h1>" in page
    assert "11 follow-ups to do and 1 interview" in page
    google = urlsplit(_href(page, "google"))
    assert google.netloc == "calendar.google.com"
    assert unquote(parse_qs(google.query)["cid"][0]) == feed["webcal"]
    for anchor, host in (("outlook", "outlook.live.com"), ("outlook-work", "outlook.office.com")):
        outlook = urlsplit(_href(page, anchor))
        assert outlook.netloc == host
        query = parse_qs(outlook.query)
        assert query["url"] == [feed["https"]]
        assert query["name"] == ["Interview follow-ups — Ada Lovelace"]
    assert _href(page, "apple") == feed["webcal"]
    assert f'value="{feed["https"]}"' in page
    for app, refresh in (("Google", "12 to 24 hours"), ("Outlook", "3 hours"), ("Apple", "hour")):
        assert app in page and refresh in page


def test_a_browser_opening_the_feed_gets_the_page_and_calendar_apps_the_feed(
    client: TestClient, created: dict[str, Any]
) -> None:
    path = _path(created["feed"]["https"])
    assert client.get(path, headers=BROWSER).headers["content-type"].startswith("text/html")
    for accept in ("text/calendar", "*/*", "text/calendar, text/html"):
        answer = client.get(path, headers={"Accept": accept})
        assert answer.headers["content-type"] == "text/calendar; charset=utf-8", accept
    assert client.get(path).headers["content-type"].startswith("text/calendar")


def test_the_page_loads_nothing_from_elsewhere_and_leaks_no_referrer(
    client: TestClient, created: dict[str, Any]
) -> None:
    response = client.get(_path(created["feed"]["page"]))
    headers = response.headers
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "private, no-store"
    csp = headers["content-security-policy"]
    assert csp.startswith("default-src 'none'")
    assert "'unsafe-inline'" not in csp and "http" not in csp
    page = response.text
    assert '<meta name="referrer" content="no-referrer">' in page
    assert "<script src" not in page and "<link" not in page and "<img" not in page
    assert "@import" not in page and "url(" not in page


def test_an_unknown_or_revoked_page_is_the_same_404_as_any_other(
    client: TestClient, auth: dict[str, str], created: dict[str, Any]
) -> None:
    nowhere = client.get("/no/such/page")
    unknown = client.get("/feeds/" + "A" * 32)
    assert unknown.status_code == nowhere.status_code == 404
    assert unknown.content == nowhere.content
    feeds = client.get(f"/v1/candidates/{created['id']}/feeds", headers=auth).json()
    client.delete(f"/v1/candidates/{created['id']}/feeds/{feeds[0]['id']}", headers=auth)
    revoked = client.get(_path(created["feed"]["page"]))
    assert revoked.status_code == 404 and revoked.content == nowhere.content
