# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The labs' check expressions evaluated on the outputs the course shows, and on outputs that must fail them.

The samples are the course's own example outputs (the pod connectivity and encryption sections of the course
notes: `ip addr`, `ip link show up` and `ip route` in the customer pod and on node1, `ip addr` on node1 with
WireGuard on, the auto host endpoints' names); the JSON documents hold only the fields Kubernetes and Calico put
there that the checks read (Pod spec.nodeName/hostNetwork and status.phase/podIP, Node annotations, HostEndpoint
metadata.name and spec.node). Each expression is evaluated by Ansible's templar with `parsed` from the real
calicolab.ccol1 parsers and `lab_facts` as the runner would keep them (docs/LAB_DATA.md plus `fact`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
from pathlib import Path

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template
from ansible.utils.collection_loader import AnsibleCollectionConfig

from ansible_collections.calicolab.ccol1.plugins.module_utils._probe import parsers
from ansible_collections.calicolab.ccol1.tests.unit.roles.test_lab_data import render_lab

COLLECTION_ROOT = Path(__file__).resolve().parents[3]

POD_IP_ADDR = """\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
3: eth0@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1410 qdisc noqueue state UP group default
    link/ether 3a:0c:14:d0:92:89 brd ff:ff:ff:ff:ff:ff link-netnsid 0
    inet 198.19.22.132/32 brd 198.19.22.132 scope global eth0
       valid_lft forever preferred_lft forever
"""
POD_IP_LINK = """\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
3: eth0@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1410 qdisc noqueue state UP mode DEFAULT group default
    link/ether 3a:0c:14:d0:92:89 brd ff:ff:ff:ff:ff:ff link-netnsid 0
"""
POD_IP_ROUTE = "default via 169.254.1.1 dev eth0\n169.254.1.1 dev eth0  scope link\n"
NODE_IP_LINK = """\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000
    link/ether 00:15:5d:60:a5:a3 brd ff:ff:ff:ff:ff:ff
5: cali1eaab2bfc77@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1410 qdisc noqueue state UP mode DEFAULT group default
    link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff link-netns cni-8174e7bb-f2a6-0b61-1282-2c425f949ab5
9: caliea2aa288365@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1410 qdisc noqueue state UP mode DEFAULT group default
    link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff link-netns cni-f7159375-bf04-e8d8-85b8-0da49bfd53d0
"""
NODE_IP_ROUTE = """\
default via 192.168.44.65 dev eth0 proto dhcp src 192.168.44.75 metric 100
198.19.0.0/20 dev eth0 proto kernel scope link src 198.19.0.2
198.19.21.0/26 via 198.19.0.1 dev eth0 proto bird
198.19.21.64/26 via 198.19.0.3 dev eth0 proto bird
198.19.22.128 dev cali1eaab2bfc77 scope link
blackhole 198.19.22.128/26 proto bird
198.19.22.132 dev caliea2aa288365 scope link
"""
NODE1_WIREGUARD_ADDR = """\
10: wireguard.cali: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1400 qdisc noqueue state UNKNOWN group default qlen 1000
    inet 198.19.22.131/32 brd 198.19.22.131 scope global wireguard.cali
"""
CUSTOMER_PODS = {"items": [{"spec": {"nodeName": "node1"}, "status": {"phase": "Running", "podIP": "198.19.22.132"}}]}
NODE1_PODS = {"items": [
    {"spec": {"nodeName": "node1", "hostNetwork": True}, "status": {"phase": "Running", "podIP": "198.19.0.2"}},
    {"spec": {"nodeName": "node1"}, "status": {"phase": "Running", "podIP": "198.19.22.128"}},
    {"spec": {"nodeName": "node1"}, "status": {"phase": "Running", "podIP": "198.19.22.132"}}]}
KEY = "projectcalico.org/WireguardPublicKey"
NODES_WITH_KEYS = {"items": [{"metadata": {"name": name, "annotations": {KEY: "An4UT4PR9XzGgJ5df452Dw034q1SfXZOI1Dp2ebUUWQ="}}}
                             for name in ("control", "node1", "node2")]}
NODES_WITHOUT_KEYS = {"items": [{"metadata": {"name": "control", "annotations": {"k3s.io/hostname": "control"}}},
                                {"metadata": {"name": "node1"}}, {"metadata": {"name": "node2", "annotations": {KEY: ""}}}]}
NODES_HALF_WAY = {"items": NODES_WITH_KEYS["items"][:2] + NODES_WITHOUT_KEYS["items"][2:]}
AUTO_HEPS = {"items": [{"metadata": {"name": "%s-auto-hep" % node}, "spec": {"node": node}}
                       for node in ("node2", "control", "node1")]}

FACTS = {"customer_pods": CUSTOMER_PODS, "customer_pod_links": parsers.parse_ip_link(POD_IP_LINK),
         "node_links": parsers.parse_ip_link(NODE_IP_LINK), "node_pods": NODE1_PODS}


def _outcomes(role, **overrides):
    return {outcome["description"]: outcome
            for step in render_lab(role, overrides)["steps"] for outcome in step["outcomes"]}


def _find(role, words):
    matches = [outcome for description, outcome in _outcomes(role).items() if words in description]
    assert len(matches) == 1, "%s: %d outcomes mention %r" % (role, len(matches), words)
    return matches[0]


def _needs_unavailable_collection(expression):
    """ansible.utils is not installed where ansible-test runs unit tests (only this collection is)."""
    if "ansible.utils." not in expression:
        return False
    finder = AnsibleCollectionConfig.collection_finder
    paths = [Path(path) for path in (finder._n_collection_paths if finder else [])]  # pylint: disable=protected-access
    return not any((path / "ansible_collections" / "ansible" / "utils").is_dir() for path in paths)


def _evaluate(outcome, parsed, facts=None):
    if _needs_unavailable_collection(outcome["that"]):
        pytest.skip("the expression uses ansible.utils, which is not installed where this test runs")
    templar = Templar(loader=DataLoader(), variables={"parsed": parsed, "lab_facts": facts or FACTS})
    return templar.evaluate_expression(trust_as_template(outcome["that"]))


def _routes(text):
    return parsers.parse_ip_route(text)


POD_CONNECTIVITY_CASES = [
    ("runs on node1", CUSTOMER_PODS, True),
    ("runs on node1", {"items": [{"spec": {"nodeName": "node2"}, "status": {"phase": "Running", "podIP": "1.2.3.4"}}]},
     False),
    ("eth0 has the pod's IP", parsers.parse_ip_link(POD_IP_ADDR), True),
    ("eth0 has the pod's IP", parsers.parse_ip_link(POD_IP_ADDR.replace("22.132/32", "22.133/32")), False),
    ("end of a veth pair", parsers.parse_ip_link(POD_IP_LINK), True),
    ("end of a veth pair", parsers.parse_ip_link(POD_IP_LINK.replace("eth0@if9", "eth0")), False),
    ("169.254.1.1", _routes(POD_IP_ROUTE), True),
    ("169.254.1.1", _routes("default via 10.0.0.1 dev eth0\n"), False),
    ("cali* veth whose own", parsers.parse_ip_link(NODE_IP_LINK), True),
    ("cali* veth whose own", parsers.parse_ip_link(NODE_IP_LINK.replace("9: caliea", "19: caliea")), False),
    ("the pods node1 runs", NODE1_PODS, True),
    ("routes the customer pod's IP", _routes(NODE_IP_ROUTE), True),
    ("routes the customer pod's IP", _routes(NODE_IP_ROUTE.replace("caliea2aa288365 scope", "cali1eaab2bfc77 scope")),
     False),
    ("every pod on the node", _routes(NODE_IP_ROUTE), True),
    ("every pod on the node", _routes(NODE_IP_ROUTE.replace("198.19.22.128 dev cali1eaab2bfc77 scope link\n", "")),
     False),
    ("blackhole route", _routes(NODE_IP_ROUTE), True),
    ("blackhole route", _routes(NODE_IP_ROUTE.replace("blackhole 198.19.22.128/26", "blackhole 198.19.23.0/26")), False),
    ("over BGP", _routes(NODE_IP_ROUTE), True),
    ("over BGP", _routes(NODE_IP_ROUTE.replace("via 198.19.0.3", "via 198.19.0.9")), False),
    ("over BGP", _routes(NODE_IP_ROUTE.replace("dev eth0 proto bird\n", "dev eth0 proto static\n")), False),
]


@pytest.mark.parametrize("words, parsed, expected", POD_CONNECTIVITY_CASES)
def test_pod_connectivity_checks_on_the_course_outputs(words, parsed, expected):
    assert _evaluate(_find("lab_pod_connectivity", words), copy.deepcopy(parsed)) is expected


@pytest.mark.parametrize("words, parsed, expected", [
    ("every node reports", NODES_WITH_KEYS, True),
    ("every node reports", NODES_HALF_WAY, False),
    ("no node reports", NODES_WITHOUT_KEYS, True),
    ("no node reports", NODES_HALF_WAY, False),
    ("node1 has a wireguard.cali", parsers.parse_ip_link(NODE1_WIREGUARD_ADDR), True),
    ("node1 has a wireguard.cali", parsers.parse_ip_link(POD_IP_ADDR), False),
    ("node1 has a wireguard.cali", parsers.parse_ip_link(NODE1_WIREGUARD_ADDR.replace("198.19.22.131", "10.0.0.1")),
     False),
])
def test_wireguard_checks_on_the_course_outputs(words, parsed, expected):
    matches = [outcome for description, outcome in _outcomes("lab_wireguard").items() if words in description]
    assert matches
    assert all(_evaluate(outcome, copy.deepcopy(parsed)) is expected for outcome in matches)


@pytest.mark.parametrize("words, parsed, expected", [
    ("no host endpoints yet", {"items": []}, True),
    ("no host endpoints yet", AUTO_HEPS, False),
    ("auto-hep appear", AUTO_HEPS, True),
    ("auto-hep appear", {"items": AUTO_HEPS["items"][:2]}, False),
])
def test_host_protection_checks_on_the_course_outputs(words, parsed, expected):
    assert _evaluate(_find("lab_host_protection", words), copy.deepcopy(parsed)) is expected
