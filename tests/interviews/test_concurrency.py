"""Concurrent outcomes and edits on one interview: every change lands, each attempt result finds
its own step, and the stored plan is the one the final state implies."""

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.builders import candidate_body, interview_body
from tests.conftest import Clock


def _together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls on as many threads, released at once; their answers in call order."""
    start = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        start.wait()
        answers[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _plan(followups: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((s["id"], s["key"], s["due_at"], s["status"]) for s in followups)


def test_concurrent_outcomes_and_edits_keep_one_consistent_plan(
    client: TestClient, auth: dict[str, str], clock: Clock, count_rows: Callable[[str], int]
) -> None:
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    interview = client.post(
        "/v1/interviews", json=interview_body(candidate["id"]), headers=auth
    ).json()
    url = f"/v1/interviews/{interview['id']}"
    first_call = next(s for s in interview["followups"] if s["key"] == "follow_up:1")
    clock.now = datetime.fromisoformat(first_call["due_at"]) + timedelta(hours=1)

    def voicemail() -> Any:
        return client.post(f"{url}/outcomes", json={"type": "voicemail"}, headers=auth)

    def edit(n: int) -> Callable[[], Any]:
        return lambda: client.patch(url, json={"notes": f"edit {n}"}, headers=auth)

    answers = _together([voicemail] * 8 + [edit(n) for n in range(4)])
    logged, edits = answers[:8], answers[8:]

    assert all(e.status_code == 200 for e in edits), [e.text for e in edits]
    accepted = [a.json() for a in logged if a.status_code == 201]
    refused = [a for a in logged if a.status_code != 201]
    assert all(r.status_code == 422 for r in refused), [r.text for r in refused]
    # Each voicemail belongs to its own attempt, in order: none lost, none counted twice.
    keys = sorted(a["step_key"] for a in accepted)
    assert keys == [f"follow_up:{n}" for n in range(1, len(accepted) + 1)]
    assert len(accepted) >= 3
    assert count_rows("outcomes") == len(accepted)

    final = client.get(url, headers=auth).json()
    assert final["notes"] in {f"edit {n}" for n in range(4)}
    keys_now = [s["key"] for s in final["followups"]]
    assert len(keys_now) == len(set(keys_now))
    for key in keys:
        assert next(s for s in final["followups"] if s["key"] == key)["status"] == "done"
    # Planning again from the stored state changes nothing: no update was lost on the way.
    again = client.patch(url, json={"notes": "once more"}, headers=auth).json()
    assert _plan(again["followups"]) == _plan(final["followups"])
