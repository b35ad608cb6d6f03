"""The package's import graph stays a one-way street.

Read from the installed package with ``ast`` (CI tests the wheel; the library is ``trustsource``,
its command line ``trustsource.cli``), counting every import: at module level and inside
functions, relative and absolute. Imports under ``if TYPE_CHECKING:`` are for annotations only and
never run, so they do not count. Three checks:

* no cycle between modules (a cycle is what function-level imports were once used to dodge);
* inside the library, no absolute ``trustsource.`` import: relative imports let any tool that reads
  the source tree (where the folder is not named ``trustsource``) see the structure;
* inside the library, no function-level import of a library module (a hidden arrow); function-level
  imports stay only for heavy or optional third-party libraries, so start-up stays light.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import trustsource
import trustsource.cli

PACKAGE = Path(trustsource.__file__).parent
# Installed, the command line is trustsource/cli; from an editable install it is its own folder.
CLI = Path(trustsource.cli.__file__).parent


def _modules() -> dict[str, Path]:
    out = {}
    for root, name in ((PACKAGE, "trustsource"), (CLI, "trustsource.cli")):
        for path in root.rglob("*.py"):
            if root == PACKAGE and path.is_relative_to(CLI):
                continue
            parts = [name, *path.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(sub) for sub in ast.walk(node))
    return skip


def _imports(name: str, path: Path) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, str]]:
    """(node, inside a function, absolute target module) for every import that runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    in_function: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_function.update(id(sub) for sub in ast.walk(node) if sub is not node)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # `from . import x` may name a module
                sub = f"{target}.{alias.name}"
                yield node, id(node) in in_function, sub if sub in MODULES else target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node, id(node) in in_function, alias.name


def _graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for name, path in MODULES.items():
        for _node, _local, target in _imports(name, path):
            if target in MODULES and target != name:
                edges[name].add(target)
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[v] = min(low[v], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _library() -> dict[str, Path]:
    """The library's modules: not the two applications on it, the CLI and the workbench (its
    app.py is run by path by ``streamlit run``, where only absolute imports work)."""
    apps = ("trustsource.cli.", "trustsource.ui.")
    return {m: p for m, p in MODULES.items() if not (m + ".").startswith(apps)}


def test_the_graph_sees_the_package() -> None:
    edges = _graph()
    assert "trustsource.instance.instance" in edges["trustsource.instance.load"]
    assert "trustsource.model.build" in MODULES
    assert "trustsource.cli.main" in MODULES
    assert sum(len(v) for v in edges.values()) > 150  # the check reads real edges


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle() -> None:
    cycles = _cycles(_graph())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_library_imports_are_relative() -> None:
    absolute = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for name, path in _library().items()
        for node, _local, _target in _imports(name, path)
        if isinstance(node, ast.ImportFrom)
        and not node.level
        and (node.module or "") == "trustsource"
        or isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("trustsource.")
        or isinstance(node, ast.Import)
        and any(a.name.startswith("trustsource") for a in node.names)
    ]
    assert not absolute, f"absolute trustsource imports inside the library: {absolute}"


def test_no_function_level_import_of_the_library() -> None:
    hidden = sorted(
        {
            f"{path.relative_to(PACKAGE).as_posix()} -> {target}"
            for name, path in _library().items()
            for _node, local, target in _imports(name, path)
            if local and target.startswith("trustsource")
        }
    )
    assert not hidden, f"function-level imports of library modules: {hidden}"
