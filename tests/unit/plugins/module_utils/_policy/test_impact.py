# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Policy impact preview (_policy/impact.py) on the course lab snapshot.

The lab snapshot and the course steps are the example files shipped in examples/policy_walkthrough; the
verdicts expected here are the ones the course notes promise (yaobank policy labs).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import impact
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import reachability
# The lab snapshot, the course steps and the flow helpers are the reachability tests' own.
from ansible_collections.calicolab.ccol1.tests.unit.plugins.module_utils._policy.test_reachability import (  # noqa: F401 pylint: disable=unused-import
    COREDNS,
    CUSTOMER,
    DATABASE,
    HOST1,
    SUMMARY0,
    SUMMARY1,
    FakeDynamic,
    flow,
    knp,
    lab,
    step_changes,
    step_object,
    steps,
)


# ---------------------------------------------------------------- scopes


def test_all_pod_pairs_with_a_port(lab):
    flows = impact.expand_scope(lab, {"all_pod_pairs_in_namespaces": ["yaobank"], "port": 2379})
    pods = ["yaobank/customer-0", "yaobank/database-0", "yaobank/summary-0", "yaobank/summary-1"]
    assert len(flows) == len(pods) * (len(pods) - 1)
    assert all(item["src"] != item["dst"] and item["port"] == 2379 and item["protocol"] == "TCP" for item in flows)


def test_all_pod_pairs_without_a_port_use_container_ports(lab):
    flows = impact.expand_scope(lab, {"all_pod_pairs_in_namespaces": "yaobank"})
    to_database = [item for item in flows if item["dst"] == DATABASE]
    assert [item["port"] for item in to_database] == [2379, 2379, 2379]
    dns = impact.expand_scope(lab, {"all_pod_pairs_in_namespaces": ["yaobank", "kube-system"], "protocol": "UDP"})
    assert {(item["dst"]["pod"], item["port"]) for item in dns} == {("kube-system/coredns-0", 53)}


def test_scope_with_port_list_and_extra_flows(lab):
    scope = {"all_pod_pairs_in_namespaces": ["kube-system", "yaobank"], "port": [53, 80], "protocol": "UDP",
             "flows": [flow(HOST1, {"host": "control"}, 21)]}
    flows = impact.expand_scope(lab, scope)
    assert flows[0] == flow(HOST1, {"host": "control"}, 21)
    assert len(flows) == 1 + 5 * 4 * 2


@pytest.mark.parametrize("scope, message", [
    ({"namespaces": ["yaobank"]}, "unknown keys \\['namespaces'\\]"),
    ("yaobank", "must be a list of flows or"),
    ([{"src": CUSTOMER}], "impact\\[0\\] must be a dict with src and dst"),
    ([{"src": CUSTOMER, "dst": {"pod": "a/b", "ip": "1.2.3.4"}}], "impact\\[0\\].dst must have exactly one of"),
])
def test_bad_scopes(lab, scope, message):
    with pytest.raises(reachability.ChangeError, match=message):
        impact.expand_scope(lab, scope)


# ---------------------------------------------------------------- impact (engine)

YAOBANK_2379 = {"all_pod_pairs_in_namespaces": ["yaobank"], "port": 2379}


def test_database_policy_flips_only_the_attack(lab, steps):
    change = {"state": "present", "definition": step_object(steps, "database-policy", "database-policy")}
    flipped = impact.impact_of_change(lab, change, YAOBANK_2379)
    assert [(item["source"], item["destination"]) for item in flipped] == [("yaobank/customer-0",
                                                                           "yaobank/database-0")]
    item = flipped[0]
    assert item["allowed_before"] is True and item["allowed_after"] is False
    assert item["before"]["allowed"] is True and item["after"]["allowed"] is False
    assert item["flow"] == flow(CUSTOMER, DATABASE, 2379)
    assert "database-policy" in item["deciding_policy_after"] + item["after"]["explanation"]


def test_deleting_the_policy_flips_it_back(lab, steps):
    policy = step_object(steps, "database-policy", "database-policy")
    with_policy = reachability.apply_change(lab, {"definition": policy})
    flipped = impact.impact_of_change(with_policy, {"state": "absent", "definition": policy}, YAOBANK_2379)
    assert [(item["flow"]["src"], item["allowed_after"]) for item in flipped] == [(CUSTOMER, True)]


def test_unrelated_change_flips_nothing(lab):
    other = knp("deny-all", namespace="default", podSelector={}, policyTypes=["Ingress", "Egress"])
    assert impact.impact_of_change(lab, {"definition": other}, YAOBANK_2379) == []


def test_same_change_twice_flips_nothing(lab, steps):
    policy = step_object(steps, "database-policy", "database-policy")
    with_policy = reachability.apply_change(lab, {"definition": policy})
    assert impact.impact_of_change(with_policy, {"definition": policy}, YAOBANK_2379) == []


def test_default_deny_gnp_closes_dns_and_names_the_policy(lab, steps):
    before = reachability.apply_changes(lab, step_changes(steps, "database-policy"))
    gnp = step_object(steps, "default-app-policy", "default-app-policy")
    dns = [flow(CUSTOMER, COREDNS, 53, "UDP"), flow(SUMMARY0, COREDNS, 53, "UDP")]
    flipped = impact.impact_of_change(before, {"definition": gnp}, dns)
    assert [item["flow"]["src"] for item in flipped] == [CUSTOMER, SUMMARY0]
    for item in flipped:
        assert item["allowed_after"] is False
        assert "default-app-policy" in item["deciding_policy_after"]
    # ... and the DNS rule opens it again
    with_gnp = reachability.apply_change(before, {"definition": gnp})
    dns_gnp = step_object(steps, "default-app-policy-dns", "default-app-policy")
    reopened = impact.impact_of_change(with_gnp, {"definition": dns_gnp}, dns)
    assert [item["allowed_after"] for item in reopened] == [True, True]


def test_service_account_label_change_has_impact(lab, steps):
    before = reachability.apply_changes(lab, step_changes(steps, "egress-lockdown"))
    sa = step_object(steps, "customer-internet-egress", "customer")
    internet = [flow(CUSTOMER, {"ip": "8.8.8.8"}, 443), flow(SUMMARY0, {"ip": "8.8.8.8"}, 443)]
    flipped = impact.impact_of_change(before, {"definition": sa}, internet)
    assert [(item["flow"]["src"], item["allowed_after"]) for item in flipped] == [(CUSTOMER, True)]


def test_property_allow_only_kubernetes_policy_never_removes_a_flow_of_a_selected_pod(lab, steps):
    """Once database-policy selects the database, adding another allow-only KNP for it only opens flows."""
    before = reachability.apply_changes(lab, step_changes(steps, "database-policy"))
    scope = {"all_pod_pairs_in_namespaces": ["yaobank", "kube-system"], "port": [53, 80, 2379]}
    for extra in (
        knp("db-from-customer", podSelector={"matchLabels": {"app": "database"}}, policyTypes=["Ingress"],
            ingress=[{"from": [{"podSelector": {"matchLabels": {"app": "customer"}}}]}]),
        knp("db-any", podSelector={"matchLabels": {"app": "database"}}, policyTypes=["Ingress"], ingress=[{}]),
        knp("db-port", podSelector={"matchLabels": {"app": "database"}}, policyTypes=["Ingress"],
            ingress=[{"ports": [{"port": 2379}]}]),
    ):
        flipped = impact.impact_of_change(before, {"definition": extra}, scope)
        assert flipped, extra["metadata"]["name"]
        assert all(item["allowed_after"] for item in flipped), extra["metadata"]["name"]


def test_impact_summary_lines(lab, steps):
    change = {"definition": step_object(steps, "database-policy", "database-policy")}
    lines = impact.impact_summary(impact.impact_of_change(lab, change, YAOBANK_2379))
    assert len(lines) == 1
    assert lines[0].startswith("yaobank/customer-0 -> yaobank/database-0 TCP/2379: allow -> deny (now decided by ")


def test_preview_impact_for_calico_policy(lab, steps):
    change = {"definition": step_object(steps, "database-policy", "database-policy")}
    preview = impact.preview_impact(lab, change, YAOBANK_2379)
    assert preview["flows_checked"] == 12
    assert len(preview["flipped"]) == 1
    assert preview["summary"][0].startswith("yaobank/customer-0 -> yaobank/database-0")


def test_preview_impact_reads_the_live_objects_once(lab, steps):
    served = dict(((api_version, kind), []) for api_version, kind, required in reachability.LIVE_KINDS if required)
    for obj in lab:
        key = (obj["apiVersion"], obj["kind"])
        if key in served:
            served[key].append(dict((k, v) for k, v in obj.items() if k not in ("apiVersion", "kind")))

    class Client(object):
        dynamic = FakeDynamic(served)

    change = {"definition": step_object(steps, "database-policy", "database-policy")}
    preview = impact.preview_impact(Client(), change, [flow(CUSTOMER, DATABASE, 2379), flow(SUMMARY0, DATABASE, 2379)])
    assert preview["flows_checked"] == 2
    assert [item["source"] for item in preview["flipped"]] == ["yaobank/customer-0"]


def _slow(objects, change, scope):
    """The reference: expand the scope into single flows (no fast path) and evaluate each one."""
    return impact.impact_of_change(objects, change, impact.expand_scope(objects, scope))


@pytest.mark.parametrize("step_name, scope", [
    ("database-policy", {"all_pod_pairs_in_namespaces": ["yaobank"], "port": 2379}),
    ("default-app-policy", {"all_pod_pairs_in_namespaces": ["yaobank", "kube-system"], "port": [53, 80, 2379]}),
    ("default-app-policy-dns", {"all_pod_pairs_in_namespaces": ["yaobank", "kube-system"], "protocol": "UDP",
                                "port": 53}),
    ("customer-summary-policies", {"all_pod_pairs_in_namespaces": ["yaobank"], "port": [80, 2379]}),
    ("egress-lockdown", {"all_pod_pairs_in_namespaces": ["yaobank"], "port": 80}),
    ("customer-internet-egress", {"all_pod_pairs_in_namespaces": ["yaobank"], "port": 80}),
])
def test_matrix_fast_path_finds_the_same_flips_as_single_flows(lab, steps, step_name, scope):
    before = lab
    for step in steps:
        if step["name"] == step_name:
            break
        before = reachability.apply_changes(before, step["changes"])
    changes = [step for step in steps if step["name"] == step_name][0]["changes"]
    for change in changes:
        assert impact._fast_pair_scope(scope) is not None
        assert impact.impact_of_change(before, change, scope) == _slow(before, change, scope)
        before = reachability.apply_change(before, change)


def test_fast_path_counts_without_building_flows(lab):
    assert impact.count_scope_flows(lab, {"all_pod_pairs_in_namespaces": ["yaobank"], "port": [80, 2379]}) == 24
    assert impact.count_scope_flows(lab, {"all_pod_pairs_in_namespaces": ["yaobank"]}) == 12  # container ports
    with pytest.raises(reachability.ChangeError, match="unknown keys"):
        impact.count_scope_flows(lab, {"all_pod_pairs_in_namespaces": ["yaobank"], "port": 80, "bogus": 1})
