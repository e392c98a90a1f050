"""The direction of dependencies: the domain imports only the standard library, queries live in db/,
and only the use-case layer opens transactions."""

import ast
import sys
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[2] / "service"


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


def test_only_the_db_package_builds_queries() -> None:
    for path in SERVICE.rglob("*.py"):
        if "db" in path.relative_to(SERVICE).parts:
            continue
        source = path.read_text(encoding="utf-8")
        if (path.parent / "repository.py").exists():
            # A product part in the layout of STYLE.md: its repository builds its queries, and
            # its use cases, not its routes or schemas, hold sessions.
            assert "select(" not in source or path.name == "repository.py", path
            assert "sqlalchemy.orm" not in str(_imports(path)) or path.name not in (
                "routes.py",
                "schemas.py",
            ), path
            continue
        assert "select(" not in source, path
        assert "sqlalchemy.orm" not in str(_imports(path)) or path.name == "usecases.py", path


def test_routes_never_open_or_commit_transactions() -> None:
    for path in (SERVICE / "api").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        for forbidden in (".commit(", ".writing(", ".reading(", "repository"):
            assert forbidden not in source, f"{path.name} uses {forbidden}"
