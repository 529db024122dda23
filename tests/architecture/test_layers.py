"""The layers contract (pyproject.toml, ``[tool.importlinter]``) covers every module.

``lint-imports`` checks that no module imports from a layer above its own; a module in no
layer would escape that check, so a new app or a new module of a split package
(``rapport.inboxes``, ``rapport.realtime``, ``rapport.customers``...) must be placed in the
contract first.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
# Packages whose children sit in different layers; their own __init__ holds no code.
SPLIT_PACKAGES = {
    "rapport",
    "rapport.customers",
    "rapport.inboxes",
    "rapport.realtime",
    "rapport.search",
}


def layer_modules() -> list[str]:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "layers"]
    modules = []
    for layer in contract["layers"]:
        for name in layer.replace("|", ":").split(":"):
            modules.append(name.strip().strip("()"))
    return modules


def in_layer(module: str, layers: list[str]) -> bool:
    return any(module == layer or module.startswith(f"{layer}.") for layer in layers)


def test_every_module_is_in_one_layer():
    layers = layer_modules()
    graph = grimp.build_graph("rapport")

    unplaced = graph.modules - SPLIT_PACKAGES
    outside = sorted(m for m in unplaced if not in_layer(m, layers))

    assert outside == [], f"put these modules in a layer of pyproject.toml: {outside}"


def test_split_packages_hold_no_imports():
    graph = grimp.build_graph("rapport")

    importing = {p: graph.find_modules_directly_imported_by(p) for p in SPLIT_PACKAGES}

    assert {p: sorted(m) for p, m in importing.items() if m} == {}


def test_no_layer_is_listed_twice():
    layers = layer_modules()

    assert len(layers) == len(set(layers))


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that import each other through some chain (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = [stack.pop()]
            while group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles():
    """Function-local imports count: one that only hides a cycle is still a cycle. Imports
    under ``TYPE_CHECKING`` do not (they never run)."""
    graph = grimp.build_graph("rapport", exclude_type_checking_imports=True)

    assert cycles(graph) == []
