# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Imports inside _policy go one way: no module imports, at any depth or inside a function, one that imports it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

PACKAGE = "ansible_collections.calicolab.ccol1.plugins.module_utils._policy"
HERE = os.path.dirname(os.path.abspath(__file__))
POLICY_DIR = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", "..", "plugins", "module_utils", "_policy"))


def policy_imports(path):
    """The _policy modules one file imports, wherever the import statement stands."""
    with open(path) as stream:
        tree = ast.parse(stream.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == PACKAGE:
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE + "."):
            found.add(node.module[len(PACKAGE) + 1:])
        elif isinstance(node, ast.Import):
            found.update(alias.name[len(PACKAGE) + 1:] for alias in node.names
                         if alias.name.startswith(PACKAGE + "."))
    return found


def import_graph():
    names = [name[:-3] for name in os.listdir(POLICY_DIR) if name.endswith(".py") and name != "__init__.py"]
    return dict((name, policy_imports(os.path.join(POLICY_DIR, name + ".py"))) for name in names)


def find_cycle(graph):
    """One import cycle as a list of module names, or None."""
    state = {}

    def visit(name, path):
        state[name] = "open"
        for target in sorted(graph.get(name, ())):
            if state.get(target) == "open":
                return path[path.index(target):] + [target] if target in path else [name, target]
            if target not in state:
                cycle = visit(target, path + [target])
                if cycle:
                    return cycle
        state[name] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start, [start])
            if cycle:
                return cycle
    return None


def test_the_graph_is_read():
    graph = import_graph()
    assert "engine" in graph["matrix"] and "reachability" in graph["impact"]


def test_no_import_cycle_in_policy():
    assert find_cycle(import_graph()) is None


def test_find_cycle_sees_a_cycle():
    assert find_cycle({"engine": {"matrix"}, "matrix": {"engine"}}) == ["engine", "matrix", "engine"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
