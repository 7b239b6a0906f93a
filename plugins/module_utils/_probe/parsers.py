# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Parsers for the output of the commands the course labs use as evidence.

Each parser takes the text a command printed and returns plain data (lists and dicts of strings and ints), so
a role's verify step can assert on fields instead of grepping, and so the same parsed evidence goes into the lab
report. The formats are those of iproute2 (`ip route`, `ip -d link`, `ip addr`, `ip -br addr`), iptables-save,
BIRD's `birdc show protocols` and `show route` (1.6 and 2.x), calicoctl's tables (`node status`, `ipam show`),
`wg show`, and tcpdump's one-line summaries. Parsers are lenient about lines they do not know (they skip them)
and strict about the fields they report: a field is present only when the command printed it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# ---------------------------------------------------------------------------------------------------------
# iproute2

_ROUTE_TYPES = ("unicast", "local", "broadcast", "multicast", "throw", "unreachable", "prohibit", "blackhole", "nat")
_ROUTE_KEYS = ("via", "dev", "proto", "scope", "src", "metric", "table", "onlink", "weight", "mtu", "realm")
_ROUTE_FLAGS = ("onlink", "linkdown", "dead", "pervasive", "offload", "trap")


def parse_ip_route(text):
    """`ip route` (or `ip -4 route show table X`) → one dict per route.

    Keys: ``dst`` ("default" or a prefix; a bare address gains /32 or /128), ``type`` (unicast unless printed),
    and each of via, dev, proto, scope, src, metric (int), table that the line carries; ``flags`` lists onlink,
    linkdown...; a multipath route has ``nexthops``, a list of dicts with via, dev, weight (int).
    """
    routes = []
    for line in text.splitlines():
        if not line.strip():
            continue
        words = line.split()
        if line[:1].isspace() and words[0] == "nexthop" and routes:
            routes[-1].setdefault("nexthops", []).append(_route_fields(words[1:], {}))
            continue
        routes.append(_parse_route_line(words))
    return routes


def _parse_route_line(words):
    route = {"type": "unicast"}
    if words[0] in _ROUTE_TYPES:
        route["type"] = words.pop(0)
    route["dst"] = _full_prefix(words.pop(0)) if words else None
    return _route_fields(words, route)


def _route_fields(words, into):
    index = 0
    while index < len(words):
        word = words[index]
        if word in _ROUTE_FLAGS:
            into.setdefault("flags", []).append(word)
            index += 1
        elif word in _ROUTE_KEYS and index + 1 < len(words):
            value = words[index + 1]
            into[word] = int(value) if word in ("metric", "weight") and value.isdigit() else value
            index += 2
        else:
            index += 1
    return into


def _full_prefix(dst):
    if dst == "default" or "/" in dst:
        return dst
    return dst + ("/128" if ":" in dst else "/32")


_LINK_HEAD = re.compile(r"^(?P<index>\d+):\s+(?P<name>[^:@\s]+)(?:@(?P<peer>[^:\s]+))?:\s+<(?P<flags>[^>]*)>(?P<rest>.*)$")


def parse_ip_link(text):
    """`ip link`, `ip -d link` or `ip addr` → one dict per interface, in the order printed.

    Keys: ``index``, ``name``, ``flags`` (list), ``mtu``, ``state``, ``mac``; ``peer_ifindex`` (int) when the name
    carries ``@ifN`` (the other end of a veth pair, in another namespace); ``peer`` when it carries ``@NAME``;
    ``link_netnsid`` (int) or ``link_netns``; ``kind`` (veth, wireguard, vxlan, bridge...) from `-d`; and
    ``addresses`` (dicts of family, address, prefixlen, scope) from `ip addr`.
    """
    links = []
    for line in text.splitlines():
        head = _LINK_HEAD.match(line)
        if head:
            links.append(_link_from_head(head))
        elif links and line[:1].isspace():
            _add_link_detail(links[-1], line.split())
    return links


def _link_from_head(head):
    link = {"index": int(head.group("index")), "name": head.group("name"),
            "flags": [flag for flag in head.group("flags").split(",") if flag]}
    peer = head.group("peer")
    if peer:
        match = re.match(r"^if(\d+)$", peer)
        if match:
            link["peer_ifindex"] = int(match.group(1))
        else:
            link["peer"] = peer
    rest = head.group("rest").split()
    for key in ("mtu", "state", "qdisc", "master"):
        if key in rest[:-1]:
            value = rest[rest.index(key) + 1]
            link[key] = int(value) if key == "mtu" else value
    return link


def _add_link_detail(link, words):
    first = words[0]
    if first.startswith("link/"):
        if len(words) > 1 and first != "link/none":
            link["mac"] = words[1]
        for key in ("link-netnsid", "link-netns"):
            if key in words[:-1]:
                value = words[words.index(key) + 1]
                link[key.replace("-", "_")] = int(value) if value.isdigit() else value
    elif first in ("inet", "inet6") and len(words) > 1:
        link.setdefault("addresses", []).append(_address(first, words))
    elif "kind" not in link and first in _LINK_KINDS:
        link["kind"] = first


# The kind word `ip -d link` prints first on the line after link/...; only kinds the labs meet are named.
_LINK_KINDS = ("veth", "wireguard", "vxlan", "bridge", "ipip", "dummy", "tun", "bond", "macvlan", "geneve")


def _address(family, words):
    address, _slash, prefixlen = words[1].partition("/")
    entry = {"family": family, "address": address}
    if prefixlen.isdigit():
        entry["prefixlen"] = int(prefixlen)
    if "scope" in words[:-1]:
        entry["scope"] = words[words.index("scope") + 1]
    return entry


def parse_ip_brief_addr(text):
    """`ip -br addr` → {name: {"state": ..., "addresses": ["198.19.0.1/20", ...]}} (the name without @peer)."""
    result = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2:
            result[words[0].split("@")[0]] = {"state": words[1], "addresses": words[2:]}
    return result


# ---------------------------------------------------------------------------------------------------------
# iptables-save

def parse_iptables_save(text):
    """iptables-save output → {table: {chain: {"policy": "ACCEPT" | None, "rules": [rule, ...]}}}.

    A rule keeps its text (``text``, without "-A CHAIN") and the parts the labs read: ``jump``, ``comment``,
    ``probability`` (float, from -m statistic), ``to_destination`` (DNAT), ``dport``, ``protocol``, ``destination``.
    Built-in chains carry their policy; user chains have None.
    """
    tables, table = {}, None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("*"):
            table = tables.setdefault(line[1:], {})
        elif line.startswith(":") and table is not None:
            name, policy = (line[1:].split() + [None, None])[:2]
            table[name] = {"policy": None if policy in ("-", None) else policy, "rules": []}
        elif line.startswith("-A ") and table is not None:
            chain, _space, rule_text = line[3:].partition(" ")
            table.setdefault(chain, {"policy": None, "rules": []})["rules"].append(_iptables_rule(rule_text))
    return tables


_RULE_OPTIONS = {
    "-j": "jump", "--jump": "jump", "-p": "protocol", "--protocol": "protocol", "-d": "destination",
    "--destination": "destination", "--dport": "dport", "--to-destination": "to_destination",
    "--probability": "probability", "--comment": "comment", "-g": "goto", "--goto": "goto",
}


def _iptables_rule(rule_text):
    rule = {"text": rule_text}
    words = _shell_words(rule_text)
    for index, word in enumerate(words[:-1]):
        key = _RULE_OPTIONS.get(word)
        if key:
            value = words[index + 1]
            rule[key] = float(value) if key == "probability" else value
    return rule


def _shell_words(text):
    """Split like a shell for the quoting iptables-save uses (double quotes around comments)."""
    return [quoted if quoted else bare for quoted, bare in re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', text)]


def service_chain_paths(tables, service_chain):
    """Follow a KUBE-SVC-* chain: [{"endpoint_chain", "probability", "to_destination"}], in rule order.

    The probability is the rule's own (kube-proxy writes 1/n, 1/(n-1), ... and none for the last), so the first
    of two endpoints carries 0.5 and the second None (it takes the rest).
    """
    nat = tables.get("nat", {})
    paths = []
    for rule in nat.get(service_chain, {}).get("rules", []):
        target = rule.get("jump", "")
        if not target.startswith("KUBE-SEP-"):
            continue
        dnat = [r.get("to_destination") for r in nat.get(target, {}).get("rules", []) if r.get("jump") == "DNAT"]
        paths.append({"endpoint_chain": target, "probability": rule.get("probability"),
                      "to_destination": dnat[0] if dnat else None})
    return paths


# ---------------------------------------------------------------------------------------------------------
# BIRD

_TIME_WORD = re.compile(r"^(\d{2}:\d{2}(:\d{2}(\.\d+)?)?|\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2}\d{2}|\d{2}[.-]\d{2}[.-]\d{2,4})$")


def parse_birdc_protocols(text):
    """`birdc show protocols` (BIRD 1.6 or 2) → one dict per protocol: name, proto, table, state, since, info.

    BIRD prints "since" as one or two words (a time, or a date and a time) and "info" as the rest ("Established",
    "Active        Socket: Connection refused", or nothing); the header and "BIRD x.y ready." lines are skipped.
    """
    protocols = []
    for line in text.splitlines():
        words = line.split()
        if len(words) < 4 or words[0] in ("BIRD", "Name") or line.startswith(("name ", "Access ")):
            continue
        rest = words[4:]
        since = []
        while rest and _TIME_WORD.match(rest[0]):
            since.append(rest.pop(0))
        protocols.append({"name": words[0], "proto": words[1], "table": words[2], "state": words[3],
                          "since": " ".join(since), "info": " ".join(rest)})
    return protocols


def bgp_sessions(protocols):
    """{protocol name: info} for the BGP protocols, e.g. {"node1": "Established"}."""
    return {p["name"]: p["info"] for p in protocols if p["proto"] == "BGP"}


_BIRD_ROUTE_HEAD = re.compile(r"^(?P<prefix>[0-9a-fA-F:.]+/\d+)\s+(?P<rest>.*)$")
_BIRD_VIA = re.compile(r"via (?P<via>\S+) on (?P<dev>\S+)")
_BIRD_FROM = re.compile(r"\[(?P<protocol>\S+) [^\]]*\]")


def parse_birdc_routes(text):
    """`birdc show route` (BIRD 1.6 and 2) → {prefix: [{"via", "dev", "protocol", "primary"}, ...]}.

    BIRD 1.6 prints the next hop on the route's line; BIRD 2 on the following indented line. Each further path
    to the same prefix starts a line without the prefix. Unreachable/blackhole routes have no via.
    """
    routes, prefix, path = {}, None, None
    for line in text.splitlines():
        if not line.strip() or line.startswith(("BIRD", "Table", "Access")):
            continue
        head = _BIRD_ROUTE_HEAD.match(line)
        if head:
            prefix = head.group("prefix")
            path = _bird_path(head.group("rest"))
            routes.setdefault(prefix, []).append(path)
        elif prefix is not None and line[:1].isspace():
            stripped = line.strip()
            via = _BIRD_VIA.search(stripped)
            if via and stripped.startswith("via") and path is not None and "via" not in path:
                path.update(via.groupdict())
            elif _BIRD_FROM.search(stripped):
                path = _bird_path(stripped)
                routes[prefix].append(path)
    return routes


def _bird_path(text):
    path = {"primary": "*" in text.split("]", 1)[-1].split("(")[0]}
    via = _BIRD_VIA.search(text)
    if via:
        path.update(via.groupdict())
    source = _BIRD_FROM.search(text)
    if source:
        path["protocol"] = source.group("protocol")
    return path


# ---------------------------------------------------------------------------------------------------------
# calicoctl tables

def parse_ascii_tables(text):
    """Every +---+ bordered table in ``text`` → a list of tables, each a list of row dicts keyed by the header.

    calicoctl prints its `node status` and `ipam show` results this way; the header words are kept as printed.
    """
    tables, header, rows = [], None, None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|"):
            cells = [cell.strip() for cell in stripped.strip("|").split("|")]
            if header is None:
                header, rows = cells, []
                tables.append(rows)
            else:
                rows.append(dict(zip(header, cells)))
        elif not stripped.startswith("+"):
            header = None
    return tables


def parse_calico_node_status(text):
    """`calicoctl node status` → {"running": bool, "ipv4_peers": [{"address", "type", "state", "since", "info"}]}."""
    result = {"running": "Calico process is running." in text, "ipv4_peers": []}
    ipv4_part = text.split("IPv6 BGP status")[0]
    for table in parse_ascii_tables(ipv4_part):
        for row in table:
            result["ipv4_peers"].append({
                "address": row.get("PEER ADDRESS"), "type": row.get("PEER TYPE"), "state": row.get("STATE"),
                "since": row.get("SINCE"), "info": row.get("INFO")})
    return result


def parse_calico_ipam_show(text):
    """`calicoctl ipam show` → one dict per row: grouping, cidr, total, in_use, free (ints; percentages dropped)."""
    rows = []
    for table in parse_ascii_tables(text):
        for row in table:
            rows.append({"grouping": row.get("GROUPING"), "cidr": row.get("CIDR"),
                         "total": _leading_int(row.get("IPS TOTAL")), "in_use": _leading_int(row.get("IPS IN USE")),
                         "free": _leading_int(row.get("IPS FREE"))})
    return rows


def _leading_int(text):
    match = re.match(r"\s*(\d+)", text or "")
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------------------------------------------------
# WireGuard and tcpdump

def parse_wg_show(text):
    """`wg show` → {interface: {"public_key", "listening_port", "fwmark", "peers": [{"public_key", "endpoint",
    "allowed_ips": [...], "latest_handshake"}]}} (the private key is never kept)."""
    interfaces, current = {}, None
    for line in text.splitlines():
        key, _colon, value = line.strip().partition(": ")
        if key == "interface":
            current = interfaces.setdefault(value, {"peers": []})
            target = current
        elif key == "peer" and current is not None:
            target = {"public_key": value}
            current["peers"].append(target)
        elif current is not None and key and key != "private key":
            name = key.replace(" ", "_")
            target[name] = [ip.strip() for ip in value.split(",")] if name == "allowed_ips" else value
    return interfaces


_TCPDUMP_LINE = re.compile(
    r"^(?P<time>\d{2}:\d{2}:\d{2}\.\d+)\s+(?:(?P<interface>\S+)\s+(?P<direction>In|Out|M|B|P)\s+)?"
    r"(?P<family>IP6?)\s+(?P<src>\S+)\s+>\s+(?P<dst>[^:\s]+):\s*(?P<info>.*)$")


def parse_tcpdump_lines(text):
    """tcpdump -n one-line summaries → dicts: time, src, sport, dst, dport, info, and with `-i any` (tcpdump 4.99+)
    interface and direction. Lines of other protocols (ARP...) are skipped."""
    packets = []
    for line in text.splitlines():
        match = _TCPDUMP_LINE.match(line.strip())
        if not match:
            continue
        packet = {key: value for key, value in match.groupdict().items() if value is not None}
        for end in ("src", "dst"):
            address, port = _split_tcpdump_endpoint(packet[end], packet["family"])
            packet[end] = address
            if port is not None:
                packet[end[0] + "port"] = port
        packets.append(packet)
    return packets


def _split_tcpdump_endpoint(text, family):
    """tcpdump writes address.port; an IPv4 address has exactly four dotted parts before the port."""
    parts = text.split(".")
    if family == "IP" and len(parts) == 5 and parts[4].isdigit():
        return ".".join(parts[:4]), int(parts[4])
    if family == "IP6" and len(parts) == 2 and parts[1].isdigit():
        return parts[0], int(parts[1])
    return text, None
