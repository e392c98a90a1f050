"""The image, built from the Dockerfile as written and run as the README's container section says:
it serves on the port it is given and reports healthy there, hands out feed URLs that work,
keeps its data in /data across containers, runs unprivileged, and migrates from any directory.

Containers run on the host's network (the engine in CI has no bridge), so each takes a free port
through PORT, which is also how the healthcheck is shown to follow PORT; all traffic is to
127.0.0.1."""

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import EmptyDatabases
from tests.system.containers import (
    IMAGE,
    answers,
    build_arguments,
    curl,
    docker,
    interview_body,
    local_certificate_lines,
    require_engine,
    wait_for,
)
from tests.system.servers import free_port

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Build:
    output: str
    seconds: float


@pytest.fixture(scope="module")
def build() -> Build:
    """`docker build -t interview-followup .`, with the host's network and local certificates."""
    require_engine()
    started = time.monotonic()
    result = docker("build", *build_arguments(), "--tag", IMAGE, ".", timeout=900)
    return Build(result.stdout + result.stderr, time.monotonic() - started)


class Containers:
    """Containers and volumes made by one test, removed at its end."""

    def __init__(self) -> None:
        self.tag = uuid.uuid4().hex[:10]
        self.names: list[str] = []

    def volume(self) -> str:
        return f"followup-test-{self.tag}"

    def serve(self, port: int) -> str:
        """The image's own command on the host's network at `port`, data in the volume; its
        healthcheck as the image defines it, polled every second instead of every 30."""
        name = f"followup-test-{self.tag}-{len(self.names)}"
        self.names.append(name)
        docker(
            *("run", "--detach", "--name", name, "--network", "host", "--env", f"PORT={port}"),
            *("--health-interval", "1s", "--volume", f"{self.volume()}:/data", IMAGE),
        )
        wait_for(
            f"{name} to answer", lambda: answers(f"http://127.0.0.1:{port}/healthz"), timeout=90
        )
        return name

    def remove(self) -> None:
        for name in self.names:
            docker("rm", "--force", "--volumes", name, check=False)
        docker("volume", "rm", "--force", self.volume(), check=False)


def _health(name: str) -> str:
    state = docker("inspect", "--format", "{{json .State.Health}}", name).stdout
    status: str = json.loads(state)["Status"]
    if status == "unhealthy":
        pytest.fail(f"{name} reports unhealthy: {state}")
    return status


@pytest.fixture
def containers() -> Iterator[Containers]:
    made = Containers()
    try:
        yield made
    finally:
        made.remove()


def test_the_build_is_quiet_and_keeps_its_certificates_out_of_the_image(build: Build) -> None:
    # A step served from the cache printed nothing this time; it was checked when it ran, and
    # any change that could make it warn (its line, what it copies, the base) runs it again.
    assert "warning" not in build.output.lower(), build.output
    assert "Successfully tagged interview-followup:latest" in build.output

    history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", IMAGE).stdout
    config = docker("image", "inspect", "--format", "{{json .Config}}", IMAGE).stdout
    assert "EXTRA_CA_CERTS" not in history and "PIP_CERT" not in config
    certificates = local_certificate_lines()
    for line in certificates:
        assert line not in history
    if certificates:
        patterns = [argument for line in certificates for argument in ("-e", line)]
        search = docker(
            *("run", "--rm", "--network", "none", "--user", "root", "--entrypoint", "grep"),
            *(IMAGE, "-rlsF", *patterns, "--exclude-dir=proc", "--exclude-dir=sys", "/"),
            check=False,
            timeout=300,
        )
        assert search.returncode == 1, f"certificates found in the image: {search.stdout}"


def test_the_container_keeps_the_readme_s_promises(build: Build, containers: Containers) -> None:
    port = free_port()
    first = containers.serve(port)
    base = f"http://127.0.0.1:{port}"
    assert curl(f"{base}/healthz")[0] == 200
    assert curl(f"{base}/readyz")[0] == 200
    # The healthcheck follows PORT (this is not 8000) and the server runs unprivileged.
    wait_for(f"{first} to report healthy", lambda: _health(first) == "healthy", timeout=60)
    assert docker("image", "inspect", "--format", "{{.Config.User}}", IMAGE).stdout.strip() == "app"
    status = docker("exec", first, "cat", "/proc/1/status").stdout
    assert "Uid:\t10001\t10001" in status, status

    # The README's create-key, in a container of its own beside the server, on the same volume.
    made = docker(
        *("run", "--rm", "--network", "none", "--volume", f"{containers.volume()}:/data", IMAGE),
        *("python", "-m", "service", "create-key", "my-career-app"),
    )
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("ifk_")
    auth = ["-H", f"Authorization: Bearer {key}", "-H", "Content-Type: application/json"]

    body = json.dumps({"name": "Ada Lovelace", "timezone": "America/New_York"})
    status_code, answer = curl("-X", "POST", f"{base}/v1/candidates", *auth, "-d", body)
    assert status_code == 201, answer
    candidate = json.loads(answer)
    feed = candidate["feed"]
    # Without PUBLIC_BASE_URL, the address this request came to; never 0.0.0.0.
    assert feed["https"].startswith(f"{base}/feeds/"), feed
    assert feed["webcal"] == "webcal://" + feed["https"].removeprefix("http://")

    body = json.dumps(interview_body(candidate["id"]))
    status_code, answer = curl("-X", "POST", f"{base}/v1/interviews", *auth, "-d", body)
    assert status_code == 201, answer
    assert json.loads(answer)["followups"]

    status_code, calendar = curl(feed["https"])
    assert status_code == 200
    assert calendar.startswith("BEGIN:VCALENDAR")
    assert "SUMMARY:Thank-you email to Jane Doe — Acme Corp\\, Sales Manager" in calendar
    status_code, page = curl("-H", "Accept: text/html", feed["page"])
    assert status_code == 200 and f'value="{feed["https"]}"' in page

    # SIGTERM stops it at once; a new container on the same volume serves the same data.
    started = time.monotonic()
    docker("stop", first)
    assert time.monotonic() - started < 8, "the server did not stop on SIGTERM"
    port = free_port()
    second = containers.serve(port)
    base = f"http://127.0.0.1:{port}"
    status_code, answer = curl(f"{base}/v1/candidates/{candidate['id']}", *auth)
    assert status_code == 200 and json.loads(answer)["name"] == "Ada Lovelace"
    # Asked at the address the first one had (its pages' links name that address).
    authority, path = feed["https"].split("/", 3)[2:]
    assert curl("-H", f"Host: {authority}", f"{base}/{path}") == (200, calendar)
    wait_for(f"{second} to report healthy", lambda: _health(second) == "healthy", timeout=60)


def test_migrations_run_from_any_working_directory(
    build: Build, databases: EmptyDatabases, containers: Containers
) -> None:
    if databases.backend == "postgresql":
        # This machine's PostgreSQL, reached from the host's network.
        url = databases.new()
        where = ["--network", "host", "--env", f"DATABASE_URL={url}"]
    else:
        url = ""
        where = ["--network", "none", "--volume", f"{containers.volume()}:/data"]
    for directory in ("/", "/tmp", "/opt/venv/lib"):
        migrated = docker(
            *("run", "--rm", "--workdir", directory, *where, IMAGE),
            *("python", "-m", "service", "migrate"),
        )
        assert "database schema is up to date" in migrated.stdout, migrated.stderr
    if url:
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                versions = connection.execute(text("SELECT version_num FROM alembic_version"))
                assert len(versions.all()) == 1
        finally:
            engine.dispose()
    else:
        found = docker(
            *("run", "--rm", "--network", "none", "--volume", f"{containers.volume()}:/data"),
            *(IMAGE, "python", "-c"),
            "import sqlite3; print(sqlite3.connect('/data/service.db')"
            ".execute('SELECT count(*) FROM alembic_version').fetchone()[0])",
        )
        assert found.stdout.strip() == "1"
