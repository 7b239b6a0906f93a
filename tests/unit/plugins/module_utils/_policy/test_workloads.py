# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Workloads as flow ends (``{pod: yaobank/customer}``), where a real probe goes, and live objects merged with a
workloads snapshot (_policy/snapshot.py and reachability.py).

Pod names follow kube-controller-manager's naming (ReplicaSet ``<deployment>-<hash>``, its pods
``<replicaset>-<5 chars>``, StatefulSet pods ``<name>-<ordinal>``); the lab snapshot is the example file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import reachability
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.snapshot import (
    Snapshot,
    WorkloadError,
    workload_of_pod,
)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))
LAB = os.path.join(ROOT, "examples", "policy_walkthrough", "lab_snapshot.yml")

DATABASE_POLICY = {
    "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
    "metadata": {"name": "database-policy", "namespace": "yaobank"},
    "spec": {"podSelector": {"matchLabels": {"app": "database"}}, "policyTypes": ["Ingress", "Egress"],
             "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "summary"}}}],
                          "ports": [{"protocol": "TCP", "port": 2379}]}],
             "egress": [{"to": []}]},
}


def pod(name, namespace="yaobank", labels=None, owner=None, ip="198.19.22.10"):
    meta = {"name": name, "namespace": namespace, "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [dict(owner, controller=True)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"nodeName": "node1"},
            "status": {"phase": "Running", "podIP": ip}}


@pytest.fixture(scope="module")
def lab():
    return reachability.load_snapshot(LAB)


@pytest.mark.parametrize("meta, workload", [
    ({"name": "customer-5f7d8c6b9-x2k4p"}, "customer"),
    ({"name": "calico-node-7hx9z"}, "calico-node"),
    ({"name": "database-0"}, "database"),
    ({"name": "standalone"}, "standalone"),
    ({"name": "whatever", "ownerReferences": [{"kind": "ReplicaSet", "name": "summary-6d4cf56db6",
                                               "controller": True}]}, "summary"),
    ({"name": "whatever", "ownerReferences": [{"kind": "StatefulSet", "name": "etcd", "controller": True}]}, "etcd"),
])
def test_workload_of_pod(meta, workload):
    assert workload_of_pod(meta) == workload


def test_an_exact_pod_name_still_names_that_pod(lab):
    assert Snapshot.from_objects(lab).workload_pods("yaobank/summary-1") == ["yaobank/summary-1"]


def test_a_workload_names_all_its_pods(lab):
    assert Snapshot.from_objects(lab).workload_pods("yaobank/summary") == ["yaobank/summary-0", "yaobank/summary-1"]


def test_deployment_pods_and_the_app_label():
    objects = [pod("customer-5f7d8c6b9-x2k4p", labels={"app": "customer"}),
               pod("frontend-0", labels={"app": "web"}, ip="198.19.22.11")]
    snapshot = Snapshot.from_objects(objects)
    assert snapshot.workload_pods("yaobank/customer") == ["yaobank/customer-5f7d8c6b9-x2k4p"]
    assert snapshot.workload_pods("yaobank/web") == ["yaobank/frontend-0"]


def test_two_workloads_matching_one_name_are_refused_naming_both():
    objects = [pod("summary-5f7d8c6b9-x2k4p", labels={"app": "summary"}),
               pod("summary-canary-0", labels={"app": "summary"}, ip="198.19.22.11")]
    with pytest.raises(WorkloadError) as error:
        Snapshot.from_objects(objects).workload_pods("yaobank/summary")
    assert "ambiguous" in str(error.value)
    assert "yaobank/summary (yaobank/summary-5f7d8c6b9-x2k4p)" in str(error.value)
    assert "yaobank/summary-canary (yaobank/summary-canary-0)" in str(error.value)


def test_a_missing_workload_names_what_the_namespace_has(lab):
    with pytest.raises(WorkloadError) as error:
        Snapshot.from_objects(lab).workload_pods("yaobank/custmer")
    assert "no pod or workload 'yaobank/custmer'" in str(error.value)
    assert "customer (pods customer-0)" in str(error.value)
    assert "summary (pods summary-0, summary-1)" in str(error.value)


def test_a_namespace_without_pods_names_those_with_pods(lab):
    with pytest.raises(WorkloadError) as error:
        Snapshot.from_objects(lab).workload_pods("shop/customer")
    assert "namespace 'shop' has no running pods (namespaces with pods: kube-system, yaobank)" in str(error.value)


def test_flows_between_workloads_follow_the_course(lab):
    flows = [{"src": {"pod": "yaobank/customer"}, "dst": {"pod": "yaobank/database"}, "port": 2379},
             {"src": {"pod": "yaobank/summary"}, "dst": {"pod": "yaobank/database"}, "port": 2379}]
    before = reachability.evaluate_flows(Snapshot.from_objects(lab), flows)
    after = reachability.evaluate_flows(
        reachability.build_snapshot(reachability.apply_changes(lab, [DATABASE_POLICY])), flows)
    assert [row["allowed"] for row in before] == [True, True]
    assert [row["allowed"] for row in after] == [False, True]
    assert [pair["src"] for pair in after[1]["pods"]] == ["yaobank/summary-0", "yaobank/summary-1"]
    assert after[1]["explanation"].startswith("2 of 2 pod pairs allowed")


def test_a_workload_flow_is_allowed_only_when_every_pod_pair_is(lab):
    # Only summary-1 may reach the database: the workload summary as a whole may not.
    policy = copy.deepcopy(DATABASE_POLICY)
    policy["spec"]["ingress"][0]["from"] = [{"podSelector": {"matchLabels": {"app": "summary", "canary": "yes"}}}]
    objects = reachability.apply_changes(lab, [policy])
    for obj in objects:
        if obj.get("kind") == "Pod" and obj["metadata"]["name"] == "summary-1":
            obj["metadata"]["labels"] = dict(obj["metadata"]["labels"], canary="yes")
    rows = reachability.evaluate_flows(reachability.build_snapshot(objects), [
        {"src": {"pod": "yaobank/summary"}, "dst": {"pod": "yaobank/database"}, "port": 2379}])
    assert rows[0]["allowed"] is False
    assert [pair["allowed"] for pair in rows[0]["pods"]] == [False, True]
    assert rows[0]["explanation"].startswith("1 of 2 pod pairs allowed; shown: yaobank/summary-0 -> ")


def test_an_unknown_workload_in_a_flow_fails_naming_the_flow(lab):
    with pytest.raises(reachability.ChangeError) as error:
        reachability.evaluate_flows(Snapshot.from_objects(lab), [
            {"src": {"pod": "yaobank/custmer"}, "dst": {"pod": "yaobank/database"}, "port": 2379}])
    assert str(error.value).startswith("flows[0]: cannot evaluate yaobank/custmer -> yaobank/database TCP/2379: "
                                       "src.pod: no pod or workload 'yaobank/custmer'")


@pytest.mark.parametrize("dst, port, target", [
    ({"pod": "yaobank/database"}, 2379, {"address": None, "port": 2379}),
    ({"service": "yaobank/summary"}, 80, {"address": None, "port": 80}),
    ({"nodeport": {"node": "control", "port": 30180}}, None, {"address": "198.19.0.1", "port": 30180}),
    ({"host": "node1"}, 22, {"address": "198.19.0.2", "port": 22}),
    ({"ip": "8.8.8.8"}, 443, {"address": "8.8.8.8", "port": 443}),
])
def test_probe_target(lab, dst, port, target):
    snapshot = Snapshot.from_objects(lab)
    found = reachability.probe_target(snapshot, {"src": {"pod": "yaobank/customer"}, "dst": dst, "port": port})
    expected_address = target["address"]
    if "pod" in dst:
        expected_address = str(snapshot.weps["yaobank/database-0"].ips[0])
    if "service" in dst:
        expected_address = snapshot.services["yaobank/summary"]["spec"]["clusterIP"]
    assert found == {"src_pod": "yaobank/customer-0", "address": expected_address, "port": target["port"]}


def test_a_host_source_has_no_source_pod(lab):
    found = reachability.probe_target(Snapshot.from_objects(lab), {"src": {"ip": "198.19.15.254"},
                                                                   "dst": {"host": "control"}, "port": 21})
    assert found["src_pod"] is None


def test_live_objects_win_over_the_workloads_snapshot(lab):
    live = [{"apiVersion": "v1", "kind": "ServiceAccount",
             "metadata": {"name": "customer", "namespace": "yaobank", "labels": {"internet-egress": "allowed"}}}]
    merged = reachability.merge_objects(live, lab)
    accounts = [obj for obj in merged if obj["kind"] == "ServiceAccount" and obj["metadata"]["name"] == "customer"]
    assert accounts == live
    assert len(merged) == len(lab)


def test_optional_kinds_make_every_live_kind_optional():
    kinds = reachability.optional_kinds()
    assert [kind for _version, kind, _required in kinds] == [kind for _v, kind, _r in reachability.LIVE_KINDS]
    assert not any(required for _version, _kind, required in kinds)
