# -*- coding: utf-8 -*-
"""Module options → the v3 object each calico_* module asks the engine to apply (table-driven)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.resource import CalicoRequestError
from ansible_collections.calicolab.ccol1.plugins.modules import (
    calico_bgpconfig,
    calico_bgppeer,
    calico_felix,
    calico_ippool,
    calico_policy,
    calico_resource,
)

V3 = "projectcalico.org/v3"


def params_for(module, **given):
    """Every option of the module's argument spec at its default, overridden by ``given``."""
    params = dict((name, spec.get("default")) for name, spec in module.ARGUMENT_SPEC.items())
    params.update(given)
    return params


POLICY_CASES = [
    ("gnp-structured",
     dict(name="nodeport-policy", order=100.0, selector="has(kubernetes.io/hostname)", pre_dnat=True,
          apply_on_forward=True, ingress=[{"action": "Deny", "protocol": "TCP",
                                           "destination": {"ports": ["30000:32767"]}}]),
     {"apiVersion": V3, "kind": "GlobalNetworkPolicy", "metadata": {"name": "nodeport-policy"},
      "spec": {"order": 100, "selector": "has(kubernetes.io/hostname)", "preDNAT": True, "applyOnForward": True,
               "ingress": [{"action": "Deny", "protocol": "TCP", "destination": {"ports": ["30000:32767"]}}]}}),
    ("np-with-namespace",
     dict(name="allow-customer", namespace="yaobank", selector="app == 'customer'", types=["Ingress"],
          labels={"team": "bank"}),
     {"apiVersion": V3, "kind": "NetworkPolicy",
      "metadata": {"name": "allow-customer", "namespace": "yaobank", "labels": {"team": "bank"}},
      "spec": {"selector": "app == 'customer'", "types": ["Ingress"]}}),
    ("fractional-order-kept",
     dict(name="p", order=10.5, namespace_selector="all()", service_account_selector="a == 'b'",
          do_not_track=True, tier="security"),
     {"apiVersion": V3, "kind": "GlobalNetworkPolicy", "metadata": {"name": "p"},
      "spec": {"order": 10.5, "namespaceSelector": "all()", "serviceAccountSelector": "a == 'b'",
               "doNotTrack": True, "tier": "security"}}),
    ("absent-has-no-spec",
     dict(name="p", state="absent"),
     {"apiVersion": V3, "kind": "GlobalNetworkPolicy", "metadata": {"name": "p"}}),
    ("definition-yaml",
     dict(definition="apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: x\n"
                     "spec:\n  selector: all()\n"),
     {"apiVersion": V3, "kind": "GlobalNetworkPolicy", "metadata": {"name": "x"}, "spec": {"selector": "all()"}}),
]


@pytest.mark.parametrize("given, expected", [case[1:] for case in POLICY_CASES], ids=[c[0] for c in POLICY_CASES])
def test_policy_request(given, expected):
    assert calico_policy.build_request(params_for(calico_policy, **given)) == expected


def test_policy_definition_of_another_kind_is_refused():
    with pytest.raises(CalicoRequestError) as caught:
        calico_policy.build_request(params_for(calico_policy, definition={"kind": "IPPool", "metadata": {}}))
    assert "IPPool" in str(caught.value)


def test_policy_tier_requires_the_tier_kind():
    needs = calico_policy.tier_requirement({"spec": {"tier": "security"}})
    assert "Tier" in needs and "v3.29" in needs["Tier"]
    assert calico_policy.tier_requirement({"spec": {}}) is None


FELIX_CASES = [
    ("set-default", dict(settings={"wireguardEnabled": True}),
     {"apiVersion": V3, "kind": "FelixConfiguration", "metadata": {"name": "default"},
      "spec": {"wireguardEnabled": True}}, None),
    ("node-scoped", dict(node="node1", settings={"bpfLogLevel": "Debug"}),
     {"apiVersion": V3, "kind": "FelixConfiguration", "metadata": {"name": "node.node1"},
      "spec": {"bpfLogLevel": "Debug"}}, None),
    ("unset-keys", dict(state="absent", settings={"bpfExternalServiceMode": None, "bpfEnabled": True}),
     {"apiVersion": V3, "kind": "FelixConfiguration", "metadata": {"name": "default"}},
     [["spec", "bpfEnabled"], ["spec", "bpfExternalServiceMode"]]),
    ("delete-node-object", dict(state="absent", name="node.node2"),
     {"apiVersion": V3, "kind": "FelixConfiguration", "metadata": {"name": "node.node2"}}, None),
]


@pytest.mark.parametrize("given, expected, unset", [c[1:] for c in FELIX_CASES], ids=[c[0] for c in FELIX_CASES])
def test_felix_request(given, expected, unset):
    params = params_for(calico_felix, **given)
    assert calico_felix.build_request(params) == expected
    assert calico_felix.unset_paths(params) == unset


@pytest.mark.parametrize("given, fragment", [
    (dict(settings={"wireguardEnable": True}), "did you mean wireguardEnabled"),
    (dict(settings={"bpfExternalServiceMode": "dsr"}), "bpfExternalServiceMode"),
    (dict(settings={"wireguardEnabled": "yes"}), "wireguardEnabled"),
    (dict(state="absent", settings={"bpfEnabledd": None}), "did you mean bpfEnabled"),
    (dict(state="absent"), "would delete FelixConfiguration default"),
])
def test_felix_bad_input(given, fragment):
    with pytest.raises(CalicoRequestError) as caught:
        calico_felix.build_request(params_for(calico_felix, **given))
    assert fragment in str(caught.value)


def test_felix_names_are_left_to_the_release_rules():
    # Any DNS-1123 subdomain is a valid FelixConfiguration name (v3.32 adds selector-scoped ones); the engine
    # checks the name with the cluster's release rules, so the module does not refuse it up front.
    request = calico_felix.build_request(params_for(calico_felix, name="global", settings={"bpfEnabled": True}))
    assert request["metadata"] == {"name": "global"}


def test_felix_settings_of_older_releases_wait_for_the_detected_release():
    # iptablesLockTimeout exists in v3.21.6 only; before the cluster is read the module cannot know which release
    # runs, so it leaves that setting to the release-aware check of the whole object instead of refusing it.
    request = calico_felix.build_request(params_for(calico_felix, settings={"iptablesLockTimeout": "10s"}))
    assert request["spec"] == {"iptablesLockTimeout": "10s"}


BGPPEER_CASES = [
    ("course-global-peer", dict(name="bgppeer-global-host1", peer_ip="198.19.15.254", as_number=64512),
     {"peerIP": "198.19.15.254", "asNumber": 64512}),
    ("asdot-and-port", dict(name="p", peer_ip="[fd00::1]:1179", as_number="1.10", node="node1"),
     {"peerIP": "[fd00::1]:1179", "asNumber": 65546, "node": "node1"}),
    ("digit-string", dict(name="p", peer_ip="10.0.0.1", as_number="65001", source_address="None",
                          keep_original_next_hop=True, max_restart_time="120s"),
     {"peerIP": "10.0.0.1", "asNumber": 65001, "sourceAddress": "None", "keepOriginalNextHop": True,
      "maxRestartTime": "120s"}),
    ("selectors-and-secret", dict(name="rr", node_selector="!has(rr)", peer_selector="has(rr)",
                                  peer_password={"secret_name": "bgp", "secret_key": "pw"}),
     {"nodeSelector": "!has(rr)", "peerSelector": "has(rr)",
      "password": {"secretKeyRef": {"name": "bgp", "key": "pw"}}}),
]


@pytest.mark.parametrize("given, spec", [c[1:] for c in BGPPEER_CASES], ids=[c[0] for c in BGPPEER_CASES])
def test_bgppeer_request(given, spec):
    request = calico_bgppeer.build_request(params_for(calico_bgppeer, **given))
    assert request == {"apiVersion": V3, "kind": "BGPPeer", "metadata": {"name": given["name"]}, "spec": spec}


def test_bgppeer_bad_as_number():
    with pytest.raises(CalicoRequestError) as caught:
        calico_bgppeer.build_request(params_for(calico_bgppeer, name="p", as_number="64512.99999"))
    assert "as_number" in str(caught.value) and "asdot" in str(caught.value)


IPPOOL_CASES = [
    ("course-external-pool",
     dict(name="external-pool", cidr="198.19.24.0/21", block_size=29, ipip_mode="Never", nat_outgoing=True,
          node_selector="!all()"),
     {"cidr": "198.19.24.0/21", "blockSize": 29, "ipipMode": "Never", "natOutgoing": True,
      "nodeSelector": "!all()"}),
    ("all-fields",
     dict(name="p", cidr="fd00::/64", vxlan_mode="Always", disabled=False, disable_bgp_export=True,
          allowed_uses=["Workload"]),
     {"cidr": "fd00::/64", "vxlanMode": "Always", "disabled": False, "disableBGPExport": True,
      "allowedUses": ["Workload"]}),
]


@pytest.mark.parametrize("given, spec", [c[1:] for c in IPPOOL_CASES], ids=[c[0] for c in IPPOOL_CASES])
def test_ippool_request(given, spec):
    request = calico_ippool.build_request(params_for(calico_ippool, **given))
    assert request == {"apiVersion": V3, "kind": "IPPool", "metadata": {"name": given["name"]}, "spec": spec}


BGPCONFIG_CASES = [
    ("cluster-ips", dict(service_cluster_ips=["198.19.32.0/20"]),
     {"serviceClusterIPs": [{"cidr": "198.19.32.0/20"}]}),
    ("external-and-lb", dict(service_external_ips=["198.19.48.0/20"], service_load_balancer_ips=[]),
     {"serviceExternalIPs": [{"cidr": "198.19.48.0/20"}], "serviceLoadBalancerIPs": []}),
    ("mesh-and-as", dict(as_number="64512", node_to_node_mesh_enabled=False, log_severity_screen="Info",
                         listen_port=179, communities=[{"name": "c", "value": "64512:100"}]),
     {"asNumber": 64512, "nodeToNodeMeshEnabled": False, "logSeverityScreen": "Info", "listenPort": 179,
      "communities": [{"name": "c", "value": "64512:100"}]}),
]


@pytest.mark.parametrize("given, spec", [c[1:] for c in BGPCONFIG_CASES], ids=[c[0] for c in BGPCONFIG_CASES])
def test_bgpconfig_request(given, spec):
    request = calico_bgpconfig.build_request(params_for(calico_bgpconfig, **given))
    assert request == {"apiVersion": V3, "kind": "BGPConfiguration", "metadata": {"name": "default"}, "spec": spec}


def test_resource_request_is_the_manifest():
    manifest = {"apiVersion": V3, "kind": "KubeControllersConfiguration", "metadata": {"name": "default"},
                "spec": {"controllers": {"node": {"hostEndpoint": {"autoCreate": "Enabled"}}}}}
    assert calico_resource.build_request(params_for(calico_resource, definition=manifest)) == manifest


@pytest.mark.parametrize("module", [calico_policy, calico_felix, calico_bgppeer, calico_ippool, calico_bgpconfig,
                                    calico_resource])
def test_every_module_has_auth_and_state_options(module):
    for option in ("kubeconfig", "context", "host", "api_key", "validate_certs", "ca_cert", "client_cert",
                   "client_key", "proxy", "no_proxy", "state"):
        assert option in module.ARGUMENT_SPEC
