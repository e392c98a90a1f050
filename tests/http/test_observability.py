"""What operators see: Prometheus metrics by route template, request ids, and redacted logs."""

import json
import logging
import re

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from service.logs import RedactedJson, RequestId, redact, request_id
from tests.builders import candidate_body, feed_path, interview_body


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_by_route_template_and_domain_events(
    client: TestClient, auth: dict[str, str]
) -> None:
    before = _samples(client)
    candidate = client.post("/v1/candidates", json=candidate_body(), headers=auth).json()
    interview = client.post(
        "/v1/interviews", json=interview_body(candidate["id"]), headers=auth
    ).json()
    client.post(f"/v1/interviews/{interview['id']}/outcomes", json={"type": "offer"}, headers=auth)
    path = feed_path(candidate)
    for _ in range(2):
        assert client.get(path).status_code == 200
    client.get("/feeds/" + "Z" * 32 + ".ics")
    client.get("/no/such/" + "Q" * 40)
    after = _samples(client)
    text = client.get("/metrics").text

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    feed = {"method": "GET", "route": "/feeds/{token}.ics"}
    assert delta("http_requests_total", **feed, status="200") == 2
    assert delta("http_requests_total", **feed, status="404") == 1
    assert delta("http_request_duration_seconds_count", **feed) == 3
    assert delta("http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    assert delta("http_requests_total", method="POST", route="/v1/candidates", status="201") == 1
    assert delta("interviews_created_total", source="api") == 1
    assert delta("outcomes_logged_total", type="offer") == 1
    token = path.removeprefix("/feeds/").removesuffix(".ics")
    assert token not in text and "Z" * 32 not in text and "Q" * 40 not in text
    assert "process_cpu_seconds_total" in text or "python_info" in text


def test_every_answer_carries_a_request_id(client: TestClient) -> None:
    made = client.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/healthz").headers["x-request-id"] != made
    given = client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"})
    assert given.headers["x-request-id"] == "lb-1234.abc"
    odd = client.get("/healthz", headers={"X-Request-ID": "<script>" + "x" * 100})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])


def test_secrets_are_redacted_from_log_lines() -> None:
    key = "ifk_a1b2c3d4e5f6_s3cr3t-Part_with_underscores"
    line = redact(
        f"Authorization: Bearer {key} for GET /feeds/AbCdEfGhIjKlMnOpQrStUvWx.ics and {key}"
    )
    assert "s3cr3t" not in line and "AbCdEfGhIjKlMnOpQrStUvWx" not in line
    assert "ifk_a1b2c3d4e5f6_[redacted]" in line
    assert "/feeds/[redacted].ics" in line
    assert "Bearer [redacted]" in line
    assert redact("GET /feeds/{token}.ics 200") == "GET /feeds/{token}.ics 200"


def test_json_lines_carry_the_request_id_and_no_secret() -> None:
    formatter = RedactedJson(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"levelname": "level", "name": "logger"},
    )
    record = logging.LogRecord(
        "service.x", logging.WARNING, __file__, 1, "key %s refused", ("ifk_ab_cdefgh",), None
    )
    reset = request_id.set("req-42")
    try:
        RequestId().filter(record)
    finally:
        request_id.reset(reset)
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "req-42"
    assert line["level"] == "WARNING" and line["logger"] == "service.x"
    assert line["message"] == "key ifk_ab_[redacted] refused"
