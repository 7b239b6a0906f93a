# -*- coding: utf-8 -*-
# Copyright (c) calicolab.ccol1 contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Field rules for projectcalico.org/v3 resources, checked before anything is written, per Calico release.

The rules are the ones Calico's own validator (``libcalico-go/lib/validator/v3/validator.go``, run by clientv3
and the Calico API server), clientv3's defaulting and the CRD schemas enforce, read at v3.21.6 and v3.32.1 and
at the x.0 tags between them where a rule changed (reference/source-audit.md). ``calico_version`` is the
(major, minor) release the cluster runs; None means the newest release these modules know. Every problem is
one sentence that names the field path, the offending value and what is allowed, so a playbook author can fix
all of them in one go. ``validation_warnings`` names input Calico takes but that almost certainly means
something else than it says.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Names other modules (and callers written before api.py and values.py) import from here stay importable.
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.api import (  # pylint: disable=unused-import
    API_VERSION,
    CLUSTER_KINDS,
    GLOBAL_POLICY_KINDS,
    NAMESPACED_KINDS,
    NEWEST_CALICO_VERSION,
    PER_NODE_CONFIG_KINDS,
    POLICY_KINDS,
    at_least,
    release_text,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.felix_settings import (
    felix_setting_problems,
    field_exists,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.values import (  # pylint: disable=unused-import
    AS_NUMBER_MAX,
    AS_NUMBER_TEXT,
    PORT_NAME_TEXT,
    as_number_problem,
    as_number_value,
    asdot_parts,
    bad as _bad,
    cidr_problem,
    duration_problem,
    enum_problem,
    go_duration_ok,
    ip_network,
    is_digits,
    is_int,
    missing as _missing,
    one_of as _one_of,
    parse_ip,
    parse_network,
    port_name_ok,
    port_range_problem,
    protocol_value,
    range_problem,
    selector_problems,
    show,
)

RULE_ACTIONS = ("Allow", "Deny", "Log", "Pass")
POLICY_TYPES = ("Ingress", "Egress")
PROTOCOL_NAMES = ("TCP", "UDP", "ICMP", "ICMPv6", "SCTP", "UDPLite")
PORT_PROTOCOLS = ("TCP", "UDP", "SCTP", 6, 17, 132)
# Calico compares the parsed protocol with the names ICMP/ICMPv6, so numbers 1/58 do not count as ICMP here.
ICMP_PROTOCOLS = {"ICMP": 4, "ICMPv6": 6}
ENCAPSULATION_MODES = ("Always", "CrossSubnet", "Never")
ALLOWED_USES = ("Workload", "Tunnel", "LoadBalancer")
DEFAULT_ALLOWED_USES = ("Workload", "Tunnel")
ASSIGNMENT_MODES = ("Automatic", "Manual")
SOURCE_ADDRESSES = ("UseNodeIP", "None")
NEXT_HOP_MODES = ("Auto", "Self", "Keep")
REVERSE_PEERING_MODES = ("Auto", "Manual")
LOG_SEVERITIES = ("Trace", "Debug", "Info", "Warning", "Error", "Fatal")
ENABLED_DISABLED = ("Enabled", "Disabled")
BIND_MODES = ("None", "NodeIP")
ENDPOINT_PORT_PROTOCOLS = ("TCP", "UDP", "SCTP")
# KubeControllersConfiguration: the logLevel validator never takes None or Panic (which the v3.32 CRD enum
# lists), and the v3.32 CRD enum has no Trace; only v3.31 takes Trace (validator yes, CRD without enum).
KCC_LOG_SEVERITIES = ("Debug", "Info", "Warning", "Error", "Fatal")
BLOCK_SIZE_RANGE = {4: (20, 32), 6: (116, 128)}
DEFAULT_BLOCK_SIZE = {4: 26, 6: 122}

# Releases where a rule changed (validator.go at each x.0 tag).
TRACE_SINCE = (3, 31)
TIERED_NAMES_SINCE = (3, 29)
TIER_PREFIX_RULE_DROPPED = (3, 32)
IPV6_VXLAN_SINCE = (3, 23)
LOAD_BALANCER_SINCE = (3, 30)
CATCH_ALL_NOT_NETS_REFUSED_SINCE = (3, 31)
TUNNEL_NAMESPACE_SELECTOR_REFUSED_SINCE = (3, 31)
NAMED_PORTS_WITHOUT_PROTOCOL_SINCE = (3, 32)
GLOBAL_ALONE_TOKEN_CHECK_SINCE = (3, 30)
POOL_SELECTOR_GLOBAL_REFUSED_SINCE = (3, 31)

# Fields clientv3 only accepts on the BGPConfiguration named "default" (lists only when non-empty).
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
# Prefixes of policy names Calico writes itself; they skip the tier-prefix rule (libcalico-go/lib/names).
GENERATED_POLICY_PREFIXES = ("knp.default.", "ossg.", "kanp.adminnetworkpolicy.", "kbanp.baselineadminnetworkpolicy.")

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_LABEL_RE = re.compile(r"^%s$" % _DNS_LABEL)
_DNS_SUBDOMAIN_RE = re.compile(r"^%s(\.%s)*$" % (_DNS_LABEL, _DNS_LABEL))
# validator.go: names of generated NetworkPolicies (Kubernetes, OpenStack) keep their prefix.
_GENERATED_NP_NAME_RE = re.compile(r"^(knp|ossg)\.default\.%s(\.%s)*$" % (_DNS_LABEL, _DNS_LABEL))
_ONE_DOT_NAME_RE = re.compile(r"^%s(\.%s)?$" % (_DNS_LABEL, _DNS_LABEL))
_DASH_RANGE_RE = re.compile(r"^([0-9]+)-([0-9]+)$")
_COMMUNITY_RE = re.compile(r"^(\d+):(\d+)$|^(\d+):(\d+):(\d+)$")
_INTERFACE_NAME_RE = re.compile(r"^[a-zA-Z0-9_.-]{1,15}$")

DNS_LABEL_TEXT = "a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)"
PORT_TEXT = ("an integer from 1 to 65535, a range \"min:max\" with 1 <= min <= max <= 65535, or %s" % PORT_NAME_TEXT)
PROTOCOL_TEXT = "one of %s (case-sensitive) or an integer from 1 to 255" % ", ".join(PROTOCOL_NAMES)
MAX_NAME_LENGTH = 253


class CalicoValidationError(Exception):
    """Raised by check_resource; ``problems`` holds one sentence per problem."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(CalicoValidationError, self).__init__(" ".join(self.problems))

    def __str__(self):
        return " ".join(self.problems)


def port_problem(value, path):
    """Problem for one rule port (numorstring.Port): number, "min:max" range or a port name."""
    if is_int(value):
        return None if 1 <= value <= 65535 else _bad(path, value, PORT_TEXT)
    if not isinstance(value, str):
        return _bad(path, value, PORT_TEXT)
    if is_digits(value):
        return None if 1 <= int(value) <= 65535 else _bad(path, value, PORT_TEXT)
    if ":" in value:
        return range_problem(value, path, PORT_TEXT)
    if port_name_ok(value):
        return None
    dash = _DASH_RANGE_RE.match(value)
    if dash:
        return ("%s is %s: Calico reads it as a port name, and a port name needs a letter; for the port range "
                "write \"%s:%s\"; expected %s." % (path, show(value), dash.group(1), dash.group(2), PORT_TEXT))
    return _bad(path, value, PORT_TEXT)


def is_named_port(value):
    return isinstance(value, str) and not is_digits(value) and ":" not in value


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


# ---------------------------------------------------------------------------------------------------------
# Public entry points.


def check_resource(resource, calico_version=None):
    """Raise CalicoValidationError listing every problem in ``resource``; return None when it is valid."""
    problems = validation_problems(resource, calico_version)
    if problems:
        raise CalicoValidationError(problems)


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
    spec_for_names = spec if isinstance(spec, dict) else {}
    problems.extend(metadata_problems(kind, metadata, calico_version, spec_for_names))
    if spec is not None and not isinstance(spec, dict):
        problems.append(_bad("spec", spec, "a mapping"))
        return problems
    checker = _SPEC_CHECKERS.get(kind)
    if checker is not None:
        name = metadata.get("name") if isinstance(metadata, dict) else None
        problems.extend(checker(kind, name, spec or {}, calico_version))
    return problems


def validation_warnings(resource, calico_version=None):
    """Sentences about input Calico takes but that almost certainly means something else than it says."""
    if not isinstance(resource, dict) or not isinstance(resource.get("spec"), dict):
        return []
    spec = resource["spec"]
    kind = resource.get("kind")
    warnings = []
    if kind in POLICY_KINDS:
        warnings.extend(_dash_range_warnings(spec))
    if kind == "BGPPeer":
        for key in ("asNumber", "localASNumber"):
            warnings.extend(_asdot_warning(spec.get(key), "spec." + key))
    if kind == "BGPConfiguration":
        warnings.extend(_asdot_warning(spec.get("asNumber"), "spec.asNumber"))
    return warnings


def _dash_range_warnings(spec):
    warnings = []
    for direction in ("ingress", "egress"):
        rules = spec.get(direction)
        for index, rule in enumerate(rules if isinstance(rules, list) else []):
            for side in ("source", "destination"):
                entity = rule.get(side) if isinstance(rule, dict) else None
                for key in ("ports", "notPorts"):
                    ports = entity.get(key) if isinstance(entity, dict) else None
                    for port_index, port in enumerate(ports if isinstance(ports, list) else []):
                        dash = _DASH_RANGE_RE.match(port) if isinstance(port, str) else None
                        if dash:
                            warnings.append(
                                "spec.%s[%d].%s.%s[%d] is %s: Calico takes it as a named port, not as a port range; "
                                "for ports %s to %s write \"%s:%s\"." % (
                                    direction, index, side, key, port_index, show(port), dash.group(1),
                                    dash.group(2), dash.group(1), dash.group(2)))
    return warnings


def _asdot_warning(value, path):
    parts = asdot_parts(value)
    if parts is None:
        return []
    number = parts[0] * 65536 + parts[1]
    return ["%s is %s: Calico reads it as asdot notation, AS %d (%d * 65536 + %d); write %d to say so plainly, or "
            "the plain number you meant." % (path, show(value), number, parts[0], parts[1], number)]


# ---------------------------------------------------------------------------------------------------------
# Metadata and names.


def metadata_problems(kind, metadata, calico_version=None, spec=None):
    if not isinstance(metadata, dict):
        return [_bad("metadata", metadata, "a mapping with at least a name")]
    problems = []
    name = metadata.get("name")
    if name is None or name == "":
        problems.append(_missing("metadata.name", "a non-empty resource name"))
    elif not isinstance(name, str):
        problems.append(_bad("metadata.name", name, "a string"))
    else:
        problem = name_problem(kind, name, calico_version, spec or {})
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
    return len(text) <= MAX_NAME_LENGTH and bool(_DNS_SUBDOMAIN_RE.match(text))


def name_problem(kind, name, calico_version=None, spec=None):
    path = "metadata.name"
    if kind in POLICY_KINDS:
        return policy_name_problem(kind, name, calico_version, spec or {})
    if kind == "KubeControllersConfiguration":
        return None if name == "default" else _bad(path, name, "default (the only name Calico accepts for %s)" % kind)
    if _dns_subdomain_ok(name):
        return None
    return _bad(path, name, "a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)")


def policy_name_problem(kind, name, calico_version, spec):
    """Policy names per release: one label before v3.29, "<label>.<label>" from v3.29 (validator.go), and in
    v3.29-v3.31 the tier prefix rule of clientv3 (libcalico-go/lib/names ValidateTieredPolicyName)."""
    release = release_text(calico_version)
    if len(name) > MAX_NAME_LENGTH:
        return "metadata.name is %s: it is %d characters long; Calico allows at most %d." % (
            show(name), len(name), MAX_NAME_LENGTH)
    generated = kind in ("NetworkPolicy", "StagedNetworkPolicy") and bool(_GENERATED_NP_NAME_RE.match(name))
    if not at_least(calico_version, TIERED_NAMES_SINCE):
        if generated or _DNS_LABEL_RE.match(name):
            return None
        return _bad("metadata.name", name, "in Calico %s a policy name is one DNS-1123 label: lower-case letters, "
                                           "digits and '-', no dots" % release)
    if not (generated or _ONE_DOT_NAME_RE.match(name)):
        return _bad("metadata.name", name, "one or two DNS-1123 labels joined by a dot (name or tier.name): "
                                           "lower-case letters, digits and '-'")
    if at_least(calico_version, TIER_PREFIX_RULE_DROPPED):
        return None
    return _tier_prefix_problem(name, spec.get("tier"), release)


def _tier_prefix_problem(name, tier, release):
    if name.startswith(GENERATED_POLICY_PREFIXES):
        return None
    tier = tier if isinstance(tier, str) and tier else "default"
    if "." not in name and tier == "default":
        return None
    if "." in name and name.startswith(tier + "."):
        return None
    return ("metadata.name is %s with spec.tier %s: Calico %s wants policy names in tier %s to start with \"%s.\" "
            "(names without a dot are only for tier default); expected %s.<name>." % (
                show(name), show(tier), release, tier, tier, tier))


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


def _selector_field_problems(mapping, key, path, global_rule="forbidden", calico_version=None):
    value = mapping.get(key)
    if value is None:
        return []
    strict = at_least(calico_version, GLOBAL_ALONE_TOKEN_CHECK_SINCE)
    return selector_problems(value, "%s.%s" % (path, key), global_rule, strict_global_alone=strict)


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


def policy_problems(kind, name, spec, calico_version=None):
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
    problems.extend(_tier_problems(spec))
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
            problems.extend(rule_problems(rule, "spec.%s[%d]" % (direction, index), direction, is_global,
                                          calico_version))
    if is_global:
        problems.extend(_host_policy_problems(spec))
    return problems


def _tier_problems(spec):
    tier = spec.get("tier")
    if tier is None or (isinstance(tier, str) and _dns_label_ok(tier)):
        return []
    return [_bad("spec.tier", tier, DNS_LABEL_TEXT)]


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


def rule_problems(rule, path, direction, is_global, calico_version=None):
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
        problems.extend(entity_rule_problems(entity, side_path, calico_version))
        if protocol_ok:
            problems.extend(_port_protocol_problems(entity, side_path, rule.get("protocol"), protocol,
                                                    calico_version))
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
    # validator.go checks only icmp (not notICMP) against the protocol, and by name: 1 and 58 do not count.
    if rule.get("icmp") is not None and protocol not in ICMP_PROTOCOLS:
        problems.append("%s.icmp is set but %s.protocol is %s: an icmp match needs protocol ICMP or ICMPv6, "
                        "written as a name." % (path, path, show(rule.get("protocol"))))
    for key in ("protocol", "notProtocol"):
        named = rule.get(key)
        if not isinstance(named, str) or named not in ICMP_PROTOCOLS or ip_version is None:
            continue
        if ICMP_PROTOCOLS[named] != ip_version:
            problems.append("%s.ipVersion is %s but %s.%s is %s: ICMP goes with ipVersion 4 and ICMPv6 with 6." % (
                path, show(ip_version), path, key, show(named)))
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


def entity_rule_problems(entity, path, calico_version=None):
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
            elif key == "notNets" and at_least(calico_version, CATCH_ALL_NOT_NETS_REFUSED_SINCE):
                problems.extend(_catch_all_problem(net, "%s.%s[%d]" % (path, key, index), calico_version))
    problems.extend(_selector_field_problems(entity, "selector", path))
    # Calico does not look for global() in notSelector.
    problems.extend(_selector_field_problems(entity, "notSelector", path, global_rule="ignored"))
    problems.extend(_selector_field_problems(entity, "namespaceSelector", path, "alone", calico_version))
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


def _catch_all_problem(net, path, calico_version):
    parsed = parse_network(net)
    if parsed is None or parsed[1] != 0:
        return []
    return ["%s is %s: Calico %s refuses a catch-all CIDR in notNets (it would match no traffic at all); drop the "
            "rule or use nets instead." % (path, show(net), release_text(calico_version))]


def _service_account_problems(accounts, path):
    if accounts is None:
        return []
    if not isinstance(accounts, dict):
        return [_bad(path, accounts, "a mapping with names and/or selector")]
    problems = _unknown_key_problems(accounts, ("names", "selector"), path, "serviceAccounts")
    problems.extend(_string_list_problems(accounts, "names", path))
    problems.extend(_selector_field_problems(accounts, "selector", path, global_rule="ignored"))
    return problems


def _port_protocol_problems(entity, path, raw_protocol, protocol, calico_version):
    problems = []
    for key in ("ports", "notPorts"):
        ports = entity.get(key)
        if not ports or not isinstance(ports, list) or protocol in PORT_PROTOCOLS:
            continue
        if protocol is None and at_least(calico_version, NAMED_PORTS_WITHOUT_PROTOCOL_SINCE):
            if all(is_named_port(port) for port in ports):
                continue
            problems.append("%s.%s is %s without a protocol: ports given by number or range need protocol TCP, UDP or "
                            "SCTP (or 6, 17, 132); only named ports may go without one." % (path, key, show(ports)))
            continue
        if protocol is None:
            problems.append("%s.%s is set but the rule has no protocol: Calico %s needs protocol TCP, UDP or SCTP (or "
                            "6, 17, 132) for any ports, named ones included." % (
                                path, key, release_text(calico_version)))
            continue
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


def ippool_problems(kind, name, spec, calico_version=None):
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
    if vxlan and network and network[0] == 6 and not at_least(calico_version, IPV6_VXLAN_SINCE):
        problems.append("spec.vxlanMode is %s on IPv6 pool %s: Calico %s has no VXLAN for IPv6 (it arrived in "
                        "v3.23); expected Never." % (show(spec["vxlanMode"]), cidr, release_text(calico_version)))
    for key in ("natOutgoing", "disabled", "disableBGPExport"):
        problems.extend(_bool_problem(spec, key, path))
    pool_global = "forbidden" if at_least(calico_version, POOL_SELECTOR_GLOBAL_REFUSED_SINCE) else "ignored"
    problems.extend(_selector_field_problems(spec, "nodeSelector", path, pool_global))
    problems.extend(_selector_field_problems(spec, "namespaceSelector", path, pool_global))
    problems.extend(_enum_field_problem(spec, "assignmentMode", path, ASSIGNMENT_MODES))
    problems.extend(_allowed_uses_problems(spec, ipip or vxlan, calico_version))
    return problems


def _link_local_problems(cidr, network):
    link_local = "169.254.0.0/16" if network[0] == 4 else "fe80::/10"
    if ip_network(network[2])[0].overlaps(ip_network(link_local)[0]):
        return ["spec.cidr is %s: it overlaps the link-local range %s, which Calico refuses for pools." % (
            show(cidr), link_local)]
    return []


def _block_size_problems(spec, network):
    block_size = spec.get("blockSize")
    version = network[0] if network else None
    if block_size is None or block_size == 0:
        # clientv3 defaults the block size (26 for IPv4, 122 for IPv6) and then checks it like a given one.
        return _pool_fits_block_problems(spec, network, DEFAULT_BLOCK_SIZE[version], True) if network else []
    ranges = [BLOCK_SIZE_RANGE[version]] if version else list(BLOCK_SIZE_RANGE.values())
    allowed = " or ".join("%d to %d for IPv%d" % (lo, hi, v) for v, (lo, hi) in sorted(BLOCK_SIZE_RANGE.items())
                          if version in (None, v))
    if not is_int(block_size) or not any(lo <= block_size <= hi for lo, hi in ranges):
        return [_bad("spec.blockSize", block_size, "an integer from %s" % allowed)]
    return _pool_fits_block_problems(spec, network, block_size, False) if network else []


def _pool_fits_block_problems(spec, network, block_size, defaulted):
    if block_size >= network[1] or spec.get("disabled") is True:
        return []
    if defaulted:
        return ["spec.blockSize is unset, so Calico uses its default %d, but the pool %s has prefix length %d: set "
                "spec.blockSize to at least %d (and at most %d), or use a pool of /%d or larger." % (
                    block_size, spec.get("cidr"), network[1], network[1], BLOCK_SIZE_RANGE[network[0]][1],
                    block_size)]
    return ["spec.blockSize is %d but the pool %s has prefix length %d: expected a block size of at least %d." % (
        block_size, spec.get("cidr"), network[1], network[1])]


def _allowed_uses_problems(spec, encapsulated, calico_version):
    uses = spec.get("allowedUses")
    if uses is not None and not isinstance(uses, list):
        return [_bad("spec.allowedUses", uses, "a list of %s" % ", ".join(ALLOWED_USES))]
    known = ALLOWED_USES if at_least(calico_version, LOAD_BALANCER_SINCE) else DEFAULT_ALLOWED_USES
    problems = []
    for index, use in enumerate(uses or []):
        if use == "LoadBalancer" and use not in known:
            problems.append("spec.allowedUses[%d] is \"LoadBalancer\": Calico %s does not know it (it arrived in "
                            "v3.30); expected Workload or Tunnel." % (index, release_text(calico_version)))
            continue
        problem = enum_problem(use, "spec.allowedUses[%d]" % index, known)
        if problem:
            problems.append(problem)
        elif uses.index(use) != index:
            problems.append("spec.allowedUses[%d] is %s: it is listed twice." % (index, show(use)))
    # clientv3 defaults an empty list to Workload and Tunnel before validating.
    effective = uses or list(DEFAULT_ALLOWED_USES)
    if "LoadBalancer" in effective and "LoadBalancer" in known:
        problems.extend(_load_balancer_pool_problems(spec, effective, encapsulated))
    namespace_selector = spec.get("namespaceSelector")
    if ("Tunnel" in effective and namespace_selector not in (None, "")
            and at_least(calico_version, TUNNEL_NAMESPACE_SELECTOR_REFUSED_SINCE)):
        problems.append("spec.namespaceSelector is %s on a pool whose allowedUses %s Tunnel: tunnel addresses "
                        "belong to no namespace; drop the namespaceSelector or set allowedUses: [Workload]." % (
                            show(namespace_selector), "include" if uses else "default to Workload and"))
    return problems


def _load_balancer_pool_problems(spec, uses, encapsulated):
    problems = []
    if "Workload" in uses or "Tunnel" in uses:
        problems.append("spec.allowedUses is %s: LoadBalancer cannot be combined with Workload or Tunnel." % show(uses))
    if encapsulated:
        problems.append("spec.allowedUses is %s: a LoadBalancer pool cannot have IPIP or VXLAN enabled." % show(uses))
    if spec.get("disableBGPExport") is True:
        problems.append("spec.disableBGPExport is true on a LoadBalancer pool: Calico requires false, so the "
                        "service addresses are advertised.")
    selector = spec.get("nodeSelector")
    if selector not in (None, "", "all()"):
        problems.append("spec.nodeSelector is %s on a LoadBalancer pool: Calico requires exactly \"all()\" (or no "
                        "nodeSelector)." % show(selector))
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


def bgppeer_problems(kind, name, spec, calico_version=None):
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
        problems.extend(_selector_field_problems(spec, key, path, global_rule="ignored"))
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


def log_severities(calico_version):
    """Felix and BGP log levels of the release: Calico's logLevel validator takes Trace from v3.31."""
    if at_least(calico_version, TRACE_SINCE):
        return LOG_SEVERITIES
    return tuple(level for level in LOG_SEVERITIES if level != "Trace")


def _log_severity_problems(mapping, key, path, allowed, calico_version):
    value = mapping.get(key)
    if value is None or value == "":
        return []
    if value == "Trace" and "Trace" not in allowed:
        return ["%s.%s is \"Trace\": Calico %s does not take it here; expected %s." % (
            path, key, release_text(calico_version), _one_of(allowed))]
    return _enum_field_problem(mapping, key, path, allowed)


def bgpconfig_problems(kind, name, spec, calico_version=None):
    path = "spec"
    problems = _unknown_key_problems(spec, BGPCONFIG_KEYS, path, "BGPConfiguration")
    if name != "default":
        for key in BGP_GLOBAL_ONLY_FIELDS:
            if spec.get(key) is not None and spec.get(key) != []:
                problems.append("spec.%s is %s on BGPConfiguration %s: Calico only accepts it on the BGPConfiguration "
                                "named default." % (key, show(spec[key]), show(name)))
    if spec.get("asNumber") is not None:
        problem = as_number_problem(spec["asNumber"], "spec.asNumber")
        if problem:
            problems.append(problem)
    problems.extend(_bool_problem(spec, "nodeToNodeMeshEnabled", path))
    problems.extend(_int_range_problem(spec, "listenPort", path, 1, 65535))
    problems.extend(_log_severity_problems(spec, "logSeverityScreen", path, log_severities(calico_version),
                                           calico_version))
    problems.extend(_enum_field_problem(spec, "bindMode", path, BIND_MODES))
    problems.extend(_enum_field_problem(spec, "programClusterRoutes", path, ENABLED_DISABLED))
    problems.extend(_enum_field_problem(spec, "serviceLoadBalancerAggregation", path, ENABLED_DISABLED))
    for key in ("ipv4NormalRoutePriority", "ipv6NormalRoutePriority"):
        problems.extend(_int_range_problem(spec, key, path, 1, 2147483646))
    for key in ("serviceClusterIPs", "serviceExternalIPs", "serviceLoadBalancerIPs"):
        problems.extend(_cidr_block_list_problems(spec, key, path))
    problems.extend(_community_problems(spec, path))
    problems.extend(_prefix_advertisement_problems(spec, path))
    problems.extend(_secret_key_ref_problems(spec.get("nodeMeshPassword"), "spec.nodeMeshPassword"))
    problems.extend(_duration_field_problem(spec, "nodeMeshMaxRestartTime", path))
    problems.extend(_string_list_problems(spec, "ignoredInterfaces", path))
    if spec.get("nodeToNodeMeshEnabled") is False:
        for key in ("nodeMeshPassword", "nodeMeshMaxRestartTime"):
            if spec.get(key) is not None:
                problems.append("spec.%s is set while spec.nodeToNodeMeshEnabled is false: it only applies to the "
                                "node-to-node mesh." % key)
    return problems


def _bgp_cidr_problem(value, path):
    # The "net" tag: a strictly masked CIDR, or a bare address (taken as /32 or /128).
    return cidr_problem(value, path, strict=True, allow_bare_ip=True)


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
        if block.get("cidr") in (None, ""):
            continue
        cidr = _bgp_cidr_problem(block.get("cidr"), item_path + ".cidr")
        if cidr:
            problems.append(cidr)
    return problems


def community_value_problem(value, path):
    """BGP community "aa:nn" (16-bit parts) or large community "aa:nn:mm" (32-bit parts), or None."""
    allowed = "a BGP community aa:nn (each part 0 to 65535) or a large community aa:nn:mm (each part 0 to 4294967295)"
    match = _COMMUNITY_RE.match(value) if isinstance(value, str) else None
    if not match:
        return _bad(path, value, allowed)
    parts = [int(part) for part in value.split(":")]
    limit = 65535 if len(parts) == 2 else 4294967295
    if any(part > limit for part in parts):
        return "%s is %s: a part is above %d; expected %s." % (path, show(value), limit, allowed)
    return None


def _community_problems(spec, path):
    problem = _list_problem(spec, "communities", path, "a list of {name, value} mappings")
    if problem:
        return [problem]
    problems = []
    communities = spec.get("communities") or []
    for index, community in enumerate(communities):
        item_path = "%s.communities[%d]" % (path, index)
        if not isinstance(community, dict):
            problems.append(_bad(item_path, community, "a mapping with name and value"))
            continue
        name = community.get("name")
        if not isinstance(name, str) or not _dns_subdomain_ok(name):
            problems.append(_bad(item_path + ".name", name, "a name made of lower-case letters, digits, '-' and '.'"))
        problem = community_value_problem(community.get("value"), item_path + ".value")
        if problem:
            problems.append(problem)
    if communities and not spec.get("prefixAdvertisements"):
        problems.append("spec.communities is set but spec.prefixAdvertisements is empty: Calico refuses communities "
                        "that no prefix advertisement uses; add prefixAdvertisements that name them.")
    return problems


def _prefix_advertisement_problems(spec, path):
    problem = _list_problem(spec, "prefixAdvertisements", path, "a list of {cidr, communities} mappings")
    if problem:
        return [problem]
    defined = [c.get("name") for c in spec.get("communities") or [] if isinstance(c, dict)]
    problems = []
    for index, advert in enumerate(spec.get("prefixAdvertisements") or []):
        item_path = "%s.prefixAdvertisements[%d]" % (path, index)
        if not isinstance(advert, dict):
            problems.append(_bad(item_path, advert, "a mapping with cidr and communities"))
            continue
        if advert.get("cidr") in (None, ""):
            problems.append(_missing(item_path + ".cidr", "the advertised CIDR, such as 198.19.16.0/21"))
        else:
            cidr = _bgp_cidr_problem(advert.get("cidr"), item_path + ".cidr")
            if cidr:
                problems.append(cidr)
        problems.extend(_advert_community_problems(advert.get("communities"), item_path + ".communities", defined))
    return problems


def _advert_community_problems(communities, path, defined):
    if not isinstance(communities, list) or not communities:
        return [_bad(path, communities, "a non-empty list of community values or names from spec.communities")]
    problems = []
    for index, community in enumerate(communities):
        item_path = "%s[%d]" % (path, index)
        if isinstance(community, str) and _COMMUNITY_RE.match(community):
            problem = community_value_problem(community, item_path)
            if problem:
                problems.append(problem)
        elif community not in defined:
            problems.append(_bad(item_path, community, "a community value aa:nn or aa:nn:mm, or a name defined in "
                                                       "spec.communities (%s)" % (", ".join(
                                                           str(d) for d in defined) or "none defined")))
    return problems


# ---------------------------------------------------------------------------------------------------------
# FelixConfiguration, KubeControllersConfiguration, HostEndpoint.


def felix_problems(kind, name, spec, calico_version=None):
    problems = felix_setting_problems(spec, "spec", calico_version)
    selector = spec.get("nodeSelector") if field_exists("nodeSelector", calico_version) else None
    if selector not in (None, "") and isinstance(name, str) and (name == "default" or name.startswith("node.")):
        problems.append("spec.nodeSelector is %s on FelixConfiguration %s: a node selector is only allowed on "
                        "FelixConfigurations named other than default and node.<nodename>." % (
                            show(selector), show(name)))
    if isinstance(selector, str) and len(selector) > 1024:
        problems.append("spec.nodeSelector is %d characters long: Calico allows at most 1024." % len(selector))
    return problems


def kcc_log_severities(calico_version):
    if at_least(calico_version, TRACE_SINCE) and not at_least(calico_version, (3, 32)):
        return ("Trace",) + KCC_LOG_SEVERITIES
    return KCC_LOG_SEVERITIES


def kcc_problems(kind, name, spec, calico_version=None):
    path = "spec"
    problems = _unknown_key_problems(spec, ("controllers", "logSeverityScreen", "healthChecks", "etcdV3CompactionPeriod",
                                            "prometheusMetricsPort", "debugProfilePort"), path,
                                     "KubeControllersConfiguration")
    problems.extend(_log_severity_problems(spec, "logSeverityScreen", path, kcc_log_severities(calico_version),
                                           calico_version))
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
        problems.extend(_controller_problems(controller, controllers[controller]))
    return problems


def _controller_problems(controller, settings):
    cpath = "spec.controllers.%s" % controller
    if settings is None:
        return []
    if not isinstance(settings, dict):
        return [_bad(cpath, settings, "a mapping of controller settings")]
    problems = []
    for key in ("reconcilerPeriod", "leakGracePeriod"):
        problems.extend(_duration_field_problem(settings, key, cpath))
    problems.extend(_enum_field_problem(settings, "syncLabels", cpath, ENABLED_DISABLED))
    host_endpoint = settings.get("hostEndpoint")
    if controller == "node" and host_endpoint is not None:
        if not isinstance(host_endpoint, dict):
            problems.append(_bad(cpath + ".hostEndpoint", host_endpoint, "a mapping with autoCreate"))
        else:
            for key in ("autoCreate", "createDefaultHostEndpoint"):
                problems.extend(_enum_field_problem(host_endpoint, key, cpath + ".hostEndpoint", ENABLED_DISABLED))
    return problems


def hostendpoint_problems(kind, name, spec, calico_version=None):
    path = "spec"
    problems = _unknown_key_problems(spec, HOSTENDPOINT_KEYS, path, "HostEndpoint")
    node = spec.get("node")
    if node in (None, ""):
        problems.append(_missing("spec.node", "the name of the node this host endpoint belongs to"))
    elif not isinstance(node, str) or not _dns_subdomain_ok(node):
        problems.append(_bad("spec.node", node, "a node name (DNS-1123 subdomain)"))
    interface = spec.get("interfaceName")
    if interface not in (None, "", "*") and (not isinstance(interface, str) or not _INTERFACE_NAME_RE.match(interface)):
        problems.append(_bad("spec.interfaceName", interface, "an interface name of 1 to 15 characters from letters, "
                                                              "digits, '_', '.' and '-', or \"*\" for all interfaces"))
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
        if not port_name_ok(port.get("name")):
            problems.append(_bad(path + ".name", port.get("name"), PORT_NAME_TEXT))
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
