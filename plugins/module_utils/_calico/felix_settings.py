# -*- coding: utf-8 -*-
# Copyright (c) calicolab.ccol1 contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Catalogue of FelixConfiguration (projectcalico.org/v3) spec fields and their value rules, per Calico release.

The field list is the union of the FelixConfiguration types of Calico v3.21 to v3.32
(``api/pkg/apis/projectcalico/v3/felixconfig.go`` at the last patch of each minor release); each field says
from which release it exists and, where it was removed, the last release that has it, so a setting the
cluster's release does not know fails with the closest setting it does know. A field added by a patch release
counts for its whole minor release. Value ranges are only given where Calico itself states them (its validator
tags or CRD schema). Enum spellings are compared case-sensitively unless Calico accepts any case for that
field; enums held in plain Go strings also accept "" (unset), which every Go writer emits for ``bpfLogLevel``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re
from collections import namedtuple

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.api import (
    OLDEST_CALICO_VERSION,
    at_least,
    release,
    release_text,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.values import (
    cidr_problem,
    duration_problem,
    port_range_problem,
    selector_problems,
    show,
)

# kind: bool | int | str | duration | enum | list | object | port_range | int_or_str
#  values: enum spellings, or the known keys of an object
#  item_kind / value_kind: how list items or object values are checked
#  since / until: the first and last (major, minor) release that has the field (until None: still there)
#  empty_ok: "" means unset (a plain Go string with omitempty)
#  value_since: enum values that a later release added, with that release
FelixField = namedtuple("FelixField", "kind values minimum maximum pattern case_sensitive item_kind since until "
                                      "empty_ok value_since")

PROTOPORT_PROTOCOLS = ("TCP", "UDP", "SCTP")
CONNTRACK_TIMEOUT_KEYS = (
    "creationGracePeriod", "genericTimeout", "icmpTimeout", "tcpEstablished",
    "tcpFinsSeen", "tcpResetSeen", "tcpSynSent", "udpTimeout",
)
_CONNTRACK_TIMEOUT_RE = re.compile(r"^(([0-9]*(\.[0-9]*)?(ms|s|h|m|us)+)+|Auto)$")
LOG_LEVELS = ("Trace", "Debug", "Info", "Warning", "Error", "Fatal")
# Calico's logLevel validator takes Trace from v3.31 (validator.go logLevelRegex).
TRACE_SINCE = (3, 31)
# From v3.27 the FelixConfiguration CRD gives most duration fields a pattern that refuses fractions.
CRD_DURATION_PATTERN_SINCE = (3, 27)
# Duration fields that carry no such pattern (checked against the v3.32.1 CRDs).
UNPATTERNED_DURATIONS = ("dataplaneWatchdogTimeout", "nftablesRefreshInterval", "liveMigrationRouteConvergenceTime")
ROUTE_TABLE_MAX = 250
ROUTE_TABLE_ID_MAX = 4294967295


def _field(kind, values=None, minimum=None, maximum=None, pattern=None, case_sensitive=True, item_kind=None,
           empty_ok=False, value_since=None):
    return FelixField(kind, values, minimum, maximum, pattern, case_sensitive, item_kind, OLDEST_CALICO_VERSION,
                      None, empty_ok, value_since or {})


def _bool():
    return _field("bool")


def _int(minimum=None, maximum=None):
    return _field("int", minimum=minimum, maximum=maximum)


def _str(pattern=None, kind="str"):
    return _field(kind, pattern=pattern)


def _duration():
    return _field("duration")


def _enum(*values, **options):
    return _field("enum", values=tuple(values), case_sensitive=options.get("case_sensitive", True),
                  empty_ok=options.get("empty_ok", False), value_since=options.get("value_since"))


def _log_level():
    return _enum(*LOG_LEVELS, empty_ok=True, value_since={"Trace": TRACE_SINCE})


def _list(item_kind):
    return _field("list", item_kind=item_kind)


def _object(keys, value_kind):
    return _field("object", values=None if keys is None else tuple(keys), item_kind=value_kind)


def _port_range():
    return _field("port_range")


def _int_or_str():
    return _field("int_or_str")


FELIX_FIELDS = {
    'allowIPIPPacketsFromWorkloads': _bool(),
    'allowVXLANPacketsFromWorkloads': _bool(),
    'awsSrcDstCheck': _enum('DoNothing', 'Enable', 'Disable'),
    'bpfAttachType': _enum('TC', 'TCX'),
    'bpfConnectTimeLoadBalancing': _enum('TCP', 'Enabled', 'Disabled'),
    'bpfConnectTimeLoadBalancingEnabled': _bool(),
    'bpfConntrackLogLevel': _enum('Off', 'Debug', empty_ok=True),
    'bpfConntrackMode': _enum('Auto', 'Userspace', 'BPFProgram'),
    'bpfConntrackTimeouts': _object(CONNTRACK_TIMEOUT_KEYS, value_kind='conntrack_timeout'),
    'bpfCTLBLogFilter': _str(),
    'bpfDataIfacePattern': _str(),
    'bpfDisableGROForIfaces': _str(),
    'bpfDisableUnprivileged': _bool(),
    'bpfDSROptoutCIDRs': _list('cidr'),
    'bpfEnabled': _bool(),
    'bpfEnforceRPF': _enum('Disabled', 'Strict', 'Loose', case_sensitive=False, empty_ok=True),
    'bpfExcludeCIDRsFromNAT': _list('cidr'),
    'bpfExportBufferSizeMB': _int(),
    'bpfExternalServiceMode': _enum('Tunnel', 'DSR', empty_ok=True),
    'bpfExtToServiceConnmark': _int(minimum=0, maximum=4294967295),
    'bpfForceTrackPacketsFromIfaces': _list('str'),
    'bpfHostConntrackBypass': _bool(),
    'bpfHostNetworkedNATWithoutCTLB': _enum('Enabled', 'Disabled'),
    'bpfJITHardening': _enum('Auto', 'Strict'),
    'bpfKubeProxyHealthzPort': _int(minimum=0, maximum=65535),
    'bpfKubeProxyEndpointSlicesEnabled': _bool(),
    'bpfKubeProxyIptablesCleanupEnabled': _bool(),
    'bpfKubeProxyMinSyncPeriod': _duration(),
    'bpfL3IfacePattern': _str(),
    'bpfLogFilters': _object(None, value_kind='str'),
    'bpfLogLevel': _enum('Off', 'Info', 'Debug', empty_ok=True),
    'bpfMaglevMaxEndpointsPerService': _int(),
    'bpfMaglevMaxServices': _int(),
    'bpfMapSizeConntrack': _int(),
    'bpfMapSizeConntrackCleanupQueue': _int(minimum=1),
    'bpfMapSizeConntrackScaling': _enum('Disabled', 'DoubleIfFull', case_sensitive=False, empty_ok=True),
    'bpfMapSizeIfState': _int(),
    'bpfMapSizeIPSets': _int(),
    'bpfMapSizeNATAffinity': _int(),
    'bpfMapSizeNATBackend': _int(),
    'bpfMapSizeNATFrontend': _int(),
    'bpfMapSizePerCpuConntrack': _int(),
    'bpfMapSizeRoute': _int(),
    'bpfPolicyDebugEnabled': _bool(),
    'bpfProfiling': _enum('Enabled', 'Disabled', empty_ok=True),
    'bpfPSNATPorts': _port_range(),
    'bpfRedirectToPeer': _enum('Enabled', 'Disabled', empty_ok=True),
    'cgroupV2Path': _str(),
    'chainInsertMode': _enum('Insert', 'Append', case_sensitive=False, empty_ok=True),
    'dataplaneDriver': _str(),
    'dataplaneWatchdogTimeout': _duration(),
    'debugDisableLogDropping': _bool(),
    'debugHost': _str(),
    'debugMemoryProfilePath': _str(),
    'debugPort': _int(minimum=0, maximum=65535),
    'debugSimulateCalcGraphHangAfter': _duration(),
    'debugSimulateDataplaneApplyDelay': _duration(),
    'debugSimulateDataplaneHangAfter': _duration(),
    'defaultEndpointToHostAction': _enum('Drop', 'Accept', 'Return', empty_ok=True),
    'deviceRouteProtocol': _int(),
    'deviceRouteSourceAddress': _str(),
    'deviceRouteSourceAddressIPv6': _str(),
    'disableConntrackInvalidCheck': _bool(),
    'endpointReportingDelay': _duration(),
    'endpointReportingEnabled': _bool(),
    'endpointStatusPathPrefix': _str(),
    'externalNodesList': _list('cidr'),
    'failsafeInboundHostPorts': _list('protoport'),
    'failsafeOutboundHostPorts': _list('protoport'),
    'featureDetectOverride': _str(pattern='^([a-zA-Z0-9-_]+=(true|false|),)*([a-zA-Z0-9-_]+=(true|false|))?$'),
    'featureGates': _str(pattern='^([a-zA-Z0-9-_]+=([^=]+),)*([a-zA-Z0-9-_]+=([^=]+))?$'),
    'floatingIPs': _enum('Enabled', 'Disabled'),
    'flowLogsCollectorDebugTrace': _bool(),
    'flowLogsFlushInterval': _duration(),
    'flowLogsGoldmaneServer': _str(),
    'flowLogsLocalReporter': _enum('Disabled', 'Enabled'),
    'flowLogsPolicyEvaluationMode': _enum('None', 'Continuous'),
    'genericXDPEnabled': _bool(),
    'goGCThreshold': _int(),
    'goMaxProcs': _int(),
    'goMemoryLimitMB': _int(),
    'healthEnabled': _bool(),
    'healthHost': _str(),
    'healthPort': _int(minimum=0, maximum=65535),
    'healthTimeoutOverrides': _list('health_timeout'),
    'interfaceExclude': _str(),
    'interfacePrefix': _str(),
    'interfaceRefreshInterval': _duration(),
    'ipForwarding': _enum('Enabled', 'Disabled', empty_ok=True),
    'ipipEnabled': _bool(),
    'ipipMTU': _int(),
    'ipsetsRefreshInterval': _duration(),
    'iptablesBackend': _enum('Legacy', 'NFT', 'Auto', value_since={'Auto': (3, 25)}),
    'iptablesFilterAllowAction': _enum('Accept', 'Return', empty_ok=True),
    'iptablesFilterDenyAction': _enum('Drop', 'Reject', empty_ok=True),
    'iptablesLockFilePath': _str(),
    'iptablesLockProbeInterval': _duration(),
    'iptablesLockTimeout': _duration(),
    'iptablesMangleAllowAction': _enum('Accept', 'Return', empty_ok=True),
    'iptablesMarkMask': _int(minimum=0, maximum=4294967295),
    'iptablesNATOutgoingInterfaceFilter': _str(),
    'iptablesPostWriteCheckInterval': _duration(),
    'iptablesRefreshInterval': _duration(),
    'ipv4ElevatedRoutePriority': _int(),
    'ipv4NormalRoutePriority': _int(),
    'ipv6ElevatedRoutePriority': _int(),
    'ipv6NormalRoutePriority': _int(),
    'ipv6Support': _bool(),
    'istioAmbientMode': _enum('Enabled', 'Disabled'),
    'istioDSCPMark': _int_or_str(),
    'kubeNodePortRanges': _list('port_range'),
    'liveMigrationRouteConvergenceTime': _duration(),
    'logActionRateLimit': _str(pattern='^[1-9]\\d{0,3}/(?:second|minute|hour|day)$'),
    'logActionRateLimitBurst': _int(minimum=0, maximum=9999),
    'logDebugFilenameRegex': _str(),
    'logFilePath': _str(),
    'logPrefix': _str(pattern='^([a-zA-Z0-9%: /_-])*$'),
    'logSeverityFile': _log_level(),
    'logSeverityScreen': _log_level(),
    'logSeveritySys': _log_level(),
    'maxIpsetSize': _int(),
    'metadataAddr': _str(),
    'metadataPort': _int(minimum=0, maximum=65535),
    'mtuIfacePattern': _str(),
    'natOutgoingAddress': _str(),
    'natOutgoingExclusions': _enum('IPPoolsOnly', 'IPPoolsAndHostIPs'),
    'natPortRange': _port_range(),
    'netlinkTimeout': _duration(),
    'nftablesFilterAllowAction': _enum('Accept', 'Return', empty_ok=True),
    'nftablesFilterDenyAction': _enum('Drop', 'Reject', empty_ok=True),
    'nftablesMangleAllowAction': _enum('Accept', 'Return', empty_ok=True),
    'nftablesMarkMask': _int(minimum=0, maximum=4294967295),
    'nftablesMode': _enum('Disabled', 'Enabled', 'Auto'),
    'nftablesRefreshInterval': _duration(),
    'nodeSelector': _str(kind='selector'),
    'openstackRegion': _str(),
    'policySyncPathPrefix': _str(),
    'programClusterRoutes': _enum('Enabled', 'Disabled'),
    'prometheusGoMetricsEnabled': _bool(),
    'prometheusMetricsCAFile': _str(),
    'prometheusMetricsCertFile': _str(),
    'prometheusMetricsClientAuth': _str(),
    'prometheusMetricsEnabled': _bool(),
    'prometheusMetricsHost': _str(),
    'prometheusMetricsKeyFile': _str(),
    'prometheusMetricsPort': _int(minimum=0, maximum=65535),
    'prometheusProcessMetricsEnabled': _bool(),
    'prometheusWireGuardMetricsEnabled': _bool(),
    'removeExternalRoutes': _bool(),
    'reportingInterval': _duration(),
    'reportingTTL': _duration(),
    'requireMTUFile': _bool(),
    'routeRefreshInterval': _duration(),
    'routeSource': _enum('WorkloadIPs', 'CalicoIPAM', empty_ok=True),
    'routeSyncDisabled': _bool(),
    'routeTableRange': _object(('min', 'max'), value_kind='route_table_range'),
    'routeTableRanges': _list('route_table_range'),
    'serviceLoopPrevention': _enum('Drop', 'Reject', 'Disabled', empty_ok=True),
    'sidecarAccelerationEnabled': _bool(),
    'usageReportingEnabled': _bool(),
    'usageReportingInitialDelay': _duration(),
    'usageReportingInterval': _duration(),
    'useInternalDataplaneDriver': _bool(),
    'vxlanEnabled': _bool(),
    'vxlanMTU': _int(),
    'vxlanMTUV6': _int(),
    'vxlanPort': _int(minimum=0, maximum=65535),
    'vxlanVNI': _int(),
    'windowsManageFirewallRules': _enum('Enabled', 'Disabled'),
    'wireguardEnabled': _bool(),
    'wireguardEnabledV6': _bool(),
    'wireguardHostEncryptionEnabled': _bool(),
    'wireguardInterfaceName': _str(),
    'wireguardInterfaceNameV6': _str(),
    'wireguardKeepAlive': _duration(),
    'wireguardListeningPort': _int(minimum=1, maximum=65535),
    'wireguardListeningPortV6': _int(minimum=1, maximum=65535),
    'wireguardMTU': _int(),
    'wireguardMTUV6': _int(),
    'wireguardRoutingRulePriority': _int(minimum=1, maximum=32765),
    'wireguardThreadingEnabled': _bool(),
    'workloadSourceSpoofing': _enum('Disabled', 'Any', empty_ok=True),
    'xdpEnabled': _bool(),
    'xdpRefreshInterval': _duration(),
}


# Release windows of the fields that not every supported release has (felixconfig.go, last patch of each minor).
_RELEASES = {
    ((3, 21), (3, 31)): ("bpfKubeProxyEndpointSlicesEnabled", "iptablesLockFilePath", "iptablesLockTimeout"),
    ((3, 22), None): ("logDebugFilenameRegex",),
    ((3, 23), None): ("bpfEnforceRPF", "bpfHostConntrackBypass", "bpfMapSizeConntrack", "bpfMapSizeIPSets",
                      "bpfMapSizeNATAffinity", "bpfMapSizeNATBackend", "bpfMapSizeNATFrontend", "bpfMapSizeRoute",
                      "dataplaneWatchdogTimeout", "deviceRouteSourceAddressIPv6", "routeTableRanges", "vxlanMTUV6",
                      "wireguardKeepAlive", "workloadSourceSpoofing"),
    ((3, 24), None): ("bpfMapSizeIfState", "bpfPolicyDebugEnabled", "routeSyncDisabled", "wireguardEnabledV6",
                      "wireguardInterfaceNameV6", "wireguardListeningPortV6", "wireguardMTUV6"),
    ((3, 25), None): ("bpfL3IfacePattern", "featureGates", "healthTimeoutOverrides"),
    ((3, 26), None): ("bpfDSROptoutCIDRs", "iptablesFilterDenyAction"),
    ((3, 27), None): ("bpfCTLBLogFilter", "bpfConnectTimeLoadBalancing", "bpfDisableGROForIfaces",
                      "bpfExcludeCIDRsFromNAT", "bpfForceTrackPacketsFromIfaces", "bpfHostNetworkedNATWithoutCTLB",
                      "bpfLogFilters", "windowsManageFirewallRules"),
    ((3, 28), None): ("debugHost", "debugPort", "debugSimulateDataplaneApplyDelay", "endpointStatusPathPrefix",
                      "wireguardThreadingEnabled"),
    ((3, 29), None): ("bpfRedirectToPeer", "goGCThreshold", "goMaxProcs", "goMemoryLimitMB", "ipForwarding",
                      "nftablesFilterAllowAction", "nftablesFilterDenyAction", "nftablesMangleAllowAction",
                      "nftablesMarkMask", "nftablesMode", "nftablesRefreshInterval"),
    ((3, 30), None): ("bpfConntrackLogLevel", "bpfConntrackMode", "bpfConntrackTimeouts", "bpfExportBufferSizeMB",
                      "bpfKubeProxyHealthzPort", "bpfMapSizeConntrackCleanupQueue", "bpfMapSizeConntrackScaling",
                      "bpfMapSizePerCpuConntrack", "bpfProfiling", "cgroupV2Path", "flowLogsCollectorDebugTrace",
                      "flowLogsFlushInterval", "flowLogsGoldmaneServer", "flowLogsLocalReporter",
                      "flowLogsPolicyEvaluationMode", "logActionRateLimit", "logActionRateLimitBurst"),
    ((3, 31), None): ("bpfAttachType", "bpfJITHardening", "natOutgoingExclusions", "programClusterRoutes",
                      "requireMTUFile"),
    ((3, 32), None): ("bpfMaglevMaxEndpointsPerService", "bpfMaglevMaxServices", "ipv4ElevatedRoutePriority",
                      "ipv4NormalRoutePriority", "ipv6ElevatedRoutePriority", "ipv6NormalRoutePriority",
                      "istioAmbientMode", "istioDSCPMark", "liveMigrationRouteConvergenceTime", "nodeSelector",
                      "prometheusMetricsCAFile", "prometheusMetricsCertFile", "prometheusMetricsClientAuth",
                      "prometheusMetricsKeyFile"),
}
_CRD_DURATION = "crd-duration"


def _apply_release_windows():
    for (since, until), names in _RELEASES.items():
        for name in names:
            FELIX_FIELDS[name] = FELIX_FIELDS[name]._replace(since=since, until=until)
    for name, field in FELIX_FIELDS.items():
        if field.kind == "duration" and name not in UNPATTERNED_DURATIONS:
            FELIX_FIELDS[name] = field._replace(pattern=_CRD_DURATION)


_apply_release_windows()


def field_exists(name, calico_version=None):
    """True when the release (None = newest) has the FelixConfiguration field ``name``."""
    field = FELIX_FIELDS.get(name)
    if field is None:
        return False
    current = release(calico_version)
    return field.since <= current and (field.until is None or current <= field.until)


def fields_for(calico_version=None):
    """The names of the FelixConfiguration fields the release (None = newest) has, sorted."""
    return sorted(name for name in FELIX_FIELDS if field_exists(name, calico_version))


def closest_felix_field(name, calico_version=None):
    """Return the field of the release (None = newest) closest in spelling to ``name``, or None."""
    by_lower = dict((key.lower(), key) for key in fields_for(calico_version))
    if str(name).lower() in by_lower:
        return by_lower[str(name).lower()]
    matches = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[matches[0]] if matches else None


def felix_setting_problems(settings, path="spec", calico_version=None):
    """Return one sentence per problem in a FelixConfiguration spec (``settings``) for the release."""
    if not isinstance(settings, dict):
        return ["%s is %s: a FelixConfiguration spec must be a mapping of setting names to values." % (path, show(settings))]
    problems = []
    for name in sorted(settings, key=str):
        value = settings[name]
        where = "%s.%s" % (path, name)
        if not field_exists(name, calico_version):
            problems.append(_unknown_field_problem(where, name, calico_version))
        elif value is not None:
            problems.extend(_value_problems(FELIX_FIELDS[name], value, where, calico_version))
    if settings.get("routeTableRange") is not None and settings.get("routeTableRanges") is not None:
        problems.append("%s.routeTableRange and %s.routeTableRanges are both set: use only routeTableRanges." % (path, path))
    return problems


def _unknown_field_problem(where, name, calico_version):
    closest = closest_felix_field(name, calico_version)
    hint = " (did you mean %s?)" % closest if closest else ""
    field = FELIX_FIELDS.get(name)
    if field is not None:
        return "%s is not a FelixConfiguration setting in Calico %s: %s%s." % (
            where, release_text(calico_version), _window_text(field), hint)
    return "%s is not a FelixConfiguration setting of Calico %s%s; that release has %d settings." % (
        where, release_text(calico_version), hint, len(fields_for(calico_version)))


def _window_text(field):
    if field.until is not None:
        return "it exists from v%d.%d to v%d.%d" % (field.since + field.until)
    return "it exists from v%d.%d on" % field.since


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _value_problems(field, value, where, calico_version):
    checker = _CHECKERS[field.kind]
    return checker(field, value, where, calico_version)


def _check_bool(field, value, where, calico_version):
    if isinstance(value, bool):
        return []
    return ["%s is %s: expected a boolean (true or false)." % (where, show(value))]


def _range_text(field):
    if field.minimum is not None and field.maximum is not None:
        return "an integer from %d to %d" % (field.minimum, field.maximum)
    if field.minimum is not None:
        return "an integer of at least %d" % field.minimum
    if field.maximum is not None:
        return "an integer of at most %d" % field.maximum
    return "an integer"


def _check_int(field, value, where, calico_version):
    if not _is_int(value):
        return ["%s is %s: expected %s." % (where, show(value), _range_text(field))]
    if (field.minimum is not None and value < field.minimum) or (field.maximum is not None and value > field.maximum):
        return ["%s is %s: expected %s." % (where, show(value), _range_text(field))]
    return []


def _check_str(field, value, where, calico_version):
    if not isinstance(value, str):
        return ["%s is %s: expected a string." % (where, show(value))]
    if field.pattern and not re.match(field.pattern, value):
        return ["%s is %s: expected a string matching %s." % (where, show(value), field.pattern)]
    return []


def _check_selector(field, value, where, calico_version):
    if not isinstance(value, str):
        return ["%s is %s: expected a selector string." % (where, show(value))]
    # Calico does not look for global() in this selector.
    return selector_problems(value, where, global_rule="ignored")


def _check_duration(field, value, where, calico_version):
    strict = field.pattern == _CRD_DURATION and at_least(calico_version, CRD_DURATION_PATTERN_SINCE)
    problem = duration_problem(value, where, crd_pattern=strict)
    return [problem] if problem else []


def _enum_values(field, calico_version):
    return tuple(v for v in field.values if at_least(calico_version, field.value_since.get(v, OLDEST_CALICO_VERSION)))


def _check_enum(field, value, where, calico_version):
    if value == "" and field.empty_ok:
        return []
    values = _enum_values(field, calico_version)
    allowed = " or ".join(values) + (" (or \"\" for unset)" if field.empty_ok else "")
    if isinstance(value, str):
        if value in values:
            return []
        folded = [v for v in values if v.lower() == value.lower()]
        if folded and not field.case_sensitive:
            return []
        if folded:
            return ["%s is %s: the spelling is case-sensitive; expected %s (did you mean %s?)." % (
                where, show(value), allowed, folded[0])]
        if value in field.value_since:
            return ["%s is %s: Calico %s does not know it (it arrived in v%d.%d); expected %s." % (
                where, show(value), release_text(calico_version), field.value_since[value][0],
                field.value_since[value][1], allowed)]
    return ["%s is %s: expected one of %s." % (where, show(value), allowed)]


def _check_port_range(field, value, where, calico_version):
    problem = port_range_problem(value, where)
    return [problem] if problem else []


def _check_int_or_str(field, value, where, calico_version):
    if _is_int(value) or isinstance(value, str):
        return []
    return ["%s is %s: expected an integer or a string." % (where, show(value))]


def _check_list(field, value, where, calico_version):
    if not isinstance(value, list):
        return ["%s is %s: expected a list." % (where, show(value))]
    item_checker = _ITEM_CHECKERS[field.item_kind]
    problems = []
    for index, item in enumerate(value):
        problems.extend(item_checker(item, "%s[%d]" % (where, index)))
    return problems


def _check_object(field, value, where, calico_version):
    if not isinstance(value, dict):
        return ["%s is %s: expected a mapping." % (where, show(value))]
    if field.item_kind == "route_table_range":
        return _route_table_range_problems(value, where)
    problems = []
    for key in sorted(value, key=str):
        sub = "%s.%s" % (where, key)
        if field.values is not None and key not in field.values:
            problems.append("%s is not a known key; allowed keys are %s." % (sub, ", ".join(field.values)))
        elif field.item_kind == "conntrack_timeout":
            if not (isinstance(value[key], str) and _CONNTRACK_TIMEOUT_RE.match(value[key])):
                problems.append("%s is %s: expected Auto or a duration such as 30s." % (sub, show(value[key])))
        elif not isinstance(value[key], str):
            problems.append("%s is %s: expected a string." % (sub, show(value[key])))
    return problems


def _protoport_problems(item, where):
    if not isinstance(item, dict):
        return ["%s is %s: expected a mapping with protocol, port and optional net, e.g. {protocol: TCP, port: 22}." % (
            where, show(item))]
    problems = []
    for key in sorted(set(item) - set(("protocol", "port", "net")), key=str):
        problems.append("%s.%s is not a known key; a failsafe port has protocol, port and net." % (where, key))
    port = item.get("port")
    if not _is_int(port) or not 1 <= port <= 65535:
        problems.append("%s.port is %s: expected an integer from 1 to 65535." % (where, show(port)))
    protocol = item.get("protocol")
    if protocol is not None and protocol not in PROTOPORT_PROTOCOLS:
        problems.append("%s.protocol is %s: expected one of %s (case-sensitive)." % (
            where, show(protocol), ", ".join(PROTOPORT_PROTOCOLS)))
    if item.get("net") not in (None, ""):
        problem = cidr_problem(item["net"], where + ".net", strict=False, allow_bare_ip=True)
        if problem:
            problems.append(problem)
    return problems


def _health_timeout_problems(item, where):
    if not isinstance(item, dict):
        return ["%s is %s: expected a mapping with name and timeout." % (where, show(item))]
    problems = []
    if not isinstance(item.get("name"), str) or not item.get("name"):
        problems.append("%s.name is %s: expected a non-empty component name." % (where, show(item.get("name"))))
    problem = duration_problem(item.get("timeout"), where + ".timeout")
    if problem:
        problems.append(problem)
    return problems


def _min_max(item, where):
    if not isinstance(item, dict) or not (_is_int(item.get("min")) and _is_int(item.get("max"))):
        return None, ["%s is %s: expected a mapping with integer min and max." % (where, show(item))]
    return (item["min"], item["max"]), []


def _route_table_range_problems(item, where):
    # validator.go validateRouteTableRange: 1 <= min <= max <= 250.
    bounds, problems = _min_max(item, where)
    if problems:
        return problems
    low, high = bounds
    if not 1 <= low <= high <= ROUTE_TABLE_MAX:
        return ["%s is %s: expected route table indices with 1 <= min <= max <= %d." % (
            where, show(item), ROUTE_TABLE_MAX)]
    return []


def _route_table_id_range_problems(item, where):
    # validator.go validateRouteTableIDRange: 1 <= min <= max <= 0xffffffff.
    bounds, problems = _min_max(item, where)
    if problems:
        return problems
    low, high = bounds
    if not 1 <= low <= high <= ROUTE_TABLE_ID_MAX:
        return ["%s is %s: expected route table indices with 1 <= min <= max <= %d." % (
            where, show(item), ROUTE_TABLE_ID_MAX)]
    return []


def _cidr_item_problems(item, where):
    problem = cidr_problem(item, where, strict=False, allow_bare_ip=False)
    return [problem] if problem else []


def _str_item_problems(item, where):
    return [] if isinstance(item, str) else ["%s is %s: expected a string." % (where, show(item))]


def _port_range_item_problems(item, where):
    problem = port_range_problem(item, where)
    return [problem] if problem else []


_CHECKERS = {
    "bool": _check_bool,
    "int": _check_int,
    "str": _check_str,
    "selector": _check_selector,
    "duration": _check_duration,
    "enum": _check_enum,
    "list": _check_list,
    "object": _check_object,
    "port_range": _check_port_range,
    "int_or_str": _check_int_or_str,
}

_ITEM_CHECKERS = {
    "protoport": _protoport_problems,
    "health_timeout": _health_timeout_problems,
    "route_table_range": _route_table_id_range_problems,
    "cidr": _cidr_item_problems,
    "str": _str_item_problems,
    "port_range": _port_range_item_problems,
}
