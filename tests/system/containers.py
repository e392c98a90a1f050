"""The container engine the image and compose tests run on: the `docker` command and the engine it
answers to (DOCKER_HOST, else the default socket). Where none answers the tests are skipped, and
fail instead with REQUIRE_CONTAINERS=1, as in CI, where .ci/engine starts Debian's."""

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "interview-followup"  # the README's name for it
REQUIRED = os.environ.get("REQUIRE_CONTAINERS") == "1"
# The certificates this machine's administrator added to its trust store (Debian's place for
# them): a build behind a TLS-inspecting proxy must trust them too.
LOCAL_CERTIFICATES = Path("/usr/local/share/ca-certificates")


def interview_body(candidate_id: int) -> dict[str, object]:
    """An interview a week from now: the server runs on the real clock, and its feeds hold the
    last 90 days and what is ahead."""
    starts_at = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    return {
        "candidate_id": candidate_id,
        "company": "Acme Corp",
        "role": "Sales Manager",
        "starts_at": starts_at.isoformat(),
        "format": "in_person",
        "process": "standard",
        "contacts": [{"name": "Jane Doe", "role": "hiring_manager", "email": "jane@acme.example"}],
    }


def unavailable(reason: str) -> None:
    """Skip the test, or fail it where the engine is required."""
    if REQUIRED:
        pytest.fail(f"a container engine is required (REQUIRE_CONTAINERS=1): {reason}")
    pytest.skip(reason)


def docker(
    *args: str, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Runs `docker ARGS` and returns what it printed; a failure shows both streams."""
    command = shutil.which("docker")
    if command is None:
        unavailable("no docker command")
        raise AssertionError  # not reached: unavailable() skips or fails
    result = subprocess.run(
        [command, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"docker {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result


def require_engine() -> None:
    """Skips (or fails) unless an engine answers."""
    if shutil.which("docker") is None:
        unavailable("no docker command")
    try:
        answer = docker("version", "--format", "{{.Server.Version}}", timeout=20, check=False)
    except subprocess.TimeoutExpired:
        unavailable("the container engine did not answer within 20 s")
        return
    if answer.returncode != 0:
        unavailable(f"no container engine answers: {answer.stderr.strip()}")


def build_arguments() -> list[str]:
    """What `docker build` needs on top of the README's command on this kind of machine: the
    host's network (the engine may have no bridge) and the locally added certificates."""
    arguments = ["--network", "host"]
    certificates = "".join(
        path.read_text(encoding="ascii") for path in sorted(LOCAL_CERTIFICATES.glob("*.crt"))
    )
    if certificates:
        arguments += ["--build-arg", f"EXTRA_CA_CERTS={certificates}"]
    return arguments


def local_certificate_lines() -> list[str]:
    """A line of base64 from the middle of each locally added certificate, to look for."""
    lines = []
    for path in sorted(LOCAL_CERTIFICATES.glob("*.crt")):
        body = [
            line for line in path.read_text(encoding="ascii").splitlines() if "-----" not in line
        ]
        if body:
            lines.append(body[len(body) // 2])
    return lines


def curl(*args: str) -> tuple[int, str]:
    """curl ARGS: the status and the body."""
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "30", "--write-out", "\n%{http_code}", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    body, _, status = result.stdout.rpartition("\n")
    return int(status), body


def answers(url: str) -> bool:
    """Whether `url` answers with a success."""
    probe = subprocess.run(
        ["curl", "-sf", "--max-time", "2", url], capture_output=True, check=False
    )
    return probe.returncode == 0


def wait_for(what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    """Polls `check` until it holds; fails naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.25)
