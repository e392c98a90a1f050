"""compose.yaml brought up as the README says (`docker compose up --build`, a key made with
`docker compose run`): PostgreSQL, Redis holding the rate-limit counters, migrations run once,
then the app, on the one image built for both; its data survives `down` and `up`.

An override file adds only what this machine needs: the host's network and the locally added
certificates for the build, and the app published on a free port of 127.0.0.1 (with
PUBLIC_BASE_URL to match) rather than on 8000, which another server may hold."""

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.system.containers import (
    ROOT,
    answers,
    build_arguments,
    curl,
    docker,
    interview_body,
    require_engine,
    unavailable,
    wait_for,
)
from tests.system.servers import free_port

pytestmark = pytest.mark.slow


class Project:
    """One compose project: compose.yaml and the override, under a name of its own."""

    def __init__(self, folder: Path) -> None:
        self.name = f"followup-test-{uuid.uuid4().hex[:10]}"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.override = folder / "compose.override.yaml"
        self.override.write_text(self._override(), encoding="utf-8")

    def _override(self) -> str:
        build: dict[str, object] = {"network": "host"}
        arguments = build_arguments()
        if "--build-arg" in arguments:
            name, _, value = arguments[arguments.index("--build-arg") + 1].partition("=")
            build["args"] = {name: value}
        # JSON is YAML; `!override` replaces the published ports instead of adding to them.
        return (
            f"services:\n"
            f"  migrate:\n    build: {json.dumps(build)}\n"
            f"  app:\n"
            f"    ports: !override {json.dumps([f'127.0.0.1:{self.port}:8000'])}\n"
            f"    environment: {json.dumps({'PUBLIC_BASE_URL': self.base})}\n"
        )

    def compose(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """`docker compose ARGS` on this project."""
        files = ["-f", str(ROOT / "compose.yaml"), "-f", str(self.override)]
        return docker("compose", "--project-name", self.name, *files, *args, timeout=timeout)

    def ready(self) -> bool:
        return answers(f"{self.base}/readyz")


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    require_engine()
    if docker("compose", "version", check=False).returncode != 0:
        unavailable("no Docker Compose v2 (`docker compose`)")
    made = Project(tmp_path)
    try:
        yield made
    finally:
        made.compose("down", "--volumes", "--remove-orphans", "--timeout", "10")


def test_compose_runs_the_readme_s_deployment(project: Project) -> None:
    up = project.compose("up", "--build", "--detach", timeout=900)
    built = up.stdout + up.stderr
    assert built.count("Successfully built") == 1, built  # one image, for migrate and app
    wait_for("the app to be ready", project.ready, timeout=120)
    images = docker(
        "inspect", "--format", "{{.Image}} {{.State.ExitCode}}",
        f"{project.name}-migrate-1", f"{project.name}-app-1",
    ).stdout.split()  # fmt: skip
    assert images[0] == images[2] and images[1] == "0", images

    made = project.compose(
        "run", "--rm", "app", "python", "-m", "service", "create-key", "my-career-app"
    )
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("ifk_"), made.stdout + made.stderr
    auth = ["-H", f"Authorization: Bearer {key}", "-H", "Content-Type: application/json"]

    body = json.dumps({"name": "Ada Lovelace", "timezone": "America/New_York"})
    status, answer = curl("-X", "POST", f"{project.base}/v1/candidates", *auth, "-d", body)
    assert status == 201, answer
    candidate = json.loads(answer)
    assert candidate["feed"]["https"].startswith(f"{project.base}/feeds/")
    body = json.dumps(interview_body(candidate["id"]))
    status, answer = curl("-X", "POST", f"{project.base}/v1/interviews", *auth, "-d", body)
    assert status == 201, answer
    status, calendar = curl(candidate["feed"]["https"])
    assert status == 200 and calendar.startswith("BEGIN:VCALENDAR")

    # The rows are in PostgreSQL, the rate-limit counters in Redis.
    stored = project.compose(
        "exec", "-T", "db", "psql", "-U", "followup", "-d", "followup", "-tAc",
        "SELECT name FROM candidates",
    )  # fmt: skip
    assert stored.stdout.strip() == "Ada Lovelace"
    counters = project.compose("exec", "-T", "redis", "redis-cli", "--scan", "--pattern", "LIMITS*")
    assert "LIMITS" in counters.stdout

    # down keeps the database's volume: up again, and everything is there.
    project.compose("down", "--timeout", "10")
    assert not project.ready()
    project.compose("up", "--detach")
    wait_for("the app to be ready again", project.ready, timeout=120)
    status, answer = curl(f"{project.base}/v1/candidates/{candidate['id']}", *auth)
    assert status == 200 and json.loads(answer)["name"] == "Ada Lovelace"
    assert curl(candidate["feed"]["https"]) == (200, calendar)
