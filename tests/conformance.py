"""Runs feeds through the independent iCalendar parsers of the shared conformance kit, once per feed
shape per test run. Where the kit is absent, the caller's test is skipped with a message."""

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_PLACES = [
    os.environ.get("ICS_CONFORMANCE_DIR", ""),
    str(ROOT.parent / "shared" / "conformance"),
    "/work/shared/conformance",
]
_checked: set[str] = set()


def _kit() -> Path | None:
    for place in _PLACES:
        if place and (Path(place) / "check-ics").is_file():
            return Path(place)
    return None


def assert_conformant(body: bytes, shape: str) -> None:
    """`check-ics` (a byte-level lint, python icalendar, ical, vobject, ical.js, libical) passes."""
    if shape in _checked:
        return
    kit = _kit()
    if kit is None:
        pytest.skip("the iCalendar conformance kit (../shared/conformance) is not here")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{shape}.ics"
        path.write_bytes(body)
        result = subprocess.run(
            ["bash", str(kit / "check-ics"), str(path)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert result.returncode == 0, f"{shape} fails conformance:\n{result.stdout}{result.stderr}"
    _checked.add(shape)
