# -*- coding: utf-8 -*-
# Copyright (c) calicolab.ccol1 contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Field rules for projectcalico.org/v3 resources, checked before anything is written.

The rules are the ones Calico's own validator (clientv3 / the Calico API server) and the v3.32 CRD schemas
enforce, as summarised in the shared reference (calico-facts.md sections 1 and 3). Every problem is one
sentence that names the field path, the offending value and what is allowed, so a playbook author can fix
all of them in one go.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import traceback

try:
    import netaddr
    HAS_NETADDR = True
    NETADDR_IMPORT_ERROR = None
except ImportError:
    HAS_NETADDR = False
    NETADDR_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.selector import (
    SelectorError,
    parse_selector,
)

API_VERSION = "projectcalico.org/v3"

POLICY_KINDS = ("NetworkPolicy", "GlobalNetworkPolicy", "StagedNetworkPolicy", "StagedGlobalNetworkPolicy")
GLOBAL_POLICY_KINDS = ("GlobalNetworkPolicy", "StagedGlobalNetworkPolicy")
NAMESPACED_KINDS = ("NetworkPolicy", "StagedNetworkPolicy", "StagedKubernetesNetworkPolicy", "NetworkSet")
CLUSTER_KINDS = (
    "GlobalNetworkPolicy", "StagedGlobalNetworkPolicy", "FelixConfiguration", "BGPConfiguration", "BGPPeer",
    "BGPFilter", "IPPool", "IPReservation", "KubeControllersConfiguration", "HostEndpoint", "GlobalNetworkSet",
    "Tier", "ClusterInformation", "CalicoNodeStatus", "IPAMConfiguration", "BlockAffinity",
)
PER_NODE_CONFIG_KINDS = ("FelixConfiguration", "BGPConfiguration")

RULE_ACTIONS = ("Allow", "Deny", "Log", "Pass")
POLICY_TYPES = ("Ingress", "Egress")
PROTOCOL_NAMES = ("TCP", "UDP", "ICMP", "ICMPv6", "SCTP", "UDPLite")
PORT_PROTOCOLS = ("TCP", "UDP", "SCTP", 6, 17, 132)
ICMP_PROTOCOLS = {"ICMP": 4, 1: 4, "ICMPv6": 6, 58: 6}
ENCAPSULATION_MODES = ("Always", "CrossSubnet", "Never")
ALLOWED_USES = ("Workload", "Tunnel", "LoadBalancer")
ASSIGNMENT_MODES = ("Automatic", "Manual")
SOURCE_ADDRESSES = ("UseNodeIP", "None")
NEXT_HOP_MODES = ("Auto", "Self", "Keep")
REVERSE_PEERING_MODES = ("Auto", "Manual")
LOG_SEVERITIES = ("Trace", "Debug", "Info", "Warning", "Error", "Fatal")
ENABLED_DISABLED = ("Enabled", "Disabled")
BIND_MODES = ("None", "NodeIP")
ENDPOINT_PORT_PROTOCOLS = ("TCP", "UDP", "SCTP")
KCC_LOG_SEVERITIES = ("None", "Debug", "Info", "Warning", "Error", "Fatal", "Panic")
BLOCK_SIZE_RANGE = {4: (20, 32), 6: (116, 128)}
AS_NUMBER_MAX = 4294967295

# Fields clientv3 only accepts on the BGPConfiguration named "default".
BGP_GLOBAL_ONLY_FIELDS = (
    "nodeToNodeMeshEnabled", "asNumber", "serviceClusterIPs", "serviceExternalIPs", "serviceLoadBalancerIPs",
    "nodeMeshPassword", "nodeMeshMaxRestartTime",
)

POLICY_SPEC_KEYS = ("order", "tier", "selector", "types", "ingress", "egress", "serviceAccountSelector",
                    "performanceHints")
GLOBAL_POLICY_ONLY_KEYS = ("doNotTrack", "preDNAT", "applyOnForward", "namespaceSelector")
STAGED_POLICY_KEYS = ("stagedAction",)
RULE_KEYS = ("action", "ipVersion", "protocol", "notProtocol", "icmp", "notICMP", "source", "destination", "http",
             "metadata")
ENTITY_RULE_KEYS = ("nets", "notNets", "selector", "notSelector", "namespaceSelector", "ports", "notPorts",
                    "serviceAccounts", "services")
IPPOOL_KEYS = ("cidr", "blockSize", "ipipMode", "vxlanMode", "natOutgoing", "disabled", "disableBGPExport",
               "nodeSelector", "allowedUses", "assignmentMode", "namespaceSelector", "ipip", "nat-outgoing")
BGPPEER_KEYS = ("node", "nodeSelector", "peerIP", "asNumber", "peerSelector", "keepOriginalNextHop", "password",
                "sourceAddress", "maxRestartTime", "filters", "ttlSecurity", "reachableBy", "localWorkloadSelector",
                "nextHopMode", "reversePeering", "keepaliveTime", "localASNumber", "numAllowedLocalASNumbers")
BGPCONFIG_KEYS = ("nodeToNodeMeshEnabled", "asNumber", "logSeverityScreen", "listenPort", "serviceClusterIPs",
                  "serviceExternalIPs", "serviceLoadBalancerIPs", "communities", "prefixAdvertisements", "bindMode",
                  "ignoredInterfaces", "nodeMeshPassword", "nodeMeshMaxRestartTime", "programClusterRoutes",
                  "ipv4NormalRoutePriority", "ipv6NormalRoutePriority", "localWorkloadPeeringIPV4",
                  "localWorkloadPeeringIPV6", "serviceLoadBalancerAggregation")
HOSTENDPOINT_KEYS = ("node", "interfaceName", "expectedIPs", "profiles", "ports")

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_LABEL_RE = re.compile(r"^%s$" % _DNS_LABEL)
_DNS_SUBDOMAIN_RE = re.compile(r"^%s(\.%s)*$" % (_DNS_LABEL, _DNS_LABEL))
_NAMED_PORT_RE = re.compile(r"^[a-zA-Z0-9_.-]{1,128}$")
_DIGITS_RE = re.compile(r"^[0-9]+$")
_DOTTED_QUAD_RE = re.compile(r"^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$")
_ASDOT_RE = re.compile(r"^([0-9]+)\.([0-9]+)$")
_GO_DURATION_RE = re.compile(r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_COMMUNITY_RE = re.compile(r"^(\d+):(\d+)$|^(\d+):(\d+):(\d+)$")
_INTERFACE_NAME_RE = re.compile(r"^[a-zA-Z0-9_.:@-]{1,15}$|^\*$")

DNS_LABEL_TEXT = "a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)"
PORT_TEXT = ("an integer from 1 to 65535, a range \"min:max\" with 1 <= min <= max <= 65535, or a port name "
             "matching ^[a-zA-Z0-9_.-]{1,128}$")
PROTOCOL_TEXT = "one of %s (case-sensitive) or an integer from 1 to 255" % ", ".join(PROTOCOL_NAMES)
AS_NUMBER_TEXT = ("an integer from 0 to 4294967295, a string of digits, or asdot notation \"A.B\" with A and B "
                  "from 0 to 65535")


class CalicoValidationError(Exception):
    """Raised by check_resource; ``problems`` holds one sentence per problem."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(CalicoValidationError, self).__init__(" ".join(self.problems))

    def __str__(self):
        return " ".join(self.problems)


# ---------------------------------------------------------------------------------------------------------
# Value helpers, shared with _felix_settings and _calico_normalize.


def show(value):
    """Render a value as the user would write it in YAML/JSON, so strings and numbers stay distinguishable."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _bad(path, value, allowed):
    return "%s is %s: expected %s." % (path, show(value), allowed)


def _missing(path, allowed):
    return "%s is missing: expected %s." % (path, allowed)


def _one_of(values):
    return "one of %s" % ", ".join(show(v) if not isinstance(v, str) else v for v in values)


def enum_problem(value, path, allowed):
    """Check an exact (case-sensitive) spelling and hint at the right case when only the case differs."""
    if isinstance(value, str) and value in allowed:
        return None
    if isinstance(value, str):
        folded = [a for a in allowed if isinstance(a, str) and a.lower() == value.lower()]
        if folded:
            return "%s is %s: expected %s; spellings are case-sensitive (did you mean %s?)." % (
                path, show(value), _one_of(allowed), folded[0])
    return _bad(path, value, _one_of(allowed))


def selector_problems(text, path, global_rule="forbidden"):
    """Problems in a selector string.

    ``global_rule`` is ``forbidden`` (top-level and entity selectors) or ``alone`` (a rule namespaceSelector,
    where Calico accepts ``global()`` only as the whole selector).
    """
    if not isinstance(text, str):
        return [_bad(path, text, "a selector string such as app == \"web\"")]
    try:
        parsed = parse_selector(text)
    except SelectorError as exc:
        return ["%s is %s: invalid selector at position %s: %s." % (
            path, show(text), exc.position, _selector_reason(exc))]
    if not parsed.uses_global():
        return []
    if global_rule == "alone" and parsed.canonical() == "global()":
        return []
    if global_rule == "alone":
        return ["%s is %s: global() is only allowed on its own in a rule namespaceSelector." % (path, show(text))]
    return ["%s is %s: global() is not allowed here; it may only be used, alone, in a rule namespaceSelector." % (
        path, show(text))]


def _selector_reason(exc):
    # The parser's message repeats the selector and position, which the problem sentence already gives.
    message = str(exc).rstrip(".")
    marker = "at position %s: " % exc.position
    return message.split(marker, 1)[1] if marker in message else message


def parse_network(text):
    """Parse CIDR text; return (version, prefixlen, network_text, canonical_text) or None when it is not a CIDR.

    network_text is the masked network; canonical_text keeps the given address in canonical spelling.
    """
    if not isinstance(text, str) or text.count("/") != 1:
        return None
    address, prefix = text.split("/")
    if not _DIGITS_RE.match(prefix) or not address or address != address.strip():
        return None
    address_info = parse_ip(address)
    if address_info is None:
        return None
    version, canonical_address = address_info
    length = int(prefix)
    if length > (32 if version == 4 else 128):
        return None
    if HAS_NETADDR:
        network = netaddr.IPNetwork("%s/%d" % (canonical_address, length))
        masked = "%s/%d" % (network.network, length)
    else:
        import ipaddress
        masked = str(ipaddress.ip_network(u"%s/%d" % (canonical_address, length), strict=False))
    return version, length, masked, "%s/%d" % (canonical_address, length)


def parse_ip(text):
    """Parse an IP address in strict form; return (version, canonical_text) or None."""
    if not isinstance(text, str) or not text or text != text.strip():
        return None
    # Go's parser (and so Calico) takes only dotted quads without leading zeros for IPv4.
    if ":" not in text and not _DOTTED_QUAD_RE.match(text):
        return None
    if HAS_NETADDR:
        try:
            address = netaddr.IPAddress(text, flags=netaddr.INET_PTON) if hasattr(netaddr, "INET_PTON") \
                else netaddr.IPAddress(text)
        except (netaddr.AddrFormatError, ValueError, TypeError):
            return None
    else:
        import ipaddress
        try:
            address = ipaddress.ip_address(u"%s" % text)
        except ValueError:
            return None
    if address.version == 4 and ":" in text:
        return None
    return address.version, str(address)


def cidr_problem(value, path, strict=True, allow_bare_ip=False):
    """Problem text for a CIDR value, or None. ``strict`` demands no host bits (Calico's "strictly masked")."""
    what = "a CIDR with a prefix length, such as 10.0.0.0/8 or fd00::/64"
    if strict:
        what = "a strictly masked CIDR (no host bits set) with a prefix length, such as 10.0.0.0/8 or fd00::/64"
    if allow_bare_ip and parse_ip(value) is not None:
        return None
    parsed = parse_network(value)
    if parsed is None:
        if parse_ip(value) is not None:
            return "%s is %s: a bare IP address has no prefix length; expected %s." % (path, show(value), what)
        return _bad(path, value, what)
    if strict and parsed[2] != parsed[3]:
        return "%s is %s: host bits are set; expected the masked network %s." % (path, show(value), parsed[2])
    return None


def go_duration_ok(value, units=None):
    """True for Go duration text ("90s", "1h30m", "1.5s"); ``units`` narrows the unit set (CRD patterns)."""
    if not isinstance(value, str) or not value:
        return False
    if value == "0" and units is None:
        return True
    rest = value
    while rest:
        match = _GO_DURATION_RE.match(rest)
        if not match or (units is not None and match.group(3) not in units):
            return False
        rest = rest[match.end():]
    return True


def duration_problem(value, path, units=None):
    if go_duration_ok(value, units):
        return None
    unit_text = "/".join(units) if units else "ns/us/ms/s/m/h"
    return _bad(path, value, "a duration string such as 90s, 500ms or 1h30m (units %s)" % unit_text)


def port_problem(value, path):
    """Problem for one rule port (numorstring.Port): number, "min:max" range or a port name."""
    if is_int(value):
        return None if 1 <= value <= 65535 else _bad(path, value, PORT_TEXT)
    if not isinstance(value, str):
        return _bad(path, value, PORT_TEXT)
    if _DIGITS_RE.match(value):
        return None if 1 <= int(value) <= 65535 else _bad(path, value, PORT_TEXT)
    if ":" in value:
        return _range_problem(value, path, PORT_TEXT)
    return None if _NAMED_PORT_RE.match(value) else _bad(path, value, PORT_TEXT)


def _range_problem(value, path, allowed):
    parts = value.split(":")
    if len(parts) != 2 or not all(_DIGITS_RE.match(p) for p in parts):
        return _bad(path, value, allowed)
    low, high = int(parts[0]), int(parts[1])
    if not (1 <= low <= 65535 and 1 <= high <= 65535):
        return _bad(path, value, allowed)
    if low > high:
        return "%s is %s: the range start is above its end; expected %s." % (path, show(value), allowed)
    return None


def port_range_problem(value, path):
    """Problem for a numeric port or "min:max" range (Felix settings, where names make no sense)."""
    allowed = "an integer from 1 to 65535 or a range \"min:max\" with 1 <= min <= max <= 65535"
    if is_int(value):
        return None if 1 <= value <= 65535 else _bad(path, value, allowed)
    if isinstance(value, str) and _DIGITS_RE.match(value):
        return None if 1 <= int(value) <= 65535 else _bad(path, value, allowed)
    if isinstance(value, str):
        return _range_problem(value, path, allowed)
    return _bad(path, value, allowed)


def protocol_value(value):
    """The protocol as Calico stores it: digit strings become integers, names stay as written."""
    if isinstance(value, str) and _DIGITS_RE.match(value):
        return int(value)
    return value


def protocol_problem(value, path):
    canonical = protocol_value(value)
    if is_int(canonical):
        return None if 1 <= canonical <= 255 else _bad(path, value, PROTOCOL_TEXT)
    if isinstance(canonical, str):
        if canonical in PROTOCOL_NAMES:
            return None
        folded = [p for p in PROTOCOL_NAMES if p.lower() == canonical.lower()]
        if folded:
            return "%s is %s: protocol names are case-sensitive; expected %s (did you mean %s?)." % (
                path, show(value), PROTOCOL_TEXT, folded[0])
    return _bad(path, value, PROTOCOL_TEXT)


def as_number_value(value):
    """An AS number as Calico stores it (an integer), or None when the value is not a valid AS number."""
    if is_int(value):
        return value if 0 <= value <= AS_NUMBER_MAX else None
    if not isinstance(value, str):
        return None
    if _DIGITS_RE.match(value):
        number = int(value)
        return number if number <= AS_NUMBER_MAX else None
    match = _ASDOT_RE.match(value)
    if match:
        high, low = int(match.group(1)), int(match.group(2))
        if high <= 65535 and low <= 65535:
            return high * 65536 + low
    return None


def as_number_problem(value, path):
    return None if as_number_value(value) is not None else _bad(path, value, AS_NUMBER_TEXT)


# ---------------------------------------------------------------------------------------------------------
# Public entry points.


# Rules that differ by Calico release follow the release the cluster runs: ``calico_version`` is a
# (major, minor) tuple such as (3, 21); None means the newest release these modules know.
NEWEST_CALICO_VERSION = (3, 32)


def check_resource(resource, calico_version=None):
    """Raise CalicoValidationError listing every problem in ``resource``; return None when it is valid."""
    problems = validation_problems(resource, calico_version)
    if problems:
        raise CalicoValidationError(problems)


def validation_warnings(resource, calico_version=None):
    """Sentences about valid input that is almost certainly unintended (e.g. a port range written with a dash)."""
    return []


def validation_problems(resource, calico_version=None):
    """Every problem in a full v3 object {apiVersion, kind, metadata, spec}; an empty list means valid."""
    if not isinstance(resource, dict):
        return [_bad("resource", resource, "a mapping with apiVersion, kind, metadata and spec")]
    problems = []
    api_version = resource.get("apiVersion")
    if api_version is not None and api_version != API_VERSION:
        problems.append(_bad("apiVersion", api_version, API_VERSION))
    kind = resource.get("kind")
    if not isinstance(kind, str) or not kind:
        problems.append(_bad("kind", kind, "a Calico kind such as GlobalNetworkPolicy or IPPool"))
        kind = ""
    metadata = resource.get("metadata")
    spec = resource.get("spec")
    problems.extend(metadata_problems(kind, metadata))
    if spec is not None and not isinstance(spec, dict):
        problems.append(_bad("spec", spec, "a mapping"))
        return problems
    checker = _SPEC_CHECKERS.get(kind)
    if checker is not None:
        name = metadata.get("name") if isinstance(metadata, dict) else None
        problems.extend(checker(kind, name, spec or {}))
    return problems


# ---------------------------------------------------------------------------------------------------------
# Metadata and names.


def metadata_problems(kind, metadata):
    if not isinstance(metadata, dict):
        return [_bad("metadata", metadata, "a mapping with at least a name")]
    problems = []
    name = metadata.get("name")
    if name is None or name == "":
        problems.append(_missing("metadata.name", "a non-empty resource name"))
    elif not isinstance(name, str):
        problems.append(_bad("metadata.name", name, "a string"))
    else:
        problem = name_problem(kind, name)
        if problem:
            problems.append(problem)
    namespace = metadata.get("namespace")
    if namespace not in (None, ""):
        if kind in CLUSTER_KINDS:
            problems.append("metadata.namespace is %s: %s is cluster-scoped and takes no namespace." % (
                show(namespace), kind))
        elif not isinstance(namespace, str) or not _dns_label_ok(namespace):
            problems.append(_bad("metadata.namespace", namespace, DNS_LABEL_TEXT))
    for field in ("labels", "annotations"):
        problems.extend(_string_map_problems(metadata.get(field), "metadata." + field))
    return problems


def _string_map_problems(value, path):
    if value is None:
        return []
    if not isinstance(value, dict):
        return [_bad(path, value, "a mapping of strings to strings")]
    return [_bad("%s[%s]" % (path, show(key)), item, "a string value")
            for key, item in sorted(value.items(), key=lambda kv: str(kv[0])) if not isinstance(item, str)]


def _dns_label_ok(text):
    return len(text) <= 63 and bool(_DNS_LABEL_RE.match(text))


def _dns_subdomain_ok(text):
    return len(text) <= 253 and bool(_DNS_SUBDOMAIN_RE.match(text))


def name_problem(kind, name):
    path = "metadata.name"
    if kind in POLICY_KINDS:
        parts = name.split(".")
        if len(name) <= 253 and len(parts) <= 2 and all(_dns_label_ok(p) for p in parts):
            return None
        return _bad(path, name, "a DNS-1123 label, optionally prefixed by a tier name and a dot (tier.name); "
                                "lower-case letters, digits and '-' only")
    if kind == "KubeControllersConfiguration":
        return None if name == "default" else _bad(path, name, "default (the only name Calico accepts for %s)" % kind)
    if kind in PER_NODE_CONFIG_KINDS:
        if name == "default":
            return None
        if name.startswith("node.") and _dns_subdomain_ok(name[len("node."):]):
            return None
        return _bad(path, name, "default or node.<nodename>")
    if _dns_subdomain_ok(name):
        return None
    return _bad(path, name, "a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)")


# ---------------------------------------------------------------------------------------------------------
# Shared small checks.


def _unknown_key_problems(mapping, known, path, what):
    return ["%s.%s is not a known %s field; known fields are %s." % (path, key, what, ", ".join(sorted(known)))
            for key in sorted(mapping, key=str) if key not in known]


def _bool_problem(mapping, key, path):
    value = mapping.get(key)
    if value is None or isinstance(value, bool):
        return []
    return [_bad("%s.%s" % (path, key), value, "a boolean (true or false)")]


def _int_range_problem(mapping, key, path, low, high):
    value = mapping.get(key)
    if value is None or (is_int(value) and low <= value <= high):
        return []
    return [_bad("%s.%s" % (path, key), value, "an integer from %d to %d" % (low, high))]


def _enum_field_problem(mapping, key, path, allowed):
    value = mapping.get(key)
    if value is None:
        return []
    problem = enum_problem(value, "%s.%s" % (path, key), allowed)
    return [problem] if problem else []


def _selector_field_problems(mapping, key, path, global_rule="forbidden"):
    value = mapping.get(key)
    if value is None:
        return []
    return selector_problems(value, "%s.%s" % (path, key), global_rule)


def _duration_field_problem(mapping, key, path):
    value = mapping.get(key)
    if value is None:
        return []
    problem = duration_problem(value, "%s.%s" % (path, key))
    return [problem] if problem else []


def _list_problem(mapping, key, path, what="a list"):
    value = mapping.get(key)
    if value is None or isinstance(value, list):
        return None
    return _bad("%s.%s" % (path, key), value, what)


def _string_list_problems(mapping, key, path):
    problem = _list_problem(mapping, key, path, "a list of strings")
    if problem:
        return [problem]
    return [_bad("%s.%s[%d]" % (path, key, i), item, "a non-empty string")
            for i, item in enumerate(mapping.get(key) or []) if not isinstance(item, str) or not item]


def _secret_key_ref_problems(value, path):
    if value is None:
        return []
    if not isinstance(value, dict) or set(value) - set(("secretKeyRef",)):
        return [_bad(path, value, "a mapping with only secretKeyRef: {name, key}")]
    ref = value.get("secretKeyRef")
    ref_path = path + ".secretKeyRef"
    if not isinstance(ref, dict):
        return [_bad(ref_path, ref, "a mapping with name and key of a Secret in Calico's namespace")]
    problems = _unknown_key_problems(ref, ("name", "key", "optional"), ref_path, "secretKeyRef")
    if not isinstance(ref.get("key"), str) or not ref.get("key"):
        problems.append(_bad(ref_path + ".key", ref.get("key"), "the non-empty key of the password in the Secret"))
    if not isinstance(ref.get("name"), str) or not ref.get("name"):
        problems.append(_bad(ref_path + ".name", ref.get("name"), "the non-empty name of the Secret"))
    problems.extend(_bool_problem(ref, "optional", ref_path))
    return problems


# ---------------------------------------------------------------------------------------------------------
# Policies.


def policy_problems(kind, name, spec):
    path = "spec"
    is_global = kind in GLOBAL_POLICY_KINDS
    known = POLICY_SPEC_KEYS + (GLOBAL_POLICY_ONLY_KEYS if is_global else ()) + (
        STAGED_POLICY_KEYS if kind.startswith("Staged") else ())
    problems = []
    for key in sorted(spec, key=str):
        if key in known:
            continue
        if key in GLOBAL_POLICY_ONLY_KEYS:
            problems.append("spec.%s is %s: it is only allowed at the top level of a GlobalNetworkPolicy, not in a %s."
                            % (key, show(spec[key]), kind))
        else:
            problems.append("spec.%s is not a known %s field; known fields are %s." % (
                key, kind, ", ".join(sorted(known))))
    order = spec.get("order")
    if order is not None and (isinstance(order, bool) or not isinstance(order, (int, float))):
        problems.append(_bad("spec.order", order, "a number (policies with lower order apply first)"))
    problems.extend(_tier_problems(spec, name))
    for key in ("selector", "serviceAccountSelector", "namespaceSelector"):
        if key in known:
            problems.extend(_selector_field_problems(spec, key, path))
    problems.extend(_types_problems(spec.get("types")))
    for key in ("doNotTrack", "preDNAT", "applyOnForward"):
        if key in known:
            problems.extend(_bool_problem(spec, key, path))
    problems.extend(_string_list_problems(spec, "performanceHints", path))
    for direction in ("ingress", "egress"):
        rules = spec.get(direction)
        if rules is None:
            continue
        if not isinstance(rules, list):
            problems.append(_bad("spec.%s" % direction, rules, "a list of rules"))
            continue
        for index, rule in enumerate(rules):
            problems.extend(rule_problems(rule, "spec.%s[%d]" % (direction, index), direction, is_global))
    if is_global:
        problems.extend(_host_policy_problems(spec))
    return problems


def _tier_problems(spec, name):
    tier = spec.get("tier")
    if tier is None:
        return []
    if not isinstance(tier, str) or not _dns_label_ok(tier):
        return [_bad("spec.tier", tier, DNS_LABEL_TEXT)]
    if isinstance(name, str) and name.count(".") == 1 and name.split(".")[0] != tier:
        return ["metadata.name is %s: its tier prefix %s does not match spec.tier %s; expected %s.<name> or a name "
                "without a prefix." % (show(name), show(name.split(".")[0]), show(tier), tier)]
    return []


def _types_problems(types):
    if types is None:
        return []
    if not isinstance(types, list):
        return [_bad("spec.types", types, "a list holding Ingress and/or Egress")]
    problems = []
    seen = set()
    for index, value in enumerate(types):
        path = "spec.types[%d]" % index
        problem = enum_problem(value, path, POLICY_TYPES)
        if problem:
            problems.append(problem)
        elif value in seen:
            problems.append("%s is %s: it is listed twice; each of Ingress and Egress may appear once." % (
                path, show(value)))
        seen.add(value if isinstance(value, str) else None)
    return problems


def _host_policy_problems(spec):
    pre_dnat = spec.get("preDNAT") is True
    untracked = spec.get("doNotTrack") is True
    problems = []
    if pre_dnat and untracked:
        problems.append("spec.preDNAT and spec.doNotTrack are both true: a policy may be pre-DNAT or untracked, "
                        "not both.")
    if pre_dnat and isinstance(spec.get("egress"), list) and spec["egress"]:
        problems.append("spec.egress has %d rule(s) with spec.preDNAT true: pre-DNAT policies may only have ingress "
                        "rules." % len(spec["egress"]))
    if pre_dnat and isinstance(spec.get("types"), list) and "Egress" in spec["types"]:
        problems.append("spec.types is %s with spec.preDNAT true: pre-DNAT policies may only have the Ingress type."
                        % show(spec["types"]))
    if (pre_dnat or untracked) and spec.get("applyOnForward") is not True:
        which = "preDNAT" if pre_dnat else "doNotTrack"
        problems.append("spec.applyOnForward is %s with spec.%s true: expected applyOnForward: true, which Calico "
                        "requires for pre-DNAT and untracked policies." % (show(spec.get("applyOnForward")), which))
    return problems


def rule_problems(rule, path, direction, is_global):
    if not isinstance(rule, dict):
        return [_bad(path, rule, "a rule mapping with at least an action")]
    problems = _unknown_key_problems(rule, RULE_KEYS, path, "rule")
    action = rule.get("action")
    if action is None:
        problems.append(_missing(path + ".action", _one_of(RULE_ACTIONS)))
    else:
        problems.extend(_enum_field_problem(rule, "action", path, RULE_ACTIONS))
    ip_version = rule.get("ipVersion")
    if ip_version is not None and (not is_int(ip_version) or ip_version not in (4, 6)):
        problems.append(_bad(path + ".ipVersion", ip_version, "4 or 6"))
        ip_version = None
    protocol_ok = True
    for key in ("protocol", "notProtocol"):
        if rule.get(key) is not None:
            problem = protocol_problem(rule[key], "%s.%s" % (path, key))
            if problem:
                problems.append(problem)
                protocol_ok = protocol_ok and key != "protocol"
    protocol = protocol_value(rule.get("protocol"))
    # Checks that depend on the protocol would only repeat an invalid protocol's problem.
    if protocol_ok:
        problems.extend(_icmp_problems(rule, path, protocol, ip_version))
        problems.extend(_http_problems(rule, path, direction, protocol))
    sides = []
    for side in ("source", "destination"):
        entity = rule.get(side)
        if entity is None:
            continue
        side_path = "%s.%s" % (path, side)
        if not isinstance(entity, dict):
            problems.append(_bad(side_path, entity, "a mapping of match criteria"))
            continue
        sides.append((side_path, entity))
        problems.extend(entity_rule_problems(entity, side_path))
        if protocol_ok:
            problems.extend(_port_protocol_problems(entity, side_path, rule.get("protocol"), protocol))
        problems.extend(_services_problems(entity, side_path, side, direction, is_global))
    problems.extend(_net_family_problems(sides, path, ip_version))
    return problems


def _icmp_problems(rule, path, protocol, ip_version):
    problems = []
    for key in ("icmp", "notICMP"):
        icmp = rule.get(key)
        if icmp is None:
            continue
        icmp_path = "%s.%s" % (path, key)
        if not isinstance(icmp, dict):
            problems.append(_bad(icmp_path, icmp, "a mapping with type and optional code"))
            continue
        problems.extend(_unknown_key_problems(icmp, ("type", "code"), icmp_path, "ICMP match"))
        problems.extend(_int_range_problem(icmp, "type", icmp_path, 0, 254))
        problems.extend(_int_range_problem(icmp, "code", icmp_path, 0, 255))
        if icmp.get("code") is not None and icmp.get("type") is None:
            problems.append("%s.code is %s without a type: an ICMP code needs %s.type as well." % (
                icmp_path, show(icmp["code"]), icmp_path))
        if protocol not in ICMP_PROTOCOLS:
            problems.append("%s is set but %s.protocol is %s: ICMP matches need protocol ICMP or ICMPv6 (or 1/58)."
                            % (icmp_path, path, show(rule.get("protocol"))))
    if protocol in ICMP_PROTOCOLS and ip_version is not None and ICMP_PROTOCOLS[protocol] != ip_version:
        problems.append("%s.ipVersion is %s but %s.protocol is %s: ICMP goes with ipVersion 4 and ICMPv6 with 6." % (
            path, show(ip_version), path, show(rule.get("protocol"))))
    return problems


def _http_problems(rule, path, direction, protocol):
    if rule.get("http") is None:
        return []
    problems = []
    if rule.get("action") != "Allow":
        problems.append("%s.http is set on a rule with action %s: HTTP matches are only valid on Allow rules." % (
            path, show(rule.get("action"))))
    if direction != "ingress":
        problems.append("%s.http is set on an egress rule: HTTP matches are only valid in ingress rules." % path)
    if protocol not in (None, "TCP", 6):
        problems.append("%s.http is set with protocol %s: HTTP matches need protocol TCP or no protocol." % (
            path, show(rule.get("protocol"))))
    if not isinstance(rule["http"], dict):
        problems.append(_bad(path + ".http", rule["http"], "a mapping with methods and/or paths"))
    return problems


def entity_rule_problems(entity, path):
    problems = _unknown_key_problems(entity, ENTITY_RULE_KEYS, path, "source/destination")
    for key in ("nets", "notNets"):
        bad_list = _list_problem(entity, key, path, "a list of CIDRs")
        if bad_list:
            problems.append(bad_list)
            continue
        for index, net in enumerate(entity.get(key) or []):
            problem = cidr_problem(net, "%s.%s[%d]" % (path, key, index), strict=True)
            if problem:
                problems.append(problem)
    problems.extend(_selector_field_problems(entity, "selector", path))
    problems.extend(_selector_field_problems(entity, "notSelector", path))
    problems.extend(_selector_field_problems(entity, "namespaceSelector", path, global_rule="alone"))
    for key in ("ports", "notPorts"):
        bad_list = _list_problem(entity, key, path, "a list of ports")
        if bad_list:
            problems.append(bad_list)
            continue
        for index, port in enumerate(entity.get(key) or []):
            problem = port_problem(port, "%s.%s[%d]" % (path, key, index))
            if problem:
                problems.append(problem)
    problems.extend(_service_account_problems(entity.get("serviceAccounts"), path + ".serviceAccounts"))
    return problems


def _service_account_problems(accounts, path):
    if accounts is None:
        return []
    if not isinstance(accounts, dict):
        return [_bad(path, accounts, "a mapping with names and/or selector")]
    problems = _unknown_key_problems(accounts, ("names", "selector"), path, "serviceAccounts")
    problems.extend(_string_list_problems(accounts, "names", path))
    problems.extend(_selector_field_problems(accounts, "selector", path))
    return problems


def _port_protocol_problems(entity, path, raw_protocol, protocol):
    problems = []
    for key in ("ports", "notPorts"):
        if entity.get(key) and protocol not in PORT_PROTOCOLS:
            problems.append("%s.%s is set but the rule's protocol is %s: ports need protocol TCP, UDP or SCTP "
                            "(or 6, 17, 132)." % (path, key, show(raw_protocol)))
    return problems


def _services_problems(entity, path, side, direction, is_global):
    services = entity.get("services")
    if services is None:
        return []
    services_path = path + ".services"
    if not isinstance(services, dict):
        return [_bad(services_path, services, "a mapping with name and namespace of a Kubernetes Service")]
    problems = _unknown_key_problems(services, ("name", "namespace"), services_path, "services")
    if not isinstance(services.get("name"), str) or not services.get("name"):
        problems.append(_bad(services_path + ".name", services.get("name"), "the name of a Kubernetes Service"))
    namespace = services.get("namespace")
    if is_global and (not isinstance(namespace, str) or not namespace):
        problems.append(_bad(services_path + ".namespace", namespace,
                             "the Service's namespace, which a GlobalNetworkPolicy must give"))
    if (direction, side) not in (("egress", "destination"), ("ingress", "source")):
        problems.append("%s is set in an %s %s: services matches are only allowed in an egress destination or an "
                        "ingress source." % (services_path, direction, side))
    combined = [key for key in ("selector", "notSelector", "namespaceSelector", "nets", "notNets", "serviceAccounts")
                if entity.get(key)]
    if combined:
        problems.append("%s is combined with %s: a services match cannot be combined with selectors, nets or "
                        "serviceAccounts." % (services_path, ", ".join("%s.%s" % (path, k) for k in combined)))
    if side == "destination":
        for key in ("ports", "notPorts"):
            if entity.get(key):
                problems.append("%s.%s is %s with a destination services match: the Service's own ports are used, "
                                "so ports are not allowed." % (path, key, show(entity[key])))
    return problems


def _net_family_problems(sides, path, ip_version):
    families = {}
    for side_path, entity in sides:
        for key in ("nets", "notNets"):
            nets = entity.get(key)
            if not isinstance(nets, list):
                continue
            for index, net in enumerate(nets):
                parsed = parse_network(net)
                if parsed:
                    families.setdefault(parsed[0], "%s.%s[%d]" % (side_path, key, index))
    problems = []
    if len(families) > 1:
        problems.append("%s mixes IPv4 (%s) and IPv6 (%s) nets: use one address family per rule." % (
            path, families[4], families[6]))
    elif ip_version is not None and families and ip_version not in families:
        family = list(families)[0]
        problems.append("%s is an IPv%d net but %s.ipVersion is %s: nets must match the rule's ipVersion." % (
            families[family], family, path, show(ip_version)))
    return problems


# ---------------------------------------------------------------------------------------------------------
# IPPool.


def ippool_problems(kind, name, spec):
    path = "spec"
    problems = _unknown_key_problems(spec, IPPOOL_KEYS, path, "IPPool")
    cidr = spec.get("cidr")
    network = None
    if cidr is None:
        problems.append(_missing("spec.cidr", "the pool's CIDR, such as 198.19.16.0/21"))
    else:
        problem = cidr_problem(cidr, "spec.cidr", strict=True)
        network = parse_network(cidr)
        if problem:
            problems.append(problem)
        else:
            problems.extend(_link_local_problems(cidr, network))
    problems.extend(_block_size_problems(spec, network))
    for key in ("ipipMode", "vxlanMode"):
        problems.extend(_enum_field_problem(spec, key, path, ENCAPSULATION_MODES))
    ipip = spec.get("ipipMode") not in (None, "", "Never")
    vxlan = spec.get("vxlanMode") not in (None, "", "Never")
    if ipip and vxlan:
        problems.append("spec.ipipMode is %s and spec.vxlanMode is %s: only one encapsulation may be enabled; set "
                        "the other to Never." % (show(spec["ipipMode"]), show(spec["vxlanMode"])))
    if ipip and network and network[0] == 6:
        problems.append("spec.ipipMode is %s on IPv6 pool %s: IPIP is not supported for IPv6; expected Never." % (
            show(spec["ipipMode"]), cidr))
    for key in ("natOutgoing", "disabled", "disableBGPExport"):
        problems.extend(_bool_problem(spec, key, path))
    problems.extend(_selector_field_problems(spec, "nodeSelector", path))
    problems.extend(_selector_field_problems(spec, "namespaceSelector", path))
    problems.extend(_enum_field_problem(spec, "assignmentMode", path, ASSIGNMENT_MODES))
    problems.extend(_allowed_uses_problems(spec, ipip or vxlan))
    return problems


def _link_local_problems(cidr, network):
    link_local = "169.254.0.0/16" if network[0] == 4 else "fe80::/10"
    if HAS_NETADDR:
        overlaps = netaddr.IPNetwork(network[2]) in netaddr.IPNetwork(link_local) or \
            netaddr.IPNetwork(link_local) in netaddr.IPNetwork(network[2])
    else:
        import ipaddress
        overlaps = ipaddress.ip_network(u"%s" % network[2]).overlaps(ipaddress.ip_network(u"%s" % link_local))
    if overlaps:
        return ["spec.cidr is %s: it overlaps the link-local range %s, which Calico refuses for pools." % (
            show(cidr), link_local)]
    return []


def _block_size_problems(spec, network):
    block_size = spec.get("blockSize")
    if block_size is None:
        return []
    version = network[0] if network else None
    ranges = [BLOCK_SIZE_RANGE[version]] if version else list(BLOCK_SIZE_RANGE.values())
    allowed = " or ".join("%d to %d for IPv%d" % (lo, hi, v) for v, (lo, hi) in sorted(BLOCK_SIZE_RANGE.items())
                          if version in (None, v))
    if not is_int(block_size) or not any(lo <= block_size <= hi for lo, hi in ranges):
        return [_bad("spec.blockSize", block_size, "an integer from %s" % allowed)]
    if network and block_size < network[1] and spec.get("disabled") is not True:
        return ["spec.blockSize is %d but the pool %s has prefix length %d: expected a block size of at least %d." % (
            block_size, spec.get("cidr"), network[1], network[1])]
    return []


def _allowed_uses_problems(spec, encapsulated):
    uses = spec.get("allowedUses")
    if uses is None:
        return []
    if not isinstance(uses, list):
        return [_bad("spec.allowedUses", uses, "a list of %s" % ", ".join(ALLOWED_USES))]
    problems = []
    for index, use in enumerate(uses):
        problem = enum_problem(use, "spec.allowedUses[%d]" % index, ALLOWED_USES)
        if problem:
            problems.append(problem)
        elif uses.index(use) != index:
            problems.append("spec.allowedUses[%d] is %s: it is listed twice." % (index, show(use)))
    if "LoadBalancer" in uses and ("Workload" in uses or "Tunnel" in uses):
        problems.append("spec.allowedUses is %s: LoadBalancer cannot be combined with Workload or Tunnel." % show(uses))
    if "LoadBalancer" in uses and encapsulated:
        problems.append("spec.allowedUses is %s: a LoadBalancer pool cannot have IPIP or VXLAN enabled." % show(uses))
    return problems


# ---------------------------------------------------------------------------------------------------------
# BGPPeer and BGPConfiguration.


def peer_ip_problem(value, path):
    allowed = "an IP address, IPv4:port or [IPv6]:port (port 1-65535)"
    if not isinstance(value, str):
        return _bad(path, value, allowed)
    if parse_ip(value) is not None:
        return None
    match = re.match(r"^\[([^\]]+)\]:([0-9]+)$", value) or re.match(r"^([^:\[\]]+):([0-9]+)$", value)
    if not match:
        return _bad(path, value, allowed)
    address = parse_ip(match.group(1))
    bracketed = value.startswith("[")
    if address is None or (address[0] == 6) != bracketed or not 1 <= int(match.group(2)) <= 65535:
        return _bad(path, value, allowed)
    return None


def bgppeer_problems(kind, name, spec):
    path = "spec"
    problems = _unknown_key_problems(spec, BGPPEER_KEYS, path, "BGPPeer")
    if spec.get("node") not in (None, "") and spec.get("nodeSelector") not in (None, ""):
        problems.append("spec.node is %s and spec.nodeSelector is %s: set only one of them (neither means all "
                        "nodes)." % (show(spec["node"]), show(spec["nodeSelector"])))
    node = spec.get("node")
    if node not in (None, "") and (not isinstance(node, str) or not _dns_subdomain_ok(node)):
        problems.append(_bad("spec.node", spec["node"], "a node name (DNS-1123 subdomain)"))
    if spec.get("peerIP") not in (None, ""):
        problem = peer_ip_problem(spec["peerIP"], "spec.peerIP")
        if problem:
            problems.append(problem)
    for key in ("asNumber", "localASNumber"):
        if spec.get(key) is not None:
            problem = as_number_problem(spec[key], "spec.%s" % key)
            if problem:
                problems.append(problem)
    if spec.get("peerSelector") not in (None, ""):
        for key in ("peerIP", "asNumber"):
            if spec.get(key) not in (None, "", 0):
                problems.append("spec.%s is %s with spec.peerSelector set: peerSelector takes the peers' addresses "
                                "and AS numbers from the selected nodes, so %s must be empty." % (
                                    key, show(spec[key]), key))
    for key in ("nodeSelector", "peerSelector", "localWorkloadSelector"):
        problems.extend(_selector_field_problems(spec, key, path))
    problems.extend(_enum_field_problem(spec, "sourceAddress", path, SOURCE_ADDRESSES))
    problems.extend(_enum_field_problem(spec, "nextHopMode", path, NEXT_HOP_MODES))
    problems.extend(_enum_field_problem(spec, "reversePeering", path, REVERSE_PEERING_MODES))
    problems.extend(_bool_problem(spec, "keepOriginalNextHop", path))
    problems.extend(_secret_key_ref_problems(spec.get("password"), "spec.password"))
    problems.extend(_duration_field_problem(spec, "maxRestartTime", path))
    problems.extend(_duration_field_problem(spec, "keepaliveTime", path))
    problems.extend(_int_range_problem(spec, "ttlSecurity", path, 0, 255))
    problems.extend(_string_list_problems(spec, "filters", path))
    return problems


def bgpconfig_problems(kind, name, spec):
    path = "spec"
    problems = _unknown_key_problems(spec, BGPCONFIG_KEYS, path, "BGPConfiguration")
    if name != "default":
        for key in BGP_GLOBAL_ONLY_FIELDS:
            if spec.get(key) is not None:
                problems.append("spec.%s is %s on BGPConfiguration %s: Calico only accepts it on the BGPConfiguration "
                                "named default." % (key, show(spec[key]), show(name)))
    if spec.get("asNumber") is not None:
        problem = as_number_problem(spec["asNumber"], "spec.asNumber")
        if problem:
            problems.append(problem)
    problems.extend(_bool_problem(spec, "nodeToNodeMeshEnabled", path))
    problems.extend(_int_range_problem(spec, "listenPort", path, 1, 65535))
    problems.extend(_enum_field_problem(spec, "logSeverityScreen", path, LOG_SEVERITIES))
    problems.extend(_enum_field_problem(spec, "bindMode", path, BIND_MODES))
    problems.extend(_enum_field_problem(spec, "programClusterRoutes", path, ENABLED_DISABLED))
    problems.extend(_enum_field_problem(spec, "serviceLoadBalancerAggregation", path, ENABLED_DISABLED))
    for key in ("ipv4NormalRoutePriority", "ipv6NormalRoutePriority"):
        problems.extend(_int_range_problem(spec, key, path, 1, 2147483646))
    for key in ("serviceClusterIPs", "serviceExternalIPs", "serviceLoadBalancerIPs", "prefixAdvertisements"):
        problems.extend(_cidr_block_list_problems(spec, key, path))
    problems.extend(_community_problems(spec, path))
    problems.extend(_secret_key_ref_problems(spec.get("nodeMeshPassword"), "spec.nodeMeshPassword"))
    problems.extend(_duration_field_problem(spec, "nodeMeshMaxRestartTime", path))
    problems.extend(_string_list_problems(spec, "ignoredInterfaces", path))
    if spec.get("nodeToNodeMeshEnabled") is False:
        for key in ("nodeMeshPassword", "nodeMeshMaxRestartTime"):
            if spec.get(key) is not None:
                problems.append("spec.%s is set while spec.nodeToNodeMeshEnabled is false: it only applies to the "
                                "node-to-node mesh." % key)
    return problems


def _cidr_block_list_problems(spec, key, path):
    problem = _list_problem(spec, key, path, "a list of {cidr: ...} mappings")
    if problem:
        return [problem]
    problems = []
    for index, block in enumerate(spec.get(key) or []):
        item_path = "%s.%s[%d]" % (path, key, index)
        if not isinstance(block, dict):
            problems.append(_bad(item_path, block, "a mapping such as {cidr: 10.96.0.0/12}"))
            continue
        cidr = cidr_problem(block.get("cidr"), item_path + ".cidr", strict=False)
        if cidr:
            problems.append(cidr)
    return problems


def _community_problems(spec, path):
    problem = _list_problem(spec, "communities", path, "a list of {name, value} mappings")
    if problem:
        return [problem]
    problems = []
    for index, community in enumerate(spec.get("communities") or []):
        item_path = "%s.communities[%d]" % (path, index)
        value = community.get("value") if isinstance(community, dict) else None
        if not isinstance(value, str) or not _COMMUNITY_RE.match(value):
            problems.append(_bad(item_path + ".value", value, "a BGP community aa:nn or a large community aa:nn:mm"))
    return problems


# ---------------------------------------------------------------------------------------------------------
# FelixConfiguration, KubeControllersConfiguration, HostEndpoint.


def felix_problems(kind, name, spec):
    # Imported here: _felix_settings uses this module's value helpers.
    from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.felix_settings import felix_setting_problems
    return felix_setting_problems(spec, "spec")


def kcc_problems(kind, name, spec):
    path = "spec"
    problems = _unknown_key_problems(spec, ("controllers", "logSeverityScreen", "healthChecks", "etcdV3CompactionPeriod",
                                            "prometheusMetricsPort", "debugProfilePort"), path,
                                     "KubeControllersConfiguration")
    problems.extend(_enum_field_problem(spec, "logSeverityScreen", path, KCC_LOG_SEVERITIES))
    problems.extend(_enum_field_problem(spec, "healthChecks", path, ENABLED_DISABLED))
    problems.extend(_duration_field_problem(spec, "etcdV3CompactionPeriod", path))
    problems.extend(_int_range_problem(spec, "prometheusMetricsPort", path, 0, 65535))
    problems.extend(_int_range_problem(spec, "debugProfilePort", path, 0, 65535))
    controllers = spec.get("controllers")
    if controllers is None:
        return problems
    if not isinstance(controllers, dict):
        return problems + [_bad("spec.controllers", controllers, "a mapping of controller settings")]
    for controller in sorted(controllers, key=str):
        settings = controllers[controller]
        cpath = "spec.controllers.%s" % controller
        if settings is None:
            continue
        if not isinstance(settings, dict):
            problems.append(_bad(cpath, settings, "a mapping of controller settings"))
            continue
        for key in ("reconcilerPeriod", "leakGracePeriod"):
            problems.extend(_duration_field_problem(settings, key, cpath))
        problems.extend(_enum_field_problem(settings, "syncLabels", cpath, ENABLED_DISABLED))
        host_endpoint = settings.get("hostEndpoint")
        if controller == "node" and host_endpoint is not None:
            if not isinstance(host_endpoint, dict):
                problems.append(_bad(cpath + ".hostEndpoint", host_endpoint, "a mapping with autoCreate"))
            else:
                problems.extend(_enum_field_problem(host_endpoint, "autoCreate", cpath + ".hostEndpoint",
                                                    ENABLED_DISABLED))
                problems.extend(_enum_field_problem(host_endpoint, "createDefaultHostEndpoint",
                                                    cpath + ".hostEndpoint", ENABLED_DISABLED))
    return problems


def hostendpoint_problems(kind, name, spec):
    path = "spec"
    problems = _unknown_key_problems(spec, HOSTENDPOINT_KEYS, path, "HostEndpoint")
    node = spec.get("node")
    if node in (None, ""):
        problems.append(_missing("spec.node", "the name of the node this host endpoint belongs to"))
    elif not isinstance(node, str) or not _dns_subdomain_ok(node):
        problems.append(_bad("spec.node", node, "a node name (DNS-1123 subdomain)"))
    interface = spec.get("interfaceName")
    if interface not in (None, "") and (not isinstance(interface, str) or not _INTERFACE_NAME_RE.match(interface)):
        problems.append(_bad("spec.interfaceName", interface, "an interface name of at most 15 characters, or \"*\""))
    expected = spec.get("expectedIPs")
    if expected is not None and not isinstance(expected, list):
        problems.append(_bad("spec.expectedIPs", expected, "a list of IP addresses"))
        expected = None
    for index, address in enumerate(expected or []):
        if parse_ip(address) is None:
            problems.append(_bad("spec.expectedIPs[%d]" % index, address, "an IPv4 or IPv6 address"))
    if interface in (None, "") and not expected:
        problems.append("spec.interfaceName and spec.expectedIPs are both empty: a host endpoint needs an interface "
                        "name (or \"*\") and/or its expected IPs.")
    problems.extend(_string_list_problems(spec, "profiles", path))
    problems.extend(_endpoint_port_problems(spec.get("ports")))
    return problems


def _endpoint_port_problems(ports):
    if ports is None:
        return []
    if not isinstance(ports, list):
        return [_bad("spec.ports", ports, "a list of {name, protocol, port} mappings")]
    problems = []
    for index, port in enumerate(ports):
        path = "spec.ports[%d]" % index
        if not isinstance(port, dict):
            problems.append(_bad(path, port, "a mapping with name, protocol and port"))
            continue
        problems.extend(_unknown_key_problems(port, ("name", "protocol", "port"), path, "host endpoint port"))
        if not isinstance(port.get("name"), str) or not _NAMED_PORT_RE.match(port.get("name") or ""):
            problems.append(_bad(path + ".name", port.get("name"), "a port name matching ^[a-zA-Z0-9_.-]{1,128}$"))
        protocol = protocol_value(port.get("protocol"))
        if protocol not in ENDPOINT_PORT_PROTOCOLS + (6, 17, 132):
            problems.append(_bad(path + ".protocol", port.get("protocol"), "TCP, UDP or SCTP"))
        value = port.get("port")
        if not is_int(value) or not 1 <= value <= 65535:
            problems.append(_bad(path + ".port", value, "an integer from 1 to 65535"))
    return problems


_SPEC_CHECKERS = {
    "NetworkPolicy": policy_problems,
    "GlobalNetworkPolicy": policy_problems,
    "StagedNetworkPolicy": policy_problems,
    "StagedGlobalNetworkPolicy": policy_problems,
    "IPPool": ippool_problems,
    "BGPPeer": bgppeer_problems,
    "BGPConfiguration": bgpconfig_problems,
    "FelixConfiguration": felix_problems,
    "KubeControllersConfiguration": kcc_problems,
    "HostEndpoint": hostendpoint_problems,
}
