"""The package has layers and no import cycle: read from the source with ``ast``, not from a running import.

Every import of a lawbasis module counts, at any depth (an import inside a function runs too, only
later), except those under ``if TYPE_CHECKING:``, which never run. The layers, bottom up:
``core`` (facts, dates, decision), ``engine`` (rule files, compiler, host), ``render``, ``analysis``,
``tables``, ``testing``, ``cli``. ``core`` imports nothing above it, with one exception: ``Decision``'s
``explain()``, ``_repr_html_()`` and ``Finding.to_dict()`` import the renderer when called, and the
renderer imports no lawbasis module when it runs, so that edge closes no cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

import lawbasis

PACKAGE = Path(lawbasis.__file__).resolve().parent


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.AST) -> Iterable[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: at any depth, not in the body of ``if TYPE_CHECKING:``."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)  # an else branch runs
            continue
        stack.extend(ast.iter_child_nodes(node))


def imported_modules(source: str, name: str, is_package: bool, known: set[str]) -> set[str]:
    """The lawbasis modules (among ``known``) that the module ``name`` imports when it runs."""
    out: set[str] = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in _runtime_imports(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                stem = f"{base}.{node.module}" if node.module else base
            else:
                stem = node.module or ""
            # ``from pkg import sub`` imports the module pkg.sub; ``from mod import name`` imports mod
            targets = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in known else stem for alias in node.names]
        for target in targets:
            while target and target not in known:  # ``import a.b.c`` of a name inside a module
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py")) if "rules" not in p.relative_to(root).parts}
    known = set(files)
    return {
        name: imported_modules(path.read_text(encoding="utf-8"), name, path.name == "__init__.py", known) for name, path in files.items()
    }


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle of the graph as ``[a, b, ..., a]``, or None (depth-first search, iterative)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in sorted(graph):
        if state.get(start):
            continue
        path = [start]
        state[start] = 1
        iters = [iter(sorted(graph.get(start, ())))]
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iters.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                iters.append(iter(sorted(graph.get(nxt, ()))))
    return None


# --- the cycle finder and the import reader, on small cases -----------------------------------------------


def test_find_cycle_on_a_planted_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    # the cycle is found wherever the search starts
    assert find_cycle({"a": {"b"}, "b": {"c", "x"}, "c": {"b"}, "x": set()}) == ["b", "c", "b"]


def test_find_cycle_accepts_a_dag() -> None:
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) is None
    assert find_cycle({}) is None


def test_function_level_imports_count_type_checking_ones_do_not() -> None:
    known = {"p", "p.a", "p.b", "p.c", "p.d", "p.sub", "p.sub.e"}
    source = """
from typing import TYPE_CHECKING
import typing
from p.a import thing
if TYPE_CHECKING:
    from p.b import Type
if typing.TYPE_CHECKING:
    import p.b
else:
    import p.d
def f():
    from . import c
    import p.sub.e.name
"""
    assert imported_modules(source, "p.x", False, known) == {"p.a", "p.c", "p.d", "p.sub.e"}
    assert imported_modules("from ..a import y\nfrom .e import z\n", "p.sub.w", False, known) == {"p.a", "p.sub.e"}
    assert imported_modules("from . import e\n", "p.sub", True, known) == {"p.sub.e"}


def test_a_planted_cycle_in_a_package_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "core").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "core" / "__init__.py").write_text("")
    (root / "core" / "one.py").write_text("def f():\n    from pkg.render import g\n")
    (root / "render.py").write_text("from pkg.core.one import f\n")
    graph = import_graph(root)
    assert graph["pkg.render"] == {"pkg.core.one"}
    assert find_cycle(graph) == ["pkg.core.one", "pkg.render", "pkg.core.one"]


# --- lawbasis itself ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_graph_is_read(graph: dict[str, set[str]]) -> None:
    # a few edges known to exist, so an empty graph (nothing parsed) cannot pass the tests below
    assert "lawbasis.core.errors" in graph["lawbasis.core.activity"]
    assert "lawbasis.engine.rulefile" in graph["lawbasis.engine.host"]
    assert "lawbasis.render" in graph["lawbasis.core.decision"]  # the lazy import in Decision.explain
    assert len(graph) >= 30


def test_no_import_cycle(graph: dict[str, set[str]]) -> None:
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_renderer_imports_no_lawbasis_module_when_it_runs(graph: dict[str, set[str]]) -> None:
    assert graph["lawbasis.render"] == set()


#: what each lower layer must not import (at any depth, outside TYPE_CHECKING)
ABOVE = {
    "lawbasis.core": ("lawbasis.engine", "lawbasis.render", "lawbasis.analysis", "lawbasis.tables", "lawbasis.testing", "lawbasis.cli"),
    "lawbasis.engine": ("lawbasis.render", "lawbasis.analysis", "lawbasis.tables", "lawbasis.testing", "lawbasis.cli"),
}
#: the one allowed exception: Decision's rendering methods import the renderer when called
ALLOWED = {("lawbasis.core.decision", "lawbasis.render")}


@pytest.mark.parametrize("layer", sorted(ABOVE))
def test_layers_import_nothing_above_them(graph: dict[str, set[str]], layer: str) -> None:
    def inside(module: str, package: str) -> bool:
        return module == package or module.startswith(package + ".")

    wrong = sorted(
        (module, target)
        for module, targets in graph.items()
        if inside(module, layer)
        for target in targets
        if any(inside(target, above) for above in ABOVE[layer]) and (module, target) not in ALLOWED
    )
    assert wrong == []


def test_the_pytest_plugin_imports_nothing_heavy() -> None:
    """Every pytest run of every project with lawbasis installed loads the plugin (entry point
    pytest11): loading it must not import durable_rules, YAML, JSON Schema or the engine."""
    import subprocess
    import sys

    probe = (
        "import sys, lawbasis.testing.pytest_plugin, lawbasis; "
        "print(sorted(m for m in ('durable', 'durable_rules_engine', 'yaml', 'jsonschema', 'lawbasis.engine.host') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
