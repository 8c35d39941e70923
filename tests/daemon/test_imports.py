"""The daemon's import graph: no cycle among its modules, and services that know no HTTP."""

from __future__ import annotations

import grimp
import pytest

DAEMON = "entente_daemon.daemon"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("entente_daemon")


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def test_cycles_finds_a_cycle_and_only_the_modules_in_it() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}}) == []  # a module importing itself is no cycle


def test_no_import_cycle_among_the_daemons_modules(graph: grimp.ImportGraph) -> None:
    modules = {m for m in graph.modules if m == DAEMON or m.startswith(DAEMON + ".")}
    edges = {m: graph.find_modules_directly_imported_by(m) & modules for m in modules}
    assert cycles(edges) == []


def test_services_do_not_import_the_control_api(graph: grimp.ImportGraph) -> None:
    chain = graph.find_shortest_chain(
        importer=f"{DAEMON}.services", imported=f"{DAEMON}.api", as_packages=True
    )
    assert chain is None
