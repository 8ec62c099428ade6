"""The package's import graph: one direction, no cycle, no deferred imports of its own modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "polars_norm"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each module's imports of other package modules (every import statement, type-only ones included)."""
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("polars_norm"):
                for target in [node.module, *(f"{node.module}.{a.name}" for a in node.names)]:
                    if target in modules and target not in (name, "polars_norm"):
                        graph[name].add(target)
            elif isinstance(node, ast.Import):
                graph[name].update(a.name for a in node.names if a.name in modules and a.name != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_cycle_detection_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_no_deferred_import_of_package_modules() -> None:
    # an import inside a function hides a cycle; only optional dependencies may be imported late
    late = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(func):
                    if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("polars_norm"):
                        late.append(f"{path.name}:{node.lineno}")
    assert late == []


#: Each subpackage's layer: a module may import only from layers below its own (or its own subpackage).
LAYERS = {
    "_version": 0,
    "semantics": 0,
    "special": 0,
    "kernels": 1,
    "io": 1,
    "columns": 2,
    "vectors": 2,
    "rows": 3,
    "windows": 3,
    "fitted": 4,
    "namespace": 4,
    "batches": 5,
    "cli": 6,
    "ray": 6,
    "polars_norm": 7,
    "__main__": 7,
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{m} -> {t}"
        for m, targets in import_graph().items()
        for t in targets
        if _layer(m) != _layer(t) and LAYERS[_layer(t)] >= LAYERS[_layer(m)]
    ]
    assert upward == []
