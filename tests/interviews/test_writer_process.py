"""Creates stored by the server's writer process: the same answers as in process, errors as
the API gives them, a writer that dies costs only the creates it held, and closing the app
stops it."""

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from service.app import create_app
from service.config import Settings
from service.db.session import Database
from service.http.deps import get_now
from service.interviews.writer import WriterProcess
from tests.builders import candidate_body, contact_body, feed_path, interview_body
from tests.conftest import Clock


@pytest.fixture
def served(settings: Settings, db: Database, clock: Clock) -> Iterator[TestClient]:
    """The app as `serve` runs it: creates go to its writer process."""
    app = create_app(settings.model_copy(update={"writer_process": True}))
    app.dependency_overrides[get_now] = clock
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _writer(client: TestClient) -> Any:
    """The running writer process (a subprocess.Popen)."""
    creates = client.app.state.creates  # type: ignore[attr-defined]
    assert isinstance(creates, WriterProcess)
    deadline = time.monotonic() + 30
    while creates._starting is None or not creates._starting.done():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return creates._starting.result().process


def _candidate(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    response = client.post("/v1/candidates", json=candidate_body(), headers=auth)
    assert response.status_code == 201
    created: dict[str, Any] = response.json()
    return created


def test_a_create_answers_what_a_read_shows_and_stores_it(
    served: TestClient, auth: dict[str, str], count_rows: Callable[[str], int]
) -> None:
    candidate = _candidate(served, auth)
    response = served.post("/v1/interviews", json=interview_body(candidate["id"]), headers=auth)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/v1/interviews/{created['id']}"
    assert created == served.get(response.headers["location"], headers=auth).json()
    assert len(created["followups"]) == count_rows("followups") > 5
    assert count_rows("contacts") == 3
    assert _writer(served).pid != os.getpid()


def test_refusals_come_back_as_the_api_gives_them(
    served: TestClient,
    auth: dict[str, str],
    other_auth: dict[str, str],
    count_rows: Callable[[str], int],
) -> None:
    theirs = _candidate(served, other_auth)
    unknown = served.post("/v1/interviews", json=interview_body(theirs["id"]), headers=auth)
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["detail"] == (
        f"candidate_id {theirs['id']} is not a candidate of this account"
    )
    mine = _candidate(served, auth)
    two_primaries = [contact_body(primary=True), contact_body(name="Raj Patel", primary=True)]
    body = interview_body(mine["id"], contacts=two_primaries)
    broken = served.post("/v1/interviews", json=body, headers=auth)
    assert broken.status_code == 422, broken.text
    assert broken.json()["detail"] == "at most one contact can be the primary contact"
    assert count_rows("interviews") == 0


def test_concurrent_creates_each_land_once(
    served: TestClient, auth: dict[str, str], count_rows: Callable[[str], int]
) -> None:
    candidate = _candidate(served, auth)
    start = threading.Barrier(12)
    answers: list[Any] = []

    def send(n: int) -> None:
        start.wait()
        body = interview_body(candidate["id"], company=f"Company {n}")
        answers.append(served.post("/v1/interviews", json=body, headers=auth))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 12
    assert {a.json()["company"] for a in answers} == {f"Company {n}" for n in range(12)}
    assert count_rows("interviews") == 12


def test_a_retried_key_replays_the_writers_answer(
    served: TestClient, auth: dict[str, str], count_rows: Callable[[str], int]
) -> None:
    candidate = _candidate(served, auth)
    keyed = {**auth, "Idempotency-Key": "create-1"}
    first = served.post("/v1/interviews", json=interview_body(candidate["id"]), headers=keyed)
    again = served.post("/v1/interviews", json=interview_body(candidate["id"]), headers=keyed)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert count_rows("interviews") == 1


def test_a_feed_polled_just_before_shows_the_create_at_once(
    settings: Settings, db: Database, clock: Clock, auth: dict[str, str]
) -> None:
    """The writer's commits count as this process's writes: a feed answered from memory a
    moment ago is asked of the database again."""
    app = create_app(
        settings.model_copy(update={"writer_process": True, "feed_revalidate_seconds": 3600})
    )
    app.dependency_overrides[get_now] = clock
    with TestClient(app) as client:
        candidate = _candidate(client, auth)
        before = client.get(feed_path(candidate))
        assert before.status_code == 200
        assert not Calendar.from_ical(before.content).walk("VEVENT")
        created = client.post("/v1/interviews", json=interview_body(candidate["id"]), headers=auth)
        after = client.get(feed_path(candidate))
        uids = {str(e["UID"]) for e in Calendar.from_ical(after.content).walk("VEVENT")}
        assert f"interview-{created.json()['id']}@" in " ".join(uids)
        assert after.headers["etag"] != before.headers["etag"]


def test_a_writer_that_dies_fails_only_what_it_held_and_is_started_again(
    served: TestClient, auth: dict[str, str], count_rows: Callable[[str], int]
) -> None:
    candidate = _candidate(served, auth)
    body = interview_body(candidate["id"])
    assert served.post("/v1/interviews", json=body, headers=auth).status_code == 201
    writer = _writer(served)
    writer.send_signal(signal.SIGSTOP)  # holds what it is handed, unread
    held: list[Any] = []
    sender = threading.Thread(
        target=lambda: held.append(served.post("/v1/interviews", json=body, headers=auth))
    )
    sender.start()
    time.sleep(0.5)
    assert not held
    writer.kill()
    sender.join(30)
    [lost] = held
    assert lost.status_code == 503
    assert lost.headers["retry-after"] == "5"
    assert lost.json()["title"] == "Service unavailable"
    again = served.post("/v1/interviews", json=body, headers=auth)
    assert again.status_code == 201, again.text
    assert _writer(served).pid != writer.pid
    assert count_rows("interviews") == 2


def test_closing_the_app_stops_its_writer(settings: Settings, db: Database) -> None:
    app = create_app(settings.model_copy(update={"writer_process": True}))
    with TestClient(app) as client:
        writer = _writer(client)
        assert writer.poll() is None
    assert writer.wait(10) == 0
