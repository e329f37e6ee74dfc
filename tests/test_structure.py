"""The shape of the code: data flows one way between packages, and modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "coralogix_pack"
MAX_LINES = 400


def _unit(module: str) -> str:
    """The package (or top-level module) a dotted module name belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []  # typing-only imports create no runtime dependency
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("coralogix_pack."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("coralogix_pack."))
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "__init__.py":  # lazy re-exports of the public API
            continue
        module = ".".join(path.relative_to(REPO).with_suffix("").parts)
        source = _unit(module)
        for target in {_unit(m) for m in _imports(path)} - {source}:
            graph.setdefault(source, set()).add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_between_packages():
    assert _cycle(_graph()) is None, " -> ".join(_cycle(_graph()) or [])


def test_the_cycle_check_can_fail():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_module_over_400_lines():
    sizes = {str(p.relative_to(REPO)): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {p: n for p, n in sizes.items() if n > MAX_LINES} == {}


def test_the_library_layer_is_not_imported_by_the_pipeline():
    graph = _graph()
    users = sorted(source for source, targets in graph.items() if {"library", "cli"} & targets)
    assert set(users) <= {"cli", "library", "__main__"}, users


def _diagnostic_calls() -> list[tuple[str, int, str | None]]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Diagnostic":
                codes = [k.value for k in node.keywords if k.arg == "code"]
                code = codes[0].value if codes and isinstance(codes[0], ast.Constant) else None
                found.append((str(path.relative_to(REPO)), node.lineno, code))
    return found


def test_every_diagnostic_has_a_documented_code():
    import re

    documented = set(re.findall(r"^\| (CXP\d{3}) \|", (REPO / "docs" / "diagnostics.md").read_text(), re.M))
    calls = _diagnostic_calls()
    assert len(calls) > 40
    assert [c for c in calls if c[2] is None and not c[0].endswith("schema_check.py")] == []
    used = {c[2] for c in calls if c[2]}
    source = (PACKAGE / "documents" / "schema_check.py").read_text()
    used |= set(re.findall(r'"(CXP\d{3})"', source))
    assert used - documented == set(), "codes missing from docs/diagnostics.md"
