"""The storage package's modules import each other one way only: no cycle.

Every import counts, wherever it is written: at the top, inside a function, or under
``if TYPE_CHECKING:`` (a cycle hidden in any of them still ties the modules together).
``from geo.db import audit`` is an import of ``geo.db.audit``; the package's own
``__init__`` (which gathers the public names) is left out of the graph.
"""
from __future__ import annotations

import ast
from pathlib import Path

DB = Path(__file__).resolve().parent.parent / "geo" / "db"


def _imports(source: str, modules: set[str]) -> set[str]:
    """The ``modules`` that the Python ``source`` imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found & modules


def import_graph() -> dict[str, set[str]]:
    files = {f"geo.db.{p.stem}": p for p in sorted(DB.glob("*.py")) if p.stem != "__init__"}
    return {name: _imports(path.read_text(encoding="utf-8"), set(files)) - {name}
            for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as the list of its modules (first repeated last), or []."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return []
        for target in sorted(graph[node]):
            cycle = visit(target, [*path, node])
            if cycle:
                return cycle
        done.add(node)
        return []

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return []


def test_find_cycle_sees_a_cycle_through_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_every_kind_of_import_is_seen():
    source = """
from typing import TYPE_CHECKING

import geo.db.a
from geo.db import b as renamed, c
from geo.db.d import something

if TYPE_CHECKING:
    from geo.db.e import Thing


def later():
    from geo.db.f import other
"""
    modules = {f"geo.db.{m}" for m in "abcdefg"}
    assert _imports(source, modules) == modules - {"geo.db.g"}


def test_the_graph_of_geo_db():
    graph = import_graph()
    assert "geo.db.models" in graph["geo.db.stored_frames"]
    assert "geo.db.store" in graph["geo.db.backup"]  # under TYPE_CHECKING


def test_storage_modules_import_each_other_without_a_cycle():
    cycle = find_cycle(import_graph())
    assert not cycle, "geo/db modules import each other in a cycle: " + " -> ".join(cycle)
