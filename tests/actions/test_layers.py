"""The feed pages keep the layers: their routes and HTML open no transaction and reach no
repository; only their use-case module does, and every module stays small."""

from pathlib import Path

import pytest

ACTIONS = Path(__file__).resolve().parents[2] / "service" / "actions"


@pytest.mark.parametrize("name", ["routes.py", "pages.py", "tokens.py", "paths.py"])
def test_the_edges_open_no_transaction(name: str) -> None:
    source = (ACTIONS / name).read_text(encoding="utf-8")
    for forbidden in (".commit(", ".writing(", ".reading(", "repository"):
        assert forbidden not in source, f"{name} uses {forbidden}"


@pytest.mark.parametrize("path", sorted(ACTIONS.glob("*.py")), ids=lambda p: p.name)
def test_each_module_says_what_it_owns_and_stays_small(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert source.startswith('"""'), path.name
    assert source.count("\n") <= 400, path.name
