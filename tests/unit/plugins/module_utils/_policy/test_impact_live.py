# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""calico_policy's ``impact:`` glue: the apply engine's preview callback judging the change on the live objects.

The cluster is the course lab snapshot (examples/policy_walkthrough) behind a stub that is both the Calico
client the apply engine writes through and the dynamic client read_live_objects lists with, so what a write
stores is what the next preview reads.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico import resource as apply_engine
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import impact
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import reachability

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))
LAB = os.path.join(ROOT, "examples", "policy_walkthrough", "lab_snapshot.yml")

CUSTOMER = {"pod": "yaobank/customer-0"}
SUMMARY0 = {"pod": "yaobank/summary-0"}
DATABASE = {"pod": "yaobank/database-0"}
YAOBANK_2379 = {"all_pod_pairs_in_namespaces": ["yaobank"], "protocol": "TCP", "port": 2379}
ALLOW_FROM_SUMMARY = {"action": "Allow", "protocol": "TCP", "source": {"selector": "app == 'summary'"},
                      "destination": {"ports": [2379]}}


def flow(src, dst, port, protocol="TCP"):
    return {"src": src, "dst": dst, "protocol": protocol, "port": port}


def database_policy(**spec):
    """The course's database-policy as a Calico NetworkPolicy (its `egress: - to: []` is an Allow rule)."""
    body = {"selector": "app == 'database'", "ingress": [ALLOW_FROM_SUMMARY], "egress": [{"action": "Allow"}]}
    body.update(spec)
    return {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy",
            "metadata": {"name": "database-policy", "namespace": "yaobank"},
            "spec": dict((key, value) for key, value in body.items() if value is not None)}


def request(**spec):
    return {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy",
            "metadata": {"name": "database-policy", "namespace": "yaobank"}, "spec": spec}


class _Listing(object):
    def __init__(self, items):
        self.items = items

    def to_dict(self):
        return {"items": copy.deepcopy(self.items)}


class Cluster(object):
    """Objects by apiVersion and kind. Calico writes default an empty ``types`` from the rules, as clientv3 does
    on every write (calico-facts.md section 1); lists drop apiVersion/kind from items as the API does."""

    def __init__(self, objects):
        self.objects = [copy.deepcopy(obj) for obj in objects]
        self.calls = []
        self.revision = 100
        self.resources = self  # dynamic.resources.get(api_version=, kind=)

    @property
    def writes(self):
        return [call for call in self.calls if call not in ("GET", "LIST")]

    def _find(self, kind, name, namespace):
        for obj in self.objects:
            meta = obj.get("metadata") or {}
            if obj.get("apiVersion") == "projectcalico.org/v3" and obj["kind"] == kind \
                    and meta.get("name") == name and meta.get("namespace") == namespace:
                return obj
        return None

    def _store(self, obj):
        spec = obj.setdefault("spec", {})
        if not spec.get("types"):
            spec["types"] = ["Ingress", "Egress"] if spec.get("ingress") and spec.get("egress") else \
                ["Egress"] if spec.get("egress") else ["Ingress"]
        self.revision += 1
        obj["metadata"]["resourceVersion"] = str(self.revision)
        return copy.deepcopy(obj)

    # the dynamic client, as read_live_objects uses it: resources.get(api_version=, kind=) and get(resource)
    def get(self, resource=None, api_version=None, kind=None):
        if resource is None:
            return (api_version, kind)  # every snapshot kind is served
        self.calls.append("LIST")
        items = [dict((k, v) for k, v in obj.items() if k not in ("apiVersion", "kind")) for obj in self.objects
                 if (obj.get("apiVersion"), obj.get("kind")) == resource]
        return _Listing(items)

    # writes, as the Calico client makes them
    def create(self, kind, body):
        self.calls.append("POST")
        obj = copy.deepcopy(body)
        self.objects.append(obj)
        return self._store(obj)

    def patch(self, kind, name, namespace, patch):
        self.calls.append("PATCH")
        live = self._find(kind, name, namespace)
        merged = apply_engine.merge_patch(live, patch)
        live.clear()
        live.update(merged)
        return self._store(live)

    def delete(self, kind, name, namespace=None):
        self.calls.append("DELETE")
        self.objects.remove(self._find(kind, name, namespace))


class CalicoClient(object):
    """The _k8s_client.CalicoClient calls the apply engine makes, plus ``dynamic`` for read_live_objects."""

    def __init__(self, cluster):
        self.dynamic = cluster
        self.cluster = cluster

    def get(self, kind, name, namespace=None):
        self.cluster.calls.append("GET")
        found = self.cluster._find(kind, name, namespace)
        return copy.deepcopy(found) if found else None

    def create(self, kind, body):
        return self.cluster.create(kind, body)

    def patch(self, kind, name, namespace, patch):
        return self.cluster.patch(kind, name, namespace, patch)

    def delete(self, kind, name, namespace=None):
        return self.cluster.delete(kind, name, namespace)


@pytest.fixture()
def cluster():
    return Cluster(reachability.load_snapshot(LAB))


def run(cluster, req, scope=None, state="present", check_mode=False, fail_on_flip=False):
    hook = impact.impact_hook_from_params({"impact": YAOBANK_2379 if scope is None else scope,
                                           "impact_fail_on_flip": fail_on_flip})
    return apply_engine.apply_request(CalicoClient(cluster), req, state=state, check_mode=check_mode, preview=hook)


def flips(result):
    return [(item["source"], item["destination"], item["allowed_before"], item["allowed_after"])
            for item in result["preview"]["flipped"]]


def test_check_mode_creation_flips_the_attack_and_writes_nothing(cluster):
    result = run(cluster, database_policy(), check_mode=True)
    assert result["changed"] and result["method"] == "created"
    assert cluster.writes == []
    assert result["preview"]["flows_checked"] == 12
    assert flips(result) == [("yaobank/customer-0", "yaobank/database-0", True, False)]
    item = result["preview"]["flipped"][0]
    assert "database-policy" in item["deciding_policy_after"]
    assert item["before"]["allowed"] and not item["after"]["allowed"]
    assert result["preview"]["summary"][0].startswith("yaobank/customer-0 -> yaobank/database-0")


def test_the_types_calico_will_default_are_judged(cluster):
    # No egress rules and no types: Calico stores [Ingress], so the database may still open connections.
    result = run(cluster, database_policy(egress=None), check_mode=True)
    assert flips(result) == [("yaobank/customer-0", "yaobank/database-0", True, False)]


def test_a_merge_is_judged_on_the_merged_object_not_the_request(cluster):
    run(cluster, database_policy(egress=None))
    assert cluster.writes == ["POST"]
    # The request alone (no selector: all() in the namespace, no rules) would close everything...
    raw = impact.preview_impact(cluster, {"definition": request(order=10)}, YAOBANK_2379)
    assert len(raw["flipped"]) > 1
    # ...but merged into the live policy it only sets the order.
    result = run(cluster, request(order=10), check_mode=True)
    assert result["changed"] and flips(result) == []


def test_egress_merged_into_defaulted_types_is_judged_with_both_types(cluster):
    run(cluster, database_policy(egress=None))
    result = run(cluster, request(egress=[{"action": "Deny", "protocol": "TCP", "destination": {"ports": [2379]}}]))
    assert result["diff"]["after"]["spec"]["types"] == ["Ingress", "Egress"]
    assert sorted(flips(result)) == [("yaobank/database-0", "yaobank/customer-0", True, False),
                                     ("yaobank/database-0", "yaobank/summary-0", True, False),
                                     ("yaobank/database-0", "yaobank/summary-1", True, False)]
    stored = cluster._find("NetworkPolicy", "database-policy", "yaobank")
    assert stored["spec"]["types"] == ["Ingress", "Egress"]


def test_unchanged_apply_reports_no_flips_and_no_write(cluster):
    run(cluster, database_policy())
    cluster.calls[:] = []
    result = run(cluster, database_policy())
    assert not result["changed"] and cluster.writes == []
    assert result["preview"]["flows_checked"] == 12 and result["preview"]["flipped"] == []


def test_delete_flips_the_attack_back(cluster):
    run(cluster, database_policy())
    result = run(cluster, request(), state="absent", check_mode=True)
    assert result["method"] == "deleted"
    assert flips(result) == [("yaobank/customer-0", "yaobank/database-0", False, True)]
    assert cluster._find("NetworkPolicy", "database-policy", "yaobank") is not None


def test_a_list_of_flows(cluster):
    flows = [flow(CUSTOMER, DATABASE, 2379), flow(SUMMARY0, DATABASE, 2379)]
    result = run(cluster, database_policy(), scope=flows, check_mode=True)
    assert result["preview"]["flows_checked"] == 2
    assert [item["flow"]["src"] for item in result["preview"]["flipped"]] == [CUSTOMER]


def test_fail_on_flip_refuses_before_writing(cluster):
    with pytest.raises(apply_engine.CalicoRequestError) as caught:
        run(cluster, database_policy(), fail_on_flip=True)
    assert cluster.writes == []
    assert "would flip 1 of 12 flows" in str(caught.value)
    assert caught.value.problems[0].startswith("yaobank/customer-0 -> yaobank/database-0")
    assert caught.value.details["impact"]["flipped"][0]["allowed_after"] is False


def test_fail_on_flip_lets_a_harmless_change_through(cluster):
    run(cluster, database_policy())
    result = run(cluster, request(order=10), fail_on_flip=True)
    assert result["changed"] and cluster.writes[-1] == "PATCH"


@pytest.mark.parametrize("scope, message", [
    ({"namespaces": ["yaobank"]}, "unknown keys ['namespaces']"),
    ({"port": 80}, "needs all_pod_pairs_in_namespaces"),
    ({"all_pod_pairs_in_namespaces": 5}, "must be a list of namespace names"),
    ([{"src": CUSTOMER, "dst": DATABASE, "prot": "UDP"}], "impact[0]: unknown key 'prot'; did you mean 'protocol'?"),
    ([{"src": CUSTOMER}], "impact[0] must be a dict with src and dst"),
    ([{"src": {"pod": "a/b", "ip": "1.2.3.4"}, "dst": DATABASE}], "exactly one of pod, ip"),
    ("yaobank", "must be a list of flows or"),
])
def test_bad_impact_fails_before_any_request(scope, message):
    with pytest.raises(apply_engine.CalicoRequestError) as caught:
        impact.impact_hook_from_params({"impact": scope})
    assert message in str(caught.value)


def test_no_impact_no_hook():
    assert impact.impact_hook_from_params({"impact": None, "impact_fail_on_flip": True}) is None


def test_an_unknown_pod_in_a_flow_fails_before_writing(cluster):
    with pytest.raises(apply_engine.CalicoRequestError, match="impact: cannot evaluate flow yaobank/nope -> yaobank/database-0 TCP/2379: .*no running pod"):
        run(cluster, database_policy(), scope=[flow({"pod": "yaobank/nope"}, DATABASE, 2379)])
    assert cluster.writes == []
