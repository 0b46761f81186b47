"""All SQL lives in tanggap.store: the web and the services ask repositories and views by name.

Read with `ast`, not grep: a comment or a string that says "select(" is no query, and an
import inside a function is still an import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "tanggap"
LAYERS = ("web", "services")
# What a session does when it queries; a Starlette request's session is a dict, not one of these.
QUERYING = {"execute", "scalars", "scalar", "get", "query", "add", "add_all", "delete", "merge",
            "refresh", "expunge", "flush", "begin_nested", "get_bind"}


def _modules() -> list[Path]:
    return sorted(path for layer in LAYERS for path in (SOURCE / layer).rglob("*.py"))


def _imports_sql(node: ast.AST) -> str | None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] == "sqlalchemy" or alias.name.startswith("tanggap.store.tables"):
                return f"import {alias.name}"
    if isinstance(node, ast.ImportFrom) and node.module:
        if node.module.split(".")[0] == "sqlalchemy" or node.module.startswith("tanggap.store.tables"):
            return f"from {node.module} import ..."
        if node.module == "tanggap.store" and any(alias.name == "tables" for alias in node.names):
            return "from tanggap.store import tables"
    return None


def _session_call(node: ast.AST) -> str | None:
    """`uow.session.execute(...)`, `session.scalars(...)`: a query written outside the store."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)) or node.func.attr not in QUERYING:
        return None
    owner = node.func.value
    if isinstance(owner, ast.Name) and owner.id == "session":
        return f"session.{node.func.attr}(...)"
    if isinstance(owner, ast.Attribute) and owner.attr == "session" and not (
            isinstance(owner.value, ast.Name) and owner.value.id == "request"):
        return f"….session.{node.func.attr}(...)"
    return None


def offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if what := _imports_sql(node) or _session_call(node):
            found.append(f"{path.relative_to(SOURCE)}:{getattr(node, 'lineno', '?')}: {what}")
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SOURCE)))
def test_web_and_services_hold_no_sql(path):
    assert offences(path) == []


def test_the_check_sees_a_query(tmp_path):
    """The walker itself: each kind of offence is caught, a request's session is not one."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from sqlalchemy import select\n"
        "import sqlalchemy.orm\n"
        "from tanggap.store.tables import cases\n"
        "from tanggap.store import tables\n"
        "def f(uow, request, session):\n"
        "    request.session.get('locale')\n"
        "    uow.session.execute(select(cases))\n"
        "    session.scalars(None)\n"
        "    uow.cases.get('x')\n", encoding="utf-8")
    caught = [what for node in ast.walk(ast.parse(sample.read_text(encoding="utf-8")))
              if (what := _imports_sql(node) or _session_call(node))]
    assert sorted(caught) == sorted([
        "from sqlalchemy import ...", "import sqlalchemy.orm", "from tanggap.store.tables import ...",
        "from tanggap.store import tables", "….session.execute(...)", "session.scalars(...)",
    ])
