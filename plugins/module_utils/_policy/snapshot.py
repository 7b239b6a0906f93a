# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A cluster snapshot for the policy engine, with Felix-style indexes.

``Snapshot.from_objects`` takes plain API dicts (as ``kubectl get -o json`` or the dynamic client return them)
and builds the endpoints, policies and profiles Calico would have. The label index maps
key -> value -> endpoint ids; a selector is resolved once per snapshot by intersecting the index entries its
``required_keys``/``required_values`` hints name and testing only those candidates, and every resolved set is
cached by the selector's scope, as Felix's label index does.

HostEndpoints are the ones kube-controllers leaves: its automatic host endpoints are added or dropped as
KubeControllersConfiguration ``default`` says (``auto_heps.with_auto_host_endpoints``), after any changes.

Felix settings that matter here: failsafe ports (FelixConfiguration ``default`` and ``node.<name>``, else
Felix's defaults) and ``defaultEndpointToHostAction``. The operator and the manifests set the environment
variable ``FELIX_DEFAULTENDPOINTTOHOSTACTION=ACCEPT``, and an environment variable wins over
FelixConfiguration, so that is the default here; pass ``felix_env={}`` to model a Felix without it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.auto_heps import with_auto_host_endpoints
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.k8s import kubernetes_policy
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.model import (
    DEFAULT_TIER,
    DEFAULT_TIER_ORDER,
    HEP,
    K8S_NS_NAME_LABEL,
    KIND_GNP,
    KIND_NP,
    NETSET,
    WEP,
    ModelError,
    Tier,
    calico_policy,
    calico_profile,
    host_endpoint,
    named_ports_of_pod,
    network_set,
    node_addresses,
    parse_ip,
    parse_network,
    pod_ips,
    profile_policy,
    protocol_number,
    tier_from_object,
    workload_endpoint,
)

FELIX_FAILSAFE_INBOUND = ("tcp:22", "udp:68", "tcp:179", "tcp:2379", "tcp:2380", "tcp:5473", "tcp:6443",
                          "tcp:6666", "tcp:6667")
FELIX_FAILSAFE_OUTBOUND = ("udp:53", "udp:67", "tcp:179", "tcp:2379", "tcp:2380", "tcp:5473", "tcp:6443",
                           "tcp:6666", "tcp:6667")
OPERATOR_FELIX_ENV = {"FELIX_DEFAULTENDPOINTTOHOSTACTION": "ACCEPT"}

CATEGORY_NORMAL = "normal"
CATEGORY_FORWARD = "forward"
CATEGORY_PREDNAT = "prednat"
CATEGORY_UNTRACKED = "untracked"

_POLICY_KINDS = {
    ("projectcalico.org", "NetworkPolicy"): "calico",
    ("projectcalico.org", "GlobalNetworkPolicy"): "calico",
    ("networking.k8s.io", "NetworkPolicy"): "k8s",
}


class FailsafePort(object):
    __slots__ = ("protocol", "port", "net")

    def __init__(self, protocol, port, net=None):
        self.protocol = protocol
        self.port = port
        self.net = net

    def matches(self, protocol, port, remote_ip):
        if protocol != self.protocol or port != self.port:
            return False
        return self.net is None or (remote_ip is not None and remote_ip in self.net)

    def describe(self):
        text = "%s:%d" % ({6: "tcp", 17: "udp", 132: "sctp"}.get(self.protocol, self.protocol), self.port)
        return text if self.net is None else "%s from/to %s" % (text, self.net)


def parse_failsafe(entries, where):
    parsed = []
    for index, entry in enumerate(entries or []):
        item_where = "%s[%d]" % (where, index)
        if isinstance(entry, str):
            proto, port = (entry.split(":", 1) + [None])[:2]
            net = None
        else:
            proto, port, net = entry.get("protocol") or "TCP", entry.get("port"), entry.get("net")
        try:
            port = int(port)
        except (TypeError, ValueError):
            raise ModelError("%s.port: %r is not a port number" % (item_where, port))
        parsed.append(FailsafePort(protocol_number(proto, item_where + ".protocol"), port,
                                   parse_network(net, item_where + ".net") if net else None))
    return parsed


def _group(obj):
    api_version = obj.get("apiVersion") or ""
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def flatten_objects(objects):
    """Accept a list of objects, a List object, or a dict with ``items``; yield single objects."""
    if isinstance(objects, dict):
        objects = objects.get("items") if "items" in objects else [objects]
    for obj in objects or []:
        if not isinstance(obj, dict):
            raise ModelError("snapshot: every object must be a mapping, got %r" % (obj,))
        if "items" in obj and (obj.get("kind") or "List").endswith("List"):
            yield from flatten_objects(obj["items"])
        else:
            yield obj


class Snapshot(object):
    """Endpoints, policies, profiles and Felix settings of one cluster state, with indexes."""

    def __init__(self):
        self.endpoints = []
        self.weps = {}
        self.host_networked = {}
        self.host_network_labels = {}
        self.host_network_ports = {}
        self.heps_by_node = {}
        self.nodes = {}
        self.namespaces = {}
        self.services = {}
        self.service_endpoints = {}
        self.policies = []
        self.profiles = {}
        self.tiers = {}
        self.failsafe_inbound = {}
        self.failsafe_outbound = {}
        self.endpoint_to_host_action = "Accept"
        self._label_index = {}
        self._key_index = {}
        self._resolved = {}
        self._applicable = None
        self._holders = {}
        self._ip_owner = None
        self._owners_by_ip = None
        self._netsets = ()
        self.pod_meta = {}

    # ------------------------------------------------------------------ building

    @classmethod
    def from_objects(cls, objects, felix_env=None, auto_host_endpoints=None):
        """Build a snapshot from API objects.

        ``felix_env``: Felix environment variables that override FelixConfiguration (default: what the
        operator sets). ``auto_host_endpoints``: True/False to force kube-controllers' auto host endpoints
        (its ``AUTO_HOST_ENDPOINTS`` variable); None follows KubeControllersConfiguration ``default``. Either
        way the HostEndpoints are the ones kube-controllers leaves (``auto_heps.with_auto_host_endpoints``),
        so give the objects after any "what if" changes.
        """
        snapshot = cls()
        by_kind = {}
        for obj in with_auto_host_endpoints(flatten_objects(objects), auto_host_endpoints):
            by_kind.setdefault(obj.get("kind"), []).append(obj)
        snapshot._load_namespaces(by_kind.get("Namespace", []))
        snapshot._load_nodes(by_kind.get("Node", []))
        snapshot._load_pods(by_kind.get("Pod", []), by_kind.get("ServiceAccount", []))
        for obj in by_kind.get("HostEndpoint", []):
            snapshot._add_hep(host_endpoint(obj))
        for obj in by_kind.get("NetworkSet", []) + by_kind.get("GlobalNetworkSet", []):
            snapshot._add_endpoint(network_set(obj, snapshot.namespaces))
        for obj in by_kind.get("Service", []):
            meta = obj.get("metadata") or {}
            snapshot.services["%s/%s" % (meta.get("namespace") or "default", meta.get("name"))] = obj
        for obj in by_kind.get("Endpoints", []):
            meta = obj.get("metadata") or {}
            snapshot.service_endpoints["%s/%s" % (meta.get("namespace") or "default", meta.get("name"))] = obj
        for obj in by_kind.get("Tier", []):
            tier = tier_from_object(obj)
            snapshot.tiers[tier.name] = tier
        snapshot.tiers.setdefault(DEFAULT_TIER, Tier(DEFAULT_TIER, DEFAULT_TIER_ORDER))
        snapshot._load_policies(by_kind.get("NetworkPolicy", []) + by_kind.get("GlobalNetworkPolicy", []))
        for obj in by_kind.get("Profile", []):
            profile = calico_profile(obj)
            snapshot.profiles[profile.name] = profile
        snapshot._load_felix(by_kind.get("FelixConfiguration", []), OPERATOR_FELIX_ENV if felix_env is None
                             else felix_env)
        snapshot._build_index()
        return snapshot

    def _load_namespaces(self, namespaces):
        for obj in namespaces:
            meta = obj.get("metadata") or {}
            labels = dict(meta.get("labels") or {})
            # kube-apiserver (1.21+) sets this label on every namespace.
            labels.setdefault(K8S_NS_NAME_LABEL, meta.get("name"))
            self.namespaces[meta.get("name")] = labels

    def _load_nodes(self, nodes):
        # A Kubernetes Node and a Calico Node of one name are one node.
        for obj in nodes:
            meta = obj.get("metadata") or {}
            entry = self.nodes.setdefault(meta.get("name"), {"labels": {}, "ips": []})
            entry["labels"].update(meta.get("labels") or {})
            entry["ips"].extend(ip for ip in node_addresses(obj) if ip not in entry["ips"])

    def _load_pods(self, pods, service_accounts):
        sa_labels = {}
        for obj in service_accounts:
            meta = obj.get("metadata") or {}
            sa_labels[(meta.get("namespace") or "default", meta.get("name"))] = dict(meta.get("labels") or {})
        for pod in pods:
            meta = pod.get("metadata") or {}
            spec = pod.get("spec") or {}
            namespace = meta.get("namespace") or "default"
            ref = "%s/%s" % (namespace, meta.get("name"))
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            self.pod_meta[ref] = meta
            if spec.get("hostNetwork"):
                self.host_networked[ref] = (spec.get("nodeName"), pod_ips(pod))
                self.host_network_labels[ref] = dict(meta.get("labels") or {})
                self.host_network_ports[ref] = named_ports_of_pod(pod)
                continue
            if namespace not in self.namespaces:
                self.namespaces[namespace] = {K8S_NS_NAME_LABEL: namespace}
            sa_name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
            endpoint = workload_endpoint(pod, self.namespaces.get(namespace), sa_labels.get((namespace, sa_name)))
            self.weps[ref] = endpoint
            self._add_endpoint(endpoint)

    def _add_hep(self, endpoint):
        self.heps_by_node.setdefault(endpoint.node, []).append(endpoint)
        self._add_endpoint(endpoint)

    def _add_endpoint(self, endpoint):
        endpoint.id = len(self.endpoints)
        self.endpoints.append(endpoint)

    def _load_policies(self, objects):
        rule_id = 0
        for obj in objects:
            family = _POLICY_KINDS.get((_group(obj), obj.get("kind")))
            if family is None and obj.get("kind") == KIND_GNP:
                family = "calico"
            if family is None and obj.get("kind") == KIND_NP:
                # Without apiVersion, Calico's own fields tell a Calico policy from a Kubernetes one.
                family = "k8s" if "podSelector" in (obj.get("spec") or {}) else "calico"
            if family == "k8s":
                policy = kubernetes_policy(obj)
            else:
                policy = calico_policy(obj, self.tiers)
                if policy.tier not in self.tiers:
                    raise ModelError("%s: tier %r does not exist" % (policy.ref(), policy.tier))
            policy.id = len(self.policies)
            self.policies.append(policy)
            for rule in policy.ingress + policy.egress:
                rule.id = rule_id
                rule_id += 1
        self._next_rule_id = rule_id

    def _load_felix(self, configs, env):
        by_name = dict(((obj.get("metadata") or {}).get("name"), obj.get("spec") or {}) for obj in configs)
        default = by_name.get("default", {})

        def setting(node, field):
            node_spec = by_name.get("node.%s" % node, {}) if node else {}
            return node_spec.get(field, default.get(field))

        for node in list(self.nodes) + list(self.heps_by_node) + [None]:
            inbound = setting(node, "failsafeInboundHostPorts")
            outbound = setting(node, "failsafeOutboundHostPorts")
            self.failsafe_inbound[node] = parse_failsafe(
                FELIX_FAILSAFE_INBOUND if inbound is None else inbound, "FelixConfiguration failsafeInboundHostPorts")
            self.failsafe_outbound[node] = parse_failsafe(
                FELIX_FAILSAFE_OUTBOUND if outbound is None else outbound,
                "FelixConfiguration failsafeOutboundHostPorts")
        action = env.get("FELIX_DEFAULTENDPOINTTOHOSTACTION") or default.get("defaultEndpointToHostAction") or "Drop"
        self.endpoint_to_host_action = action.capitalize()

    # ------------------------------------------------------------------ indexes

    def _build_index(self):
        for endpoint in self.endpoints:
            for key, value in endpoint.labels.items():
                self._label_index.setdefault(key, {}).setdefault(value, set()).add(endpoint.id)
                self._key_index.setdefault(key, set()).add(endpoint.id)

    def resolve(self, scope):
        """Ids of every endpoint (WEP, HEP, network set) that ``scope`` matches; cached per snapshot."""
        if scope is None:
            return None
        found = self._resolved.get(scope.key)
        if found is None:
            found = frozenset(e for e in self._candidates(scope) if self.endpoints[e] is not None
                              and scope.matches(self.endpoints[e]))
            self._resolved[scope.key] = found
        return found

    def _candidates(self, scope):
        keys, values = scope.hints()
        sets = []
        for key, allowed in values.items():
            by_value = self._label_index.get(key, {})
            sets.append(set().union(*[by_value.get(v, ()) for v in allowed]) if allowed else set())
        for key in keys:
            if key not in values:
                sets.append(self._key_index.get(key, set()))
        if not sets:
            return range(len(self.endpoints))
        sets.sort(key=len)
        result = set(sets[0])
        for other in sets[1:]:
            if not result:
                break
            result &= other
        return result

    def applicable(self, endpoint, category, direction):
        """The policies that apply to ``endpoint`` for ``category`` and ``direction``, as
        ``((tier, (policy, ...)), ...)`` in evaluation order (tiers by order, policies by order then key)."""
        if self._applicable is None:
            self._applicable = self._compute_applicable()
        return self._applicable.get((endpoint.id, category, direction), ())

    def _tier_sort_key(self, name):
        return self.tiers[name].sort_key() if name in self.tiers else (True, 0.0, name)

    def _compute_applicable(self):
        table = {}
        ordered = sorted(self.policies, key=lambda p: (self._tier_sort_key(p.tier), p.sort_key()))
        for policy in ordered:
            directions = [d for d, t in (("ingress", "Ingress"), ("egress", "Egress")) if t in policy.types]
            if policy.pre_dnat:
                directions = [d for d in directions if d == "ingress"]
            for endpoint_id in self.resolve(policy.applies):
                endpoint = self.endpoints[endpoint_id]
                for category in self._categories(policy, endpoint):
                    for direction in directions:
                        table.setdefault((endpoint_id, category, direction), []).append(policy)
        result = {}
        for key, policies in table.items():
            tiers = []
            for policy in policies:
                if not tiers or tiers[-1][0].name != policy.tier:
                    tiers.append((self.tiers.get(policy.tier) or Tier(policy.tier), []))
                tiers[-1][1].append(policy)
            result[key] = tuple((tier, tuple(pols)) for tier, pols in tiers)
        return result

    @staticmethod
    def _categories(policy, endpoint):
        if endpoint.kind == NETSET:
            return ()
        if endpoint.kind == WEP:
            # Felix ignores doNotTrack and preDNAT policies for workload endpoints.
            return () if (policy.pre_dnat or policy.do_not_track) else (CATEGORY_NORMAL,)
        if policy.pre_dnat:
            return (CATEGORY_PREDNAT,)
        if policy.do_not_track:
            # Untracked policy is not supported on all-interfaces ("*") host endpoints.
            return () if endpoint.interface == "*" else (CATEGORY_UNTRACKED,)
        return (CATEGORY_NORMAL, CATEGORY_FORWARD) if policy.apply_on_forward else (CATEGORY_NORMAL,)

    def profile(self, name):
        found = self.profiles.get(name)
        if found is None:
            found = profile_policy(name)
            for rule in found.ingress + found.egress:
                rule.id = self._next_rule_id
                self._next_rule_id += 1
            self.profiles[name] = found
        return found

    # ------------------------------------------------------------------ addresses

    def holders(self, ip):
        """Ids of the endpoints and network sets a selector can match this IP through."""
        if ip is None:
            return ()
        found = self._holders.get(ip)
        if found is None:
            if self._owners_by_ip is None:
                self._owners_by_ip = {}
                for endpoint in self.endpoints:
                    if endpoint.kind != NETSET:
                        for address in endpoint.ips:
                            self._owners_by_ip.setdefault(address, []).append(endpoint.id)
                self._netsets = [e for e in self.endpoints if e.kind == NETSET]
            owners = list(self._owners_by_ip.get(ip, ()))
            owners += [e.id for e in self._netsets if any(ip in net for net in e.nets if net.version == ip.version)]
            found = tuple(owners)
            self._holders[ip] = found
        return found

    def owner_of_ip(self, ip):
        """('wep', endpoint) / ('host', node) / (None, None) for an IP address."""
        if self._ip_owner is None:
            owners = {}
            for endpoint in self.endpoints:
                if endpoint.kind == WEP:
                    for address in endpoint.ips:
                        owners.setdefault(address, ("wep", endpoint))
            for name, node in self.nodes.items():
                for address in node["ips"]:
                    owners.setdefault(address, ("host", name))
            for node, heps in self.heps_by_node.items():
                for hep in heps:
                    for address in hep.ips:
                        owners.setdefault(address, ("host", node))
            for ref, (node, addresses) in self.host_networked.items():
                for address in addresses:
                    owners.setdefault(address, ("host", node))
            self._ip_owner = owners
        return self._ip_owner.get(ip, (None, None))

    def node_ip(self, node, version=4):
        for address in (self.nodes.get(node) or {}).get("ips") or []:
            if address.version == version:
                return address
        for hep in self.heps_by_node.get(node) or []:
            for address in hep.ips:
                if address.version == version:
                    return address
        return None

    def host_endpoint_for(self, node, ip=None):
        """The HEP that polices the node's traffic: a named-interface HEP expecting ``ip`` (the host address
        the packet is addressed to or sent from), else an all-interfaces HEP, else the first named one by name.
        None when the node has no host endpoint."""
        heps = sorted(self.heps_by_node.get(node) or [], key=lambda h: h.name)
        if not heps:
            return None
        if ip is not None:
            for hep in heps:
                if hep.interface != "*" and ip in hep.ips:
                    return hep
        for hep in heps:
            if hep.interface == "*":
                return hep
        return heps[0]

    def failsafes(self, node, direction):
        table = self.failsafe_inbound if direction == "inbound" else self.failsafe_outbound
        return table.get(node, table.get(None))

    # ------------------------------------------------------------------ workloads

    def workload_pods(self, ref):
        """The running pods ``ref`` (``namespace/name``) stands for, sorted: the pod of that exact name, else the
        pods of the workload of that name (see ``workload_of_pod``) or whose ``app`` label is that name.

        Raises WorkloadError naming what the namespace has when nothing or more than one workload matches.
        """
        namespace, _sep, name = str(ref).partition("/")
        if not namespace or not name:
            raise WorkloadError("pod: %r must be namespace/name (a pod or its workload, e.g. yaobank/customer)"
                                % (ref,))
        if ref in self.pod_meta:
            return [ref]
        in_namespace = dict((pod_ref, meta) for pod_ref, meta in self.pod_meta.items()
                            if pod_ref.partition("/")[0] == namespace)
        matched = {}
        for pod_ref, meta in in_namespace.items():
            workload = workload_of_pod(meta)
            if workload == name or (meta.get("labels") or {}).get("app") == name:
                matched.setdefault(workload, []).append(pod_ref)
        if len(matched) == 1:
            return sorted(list(matched.values())[0])
        if matched:
            raise WorkloadError("pod: %r is ambiguous, it matches the pods of the workloads %s; name one of them"
                                % (ref, ", ".join("%s/%s (%s)" % (namespace, workload, ", ".join(sorted(pods)))
                                                  for workload, pods in sorted(matched.items()))))
        raise WorkloadError("pod: no pod or workload %r in the snapshot; %s" % (ref, self._what_exists(namespace)))

    def _what_exists(self, namespace):
        workloads = {}
        for pod_ref, meta in self.pod_meta.items():
            if pod_ref.partition("/")[0] == namespace:
                workloads.setdefault(workload_of_pod(meta), []).append(meta.get("name"))
        if not workloads:
            namespaces = sorted(set(pod_ref.partition("/")[0] for pod_ref in self.pod_meta))
            return "namespace %r has no running pods (namespaces with pods: %s)" % (
                namespace, ", ".join(namespaces) or "none")
        return "workloads in %s: %s" % (namespace, "; ".join(
            "%s (pods %s)" % (workload, ", ".join(sorted(pods))) for workload, pods in sorted(workloads.items())))


class WorkloadError(ModelError):
    """A flow names a pod or workload the snapshot does not have, or more than one workload."""


# kube-controller-manager names a ReplicaSet <deployment>-<pod-template-hash> and its pods <replicaset>-<5 chars>,
# DaemonSet and Job pods <owner>-<5 chars>, StatefulSet pods <statefulset>-<ordinal>. The random parts use the
# apimachinery "safe" alphabet (no vowels, no 0/1/3); the hash is 1 to 10 characters of it.
_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"
_DEPLOYMENT_POD = re.compile(r"^(?P<workload>.+)-%s{1,10}-%s{5}$" % (_SAFE, _SAFE))
_OWNED_POD = re.compile(r"^(?P<workload>.+)-%s{5}$" % _SAFE)
_REPLICASET = re.compile(r"^(?P<workload>.+)-%s{1,10}$" % _SAFE)
_STATEFUL_POD = re.compile(r"^(?P<workload>.+)-[0-9]+$")


def workload_of_pod(meta):
    """The name of the workload a pod (its metadata) belongs to: the Deployment behind its ReplicaSet, or its
    other owner, read from ownerReferences where present, else from the pod name's suffixes; a pod that looks
    owned by nothing is its own workload."""
    name = meta.get("name") or ""
    for owner in meta.get("ownerReferences") or []:
        if owner.get("controller", True) and owner.get("name"):
            if owner.get("kind") == "ReplicaSet":
                found = _REPLICASET.match(owner["name"])
                return found.group("workload") if found else owner["name"]
            return owner["name"]
    for pattern in (_DEPLOYMENT_POD, _OWNED_POD, _STATEFUL_POD):
        found = pattern.match(name)
        if found:
            return found.group("workload")
    return name


def ip_or_none(text):
    try:
        return parse_ip(text)
    except ModelError:
        return None


__all__ = ["Snapshot", "WorkloadError", "workload_of_pod", "HEP", "WEP", "NETSET", "CATEGORY_NORMAL", "CATEGORY_FORWARD", "CATEGORY_PREDNAT",
           "CATEGORY_UNTRACKED", "ip_or_none"]
