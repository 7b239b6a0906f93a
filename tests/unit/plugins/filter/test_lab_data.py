# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The lab data filters: each hands the lab to module_utils/_lab/steps and turns bad input into a filter error."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.calicolab.ccol1.plugins.filter import lab_data

FELIX = {"apiVersion": "projectcalico.org/v3", "kind": "FelixConfiguration", "name": "default"}
LAB = {
    "name": "lab_test",
    "steps": [{"name": "one", "patch": [dict(FELIX, spec={"wireguardEnabled": True})]}],
    "reset": {"patch": [dict(FELIX, spec={"wireguardEnabled": False})]},
}


def test_every_filter_is_registered():
    assert sorted(lab_data.FilterModule().filters()) == sorted([
        "lab_step_changes", "lab_later_definition", "lab_final_state", "lab_reset_changes", "lab_step_flows"])


@pytest.mark.parametrize("name, args", [
    ("lab_step_changes", ("one",)), ("lab_later_definition", ("one", {})), ("lab_final_state", ()),
    ("lab_reset_changes", ())])
def test_a_lab_that_is_not_a_dict_names_the_filter(name, args):
    with pytest.raises(AnsibleFilterError, match="^%s expects a lab \\(a dict with steps\\), got \\['x'\\]$" % name):
        lab_data.FilterModule().filters()[name](["x"], *args)


def test_an_unknown_step_is_a_filter_error_naming_the_filter_and_the_steps():
    with pytest.raises(AnsibleFilterError, match="^lab_step_changes: lab lab_test has no step 'two' \\(steps: one\\)$"):
        lab_data.lab_step_changes(LAB, "two")


def test_the_filters_return_what_the_steps_module_computes():
    assert lab_data.lab_final_state(LAB)["patch"] == [LAB["steps"][0]["patch"][0]]
    assert lab_data.lab_reset_changes(LAB) == [{"state": "patched", "definition": {
        "apiVersion": "projectcalico.org/v3", "kind": "FelixConfiguration", "metadata": {"name": "default"},
        "spec": {"wireguardEnabled": False}}}]


def test_a_step_that_is_not_a_dict_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="^lab_step_flows expects a lab step"):
        lab_data.lab_step_flows("one")
