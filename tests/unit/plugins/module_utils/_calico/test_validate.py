# -*- coding: utf-8 -*-
# Copyright (c) calicolab.ccol1 contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Table-driven tests of the Calico v3 field rules (calico-facts.md sections 1 and 3).

Each bad case names the one problem it expects: the field path, and fragments that show the value and what is
allowed. The course's own projectcalico.org/v3 manifests must validate cleanly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import functools
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico import validate
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.validate import (
    CalicoValidationError,
    check_resource,
    validation_problems,
)
from ansible_collections.calicolab.ccol1.tests.shared_reference import (
    MISSING_REASON,
    course_v3_manifests,
    crd_schema_dir,
    shared_dir,
)


def resource(kind, spec, name="p1", namespace=None, **metadata):
    meta = dict(name=name, **metadata)
    if namespace is not None:
        meta["namespace"] = namespace
    return {"apiVersion": "projectcalico.org/v3", "kind": kind, "metadata": meta, "spec": spec}


def gnp(**spec):
    return resource("GlobalNetworkPolicy", spec, name="gnp1")


def np(**spec):
    return resource("NetworkPolicy", spec, name="np1", namespace="yaobank")


def ingress(**rule):
    rule.setdefault("action", "Allow")
    return gnp(ingress=[rule])


def egress(**rule):
    rule.setdefault("action", "Allow")
    return gnp(egress=[rule])


def ippool(**spec):
    spec.setdefault("cidr", "198.19.24.0/21")
    return resource("IPPool", spec, name="pool1")


def peer(**spec):
    return resource("BGPPeer", spec, name="peer1")


def bgpconfig(name="default", **spec):
    return resource("BGPConfiguration", spec, name=name)


def felix(name="default", **spec):
    return resource("FelixConfiguration", spec, name=name)


def kcc(name="default", **spec):
    spec.setdefault("controllers", {})
    return resource("KubeControllersConfiguration", spec, name=name)


def hep(**spec):
    spec.setdefault("node", "node1")
    return resource("HostEndpoint", spec, name="node1-eth0")


GOOD = [
    ("gnp-empty", gnp()),
    ("gnp-full-host-policy", gnp(order=100, selector="has(kubernetes.io/hostname)", applyOnForward=True,
                                 preDNAT=True, ingress=[{"action": "Deny", "protocol": "TCP",
                                                         "destination": {"ports": ["30000:32767"]}}])),
    ("gnp-untracked", gnp(doNotTrack=True, applyOnForward=True, types=["Ingress", "Egress"])),
    ("gnp-float-order", gnp(order=10.5)),
    ("gnp-tier-prefix", resource("GlobalNetworkPolicy", {"tier": "security"}, name="security.allow-dns")),
    ("np-with-sa-selector", np(serviceAccountSelector="role == 'db'", types=["Egress"])),
    ("rule-all-actions", gnp(ingress=[{"action": a} for a in ("Allow", "Deny", "Log", "Pass")])),
    ("rule-protocol-names", gnp(ingress=[{"action": "Allow", "protocol": p}
                                         for p in ("TCP", "UDP", "ICMP", "ICMPv6", "SCTP", "UDPLite")])),
    ("rule-protocol-numbers", gnp(ingress=[{"action": "Allow", "protocol": p} for p in (1, 255, "17")])),
    ("rule-port-forms", ingress(protocol="TCP", destination={"ports": [80, "443", "8000:8080", "http-alt", "9:9"]})),
    ("rule-ports-by-number", ingress(protocol=6, destination={"notPorts": [22]})),
    ("rule-sctp-ports", ingress(protocol="SCTP", destination={"ports": [9000]})),
    ("rule-icmp", ingress(protocol="ICMP", ipVersion=4, icmp={"type": 8, "code": 0})),
    ("rule-icmpv6", ingress(protocol="ICMPv6", ipVersion=6, notICMP={"type": 128})),
    ("rule-icmp-by-number-not-icmp", ingress(protocol=1, notICMP={"type": 254, "code": 255})),
    ("rule-not-icmp-without-protocol", ingress(notICMP={"type": 8})),
    ("rule-nets", ingress(source={"nets": ["10.0.0.0/8", "198.19.15.254/32"], "notNets": ["10.1.0.0/16"]})),
    ("rule-nets-v6", ingress(ipVersion=6, source={"nets": ["fd00::/64"]}, destination={"nets": ["2001:db8::/32"]})),
    ("rule-selectors", ingress(source={"selector": "app == 'web'", "notSelector": "has(debug)",
                                       "namespaceSelector": "projectcalico.org/name == 'prod'"})),
    ("rule-global-namespace-selector", ingress(source={"namespaceSelector": "global()"})),
    # Calico does not look for global() in notSelector or serviceAccounts.selector (validator.go).
    ("rule-not-selector-global", ingress(source={"notSelector": "global()"})),
    ("rule-service-accounts", ingress(source={"serviceAccounts": {"names": ["api"], "selector": "team == 'a'"}})),
    ("rule-services-egress", egress(destination={"services": {"name": "kubernetes", "namespace": "default"}})),
    ("rule-services-ingress", ingress(source={"services": {"name": "web", "namespace": "prod"}})),
    ("rule-http", ingress(protocol="TCP", http={"methods": ["GET"]})),
    ("ippool-course", ippool(blockSize=29, ipipMode="Never", natOutgoing=True, nodeSelector="!all()")),
    ("ippool-v6", resource("IPPool", {"cidr": "fd00:10:244::/64", "blockSize": 122, "vxlanMode": "Always"})),
    ("ippool-ipip-cross-subnet", ippool(ipipMode="CrossSubnet", vxlanMode="Never")),
    ("ippool-block-edges", ippool(cidr="10.0.0.0/16", blockSize=20)),
    ("ippool-uses", ippool(allowedUses=["Workload", "Tunnel"], assignmentMode="Manual")),
    ("ippool-lb", ippool(allowedUses=["LoadBalancer"])),
    ("ippool-disabled-small", ippool(cidr="10.0.0.0/16", blockSize=20, disabled=True)),
    ("peer-course", peer(peerIP="198.19.15.254", asNumber=64512)),
    ("peer-ipv4-port", peer(peerIP="198.19.15.254:1179", asNumber="64512")),
    ("peer-ipv6-port", peer(peerIP="[fd00::1]:179", asNumber="1.10", node="node1")),
    ("peer-selector", peer(peerSelector="route-reflector == 'true'", nodeSelector="all()")),
    ("peer-as-max", peer(peerIP="10.0.0.1", asNumber=4294967295, sourceAddress="None", maxRestartTime="2m30s")),
    ("peer-password", peer(peerIP="10.0.0.1", asNumber=65001,
                           password={"secretKeyRef": {"name": "bgp-secrets", "key": "rr-password"}})),
    ("bgpconfig-course", bgpconfig(serviceClusterIPs=[{"cidr": "198.19.32.0/20"}])),
    ("bgpconfig-full", bgpconfig(asNumber=64512, nodeToNodeMeshEnabled=False, logSeverityScreen="Info",
                                 listenPort=179, serviceExternalIPs=[{"cidr": "fd00::/112"}],
                                 communities=[{"name": "c", "value": "64512:100"}],
                                 prefixAdvertisements=[{"cidr": "198.19.16.0/21", "communities": ["c", "1:2:3"]}])),
    ("bgpconfig-bare-ip", bgpconfig(serviceLoadBalancerIPs=[{"cidr": "198.19.48.10"}])),
    ("bgpconfig-any-name", bgpconfig(name="rack1-config", logSeverityScreen="Info")),
    ("felix-any-name", felix(name="wireguard-nodes", nodeSelector="wireguard == 'true'")),
    ("bgpconfig-node", bgpconfig(name="node.node1", logSeverityScreen="Debug", listenPort=1179)),
    ("felix-default", felix(wireguardEnabled=True, bpfExternalServiceMode="DSR", reportingInterval="0s",
                            logSeverityScreen="Info", chainInsertMode="append")),
    ("felix-node", felix(name="node.node1",
                         failsafeInboundHostPorts=[{"protocol": "TCP", "port": 22},
                                                   {"port": 6443, "net": "10.0.0.0/8"}])),
    ("kcc-autocreate", kcc(controllers={"node": {"hostEndpoint": {"autoCreate": "Enabled"},
                                                 "reconcilerPeriod": "5m", "syncLabels": "Enabled"}})),
    ("kcc-null-hep", kcc(controllers={"node": {"hostEndpoint": None}})),
    ("hep-interface", hep(interfaceName="eth0", profiles=["projectcalico-default-allow"])),
    ("hep-wildcard", hep(interfaceName="*", expectedIPs=["198.19.0.1", "fd00::1"])),
    ("hep-ips-and-ports", hep(expectedIPs=["198.19.0.1"], ports=[{"name": "ssh", "protocol": "TCP", "port": 22}])),
    ("unknown-kind", resource("Tier", {"order": 100}, name="security")),
]


@pytest.mark.parametrize("case_id,obj", GOOD, ids=[c[0] for c in GOOD])
def test_valid_resources_have_no_problems(case_id, obj):
    assert validation_problems(obj) == []
    check_resource(obj)


# (id, resource, path in the problem, fragments that must appear in the same problem)
BAD = [
    # metadata and names
    ("policy-name-dots", resource("GlobalNetworkPolicy", {}, name="a.b.c"), "metadata.name", ['"a.b.c"', "tier"]),
    ("policy-name-upper", resource("NetworkPolicy", {}, name="Allow", namespace="ns"), "metadata.name",
     ['"Allow"', "DNS-1123 label"]),
    ("name-missing", resource("IPPool", {"cidr": "10.0.0.0/8"}, name=""), "metadata.name", ["missing"]),
    ("pool-name-underscore", resource("IPPool", {"cidr": "10.0.0.0/8"}, name="my_pool"), "metadata.name",
     ['"my_pool"', "DNS-1123 subdomain"]),
    ("felix-name", felix(name="Node1"), "metadata.name", ['"Node1"', "DNS-1123 subdomain"]),
    ("bgpconfig-name", bgpconfig(name="rack_1"), "metadata.name", ['"rack_1"', "DNS-1123 subdomain"]),
    ("felix-node-selector-on-default", felix(nodeSelector="all()"), "spec.nodeSelector",
     ['"all()"', '"default"', "other than default and node.<nodename>"]),
    ("kcc-name", kcc(name="node.x"), "metadata.name", ['"node.x"', "default"]),
    ("namespace-on-cluster-kind", resource("IPPool", {"cidr": "10.0.0.0/8"}, name="p", namespace="x"),
     "metadata.namespace", ['"x"', "cluster-scoped"]),
    ("api-version", dict(ippool(), apiVersion="crd.projectcalico.org/v1"), "apiVersion",
     ['"crd.projectcalico.org/v1"', "projectcalico.org/v3"]),
    ("label-not-string", resource("IPPool", {"cidr": "10.0.0.0/8"}, name="p", labels={"a": 1}),
     'metadata.labels["a"]', ["1", "string"]),
    # policy top level
    ("order-string", gnp(order="100"), "spec.order", ['"100"', "a number"]),
    ("selector-syntax", gnp(selector="app == web"), "spec.selector", ['"app == web"', "position"]),
    ("selector-global", gnp(selector="global()"), "spec.selector", ['"global()"', "namespaceSelector"]),
    ("types-unknown", gnp(types=["ingress"]), "spec.types[0]", ['"ingress"', "Ingress", "case-sensitive"]),
    ("types-duplicate", gnp(types=["Ingress", "Ingress"]), "spec.types[1]", ['"Ingress"', "twice"]),
    ("types-not-list", gnp(types="Ingress"), "spec.types", ['"Ingress"', "list"]),
    ("prednat-egress-rules", gnp(preDNAT=True, applyOnForward=True, egress=[{"action": "Allow"}]),
     "spec.egress", ["preDNAT", "ingress rules"]),
    ("prednat-egress-type", gnp(preDNAT=True, applyOnForward=True, types=["Ingress", "Egress"]),
     "spec.types", ['["Ingress", "Egress"]', "Ingress type"]),
    ("prednat-no-forward", gnp(preDNAT=True), "spec.applyOnForward", ["null", "applyOnForward: true"]),
    ("untracked-no-forward", gnp(doNotTrack=True, applyOnForward=False), "spec.applyOnForward",
     ["false", "doNotTrack", "applyOnForward: true"]),
    ("prednat-and-untracked", gnp(preDNAT=True, doNotTrack=True, applyOnForward=True), "spec.preDNAT",
     ["spec.doNotTrack", "both true", "not both"]),
    ("prednat-bool", gnp(preDNAT="yes"), "spec.preDNAT", ['"yes"', "boolean"]),
    ("np-namespace-selector", np(namespaceSelector="all()"), "spec.namespaceSelector",
     ['"all()"', "GlobalNetworkPolicy"]),
    ("np-prednat", np(preDNAT=True), "spec.preDNAT", ["true", "GlobalNetworkPolicy"]),
    ("spec-unknown-key", gnp(ingres=[]), "spec.ingres", ["not a known", "ingress"]),
    ("rules-not-list", gnp(ingress={"action": "Allow"}), "spec.ingress", ["list of rules"]),
    # rules
    ("action-missing", gnp(ingress=[{"protocol": "TCP"}]), "spec.ingress[0].action", ["missing", "Allow"]),
    ("action-case", ingress(action="allow"), "spec.ingress[0].action", ['"allow"', "case-sensitive", "Allow"]),
    ("action-unknown", egress(action="Accept"), "spec.egress[0].action", ['"Accept"', "Allow, Deny, Log, Pass"]),
    ("ip-version", ingress(ipVersion=5), "spec.ingress[0].ipVersion", ["5", "4 or 6"]),
    ("protocol-lower", ingress(protocol="tcp"), "spec.ingress[0].protocol", ['"tcp"', "case-sensitive", "TCP"]),
    ("protocol-zero", ingress(protocol=0), "spec.ingress[0].protocol", ["0", "1 to 255"]),
    ("protocol-256", ingress(notProtocol="256"), "spec.ingress[0].notProtocol", ['"256"', "1 to 255"]),
    ("protocol-name", ingress(protocol="GRE"), "spec.ingress[0].protocol", ['"GRE"', "UDPLite"]),
    ("icmp-with-tcp", ingress(protocol="TCP", icmp={"type": 8}), "spec.ingress[0].icmp", ['"TCP"', "ICMPv6"]),
    ("icmp-without-protocol", ingress(icmp={"type": 8}), "spec.ingress[0].icmp", ["null", "ICMP"]),
    ("icmp-with-number-1", ingress(protocol=1, icmp={"type": 8}), "spec.ingress[0].icmp", ["1", "as a name"]),
    ("icmp-with-digit-string", ingress(protocol="58", icmp={"type": 128}), "spec.ingress[0].icmp",
     ['"58"', "ICMPv6", "as a name"]),
    ("not-protocol-icmp-version", ingress(notProtocol="ICMP", ipVersion=6), "spec.ingress[0].ipVersion",
     ["6", "notProtocol", '"ICMP"', "ipVersion 4"]),
    ("icmp-type-range", ingress(protocol="ICMP", icmp={"type": 255}), "spec.ingress[0].icmp.type",
     ["255", "0 to 254"]),
    ("icmp-code-range", ingress(protocol="ICMP", icmp={"type": 3, "code": 256}), "spec.ingress[0].icmp.code",
     ["256", "0 to 255"]),
    ("icmp-code-needs-type", ingress(protocol="ICMP", icmp={"code": 1}), "spec.ingress[0].icmp.code",
     ["1", "needs", "type"]),
    ("icmp-v6-version", ingress(protocol="ICMP", ipVersion=6), "spec.ingress[0].ipVersion",
     ["6", '"ICMP"', "ipVersion 4"]),
    ("icmpv6-v4-version", ingress(protocol="ICMPv6", ipVersion=4), "spec.ingress[0].ipVersion",
     ["4", '"ICMPv6"', "with 6"]),
    ("port-zero", ingress(protocol="TCP", destination={"ports": [80, 0]}), "spec.ingress[0].destination.ports[1]",
     ["0", "1 to 65535"]),
    ("port-too-big", ingress(protocol="UDP", destination={"ports": [65536]}),
     "spec.ingress[0].destination.ports[0]", ["65536", "1 to 65535"]),
    ("port-zero-string", ingress(protocol="UDP", destination={"ports": ["0"]}),
     "spec.ingress[0].destination.ports[0]", ['"0"', "1 to 65535"]),
    ("port-range-reversed", ingress(protocol="TCP", destination={"ports": ["32767:30000"]}),
     "spec.ingress[0].destination.ports[0]", ['"32767:30000"', "min <= max"]),
    ("port-range-zero", ingress(protocol="TCP", destination={"ports": ["0:10"]}),
     "spec.ingress[0].destination.ports[0]", ['"0:10"', "min:max"]),
    ("port-range-three", ingress(protocol="TCP", destination={"ports": ["1:2:3"]}),
     "spec.ingress[0].destination.ports[0]", ['"1:2:3"', "min:max"]),
    ("port-name-bad", ingress(protocol="TCP", source={"notPorts": ["http alt"]}),
     "spec.ingress[0].source.notPorts[0]", ['"http alt"', "port name"]),
    ("port-bool", ingress(protocol="TCP", destination={"ports": [True]}),
     "spec.ingress[0].destination.ports[0]", ["true", "1 to 65535"]),
    ("ports-without-protocol", ingress(destination={"ports": [80]}), "spec.ingress[0].destination.ports",
     ["[80]", "without a protocol", "TCP, UDP or SCTP"]),
    ("port-name-too-long", ingress(protocol="TCP", destination={"ports": ["metrics-exporter"]}),
     "spec.ingress[0].destination.ports[0]", ['"metrics-exporter"', "at most 15"]),
    ("port-name-upper", ingress(protocol="TCP", destination={"ports": ["HTTP"]}),
     "spec.ingress[0].destination.ports[0]", ['"HTTP"', "lower-case"]),
    ("port-name-underscore", ingress(protocol="TCP", destination={"ports": ["http_alt"]}),
     "spec.ingress[0].destination.ports[0]", ['"http_alt"', "port name"]),
    ("port-name-dash-range", ingress(protocol="TCP", destination={"ports": ["30000-32767"]}),
     "spec.ingress[0].destination.ports[0]", ['"30000-32767"', "needs a letter", '"30000:32767"']),
    ("port-name-double-dash", ingress(protocol="TCP", destination={"ports": ["a--b"]}),
     "spec.ingress[0].destination.ports[0]", ['"a--b"', '"--"']),
    ("ports-with-icmp", ingress(protocol="ICMP", source={"notPorts": [80]}), "spec.ingress[0].source.notPorts",
     ['"ICMP"', "TCP, UDP or SCTP"]),
    ("ports-with-protocol-number", ingress(protocol=47, destination={"ports": [80]}),
     "spec.ingress[0].destination.ports", ["47", "6, 17, 132"]),
    ("nets-bare-ip", ingress(source={"nets": ["198.19.15.254"]}), "spec.ingress[0].source.nets[0]",
     ['"198.19.15.254"', "prefix length"]),
    ("nets-host-bits", ingress(source={"notNets": ["10.0.0.1/8"]}), "spec.ingress[0].source.notNets[0]",
     ['"10.0.0.1/8"', "10.0.0.0/8"]),
    ("nets-garbage", egress(destination={"nets": ["10.0.0.0/33"]}), "spec.egress[0].destination.nets[0]",
     ['"10.0.0.0/33"', "CIDR"]),
    ("nets-netmask-form", egress(destination={"nets": ["10.0.0.0/255.0.0.0"]}),
     "spec.egress[0].destination.nets[0]", ['"10.0.0.0/255.0.0.0"', "prefix length"]),
    ("nets-v6-host-bits", egress(destination={"nets": ["fd00::1/64"]}), "spec.egress[0].destination.nets[0]",
     ['"fd00::1/64"', "fd00::/64"]),
    ("nets-family-mix", ingress(source={"nets": ["10.0.0.0/8"]}, destination={"nets": ["fd00::/64"]}),
     "spec.ingress[0]", ["IPv4", "IPv6", "spec.ingress[0].source.nets[0]", "one address family"]),
    ("nets-ip-version", ingress(ipVersion=6, source={"nets": ["10.0.0.0/8"]}), "spec.ingress[0].source.nets[0]",
     ["IPv4", "ipVersion is 6"]),
    ("nets-not-list", ingress(source={"nets": "10.0.0.0/8"}), "spec.ingress[0].source.nets",
     ['"10.0.0.0/8"', "list of CIDRs"]),
    ("entity-selector-syntax", ingress(source={"selector": "app = 'x'"}), "spec.ingress[0].source.selector",
     ["app = 'x'", "position"]),
    ("entity-selector-global", ingress(source={"selector": "global()"}),
     "spec.ingress[0].source.selector", ['"global()"', "namespaceSelector"]),
    ("namespace-selector-global-combined", ingress(source={"namespaceSelector": "global() || has(a)"}),
     "spec.ingress[0].source.namespaceSelector", ["global() || has(a)", "on its own"]),
    ("entity-unknown-key", ingress(destination={"port": [80]}), "spec.ingress[0].destination.port",
     ["not a known", "ports"]),
    ("rule-unknown-key", gnp(ingress=[{"action": "Allow", "destinaton": {}}]), "spec.ingress[0].destinaton",
     ["not a known", "destination"]),
    ("sa-names-not-list", ingress(source={"serviceAccounts": {"names": "api"}}),
     "spec.ingress[0].source.serviceAccounts.names", ['"api"', "list of strings"]),
    ("sa-selector", ingress(source={"serviceAccounts": {"selector": "a =="}}),
     "spec.ingress[0].source.serviceAccounts.selector", ['"a =="', "position"]),
    ("services-with-selector", egress(destination={"services": {"name": "k", "namespace": "d"}, "selector": "a == 'b'"}),
     "spec.egress[0].destination.services", ["combined", "selector"]),
    ("services-egress-source", egress(source={"services": {"name": "k", "namespace": "d"}}),
     "spec.egress[0].source.services", ["egress source", "egress destination"]),
    ("services-ingress-destination", ingress(destination={"services": {"name": "k", "namespace": "d"}}),
     "spec.ingress[0].destination.services", ["ingress destination", "ingress source"]),
    ("services-destination-ports", egress(protocol="TCP", destination={"services": {"name": "k", "namespace": "d"},
                                                                       "ports": [443]}),
     "spec.egress[0].destination.ports", ["[443]", "not allowed"]),
    ("services-gnp-namespace", egress(destination={"services": {"name": "kubernetes"}}),
     "spec.egress[0].destination.services.namespace", ["null", "GlobalNetworkPolicy"]),
    ("services-name-missing", egress(destination={"services": {"namespace": "default"}}),
     "spec.egress[0].destination.services.name", ["null", "name of a Kubernetes Service"]),
    ("http-deny", ingress(action="Deny", http={"methods": ["GET"]}), "spec.ingress[0].http",
     ['"Deny"', "Allow rules"]),
    ("http-egress", egress(http={"methods": ["GET"]}), "spec.egress[0].http", ["egress", "ingress rules"]),
    # IPPool
    ("pool-cidr-missing", resource("IPPool", {"blockSize": 26}, name="p"), "spec.cidr", ["missing"]),
    ("pool-cidr-host-bits", ippool(cidr="198.19.24.1/21"), "spec.cidr", ['"198.19.24.1/21"', "198.19.24.0/21"]),
    ("pool-cidr-bare", ippool(cidr="198.19.24.0"), "spec.cidr", ['"198.19.24.0"', "prefix length"]),
    ("pool-link-local", ippool(cidr="169.254.0.0/24"), "spec.cidr", ['"169.254.0.0/24"', "link-local"]),
    ("pool-block-v4-small", ippool(cidr="10.0.0.0/8", blockSize=19), "spec.blockSize", ["19", "20 to 32 for IPv4"]),
    ("pool-block-v4-big", ippool(blockSize=33), "spec.blockSize", ["33", "20 to 32"]),
    ("pool-block-v6", resource("IPPool", {"cidr": "fd00::/64", "blockSize": 26}, name="p"), "spec.blockSize",
     ["26", "116 to 128 for IPv6"]),
    ("pool-block-vs-prefix", ippool(cidr="198.19.24.0/24", blockSize=22), "spec.blockSize",
     ["22", "prefix length 24", "at least 24"]),
    ("pool-block-string", ippool(blockSize="26"), "spec.blockSize", ['"26"', "integer"]),
    ("pool-ipip-mode", ippool(ipipMode="always"), "spec.ipipMode", ['"always"', "Always", "case-sensitive"]),
    ("pool-vxlan-mode", ippool(vxlanMode="Sometimes"), "spec.vxlanMode", ['"Sometimes"', "CrossSubnet"]),
    ("pool-both-encaps", ippool(ipipMode="Always", vxlanMode="CrossSubnet"), "spec.ipipMode",
     ['"Always"', '"CrossSubnet"', "only one encapsulation"]),
    ("pool-ipip-v6", resource("IPPool", {"cidr": "fd00::/64", "ipipMode": "Always"}, name="p"), "spec.ipipMode",
     ['"Always"', "IPv6", "Never"]),
    ("pool-node-selector", ippool(nodeSelector="!all("), "spec.nodeSelector", ['"!all("', "position"]),
    ("pool-allowed-uses", ippool(allowedUses=["Workloads"]), "spec.allowedUses[0]", ['"Workloads"', "Tunnel"]),
    ("pool-allowed-uses-dup", ippool(allowedUses=["Tunnel", "Tunnel"]), "spec.allowedUses[1]", ["twice"]),
    ("pool-lb-mixed", ippool(allowedUses=["LoadBalancer", "Workload"]), "spec.allowedUses",
     ["LoadBalancer cannot be combined"]),
    ("pool-nat-bool", ippool(natOutgoing="true"), "spec.natOutgoing", ['"true"', "boolean"]),
    ("pool-assignment-mode", ippool(assignmentMode="auto"), "spec.assignmentMode", ['"auto"', "Automatic"]),
    # BGPPeer
    ("peer-ip-bad", peer(peerIP="198.19.15.300", asNumber=64512), "spec.peerIP",
     ['"198.19.15.300"', "[IPv6]:port"]),
    ("peer-ip-v6-unbracketed-port", peer(peerIP="fd00::1]:179", asNumber=64512), "spec.peerIP",
     ['"fd00::1]:179"', "IPv4:port"]),
    ("peer-ip-leading-zero", peer(peerIP="010.0.0.1", asNumber=64512), "spec.peerIP", ['"010.0.0.1"', "IP address"]),
    ("peer-ip-integer-text", peer(peerIP="167772161", asNumber=64512), "spec.peerIP", ['"167772161"', "IP address"]),
    ("peer-ip-port-zero", peer(peerIP="10.0.0.1:0", asNumber=64512), "spec.peerIP", ['"10.0.0.1:0"', "1-65535"]),
    ("peer-as-negative", peer(peerIP="10.0.0.1", asNumber=-1), "spec.asNumber", ["-1", "4294967295"]),
    ("peer-as-too-big", peer(peerIP="10.0.0.1", asNumber=4294967296), "spec.asNumber", ["4294967296", "asdot"]),
    ("peer-as-asdot-bad", peer(peerIP="10.0.0.1", asNumber="1.65536"), "spec.asNumber", ['"1.65536"', "asdot"]),
    ("peer-as-text", peer(peerIP="10.0.0.1", asNumber="AS64512"), "spec.asNumber", ['"AS64512"', "digits"]),
    ("peer-node-and-selector", peer(node="node1", nodeSelector="all()", peerIP="10.0.0.1", asNumber=1),
     "spec.node", ['"node1"', '"all()"', "only one"]),
    ("peer-selector-and-ip", peer(peerSelector="rr == 'true'", peerIP="10.0.0.1"), "spec.peerIP",
     ['"10.0.0.1"', "peerSelector"]),
    ("peer-selector-and-as", peer(peerSelector="rr == 'true'", asNumber=64512), "spec.asNumber",
     ["64512", "peerSelector"]),
    ("peer-source-address", peer(peerIP="10.0.0.1", asNumber=1, sourceAddress="NodeIP"), "spec.sourceAddress",
     ['"NodeIP"', "UseNodeIP"]),
    ("peer-password-shape", peer(peerIP="10.0.0.1", asNumber=1, password={"secretKeyRef": {"name": "s"}}),
     "spec.password.secretKeyRef.key", ["null", "key"]),
    ("peer-password-plain", peer(peerIP="10.0.0.1", asNumber=1, password="hunter2"), "spec.password",
     ['"hunter2"', "secretKeyRef"]),
    ("peer-restart-time", peer(peerIP="10.0.0.1", asNumber=1, maxRestartTime="2 minutes"), "spec.maxRestartTime",
     ['"2 minutes"', "duration"]),
    ("peer-unknown-key", peer(peerIp="10.0.0.1"), "spec.peerIp", ["not a known", "peerIP"]),
    # BGPConfiguration
    ("bgp-as", bgpconfig(asNumber="sixty"), "spec.asNumber", ['"sixty"', "asdot"]),
    ("bgp-global-field-on-node", bgpconfig(name="node.node1", nodeToNodeMeshEnabled=False),
     "spec.nodeToNodeMeshEnabled", ["false", "default"]),
    ("bgp-service-ips-on-node", bgpconfig(name="node.node1", serviceClusterIPs=[{"cidr": "10.96.0.0/12"}]),
     "spec.serviceClusterIPs", ["10.96.0.0/12", "default"]),
    ("bgp-service-cidr-host-bits", bgpconfig(serviceClusterIPs=[{"cidr": "198.19.32.1/20"}]),
     "spec.serviceClusterIPs[0].cidr", ['"198.19.32.1/20"', "198.19.32.0/20"]),
    ("bgp-prefix-cidr-host-bits", bgpconfig(prefixAdvertisements=[{"cidr": "10.0.0.1/8", "communities": ["1:2"]}]),
     "spec.prefixAdvertisements[0].cidr", ['"10.0.0.1/8"', "10.0.0.0/8"]),
    ("bgp-community-unreferenced", bgpconfig(communities=[{"name": "c", "value": "64512:100"}]),
     "spec.communities", ["prefixAdvertisements is empty"]),
    ("bgp-community-16-bit", bgpconfig(communities=[{"name": "c", "value": "65536:1"}],
                                       prefixAdvertisements=[{"cidr": "10.0.0.0/8", "communities": ["c"]}]),
     "spec.communities[0].value", ['"65536:1"', "above 65535"]),
    ("bgp-large-community-32-bit", bgpconfig(prefixAdvertisements=[{"cidr": "10.0.0.0/8",
                                                                    "communities": ["1:2:4294967296"]}]),
     "spec.prefixAdvertisements[0].communities[0]", ['"1:2:4294967296"', "above 4294967295"]),
    ("bgp-advert-undefined-community", bgpconfig(prefixAdvertisements=[{"cidr": "10.0.0.0/8",
                                                                        "communities": ["no-export"]}]),
     "spec.prefixAdvertisements[0].communities[0]", ['"no-export"', "spec.communities"]),
    ("bgp-service-cidr-shape", bgpconfig(serviceExternalIPs=["10.0.0.0/8"]), "spec.serviceExternalIPs[0]",
     ['"10.0.0.0/8"', "{cidr:"]),
    ("bgp-listen-port", bgpconfig(listenPort=0), "spec.listenPort", ["0", "1 to 65535"]),
    ("bgp-log-severity", bgpconfig(logSeverityScreen="INFO"), "spec.logSeverityScreen",
     ['"INFO"', "Info", "case-sensitive"]),
    ("bgp-community", bgpconfig(communities=[{"name": "c", "value": "64512"}],
                                prefixAdvertisements=[{"cidr": "10.0.0.0/8", "communities": ["1:1"]}]),
     "spec.communities[0].value", ['"64512"', "aa:nn"]),
    ("bgp-mesh-password-no-mesh", bgpconfig(nodeToNodeMeshEnabled=False,
                                            nodeMeshPassword={"secretKeyRef": {"name": "s", "key": "k"}}),
     "spec.nodeMeshPassword", ["nodeToNodeMeshEnabled is false"]),
    # FelixConfiguration (details in test_felix_settings.py)
    ("felix-unknown", felix(wireguardEnable=True), "spec.wireguardEnable", ["wireguardEnabled"]),
    ("felix-enum", felix(bpfExternalServiceMode="dsr"), "spec.bpfExternalServiceMode", ['"dsr"', "DSR"]),
    # KubeControllersConfiguration
    ("kcc-autocreate", kcc(controllers={"node": {"hostEndpoint": {"autoCreate": "enabled"}}}),
     "spec.controllers.node.hostEndpoint.autoCreate", ['"enabled"', "Enabled", "case-sensitive"]),
    ("kcc-autocreate-bool", kcc(controllers={"node": {"hostEndpoint": {"autoCreate": True}}}),
     "spec.controllers.node.hostEndpoint.autoCreate", ["true", "Enabled, Disabled"]),
    ("kcc-period", kcc(controllers={"node": {"reconcilerPeriod": "5 min"}}),
     "spec.controllers.node.reconcilerPeriod", ['"5 min"', "duration"]),
    ("kcc-port", kcc(prometheusMetricsPort=70000), "spec.prometheusMetricsPort", ["70000", "0 to 65535"]),
    # HostEndpoint
    ("hep-node-missing", resource("HostEndpoint", {"interfaceName": "eth0"}, name="h"), "spec.node", ["missing"]),
    ("hep-no-interface-or-ips", hep(), "spec.interfaceName", ["expectedIPs", "both empty"]),
    ("hep-bad-ip", hep(expectedIPs=["198.19.0.0/20"]), "spec.expectedIPs[0]", ['"198.19.0.0/20"', "IPv4 or IPv6"]),
    ("hep-interface-long", hep(interfaceName="averyverylonginterface"), "spec.interfaceName",
     ['"averyverylonginterface"', "15 characters"]),
    ("hep-interface-colon", hep(interfaceName="eth0:1"), "spec.interfaceName", ['"eth0:1"', "'_', '.' and '-'"]),
    ("hep-interface-at", hep(interfaceName="eth0@if3"), "spec.interfaceName", ['"eth0@if3"', '"*"']),
    ("hep-port-name-rule", hep(interfaceName="eth0", ports=[{"name": "SSH", "protocol": "TCP", "port": 22}]),
     "spec.ports[0].name", ['"SSH"', "lower-case"]),
    ("hep-port-protocol", hep(interfaceName="eth0", ports=[{"name": "dns", "protocol": "ICMP", "port": 53}]),
     "spec.ports[0].protocol", ['"ICMP"', "TCP, UDP or SCTP"]),
    ("hep-port-zero", hep(interfaceName="eth0", ports=[{"name": "x", "protocol": "TCP", "port": 0}]),
     "spec.ports[0].port", ["0", "1 to 65535"]),
    ("hep-port-name", hep(interfaceName="eth0", ports=[{"name": "", "protocol": "TCP", "port": 22}]),
     "spec.ports[0].name", ['""', "port name"]),
]


@pytest.mark.parametrize("case_id,obj,path,fragments", BAD, ids=[c[0] for c in BAD])
def test_each_bad_value_gives_one_problem_naming_field_value_and_rule(case_id, obj, path, fragments):
    problems = validation_problems(obj)
    assert len(problems) == 1, problems
    problem = problems[0]
    assert problem.startswith(path + " ") or problem.startswith(path + ":") or path in problem, problem
    for fragment in fragments:
        assert fragment in problem, (fragment, problem)
    assert problem.endswith("."), problem


def test_check_resource_raises_with_every_problem():
    bad = ingress(action="allow", protocol="tcp", destination={"ports": [0]})
    with pytest.raises(CalicoValidationError) as caught:
        check_resource(bad)
    assert len(caught.value.problems) == 3
    for problem in caught.value.problems:
        assert problem in str(caught.value)


def test_selector_problem_reports_the_position():
    problems = validation_problems(gnp(selector="app == 'a' &&& b"))
    assert len(problems) == 1
    assert re.search(r"position \d+", problems[0]), problems


@pytest.mark.parametrize("value", [None, [], "spec"])
def test_non_mapping_inputs_are_reported_not_raised(value):
    obj = ippool()
    obj["spec"] = value
    problems = validation_problems(obj) if value is not None else validation_problems(dict(obj, spec=None))
    if value is None:
        assert any("spec.cidr" in p for p in problems)
    else:
        assert problems and "spec" in problems[0]
    assert validation_problems("not a resource")
    assert validation_problems({"kind": "IPPool"})


def test_unknown_kind_gets_metadata_checks_only():
    obj = resource("SomethingNew", {"whatever": [1, 2]}, name="Bad_Name")
    problems = validation_problems(obj)
    assert len(problems) == 1 and "metadata.name" in problems[0]


def test_inputs_are_not_modified():
    obj = ingress(protocol="TCP", destination={"ports": ["80"]})
    before = copy.deepcopy(obj)
    validation_problems(obj)
    assert obj == before


def test_value_helpers_stay_importable_from_validate():
    # normalize.py and callers written before values.py import these names from validate.
    assert validate.cidr_problem("10.0.0.0/8", "p") is None
    assert "10.0.0.0/8" in validate.cidr_problem("10.0.0.1/8", "p")
    assert "prefix length" in validate.cidr_problem("10.0.0.1", "p")
    assert validate.parse_network("FD00::/64")[3] == "fd00::/64"
    assert validate.parse_ip("010.0.0.1") is None
    assert validate.parse_ip("198.19.0.1") == (4, "198.19.0.1")
    assert validate.as_number_value("1.10") == 65546
    assert validate.protocol_value("17") == 17
    assert validate.API_VERSION == "projectcalico.org/v3" and "IPPool" in validate.CLUSTER_KINDS
    assert "link-local" in validation_problems(ippool(cidr="169.254.0.0/16"))[0]


# ---------------------------------------------------------------------------------------------------------
# Enum values against the upstream v3.32.1 native CRD schema.


@functools.lru_cache(maxsize=None)
def _load_crd_specs(path):
    with open(path) as handle:
        docs = [doc for doc in yaml.load_all(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if doc]
    return dict((doc["spec"]["names"]["kind"], doc["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]
                 ["spec"]) for doc in docs)


def _crd_specs():
    folder = crd_schema_dir()
    if folder is None:
        pytest.skip(MISSING_REASON)
    return _load_crd_specs(str(folder / "projectcalico.org_v3_native-crds_v3.32.1.yaml"))


@pytest.mark.parametrize("kind,field,ours", [
    ("IPPool", "ipipMode", validate.ENCAPSULATION_MODES),
    ("IPPool", "vxlanMode", validate.ENCAPSULATION_MODES),
    ("IPPool", "assignmentMode", validate.ASSIGNMENT_MODES),
    ("BGPPeer", "sourceAddress", validate.SOURCE_ADDRESSES),
    ("BGPPeer", "nextHopMode", validate.NEXT_HOP_MODES),
    ("BGPConfiguration", "bindMode", validate.BIND_MODES),
    ("BGPConfiguration", "programClusterRoutes", validate.ENABLED_DISABLED),
    ("BGPConfiguration", "serviceLoadBalancerAggregation", validate.ENABLED_DISABLED),
    ("KubeControllersConfiguration", "healthChecks", validate.ENABLED_DISABLED),
])
def test_enums_match_the_upstream_schema(kind, field, ours):
    schema = _crd_specs()[kind]["properties"][field]
    assert set(schema["enum"]) == set(ours)


def test_kcc_log_levels_are_what_both_the_schema_and_the_validator_take():
    # The v3.32 CRD enum also lists None and Panic, which Calico's logLevel validator refuses.
    schema = set(_crd_specs()["KubeControllersConfiguration"]["properties"]["logSeverityScreen"]["enum"])
    assert set(validate.KCC_LOG_SEVERITIES) == schema - set(["None", "Panic"])


def test_nested_enums_match_the_upstream_schema():
    specs = _crd_specs()
    assert set(specs["IPPool"]["properties"]["allowedUses"]["items"]["enum"]) == set(validate.ALLOWED_USES)
    reverse = specs["BGPPeer"]["properties"]["reversePeering"]
    assert set(reverse.get("enum") or reverse["allOf"][0]["enum"]) == set(validate.REVERSE_PEERING_MODES)
    rule = specs["GlobalNetworkPolicy"]["properties"]["ingress"]["items"]["properties"]
    assert set(rule["action"]["enum"]) == set(validate.RULE_ACTIONS)
    assert set(rule["ipVersion"]["enum"]) == set([4, 6])
    assert rule["icmp"]["properties"]["type"]["maximum"] == 254
    assert rule["icmp"]["properties"]["code"]["maximum"] == 255
    types = specs["GlobalNetworkPolicy"]["properties"]["types"]["items"]["enum"]
    assert set(types) == set(validate.POLICY_TYPES)
    severity = specs["BGPConfiguration"]["properties"]["logSeverityScreen"]["pattern"]
    assert set(re.search(r"\((?:\?i\))?\(([^)]*)\)", severity).group(1).split("|")) == set(validate.LOG_SEVERITIES)
    autocreate = specs["KubeControllersConfiguration"]["properties"]["controllers"]["properties"]["node"][
        "properties"]["hostEndpoint"]["properties"]["autoCreate"]["enum"]
    assert set(autocreate) == set(validate.ENABLED_DISABLED)
    assert specs["BGPConfiguration"]["properties"]["listenPort"]["minimum"] == 1


@pytest.mark.parametrize("kind,ours", [
    ("GlobalNetworkPolicy", validate.POLICY_SPEC_KEYS + validate.GLOBAL_POLICY_ONLY_KEYS),
    ("NetworkPolicy", validate.POLICY_SPEC_KEYS),
    ("IPPool", validate.IPPOOL_KEYS),
    ("BGPPeer", validate.BGPPEER_KEYS),
    ("BGPConfiguration", validate.BGPCONFIG_KEYS),
    ("HostEndpoint", validate.HOSTENDPOINT_KEYS),
])
def test_known_field_lists_cover_the_upstream_schema(kind, ours):
    # Unknown-field problems must never fire on a field Calico v3.32.1 accepts.
    schema_fields = set(_crd_specs()[kind]["properties"])
    assert schema_fields - set(ours) == set()


def test_rule_field_lists_cover_the_upstream_schema():
    rule = _crd_specs()["GlobalNetworkPolicy"]["properties"]["egress"]["items"]["properties"]
    assert set(rule) - set(validate.RULE_KEYS) == set()
    assert set(rule["source"]["properties"]) - set(validate.ENTITY_RULE_KEYS) == set()


# ---------------------------------------------------------------------------------------------------------
# The course's own manifests.


COURSE = course_v3_manifests()


def test_course_manifests_are_found():
    if shared_dir() is None:
        pytest.skip(MISSING_REASON)
    kinds = set(doc["kind"] for case_id, doc in COURSE)
    assert len(COURSE) >= 10
    assert set(["GlobalNetworkPolicy", "IPPool", "BGPPeer", "BGPConfiguration"]) <= kinds


@pytest.mark.parametrize("case_id,doc", COURSE, ids=[c[0] for c in COURSE])
def test_course_manifests_validate(case_id, doc):
    assert validation_problems(doc) == []


# ---------------------------------------------------------------------------------------------------------
# Robustness: any JSON-like input gives a list of sentences, never an exception.

_KINDS = ["NetworkPolicy", "GlobalNetworkPolicy", "IPPool", "BGPPeer", "BGPConfiguration", "FelixConfiguration",
          "KubeControllersConfiguration", "HostEndpoint", "Tier"]
_KEYS = sorted(set(validate.POLICY_SPEC_KEYS + validate.GLOBAL_POLICY_ONLY_KEYS + validate.RULE_KEYS +
                   validate.ENTITY_RULE_KEYS + validate.IPPOOL_KEYS + validate.BGPPEER_KEYS + validate.BGPCONFIG_KEYS +
                   validate.HOSTENDPOINT_KEYS + ("controllers", "node", "hostEndpoint", "autoCreate", "type", "code",
                                                 "name", "namespace", "names", "cidr", "port", "secretKeyRef",
                                                 "wireguardEnabled", "failsafeInboundHostPorts", "routeTableRange",
                                                 "bpfConntrackTimeouts", "healthTimeoutOverrides", "min", "max")))
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 70000), st.floats(allow_nan=False),
                     st.sampled_from(["", "TCP", "Allow", "Ingress", "Egress", "10.0.0.0/8", "fd00::1", "80:81",
                                      "all()", "global()", "a ==", "Never", "Always", "default", "1.2", "90s"]))
_JSON = st.recursive(_SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=3),
    st.dictionaries(st.one_of(st.sampled_from(_KEYS), st.integers(0, 3)), children, max_size=4)), max_leaves=25)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(_KINDS), name=st.sampled_from(["default", "node.n1", "a.b", "Bad", 5, ""]),
       spec=st.one_of(_JSON, st.dictionaries(st.sampled_from(_KEYS), _JSON, max_size=6)))
def test_validation_never_raises(kind, name, spec):
    problems = validation_problems({"apiVersion": "projectcalico.org/v3", "kind": kind, "metadata": {"name": name},
                                    "spec": spec})
    assert isinstance(problems, list)
    assert all(isinstance(problem, str) and problem.endswith(".") for problem in problems)
