# -*- coding: utf-8 -*-
# Copyright (c) calicolab.ccol1 contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The one strict value parser: addresses as Go's net.ParseIP/ParseCIDR take them, Go durations, Kubernetes port
names, AS numbers; and the import direction api <- values <- felix_settings <- validate (no cycle)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico import values
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.api import at_least, release, release_text


@pytest.mark.parametrize("text,expected", [
    ("198.19.0.1", (4, "198.19.0.1")),
    ("0.0.0.0", (4, "0.0.0.0")),
    ("FD00::1", (6, "fd00::1")),
    ("::1.2.3.4", (6, "::102:304")),
    ("010.0.0.1", None),          # Go refuses leading zeros
    ("10.1", None),               # and short forms
    ("167772161", None),
    (" 10.0.0.1", None),          # and white space
    ("fe80::1%eth0", None),       # and zones
    ("::ffff:10.0.0.1", None),    # Calico would take it as IPv4
    ("10.0.0.0/8", None),
    ("", None),
    (None, None),
    (17, None),
])
def test_parse_ip(text, expected):
    assert values.parse_ip(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("10.0.0.0/8", (4, 8, "10.0.0.0/8", "10.0.0.0/8")),
    ("10.0.0.1/8", (4, 8, "10.0.0.0/8", "10.0.0.1/8")),
    ("FD00::/64", (6, 64, "fd00::/64", "fd00::/64")),
    ("0.0.0.0/0", (4, 0, "0.0.0.0/0", "0.0.0.0/0")),
    ("10.0.0.0/33", None),
    ("10.0.0.0/255.0.0.0", None),
    ("10.0.0.0", None),
    ("10.0.0.0/8 ", None),
    ("10.0.0.0/-1", None),
    ("10.0.0.0//8", None),
])
def test_parse_network(text, expected):
    assert values.parse_network(text) == expected


def test_ip_network_returns_standard_library_objects():
    network, address = values.ip_network("10.0.0.1/8")
    assert str(network) == "10.0.0.0/8" and str(address) == "10.0.0.1"
    assert values.ip_address("fd00::1").version == 6
    assert values.ip_network("10.0.0.1") is None
    assert str(values.ip_network("10.0.0.1", allow_bare_ip=True)[0]) == "10.0.0.1/32"
    assert str(values.ip_network("fd00::1", allow_bare_ip=True)[0]) == "fd00::1/128"
    assert values.ip_network("010.0.0.1", allow_bare_ip=True) is None


@pytest.mark.parametrize("value,strict,bare,fragment", [
    ("10.0.0.0/8", True, False, None),
    ("10.0.0.1", True, True, None),
    ("10.0.0.1/8", True, True, "10.0.0.0/8"),
    ("10.0.0.1/8", False, False, None),
    ("10.0.0.1", True, False, "prefix length"),
    ("x", True, True, "single IP address"),
])
def test_cidr_problem(value, strict, bare, fragment):
    problem = values.cidr_problem(value, "p", strict=strict, allow_bare_ip=bare)
    if fragment is None:
        assert problem is None
    else:
        assert problem.startswith("p is ") and fragment in problem


@pytest.mark.parametrize("value,go,crd", [
    ("0", True, True),
    ("0s", True, True),
    ("90s", True, True),
    ("1h30m", True, True),
    ("1500ms", True, True),
    ("1.5s", True, False),
    (".5s", True, False),
    ("500us", True, False),
    (u"500\u00b5s", True, False),
    ("10ns", True, False),
    ("10", False, False),
    ("10 s", False, False),
    ("-1s", False, False),
    ("", False, False),
    (30, False, False),
])
def test_durations(value, go, crd):
    assert values.go_duration_ok(value) is go
    assert values.crd_duration_ok(value) is crd


@pytest.mark.parametrize("name,ok", [
    ("http", True),
    ("http-alt", True),
    ("h2", True),
    ("a" * 15, True),
    ("a" * 16, False),
    ("HTTP", False),
    ("http_alt", False),
    ("http.alt", False),
    ("8080", False),
    ("30000-32767", False),
    ("-http", False),
    ("http-", False),
    ("a--b", False),
    ("", False),
    (None, False),
])
def test_port_name_is_kubernetes_is_valid_port_name(name, ok):
    assert values.port_name_ok(name) is ok


@pytest.mark.parametrize("value,number", [
    (64512, 64512), ("64512", 64512), ("1.10", 65546), ("0.0", 0), ("65535.65535", 4294967295),
    ("1.65536", None), (4294967296, None), (-1, None), ("AS1", None), (True, None),
])
def test_as_numbers(value, number):
    assert values.as_number_value(value) == number


def test_release_helpers():
    assert release(None) == (3, 32) and release((3, 21, 6)) == (3, 21)
    assert at_least((3, 31), (3, 31)) and not at_least((3, 21), (3, 23)) and at_least(None, (3, 32))
    assert release_text((3, 21)) == "v3.21"


def _imports(module):
    path = os.path.join(os.path.dirname(values.__file__), module + ".py")
    with open(path) as handle:
        tree = ast.parse(handle.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and "._calico." in node.module:
            found.add(node.module.rsplit(".", 1)[1])
    return found


def test_imports_go_one_way():
    # validate -> felix_settings -> values -> selector; api is imported by all and imports none of them.
    assert _imports("api") == set()
    assert _imports("values") == set(["selector"])
    assert _imports("felix_settings") == set(["api", "values"])
    assert "validate" not in _imports("selector")
    assert _imports("validate") == set(["api", "felix_settings", "values"])
