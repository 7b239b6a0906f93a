# -*- coding: utf-8 -*-
# Copyright (c) calicolab.ccol1 contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Calico's defaults and canonical forms, so a desired object can be compared with the live one.

Two objects that Calico stores identically normalise to equal dicts. The rules come from the shared reference
(calico-facts.md sections 1 and 2): clientv3 defaulting (policy types, IPPool fields, KubeControllersConfiguration
ports and periods), numorstring serialisation (ports, protocols, AS numbers), Go ``omitempty`` (an empty or false
value is the same as an absent one), and v3.32 CRD structural defaults (treated as absent). Normalisation is
idempotent and never adds a field the server would not store itself.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re
from decimal import Decimal

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.validate import (
    POLICY_KINDS,
    as_number_value,
    parse_ip,
    parse_network,
    protocol_value,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.felix_settings import FELIX_FIELDS
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.selector import SelectorError, parse_selector

# Annotations written by the API machinery or by clients, never by the user's intent.
SERVER_MANAGED_ANNOTATIONS = (
    "projectcalico.org/metadata",
    "kubectl.kubernetes.io/last-applied-configuration",
)
# clientv3 (v3.29+) labels every policy with its tier; it follows spec.tier, so it is not compared.
SERVER_MANAGED_POLICY_LABELS = ("projectcalico.org/tier",)

POLICY_TYPE_ORDER = ("Ingress", "Egress")
ALLOWED_USES_ORDER = ("Workload", "Tunnel", "LoadBalancer")
DEFAULT_ALLOWED_USES = ["Workload", "Tunnel"]
DEFAULT_BLOCK_SIZE = {4: 26, 6: 122}
KCC_DEFAULT_METRICS_PORT = 9094
KCC_DEFAULT_LEAK_GRACE_PERIOD = "15m0s"

# Plain Go bools with omitempty: false is never stored, so false equals absent.
_OMITTED_FALSE = {
    "GlobalNetworkPolicy": ("doNotTrack", "preDNAT", "applyOnForward"),
    "StagedGlobalNetworkPolicy": ("doNotTrack", "preDNAT", "applyOnForward"),
    "IPPool": ("natOutgoing", "disabled", "disableBGPExport"),
    "BGPPeer": ("keepOriginalNextHop",),
}
# Values the v3.32 CRDs default structurally, or Calico treats as the meaning of an absent field.
_ABSENT_DEFAULTS = {
    "NetworkPolicy": {"tier": "default"},
    "GlobalNetworkPolicy": {"tier": "default"},
    "IPPool": {"assignmentMode": "Automatic"},
    "StagedNetworkPolicy": {"tier": "default", "stagedAction": "Set"},
    "StagedGlobalNetworkPolicy": {"tier": "default", "stagedAction": "Set"},
    "StagedKubernetesNetworkPolicy": {"stagedAction": "Set"},
    "FelixConfiguration": {"floatingIPs": "Disabled", "nftablesMode": "Auto", "bpfConnectTimeLoadBalancing": "TCP",
                           "bpfHostNetworkedNATWithoutCTLB": "Enabled"},
    "BGPPeer": {"sourceAddress": "UseNodeIP", "asNumber": 0},
    "BGPConfiguration": {"logSeverityScreen": "Info", "serviceLoadBalancerAggregation": "Enabled"},
    "KubeControllersConfiguration": {"healthChecks": "Enabled"},
}

_GO_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 10 ** 3, u"\u00b5s": 10 ** 3, u"\u03bcs": 10 ** 3, "ms": 10 ** 6, "s": 10 ** 9,
            "m": 60 * 10 ** 9, "h": 3600 * 10 ** 9}


def normalize_resource(resource, api_kind=None, canonical_selectors=True):
    """Return a normalised deep copy of a v3 object: apiVersion, kind, reduced metadata and normalised spec.

    ``api_kind`` is "native" for native v3 CRDs (their own policy-types defaulting), else None/"aggregated".
    """
    resource = copy.deepcopy(resource) if isinstance(resource, dict) else {}
    kind = resource.get("kind") if isinstance(resource.get("kind"), str) else None
    result = {}
    for key in ("apiVersion", "kind"):
        if resource.get(key) is not None and not (key == "kind" and kind is None):
            result[key] = resource[key]
    result["metadata"] = _normalize_metadata(kind, resource.get("metadata"))
    spec = resource.get("spec")
    if spec is not None or kind in _SPEC_NORMALIZERS:
        result["spec"] = normalize_spec(kind, spec if isinstance(spec, dict) else {}, api_kind, canonical_selectors)
    return result


def normalize_spec(kind, spec, api_kind=None, canonical_selectors=True):
    """Return a normalised deep copy of ``spec`` for the given kind (arguments as in normalize_resource)."""
    spec = strip_nones(copy.deepcopy(spec or {}))
    if not isinstance(spec, dict):
        return spec
    kind = kind if isinstance(kind, str) else ""
    if kind in POLICY_KINDS and api_kind == "native" and not spec.get("types"):
        spec["types"] = native_policy_types(spec)
    normalizer = _SPEC_NORMALIZERS.get(kind, _prune_empty)
    spec = normalizer(spec)
    if canonical_selectors:
        _canonicalise_selectors(kind, spec)
    for key in _OMITTED_FALSE.get(kind, ()):
        if spec.get(key) is False:
            del spec[key]
    for key, default in _ABSENT_DEFAULTS.get(kind, {}).items():
        if key in spec and spec[key] == default and type(spec[key]) is type(default):
            del spec[key]
    return spec


# ---------------------------------------------------------------------------------------------------------
# Generic helpers.


def strip_nones(value):
    """Drop every None (JSON null) from nested dicts, as a stored object never holds them."""
    if isinstance(value, dict):
        return dict((k, strip_nones(v)) for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return [strip_nones(v) for v in value]
    return value


def _is_empty(value):
    return value is None or value == "" or value == [] or value == {}


def _prune_empty(value):
    """Drop empty strings, lists and mappings from mappings, bottom-up (Go omitempty)."""
    if isinstance(value, dict):
        pruned = {}
        for key, item in value.items():
            item = _prune_empty(item)
            if not _is_empty(item):
                pruned[key] = item
        return pruned
    if isinstance(value, list):
        return [_prune_empty(item) for item in value]
    return value


def _normalize_metadata(kind, metadata):
    metadata = metadata if isinstance(metadata, dict) else {}
    result = {}
    for key in ("name", "namespace"):
        if metadata.get(key) not in (None, ""):
            result[key] = metadata[key]
    labels = dict(metadata.get("labels") or {}) if isinstance(metadata.get("labels"), dict) else {}
    if kind in POLICY_KINDS:
        for key in SERVER_MANAGED_POLICY_LABELS:
            labels.pop(key, None)
    annotations = metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
    annotations = dict((k, v) for k, v in annotations.items() if k not in SERVER_MANAGED_ANNOTATIONS)
    if labels:
        result["labels"] = labels
    if annotations:
        result["annotations"] = annotations
    return result


def canonical_selector(text):
    """The selector's canonical text, or the text unchanged when it does not parse (validation reports that)."""
    # An empty selector is not all() everywhere (in a rule it also matches non-Calico peers), so keep it empty.
    if not isinstance(text, str) or not text.strip():
        return text
    try:
        return parse_selector(text).canonical()
    except SelectorError:
        return text


def canonical_port(port):
    """numorstring.Port as serialised: single port -> int, range -> "min:max", name -> string."""
    if isinstance(port, str) and re.match(r"^[0-9]+$", port):
        return int(port)
    if isinstance(port, str) and re.match(r"^[0-9]+:[0-9]+$", port):
        low, high = (int(part) for part in port.split(":"))
        return low if low == high else "%d:%d" % (low, high)
    return port


def canonical_cidr(text, masked=False):
    """CIDR in canonical spelling (lower-case, compressed IPv6); ``masked`` also clears host bits."""
    parsed = parse_network(text)
    if parsed is None:
        return text
    return parsed[2] if masked else parsed[3]


def canonical_ip(text):
    parsed = parse_ip(text)
    return text if parsed is None else parsed[1]


def canonical_as_number(value):
    number = as_number_value(value)
    return value if number is None else number


def go_duration_nanoseconds(text):
    """Nanoseconds in a Go duration string, or None when it is not one."""
    if not isinstance(text, str) or not text:
        return None
    if text == "0":
        return 0
    total = Decimal(0)
    position = 0
    while position < len(text):
        match = _GO_DURATION_PART.match(text, position)
        if not match:
            return None
        total += Decimal(match.group(1)) * _UNIT_NS[match.group(2)]
        position = match.end()
    return int(total)


def _fraction_text(value, unit):
    whole, rest = divmod(value, unit)
    if not rest:
        return "%d" % whole
    digits = ("%0*d" % (len(str(unit)) - 1, rest)).rstrip("0")
    return "%d.%s" % (whole, digits)


def format_go_duration(nanoseconds):
    """Go's time.Duration.String() for a non-negative duration: "1m30s", "1h0m0s", "500ms", "0s"."""
    if nanoseconds == 0:
        return "0s"
    if nanoseconds < 10 ** 3:
        return "%dns" % nanoseconds
    if nanoseconds < 10 ** 6:
        return _fraction_text(nanoseconds, 10 ** 3) + u"\u00b5s"
    if nanoseconds < 10 ** 9:
        return _fraction_text(nanoseconds, 10 ** 6) + "ms"
    seconds, fraction = divmod(nanoseconds, 10 ** 9)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    second_text = _fraction_text(seconds * 10 ** 9 + fraction, 10 ** 9) + "s"
    if hours:
        return "%dh%dm%s" % (hours, minutes, second_text)
    if minutes:
        return "%dm%s" % (minutes, second_text)
    return second_text


def canonical_duration(text):
    """metav1.Duration re-serialised the way the Calico API server returns it ("15m" -> "15m0s")."""
    nanoseconds = go_duration_nanoseconds(text)
    return text if nanoseconds is None else format_go_duration(nanoseconds)


def _as_list(value):
    return value if isinstance(value, list) else []


def _apply(mapping, key, function):
    if key in mapping:
        mapping[key] = function(mapping[key])


def _ordered(values, order):
    if not isinstance(values, list):
        return values

    def rank(value):
        return (order.index(value), "") if value in order else (len(order), str(value))
    return sorted(values, key=rank)


# ---------------------------------------------------------------------------------------------------------
# Policies.


def _normalize_policy(spec):
    for direction in ("ingress", "egress"):
        if isinstance(spec.get(direction), list):
            spec[direction] = [_normalize_rule(rule) for rule in spec[direction]]
    spec = _prune_empty(spec)
    if not spec.get("types"):
        spec["types"] = default_policy_types(spec)
    else:
        spec["types"] = _ordered(spec["types"], POLICY_TYPE_ORDER)
    return spec


def native_policy_types(spec):
    # The native v3 CRDs' admission policy: presence counts, so `egress: []` is egress.
    has_ingress, has_egress = "ingress" in spec, "egress" in spec
    if has_ingress and has_egress:
        return ["Ingress", "Egress"]
    return ["Egress"] if has_egress else ["Ingress"]


def default_policy_types(spec):
    # clientv3's defaulting: egress rules alone give [Egress]; any ingress (or no rules at all) adds Ingress.
    has_ingress, has_egress = bool(spec.get("ingress")), bool(spec.get("egress"))
    if has_egress and not has_ingress:
        return ["Egress"]
    if has_egress:
        return ["Ingress", "Egress"]
    return ["Ingress"]


def _normalize_rule(rule):
    if not isinstance(rule, dict):
        return rule
    for key in ("protocol", "notProtocol"):
        _apply(rule, key, protocol_value)
    for side in ("source", "destination"):
        if isinstance(rule.get(side), dict):
            rule[side] = _normalize_entity_rule(rule[side])
    return _prune_empty(rule)


def _normalize_entity_rule(entity):
    for key in ("nets", "notNets"):
        if isinstance(entity.get(key), list):
            entity[key] = [canonical_cidr(net) for net in entity[key]]
    for key in ("ports", "notPorts"):
        if isinstance(entity.get(key), list):
            entity[key] = [canonical_port(port) for port in entity[key]]
    accounts = entity.get("serviceAccounts")
    if isinstance(accounts, dict):
        if isinstance(accounts.get("names"), list) and all(isinstance(n, str) for n in accounts["names"]):
            accounts["names"] = sorted(set(accounts["names"]))
    return entity


# ---------------------------------------------------------------------------------------------------------
# IPPool, BGP, Felix, kube-controllers, host endpoints.


def _normalize_ippool(spec):
    _translate_legacy_pool_fields(spec)
    spec = _prune_empty(spec)
    network = parse_network(spec.get("cidr"))
    if network:
        spec["cidr"] = network[2]
        if not spec.get("blockSize"):
            spec["blockSize"] = DEFAULT_BLOCK_SIZE[network[0]]
    for key in ("ipipMode", "vxlanMode"):
        spec.setdefault(key, "Never")
    spec.setdefault("nodeSelector", "all()")
    spec["allowedUses"] = _ordered(spec.get("allowedUses") or list(DEFAULT_ALLOWED_USES), ALLOWED_USES_ORDER)
    return spec


def _translate_legacy_pool_fields(spec):
    # Read-only v1 spellings that clientv3 converts on read (IPPoolv1v3Converter).
    legacy_ipip = spec.pop("ipip", None)
    legacy_nat = spec.pop("nat-outgoing", None)
    if isinstance(legacy_ipip, dict) and legacy_ipip.get("enabled") and not spec.get("ipipMode"):
        spec["ipipMode"] = "CrossSubnet" if legacy_ipip.get("mode") == "cross-subnet" else "Always"
    if legacy_nat is True and "natOutgoing" not in spec:
        spec["natOutgoing"] = True


def _normalize_bgppeer(spec):
    spec = _prune_empty(spec)
    for key in ("asNumber", "localASNumber"):
        _apply(spec, key, canonical_as_number)
    for key in ("maxRestartTime", "keepaliveTime"):
        _apply(spec, key, canonical_duration)
    _apply(spec, "peerIP", canonical_ip)
    return spec


def _normalize_bgpconfig(spec):
    spec = _prune_empty(spec)
    _apply(spec, "asNumber", canonical_as_number)
    _apply(spec, "nodeMeshMaxRestartTime", canonical_duration)
    for key in ("serviceClusterIPs", "serviceExternalIPs", "serviceLoadBalancerIPs", "prefixAdvertisements"):
        for block in _as_list(spec.get(key)):
            if isinstance(block, dict):
                _apply(block, "cidr", canonical_cidr)
    return spec


def _normalize_felix(spec):
    # Felix settings are Go pointers: false, 0 and [] are stored and meaningful, so only "" counts as unset.
    _derive_connect_time_lb(spec)
    result = {}
    for key, value in spec.items():
        if value == "":
            continue
        field = FELIX_FIELDS.get(key)
        if field is not None and field.kind == "duration":
            value = canonical_duration(value)
        elif key == "healthTimeoutOverrides" and isinstance(value, list):
            value = [_normalize_health_timeout(item) for item in value]
        elif field is not None and field.item_kind == "protoport" and isinstance(value, list):
            value = [_prune_empty(item) for item in value]
        elif field is not None and field.kind == "port_range":
            value = canonical_port(value)
        result[key] = value
    return result


def _derive_connect_time_lb(spec):
    # clientv3 v3.32.1 setDefaults: the deprecated boolean, when set, overrides both newer fields.
    enabled = spec.get("bpfConnectTimeLoadBalancingEnabled")
    if isinstance(enabled, bool):
        spec["bpfConnectTimeLoadBalancing"] = "Enabled" if enabled else "Disabled"
        spec["bpfHostNetworkedNATWithoutCTLB"] = "Disabled"


def _normalize_health_timeout(item):
    if isinstance(item, dict):
        _apply(item, "timeout", canonical_duration)
    return item


def _normalize_kcc(spec):
    controllers = spec.get("controllers")
    spec = _prune_empty(spec)
    # controllers is required by the schema and stored even when empty.
    if isinstance(controllers, dict):
        spec["controllers"] = spec.get("controllers", {})
    _apply(spec, "etcdV3CompactionPeriod", canonical_duration)
    if "prometheusMetricsPort" not in spec:
        spec["prometheusMetricsPort"] = KCC_DEFAULT_METRICS_PORT
    controllers = spec.get("controllers") if isinstance(spec.get("controllers"), dict) else {}
    for name, settings in controllers.items():
        if not isinstance(settings, dict):
            continue
        for key in ("reconcilerPeriod", "leakGracePeriod"):
            _apply(settings, key, canonical_duration)
        if name == "node":
            settings.setdefault("leakGracePeriod", KCC_DEFAULT_LEAK_GRACE_PERIOD)
        _drop_structural_kcc_defaults(name, settings)
    return spec


def _drop_structural_kcc_defaults(name, settings):
    defaults = {"loadBalancer": ("assignIPs", "AllServices"), "policyMigration": ("enabled", "Enabled")}
    if name in defaults and settings.get(defaults[name][0]) == defaults[name][1]:
        del settings[defaults[name][0]]


def _normalize_hostendpoint(spec):
    spec = _prune_empty(spec)
    if isinstance(spec.get("expectedIPs"), list):
        spec["expectedIPs"] = [canonical_ip(address) for address in spec["expectedIPs"]]
    for port in _as_list(spec.get("ports")):
        if isinstance(port, dict):
            _apply(port, "protocol", protocol_value)
    return spec


# Where each kind keeps selectors: key paths, "*" stepping into every item of a list.
_RULE_SELECTOR_PATHS = [(direction, "*", side, key) for direction in ("ingress", "egress")
                        for side in ("source", "destination") for key in ("selector", "notSelector", "namespaceSelector")]
_RULE_SELECTOR_PATHS += [(direction, "*", side, "serviceAccounts", "selector") for direction in ("ingress", "egress")
                         for side in ("source", "destination")]
_POLICY_SELECTOR_PATHS = [("selector",), ("serviceAccountSelector",), ("namespaceSelector",)] + _RULE_SELECTOR_PATHS
_SELECTOR_PATHS = {
    "NetworkPolicy": _POLICY_SELECTOR_PATHS,
    "GlobalNetworkPolicy": _POLICY_SELECTOR_PATHS,
    "StagedNetworkPolicy": _POLICY_SELECTOR_PATHS,
    "StagedGlobalNetworkPolicy": _POLICY_SELECTOR_PATHS,
    "IPPool": [("nodeSelector",), ("namespaceSelector",)],
    "BGPPeer": [("nodeSelector",), ("peerSelector",), ("localWorkloadSelector",)],
}


def _canonicalise_selectors(kind, spec):
    for path in _SELECTOR_PATHS.get(kind, ()):
        _canonicalise_at(spec, path)


def _canonicalise_at(node, path):
    if path[0] == "*":
        for item in node if isinstance(node, list) else ():
            _canonicalise_at(item, path[1:])
    elif isinstance(node, dict) and path[0] in node:
        if len(path) == 1:
            node[path[0]] = canonical_selector(node[path[0]])
        else:
            _canonicalise_at(node[path[0]], path[1:])


_SPEC_NORMALIZERS = {
    "NetworkPolicy": _normalize_policy,
    "GlobalNetworkPolicy": _normalize_policy,
    "StagedNetworkPolicy": _normalize_policy,
    "StagedGlobalNetworkPolicy": _normalize_policy,
    "IPPool": _normalize_ippool,
    "BGPPeer": _normalize_bgppeer,
    "BGPConfiguration": _normalize_bgpconfig,
    "FelixConfiguration": _normalize_felix,
    "KubeControllersConfiguration": _normalize_kcc,
    "HostEndpoint": _normalize_hostendpoint,
}
