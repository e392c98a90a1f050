"""The committed openapi.json is what the app serves; `make openapi` rewrites it."""

import json
from pathlib import Path

from service.app import create_app
from service.config import Settings

SPEC = Path(__file__).resolve().parents[1] / "openapi.json"


def test_committed_spec_matches_the_app() -> None:
    served = create_app(Settings(database_url="sqlite://")).openapi()
    committed = json.loads(SPEC.read_text(encoding="utf-8"))
    assert committed == served, "openapi.json is stale: run `make openapi` and commit it"


def test_every_v1_operation_declares_its_errors_and_needs_the_key() -> None:
    spec = create_app(Settings(database_url="sqlite://")).openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not path.startswith("/v1"):
                continue
            assert {"401", "422", "503"} <= set(operation["responses"]), (method, path)
            assert operation.get("security"), (method, path)
            assert operation["operationId"].replace("_", "").isalpha(), operation["operationId"]
