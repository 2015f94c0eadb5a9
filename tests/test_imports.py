"""The package's import graph: folders in pipeline order, no circles, nothing importing upward.

Each part of the package (a folder, or a module at the root) has a place in :data:`ORDER`; a module may import only
from its own part or from parts earlier in the list, and no set of modules imports itself round a circle. Imports
under ``if TYPE_CHECKING:`` never run and are not edges (a template's model names its rules' type that way).
"""

from __future__ import annotations

import ast
from pathlib import Path

import xltemplates

PACKAGE = Path(xltemplates.__file__).parent

#: The pipeline, bottom up: what a part may import comes before it.
ORDER = [
    "",  # xltemplates/__init__.py: the version
    "errors", "limits", "excel", "fsutil", "a1", "csv_out", "processes",
    "trust", "findings", "grammar", "form", "shape", "layout", "cellmap", "parsed", "rules", "catalogue",
    "schema", "unit_files", "reader", "infer", "writer", "issuing", "checking", "round", "web", "cli",
]
#: Upward imports still to be removed, each with the issue that removes it. Keep this empty.
KNOWN_UPWARD: set[tuple[str, str]] = set()


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement except those under ``if TYPE_CHECKING:``."""
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for body in node.body for n in ast.walk(body)}
    return [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom) and id(n) not in skip]


def import_graph() -> dict[str, set[str]]:
    files = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for mod, path in files.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        edges: set[str] = set()
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name in files}
                continue
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            subs = {f"{base}.{a.name}" for a in node.names} & files.keys()
            edges |= subs or ({base} & files.keys())
        graph[mod] = edges - {mod}
    return graph


def part(mod: str) -> str:
    rest = mod.split(".")[1:]
    return rest[0] if rest else ""


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                scc = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    scc.append(w)
                    if w == v:
                        break
                if len(scc) > 1:
                    found.append(sorted(scc))
    return found


def test_import_graph__every_part__has_a_place_in_the_pipeline() -> None:
    assert {part(m) for m in import_graph()} <= set(ORDER)


def test_import_graph__modules__never_import_round_a_circle() -> None:
    assert cycles(import_graph()) == []


def test_import_graph__parts__import_only_from_parts_below_them() -> None:
    rank = {p: i for i, p in enumerate(ORDER)}
    upward = {(m, t) for m, ts in import_graph().items() for t in ts if rank[part(t)] > rank[part(m)]}
    assert upward == KNOWN_UPWARD


def test_cycles__a_circle_of_three__is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
