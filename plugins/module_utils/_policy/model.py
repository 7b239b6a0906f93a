# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The policy engine's model: endpoints, policies and rules built from plain API objects.

Everything here mirrors how Calico (Felix fed by libcalico-go's update processors) sees a cluster, as
summarised in the shared reference (calico-facts.md sections 3 and 4):

* a Pod becomes a workload endpoint (WEP) whose labels are its own labels plus Calico's implicit labels
  (``projectcalico.org/namespace``, ``projectcalico.org/orchestrator``, ``projectcalico.org/serviceaccount``)
  and the labels inherited from its profiles (``pcns.*`` from the namespace, ``pcsa.*`` from the service
  account); the pod's own labels win on a clash;
* selectors are never rewritten as text: the scope rewriting Calico does (namespace of a namespaced policy,
  the ``pcns.``/``pcsa.`` prefixes of namespace and service-account selectors) is carried by ``Scope``,
  which evaluates the user's selectors against the right view of the same labels, so the result is the one
  the rewritten selector gives;
* Kubernetes NetworkPolicies are converted the way Calico converts them (``k8s``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.selector import parse_selector
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.values import ip_address, ip_network

NS_LABEL = "projectcalico.org/namespace"
ORCH_LABEL = "projectcalico.org/orchestrator"
SA_LABEL = "projectcalico.org/serviceaccount"
NAME_LABEL = "projectcalico.org/name"
NS_PREFIX = "pcns."
SA_PREFIX = "pcsa."
K8S_NS_NAME_LABEL = "kubernetes.io/metadata.name"
DEFAULT_ALLOW_PROFILE = "projectcalico-default-allow"

PROTOCOL_NUMBERS = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMPV6": 58, "SCTP": 132, "UDPLITE": 136}
PROTOCOL_NAMES = {6: "TCP", 17: "UDP", 1: "ICMP", 58: "ICMPv6", 132: "SCTP", 136: "UDPLite"}

KIND_GNP = "GlobalNetworkPolicy"
KIND_NP = "NetworkPolicy"
KIND_KNP = "KubernetesNetworkPolicy"
KIND_PROFILE = "Profile"

DEFAULT_TIER = "default"
DEFAULT_TIER_ORDER = 1000000.0


class ModelError(ValueError):
    """An object in the snapshot cannot be understood; the message names the object and the field."""


def protocol_number(value, where="protocol"):
    """A protocol name or number as Calico accepts it, as its IANA number."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ModelError("%s: %r is not a protocol name or number" % (where, value))
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if text.isdigit():
            number = int(text)
        elif text.upper() in PROTOCOL_NUMBERS:
            number = PROTOCOL_NUMBERS[text.upper()]
        else:
            raise ModelError("%s: %r is not one of TCP, UDP, SCTP, ICMP, ICMPv6, UDPLite or 1-255" % (where, value))
    if not 1 <= number <= 255:
        raise ModelError("%s: %r is not in 1-255" % (where, value))
    return number


def protocol_name(number):
    return PROTOCOL_NAMES.get(number, str(number))


def parse_port(value, where="port"):
    """One Calico port: a number, a ``"min:max"`` range or a named port. Returns (min, max) or the name."""
    if isinstance(value, bool):
        raise ModelError("%s: %r is not a port" % (where, value))
    if isinstance(value, int):
        return (value, value)
    text = str(value).strip()
    if text.isdigit():
        return (int(text), int(text))
    if ":" in text:
        low, high = text.split(":", 1)
        if low.isdigit() and high.isdigit() and int(low) <= int(high):
            return (int(low), int(high))
        raise ModelError("%s: %r is not a valid port range min:max" % (where, value))
    return text


def port_text(spec):
    if isinstance(spec, tuple):
        return str(spec[0]) if spec[0] == spec[1] else "%d:%d" % spec
    return spec


def parse_network(text, where="nets"):
    parsed = ip_network(str(text).strip(), allow_bare_ip=True)
    if parsed is None:
        raise ModelError("%s: %r is not a CIDR" % (where, text))
    return parsed[0]


def parse_ip(text, where="ip"):
    text = str(text).strip()
    if "/" in text:
        text = text.split("/", 1)[0]
    address = ip_address(text)
    if address is None:
        raise ModelError("%s: %r is not an IP address" % (where, text))
    return address


def _metadata(obj):
    return obj.get("metadata") or {}


def _name_of(obj):
    return _metadata(obj).get("name") or ""


def _labels_of(obj):
    return dict(_metadata(obj).get("labels") or {})


def parse_selector_field(text, where):
    try:
        return parse_selector(text or "")
    except ValueError as error:
        raise ModelError("%s: %r is not a valid selector: %s" % (where, text, error))


# ------------------------------------------------------------------------------------------- scopes

class Scope(object):
    """Who a selector field (with Calico's scope rewriting) matches, evaluated against endpoint labels.

    ``selector``: the user's selector over the endpoint's labels (None: no condition).
    ``namespace``: the endpoint must be in that namespace (namespaced policy scope).
    ``pods_only``: ``projectcalico.org/orchestrator == 'k8s'`` (Kubernetes policy conversion).
    ``ns_selector`` / ``ns_mode``: a namespace selector, evaluated on the ``pcns.`` view of the labels;
    ``ns_mode`` is ``"namespaced"`` for ``all()`` (``has(projectcalico.org/namespace)``), ``"global"`` for
    ``global()`` (``!has(projectcalico.org/namespace)``) or ``"labels"``.
    ``sa_selector``: a service-account selector on the ``pcsa.`` view; ``sa_names``: service-account names.
    """

    __slots__ = ("selector", "namespace", "pods_only", "ns_selector", "ns_mode", "sa_selector", "sa_names", "key")

    def __init__(self, selector=None, namespace=None, pods_only=False, ns_selector=None, sa_selector=None,
                 sa_names=None):
        self.selector = selector
        self.namespace = namespace
        self.pods_only = pods_only
        self.ns_selector = ns_selector
        self.ns_mode = None
        if ns_selector is not None:
            if ns_selector.uses_global():
                self.ns_mode = "global"
            elif ns_selector.is_all():
                self.ns_mode = "namespaced"
            else:
                self.ns_mode = "labels"
        self.sa_selector = sa_selector
        self.sa_names = frozenset(sa_names) if sa_names is not None else None
        self.key = (
            selector.canonical() if selector is not None else None, namespace, pods_only,
            ns_selector.canonical() if ns_selector is not None else None,
            sa_selector.canonical() if sa_selector is not None else None,
            tuple(sorted(self.sa_names)) if self.sa_names is not None else None,
        )

    def matches(self, endpoint):
        labels = endpoint.labels
        if self.namespace is not None and labels.get(NS_LABEL) != self.namespace:
            return False
        if self.pods_only and labels.get(ORCH_LABEL) != "k8s":
            return False
        if self.selector is not None and not self.selector.matcher(labels):
            return False
        if self.ns_mode == "namespaced" and NS_LABEL not in labels:
            return False
        if self.ns_mode == "global" and NS_LABEL in labels:
            return False
        if self.ns_mode == "labels" and not self.ns_selector.matcher(endpoint.ns_view):
            return False
        if self.sa_selector is not None and not self.sa_selector.matcher(endpoint.sa_view):
            return False
        if self.sa_names is not None and labels.get(SA_LABEL) not in self.sa_names:
            return False
        return True

    def hints(self):
        """(required keys, required values) that every matching endpoint's labels have, for the index."""
        keys = set()
        values = {}

        def need(key, allowed):
            values[key] = values[key] & allowed if key in values else frozenset(allowed)

        if self.namespace is not None:
            need(NS_LABEL, (self.namespace,))
        if self.pods_only:
            need(ORCH_LABEL, ("k8s",))
        if self.selector is not None:
            keys.update(self.selector.required_keys())
            for key, allowed in self.selector.required_values().items():
                need(key, allowed)
        if self.ns_mode == "namespaced":
            keys.add(NS_LABEL)
        if self.ns_mode == "labels":
            keys.update(NS_PREFIX + key for key in self.ns_selector.required_keys())
            for key, allowed in self.ns_selector.required_values().items():
                need(NS_PREFIX + key, allowed)
        if self.sa_selector is not None:
            keys.update(SA_PREFIX + key for key in self.sa_selector.required_keys())
            for key, allowed in self.sa_selector.required_values().items():
                need(SA_PREFIX + key, allowed)
        if self.sa_names is not None:
            need(SA_LABEL, self.sa_names)
        return keys, values

    def describe(self):
        parts = []
        if self.selector is not None:
            parts.append(self.selector.canonical())
        if self.namespace is not None:
            parts.append("namespace %s" % self.namespace)
        if self.ns_selector is not None:
            parts.append("namespaceSelector %s" % self.ns_selector.canonical())
        if self.sa_selector is not None:
            parts.append("serviceAccountSelector %s" % self.sa_selector.canonical())
        if self.sa_names is not None:
            parts.append("serviceAccounts %s" % ",".join(sorted(self.sa_names)))
        return " && ".join(parts) or "all()"


# ------------------------------------------------------------------------------------------- endpoints

WEP = "wep"
HEP = "hep"
NETSET = "netset"


class Endpoint(object):
    """A Calico endpoint (WEP or HEP) or a network set, as Felix's label index holds it."""

    __slots__ = ("id", "kind", "name", "namespace", "labels", "ips", "nets", "node", "named_ports",
                 "profiles", "interface", "service_account", "ns_view", "sa_view", "pod_phase")

    def __init__(self, kind, name, namespace=None, labels=None, ips=(), nets=(), node=None, named_ports=None,
                 profiles=(), interface=None, service_account=None):
        self.id = -1
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.labels = labels or {}
        self.ips = tuple(ips)
        self.nets = tuple(nets)
        self.node = node
        self.named_ports = named_ports or {}
        self.profiles = tuple(profiles)
        self.interface = interface
        self.service_account = service_account
        self.ns_view = dict((k[len(NS_PREFIX):], v) for k, v in self.labels.items() if k.startswith(NS_PREFIX))
        self.sa_view = dict((k[len(SA_PREFIX):], v) for k, v in self.labels.items() if k.startswith(SA_PREFIX))

    @property
    def ref(self):
        if self.kind == WEP:
            return "%s/%s" % (self.namespace, self.name)
        if self.kind == NETSET and self.namespace:
            return "%s/%s" % (self.namespace, self.name)
        return self.name

    def describe(self):
        if self.kind == WEP:
            return "pod %s/%s" % (self.namespace, self.name)
        if self.kind == HEP:
            return "host endpoint %s (node %s)" % (self.name, self.node)
        if self.namespace:
            return "NetworkSet %s/%s" % (self.namespace, self.name)
        return "GlobalNetworkSet %s" % self.name

    def ip_for(self, version):
        for ip in self.ips:
            if ip.version == version:
                return ip
        return None


def named_ports_of_pod(pod):
    ports = {}
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            name = port.get("name")
            number = port.get("containerPort")
            if name and number:
                proto = protocol_number(port.get("protocol") or "TCP")
                ports.setdefault(name, set()).add((proto, int(number)))
    return ports


def pod_ips(pod):
    status = pod.get("status") or {}
    found = []
    for entry in status.get("podIPs") or []:
        if entry.get("ip"):
            found.append(parse_ip(entry["ip"], "status.podIPs"))
    if not found and status.get("podIP"):
        found.append(parse_ip(status["podIP"], "status.podIP"))
    return found


def inherited_labels(namespace, ns_labels, sa_name, sa_labels):
    """The labels a WEP inherits from its kns.<ns> and ksa.<ns>.<sa> profiles."""
    labels = {}
    for key, value in (ns_labels or {}).items():
        labels[NS_PREFIX + key] = value
    labels[NS_PREFIX + NAME_LABEL] = namespace
    if sa_name is not None:
        for key, value in (sa_labels or {}).items():
            labels[SA_PREFIX + key] = value
        labels[SA_PREFIX + NAME_LABEL] = sa_name
    return labels


def workload_endpoint(pod, ns_labels, sa_labels):
    meta = _metadata(pod)
    namespace = meta.get("namespace") or "default"
    spec = pod.get("spec") or {}
    sa_name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    labels = inherited_labels(namespace, ns_labels, sa_name, sa_labels)
    labels[NS_LABEL] = namespace
    labels[ORCH_LABEL] = "k8s"
    if len(sa_name) < 63:
        labels[SA_LABEL] = sa_name
    labels.update(meta.get("labels") or {})
    return Endpoint(WEP, meta.get("name") or "", namespace=namespace, labels=labels, ips=pod_ips(pod),
                    node=spec.get("nodeName"), named_ports=named_ports_of_pod(pod),
                    profiles=("kns." + namespace, "ksa.%s.%s" % (namespace, sa_name)), service_account=sa_name)


def host_endpoint(obj):
    spec = obj.get("spec") or {}
    name = _name_of(obj)
    if not spec.get("node"):
        raise ModelError("HostEndpoint %s: spec.node is required" % name)
    ports = {}
    for port in spec.get("ports") or []:
        if port.get("name") and port.get("port"):
            proto = protocol_number(port.get("protocol") or "TCP", "HostEndpoint %s ports" % name)
            ports.setdefault(port["name"], set()).add((proto, int(port["port"])))
    ips = [parse_ip(ip, "HostEndpoint %s spec.expectedIPs" % name) for ip in spec.get("expectedIPs") or []]
    return Endpoint(HEP, name, labels=_labels_of(obj), ips=ips, node=spec["node"], named_ports=ports,
                    profiles=spec.get("profiles") or (), interface=spec.get("interfaceName") or "")


def network_set(obj, namespace_labels):
    meta = _metadata(obj)
    namespace = meta.get("namespace") if obj.get("kind") == "NetworkSet" else None
    labels = {}
    if namespace:
        labels.update(inherited_labels(namespace, namespace_labels.get(namespace), None, None))
        labels[NS_LABEL] = namespace
    own = dict(meta.get("labels") or {})
    own.pop(NS_LABEL, None)
    labels.update(own)
    where = "%s %s spec.nets" % (obj.get("kind"), meta.get("name"))
    nets = [parse_network(net, where) for net in (obj.get("spec") or {}).get("nets") or []]
    return Endpoint(NETSET, meta.get("name") or "", namespace=namespace, labels=labels, nets=nets)


def node_addresses(node):
    """The node's IPs: Calico's IPv4Address annotation first, then InternalIP/ExternalIP, then tunnel addresses."""
    meta = _metadata(node)
    annotations = meta.get("annotations") or {}
    found = []

    def add(text, where):
        if text:
            ip = parse_ip(text, where)
            if ip not in found:
                found.append(ip)

    add(annotations.get("projectcalico.org/IPv4Address"), "Node annotation IPv4Address")
    add(annotations.get("projectcalico.org/IPv6Address"), "Node annotation IPv6Address")
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") in ("InternalIP", "ExternalIP"):
            add(address.get("address"), "Node status.addresses")
    for key in ("projectcalico.org/IPv4IPIPTunnelAddr", "projectcalico.org/IPv4VXLANTunnelAddr",
                "projectcalico.org/IPv4WireguardInterfaceAddr"):
        add(annotations.get(key), "Node annotation %s" % key)
    return found


# ------------------------------------------------------------------------------------------- rules

class Side(object):
    """The source or destination part of a rule (an EntityRule)."""

    __slots__ = ("nets", "not_nets", "scope", "not_scope", "ports", "not_ports", "service")

    def __init__(self, nets=None, not_nets=None, scope=None, not_scope=None, ports=None, not_ports=None,
                 service=None):
        self.nets = nets
        self.not_nets = not_nets
        self.scope = scope
        self.not_scope = not_scope
        self.ports = ports
        self.not_ports = not_ports
        self.service = service

    def is_trivial(self):
        return (self.nets is None and not self.not_nets and self.scope is None and self.not_scope is None
                and self.ports is None and not self.not_ports and self.service is None)

    def describe(self):
        parts = []
        if self.scope is not None:
            parts.append("selector %s" % self.scope.describe())
        if self.not_scope is not None:
            parts.append("notSelector %s" % self.not_scope.describe())
        if self.nets is not None:
            parts.append("nets %s" % ",".join(str(n) for n in self.nets))
        if self.not_nets:
            parts.append("notNets %s" % ",".join(str(n) for n in self.not_nets))
        if self.ports is not None:
            parts.append("ports %s" % ",".join(str(port_text(p)) for p in self.ports))
        if self.not_ports:
            parts.append("notPorts %s" % ",".join(str(port_text(p)) for p in self.not_ports))
        if self.service is not None:
            parts.append("service %s/%s" % self.service)
        return " ".join(parts)


class Rule(object):
    __slots__ = ("id", "policy", "index", "label", "direction", "action", "ip_version", "protocol",
                 "not_protocol", "icmp", "not_icmp", "src", "dst")

    def __init__(self, direction, action, index, label=None, ip_version=None, protocol=None, not_protocol=None,
                 icmp=None, not_icmp=None, src=None, dst=None):
        self.id = -1
        self.policy = None
        self.direction = direction
        self.action = action
        self.index = index
        self.label = label or "%s rule %d" % (direction, index)
        self.ip_version = ip_version
        self.protocol = protocol
        self.not_protocol = not_protocol
        self.icmp = icmp
        self.not_icmp = not_icmp
        self.src = src or Side()
        self.dst = dst or Side()


class Policy(object):
    """A NetworkPolicy, GlobalNetworkPolicy, converted Kubernetes NetworkPolicy, or a profile."""

    __slots__ = ("id", "kind", "name", "namespace", "key", "order", "tier", "applies", "types", "ingress",
                 "egress", "do_not_track", "pre_dnat", "apply_on_forward")

    def __init__(self, kind, name, namespace=None, key=None, order=None, tier=DEFAULT_TIER, applies=None,
                 types=(), ingress=(), egress=(), do_not_track=False, pre_dnat=False, apply_on_forward=False):
        self.id = -1
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.key = key or name
        self.order = order
        self.tier = tier
        self.applies = applies
        self.types = frozenset(types)
        self.ingress = list(ingress)
        self.egress = list(egress)
        self.do_not_track = do_not_track
        self.pre_dnat = pre_dnat
        self.apply_on_forward = apply_on_forward
        for rule in self.ingress + self.egress:
            rule.policy = self

    def rules(self, direction):
        return self.ingress if direction == "ingress" else self.egress

    def sort_key(self):
        return (self.order is None, self.order if self.order is not None else 0.0, self.key)

    def ref(self):
        if self.kind == KIND_PROFILE:
            return "profile %s" % self.name
        if self.namespace:
            return "%s %s/%s" % (self.kind, self.namespace, self.name)
        return "%s %s" % (self.kind, self.name)

    def as_dict(self):
        return {"kind": self.kind, "namespace": self.namespace, "name": self.name, "tier": self.tier,
                "order": self.order}


class Tier(object):
    __slots__ = ("name", "order", "default_action")

    def __init__(self, name, order=DEFAULT_TIER_ORDER, default_action="Deny"):
        self.name = name
        self.order = order
        self.default_action = default_action

    def sort_key(self):
        return (self.order is None, self.order if self.order is not None else 0.0, self.name)


# ------------------------------------------------------------------------------- Calico policy conversion

def _where(kind, namespace, name):
    return "%s %s" % (kind, "%s/%s" % (namespace, name) if namespace else name)


def _ports(values, where):
    if values is None:
        return None
    return tuple(parse_port(value, where) for value in values)


def _nets(values, where):
    if values is None:
        return None
    return tuple(parse_network(value, where) for value in values)


def _icmp(value, where):
    if not value:
        return None
    icmp_type = value.get("type")
    code = value.get("code")
    if code is not None and icmp_type is None:
        raise ModelError("%s: an ICMP code needs a type" % where)
    return (icmp_type, code)


def calico_side(entity, namespace, where):
    """An EntityRule with Calico's scoping: an NP rule with a selector, notSelector or service accounts and
    no namespaceSelector only matches its own namespace; a nets-only rule is not namespace-restricted."""
    entity = entity or {}
    selector = entity.get("selector")
    not_selector = entity.get("notSelector")
    ns_selector = entity.get("namespaceSelector")
    accounts = entity.get("serviceAccounts") or None
    scope = None
    if selector or ns_selector or accounts or (not_selector and namespace):
        own_namespace = namespace if (namespace and not ns_selector) else None
        sa_selector = sa_names = None
        if accounts:
            if accounts.get("selector"):
                sa_selector = parse_selector_field(accounts["selector"], where + ".serviceAccounts.selector")
            if accounts.get("names"):
                sa_names = accounts["names"]
        scope = Scope(
            selector=parse_selector_field(selector, where + ".selector") if selector else None,
            namespace=own_namespace,
            ns_selector=parse_selector_field(ns_selector, where + ".namespaceSelector") if ns_selector else None,
            sa_selector=sa_selector, sa_names=sa_names)
    not_scope = None
    if not_selector:
        not_scope = Scope(selector=parse_selector_field(not_selector, where + ".notSelector"))
    service = None
    if entity.get("services"):
        svc = entity["services"]
        service = (svc.get("namespace") or namespace or "default", svc.get("name"))
    return Side(nets=_nets(entity.get("nets"), where + ".nets"),
                not_nets=_nets(entity.get("notNets"), where + ".notNets"),
                scope=scope, not_scope=not_scope,
                ports=_ports(entity.get("ports"), where + ".ports"),
                not_ports=_ports(entity.get("notPorts"), where + ".notPorts"),
                service=service)


def calico_rule(raw, direction, index, namespace, where):
    where = "%s %s[%d]" % (where, direction, index)
    action = raw.get("action")
    if action not in ("Allow", "Deny", "Log", "Pass"):
        raise ModelError("%s.action: %r is not one of Allow, Deny, Log, Pass" % (where, action))
    ip_version = raw.get("ipVersion")
    return Rule(direction, action, index,
                ip_version=int(ip_version) if ip_version else None,
                protocol=protocol_number(raw.get("protocol"), where + ".protocol"),
                not_protocol=protocol_number(raw.get("notProtocol"), where + ".notProtocol"),
                icmp=_icmp(raw.get("icmp"), where + ".icmp"),
                not_icmp=_icmp(raw.get("notICMP"), where + ".notICMP"),
                src=calico_side(raw.get("source"), namespace, where + ".source"),
                dst=calico_side(raw.get("destination"), namespace, where + ".destination"))


def default_types(spec):
    """clientv3's defaulting when types is absent; Felix reads an explicit empty list as both directions."""
    types = spec.get("types")
    if types is None:
        if spec.get("preDNAT"):
            return ["Ingress"]
        if spec.get("egress") and spec.get("ingress"):
            return ["Ingress", "Egress"]
        if spec.get("egress"):
            return ["Egress"]
        return ["Ingress"]
    if not types:
        return ["Ingress", "Egress"]
    return list(types)


def policy_tier(obj, known_tiers):
    spec = obj.get("spec") or {}
    if spec.get("tier"):
        return spec["tier"]
    name = _name_of(obj)
    if "." in name:
        prefix = name.split(".", 1)[0]
        if prefix in known_tiers:
            return prefix
    return DEFAULT_TIER


def policy_key(name, namespace, tier):
    """Felix's policy key: the CRD name (``<tier>.<name>``), prefixed with ``<ns>/`` for namespaced ones."""
    crd_name = name if name.startswith(tier + ".") or name.startswith("knp.") else "%s.%s" % (tier, name)
    return "%s/%s" % (namespace, crd_name) if namespace else crd_name


def calico_policy(obj, known_tiers=()):
    kind = obj.get("kind")
    meta = _metadata(obj)
    name = meta.get("name") or ""
    namespace = (meta.get("namespace") or "default") if kind == KIND_NP else None
    where = _where(kind, namespace, name)
    spec = obj.get("spec") or {}
    tier = policy_tier(obj, known_tiers)
    selector = parse_selector_field(spec.get("selector") or "", where + " spec.selector")
    ns_selector = None
    if kind == KIND_GNP and spec.get("namespaceSelector"):
        ns_selector = parse_selector_field(spec["namespaceSelector"], where + " spec.namespaceSelector")
    sa_selector = None
    if spec.get("serviceAccountSelector"):
        sa_selector = parse_selector_field(spec["serviceAccountSelector"], where + " spec.serviceAccountSelector")
    applies = Scope(selector=None if selector.is_all() else selector, namespace=namespace,
                    ns_selector=ns_selector, sa_selector=sa_selector)
    order = spec.get("order")
    return Policy(
        kind, name, namespace=namespace, key=policy_key(name, namespace, tier),
        order=float(order) if order is not None else None, tier=tier, applies=applies,
        types=default_types(spec),
        ingress=[calico_rule(r, "ingress", i, namespace, where) for i, r in enumerate(spec.get("ingress") or [])],
        egress=[calico_rule(r, "egress", i, namespace, where) for i, r in enumerate(spec.get("egress") or [])],
        do_not_track=bool(spec.get("doNotTrack")), pre_dnat=bool(spec.get("preDNAT")),
        apply_on_forward=True if kind == KIND_NP else bool(spec.get("applyOnForward")))


def profile_policy(name, ingress=None, egress=None):
    """A profile as a policy-like object: ``kns.*`` and ``projectcalico-default-allow`` allow everything."""
    if ingress is None and egress is None and (name.startswith("kns.") or name == DEFAULT_ALLOW_PROFILE):
        ingress = [Rule("ingress", "Allow", 0)]
        egress = [Rule("egress", "Allow", 0)]
    return Policy(KIND_PROFILE, name, key=name, types=("Ingress", "Egress"), ingress=ingress or (),
                  egress=egress or ())


def calico_profile(obj):
    name = _name_of(obj)
    spec = obj.get("spec") or {}
    where = "Profile %s" % name
    return profile_policy(
        name,
        ingress=[calico_rule(r, "ingress", i, None, where) for i, r in enumerate(spec.get("ingress") or [])],
        egress=[calico_rule(r, "egress", i, None, where) for i, r in enumerate(spec.get("egress") or [])])


def tier_from_object(obj):
    spec = obj.get("spec") or {}
    order = spec.get("order")
    return Tier(_name_of(obj), float(order) if order is not None else None, spec.get("defaultAction") or "Deny")
