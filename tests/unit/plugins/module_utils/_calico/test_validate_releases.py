# -*- coding: utf-8 -*-
# Copyright (c) calicolab.ccol1 contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Rules that differ by Calico release, and the warnings about valid but unintended input.

Each row was read in Calico's own source at the release it names (libcalico-go/lib/validator/v3/validator.go,
libcalico-go/lib/clientv3/ippool.go, libcalico-go/lib/names/policy.go, the CRD schemas), as listed in
reference/source-audit.md. A row gives the resource, the release, and either None (valid) or the field path of
the one problem expected with fragments that must appear in it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.validate import (
    validation_problems,
    validation_warnings,
)

V321 = (3, 21)
V330 = (3, 30)
V331 = (3, 31)
V332 = (3, 32)


def resource(kind, spec, name="p1", namespace=None):
    meta = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    return {"apiVersion": "projectcalico.org/v3", "kind": kind, "metadata": meta, "spec": spec}


def gnp(name, **spec):
    return resource("GlobalNetworkPolicy", spec, name=name)


def rule(**fields):
    fields.setdefault("action", "Allow")
    return resource("NetworkPolicy", {"ingress": [fields]}, name="np1", namespace="yaobank")


def ippool(**spec):
    spec.setdefault("cidr", "198.19.24.0/21")
    return resource("IPPool", spec, name="pool1")


CASES = [
    # Policy names: one label in v3.21; "<tier>." rules in v3.29-v3.31; at most one dot from v3.32.
    ("name-label", gnp("allow-dns"), V321, None, []),
    ("name-label", gnp("allow-dns"), V332, None, []),
    ("name-dotted-default-tier", gnp("allow.dns"), V321, "metadata.name", ['"allow.dns"', "one DNS-1123 label"]),
    ("name-dotted-default-tier", gnp("allow.dns"), V330, "metadata.name", ['"allow.dns"', '"default."']),
    ("name-dotted-default-tier", gnp("allow.dns"), V332, None, []),
    ("name-default-prefix", gnp("default.allow-dns"), V330, None, []),
    ("name-tier-prefix", gnp("security.allow", tier="security"), V321, "metadata.name", ["one DNS-1123 label"]),
    ("name-tier-prefix", gnp("security.allow", tier="security"), V331, None, []),
    ("name-tier-prefix", gnp("security.allow", tier="security"), V332, None, []),
    ("name-without-tier-prefix", gnp("allow", tier="security"), V330, "metadata.name",
     ['"allow"', '"security"', "security.<name>"]),
    ("name-without-tier-prefix", gnp("allow", tier="security"), V332, None, []),
    ("name-other-tier-prefix", gnp("ops.allow", tier="sec"), V331, "metadata.name", ['"ops.allow"', "sec.<name>"]),
    ("name-other-tier-prefix", gnp("ops.allow", tier="sec"), V332, None, []),
    ("name-two-dots", gnp("a.b.c"), V332, "metadata.name", ['"a.b.c"', "one or two DNS-1123 labels"]),
    # No 63-character limit per label in any release; 253 characters in all.
    ("name-long-label", gnp("a" * 70), V321, None, []),
    ("name-long-label", gnp("a" * 70 + ".b"), V332, None, []),
    ("name-too-long", gnp("a" * 254), V332, "metadata.name", ["254 characters", "at most 253"]),
    ("np-name-knp", resource("NetworkPolicy", {}, name="knp.default.web", namespace="ns"), V321, None, []),
    # FelixConfiguration and BGPConfiguration: any DNS-1123 subdomain in every release.
    ("felix-any-name", resource("FelixConfiguration", {}, name="rack1"), V321, None, []),
    ("bgp-any-name", resource("BGPConfiguration", {"listenPort": 179}, name="rack1.bgp"), V321, None, []),
    ("felix-selector-scoped", resource("FelixConfiguration", {"nodeSelector": "rack == '1'"}, name="rack1"),
     V332, None, []),
    ("felix-selector-v321", resource("FelixConfiguration", {"nodeSelector": "rack == '1'"}, name="rack1"),
     V321, "spec.nodeSelector", ["Calico v3.21", "from v3.32 on"]),
    ("felix-selector-on-default-v321", resource("FelixConfiguration", {"nodeSelector": "all()"}, name="default"),
     V321, "spec.nodeSelector", ["Calico v3.21", "from v3.32 on"]),
    ("felix-selector-on-node", resource("FelixConfiguration", {"nodeSelector": "all()"}, name="node.n1"),
     V332, "spec.nodeSelector", ['"node.n1"', "default and node.<nodename>"]),
    # Named ports without a protocol: from v3.32 when every port of the list is named.
    ("named-ports-no-protocol", rule(destination={"ports": ["http", "metrics"]}), V321,
     "spec.ingress[0].destination.ports", ["no protocol", "Calico v3.21", "named ones included"]),
    ("named-ports-no-protocol", rule(destination={"ports": ["http", "metrics"]}), V332, None, []),
    ("mixed-ports-no-protocol", rule(destination={"ports": ["http", 8080]}), V332,
     "spec.ingress[0].destination.ports", ['["http", 8080]', "only named ports"]),
    ("named-ports-icmp", rule(protocol="ICMP", destination={"ports": ["http"]}), V332,
     "spec.ingress[0].destination.ports", ['"ICMP"', "TCP, UDP or SCTP"]),
    # notNets 0.0.0.0/0 and ::/0 are refused from v3.31.
    ("not-nets-catch-all", rule(source={"notNets": ["0.0.0.0/0"]}), V321, None, []),
    ("not-nets-catch-all", rule(source={"notNets": ["0.0.0.0/0"]}), V332, "spec.ingress[0].source.notNets[0]",
     ['"0.0.0.0/0"', "catch-all"]),
    ("not-nets-catch-all-v6", rule(ipVersion=6, destination={"notNets": ["::/0"]}), V331,
     "spec.ingress[0].destination.notNets[0]", ['"::/0"', "catch-all"]),
    ("nets-catch-all", rule(source={"nets": ["0.0.0.0/0"]}), V332, None, []),
    # global() in a rule namespaceSelector: before v3.30 only "&& global()"/"global() ||" were refused; from v3.30
    # Calico tokenizes and takes global() only alone.
    ("ns-selector-not-global", rule(source={"namespaceSelector": "!global()"}), V321, None, []),
    ("ns-selector-not-global", rule(source={"namespaceSelector": "!global()"}), V332,
     "spec.ingress[0].source.namespaceSelector", ['"!global()"', "on its own"]),
    ("ns-selector-parenthesised-global", rule(source={"namespaceSelector": "(global())"}), V321, None, []),
    ("ns-selector-parenthesised-global", rule(source={"namespaceSelector": "(global())"}), V330,
     "spec.ingress[0].source.namespaceSelector", ['"(global())"']),
    ("ns-selector-global-or", rule(source={"namespaceSelector": "global() || has(a)"}), V321,
     "spec.ingress[0].source.namespaceSelector", ["on its own"]),
    ("ns-selector-global-spaces", rule(source={"namespaceSelector": " global() "}), V332, None, []),
    # IPPool selectors: global() refused from v3.31, not looked for before.
    ("pool-node-selector-global", ippool(nodeSelector="global()"), V321, None, []),
    ("pool-node-selector-global", ippool(nodeSelector="global()"), V332, "spec.nodeSelector", ['"global()"']),
    # IPPool: the default block size is checked against the prefix too.
    ("pool-28-defaulted", ippool(cidr="198.19.24.0/28"), V321, "spec.blockSize",
     ["unset", "default 26", "/28", "at least 28"]),
    ("pool-28-defaulted", ippool(cidr="198.19.24.0/28"), V332, "spec.blockSize", ["default 26"]),
    ("pool-v6-124-defaulted", ippool(cidr="fd00::/124"), V332, "spec.blockSize", ["default 122", "at least 124"]),
    ("pool-28-disabled", ippool(cidr="198.19.24.0/28", disabled=True), V332, None, []),
    ("pool-28-block-28", ippool(cidr="198.19.24.0/28", blockSize=28), V321, None, []),
    ("pool-v6-vxlan", ippool(cidr="fd00:10:244::/64", vxlanMode="Always"), V321, "spec.vxlanMode",
     ['"Always"', "IPv6", "v3.23"]),
    ("pool-v6-vxlan", ippool(cidr="fd00:10:244::/64", vxlanMode="Always"), V332, None, []),
    ("pool-lb", ippool(allowedUses=["LoadBalancer"]), V321, "spec.allowedUses[0]",
     ['"LoadBalancer"', "Calico v3.21", "Workload or Tunnel"]),
    ("pool-lb", ippool(allowedUses=["LoadBalancer"]), V332, None, []),
    ("pool-lb-all", ippool(allowedUses=["LoadBalancer"], nodeSelector="all()"), V332, None, []),
    ("pool-lb-node-selector", ippool(allowedUses=["LoadBalancer"], nodeSelector="lb == 'true'"), V332,
     "spec.nodeSelector", ['"lb == \'true\'"', '"all()"']),
    ("pool-lb-no-export", ippool(allowedUses=["LoadBalancer"], disableBGPExport=True), V330,
     "spec.disableBGPExport", ["LoadBalancer", "false"]),
    ("pool-namespace-selector-default-uses", ippool(namespaceSelector="team == 'a'"), V332, "spec.namespaceSelector",
     ['"team == \'a\'"', "Tunnel", "allowedUses: [Workload]"]),
    ("pool-namespace-selector-tunnel", ippool(namespaceSelector="all()", allowedUses=["Workload", "Tunnel"]), V332,
     "spec.namespaceSelector", ["Tunnel"]),
    ("pool-namespace-selector-workload", ippool(namespaceSelector="all()", allowedUses=["Workload"]), V332, None, []),
    # Log levels: Trace from v3.31 for Felix and BGP; KubeControllersConfiguration never None or Panic, and Trace
    # only in v3.31 (validator yes, no CRD enum) - the v3.32 CRD enum has no Trace.
    ("bgp-trace", resource("BGPConfiguration", {"logSeverityScreen": "Trace"}, name="default"), V321,
     "spec.logSeverityScreen", ['"Trace"', "Calico v3.21", "Debug"]),
    ("bgp-trace", resource("BGPConfiguration", {"logSeverityScreen": "Trace"}, name="default"), V332, None, []),
    ("kcc-none", resource("KubeControllersConfiguration", {"logSeverityScreen": "None"}, name="default"), V332,
     "spec.logSeverityScreen", ['"None"', "Debug, Info, Warning, Error, Fatal"]),
    ("kcc-panic", resource("KubeControllersConfiguration", {"logSeverityScreen": "Panic"}, name="default"), V321,
     "spec.logSeverityScreen", ['"Panic"']),
    ("kcc-trace", resource("KubeControllersConfiguration", {"logSeverityScreen": "Trace"}, name="default"), V332,
     "spec.logSeverityScreen", ['"Trace"', "Calico v3.32"]),
    ("kcc-trace", resource("KubeControllersConfiguration", {"logSeverityScreen": "Trace"}, name="default"), V331,
     None, []),
    ("kcc-trace", resource("KubeControllersConfiguration", {"logSeverityScreen": "Trace"}, name="default"), V321,
     "spec.logSeverityScreen", ['"Trace"', "Calico v3.21"]),
    # Durations outside FelixConfiguration follow Go's ParseDuration in every release.
    ("peer-fraction", resource("BGPPeer", {"peerIP": "10.0.0.1", "asNumber": 1, "keepaliveTime": "1.5s"},
                               name="peer1"), V332, None, []),
    ("peer-zero", resource("BGPPeer", {"peerIP": "10.0.0.1", "asNumber": 1, "maxRestartTime": "0"}, name="peer1"),
     V321, None, []),
    # Felix: the request's bpfLogLevel "" (every Go writer emits it) is valid in both releases.
    ("felix-bpf-log-level-empty", resource("FelixConfiguration", {"bpfLogLevel": ""}, name="default"), V321,
     None, []),
    ("felix-bpf-log-level-empty", resource("FelixConfiguration", {"bpfLogLevel": ""}, name="default"), V332,
     None, []),
]


@pytest.mark.parametrize("case_id,obj,release,path,fragments", CASES,
                         ids=["%s-v%d.%d" % (c[0], c[2][0], c[2][1]) for c in CASES])
def test_rules_follow_the_release(case_id, obj, release, path, fragments):
    problems = validation_problems(obj, release)
    if path is None:
        assert problems == []
        return
    assert len(problems) == 1, problems
    assert problems[0].startswith(path + " "), problems[0]
    for fragment in fragments:
        assert fragment in problems[0], (fragment, problems[0])
    assert problems[0].endswith("."), problems[0]


def test_none_means_the_newest_release():
    for case_id, obj, release, path, fragments in CASES:
        if release == V332:
            assert validation_problems(obj) == validation_problems(obj, V332), case_id


# ---------------------------------------------------------------------------------------------------------
# Warnings: input Calico takes (or that a native-CRD cluster would store) but that means something else.


def test_dash_port_range_is_taken_as_a_port_name_and_the_colon_form_is_suggested():
    obj = rule(protocol="TCP", destination={"ports": [22, "30000-32767"]})
    warnings = validation_warnings(obj)
    assert len(warnings) == 1
    assert warnings[0].startswith("spec.ingress[0].destination.ports[1] ")
    for fragment in ('"30000-32767"', "named port", '"30000:32767"'):
        assert fragment in warnings[0], (fragment, warnings[0])
    # Through the Calico API server the validator refuses it too (a port name needs a letter).
    assert any('"30000:32767"' in problem for problem in validation_problems(obj))


@pytest.mark.parametrize("kind,spec,path", [
    ("BGPPeer", {"peerIP": "198.19.15.254", "asNumber": "1.10"}, "spec.asNumber"),
    ("BGPPeer", {"peerIP": "198.19.15.254", "asNumber": 64512, "localASNumber": "1.10"}, "spec.localASNumber"),
    ("BGPConfiguration", {"asNumber": "1.10"}, "spec.asNumber"),
])
def test_asdot_as_number_says_which_as_it_is(kind, spec, path):
    obj = resource(kind, spec, name="default")
    assert validation_problems(obj) == []
    warnings = validation_warnings(obj)
    assert len(warnings) == 1
    assert warnings[0].startswith(path + " ")
    assert "AS 65546" in warnings[0] and '"1.10"' in warnings[0]


@pytest.mark.parametrize("obj", [
    rule(protocol="TCP", destination={"ports": ["30000:32767", "http", 80]}),
    resource("BGPPeer", {"peerIP": "10.0.0.1", "asNumber": "64512"}, name="peer1"),
    resource("BGPConfiguration", {"asNumber": 64512}, name="default"),
    resource("IPPool", {"cidr": "10.0.0.0/16"}, name="pool"),
    "not a resource",
    {"kind": "NetworkPolicy", "spec": {"ingress": [{"destination": {"ports": "x"}}, "junk"]}},
])
def test_plain_input_gets_no_warning(obj):
    assert validation_warnings(obj) == []
