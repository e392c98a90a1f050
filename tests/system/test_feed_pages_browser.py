"""A feed's pages in a real browser (Debian's headless Chromium, JavaScript off): a step link taken
from the feed, a click on Voicemail, and the retry a week later on the page, in the API and in the
next feed; a GET changes nothing; forged, replayed and read-only POSTs are refused; names render
as text. Screenshots of the step page and the plan page go to build/screenshots/."""

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from icalendar import Calendar
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.builders import candidate_body, contact_body, interview_body
from tests.conftest import EmptyDatabases
from tests.system.servers import ROOT, Server, new_api_key

pytestmark = pytest.mark.slow

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOTS = ROOT / "build" / "screenshots"
HOSTILE = "<script>alert('x')</script> & Sons"


def _browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=420,1400"):
        options.add_argument(argument)  # a phone's width
    options.add_experimental_option(
        "prefs", {"profile.managed_default_content_settings.javascript": 2}
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    return webdriver.Chrome(options=options, service=service)


def _wait_for_notice(browser: webdriver.Chrome) -> str:
    """The notice of the page a form's POST answered, once that page has loaded."""
    try:
        found = WebDriverWait(browser, 15).until(
            expected_conditions.presence_of_element_located((By.ID, "notice"))
        )
    except TimeoutException:
        raise AssertionError(f"no notice after the POST:\n{browser.page_source}") from None
    return str(found.text)


@dataclass
class Setup:
    server: Server
    auth: dict[str, str]
    candidate: dict[str, Any]
    interview: dict[str, Any]
    backend: str


@pytest.fixture
def setup(databases: EmptyDatabases, tmp_path: Path) -> Iterator[Setup]:
    """A server (on the real clock) with a candidate whose interview was eight days ago, with a
    company and an interviewer whose names hold markup."""
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
        starts_at = (datetime.now(UTC) - timedelta(days=8)).isoformat()
        body = interview_body(
            candidate.json()["id"],
            starts_at=starts_at,
            company=HOSTILE,
            contacts=[contact_body(name=f"Jane {HOSTILE}", role="hiring_manager")],
        )
        created = httpx.post(f"{server.url}/v1/interviews", json=body, headers=auth)
        assert created.status_code == 201, created.text
        yield Setup(server, auth, candidate.json(), created.json(), databases.backend)
    finally:
        server.stop()


def _feed(setup: Setup, https: str | None = None) -> Calendar:
    url = https or setup.candidate["feed"]["https"]
    path = "/" + url.split("/", 3)[3]
    return Calendar.from_ical(httpx.get(setup.server.url + path).content)


def _event(calendar: Calendar, uid_start: str) -> Any:
    return next(e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith(uid_start + "@"))


def _local(path: str, setup: Setup) -> str:
    """A page URL the feed gives, on the test server (the feed names the server's own base)."""
    return setup.server.url + "/" + path.split("/", 3)[3]


def _state(setup: Setup) -> tuple[Any, Any]:
    base = f"{setup.server.url}/v1/interviews/{setup.interview['id']}"
    return (
        httpx.get(f"{base}/followups", headers=setup.auth).json(),
        httpx.get(f"{base}/outcomes", headers=setup.auth).json(),
    )


def _moment(rfc3339: str) -> str:
    at = datetime.fromisoformat(rfc3339)
    return f"{at:%a} {at.day} {at:%b} {at.year} at {at:%H:%M}"


def _buttons(browser: webdriver.Chrome) -> list[str]:
    return [b.text for b in browser.find_elements(By.TAG_NAME, "button")]


def _token(browser: webdriver.Chrome, action: str) -> str:
    field = browser.find_element(
        By.XPATH, f"//form[input[@name='action' and @value='{action}']]/input[@name='token']"
    )
    return str(field.get_attribute("value"))


def test_voicemail_from_the_calendar_entry(setup: Setup) -> None:
    interview_id = setup.interview["id"]
    uid = f"{interview_id}-follow_up-1"
    feed = _feed(setup)
    first = _event(feed, uid)
    link = re.search(r"https?://\S+/steps/\d+", str(first["DESCRIPTION"]))
    assert link is not None
    step_url = _local(link.group(0), setup)
    sequence_before = int(str(_event(feed, f"{interview_id}-follow_up-2")["SEQUENCE"]))
    before = _state(setup)

    browser = _browser()
    try:
        browser.get(step_url)
        assert browser.title.startswith("Follow-up call #1")
        assert _buttons(browser)[:4] == ["Done", "Skip", "Snooze 1 day", "Snooze 1 week"]
        assert {"Spoke", "Voicemail", "No answer"} <= set(_buttons(browser))
        # Names are text, never markup: no script element, the name shown as written.
        assert browser.find_elements(By.TAG_NAME, "script") == []
        assert f"Jane {HOSTILE}" in browser.find_element(By.ID, "contact").text
        assert _state(setup) == before  # opening the page changed nothing
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"step-page-{setup.backend}.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
        used = _token(browser, "voicemail")

        browser.find_element(By.XPATH, "//button[text()='Voicemail']").click()
        # The click sends the form; the answer is a new page, which may still be on its way.
        notice = _wait_for_notice(browser)
        steps, outcomes = _state(setup)
        retry = next(s for s in steps if s["key"] == "follow_up:2")
        assert [(o["type"], o["source"]) for o in outcomes] == [("voicemail", "calendar")]
        assert notice.startswith("Logged: voicemail. Next: Follow-up call #2")
        assert notice.endswith(f"on {_moment(retry['due_at'])}.")
        done = next(s for s in steps if s["key"] == "follow_up:1")
        assert done["status"] == "done"
        assert datetime.fromisoformat(retry["due_at"]) >= datetime.fromisoformat(
            done["done_at"]
        ) + timedelta(days=6)
        sequence_after = int(str(_event(_feed(setup), f"{interview_id}-follow_up-2")["SEQUENCE"]))
        assert sequence_after > sequence_before

        # The used form, a forged token and no token change nothing.
        for token in (used, "A" * 43, ""):
            refused = httpx.post(step_url, data={"action": "voicemail", "token": token})
            assert refused.status_code == 403
        assert _state(setup) == (steps, outcomes)

        browser.get(_local(setup.candidate["feed"]["page"], setup) + "/plan")
        assert browser.find_elements(By.CSS_SELECTOR, "a.closed")  # done steps shown as such
        assert "Follow-up call #2" in browser.find_element(By.TAG_NAME, "main").text
        assert browser.find_elements(By.TAG_NAME, "script") == []
        shot = SCREENSHOTS / f"plan-page-{setup.backend}.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
        # Nothing was fetched besides the pages, and nothing was refused by the CSP.
        problems = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[no-untyped-call]
        assert problems == []
    finally:
        browser.quit()


def test_a_read_only_shared_feed_shows_no_buttons_and_refuses_a_post(setup: Setup) -> None:
    shared = httpx.post(
        f"{setup.server.url}/v1/candidates/{setup.candidate['id']}/feeds",
        json={"interview_id": setup.interview["id"]},
        headers=setup.auth,
    ).json()
    assert "/steps/" not in str(_feed(setup, shared["https"]).to_ical())
    step = next(s for s in setup.interview["followups"] if s["key"] == "follow_up:1")
    url = _local(shared["page"], setup) + f"/steps/{step['id']}"
    browser = _browser()
    try:
        browser.get(url)
        assert browser.title.startswith("Follow-up call #1")
        assert _buttons(browser) == []
        assert browser.find_element(By.ID, "read-only").is_displayed()
    finally:
        browser.quit()
    before = _state(setup)
    assert httpx.post(url, data={"action": "done", "token": "A" * 43}).status_code == 403
    assert _state(setup) == before
