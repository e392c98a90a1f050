"""The subscribe page in a real browser (Debian's headless Chromium through chromedriver): it
renders, its links are right, its copy button works, it fetches nothing, and it still works with
JavaScript off. A screenshot is saved under build/screenshots/."""

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.builders import candidate_body, interview_body
from tests.conftest import EmptyDatabases
from tests.system.servers import ROOT, Server, new_api_key

pytestmark = pytest.mark.slow

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOTS = ROOT / "build" / "screenshots"


def _browser(javascript: bool) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=900,1100"):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    return webdriver.Chrome(options=options, service=service)


@pytest.fixture
def page_url(
    databases: EmptyDatabases, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str], int]]:
    """The subscribe page of a candidate with one interview three days from now (the server
    runs on the real clock), its feed's URLs, and how many follow-ups it has to do."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(
                "Chromium and chromedriver are required (apt-get install chromium chromium-driver)"
            )
        pytest.skip("Chromium and chromedriver are not installed")
    url = databases.new()
    server = Server(url, tmp_path / "server.log").start()
    try:
        auth = {"Authorization": f"Bearer {new_api_key(url, 'browser')}"}
        candidate = httpx.post(f"{server.url}/v1/candidates", json=candidate_body(), headers=auth)
        feed = candidate.json()["feed"]
        starts_at = (datetime.now(UTC) + timedelta(days=3)).isoformat()
        created = httpx.post(
            f"{server.url}/v1/interviews",
            json=interview_body(candidate.json()["id"], starts_at=starts_at),
            headers=auth,
        ).json()
        to_do = sum(step["status"] == "pending" for step in created["followups"])
        yield feed["page"], feed, to_do
    finally:
        server.stop()


def test_the_page_works_in_chromium(
    page_url: tuple[str, dict[str, str], int], databases: EmptyDatabases
) -> None:
    url, feed, to_do = page_url
    assert to_do > 5
    browser = _browser(javascript=True)
    try:
        browser.get(url)
        find = browser.find_element
        assert browser.title == "Interview follow-ups — Ada Lovelace"
        assert f"{to_do} follow-ups to do and 1 interview" in find(By.ID, "holds").text
        assert find(By.ID, "apple").get_attribute("href") == feed["webcal"]
        google = urlsplit(find(By.ID, "google").get_attribute("href") or "")
        assert parse_qs(google.query)["cid"] == [feed["webcal"]]
        outlook = urlsplit(find(By.ID, "outlook").get_attribute("href") or "")
        assert parse_qs(outlook.query)["url"] == [feed["https"]]
        assert find(By.ID, "url").get_attribute("value") == feed["https"]
        copy = find(By.ID, "copy")
        assert copy.is_displayed()  # the script ran: its hash matches the page's CSP
        copy.click()
        assert find(By.ID, "copied").is_displayed()
        # Nothing was fetched besides the page itself, and nothing was refused by the CSP.
        assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
        logged = browser.get_log("browser")  # type: ignore[no-untyped-call]
        problems = [e for e in logged if e["level"] == "SEVERE"]
        assert problems == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"subscribe-page-{databases.backend}.png"
        assert browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
    finally:
        browser.quit()

    plain = _browser(javascript=False)
    try:
        plain.get(url)
        find = plain.find_element
        assert find(By.ID, "url").get_attribute("value") == feed["https"]
        assert find(By.ID, "apple").is_displayed()
        assert not find(By.ID, "copy").is_displayed()  # no script, no dead button
    finally:
        plain.quit()
