"""The config reader's modules import one another without a circle: every import, at module level
or inside a function, points down a graph (the readers → ``schema`` → ``model``)."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter

from tools.harness import ROOT

PACKAGE = ROOT / "stack_config"


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        name = path.stem
        deps = graph.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1 and node.module:  # from .eks import ...
                    deps.add(node.module.split(".")[0])
                elif node.level == 1:  # from . import schema
                    deps.update(alias.name for alias in node.names)
                elif node.module and node.module.startswith("stack_config."):
                    deps.add(node.module.split(".")[1])
    return graph


def test_the_config_reader_has_no_import_circle():
    graph = _graph()
    assert {"schema", "model", "eks", "front_door", "workload", "cost"} <= set(graph)
    try:
        order = list(TopologicalSorter({k: v - {k} for k, v in graph.items()}).static_order())
    except CycleError as err:
        raise AssertionError(f"stack_config imports in a circle: {' → '.join(err.args[1])}") from None
    assert order.index("model") < order.index("schema") < order.index("eks")


def test_a_circle_would_be_found():
    """The check itself: a function-level import back up the graph is an edge too."""
    graph = _graph()
    graph["model"] = graph["model"] | {"eks"}
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError:
        return
    raise AssertionError("a circle through model → eks went unnoticed")
