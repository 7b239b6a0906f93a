# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The state a lab step leaves, as reachability changes (_lab/steps.py), and the policy lab's data predicted
offline: every flow outcome of roles/lab_policy as the course promises it, on a fresh cluster (the first run) and
on one that already holds the whole lab (a second run), from the rehearsal's workloads snapshot."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.calicolab.ccol1.plugins.module_utils._lab import steps
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico import resource
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import reachability

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))
WORKLOADS = os.path.join(ROOT, "tests", "rehearsal", "lab_workloads.yml")
POLICY_VARS = os.path.join(ROOT, "roles", "lab_policy", "vars", "main.yml")

GNP = {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "deny"},
       "spec": {"selector": "all()", "types": ["Ingress"]}}
LAB = {
    "name": "lab_test",
    "steps": [
        {"name": "one", "apply": [{"definition": GNP}]},
        {"name": "two", "patch": [{"apiVersion": "v1", "kind": "ServiceAccount", "name": "customer",
                                   "namespace": "yaobank", "metadata": {"labels": {"egress": "yes"}}}]},
        {"name": "three", "remove": [{"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy",
                                      "name": "deny"}]},
    ],
    "reset": {"patch": [{"apiVersion": "v1", "kind": "ServiceAccount", "name": "customer", "namespace": "yaobank",
                         "metadata": {"labels": {"egress": None}}}]},
}


def policy_lab():
    with open(POLICY_VARS) as stream:
        data = yaml.safe_load(stream)
    # the one template in the data: the namespace selector the role defines beside the lab
    text = yaml.safe_dump(data["lab_policy_lab"]).replace("'{{ lab_policy_namespace_selector }}'",
                                                          "'%s'" % data["lab_policy_namespace_selector"].strip())
    return yaml.safe_load(text)


def test_the_first_step_has_the_object_and_no_patch_beyond_the_reset():
    assert steps.step_changes(LAB, "one") == [
        {"state": "present", "definition": GNP},
        {"state": "patched", "definition": {"apiVersion": "v1", "kind": "ServiceAccount",
                                            "metadata": {"name": "customer", "namespace": "yaobank",
                                                         "labels": {"egress": None}}}}]


def test_a_later_step_patches_after_the_reset_and_removes_what_it_removed():
    changes = steps.step_changes(LAB, "three")
    deny = {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "deny"}}
    assert changes[0] == {"state": "absent", "definition": deny}
    labels = [change["definition"]["metadata"]["labels"] for change in changes[1:]]
    assert labels == [{"egress": None}, {"egress": "yes"}]


def test_an_unknown_step_names_the_steps():
    with pytest.raises(steps.LabDataError, match="lab lab_test has no step 'four' .steps: one, two, three."):
        steps.step_changes(LAB, "four")


def test_merge_patch_changes_follow_rfc_7386():
    account = {"apiVersion": "v1", "kind": "ServiceAccount",
               "metadata": {"name": "customer", "namespace": "yaobank", "labels": {"app": "yaobank", "egress": "yes"}}}
    patched = reachability.apply_changes([account], steps.step_changes(LAB, "one")[1:])
    assert patched[0]["metadata"]["labels"] == {"app": "yaobank"}
    assert resource.merge_patch({"a": {"b": 1, "c": 2}}, {"a": {"b": None, "d": [1]}}) == {"a": {"c": 2, "d": [1]}}


def lab_objects(lab):
    """Every object the lab applies (its final state, as a second run finds the cluster), plus its patches."""
    return steps.step_changes(lab, lab["steps"][-1]["name"])


@pytest.mark.parametrize("second_run", [False, True], ids=["first run", "second run"])
def test_every_flow_of_the_policy_lab_is_predicted_as_the_course_promises(second_run):
    lab = policy_lab()
    live = reachability.load_snapshot(WORKLOADS)
    if second_run:
        live = reachability.apply_changes(live, lab_objects(lab))
    wrong = []
    for step in lab["steps"]:
        flows = [outcome for outcome in step.get("outcomes") or [] if outcome["kind"] == "flow"]
        if not flows:
            continue
        snapshot = reachability.build_snapshot(reachability.apply_changes(live, steps.step_changes(lab, step["name"])))
        for outcome in flows:
            flow = dict((key, outcome[key]) for key in ("src", "dst", "protocol", "port", "icmp") if key in outcome)
            row = reachability.evaluate_flows(snapshot, [flow])[0]
            if row["allowed"] != outcome["expected"]:
                wrong.append("%s: %s: predicted %s\n%s"
                             % (step["name"], outcome["description"], row["allowed"], row["explanation"]))
    assert not wrong, "\n".join(wrong)


def test_the_policy_lab_states_every_outcome_of_the_course():
    lab = policy_lab()
    names = [step["name"] for step in lab["steps"]]
    assert names == ["compromise", "database-policy", "default-app-policy", "default-app-policy-dns",
                     "customer-summary-policies", "egress-lockdown", "customer-internet-egress"]
    flows = [o for step in lab["steps"] for o in step.get("outcomes") or [] if o["kind"] == "flow"]
    assert len(flows) == 16
    assert all(o.get("internet") for o in flows if o["dst"] == {"ip": "8.8.8.8"})


def test_a_later_version_of_an_object_is_found_only_after_the_step():
    lab = policy_lab()
    step3 = lab["steps"][2]["apply"][0]["definition"]
    later = steps.later_definition(lab, "default-app-policy", step3)
    assert later == lab["steps"][3]["apply"][0]["definition"]
    assert steps.later_definition(lab, "default-app-policy-dns", later) is None
    assert steps.later_definition(lab, None, step3) is None


FELIX = {"apiVersion": "projectcalico.org/v3", "kind": "FelixConfiguration", "name": "default"}
TOGGLE_LAB = {
    "name": "lab_toggle",
    "steps": [
        {"name": "on", "patch": [dict(FELIX, spec={"wireguardEnabled": True})]},
        {"name": "dsr", "patch": [dict(FELIX, spec={"bpfExternalServiceMode": "DSR", "logSeverityScreen": "Info"})]},
        {"name": "off", "patch": [dict(FELIX, spec={"wireguardEnabled": False, "logSeverityScreen": None})]},
    ],
}


def test_composed_merge_patches_have_the_effect_of_applying_them_in_turn():
    live = {"spec": {"wireguardEnabled": False, "bpfEnabled": True, "logSeverityScreen": "Warning"}}
    patches = [step["patch"][0] for step in TOGGLE_LAB["steps"]]
    one_by_one = live
    composed = {}
    for patch in patches:
        one_by_one = resource.merge_patch(one_by_one, {"spec": patch["spec"]})
        composed = steps.compose_merge_patches(composed, {"spec": patch["spec"]})
    assert resource.merge_patch(live, composed) == one_by_one
    assert composed == {"spec": {"wireguardEnabled": False, "bpfExternalServiceMode": "DSR",
                                 "logSeverityScreen": None}}


def test_the_final_state_of_a_toggling_lab_is_one_patch_that_ends_where_the_lab_ends():
    final = steps.final_state(TOGGLE_LAB)
    assert final["apply"] == [] and final["remove"] == []
    assert final["patch"] == [dict(FELIX, spec={"wireguardEnabled": False, "bpfExternalServiceMode": "DSR",
                                                "logSeverityScreen": None})]


def test_the_final_state_keeps_the_last_definitions_and_drops_what_the_lab_removed():
    final = steps.final_state(LAB)
    assert final["apply"] == []
    assert final["remove"] == [{"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "name": "deny"}]
    assert final["patch"] == [{"apiVersion": "v1", "kind": "ServiceAccount", "name": "customer",
                               "namespace": "yaobank", "metadata": {"labels": {"egress": "yes"}}}]


def test_the_final_state_of_the_policy_lab_applies_each_policy_once_in_its_last_version():
    lab = policy_lab()
    final = steps.final_state(lab)
    applied = [steps.definition_key(item["definition"]) for item in final["apply"]]
    assert len(applied) == len(set(applied))
    for item in final["apply"]:
        key = steps.definition_key(item["definition"])
        last = [a["definition"] for s in lab["steps"] for a in s.get("apply") or []
                if steps.definition_key(a["definition"]) == key][-1]
        assert item["definition"] == last


def test_the_final_state_folds_a_later_patch_into_the_applied_definition():
    bgp = {"apiVersion": "projectcalico.org/v3", "kind": "BGPConfiguration", "metadata": {"name": "default"},
           "spec": {"serviceClusterIPs": [{"cidr": "198.19.32.0/20"}]}}
    lab = {"name": "lab_adv", "steps": [
        {"name": "cluster-ips", "apply": [{"definition": bgp}]},
        {"name": "external-ips", "patch": [{"apiVersion": "projectcalico.org/v3", "kind": "BGPConfiguration",
                                            "name": "default",
                                            "spec": {"serviceExternalIPs": [{"cidr": "198.19.48.0/20"}]}}]}]}
    final = steps.final_state(lab)
    assert final["patch"] == [] and final["remove"] == []
    assert final["apply"] == [{"definition": {
        "apiVersion": "projectcalico.org/v3", "kind": "BGPConfiguration", "metadata": {"name": "default"},
        "spec": {"serviceClusterIPs": [{"cidr": "198.19.32.0/20"}], "serviceExternalIPs": [{"cidr": "198.19.48.0/20"}]}}}]


def test_step_flows_keep_what_the_engine_reads_and_drop_what_only_the_report_reads():
    step = {"name": "s", "outcomes": [
        {"description": "d", "kind": "flow", "src": {"ip": "198.19.15.254"}, "dst": {"host": "control"},
         "protocol": "TCP", "port": 21, "expected": False, "probe": {"tool": "nc"}, "retries": 3, "delay": 2},
        {"description": "c", "kind": "check", "run": {"command": "true"}, "that": "true", "expected": True}]}
    assert steps.step_flows(step) == [{"src": {"ip": "198.19.15.254"}, "dst": {"host": "control"},
                                       "protocol": "TCP", "port": 21}]
