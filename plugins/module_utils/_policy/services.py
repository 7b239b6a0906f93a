# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Flow ends for the policy engine, and Service translation as kube-proxy does it.

A Service's backends are the running pods of its namespace whose labels carry every key/value of
``spec.selector``; a Service without a selector uses its Endpoints object. ``targetPort`` may be a number or
a container port name, resolved per pod (a pod without that named port is not a backend); it defaults to
``port``. Policy then sees the backend's address and target port (iptables kube-proxy DNATs before Felix's
filter rules run).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.model import parse_ip, protocol_number


class Party(object):
    """A resolved flow end: a pod's WEP, a host (node), or an address outside Calico."""

    __slots__ = ("kind", "endpoint", "node", "ip", "label")

    def __init__(self, kind, endpoint=None, node=None, ip=None, label=None):
        self.kind = kind
        self.endpoint = endpoint
        self.node = node
        self.ip = ip
        self.label = label

    def same_node(self, other):
        return self.kind != "external" and other.kind != "external" and self.node is not None \
            and self.node == other.node


def wep_party(endpoint, version=4):
    return Party("wep", endpoint, endpoint.node, endpoint.ip_for(version), "pod %s" % endpoint.ref)


def host_party(snapshot, node, version=4, ip=None):
    return Party("host", node=node, ip=ip or snapshot.node_ip(node, version), label="host %s" % node)


def _target_port(entry, protocol, named_ports):
    target = entry.get("targetPort")
    if target is None or target == "":
        return int(entry.get("port"))
    if isinstance(target, int) or str(target).isdigit():
        return int(target)
    for proto, number in sorted(named_ports.get(str(target), ())):
        if proto == protocol:
            return number
    return None


def _selected(labels, selector):
    return all(labels.get(key) == value for key, value in selector.items())


def service_backends(snapshot, svc, entry):
    """[(Party, target port)] for one port entry of a Service, in pod name order."""
    meta = svc.get("metadata") or {}
    namespace = meta.get("namespace") or "default"
    selector = (svc.get("spec") or {}).get("selector")
    protocol = protocol_number(entry.get("protocol") or "TCP")
    found = []
    if selector:
        prefix = namespace + "/"
        for ref in sorted(snapshot.weps):
            endpoint = snapshot.weps[ref]
            if ref.startswith(prefix) and _selected(_own_labels(endpoint), selector):
                target = _target_port(entry, protocol, endpoint.named_ports)
                if target is not None:
                    found.append((wep_party(endpoint), target))
        for ref in sorted(snapshot.host_networked):
            node, ips = snapshot.host_networked[ref]
            labels = snapshot.host_network_labels.get(ref, {})
            if ref.startswith(prefix) and _selected(labels, selector):
                target = _target_port(entry, protocol, snapshot.host_network_ports.get(ref, {}))
                if target is not None:
                    found.append((host_party(snapshot, node, 4, ips[0] if ips else None), target))
        return found
    return _endpoints_backends(snapshot, namespace, meta.get("name"), entry, protocol)


def _own_labels(endpoint):
    return endpoint.labels


def _endpoints_backends(snapshot, namespace, name, entry, protocol):
    obj = snapshot.service_endpoints.get("%s/%s" % (namespace, name))
    found = []
    for subset in (obj or {}).get("subsets") or []:
        port = None
        for candidate in subset.get("ports") or []:
            if protocol_number(candidate.get("protocol") or "TCP") == protocol and \
                    (candidate.get("name") or "") == (entry.get("name") or ""):
                port = candidate.get("port")
        if port is None:
            continue
        for address in subset.get("addresses") or []:
            ip = parse_ip(address.get("ip"), "Endpoints %s/%s address" % (namespace, name))
            kind, owner = snapshot.owner_of_ip(ip)
            if kind == "wep":
                found.append((wep_party(owner, ip.version), int(port)))
            elif kind == "host":
                found.append((host_party(snapshot, owner, ip.version, ip), int(port)))
            else:
                found.append((Party("external", ip=ip, label=str(ip)), int(port)))
    return found


def nodeport_service(snapshot, protocol, node_port):
    for ref in sorted(snapshot.services):
        svc = snapshot.services[ref]
        for entry in (svc.get("spec") or {}).get("ports") or []:
            if entry.get("nodePort") == node_port and protocol_number(entry.get("protocol") or "TCP") == protocol:
                return svc
    return None
