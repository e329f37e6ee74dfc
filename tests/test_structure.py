"""The shape of the code: data flows one way between packages, and modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "coralogix_pack"
MAX_LINES = 400


# The layers, lowest first; a module may import from its own layer or a lower one, never a higher
# one. Packages on one line share a layer (they may use each other, never in a cycle).
LAYERS: list[set[str]] = [
    {"core"},  # errors, diagnostics, files and output folders, redaction, resources, network, time
    {"documents"},  # YAML and JSON documents read with locations, checked against schemas
    {"coralogix"},  # the alerts API: facts, body schema, vocabulary, owned fields, ownership labels
    {"lucene"},  # parse, lint, evaluate Coralogix's Lucene
    {"catalog"},  # the detections, validated
    {"values"},  # deployment values, merged; exceptions; environments
    {"rendering", "logs"},  # alert JSON, queries, Terraform; reading exported Activity Logs
    {"offline", "sigma"},  # tests, windows, backtest, reports, coverage; Sigma rules in and out
    {"deploy", "query", "emulator"},  # the account: plan and apply, DataPrime, the local stand-in
    {"library"},  # the public API: the only door
    {"cli", "__main__"},  # the command line
]
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def _unit(module: str) -> str:
    """The package (or top-level module) a dotted module name belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every coralogix_pack module ``path`` imports, at module level or inside a function (only
    imports under ``if TYPE_CHECKING`` are left out: they create no runtime dependency)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("coralogix_pack"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)  # `from pkg import module`
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("coralogix_pack."))
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    return {m for m in found if m in modules and m != "coralogix_pack"}


def _module_graph() -> dict[str, set[str]]:
    return {
        _module_name(p): _imports(p) - {_module_name(p)}
        for p in PACKAGE.rglob("*.py")
        if p != PACKAGE / "__init__.py"  # lazy re-exports of the public API
    }


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, targets in _module_graph().items():
        source = _unit(module)
        for target in {_unit(m) for m in targets} - {source}:
            graph.setdefault(source, set()).add(target)
    return graph


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """``a -> b`` for every import from a lower layer into a higher one."""
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if RANK[_unit(target)] > RANK[_unit(module)]
    )


def mutual_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{a} <-> {b}" for a, targets in graph.items() for b in targets if a < b and a in graph.get(b, ())
    )


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


def test_every_package_has_a_layer_and_a_purpose():
    units = {_unit(m) for m in _module_graph()}
    assert units - set(RANK) == set(), "add new packages to LAYERS"
    for package in (p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
        assert docstring, f"{package.name}/__init__.py needs a one-line purpose"


def test_no_module_imports_from_a_higher_layer():
    assert upward_imports(_module_graph()) == []


def test_no_two_modules_import_each_other():
    assert mutual_imports(_module_graph()) == []


def test_the_package_root_holds_only_the_entry_points():
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py", "library.py"]


def test_the_layer_checks_can_fail():
    graph = {
        "coralogix_pack.core.files": {"coralogix_pack.deploy.plan"},
        "coralogix_pack.offline.backtest": {"coralogix_pack.offline.parallel"},
        "coralogix_pack.offline.parallel": {"coralogix_pack.offline.backtest"},
    }
    assert upward_imports(graph) == ["coralogix_pack.core.files -> coralogix_pack.deploy.plan"]
    assert mutual_imports(graph) == ["coralogix_pack.offline.backtest <-> coralogix_pack.offline.parallel"]


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
