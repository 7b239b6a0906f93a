# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Predict and explain Calico's verdict on a connection, from plain API objects.

Public interface (kept stable for the modules and the renderer):

* ``Snapshot.from_objects(objects) -> Snapshot`` (see ``snapshot``);
* ``evaluate(snapshot, flow) -> Verdict``, flow ``{"src": ..., "dst": ..., "protocol": "TCP", "port": 80}``
  with src/dst ``{"pod": "ns/name"}``, ``{"ip": "a.b.c.d"}``, ``{"host": "<node>"}``, and for dst also
  ``{"service": "ns/name"}`` or ``{"nodeport": {"node": ..., "port": ...}}``;
* ``Verdict.allowed``, ``Verdict.stages``, ``Verdict.explain()``, ``Verdict.as_dict()``;
* matrices live in ``matrix`` (``matrix.reachability_matrix``), which builds on this module; imports go one
  way (matrix -> engine), never back.

The path a packet takes, stage by stage (calico-facts.md section 4):

* from a pod: its WEP egress policy; to its own host it then meets ``defaultEndpointToHostAction``; leaving
  the node through a host endpoint (HEP) it meets that HEP's applyOnForward egress policy;
* from a host: failsafe outbound ports, untracked (doNotTrack) egress policy, then the HEP's normal egress
  policy and profiles. A host always reaches its own pods;
* arriving at a node from elsewhere: untracked ingress policy, pre-DNAT policy (no default drop), and, for
  traffic forwarded to a pod, the HEP's applyOnForward ingress policy (allowed when none applies); for traffic
  to the host itself failsafe inbound ports come first and the HEP's normal ingress policy and profiles last;
* into a pod: its WEP ingress policy.

Within a stage, tiers run in order; in a tier policies run by order then key; Allow and Deny are final, Log
goes on, Pass leaves the tier; a tier whose policies all fail to decide drops the packet (end-of-tier
default deny), except for pre-DNAT and untracked policy. With no applicable policy (or after Pass) the
endpoint's profiles decide: ``kns.<ns>`` allows, so a pod no policy selects is open.

Simplifications, stated so that nobody mistakes them for Calico behaviour:

* a node's traffic meets one HEP: a named-interface HEP whose expectedIPs hold the host address in the
  packet, else its all-interfaces HEP, else its first named HEP by name (forwarded traffic: no address);
* a namespaced NetworkSet inherits its namespace's ``pcns.`` labels like a pod; in a namespaced policy,
  a rule with ``serviceAccounts`` (like one with a selector) only matches its own namespace;
* untracked policy: an Allow ends the node's host stages (the WEP's own ingress policy still runs); untracked
  egress policy only applies to traffic the host sends itself; return traffic is not modelled;
* rules with source ports never match (a flow has no source port unless it gives ``src_port``);
* ICMP flows without ``icmp`` are taken as echo requests (type 8, code 0);
* NodePort: kube-proxy's SNAT for ``externalTrafficPolicy: Cluster`` is applied, so a backend on another node
  sees the NodePort node's IP as the source (a backend on the same node still sees the client, because
  Felix's filter rules run before POSTROUTING masquerade); ``Local`` keeps the source and only local backends;
  a pod's own node's NodePort is treated like the ClusterIP (DNAT happens before its egress policy);
* policy keys follow v3.21 naming (``default.<name>``, ``<ns>/knp.default.<name>``), which only matters for
  ties between equal orders; a pod reaching itself directly is loopback (not policed), through a Service it
  meets its own egress and ingress policy (hairpin);
* kube-controllers' automatic host endpoints are its steady state (``auto_heps``): with
  KubeControllersConfiguration ``default`` ``autoCreate: Enabled`` every node gets ``<node>-auto-hep``, and an
  existing object of that name is kept as the snapshot has it (kube-controllers would rewrite its labels,
  expectedIPs and interface to the node's); with auto-creation off (the default) HostEndpoints labelled
  ``projectcalico.org/created-by: calico-kube-controllers`` are dropped, even if the cluster still lists them;
  v3.32 ``createDefaultHostEndpoint: Disabled`` is followed, ``templates[]`` are not derived (template-made
  HostEndpoints are taken as the snapshot has them);
* not modelled: ``http`` (application layer) rule fields, Profile ``labelsToApply`` on host endpoints, the
  eBPF dataplane, IPv6 in ``reachability_matrix`` (single flows take ``ip_version: 6`` or IPv6 addresses).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.decide import (
    ALLOW,
    DENY,
    ICMP_PROTOCOLS,
    Packet,
    Peer,
    Stage,
    endpoint_stage,
    failsafe_detail,
    forward_stage,
    info,
    optional_stage,
    port_matches,
    rule_static_ok,
    service_match_sets,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.model import (
    ModelError,
    parse_ip,
    port_text,
    protocol_name,
    protocol_number,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.snapshot import (
    CATEGORY_PREDNAT,
    CATEGORY_UNTRACKED,
    Snapshot,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.services import (
    Party,
    host_party,
    nodeport_service,
    service_backends,
    wep_party,
)

__all__ = ["FlowError", "Packet", "Peer", "Snapshot", "Stage", "Verdict", "evaluate", "port_matches",
           "rule_static_ok", "service_match_sets"]


class FlowError(ValueError):
    """A flow names something the snapshot does not have, or a field is malformed."""


# ------------------------------------------------------------------------------------------- parties

def resolve_party(snapshot, spec, version, where):
    if not isinstance(spec, dict) or len(spec) != 1:
        raise FlowError("%s: expected one of {pod: ns/name}, {ip: address}, {host: node}, got %r" % (where, spec))
    (key, value), = spec.items()
    if key == "pod":
        ref = str(value)
        if "/" not in ref:
            raise FlowError("%s.pod: %r must be namespace/name" % (where, value))
        if ref in snapshot.weps:
            return wep_party(snapshot.weps[ref], version)
        if ref in snapshot.host_networked:
            node, ips = snapshot.host_networked[ref]
            party = host_party(snapshot, node, version)
            party.label = "pod %s (host network on %s)" % (ref, node)
            return party
        raise FlowError("%s.pod: no running pod %r in the snapshot" % (where, ref))
    if key == "ip":
        try:
            ip = parse_ip(value, where + ".ip")
        except ModelError as error:
            raise FlowError(str(error))
        kind, owner = snapshot.owner_of_ip(ip)
        if kind == "wep":
            party = wep_party(owner, ip.version)
            party.ip = ip
            return party
        if kind == "host":
            return host_party(snapshot, owner, ip.version, ip)
        return Party("external", ip=ip, label=str(ip))
    if key == "host":
        node = str(value)
        if node not in snapshot.nodes and node not in snapshot.heps_by_node:
            raise FlowError("%s.host: no node or host endpoint for %r in the snapshot" % (where, value))
        return host_party(snapshot, node, version)
    raise FlowError("%s: %r is not one of pod, ip, host (service and nodeport are destinations only)" % (where, key))


def peer_of(snapshot, party):
    if party.kind == "wep" and party.ip is None:
        return Peer(None, (party.endpoint.id,), party.endpoint.named_ports)
    holders = snapshot.holders(party.ip)
    if party.kind == "wep" and party.endpoint.id not in holders:
        holders = (party.endpoint.id,) + holders
    named = {}
    for holder in holders:
        for name, ports in snapshot.endpoints[holder].named_ports.items():
            named.setdefault(name, set()).update(ports)
    return Peer(party.ip, holders, named)


# ------------------------------------------------------------------------------------------- the path

class _Path(object):
    def __init__(self, snapshot, packet):
        self.snapshot = snapshot
        self.packet = packet
        self.stages = []
        self.denied = False
        self.done = False

    def add(self, stage):
        if stage is None:
            return True
        self.stages.append(stage)
        if stage.decision == DENY:
            self.denied = True
        return not self.denied


def source_stages(path, src, dst, src_peer, dst_peer):
    """Stages at the source; sets path.done when the flow ends there (allowed)."""
    snap, packet = path.snapshot, path.packet
    if src.kind == "wep":
        if not path.add(endpoint_stage(snap, "source egress", src.endpoint, "egress", packet, src_peer, dst_peer)):
            return
        if dst.kind == "host" and src.same_node(dst):
            action = snap.endpoint_to_host_action
            decision = DENY if action == "Drop" else ALLOW
            text = "defaultEndpointToHostAction %s" % action
            if action == "Return":
                text += " (the host's own iptables rules decide; Calico does not police further)"
            path.add(Stage("endpoint to host", "host %s" % dst.node, decision, info("endpoint-to-host", text)))
            path.done = True
            return
        if not src.same_node(dst):
            hep = snap.host_endpoint_for(src.node)
            if hep is not None:
                path.add(forward_stage(snap, "source host forward", hep, "egress", packet, src_peer, dst_peer))
        return
    if src.kind == "host":
        if dst.kind == "wep" and src.same_node(dst):
            path.add(Stage("destination ingress", dst.endpoint.describe(), ALLOW,
                           info("host-to-local-workload", "host to local pod: always allowed")))
            path.done = True
            return
        if dst.kind == "host" and src.same_node(dst):
            path.add(Stage("host local", "host %s" % src.node, ALLOW, info("local", "traffic within one host")))
            path.done = True
            return
        host_egress_stages(path, src, src_peer, dst_peer, dst.ip)
        return
    path.add(Stage("source", src.label, ALLOW, info("not-calico", "not a Calico endpoint")))


def host_egress_stages(path, src, src_peer, dst_peer, remote_ip):
    snap, packet = path.snapshot, path.packet
    hep = snap.host_endpoint_for(src.node, src.ip)
    if hep is None:
        path.add(Stage("host egress", "host %s" % src.node, ALLOW, info("no-hep", "no host endpoint")))
        return
    failsafe = failsafe_detail(snap, src.node, "outbound", packet, remote_ip)
    if failsafe is not None:
        path.add(Stage("host egress", hep.describe(), ALLOW, failsafe))
        return
    stage = optional_stage(snap, "host untracked egress", hep, CATEGORY_UNTRACKED, "egress", packet, src_peer,
                           dst_peer)
    if not path.add(stage) or (stage is not None and stage.decision == ALLOW):
        return
    path.add(endpoint_stage(snap, "host egress", hep, "egress", packet, src_peer, dst_peer))


def arrival_stages(path, node, src_peer, dst_peer, host_bound, remote_ip):
    """Stages where a packet enters ``node`` from the network; returns False when denied."""
    snap, packet = path.snapshot, path.packet
    hep = snap.host_endpoint_for(node, dst_peer.ip if host_bound else None)
    if hep is None:
        if host_bound:
            path.add(Stage("host ingress", "host %s" % node, ALLOW, info("no-hep", "no host endpoint")))
        return True
    if host_bound:
        failsafe = failsafe_detail(snap, node, "inbound", packet, remote_ip)
        if failsafe is not None:
            return path.add(Stage("host ingress", hep.describe(), ALLOW, failsafe))
    stage = optional_stage(snap, "host untracked", hep, CATEGORY_UNTRACKED, "ingress", packet, src_peer, dst_peer)
    if not path.add(stage):
        return False
    if stage is not None and stage.decision == ALLOW:
        return True
    if not path.add(optional_stage(snap, "host pre-DNAT", hep, CATEGORY_PREDNAT, "ingress", packet, src_peer,
                                   dst_peer)):
        return False
    if host_bound:
        return path.add(endpoint_stage(snap, "host ingress", hep, "ingress", packet, src_peer, dst_peer))
    return path.add(forward_stage(snap, "host forward", hep, "ingress", packet, src_peer, dst_peer))


def destination_stages(path, src, dst, src_peer, dst_peer):
    snap, packet = path.snapshot, path.packet
    if dst.kind == "wep":
        if not src.same_node(dst) and not arrival_stages(path, dst.node, src_peer, dst_peer, False, src.ip):
            return
        path.add(endpoint_stage(snap, "destination ingress", dst.endpoint, "ingress", packet, src_peer, dst_peer))
    elif dst.kind == "host":
        arrival_stages(path, dst.node, src_peer, dst_peer, True, src.ip)
    else:
        path.add(Stage("destination", dst.label, ALLOW, info("not-calico", "not a Calico endpoint")))


def direct_path(snapshot, src, dst, packet, hairpin=False):
    """Stages from ``src`` to ``dst``; ``hairpin``: a pod reaching itself through a service leaves and
    re-enters through its own interface, so both of its policies apply."""
    path = _Path(snapshot, packet)
    if src.kind == "wep" and dst.kind == "wep" and src.endpoint is dst.endpoint and not hairpin:
        path.add(Stage("loopback", src.endpoint.describe(), ALLOW, info("loopback", "a pod talking to itself")))
        return path
    src_peer, dst_peer = peer_of(snapshot, src), peer_of(snapshot, dst)
    source_stages(path, src, dst, src_peer, dst_peer)
    if path.denied or path.done:
        return path
    destination_stages(path, src, dst, src_peer, dst_peer)
    return path


# ------------------------------------------------------------------------------------------- verdicts

class Verdict(object):
    """The predicted outcome of one flow, with every stage that decided it."""

    def __init__(self, flow, allowed, stages, backends=None, note=None):
        self.flow = flow
        self.allowed = allowed
        self.stages = stages
        self.backends = backends
        self.note = note

    @property
    def decided_by(self):
        for stage in self.stages:
            if stage.decision == DENY:
                return "%s: %s" % (stage.name, stage.decided_by)
        return "; ".join("%s: %s" % (s.name, s.decided_by) for s in self.stages)

    def as_dict(self):
        data = {"flow": self.flow, "allowed": self.allowed, "decided_by": self.decided_by,
                "stages": [stage.as_dict() for stage in self.stages]}
        if self.note:
            data["note"] = self.note
        if self.backends is not None:
            data["backends"] = [dict(backend=label, port=port, **verdict.as_dict())
                                for label, port, verdict in self.backends]
        return data

    def explain(self):
        lines = ["%s: %s" % (describe_flow(self.flow), "ALLOWED" if self.allowed else "DENIED")]
        if self.note:
            lines.append("  %s" % self.note)
        if self.backends is None:
            for number, stage in enumerate(self.stages, 1):
                lines.append("  %d. %s" % (number, stage.explain().replace("\n", "\n  ")))
        for label, port, verdict in self.backends or ():
            lines.append("  backend %s port %s: %s" % (label, port, "ALLOWED" if verdict.allowed else "DENIED"))
            for number, stage in enumerate(verdict.stages, 1):
                lines.append("    %d. %s" % (number, stage.explain().replace("\n", "\n    ")))
        return "\n".join(lines)

    def __repr__(self):
        return "Verdict(allowed=%r, decided_by=%r)" % (self.allowed, self.decided_by)


def describe_side(spec):
    if not isinstance(spec, dict) or len(spec) != 1:
        return str(spec)
    (key, value), = spec.items()
    if key == "nodeport":
        return "nodeport %s:%s" % (value.get("node"), value.get("port"))
    return "%s %s" % (key, value)


def describe_flow(flow):
    port = flow.get("port")
    return "%s -> %s %s%s" % (describe_side(flow.get("src")), describe_side(flow.get("dst")), flow.get("protocol"),
                              "" if port is None else "/%s" % port)


def normalise_flow(flow):
    if not isinstance(flow, dict):
        raise FlowError("flow: expected a mapping with src, dst, protocol, port; got %r" % (flow,))
    unknown = set(flow) - set(("src", "dst", "protocol", "port", "src_port", "icmp", "ip_version"))
    if unknown:
        raise FlowError("flow: unknown field(s) %s; allowed: src, dst, protocol, port, src_port, icmp, ip_version"
                        % ", ".join(sorted(unknown)))
    for field in ("src", "dst"):
        if field not in flow:
            raise FlowError("flow.%s is required" % field)
    try:
        proto = protocol_number(flow.get("protocol") or "TCP", "flow.protocol")
    except ModelError as error:
        raise FlowError(str(error))
    port = flow.get("port")
    if port is not None:
        try:
            port = int(port)
        except (TypeError, ValueError):
            raise FlowError("flow.port: %r is not a port number" % (port,))
        if not 1 <= port <= 65535:
            raise FlowError("flow.port: %r is not in 1-65535" % (port,))
    if port is None and proto not in ICMP_PROTOCOLS and "nodeport" not in (flow.get("dst") or {}):
        raise FlowError("flow.port is required for %s" % protocol_name(proto))
    icmp = flow.get("icmp")
    if icmp is not None:
        icmp = (int(icmp.get("type", 8)), int(icmp.get("code", 0)))
    version = int(flow.get("ip_version") or _version_of_addresses(flow) or 4)
    if version not in (4, 6):
        raise FlowError("flow.ip_version: %r is not 4 or 6" % (flow.get("ip_version"),))
    src_port = flow.get("src_port")
    normal = {"src": flow["src"], "dst": flow["dst"], "protocol": protocol_name(proto), "port": port}
    return normal, Packet(proto, port, int(src_port) if src_port is not None else None, icmp, version)


def _version_of_addresses(flow):
    """The IP version of an address the flow names (so an IPv6 address needs no ``ip_version``)."""
    for field in ("src", "dst"):
        spec = flow.get(field)
        if isinstance(spec, dict) and "ip" in spec:
            try:
                return parse_ip(spec["ip"]).version
            except ModelError:
                return None
    return None


def evaluate(snapshot, flow):
    """The verdict on one flow (see the module docstring for the flow's shape)."""
    normal, packet = normalise_flow(flow)
    src = resolve_party(snapshot, normal["src"], packet.version, "flow.src")
    dst_spec = normal["dst"]
    if isinstance(dst_spec, dict) and "service" in dst_spec:
        return _evaluate_service(snapshot, normal, packet, src, dst_spec["service"])
    if isinstance(dst_spec, dict) and "nodeport" in dst_spec:
        return _evaluate_nodeport(snapshot, normal, packet, src, dst_spec["nodeport"])
    dst = resolve_party(snapshot, dst_spec, packet.version, "flow.dst")
    path = direct_path(snapshot, src, dst, packet)
    return Verdict(normal, not path.denied, path.stages)


def _service(snapshot, ref, where):
    svc = snapshot.services.get(str(ref))
    if svc is None:
        raise FlowError("%s: no Service %r in the snapshot" % (where, ref))
    return svc


def _service_port(svc, packet, field, value, where):
    for entry in (svc.get("spec") or {}).get("ports") or []:
        if protocol_number(entry.get("protocol") or "TCP") == packet.protocol and entry.get(field) == value:
            return entry
    raise FlowError("%s: Service %s/%s has no %s %s/%s" % (
        where, svc["metadata"].get("namespace"), svc["metadata"].get("name"), field, protocol_name(packet.protocol),
        value))


def _combine(normal, per_backend, note):
    allowed = [entry[2] for entry in per_backend if entry[2].allowed]
    if not per_backend:
        stage = Stage("service translation", "", DENY, info("no-backend", "the service has no ready backend"))
        return Verdict(normal, False, [stage], [], note)
    chosen = allowed[0] if allowed else per_backend[0][2]
    note = "%s; %d of %d backends reachable" % (note, len(allowed), len(per_backend))
    return Verdict(normal, bool(allowed), chosen.stages, per_backend, note)


def _evaluate_service(snapshot, normal, packet, src, ref):
    svc = _service(snapshot, ref, "flow.dst.service")
    entry = _service_port(svc, packet, "port", packet.port, "flow.dst.service")
    per_backend = []
    for backend, target in service_backends(snapshot, svc, entry):
        path = direct_path(snapshot, src, backend, packet.with_port(target), hairpin=True)
        per_backend.append((backend.label, target, Verdict(normal, not path.denied, path.stages)))
    return _combine(normal, per_backend, "ClusterIP service %s port %s translated to its backends" % (ref, packet.port))


def _evaluate_nodeport(snapshot, normal, packet, src, spec):
    if not isinstance(spec, dict) or "node" not in spec or "port" not in spec:
        raise FlowError("flow.dst.nodeport: expected {node: <node>, port: <nodePort>}, got %r" % (spec,))
    node, node_port = str(spec["node"]), int(spec["port"])
    if node not in snapshot.nodes and node not in snapshot.heps_by_node:
        raise FlowError("flow.dst.nodeport.node: no node %r in the snapshot" % node)
    packet = packet.with_port(node_port)
    normal["port"] = node_port
    svc = nodeport_service(snapshot, packet.protocol, node_port)
    if svc is None:
        raise FlowError("flow.dst.nodeport.port: no Service has nodePort %s/%d" % (protocol_name(packet.protocol),
                                                                                   node_port))
    entry = _service_port(svc, packet, "nodePort", node_port, "flow.dst.nodeport")
    ref = "%s/%s" % (svc["metadata"].get("namespace"), svc["metadata"].get("name"))
    note = "NodePort %d on %s is Service %s port %s" % (node_port, node, ref, entry.get("port"))
    local_only = (svc.get("spec") or {}).get("externalTrafficPolicy") == "Local"
    backends = [(b, t) for b, t in service_backends(snapshot, svc, entry) if not local_only or b.node == node]
    if src.kind == "wep" and src.node == node:
        per_backend = []
        for backend, target in backends:
            path = direct_path(snapshot, src, backend, packet.with_port(target), hairpin=True)
            per_backend.append((backend.label, target, Verdict(normal, not path.denied, path.stages)))
        return _combine(normal, per_backend, note + " (DNAT before the pod's egress policy)")
    node_host = host_party(snapshot, node, packet.version)
    path = _Path(snapshot, packet)
    src_peer, node_peer = peer_of(snapshot, src), peer_of(snapshot, node_host)
    if src.kind == "host" and src.node == node:
        path.add(Stage("host local", "host %s" % node, ALLOW, info("local", "traffic within one host")))
    else:
        source_stages(path, src, node_host, src_peer, node_peer)
        if not path.denied and not path.done:
            hep = snapshot.host_endpoint_for(node, node_host.ip)
            if hep is not None:
                failsafe = failsafe_detail(snapshot, node, "inbound", packet, src.ip)
                if failsafe is not None:
                    path.add(Stage("host pre-DNAT", hep.describe(), ALLOW, failsafe))
                else:
                    stage = optional_stage(snapshot, "host untracked", hep, CATEGORY_UNTRACKED, "ingress", packet,
                                           src_peer, node_peer)
                    if path.add(stage) and (stage is None or stage.decision != ALLOW):
                        path.add(optional_stage(snapshot, "host pre-DNAT", hep, CATEGORY_PREDNAT, "ingress", packet,
                                                src_peer, node_peer))
    if path.denied or not backends:
        return _combine(normal, [("(before DNAT)", node_port, Verdict(normal, not path.denied, path.stages))]
                        if path.denied else [], note)
    per_backend = []
    for backend, target in backends:
        per_backend.append((backend.label, target,
                            _nodeport_backend(snapshot, normal, path.stages, src, node_host, backend,
                                              packet.with_port(target), local_only)))
    return _combine(normal, per_backend, note)


def _nodeport_backend(snapshot, normal, prefix, src, node_host, backend, packet, local_only):
    path = _Path(snapshot, packet)
    path.stages = list(prefix)
    src_peer, dst_peer = peer_of(snapshot, src), peer_of(snapshot, backend)
    node = node_host.node
    hep = snapshot.host_endpoint_for(node, node_host.ip)
    if backend.kind == "host" and backend.node == node:
        path.add(endpoint_stage(snapshot, "host ingress", hep, "ingress", packet, src_peer, dst_peer)
                 if hep is not None else Stage("host ingress", "host %s" % node, ALLOW, info("no-hep", "no host endpoint")))
        return Verdict(normal, not path.denied, path.stages)
    if hep is not None and not path.add(forward_stage(snapshot, "host forward", hep, "ingress", packet, src_peer,
                                                      dst_peer)):
        return Verdict(normal, False, path.stages)
    if backend.node == node:
        path.add(endpoint_stage(snapshot, "destination ingress", backend.endpoint, "ingress", packet, src_peer,
                                dst_peer))
        return Verdict(normal, not path.denied, path.stages)
    if hep is not None and not path.add(forward_stage(snapshot, "host forward (leaving %s)" % node, hep, "egress",
                                                      packet, src_peer, dst_peer)):
        return Verdict(normal, False, path.stages)
    masqueraded = node_host if not local_only else src
    destination_stages(path, masqueraded, backend, peer_of(snapshot, masqueraded), dst_peer)
    return Verdict(normal, not path.denied, path.stages)


def explain_port(spec):
    return port_text(spec)
