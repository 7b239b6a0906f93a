# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Calico kube-controllers' automatic host endpoints, derived from the objects of a snapshot.

On a cluster, kube-controllers' node controller writes these HostEndpoints; offline nothing does, so the
engine derives the steady state the controller converges to (``with_auto_host_endpoints``). Facts, from
shared/reference/calico-facts.md ("KubeControllersConfiguration", "Node (KDD)") and from Calico's
kube-controllers/pkg/controllers/node/hostendpoints.go (v3.21 and v3.32) and
libcalico-go/lib/backend/k8s/resources/node.go, in our own words:

* switch: KubeControllersConfiguration ``default``, ``spec.controllers.node.hostEndpoint.autoCreate``:
  ``Enabled`` or ``Disabled``; the default is Disabled, and a missing object, ``node: null`` or
  ``hostEndpoint: null`` are off too. The controller's environment variable ``AUTO_HOST_ENDPOINTS`` overrides
  the object; callers model it with ``enabled=True/False``;
* one HostEndpoint per node, named ``<node>-auto-hep``: ``spec.node`` the node, ``interfaceName: "*"``,
  ``profiles: [projectcalico-default-allow]``, labels all the node's labels plus
  ``projectcalico.org/created-by: calico-kube-controllers`` (the label that marks it as the controller's);
* ``expectedIPs``: the node's BGP IPv4 and IPv6 addresses without prefix length, its IPIP, VXLAN (IPv4, IPv6)
  and WireGuard (IPv4, IPv6) tunnel addresses, then its Kubernetes InternalIP addresses not listed yet.
  A Kubernetes Node carries them as ``projectcalico.org/*`` annotations (``IPv4Address``, ``IPv6Address``,
  ``IPv4IPIPTunnelAddr``, ``IPv4VXLANTunnelAddr``, ``IPv6VXLANTunnelAddr``, ``IPv4WireguardInterfaceAddr``,
  ``IPv6WireguardInterfaceAddr``) and ``status.addresses``; a Calico Node (``projectcalico.org/v3``, as
  calicoctl shows it) as ``spec.bgp``, ``spec.ipv4VXLANTunnelAddr``/``ipv6VXLANTunnelAddr``, ``spec.wireguard``
  and ``spec.addresses``. Calico drops an annotation that is not a valid address, and so do we;
* when auto-creation is off, the controller deletes every HostEndpoint carrying the created-by label; when it
  is on, it deletes those whose node no longer exists. HostEndpoints without the label are never touched;
* v3.32 adds ``createDefaultHostEndpoint`` (``Enabled`` by default; ``Disabled`` means no ``<node>-auto-hep``,
  and an existing one is deleted) and ``templates[]``.

Where this steady state is a simplification:

* an existing object named ``<node>-auto-hep`` is kept as it is (the live one wins), although kube-controllers
  rewrites its labels, expectedIPs and interfaceName to the derived ones when they differ;
* ``templates[]`` are not derived: HostEndpoints a template made (they carry the created-by label) are kept as
  the snapshot has them while auto-creation is on, and dropped when it is off;
* host-local IPAM (``usePodCIDR``) tunnel addresses and a Calico Node's ``spec.interfaces`` addresses (v3.32)
  are not read; names longer than 253 characters are not hashed as v3.32 does; v3.21 lists neither the IPv6
  VXLAN nor the IPv6 WireGuard address, we list both (they exist only where IPv6 tunnels are configured).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.values import ip_address
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.model import DEFAULT_ALLOW_PROFILE

CREATED_BY_LABEL = "projectcalico.org/created-by"
CREATED_BY_VALUE = "calico-kube-controllers"
AUTO_HEP_SUFFIX = "-auto-hep"
HEP_API_VERSION = "projectcalico.org/v3"

_ANNOTATION_ADDRESSES = ("IPv4Address", "IPv6Address", "IPv4IPIPTunnelAddr", "IPv4VXLANTunnelAddr",
                         "IPv6VXLANTunnelAddr", "IPv4WireguardInterfaceAddr", "IPv6WireguardInterfaceAddr")


def _metadata(obj):
    return obj.get("metadata") or {}


def _mapping(value):
    return value if isinstance(value, dict) else {}


def host_endpoint_config(objects):
    """``spec.controllers.node.hostEndpoint`` of KubeControllersConfiguration ``default`` ({} when unset)."""
    config = {}
    for obj in objects:
        if obj.get("kind") == "KubeControllersConfiguration" and _metadata(obj).get("name") == "default":
            controllers = _mapping(_mapping(obj.get("spec")).get("controllers"))
            config = _mapping(_mapping(controllers.get("node")).get("hostEndpoint"))
    return config


def auto_create_enabled(config):
    return config.get("autoCreate") == "Enabled"


def default_host_endpoint_enabled(config):
    return config.get("createDefaultHostEndpoint") != "Disabled"


def auto_host_endpoint_name(node_name):
    return node_name + AUTO_HEP_SUFFIX


def is_auto_host_endpoint(obj):
    return obj.get("kind") == "HostEndpoint" and \
        (_metadata(obj).get("labels") or {}).get(CREATED_BY_LABEL) == CREATED_BY_VALUE


def _address(text):
    """The address part of an address or CIDR text, canonical; None when Calico would not take it."""
    if not isinstance(text, str) or not text.strip():
        return None
    address = ip_address(text.strip().split("/", 1)[0])
    return None if address is None else str(address)


def _calico_addresses(node):
    """(tunnel-and-BGP addresses, InternalIP addresses) of one Node object, Kubernetes or Calico."""
    spec = _mapping(node.get("spec"))
    if str(node.get("apiVersion") or "").startswith("projectcalico.org/"):
        bgp, wireguard = _mapping(spec.get("bgp")), _mapping(spec.get("wireguard"))
        first = [bgp.get("ipv4Address"), bgp.get("ipv6Address"), bgp.get("ipv4IPIPTunnelAddr"),
                 spec.get("ipv4VXLANTunnelAddr"), spec.get("ipv6VXLANTunnelAddr"),
                 wireguard.get("interfaceIPv4Address"), wireguard.get("interfaceIPv6Address")]
        internal = [a.get("address") for a in spec.get("addresses") or [] if _mapping(a).get("type") == "InternalIP"]
        return first, internal
    annotations = _metadata(node).get("annotations") or {}
    first = [annotations.get("projectcalico.org/" + key) for key in _ANNOTATION_ADDRESSES]
    internal = [a.get("address") for a in _mapping(node.get("status")).get("addresses") or []
                if _mapping(a).get("type") == "InternalIP"]
    return first, internal


def expected_ips(nodes):
    """The expectedIPs kube-controllers gives the auto host endpoint of a node (its Node objects: a Kubernetes
    Node, a Calico Node, or both), as canonical address strings without duplicates."""
    first, internal = [], []
    for node in nodes:
        node_first, node_internal = _calico_addresses(node)
        first.extend(node_first)
        internal.extend(node_internal)
    found = []
    for text in first + internal:
        address = _address(text)
        if address is not None and address not in found:
            found.append(address)
    return found


def auto_host_endpoint(node_name, nodes):
    """The HostEndpoint object kube-controllers writes for ``node_name`` (its Node objects ``nodes``)."""
    labels = {}
    for node in nodes:
        labels.update(_metadata(node).get("labels") or {})
    labels[CREATED_BY_LABEL] = CREATED_BY_VALUE
    return {"apiVersion": HEP_API_VERSION, "kind": "HostEndpoint",
            "metadata": {"name": auto_host_endpoint_name(node_name), "labels": labels},
            "spec": {"node": node_name, "interfaceName": "*", "expectedIPs": expected_ips(nodes),
                     "profiles": [DEFAULT_ALLOW_PROFILE]}}


def nodes_by_name(objects):
    """Node objects (Kubernetes or Calico) grouped by name, in the order the names first appear."""
    grouped = {}
    order = []
    for obj in objects:
        name = _metadata(obj).get("name")
        if obj.get("kind") == "Node" and name:
            if name not in grouped:
                order.append(name)
            grouped.setdefault(name, []).append(obj)
    return [(name, grouped[name]) for name in order]


def _removed_by_controller(obj, enabled, create_default, node_names):
    if not is_auto_host_endpoint(obj):
        return False
    if not enabled:
        return True
    node = _mapping(obj.get("spec")).get("node")
    if node_names and node not in node_names:
        return True
    return not create_default and _metadata(obj).get("name") == auto_host_endpoint_name(str(node))


def with_auto_host_endpoints(objects, enabled=None):
    """``objects`` as kube-controllers leaves them: its auto host endpoints added or removed.

    ``enabled``: None follows KubeControllersConfiguration ``default``; True/False forces it (the
    ``AUTO_HOST_ENDPOINTS`` environment variable of kube-controllers). Auto host endpoints of nodes the snapshot
    lacks are only dropped when the snapshot holds some Node at all (without any, it cannot tell).
    """
    objects = list(objects)
    config = host_endpoint_config(objects)
    if enabled is None:
        enabled = auto_create_enabled(config)
    create_default = default_host_endpoint_enabled(config)
    nodes = nodes_by_name(objects)
    node_names = set(name for name, _objs in nodes)
    result = [obj for obj in objects if not _removed_by_controller(obj, enabled, create_default, node_names)]
    if not enabled or not create_default:
        return result
    existing = set(_metadata(obj).get("name") for obj in result if obj.get("kind") == "HostEndpoint")
    for name, node_objects in nodes:
        if auto_host_endpoint_name(name) not in existing:
            result.append(auto_host_endpoint(name, node_objects))
    return result
