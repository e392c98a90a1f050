"""The direction of dependencies. The import contracts in pyproject.toml (run by `lint-imports`
in `make lint`, and here) say which package may import which; the domain is also held to the
standard library alone, which a contract cannot list, and the use cases to typed inputs."""

import ast
import dataclasses
import importlib
import inspect
import sys
import typing
from collections.abc import Mapping, MutableMapping
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
SERVICE = ROOT / "service"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((SERVICE / "domain").glob("*.py")), ids=lambda p: p.name)
def test_the_domain_imports_only_the_standard_library(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        assert top in sys.stdlib_module_names or name.startswith("service.domain"), (
            f"{path.name} imports {name}"
        )


def test_the_import_contracts_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert lint_imports(no_cache=True, no_logo=True) == 0


def test_no_module_is_over_about_four_hundred_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in SERVICE.rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > 420
    }
    assert not long


USE_CASES = [
    *(f"service.{path.parent.name}.service" for path in sorted(SERVICE.glob("*/service.py"))),
    "service.interviews.contacts",
    "service.interviews.invitation_import",
    "service.interviews.planning",
    "service.followups.outcomes",
    "service.followups.preview",
]


def _untyped(annotation: object) -> bool:
    """A mapping or dict from names to anything (a bag of request fields), however nested."""
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin in (dict, Mapping, MutableMapping) and arguments[1:] == (typing.Any,):
        return True
    return any(_untyped(argument) for argument in arguments if not isinstance(argument, list))


@pytest.mark.parametrize("module_name", USE_CASES)
def test_use_cases_take_typed_inputs(module_name: str) -> None:
    """What routes hand a use case is typed (domain objects, domain.changes, dataclasses), not
    a Mapping[str, Any] whose keys nothing checks."""
    module = importlib.import_module(module_name)
    found = []
    for name, value in vars(module).items():
        if getattr(value, "__module__", None) != module_name:
            continue
        if inspect.isfunction(value) or dataclasses.is_dataclass(value):
            hints = typing.get_type_hints(value)
            found += [f"{name}.{hint}" for hint, kind in hints.items() if _untyped(kind)]
    assert not found
