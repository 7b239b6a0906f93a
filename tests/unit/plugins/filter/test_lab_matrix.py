# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The lab_matrix_parties filter: the lab runner's way to the parties of a lab's matrix."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.calicolab.ccol1.plugins.filter.lab_matrix import FilterModule

LAB = {"name": "lab_nodeport", "steps": [{"name": "allow", "outcomes": [
    {"kind": "flow", "src": {"ip": "198.19.15.254"}, "dst": {"nodeport": {"node": "control", "port": 30180}},
     "protocol": "TCP", "port": 30180, "expected": True},
    {"kind": "flow", "src": {"host": "node1"}, "dst": {"nodeport": {"node": "control", "port": 30180}},
     "protocol": "TCP", "port": 30180, "expected": False}]}]}


def parties(*args):
    return FilterModule().filters()["lab_matrix_parties"](*args)


def test_the_filter_gives_the_matrix_calico_reachability_takes():
    assert parties(LAB, {"host1": "198.19.15.254", "node1": "198.19.0.2"}) == {
        "sources": [{"ip": "198.19.15.254", "label": "host1 (198.19.15.254)"}, {"host": "node1"}],
        "destinations": [{"nodeport": {"node": "control", "port": 30180}, "protocol": "TCP", "port": 30180}]}


@pytest.mark.parametrize("lab, names, fragment", [
    ({"name": "x"}, None, "lab_matrix_parties: lab: {'name': 'x'} (allowed: a lab with a steps list"),
    (LAB, ["host1"], "lab_matrix_parties: names must map a name to an address, got ['host1']"),
])
def test_bad_input_is_a_filter_error_naming_what_is_allowed(lab, names, fragment):
    with pytest.raises(AnsibleFilterError) as caught:
        parties(lab, names)
    assert fragment in str(caught.value)
