# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""How one enforcement point decides: rule matching, the walk through tiers and profiles, and stages.

A packet matches a rule when the rule's protocol, ICMP and IP version parts hold, its source side matches
the packet's source and its destination side the packet's destination. A side's selector matches a peer
through any endpoint or network set holding the peer's IP (Felix matches IP sets); ``notSelector`` matches
anything none of them match, including addresses outside Calico. Named ports are resolved against the
peer's own named ports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.model import KIND_PROFILE, protocol_number
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.services import service_backends
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.snapshot import (
    CATEGORY_FORWARD,
    CATEGORY_NORMAL,
)

ALLOW = "allow"
DENY = "deny"
CONTINUE = "continue"
ICMP_PROTOCOLS = (1, 58)


# ------------------------------------------------------------------------------------------- packets

class Peer(object):
    """One end of a packet as rules see it: its IP, the endpoints/network sets holding that IP (what
    selectors match through), and its named ports."""

    __slots__ = ("ip", "holders", "named_ports")

    def __init__(self, ip, holders, named_ports):
        self.ip = ip
        self.holders = holders
        self.named_ports = named_ports


class Packet(object):
    __slots__ = ("protocol", "port", "src_port", "icmp", "version")

    def __init__(self, protocol, port, src_port=None, icmp=None, version=4):
        self.protocol = protocol
        self.port = port
        self.src_port = src_port
        self.icmp = icmp
        self.version = version

    def with_port(self, port):
        return Packet(self.protocol, port, self.src_port, self.icmp, self.version)


def rule_static_ok(rule, packet):
    """The parts of a rule that depend only on the packet's protocol, ICMP type and IP version."""
    if rule.ip_version is not None and rule.ip_version != packet.version:
        return False
    if rule.protocol is not None and rule.protocol != packet.protocol:
        return False
    if rule.not_protocol is not None and rule.not_protocol == packet.protocol:
        return False
    if rule.icmp is not None and not _icmp_matches(rule.icmp, packet):
        return False
    if rule.not_icmp is not None and _icmp_matches(rule.not_icmp, packet):
        return False
    return True


def _icmp_matches(spec, packet):
    if packet.protocol not in ICMP_PROTOCOLS:
        return False
    icmp_type, icmp_code = packet.icmp or (8, 0)
    if spec[0] is not None and spec[0] != icmp_type:
        return False
    return spec[1] is None or spec[1] == icmp_code


def port_matches(specs, port, protocol, named_ports):
    if port is None:
        return False
    for spec in specs:
        if isinstance(spec, tuple):
            if spec[0] <= port <= spec[1]:
                return True
        elif (protocol, port) in named_ports.get(spec, ()):
            return True
    return False


def _any_held(holders, ids):
    for holder in holders:
        if holder in ids:
            return True
    return False


def side_ok(snapshot, side, peer, port, protocol):
    ip = peer.ip
    if side.nets is not None and (ip is None or not any(ip in net for net in side.nets if net.version == ip.version)):
        return False
    if side.not_nets and ip is not None and any(ip in net for net in side.not_nets if net.version == ip.version):
        return False
    if side.scope is not None and not _any_held(peer.holders, snapshot.resolve(side.scope)):
        return False
    if side.not_scope is not None and _any_held(peer.holders, snapshot.resolve(side.not_scope)):
        return False
    if side.ports is not None and not port_matches(side.ports, port, protocol, peer.named_ports):
        return False
    if side.not_ports and port_matches(side.not_ports, port, protocol, peer.named_ports):
        return False
    if side.service is not None:
        ids, ports = service_match_sets(snapshot, side.service)
        if not _any_held(peer.holders, ids):
            return False
        if ports is not None and (protocol, port) not in ports:
            return False
    return True


def service_match_sets(snapshot, service_ref):
    """A rule's ``services`` match: the service's backing endpoints (and, for destinations, their ports)."""
    cache = snapshot.__dict__.setdefault("_service_match_cache", {})
    found = cache.get(service_ref)
    if found is None:
        namespace, name = service_ref
        ids, ports = set(), set()
        svc = snapshot.services.get("%s/%s" % (namespace, name))
        for entry in (svc or {}).get("spec", {}).get("ports") or []:
            proto = protocol_number(entry.get("protocol") or "TCP")
            for backend, target in service_backends(snapshot, svc, entry):
                if backend.kind == "wep":
                    ids.add(backend.endpoint.id)
                ports.add((proto, target))
        found = (frozenset(ids), frozenset(ports))
        cache[service_ref] = found
    return found


def rule_matches(snapshot, rule, packet, src, dst):
    return (rule_static_ok(rule, packet)
            and side_ok(snapshot, rule.src, src, packet.src_port, packet.protocol)
            and side_ok(snapshot, rule.dst, dst, packet.port, packet.protocol))


# ------------------------------------------------------------------------------------------- decisions

def rule_detail(rule):
    policy = rule.policy
    if policy.kind == KIND_PROFILE and len(policy.rules(rule.direction)) == 1 and rule.src.is_trivial() \
            and rule.dst.is_trivial() and rule.protocol is None:
        text = "profile %s %s" % (policy.name, rule.action.lower())
    else:
        text = "%s %s (%s)" % (policy.ref(), rule.label, rule.action)
    detail = {"type": "profile" if policy.kind == KIND_PROFILE else "rule", "text": text,
              "policy": policy.as_dict(), "rule": rule.index, "rule_label": rule.label, "action": rule.action}
    return detail


def info(kind, text, **extra):
    detail = {"type": kind, "text": text}
    detail.update(extra)
    return detail


def run_tiers(snapshot, tiers, direction, packet, src, dst, default_drop=True):
    """(decision, detail, trace); decision None when no tier decided (none applied, or all passed)."""
    trace = []
    for tier, policies in tiers:
        passed = False
        for policy in policies:
            for rule in policy.rules(direction):
                if not rule_matches(snapshot, rule, packet, src, dst):
                    continue
                if rule.action == "Log":
                    trace.append("%s %s: Log, continues" % (policy.ref(), rule.label))
                    continue
                if rule.action == "Pass":
                    trace.append("%s %s: Pass, skips to the next tier" % (policy.ref(), rule.label))
                    passed = True
                    break
                return (ALLOW if rule.action == "Allow" else DENY), rule_detail(rule), trace
            if passed:
                break
        if passed or not default_drop:
            continue
        if tier.default_action == "Pass":
            trace.append("tier %s: no policy decided, its defaultAction Pass goes on" % tier.name)
            continue
        refs = [p.ref() for p in policies]
        return DENY, info("default-deny", "default deny (end of tier %s; applied: %s)" % (tier.name, ", ".join(refs)),
                          tier=tier.name, policies=refs), trace
    return None, None, trace


def run_profiles(snapshot, endpoint, direction, packet, src, dst, trace):
    for name in endpoint.profiles:
        profile = snapshot.profile(name)
        for rule in profile.rules(direction):
            if not rule_matches(snapshot, rule, packet, src, dst):
                continue
            if rule.action == "Log":
                trace.append("profile %s %s: Log, continues" % (name, rule.label))
                continue
            if rule.action == "Pass":
                break
            return (ALLOW if rule.action == "Allow" else DENY), rule_detail(rule)
    if not endpoint.profiles:
        return DENY, info("no-profile", "no policy and no profile: dropped")
    return DENY, info("no-profile", "no profile allowed it (end of profiles %s)" % ", ".join(endpoint.profiles))


class Stage(object):
    """One enforcement point on the path and what it decided."""

    __slots__ = ("name", "endpoint", "decision", "detail", "trace")

    def __init__(self, name, endpoint, decision, detail, trace=None):
        self.name = name
        self.endpoint = endpoint
        self.decision = decision
        self.detail = detail
        self.trace = list(trace or ())

    @property
    def allowed(self):
        return self.decision != DENY

    @property
    def decided_by(self):
        return self.detail["text"]

    @property
    def policy(self):
        return self.detail.get("policy")

    def as_dict(self):
        return {"name": self.name, "endpoint": self.endpoint, "decision": self.decision, "allowed": self.allowed,
                "decided_by": self.decided_by, "detail": dict(self.detail), "trace": list(self.trace)}

    def explain(self):
        lines = ["%s @ %s -> %s: %s" % (self.name, self.endpoint, self.decision.upper(), self.decided_by)]
        lines.extend("    note: %s" % text for text in self.trace)
        return "\n".join(lines)


def endpoint_stage(snapshot, name, endpoint, direction, packet, src, dst):
    """A WEP's (or HEP's host-bound) normal policy, then its profiles."""
    tiers = snapshot.applicable(endpoint, CATEGORY_NORMAL, direction)
    decision, detail, trace = run_tiers(snapshot, tiers, direction, packet, src, dst)
    if decision is None:
        decision, detail = run_profiles(snapshot, endpoint, direction, packet, src, dst, trace)
    return Stage(name, endpoint.describe(), decision, detail, trace)


def optional_stage(snapshot, name, hep, category, direction, packet, src, dst):
    """pre-DNAT or untracked policy: no stage when none applies; no match goes on (no default drop)."""
    tiers = snapshot.applicable(hep, category, direction)
    if not tiers:
        return None
    decision, detail, trace = run_tiers(snapshot, tiers, direction, packet, src, dst, default_drop=False)
    if decision is None:
        refs = [p.ref() for tier_pols in tiers for p in tier_pols[1]]
        return Stage(name, hep.describe(), CONTINUE, info("no-match", "no rule matched, goes on (applied: %s)"
                                                          % ", ".join(refs), policies=refs), trace)
    return Stage(name, hep.describe(), decision, detail, trace)


def forward_stage(snapshot, name, hep, direction, packet, src, dst):
    tiers = snapshot.applicable(hep, CATEGORY_FORWARD, direction)
    if not tiers:
        return Stage(name, hep.describe(), ALLOW, info("no-forward-policy",
                                                       "no applyOnForward policy applies: forwarded traffic allowed"))
    decision, detail, trace = run_tiers(snapshot, tiers, direction, packet, src, dst)
    if decision is None:
        decision, detail = ALLOW, info("passed", "all tiers passed: forwarded traffic allowed")
    return Stage(name, hep.describe(), decision, detail, trace)


def failsafe_detail(snapshot, node, direction, packet, remote_ip):
    for failsafe in snapshot.failsafes(node, direction) or ():
        if failsafe.matches(packet.protocol, packet.port, remote_ip):
            return info("failsafe", "failsafe %s" % failsafe.describe(), direction=direction)
    return None
