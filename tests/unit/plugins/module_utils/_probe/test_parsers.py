"""Probe-output parsers on samples of each command's output.

The iproute2 samples (node_*, pod_*) were produced by `ip` (iproute2 6.1, Debian 12) in two network namespaces
wired like a Calico node and one pod (a veth pair, a /32 route per pod, a blackhole for the node's block,
`proto bird` routes, an ECMP route); the others were written from the formats the course shows and the tools'
documentation (iptables-save, BIRD 1.6 and 2, calicoctl, wg, tcpdump 4.99 with `-i any`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from pathlib import Path

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._probe import parsers

SAMPLES = Path(__file__).parent / "samples"


def sample(name):
    return (SAMPLES / name).read_text(encoding="utf-8")


def by_dst(routes):
    return {route["dst"]: route for route in routes}


def test_node_routes_show_local_pods_the_blackhole_and_bird_routes():
    routes = by_dst(parsers.parse_ip_route(sample("node_route.txt")))
    assert routes["198.19.22.131/32"] == {"type": "unicast", "dst": "198.19.22.131/32", "dev": "cali1234abcd",
                                          "scope": "link"}
    assert routes["198.19.22.128/26"]["type"] == "blackhole"
    assert routes["198.19.22.128/26"]["proto"] == "bird"
    assert routes["198.19.21.64/26"]["via"] == "198.19.0.3"
    assert routes["198.19.21.64/26"]["flags"] == ["onlink"]
    assert routes["198.19.0.0/20"]["src"] == "198.19.0.2"


def test_ecmp_route_lists_every_nexthop():
    route = by_dst(parsers.parse_ip_route(sample("node_route.txt")))["198.19.32.0/20"]
    assert route["proto"] == "bird"
    assert route["nexthops"] == [{"via": "198.19.0.1", "dev": "br-lab", "weight": 1},
                                 {"via": "198.19.0.3", "dev": "br-lab", "weight": 1}]


def test_pod_default_route_goes_to_calicos_dummy_next_hop():
    routes = by_dst(parsers.parse_ip_route(sample("pod_route.txt")))
    assert routes["default"]["via"] == "169.254.1.1"
    assert routes["169.254.1.1/32"]["scope"] == "link"


def test_veth_ends_pair_up_by_interface_index():
    pod = {link["name"]: link for link in parsers.parse_ip_link(sample("pod_link_d.txt"))}
    node = {link["index"]: link for link in parsers.parse_ip_link(sample("node_link_d.txt"))}
    eth0 = pod["eth0"]
    assert eth0["kind"] == "veth"
    host_end = node[eth0["peer_ifindex"]]
    assert host_end["name"].startswith("cali")
    assert host_end["kind"] == "veth"
    assert host_end["peer_ifindex"] == eth0["index"]
    assert node[2]["kind"] == "bridge"
    assert "UP" in eth0["flags"] and eth0["state"] == "UP" and eth0["mtu"] == 1500


def test_link_netnsid_is_an_int_and_a_named_netns_a_string():
    links = parsers.parse_ip_link(
        "3: eth0@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP mode DEFAULT group default\n"
        "    link/ether 7a:1e:05:c1:51:0e brd ff:ff:ff:ff:ff:ff link-netnsid 0\n")
    flags = ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]
    assert links == [{"index": 3, "name": "eth0", "peer_ifindex": 9, "flags": flags, "mtu": 1450, "qdisc": "noqueue",
                      "state": "UP", "mac": "7a:1e:05:c1:51:0e", "link_netnsid": 0}]
    pod = parsers.parse_ip_link(sample("pod_link_d.txt"))
    assert pod[1]["link_netns"] == "smpA"


def test_ip_addr_gives_the_pod_address():
    links = {link["name"]: link for link in parsers.parse_ip_link(sample("pod_addr.txt"))}
    inet = [a for a in links["eth0"]["addresses"] if a["family"] == "inet"]
    assert inet == [{"family": "inet", "address": "198.19.22.131", "prefixlen": 32, "scope": "global"}]
    assert links["lo"]["addresses"][0]["address"] == "127.0.0.1"


def test_brief_addr_keys_by_name_without_peer():
    table = parsers.parse_ip_brief_addr(sample("node_br_addr.txt"))
    assert table["br-lab"]["addresses"][0] == "198.19.0.2/20"
    assert table["cali1234abcd"]["state"] == "UP"


def test_iptables_save_follows_a_service_to_its_endpoints():
    tables = parsers.parse_iptables_save(sample("iptables_save_nat.txt"))
    nat = tables["nat"]
    assert nat["PREROUTING"]["policy"] == "ACCEPT"
    assert nat["KUBE-SERVICES"]["policy"] is None
    to_summary = [r for r in nat["KUBE-SERVICES"]["rules"] if r.get("comment", "").startswith("yaobank/summary")]
    assert to_summary[0]["jump"] == "KUBE-SVC-OIQIZJVJK6E34BR4"
    assert to_summary[0]["destination"] == "198.19.40.17/32" and to_summary[0]["dport"] == "80"
    paths = parsers.service_chain_paths(tables, "KUBE-SVC-OIQIZJVJK6E34BR4")
    assert paths == [
        {"endpoint_chain": "KUBE-SEP-XSAPI3SEG2KJVDTP", "probability": 0.5, "to_destination": "198.19.22.132:80"},
        {"endpoint_chain": "KUBE-SEP-KGQRHMYN3EBQMPXF", "probability": None, "to_destination": "198.19.21.66:80"},
    ]


def test_iptables_nodeport_chain():
    nat = parsers.parse_iptables_save(sample("iptables_save_nat.txt"))["nat"]
    rule = nat["KUBE-NODEPORTS"]["rules"][0]
    assert rule["dport"] == "30180" and rule["protocol"] == "tcp" and rule["jump"].startswith("KUBE-EXT-")


@pytest.mark.parametrize("name", ["birdc2_protocols.txt", "birdc16_protocols.txt"])
def test_bird_protocols_in_both_versions(name):
    protocols = parsers.parse_birdc_protocols(sample(name))
    assert parsers.bgp_sessions(protocols)["control"] == "Established"
    assert parsers.bgp_sessions(protocols)["node1"] == "Established"
    assert parsers.bgp_sessions(protocols)["node2"] in ("Active Socket: Connection refused", "Connect")
    kernel = [p for p in protocols if p["proto"] == "Kernel"][0]
    assert kernel["state"] == "up" and kernel["info"] == ""


def test_bird16_since_with_date_and_time():
    control = [p for p in parsers.parse_birdc_protocols(sample("birdc16_protocols.txt")) if p["name"] == "control"]
    assert control[0]["since"] == "2026-12-01 12:01:07"


@pytest.mark.parametrize("name", ["birdc2_routes.txt", "birdc16_routes.txt"])
def test_bird_routes_keep_every_path(name):
    routes = parsers.parse_birdc_routes(sample(name))
    service = routes["198.19.32.0/20"]
    assert [(p["via"], p["protocol"], p["primary"]) for p in service] == [
        ("198.19.0.2", "node1", True), ("198.19.0.3", "node2", False)]
    assert routes["198.19.24.0/29"] == [{"via": "198.19.0.2", "dev": "eth1", "protocol": "node1", "primary": True}]


def test_calicoctl_node_status():
    status = parsers.parse_calico_node_status(sample("calicoctl_node_status.txt"))
    assert status["running"] is True
    assert [(p["address"], p["type"], p["info"]) for p in status["ipv4_peers"]] == [
        ("198.19.0.1", "node-to-node mesh", "Established"), ("198.19.0.3", "node-to-node mesh", "Established"),
        ("198.19.15.254", "global", "Established")]


def test_calicoctl_node_status_not_running_and_no_peers():
    status = parsers.parse_calico_node_status("Calico process is not running.\n")
    assert status == {"running": False, "ipv4_peers": []}


def test_calicoctl_ipam_show():
    rows = parsers.parse_calico_ipam_show(sample("calicoctl_ipam_show.txt"))
    assert rows[1] == {"grouping": "IP Pool", "cidr": "198.19.24.0/21", "total": 2048, "in_use": 1, "free": 2047}


def test_wg_show_keeps_public_keys_and_never_the_private_one():
    interfaces = parsers.parse_wg_show(sample("wg_show.txt"))
    wg = interfaces["wireguard.cali"]
    assert wg["public_key"].endswith("=") and wg["listening_port"] == "51820"
    assert "private_key" not in wg
    assert wg["peers"][0]["allowed_ips"] == ["198.19.22.128/26", "198.19.0.1/32"]
    assert wg["peers"][0]["endpoint"] == "198.19.0.1:51820"


def test_tcpdump_any_interface_lines_carry_direction():
    packets = parsers.parse_tcpdump_lines(sample("tcpdump_any.txt"))
    assert len(packets) == 2   # the ARP line and the banner are skipped
    assert packets[0]["direction"] == "In" and packets[0]["interface"] == "eth0"
    assert (packets[0]["src"], packets[0]["sport"], packets[0]["dst"], packets[0]["dport"]) == (
        "198.19.15.254", 51234, "198.19.0.1", 30180)


def test_tcpdump_plain_lines_show_both_directions():
    packets = parsers.parse_tcpdump_lines(sample("tcpdump_plain.txt"))
    assert [(p["src"], p["dst"]) for p in packets] == [("198.19.15.254", "198.19.22.131"),
                                                       ("198.19.22.131", "198.19.15.254")]
    assert "interface" not in packets[0]
