"""What Calico's own write path adds to projectcalico.org/v3 objects, written from the reference facts.

Sources: shared/reference/calico-facts.md section 1 (policy `types`, IPPool and KubeControllersConfiguration
defaults, the validator rules for preDNAT/doNotTrack/applyOnForward) and section 2 (clientv3 defaulting on every
write, the `projectcalico.org/tier` label from v3.29), and Calico's source read at the tags named:
* FelixConfiguration as Go serialises it (api/pkg/apis/projectcalico/v3/felixconfig.go, v3.21.6 ~329/~419-424,
  v3.32.1 ~707/~1142-1172): `bpfLogLevel` has no `omitempty`, so every Go writer (the API server, the operator,
  calico-node, calicoctl) emits `bpfLogLevel: ""`; in failsafe ProtoPort entries v3.21.6 always emits `protocol`,
  `port` and `net`, v3.32.1 always emits `port`; RouteTableRange `min`/`max` and HealthTimeoutOverride
  `name`/`timeout` are always emitted too.
* clientv3 `setDefaults` (libcalico-go/lib/clientv3/felixconfig.go v3.21.6 ~109, v3.32.1 ~114) on every create and
  update: `floatingIPs: Disabled`; v3.32.1 also `bpfConnectTimeLoadBalancing: TCP` and
  `bpfHostNetworkedNATWithoutCTLB: Enabled`, or, when `bpfConnectTimeLoadBalancingEnabled` is set, `Enabled`/
  `Disabled` from it and `bpfHostNetworkedNATWithoutCTLB: Disabled`. clientv3 is the aggregated API server's
  storage path; native v3 CRDs have no clientv3 in the write path.
* Native v3 CRDs' MutatingAdmissionPolicies (manifests/calico-v3-crds.yaml v3.32.1 ~7554-7650): policy `types`
  defaulted only when `types` is absent, by presence (`has(object.spec.egress)`, so `egress: []` counts), and
  the `projectcalico.org/tier` label set from `spec.tier`.
This is an independent re-statement for a test double: it shares no code with plugins/module_utils, so the
modules are tested against behaviour, not against themselves.
"""
import ipaddress
import re

POLICY_KINDS = ("NetworkPolicy", "GlobalNetworkPolicy", "StagedNetworkPolicy", "StagedGlobalNetworkPolicy")
TIER_LABEL = "projectcalico.org/tier"
PROTOCOL_NAMES = ("TCP", "UDP", "ICMP", "ICMPv6", "SCTP", "UDPLite")


def default_policy_types(spec, by_presence=False):
    """No egress rules -> [Ingress]; egress only -> [Egress]; both -> both (only when `types` is unset).

    clientv3 counts non-empty rule lists; the native CRDs' admission policy counts present keys.
    """
    if by_presence:
        if "types" in spec:
            return
        has_egress, has_ingress = "egress" in spec, "ingress" in spec
    elif spec.get("types"):
        return
    else:
        has_egress, has_ingress = bool(spec.get("egress")), bool(spec.get("ingress"))
    spec["types"] = ["Ingress", "Egress"] if has_egress and has_ingress else ["Egress"] if has_egress else \
        ["Ingress"]


def default_ippool(spec):
    if not isinstance(spec.get("cidr"), str):
        return
    try:
        network = ipaddress.ip_network(spec.get("cidr", ""), strict=False)
    except (TypeError, ValueError):
        return  # the validator reports the bad CIDR
    if "/" not in spec["cidr"]:
        return
    spec["cidr"] = str(network)
    spec.setdefault("blockSize", 26 if network.version == 4 else 122)
    spec.setdefault("ipipMode", "Never")
    spec.setdefault("vxlanMode", "Never")
    spec.setdefault("nodeSelector", "all()")
    spec.setdefault("allowedUses", ["Workload", "Tunnel"])


def default_kube_controllers(spec):
    spec.setdefault("prometheusMetricsPort", 9094)
    node = (spec.get("controllers") or {}).get("node")
    if isinstance(node, dict):
        node.setdefault("leakGracePeriod", "15m")


def default_felix_configuration(spec, calico_version):
    """clientv3 setDefaults for FelixConfiguration, per release."""
    spec.setdefault("floatingIPs", "Disabled")
    if calico_version < (3, 32):
        return
    spec.setdefault("bpfConnectTimeLoadBalancing", "TCP")
    spec.setdefault("bpfHostNetworkedNATWithoutCTLB", "Enabled")
    enabled = spec.get("bpfConnectTimeLoadBalancingEnabled")
    if isinstance(enabled, bool):
        spec["bpfHostNetworkedNATWithoutCTLB"] = "Disabled"
        spec["bpfConnectTimeLoadBalancing"] = "Enabled" if enabled else "Disabled"


def apply_calico_defaults(kind, obj, label_tiers, aggregated=True, calico_version=(3, 32)):
    """Default `obj` in place as Calico's write path does: clientv3 (aggregated) or the native admission policies."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if kind in POLICY_KINDS:
        default_policy_types(spec, by_presence=not aggregated)
        if label_tiers and spec.get("tier"):
            obj.setdefault("metadata", {}).setdefault("labels", {})[TIER_LABEL] = spec["tier"]
    elif kind == "IPPool":
        default_ippool(spec)
    elif kind == "KubeControllersConfiguration":
        default_kube_controllers(spec)
    elif kind == "FelixConfiguration" and aggregated:
        default_felix_configuration(spec, calico_version)


def go_serialise(kind, obj, calico_version):
    """Add the fields Go's encoder always writes (no `omitempty`): what every Go writer's object carries."""
    spec = obj.get("spec")
    if kind != "FelixConfiguration" or not isinstance(spec, dict):
        return obj
    spec.setdefault("bpfLogLevel", "")
    always = ("protocol", "port", "net") if calico_version < (3, 32) else ("port",)
    for key in ("failsafeInboundHostPorts", "failsafeOutboundHostPorts"):
        for entry in spec.get(key) or []:
            if isinstance(entry, dict):
                for field in always:
                    entry.setdefault(field, 0 if field == "port" else "")
    for entry in spec.get("routeTableRanges") or []:
        if isinstance(entry, dict):
            entry.setdefault("min", 0)
            entry.setdefault("max", 0)
    if isinstance(spec.get("routeTableRange"), dict):
        spec["routeTableRange"].setdefault("min", 0)
        spec["routeTableRange"].setdefault("max", 0)
    for entry in spec.get("healthTimeoutOverrides") or []:
        if isinstance(entry, dict):
            entry.setdefault("name", "")
            entry.setdefault("timeout", "0s")
    return obj


def calico_rule_errors(kind, obj, old):
    """The CEL / validator rules the fake can state in Python: yield (field, reason, message)."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    if kind in ("GlobalNetworkPolicy", "StagedGlobalNetworkPolicy"):
        pre_dnat, untracked = spec.get("preDNAT") is True, spec.get("doNotTrack") is True
        if pre_dnat and untracked:
            yield "spec", "FieldValueForbidden", "Forbidden: preDNAT and doNotTrack cannot both be true"
        if pre_dnat and spec.get("egress"):
            yield "spec", "FieldValueForbidden", "Forbidden: preDNAT policy cannot have any egress rules"
        if pre_dnat and "Egress" in (spec.get("types") or []):
            yield "spec", "FieldValueForbidden", "Forbidden: preDNAT policy cannot have 'Egress' type"
        if (pre_dnat or untracked) and spec.get("applyOnForward") is not True:
            yield "spec", "FieldValueInvalid", \
                "Invalid value: \"object\": applyOnForward must be true if either preDNAT or doNotTrack is true"
    if kind == "IPPool":
        yield from ippool_errors(spec, (old or {}).get("spec") or {})
    if kind == "KubeControllersConfiguration" and obj.get("metadata", {}).get("name") != "default":
        yield "metadata.name", "FieldValueInvalid", "Invalid value: %r: only 'default' is accepted" % (
            obj.get("metadata", {}).get("name"),)


def ippool_errors(spec, old_spec):
    cidr = spec.get("cidr")
    try:
        network = ipaddress.ip_network(cidr or "", strict=True)
        if "/" not in cidr:
            raise ValueError("no prefix length")
    except (TypeError, ValueError):
        yield "spec.cidr", "FieldValueInvalid", "Invalid value: \"%s\": IP pool CIDR must be a masked network" % cidr
        return
    encap = [m for m in (spec.get("ipipMode"), spec.get("vxlanMode")) if m not in (None, "", "Never")]
    if len(encap) == 2:
        yield "spec", "FieldValueForbidden", "Forbidden: ipipMode and vxlanMode cannot both be enabled"
    if network.version == 6 and spec.get("ipipMode") not in (None, "", "Never"):
        yield "spec", "FieldValueForbidden", "Forbidden: IPIP is not supported on IPv6 pools"
    size, low = spec.get("blockSize"), (20 if network.version == 4 else 116)
    high = 32 if network.version == 4 else 128
    if isinstance(size, int) and not low <= size <= high:
        yield "spec.blockSize", "FieldValueInvalid", "Invalid value: %d: must be in the range %d-%d" % (size, low, high)
    for field in ("cidr", "blockSize"):
        if old_spec.get(field) is not None and old_spec.get(field) != spec.get(field):
            yield "spec." + field, "FieldValueInvalid", "Invalid value: %s: %s cannot be changed" % (
                spec.get(field), field)


# --- the aggregated API server decodes into Go types (numorstring, ASNumber) and re-encodes them -------------------

def _number_if_digits(value):
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _rules(spec):
    for direction in ("ingress", "egress"):
        for rule in spec.get(direction) or []:
            if isinstance(rule, dict):
                yield direction, rule


def canonicalise_typed(kind, obj):
    """Re-encode as the typed server does: "80" -> 80 for ports and protocols, AS numbers "64512"/"1.10" -> int."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if kind in POLICY_KINDS:
        for _direction, rule in _rules(spec):
            for key in ("protocol", "notProtocol"):
                if key in rule:
                    rule[key] = _number_if_digits(rule[key])
            for side in (rule.get("source"), rule.get("destination")):
                for key in ("ports", "notPorts"):
                    if isinstance(side, dict) and isinstance(side.get(key), list):
                        side[key] = [_number_if_digits(port) for port in side[key]]
    if kind in ("BGPPeer", "BGPConfiguration") and isinstance(spec.get("asNumber"), str):
        match = re.match(r"^(\d+)(?:\.(\d+))?$", spec["asNumber"])
        if match:
            high, low = match.groups()
            spec["asNumber"] = int(high) * 65536 + int(low) if low is not None else int(high)


def typed_rule_errors(kind, obj):
    """The clientv3 validator's protocol rule: exact names (case-sensitive) or 1-255."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    if kind not in POLICY_KINDS:
        return
    for direction, rule in _rules(spec):
        index = spec[direction].index(rule)
        for key in ("protocol", "notProtocol"):
            value = rule.get(key)
            if value is None or value in PROTOCOL_NAMES or (isinstance(value, int) and 1 <= value <= 255):
                continue
            yield "spec.%s[%d].%s" % (direction, index, key), "FieldValueInvalid", \
                "Invalid value: %r: protocol must be one of %s or a number 1-255" % (value, ", ".join(PROTOCOL_NAMES))
