# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""kube-controllers' automatic host endpoints (_policy/auto_heps.py) and the course's host protection lab.

What kube-controllers writes is taken from shared/reference/calico-facts.md (KubeControllersConfiguration, Node)
and Calico's kube-controllers/pkg/controllers/node/hostendpoints.go (v3.21, v3.32): one ``<node>-auto-hep`` per
node with the node's labels plus the created-by label, ``interfaceName: "*"``, the default-allow profile and the
node's BGP, tunnel and InternalIP addresses; with auto-creation off it deletes every HostEndpoint it created.

The end-to-end cases run calico_reachability's functions (_policy/reachability.py: apply_changes, build_snapshot,
evaluate_flows) on the rehearsal's lab snapshot (tests/rehearsal/lab_workloads.yml: control 198.19.0.1, node1
.0.2, node2 .0.3) with the course's steps: host1 (198.19.15.254) reaches FTP on control until the node policy and
the auto host endpoints are both in place; SSH (22) and the API server (6443) stay open as Felix failsafe ports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import reachability
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.auto_heps import (
    expected_ips,
    with_auto_host_endpoints,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.engine import Snapshot, evaluate

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))
LAB_WORKLOADS = os.path.join(ROOT, "tests", "rehearsal", "lab_workloads.yml")

CREATED_BY = {"projectcalico.org/created-by": "calico-kube-controllers"}
HOST1 = {"ip": "198.19.15.254"}
CONTROL = {"host": "control"}


def kcc(host_endpoint=None, name="default", **node_fields):
    node = dict(node_fields)
    if host_endpoint is not None or "hostEndpoint" in node_fields:
        node["hostEndpoint"] = host_endpoint
    return {"apiVersion": "projectcalico.org/v3", "kind": "KubeControllersConfiguration",
            "metadata": {"name": name}, "spec": {"controllers": {"node": node}}}


ENABLED = kcc({"autoCreate": "Enabled"})
DISABLED = kcc({"autoCreate": "Disabled"})


def k8s_node(name, internal_ip, annotations=None, **labels):
    labels = dict({"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}, **labels)
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels, "annotations": dict(annotations or {})},
            "status": {"addresses": [{"type": "InternalIP", "address": internal_ip},
                                     {"type": "Hostname", "address": name}]}}


def hep(name, node, ips, labels=None, interface=None, profiles=None):
    spec = {"node": node, "expectedIPs": list(ips)}
    if interface is not None:
        spec["interfaceName"] = interface
    if profiles is not None:
        spec["profiles"] = list(profiles)
    return {"apiVersion": "projectcalico.org/v3", "kind": "HostEndpoint",
            "metadata": {"name": name, "labels": dict(labels or {})}, "spec": spec}


def heps_of(objects):
    return dict((o["metadata"]["name"], o) for o in objects if o.get("kind") == "HostEndpoint")


@pytest.fixture(scope="module")
def lab():
    return reachability.load_snapshot(LAB_WORKLOADS)


def lab_nodes(lab):
    return dict((o["metadata"]["name"], o) for o in lab if o.get("kind") == "Node")


# --- deriving the objects -------------------------------------------------------------------------------------


def test_enabled_creates_one_auto_host_endpoint_per_node_like_kube_controllers(lab):
    objects = reachability.apply_changes(lab, [{"state": "patched", "definition": ENABLED}])
    heps = heps_of(with_auto_host_endpoints(objects))
    assert sorted(heps) == ["control-auto-hep", "node1-auto-hep", "node2-auto-hep"]
    nodes = lab_nodes(lab)
    for node_name, address in (("control", "198.19.0.1"), ("node1", "198.19.0.2"), ("node2", "198.19.0.3")):
        made = heps["%s-auto-hep" % node_name]
        assert made["apiVersion"] == "projectcalico.org/v3"
        assert made["metadata"]["labels"] == dict(nodes[node_name]["metadata"]["labels"], **CREATED_BY)
        # the IPv4Address annotation is 198.19.0.x/20: the prefix length goes, and InternalIP is the same address
        assert made["spec"] == {"node": node_name, "interfaceName": "*", "expectedIPs": [address],
                                "profiles": ["projectcalico-default-allow"]}
    assert heps["control-auto-hep"]["metadata"]["labels"]["node-role.kubernetes.io/master"] == "true"


def test_expected_ips_of_a_kubernetes_node_bgp_then_tunnels_then_internal_ips():
    annotations = {
        "projectcalico.org/IPv4Address": "198.19.0.1/20",
        "projectcalico.org/IPv6Address": "fd00:198:19::1/64",
        "projectcalico.org/IPv4IPIPTunnelAddr": "198.19.16.1",
        "projectcalico.org/IPv4VXLANTunnelAddr": "198.19.16.65",
        "projectcalico.org/IPv4WireguardInterfaceAddr": "198.19.16.129",
        "projectcalico.org/ASNumber": "64512",
    }
    node = k8s_node("control", "10.0.0.5", annotations)
    node["status"]["addresses"] += [{"type": "InternalIP", "address": "198.19.0.1"},
                                    {"type": "ExternalIP", "address": "203.0.113.7"}]
    assert expected_ips([node]) == ["198.19.0.1", "fd00:198:19::1", "198.19.16.1", "198.19.16.65", "198.19.16.129",
                                    "10.0.0.5"]


def test_expected_ips_skip_what_calico_would_not_read_as_an_address():
    node = k8s_node("node1", "198.19.0.2", {"projectcalico.org/IPv4Address": "not-an-ip/20",
                                            "projectcalico.org/IPv4IPIPTunnelAddr": ""})
    assert expected_ips([node]) == ["198.19.0.2"]


def test_expected_ips_of_a_calico_node_and_of_both_node_objects():
    calico_node = {"apiVersion": "projectcalico.org/v3", "kind": "Node",
                   "metadata": {"name": "node2", "labels": {"zone": "b"}},
                   "spec": {"bgp": {"ipv4Address": "198.19.0.3/20", "ipv4IPIPTunnelAddr": "198.19.17.1"},
                            "ipv4VXLANTunnelAddr": "198.19.17.65",
                            "wireguard": {"interfaceIPv4Address": "198.19.17.129"},
                            "addresses": [{"address": "198.19.0.3/20", "type": "CalicoNodeIP"},
                                          {"address": "198.19.0.3", "type": "InternalIP"},
                                          {"address": "192.0.2.3", "type": "ExternalIP"}]}}
    assert expected_ips([calico_node]) == ["198.19.0.3", "198.19.17.1", "198.19.17.65", "198.19.17.129"]
    heps = heps_of(with_auto_host_endpoints([k8s_node("node2", "198.19.0.3"), calico_node], enabled=True))
    assert list(heps) == ["node2-auto-hep"]
    assert heps["node2-auto-hep"]["metadata"]["labels"] == dict(
        {"kubernetes.io/hostname": "node2", "kubernetes.io/os": "linux", "zone": "b"}, **CREATED_BY)


def test_an_existing_host_endpoint_of_that_name_wins(lab):
    live = hep("control-auto-hep", "control", ["198.19.0.1", "198.19.16.1"], dict(CREATED_BY, team="ops"), "*",
               ["projectcalico-default-allow"])
    objects = with_auto_host_endpoints(lab + [ENABLED, live])
    heps = [o for o in objects if o.get("kind") == "HostEndpoint"]
    assert sorted(o["metadata"]["name"] for o in heps) == ["control-auto-hep", "node1-auto-hep", "node2-auto-hep"]
    assert heps_of(objects)["control-auto-hep"] is live


def test_disabled_drops_the_auto_host_endpoints_and_keeps_the_users(lab):
    auto = hep("control-auto-hep", "control", ["198.19.0.1"], CREATED_BY, "*", ["projectcalico-default-allow"])
    mine = hep("node1-eth0", "node1", ["198.19.0.2"], {"role": "worker"}, "eth0")
    # kube-controllers only deletes what carries its label, whatever the name
    named_like_auto = hep("node2-auto-hep", "node2", ["198.19.0.3"], {"role": "worker"}, "*")
    objects = lab + [DISABLED, auto, mine, named_like_auto]
    assert sorted(heps_of(with_auto_host_endpoints(objects))) == ["node1-eth0", "node2-auto-hep"]
    assert sorted(heps_of(with_auto_host_endpoints(lab + [auto, mine], enabled=False))) == ["node1-eth0"]


@pytest.mark.parametrize("config", [
    pytest.param(None, id="no KubeControllersConfiguration"),
    pytest.param(kcc(), id="no hostEndpoint (the lab's default object)"),
    pytest.param(kcc(hostEndpoint=None), id="hostEndpoint null"),
    pytest.param({"apiVersion": "projectcalico.org/v3", "kind": "KubeControllersConfiguration",
                  "metadata": {"name": "default"}, "spec": {"controllers": {"node": None}}}, id="node null"),
    pytest.param(kcc({"autoCreate": "Enabled"}, name="other"), id="a name other than default"),
])
def test_auto_creation_is_off_unless_default_says_enabled(lab, config):
    objects = [o for o in lab if o.get("kind") != "KubeControllersConfiguration"] + ([config] if config else [])
    objects.append(hep("control-auto-hep", "control", ["198.19.0.1"], CREATED_BY, "*"))
    assert heps_of(with_auto_host_endpoints(objects)) == {}
    assert Snapshot.from_objects(objects).heps_by_node == {}


def test_enabled_by_the_environment_without_any_configuration(lab):
    objects = [o for o in lab if o.get("kind") != "KubeControllersConfiguration"]
    assert sorted(heps_of(with_auto_host_endpoints(objects, enabled=True))) == [
        "control-auto-hep", "node1-auto-hep", "node2-auto-hep"]


def test_auto_host_endpoints_of_vanished_nodes_go_unless_the_snapshot_has_no_nodes(lab):
    gone = hep("node9-auto-hep", "node9", ["198.19.0.9"], CREATED_BY, "*")
    assert "node9-auto-hep" not in heps_of(with_auto_host_endpoints(lab + [ENABLED, gone]))
    assert list(heps_of(with_auto_host_endpoints([ENABLED, gone]))) == ["node9-auto-hep"]


def test_create_default_host_endpoint_disabled_keeps_only_template_made_ones(lab):
    config = kcc({"autoCreate": "Enabled", "createDefaultHostEndpoint": "Disabled"})
    default_one = hep("node1-auto-hep", "node1", ["198.19.0.2"], CREATED_BY, "*")
    templated = hep("node1-lab-auto-hep", "node1", ["198.19.0.2"], CREATED_BY)
    assert sorted(heps_of(with_auto_host_endpoints(lab + [config, default_one, templated]))) == [
        "node1-lab-auto-hep"]


def test_the_objects_given_are_not_changed(lab):
    objects = lab + [ENABLED, hep("node9-auto-hep", "node9", [], CREATED_BY, "*")]
    before = copy.deepcopy(objects)
    with_auto_host_endpoints(objects)
    assert objects == before


# --- the course's host protection lab, end to end --------------------------------------------------------------

DEFAULT_NODE_POLICY = {
    "apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "default-node-policy"},
    "spec": {"selector": "has(kubernetes.io/hostname)",
             "ingress": [{"action": "Allow", "protocol": "TCP", "source": {"nets": ["127.0.0.1/32"]}},
                         {"action": "Allow", "protocol": "UDP", "source": {"nets": ["127.0.0.1/32"]}}]}}
NODE_POLICY = {"state": "present", "definition": DEFAULT_NODE_POLICY}
AUTO_CREATE = {"state": "patched", "definition": {
    "apiVersion": "projectcalico.org/v3", "kind": "KubeControllersConfiguration", "metadata": {"name": "default"},
    "spec": {"controllers": {"node": {"hostEndpoint": {"autoCreate": "Enabled"}}}}}}
AUTO_CREATE_OFF = {"state": "patched", "definition": {
    "apiVersion": "projectcalico.org/v3", "kind": "KubeControllersConfiguration", "metadata": {"name": "default"},
    "spec": {"controllers": {"node": {"hostEndpoint": {"autoCreate": "Disabled"}}}}}}


def to_control(port):
    return {"src": HOST1, "dst": CONTROL, "protocol": "TCP", "port": port}


def rows(lab, changes, ports):
    snapshot = reachability.build_snapshot(reachability.apply_changes(lab, changes))
    return dict(zip(ports, reachability.evaluate_flows(snapshot, [to_control(port) for port in ports])))


def test_before_auto_host_endpoints_ftp_on_control_answers_host1(lab):
    for changes in ([], [NODE_POLICY]):
        row = rows(lab, changes, [21])[21]
        assert row["allowed"] is True
        assert "no host endpoint" in row["decided_by"]


def test_node_policy_with_auto_host_endpoints_closes_ftp_and_failsafes_stay_open(lab):
    found = rows(lab, [NODE_POLICY, AUTO_CREATE], [21, 22, 6443])
    assert found[21]["allowed"] is False
    assert "default-node-policy" in found[21]["decided_by"] and "default deny" in found[21]["decided_by"]
    for port in (22, 6443):
        assert found[port]["allowed"] is True
        assert "failsafe tcp:%d" % port in found[port]["decided_by"]


def test_without_a_policy_the_default_allow_profile_lets_host_traffic_in(lab):
    row = rows(lab, [AUTO_CREATE], [21])[21]
    assert row["allowed"] is True
    assert "projectcalico-default-allow" in row["decided_by"]
    stages = row["details"]["stages"]
    assert [s["endpoint"] for s in stages if s["name"] == "host ingress"] == ["host endpoint control-auto-hep (node control)"]


def test_live_auto_host_endpoints_go_when_the_change_turns_auto_creation_off(lab):
    """A second run of the lab: the cluster still holds the last step's state (auto host endpoints made by
    kube-controllers, auto-creation on); the first step's changes restore auto-creation to Disabled, so the
    prediction is the state kube-controllers converges to, without them."""
    live = with_auto_host_endpoints(reachability.apply_changes(lab, [NODE_POLICY, AUTO_CREATE]))
    assert len(heps_of(live)) == 3
    back = [AUTO_CREATE_OFF, {"state": "absent", "definition": DEFAULT_NODE_POLICY}]
    assert rows(live, back, [21])[21]["allowed"] is True
    assert rows(live, [AUTO_CREATE_OFF], [21])[21]["allowed"] is True
    assert rows(live, [], [21])[21]["allowed"] is False


def test_the_engine_sees_the_derived_host_endpoint(lab):
    snapshot = Snapshot.from_objects(reachability.apply_changes(lab, [AUTO_CREATE]))
    control = snapshot.host_endpoint_for("control")
    assert control.name == "control-auto-hep" and control.interface == "*"
    assert [str(ip) for ip in control.ips] == ["198.19.0.1"]
    assert control.labels["projectcalico.org/created-by"] == "calico-kube-controllers"
    assert evaluate(snapshot, {"src": HOST1, "dst": {"ip": "198.19.0.1"}, "protocol": "TCP", "port": 21}).allowed
