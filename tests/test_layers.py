"""The house's floors (README, "How it works"): the import graph of k2chat has no circle, lazy or
not, the import-linter contracts in pyproject.toml hold, and a function-level import is there
only for start-up speed and says so."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

import k2chat

PACKAGE = Path(k2chat.__file__).parent
ROOT = PACKAGE.parents[1]


def circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every strongly connected set of two or more modules (a module importing itself too)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # Tarjan, iterative (no recursion limit to meet)
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    imported = sorted(graph.find_modules_directly_imported_by(child))
                    work.append((child, iter(imported)))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph.find_modules_directly_imported_by(node):
                    found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # every import counts: at module level, inside functions, and under TYPE_CHECKING
    return grimp.build_graph("k2chat", cache_dir=None)


def test_the_package_has_no_import_circle(graph: grimp.ImportGraph) -> None:
    """No set of k2chat modules imports itself round, however the imports are placed."""
    assert circles(graph) == []


def test_a_circle_is_found_when_one_is_added() -> None:
    """The check above can fail: the package's own graph with one upward import added (the
    index building a missing index through ingest, as it once did) has a circle."""
    graph = grimp.build_graph("k2chat", cache_dir=None)
    assert "k2chat.store.index" in graph.find_modules_directly_imported_by("k2chat.store.build")
    graph.add_import(importer="k2chat.store.index", imported="k2chat.store.build")
    assert any({"k2chat.store.index", "k2chat.store.build"} <= set(c) for c in circles(graph))


def test_the_import_contracts_hold() -> None:
    """The layers contracts of pyproject.toml ([tool.importlinter]), as `make lint` checks them
    (in a process of its own: import-linter configures logging)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert {c["type"] for c in config["tool"]["importlinter"]["contracts"]} == {"layers"}
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def _lazy_imports() -> list[tuple[str, int, str]]:
    """(file, line, module) of each k2chat import made inside a function."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for top in ast.walk(tree):
            if not isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(top):
                if (isinstance(node, ast.ImportFrom) and not node.level and node.module
                        and node.module.split(".")[0] == "k2chat"):
                    out.append((str(path.relative_to(PACKAGE)), node.lineno, node.module))
    return sorted(set(out))


def test_a_function_level_import_says_it_is_for_start_up_speed() -> None:
    """An import placed inside a function is there to keep start-up fast, never to hide a
    circle, and says so: in a comment just above it, or in its module's docstring."""
    unexplained = []
    for name, line, module in _lazy_imports():
        path = PACKAGE / name
        lines = path.read_text(encoding="utf-8").splitlines()
        doc = ast.get_docstring(ast.parse("\n".join(lines))) or ""
        above = " ".join(lines[max(0, line - 4):line - 1])
        if "start-up" not in doc.lower() and "start-up" not in above.lower():
            unexplained.append(f"{name}:{line} imports {module}")
    assert unexplained == []
