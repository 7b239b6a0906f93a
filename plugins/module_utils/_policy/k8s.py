# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""networking.k8s.io/v1 NetworkPolicy as Calico sees it (calico-facts.md section 4).

Calico converts each Kubernetes policy into a namespaced policy named ``knp.default.<name>`` with order 1000
that selects pods only (``projectcalico.org/orchestrator == 'k8s'``). policyTypes is taken as kube-apiserver
defaults it (Ingress always, Egress only when ``egress`` has rules). Each ``from``/``to`` peer and each
protocol of the rule's ports becomes one Calico rule; a podSelector-only peer matches its own namespace, a
namespaceSelector ``{}`` every namespace, and an ipBlock becomes nets with its ``except`` as notNets. The
protocol of a port defaults to TCP and ``endPort`` makes a range.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.model import (
    DEFAULT_TIER,
    KIND_KNP,
    ModelError,
    Policy,
    Rule,
    Scope,
    Side,
    parse_network,
    parse_selector_field,
    protocol_number,
)

KNP_ORDER = 1000.0


def label_selector_text(selector, where):
    """A Kubernetes LabelSelector as Calico selector text (all() when empty)."""
    selector = selector or {}
    parts = []
    for key, value in sorted((selector.get("matchLabels") or {}).items()):
        parts.append('%s == "%s"' % (key, value))
    for index, expr in enumerate(selector.get("matchExpressions") or []):
        key = expr.get("key")
        operator = expr.get("operator")
        values = ", ".join('"%s"' % value for value in expr.get("values") or [])
        if operator == "In":
            parts.append("%s in {%s}" % (key, values))
        elif operator == "NotIn":
            parts.append("%s not in {%s}" % (key, values))
        elif operator == "Exists":
            parts.append("has(%s)" % key)
        elif operator == "DoesNotExist":
            parts.append("!has(%s)" % key)
        else:
            raise ModelError("%s.matchExpressions[%d].operator: %r is not one of In, NotIn, Exists, DoesNotExist"
                             % (where, index, operator))
    return " && ".join(parts) or "all()"


def _parsed(selector, where):
    return parse_selector_field(label_selector_text(selector, where), where)


def peer_side(peer, namespace, where):
    """One NetworkPolicyPeer as the selector/nets part of a Side (ports are added by the caller)."""
    if peer is None:
        return {}
    if peer.get("ipBlock"):
        block = peer["ipBlock"]
        except_nets = tuple(parse_network(n, where + ".ipBlock.except") for n in block.get("except") or [])
        return {"nets": (parse_network(block.get("cidr"), where + ".ipBlock.cidr"),), "not_nets": except_nets}
    pod_selector = peer.get("podSelector")
    ns_selector = peer.get("namespaceSelector")
    if pod_selector is None and ns_selector is None:
        raise ModelError("%s: a peer needs podSelector, namespaceSelector or ipBlock" % where)
    selector = _parsed(pod_selector, where + ".podSelector") if pod_selector is not None else None
    if selector is not None and selector.is_all():
        selector = None
    if ns_selector is None:
        return {"scope": Scope(selector=selector, namespace=namespace, pods_only=True)}
    return {"scope": Scope(selector=selector, pods_only=True,
                           ns_selector=_parsed(ns_selector, where + ".namespaceSelector"))}


def _port_groups(ports, where):
    """[(protocol, ports or None)] in first-seen protocol order; None when the rule has no ports."""
    if not ports:
        return [(None, None)]
    groups = []
    by_protocol = {}
    for index, entry in enumerate(ports):
        proto = protocol_number(entry.get("protocol") or "TCP", "%s.ports[%d].protocol" % (where, index))
        if proto not in by_protocol:
            by_protocol[proto] = []
            groups.append(proto)
        port = entry.get("port")
        if port is None:
            by_protocol[proto] = None
        elif by_protocol[proto] is not None:
            if entry.get("endPort") is not None:
                by_protocol[proto].append((int(port), int(entry["endPort"])))
            elif isinstance(port, int) or str(port).isdigit():
                by_protocol[proto].append((int(port), int(port)))
            else:
                by_protocol[proto].append(str(port))
    return [(proto, tuple(by_protocol[proto]) if by_protocol[proto] is not None else None) for proto in groups]


def k8s_rules(raw_rules, direction, namespace, where):
    peers_field = "from" if direction == "ingress" else "to"
    rules = []
    for k8s_index, raw in enumerate(raw_rules or []):
        rule_where = "%s spec.%s[%d]" % (where, direction, k8s_index)
        peers = raw.get(peers_field) or [None]
        for peer_index, peer in enumerate(peers):
            peer_where = "%s.%s[%d]" % (rule_where, peers_field, peer_index)
            fields = peer_side(peer, namespace, peer_where)
            for proto, ports in _port_groups(raw.get("ports"), rule_where):
                label = "%s rule %d" % (direction, k8s_index)
                if peer is not None:
                    label += " %s[%d]" % (peers_field, peer_index)
                if proto is not None:
                    label += " %s" % {6: "TCP", 17: "UDP", 132: "SCTP"}.get(proto, proto)
                peer_part = Side(nets=fields.get("nets"), not_nets=fields.get("not_nets"), scope=fields.get("scope"))
                port_part = Side(ports=ports)
                if direction == "ingress":
                    src, dst = peer_part, port_part
                else:
                    peer_part.ports = ports
                    src, dst = Side(), peer_part
                rules.append(Rule(direction, "Allow", len(rules), label=label, protocol=proto, src=src, dst=dst))
    return rules


def policy_types(spec):
    types = spec.get("policyTypes")
    if types:
        return list(types)
    return ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]


def kubernetes_policy(obj):
    meta = obj.get("metadata") or {}
    name = meta.get("name") or ""
    namespace = meta.get("namespace") or "default"
    where = "NetworkPolicy (networking.k8s.io) %s/%s" % (namespace, name)
    spec = obj.get("spec") or {}
    selector = _parsed(spec.get("podSelector"), where + " spec.podSelector")
    types = policy_types(spec)
    return Policy(
        KIND_KNP, name, namespace=namespace, key="%s/knp.default.%s" % (namespace, name), order=KNP_ORDER,
        tier=DEFAULT_TIER, applies=Scope(selector=None if selector.is_all() else selector, namespace=namespace,
                                         pods_only=True),
        types=types,
        ingress=k8s_rules(spec.get("ingress"), "ingress", namespace, where) if "Ingress" in types else (),
        egress=k8s_rules(spec.get("egress"), "egress", namespace, where) if "Egress" in types else (),
        apply_on_forward=True)
