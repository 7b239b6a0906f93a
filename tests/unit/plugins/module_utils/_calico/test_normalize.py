# -*- coding: utf-8 -*-
# Copyright (c) calicolab.ccol1 contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Tests of Calico defaults and canonical forms (calico-facts.md sections 1 and 2).

The engine decides ``changed`` by normalize(merge(live, desired)) != normalize(live), so the tables below check
that forms Calico stores identically normalise equal, that real differences survive, and that normalising twice
changes nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.normalize import (
    canonical_duration,
    canonical_port,
    normalize_resource,
    normalize_spec,
)

from ansible_collections.calicolab.ccol1.tests.shared_reference import course_v3_manifests


COURSE = course_v3_manifests()


# (id, kind, spec given, spec expected)
SPECS = [
    ("types-default-no-rules", "GlobalNetworkPolicy", {"selector": "all()"},
     {"selector": "all()", "types": ["Ingress"]}),
    ("types-default-ingress", "NetworkPolicy", {"ingress": [{"action": "Allow"}]},
     {"ingress": [{"action": "Allow"}], "types": ["Ingress"]}),
    ("types-default-egress-only", "GlobalNetworkPolicy", {"egress": [{"action": "Deny"}]},
     {"egress": [{"action": "Deny"}], "types": ["Egress"]}),
    ("types-default-both", "GlobalNetworkPolicy", {"ingress": [{"action": "Allow"}], "egress": [{"action": "Deny"}]},
     {"ingress": [{"action": "Allow"}], "egress": [{"action": "Deny"}], "types": ["Ingress", "Egress"]}),
    ("types-default-empty-egress", "GlobalNetworkPolicy", {"egress": []}, {"types": ["Ingress"]}),
    ("types-explicit-kept", "GlobalNetworkPolicy", {"types": ["Egress"]}, {"types": ["Egress"]}),
    ("types-explicit-ordered", "GlobalNetworkPolicy", {"types": ["Egress", "Ingress"]},
     {"types": ["Ingress", "Egress"]}),
    ("types-empty-list-defaulted", "GlobalNetworkPolicy", {"types": [], "egress": [{"action": "Allow"}]},
     {"types": ["Egress"], "egress": [{"action": "Allow"}]}),
    ("omitempty-bools", "GlobalNetworkPolicy",
     {"preDNAT": False, "doNotTrack": False, "applyOnForward": False, "selector": "", "order": 0},
     {"order": 0, "types": ["Ingress"]}),
    ("true-bools-kept", "GlobalNetworkPolicy", {"preDNAT": True, "applyOnForward": True},
     {"preDNAT": True, "applyOnForward": True, "types": ["Ingress"]}),
    ("default-tier-is-absent", "NetworkPolicy", {"tier": "default"}, {"types": ["Ingress"]}),
    ("other-tier-kept", "NetworkPolicy", {"tier": "security"}, {"tier": "security", "types": ["Ingress"]}),
    ("ports-canonical", "GlobalNetworkPolicy",
     {"ingress": [{"action": "Allow", "protocol": "TCP",
                   "destination": {"ports": ["80", 443, "30000:32767", "http", "8080:8080"],
                                   "notPorts": ["022"]}}]},
     {"ingress": [{"action": "Allow", "protocol": "TCP",
                   "destination": {"ports": [80, 443, "30000:32767", "http", 8080], "notPorts": [22]}}],
      "types": ["Ingress"]}),
    ("protocol-digits", "GlobalNetworkPolicy",
     {"ingress": [{"action": "Allow", "protocol": "6", "notProtocol": "17"}]},
     {"ingress": [{"action": "Allow", "protocol": 6, "notProtocol": 17}], "types": ["Ingress"]}),
    ("protocol-names-kept", "GlobalNetworkPolicy", {"ingress": [{"action": "Allow", "protocol": "TCP"}]},
     {"ingress": [{"action": "Allow", "protocol": "TCP"}], "types": ["Ingress"]}),
    ("nets-canonical", "GlobalNetworkPolicy",
     {"egress": [{"action": "Allow", "destination": {"nets": ["2001:DB8:0:0::/64", "10.0.0.0/8"]}}]},
     {"egress": [{"action": "Allow", "destination": {"nets": ["2001:db8::/64", "10.0.0.0/8"]}}],
      "types": ["Egress"]}),
    ("empty-rule-parts-dropped", "GlobalNetworkPolicy",
     {"ingress": [{"action": "Allow", "source": {}, "destination": {"nets": [], "selector": ""}, "icmp": {},
                   "metadata": {"annotations": {}}}]},
     {"ingress": [{"action": "Allow"}], "types": ["Ingress"]}),
    ("selectors-canonical", "GlobalNetworkPolicy", {"selector": "app=='web'"},
     {"selector": 'app == "web"', "types": ["Ingress"]}),
    ("bad-selector-kept", "GlobalNetworkPolicy", {"selector": "app == web"},
     {"selector": "app == web", "types": ["Ingress"]}),
    ("sa-names-sorted", "GlobalNetworkPolicy",
     {"ingress": [{"action": "Allow", "source": {"serviceAccounts": {"names": ["b", "a"]}}}]},
     {"ingress": [{"action": "Allow", "source": {"serviceAccounts": {"names": ["a", "b"]}}}], "types": ["Ingress"]}),
    ("ippool-defaults-v4", "IPPool", {"cidr": "198.19.24.0/21"},
     {"cidr": "198.19.24.0/21", "blockSize": 26, "ipipMode": "Never", "vxlanMode": "Never", "nodeSelector": "all()",
      "allowedUses": ["Workload", "Tunnel"]}),
    ("ippool-defaults-v6", "IPPool", {"cidr": "FD00:10:244::/64", "natOutgoing": False, "disabled": False},
     {"cidr": "fd00:10:244::/64", "blockSize": 122, "ipipMode": "Never", "vxlanMode": "Never",
      "nodeSelector": "all()", "allowedUses": ["Workload", "Tunnel"]}),
    ("ippool-explicit", "IPPool",
     {"cidr": "198.19.24.0/21", "blockSize": 29, "ipipMode": "Always", "vxlanMode": "", "natOutgoing": True,
      "nodeSelector": "!all()", "allowedUses": ["Tunnel", "Workload"], "assignmentMode": "Automatic"},
     {"cidr": "198.19.24.0/21", "blockSize": 29, "ipipMode": "Always", "vxlanMode": "Never", "natOutgoing": True,
      "nodeSelector": "!all()", "allowedUses": ["Workload", "Tunnel"]}),
    ("ippool-cidr-masked", "IPPool", {"cidr": "10.0.0.1/16", "assignmentMode": "Manual"},
     {"cidr": "10.0.0.0/16", "blockSize": 26, "ipipMode": "Never", "vxlanMode": "Never", "nodeSelector": "all()",
      "allowedUses": ["Workload", "Tunnel"], "assignmentMode": "Manual"}),
    ("ippool-legacy-fields", "IPPool",
     {"cidr": "10.0.0.0/16", "ipip": {"enabled": True, "mode": "cross-subnet"}, "nat-outgoing": True},
     {"cidr": "10.0.0.0/16", "blockSize": 26, "ipipMode": "CrossSubnet", "vxlanMode": "Never", "natOutgoing": True,
      "nodeSelector": "all()", "allowedUses": ["Workload", "Tunnel"]}),
    ("bgppeer-as-string", "BGPPeer", {"peerIP": "198.19.15.254", "asNumber": "64512"},
     {"peerIP": "198.19.15.254", "asNumber": 64512}),
    ("bgppeer-as-asdot", "BGPPeer", {"peerIP": "10.0.0.1", "asNumber": "1.10"},
     {"peerIP": "10.0.0.1", "asNumber": 65546}),
    ("bgppeer-omitempty", "BGPPeer",
     {"peerSelector": "rr=='true'", "asNumber": 0, "keepOriginalNextHop": False, "node": "",
      "sourceAddress": "UseNodeIP", "maxRestartTime": "120s"},
     {"peerSelector": 'rr == "true"', "maxRestartTime": "2m0s"}),
    ("bgppeer-ipv6-peer", "BGPPeer", {"peerIP": "FD00::1", "asNumber": 1}, {"peerIP": "fd00::1", "asNumber": 1}),
    ("bgpconfig-forms", "BGPConfiguration",
     {"asNumber": "64512", "serviceClusterIPs": [{"cidr": "198.19.32.0/20"}], "serviceExternalIPs": [],
      "logSeverityScreen": "Info", "nodeToNodeMeshEnabled": False},
     {"asNumber": 64512, "serviceClusterIPs": [{"cidr": "198.19.32.0/20"}], "nodeToNodeMeshEnabled": False}),
    ("felix-keeps-false-and-empty-lists", "FelixConfiguration",
     {"wireguardEnabled": False, "failsafeInboundHostPorts": [], "bpfLogLevel": "", "reportingInterval": "0s"},
     {"wireguardEnabled": False, "failsafeInboundHostPorts": [], "reportingInterval": "0s"}),
    ("felix-durations", "FelixConfiguration",
     {"iptablesRefreshInterval": "90s", "routeRefreshInterval": "1m30s", "iptablesLockProbeInterval": "50ms",
      "healthTimeoutOverrides": [{"name": "x", "timeout": "60s"}]},
     {"iptablesRefreshInterval": "1m30s", "routeRefreshInterval": "1m30s", "iptablesLockProbeInterval": "50ms",
      "healthTimeoutOverrides": [{"name": "x", "timeout": "1m0s"}]}),
    ("felix-failsafe-entries", "FelixConfiguration",
     {"failsafeInboundHostPorts": [{"protocol": "TCP", "port": 22, "net": ""}], "natPortRange": "100:100"},
     {"failsafeInboundHostPorts": [{"protocol": "TCP", "port": 22}], "natPortRange": 100}),
    ("kcc-defaults", "KubeControllersConfiguration",
     {"controllers": {"node": {"hostEndpoint": {"autoCreate": "Enabled"}, "reconcilerPeriod": "5m"}}},
     {"controllers": {"node": {"hostEndpoint": {"autoCreate": "Enabled"}, "reconcilerPeriod": "5m0s",
                               "leakGracePeriod": "15m0s"}}, "prometheusMetricsPort": 9094}),
    ("kcc-empty-controllers", "KubeControllersConfiguration", {"controllers": {}, "healthChecks": "Enabled"},
     {"controllers": {}, "prometheusMetricsPort": 9094}),
    ("kcc-explicit", "KubeControllersConfiguration",
     {"controllers": {"node": {"leakGracePeriod": "1h", "hostEndpoint": None}}, "prometheusMetricsPort": 0},
     {"controllers": {"node": {"leakGracePeriod": "1h0m0s"}}, "prometheusMetricsPort": 0}),
    ("hep", "HostEndpoint",
     {"node": "node1", "interfaceName": "", "expectedIPs": ["FD00::1", "198.19.0.1"], "profiles": [],
      "ports": [{"name": "ssh", "protocol": "6", "port": 22}]},
     {"node": "node1", "expectedIPs": ["fd00::1", "198.19.0.1"], "ports": [{"name": "ssh", "protocol": 6, "port": 22}]}),
    ("unknown-kind-prunes-empties", "Tier", {"order": 100, "defaultAction": ""}, {"order": 100}),
]


@pytest.mark.parametrize("case_id,kind,given,expected", SPECS, ids=[c[0] for c in SPECS])
def test_normalize_spec(case_id, kind, given, expected):
    before = copy.deepcopy(given)
    assert normalize_spec(kind, given) == expected
    assert given == before, "normalize_spec must not modify its input"
    assert normalize_spec(kind, expected) == expected, "normalising twice must change nothing"


# Pairs Calico stores identically: (id, kind, spec A, spec B)
EQUIVALENT = [
    ("egress-empty-list", "GlobalNetworkPolicy", {"egress": []}, {}),
    ("types-implied", "GlobalNetworkPolicy", {"ingress": [{"action": "Allow"}]},
     {"ingress": [{"action": "Allow"}], "types": ["Ingress"]}),
    ("port-string", "GlobalNetworkPolicy",
     {"ingress": [{"action": "Allow", "protocol": "TCP", "destination": {"ports": ["80"]}}]},
     {"ingress": [{"action": "Allow", "protocol": "TCP", "destination": {"ports": [80]}}]}),
    ("pool-defaults", "IPPool", {"cidr": "10.0.0.0/16"},
     {"cidr": "10.0.0.0/16", "blockSize": 26, "ipipMode": "Never", "vxlanMode": "Never", "nodeSelector": "all()",
      "allowedUses": ["Workload", "Tunnel"], "natOutgoing": False}),
    ("as-number-forms", "BGPPeer", {"peerIP": "10.0.0.1", "asNumber": "0.64512"},
     {"peerIP": "10.0.0.1", "asNumber": 64512}),
    ("kcc-period-forms", "KubeControllersConfiguration", {"controllers": {"node": {"reconcilerPeriod": "300s"}}},
     {"controllers": {"node": {"reconcilerPeriod": "5m0s", "leakGracePeriod": "15m"}}, "prometheusMetricsPort": 9094}),
]


# Server defaults read in Calico's source (clientv3 felixconfig.go setDefaults v3.21.6/v3.32.1, v3.32.1 CRDs).
EQUIVALENT += [
    ("felix-floating-ips-default", "FelixConfiguration", {"wireguardEnabled": True},
     {"wireguardEnabled": True, "floatingIPs": "Disabled", "bpfLogLevel": ""}),
    ("felix-v3.32-defaults", "FelixConfiguration", {},
     {"nftablesMode": "Auto", "bpfConnectTimeLoadBalancing": "TCP", "bpfHostNetworkedNATWithoutCTLB": "Enabled"}),
    ("felix-deprecated-ctlb-overrides", "FelixConfiguration", {"bpfConnectTimeLoadBalancingEnabled": False},
     {"bpfConnectTimeLoadBalancingEnabled": False, "bpfConnectTimeLoadBalancing": "Disabled",
      "bpfHostNetworkedNATWithoutCTLB": "Disabled"}),
    ("felix-go-serialised-failsafe", "FelixConfiguration", {"failsafeInboundHostPorts": [{"protocol": "TCP", "port": 22}]},
     {"failsafeInboundHostPorts": [{"protocol": "TCP", "port": 22, "net": ""}]}),
    ("staged-action-default", "StagedGlobalNetworkPolicy", {"selector": "all()"},
     {"selector": "all()", "stagedAction": "Set", "types": ["Ingress"]}),
]


@pytest.mark.parametrize("case_id,kind,left,right", EQUIVALENT, ids=[c[0] for c in EQUIVALENT])
def test_equivalent_forms_normalise_equal(case_id, kind, left, right):
    assert normalize_spec(kind, left) == normalize_spec(kind, right)


DIFFERENT = [
    ("felix-false-vs-absent", "FelixConfiguration", {"bpfKubeProxyIptablesCleanupEnabled": False}, {}),
    ("felix-empty-failsafe-vs-absent", "FelixConfiguration", {"failsafeInboundHostPorts": []}, {}),
    ("mesh-off", "BGPConfiguration", {"nodeToNodeMeshEnabled": False}, {}),
    ("types", "GlobalNetworkPolicy", {"types": ["Ingress", "Egress"]}, {}),
    ("port-range", "GlobalNetworkPolicy",
     {"ingress": [{"action": "Allow", "protocol": "TCP", "destination": {"ports": ["80:81"]}}]},
     {"ingress": [{"action": "Allow", "protocol": "TCP", "destination": {"ports": [80]}}]}),
    ("pool-block-size", "IPPool", {"cidr": "10.0.0.0/16", "blockSize": 28}, {"cidr": "10.0.0.0/16"}),
]


DIFFERENT += [
    ("felix-floating-ips-enabled", "FelixConfiguration", {"floatingIPs": "Enabled"}, {}),
    ("felix-nftables-off", "FelixConfiguration", {"nftablesMode": "Disabled"}, {}),
    ("staged-action-delete", "StagedNetworkPolicy", {"stagedAction": "Delete"}, {}),
]


@pytest.mark.parametrize("case_id,kind,left,right", DIFFERENT, ids=[c[0] for c in DIFFERENT])
def test_real_differences_survive(case_id, kind, left, right):
    assert normalize_spec(kind, left) != normalize_spec(kind, right)


def test_normalize_resource_reduces_metadata():
    live = {
        "apiVersion": "projectcalico.org/v3",
        "kind": "GlobalNetworkPolicy",
        "metadata": {
            "name": "default-app-policy", "uid": "abc", "resourceVersion": "42", "generation": 3,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"projectcalico.org/tier": "default", "team": "net"},
            "annotations": {"projectcalico.org/metadata": "{}", "note": "kept",
                            "kubectl.kubernetes.io/last-applied-configuration": "{}"},
            "managedFields": [{"manager": "x"}],
        },
        "spec": {"types": ["Ingress"], "tier": "default"},
        "status": {},
    }
    assert normalize_resource(live) == {
        "apiVersion": "projectcalico.org/v3",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "default-app-policy", "labels": {"team": "net"}, "annotations": {"note": "kept"}},
        "spec": {"types": ["Ingress"]},
    }


def test_normalize_resource_keeps_namespace_and_drops_empty_maps():
    obj = {"kind": "NetworkPolicy", "metadata": {"name": "a", "namespace": "yaobank", "labels": {},
                                                 "annotations": {}}}
    assert normalize_resource(obj) == {"kind": "NetworkPolicy", "metadata": {"name": "a", "namespace": "yaobank"},
                                       "spec": {"types": ["Ingress"]}}


def test_live_read_back_equals_desired_course_pool():
    desired = {"apiVersion": "projectcalico.org/v3", "kind": "IPPool", "metadata": {"name": "external-pool"},
               "spec": {"cidr": "198.19.24.0/21", "blockSize": 29, "ipipMode": "Never", "natOutgoing": True,
                        "nodeSelector": "!all()"}}
    live = copy.deepcopy(desired)
    live["metadata"].update(uid="u", resourceVersion="7", creationTimestamp="2026-01-01T00:00:00Z")
    live["spec"].update(vxlanMode="Never", allowedUses=["Workload", "Tunnel"])
    assert normalize_resource(desired) == normalize_resource(live)


@pytest.mark.parametrize("text,expected", [
    ("0", "0s"), ("0s", "0s"), ("90s", "1m30s"), ("15m", "15m0s"), ("1h", "1h0m0s"), ("1.5s", "1.5s"),
    ("500ms", "500ms"), ("1500us", "1.5ms"), ("1500ns", u"1.5\u00b5s"), ("61.5s", "1m1.5s"),
    ("3723s", "1h2m3s"), ("1h30m", "1h30m0s"), ("250ns", "250ns"), ("not a duration", "not a duration"),
])
def test_canonical_duration_matches_go(text, expected):
    assert canonical_duration(text) == expected
    assert canonical_duration(canonical_duration(text)) == canonical_duration(text)


@pytest.mark.parametrize("port,expected", [
    ("80", 80), (80, 80), ("80:90", "80:90"), ("90:90", 90), ("http", "http"), ("080:0090", "80:90"),
])
def test_canonical_port(port, expected):
    assert canonical_port(port) == expected


@pytest.mark.parametrize("case_id,doc", COURSE, ids=[c[0] for c in COURSE])
def test_course_manifests_normalise_idempotently(case_id, doc):
    once = normalize_resource(doc)
    assert normalize_resource(once) == once
    assert normalize_resource(doc) == once, "normalize_resource must not modify its input"


# ---------------------------------------------------------------------------------------------------------
# Property: normalising a generated policy twice changes nothing.

_selectors = st.sampled_from([
    "", "all()", "!all()", "app == 'web'", 'app=="web"', "has(kubernetes.io/hostname)",
    "a in {'x', 'y'} && !has(b)", "a == 'x' || (b != 'y' && c starts with 'z')", "global()", "broken ==",
])
_ports = st.one_of(
    st.integers(min_value=0, max_value=70000),
    st.integers(min_value=1, max_value=65535).map(str),
    st.tuples(st.integers(1, 65535), st.integers(1, 65535)).map(lambda p: "%d:%d" % p),
    st.sampled_from(["http", "metrics", "0", "1:2:3", ""]),
)
_nets = st.sampled_from(["10.0.0.0/8", "10.0.0.1/8", "198.19.15.254/32", "FD00::/64", "2001:DB8:0::1/128",
                         "10.0.0.1", "garbage", ""])
_protocols = st.one_of(st.sampled_from(["TCP", "UDP", "ICMP", "ICMPv6", "SCTP", "tcp", "6", "17", ""]),
                       st.integers(0, 256))


def _maybe(strategy):
    return st.one_of(st.none(), strategy)


_entity = st.fixed_dictionaries({}, optional={
    "nets": st.lists(_nets, max_size=3),
    "notNets": st.lists(_nets, max_size=2),
    "selector": _selectors,
    "notSelector": _selectors,
    "namespaceSelector": _selectors,
    "ports": st.lists(_ports, max_size=3),
    "notPorts": st.lists(_ports, max_size=2),
    "serviceAccounts": st.fixed_dictionaries({}, optional={"names": st.lists(st.sampled_from(["a", "b", "c"])),
                                                           "selector": _selectors}),
})
_rule = st.fixed_dictionaries({"action": st.sampled_from(["Allow", "Deny", "Log", "Pass"])}, optional={
    "protocol": _maybe(_protocols),
    "notProtocol": _protocols,
    "ipVersion": st.sampled_from([4, 6]),
    "icmp": st.fixed_dictionaries({}, optional={"type": st.integers(0, 254), "code": st.integers(0, 255)}),
    "source": _entity,
    "destination": _entity,
})
_policy = st.fixed_dictionaries({}, optional={
    "order": _maybe(st.one_of(st.integers(-5, 2000), st.floats(allow_nan=False, allow_infinity=False))),
    "selector": _selectors,
    "namespaceSelector": _selectors,
    "serviceAccountSelector": _selectors,
    "types": st.lists(st.sampled_from(["Ingress", "Egress"]), max_size=2),
    "ingress": st.lists(_rule, max_size=3),
    "egress": st.lists(_rule, max_size=3),
    "preDNAT": st.booleans(),
    "doNotTrack": st.booleans(),
    "applyOnForward": st.booleans(),
    "tier": st.sampled_from(["default", "security", ""]),
})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=_policy, kind=st.sampled_from(["GlobalNetworkPolicy", "NetworkPolicy"]),
       labels=st.dictionaries(st.sampled_from(["app", "projectcalico.org/tier"]), st.sampled_from(["x", "y"])))
def test_policy_normalisation_is_idempotent(spec, kind, labels):
    obj = {"apiVersion": "projectcalico.org/v3", "kind": kind, "metadata": {"name": "p", "labels": labels},
           "spec": spec}
    before = copy.deepcopy(obj)
    once = normalize_resource(obj)
    assert normalize_resource(once) == once
    assert obj == before
    assert once["spec"]["types"], "types is always set after normalisation, as Calico reads it back"


@settings(max_examples=150, deadline=None)
@given(spec=st.fixed_dictionaries({"cidr": st.sampled_from(["10.0.0.0/16", "10.0.0.7/16", "FD00::/64", "bad"])},
                                  optional={"blockSize": st.sampled_from([0, 20, 26, 122]),
                                            "ipipMode": st.sampled_from(["", "Never", "Always"]),
                                            "vxlanMode": st.sampled_from(["", "Never", "CrossSubnet"]),
                                            "nodeSelector": _selectors,
                                            "allowedUses": st.lists(st.sampled_from(["Workload", "Tunnel",
                                                                                     "LoadBalancer"]), max_size=3),
                                            "natOutgoing": st.booleans(),
                                            "assignmentMode": st.sampled_from(["Automatic", "Manual"])}))
def test_ippool_normalisation_is_idempotent(spec):
    once = normalize_spec("IPPool", spec)
    assert normalize_spec("IPPool", once) == once


_KINDS = ["NetworkPolicy", "GlobalNetworkPolicy", "IPPool", "BGPPeer", "BGPConfiguration", "FelixConfiguration",
          "KubeControllersConfiguration", "HostEndpoint", "Tier"]
_KEYS = ["ingress", "egress", "types", "selector", "action", "protocol", "source", "destination", "ports", "nets",
         "cidr", "blockSize", "ipipMode", "allowedUses", "nodeSelector", "asNumber", "peerIP", "maxRestartTime",
         "serviceClusterIPs", "controllers", "node", "hostEndpoint", "leakGracePeriod", "reconcilerPeriod",
         "reportingInterval", "failsafeInboundHostPorts", "healthTimeoutOverrides", "natPortRange", "expectedIPs",
         "tier", "preDNAT", "labels", "annotations", "ipip", "nat-outgoing"]
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 70000),
                     st.sampled_from(["", "TCP", "6", "Allow", "Ingress", "Egress", "10.0.0.1/8", "FD00::1", "80",
                                      "80:80", "all()", "a==b", "Never", "default", "1.2", "90s", "0"]))
_JSON = st.recursive(_SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(st.sampled_from(_KEYS), children, max_size=4)), max_leaves=25)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(_KINDS), metadata=_JSON,
       spec=st.one_of(_JSON, st.dictionaries(st.sampled_from(_KEYS), _JSON, max_size=6)))
def test_normalisation_of_any_input_is_idempotent(kind, metadata, spec):
    once = normalize_resource({"kind": kind, "metadata": metadata, "spec": spec})
    assert normalize_resource(once) == once


@pytest.mark.parametrize("spec, aggregated, native", [
    ({"egress": []}, ["Ingress"], ["Egress"]),
    ({"ingress": [{"action": "Allow"}], "egress": []}, ["Ingress"], ["Ingress", "Egress"]),
    ({"ingress": []}, ["Ingress"], ["Ingress"]),
    ({"egress": [{"action": "Deny"}]}, ["Egress"], ["Egress"]),
    ({"types": ["Ingress"], "egress": []}, ["Ingress"], ["Ingress"]),
])
def test_policy_types_default_per_write_path(spec, aggregated, native):
    # clientv3 counts rules (len(egress) > 0); the native CRDs' admission policy counts keys (has(spec.egress)).
    assert normalize_spec("GlobalNetworkPolicy", spec)["types"] == aggregated
    assert normalize_spec("GlobalNetworkPolicy", spec, api_kind="native")["types"] == native
    once = normalize_spec("GlobalNetworkPolicy", spec, api_kind="native")
    assert normalize_spec("GlobalNetworkPolicy", once, api_kind="native") == once


def test_selectors_can_be_kept_as_written():
    spec = {"selector": "app=='a'", "ingress": [{"action": "Allow", "source": {"selector": "b in {'y','x'}"}}]}
    assert normalize_spec("GlobalNetworkPolicy", spec)["selector"] == 'app == "a"'
    kept = normalize_spec("GlobalNetworkPolicy", spec, canonical_selectors=False)
    assert kept["selector"] == "app=='a'" and kept["ingress"][0]["source"]["selector"] == "b in {'y','x'}"
    pool = normalize_spec("IPPool", {"cidr": "10.0.0.0/16", "nodeSelector": "x=='1'"}, canonical_selectors=False)
    assert pool["nodeSelector"] == "x=='1'"
