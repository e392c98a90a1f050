"""The README's promises, kept by a real server started with `make run`: every `sh` example runs as
written (only the port differs), and the container runs the same command.

The examples are dated March 2027, and what they print (late or not, due when) depends on the
server's clock, so their server runs under libfaketime (Debian's `faketime`) with its clock
started at EXAMPLES_NOW: the test gives the same answers whatever day it runs."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service.config import Settings
from tests.conftest import EmptyDatabases

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES_NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _examples() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)


@pytest.fixture
def server(databases: EmptyDatabases, tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    """`make run` on a free port and a fresh database, its clock set to EXAMPLES_NOW; stopped
    with SIGTERM afterwards."""
    faketime = shutil.which("faketime")
    if faketime is None:
        if os.environ.get("REQUIRE_FAKETIME") == "1":
            pytest.fail("faketime is required (apt-get install faketime)")
        pytest.skip("faketime is not installed: the README's examples need their date")
    url, port = databases.new(), _free_port()
    # The webhook example's receiver listens on this machine, as the README says to try it.
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port)}
    env["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = "true"
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [faketime, f"{EXAMPLES_NOW:%Y-%m-%d %H:%M:%S} UTC", "make", "-s", "run"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make run did not come up:\n{log.read_text()}")
            time.sleep(0.2)
        served_at = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).headers["date"]
        assert EXAMPLES_NOW <= parsedate_to_datetime(served_at) < EXAMPLES_NOW + timedelta(hours=1)
        yield url, port, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_the_readme_curl_flow_works_as_written(
    server: tuple[str, int, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    url, port, log = server
    tmp_path = tmp_path_factory.mktemp("readme")
    examples = _examples()
    assert len(examples) >= 9
    script = "\n".join(examples).replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    candidate = json.loads((tmp_path / "candidate.json").read_text())
    interview = json.loads((tmp_path / "interview.json").read_text())
    assert candidate["feed"]["webcal"].startswith("webcal://")
    assert [c["name"] for c in interview["contacts"]] == ["Jane Doe", "Raj Patel", "Sam Lee"]
    out = result.stdout
    assert "2027-03-03T10:00:00-05:00 to 2027-03-03T11:00:00-05:00" in out
    assert "2027-03-02T17:00:00-05:00  pending  Thank-you email to Jane Doe" in out
    # Decision date Fri 12 Mar: the first call waits for Mon 15 Mar, after DST has started.
    assert "follow_up:1  done  2027-03-15T10:00:00-04:00" in out
    assert "follow_up:2  pending  2027-03-22T10:00:00-04:00" in out
    assert '"state": "closed"' in out
    assert '"pending"' not in out.rsplit('"state": "closed"', 1)[1]
    assert '"status": 422' in out
    assert "salary: is not a known field" in out
    assert "2027-04-19T10:00:00+02:00  Follow-up email #1 to Marie Curie — Globex, Analyst" in out
    assert "2027-05-18T10:00:00+02:00  Follow-up email #5" in out  # Whit Monday is a holiday

    # The feed: named, done and cancelled steps marked, a 304 when unchanged, and a revoked
    # interview feed gone.
    assert "X-WR-CALNAME:Interview follow-ups — Ada Lovelace" in out
    assert "SUMMARY:Done: Thank-you email to Jane Doe" in out
    assert "SUMMARY:Cancelled: Thank-you email to Raj Patel" in out
    assert "\n304\n" in out
    assert "revoked feed: 404" in out
    # The invitation: its zone, the meeting link, and its people without the candidate.
    assert '"starts_at": "2027-03-09T15:00:00Z"' in out
    assert '"timezone": "Europe/London"' in out
    assert '"format": "video"' in out
    assert '"Samir Nagheenanajar (hr)"' in out
    assert '"Joanna Ortiz (interviewer)"' in out
    assert "Ada Lovelace (" not in out
    # Its cancellation: the plan is closed, every step cancelled.
    assert '"cadence": "closed",\n  "steps": [\n    "cancelled"\n  ]' in out
    # The subscribe page names the calendar and what it holds.
    assert "<h1>Interview follow-ups — Ada Lovelace</h1>" in out
    assert re.search(r"holds \d+ follow-ups to do", out)
    # Metrics: counters by route template and the domain's own.
    assert 'interviews_created_total{source="api"} ' in out
    assert 'outcomes_logged_total{type="' in out
    assert 'http_requests_total{method="GET",route="/feeds/{token}.ics",status="200"}' in out
    # A retried create: the same answer twice, the second marked as a replay.
    first, second = re.findall(r"HTTP/1.1 201 Created\nlocation: (\S+)\n", out)
    assert first == second
    assert out.count("idempotent-replayed: true") == 1
    # A webhook registered, pinged, and the attempt in its delivery log.
    assert '"url": "http://127.0.0.1:8765/hooks"' in out
    assert re.search(r"^ping: (succeeded|pending)$", out, flags=re.MULTILINE)

    # The access log names the route, never the secret in the path.
    token = candidate["feed"]["https"].rsplit("/", 1)[1].removesuffix(".ics")
    server_log = log.read_text()
    assert "GET /feeds/{token}.ics 200" in server_log
    assert "GET /feeds/{token}.ics 304" in server_log
    assert token not in server_log

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM interviews")).scalar_one() == 2
            assert connection.execute(text("SELECT count(*) FROM contacts")).scalar_one() == 5
    finally:
        engine.dispose()


def test_the_container_runs_what_make_run_runs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    command = json.loads(re.findall(r"^CMD (.*)$", dockerfile, flags=re.MULTILINE)[-1])
    assert command == ["python", "-m", "service", "serve"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "-m service serve" in run_recipe
    assert "python -m service serve" in README
    assert re.search(r"^USER (?!root)\w+", dockerfile, flags=re.MULTILINE)
    for path in re.findall(r"^COPY (?!--from)(\S+) ", dockerfile, flags=re.MULTILINE):
        assert (ROOT / path).exists(), path


def test_compose_runs_the_deployment_the_readme_describes() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    app, migrate = services["app"], services["migrate"]
    assert app["command"] == ["python", "-m", "service", "serve"]
    assert migrate["command"] == ["python", "-m", "service", "migrate"]
    # One image, built for migrate; the app runs it and never pulls it.
    assert migrate["build"] == "." and "build" not in app
    assert app["image"] == migrate["image"] == "interview-followup"
    assert app["pull_policy"] == "never"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    for service in (app, migrate):
        settings = service["environment"]
        database = make_url(settings["DATABASE_URL"])
        assert database.drivername == "postgresql+psycopg" and database.host == "db"
        assert database.username == services["db"]["environment"]["POSTGRES_USER"]
        assert database.database == services["db"]["environment"]["POSTGRES_DB"]
        assert settings["RATE_LIMIT_STORAGE"].startswith("redis://redis:")
        Settings(**{name.lower(): value for name, value in settings.items()})  # all understood
    assert app["ports"] == ["127.0.0.1:8000:8000"]
    assert "docker compose up" in README and "RATE_LIMIT_STORAGE=redis://" in README
