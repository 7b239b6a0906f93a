# -*- coding: utf-8 -*-
# Copyright (c) calicolab.ccol1 contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Tests of the FelixConfiguration catalogue: value rules per Calico release, and cross-checks of the field list
against the upstream CRDs of v3.21.6 and v3.32.1."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import re

import pytest
import yaml

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.felix_settings import (
    FELIX_FIELDS,
    closest_felix_field,
    felix_setting_problems,
    field_exists,
    fields_for,
)
from ansible_collections.calicolab.ccol1.tests.shared_reference import MISSING_REASON, crd_schema_dir

GOOD = [
    {"wireguardEnabled": True, "wireguardEnabledV6": False},
    {"wireguardListeningPort": 51820, "wireguardListeningPortV6": 65535, "wireguardInterfaceName": "wireguard.cali"},
    {"wireguardMTU": 0, "wireguardRoutingRulePriority": 99},
    {"bpfEnabled": True, "bpfExternalServiceMode": "Tunnel", "bpfKubeProxyIptablesCleanupEnabled": False},
    {"bpfExternalServiceMode": "DSR", "bpfLogLevel": "Debug", "bpfDSROptoutCIDRs": ["10.0.0.0/8"]},
    {"reportingInterval": "0s", "logSeverityScreen": "Info", "floatingIPs": "Disabled"},
    {"iptablesRefreshInterval": "90s", "routeRefreshInterval": "1m30s", "iptablesLockProbeInterval": "50ms"},
    {"defaultEndpointToHostAction": "Accept", "iptablesBackend": "NFT", "chainInsertMode": "Append"},
    {"chainInsertMode": "insert", "bpfEnforceRPF": "strict"},
    {"failsafeInboundHostPorts": [{"protocol": "TCP", "port": 22}, {"protocol": "UDP", "port": 68},
                                  {"port": 6443, "net": "198.19.0.0/20"}]},
    {"failsafeOutboundHostPorts": [], "kubeNodePortRanges": ["30000:32767", 8080]},
    {"natPortRange": "32768:65535", "bpfPSNATPorts": "20000:29999"},
    {"routeTableRanges": [{"min": 1, "max": 250}], "healthTimeoutOverrides": [{"name": "x", "timeout": "30s"}]},
    {"bpfConntrackTimeouts": {"tcpEstablished": "1h", "udpTimeout": "Auto"}, "bpfLogFilters": {"all": "tcp"}},
    {"logActionRateLimit": "10/second", "logActionRateLimitBurst": 5, "featureGates": "A=b,C=d"},
    {"nodeSelector": "kubernetes.io/os == 'linux'", "ipipEnabled": None},
    {"istioDSCPMark": 23, "iptablesMarkMask": 4278190080},
    # Every Go writer emits bpfLogLevel: "" (no omitempty); "" is valid for enums held in plain Go strings.
    {"bpfLogLevel": "", "logSeverityScreen": "", "chainInsertMode": ""},
    # Go's ParseDuration takes "0" on the API server path.
    {"reportingInterval": "0", "wireguardKeepAlive": "0"},
    {"routeTableRange": {"min": 1, "max": 250}, "routeTableRanges": None},
    {"logSeverityScreen": "Trace", "iptablesBackend": "Auto"},
]


@pytest.mark.parametrize("settings", GOOD)
def test_valid_settings(settings):
    assert felix_setting_problems(settings) == []


BAD = [
    ({"wireguardEnabeld": True}, "spec.wireguardEnabeld", ["did you mean wireguardEnabled"]),
    ({"WireguardEnabled": True}, "spec.WireguardEnabled", ["did you mean wireguardEnabled"]),
    ({"bpfExternalServiceMode": "dsr"}, "spec.bpfExternalServiceMode", ['"dsr"', "case-sensitive", "DSR"]),
    ({"bpfExternalServiceMode": "Direct"}, "spec.bpfExternalServiceMode", ['"Direct"', "Tunnel or DSR"]),
    ({"logSeverityScreen": "info"}, "spec.logSeverityScreen", ['"info"', "Info"]),
    ({"defaultEndpointToHostAction": "ACCEPT"}, "spec.defaultEndpointToHostAction", ['"ACCEPT"', "Accept"]),
    ({"wireguardEnabled": "true"}, "spec.wireguardEnabled", ['"true"', "boolean"]),
    ({"wireguardListeningPort": 0}, "spec.wireguardListeningPort", ["0", "1 to 65535"]),
    ({"wireguardListeningPort": "51820"}, "spec.wireguardListeningPort", ['"51820"', "1 to 65535"]),
    ({"wireguardRoutingRulePriority": 32766}, "spec.wireguardRoutingRulePriority", ["32766", "1 to 32765"]),
    ({"logActionRateLimitBurst": 10000}, "spec.logActionRateLimitBurst", ["10000", "0 to 9999"]),
    ({"bpfMapSizeConntrackCleanupQueue": 0}, "spec.bpfMapSizeConntrackCleanupQueue", ["0", "at least 1"]),
    ({"vxlanVNI": True}, "spec.vxlanVNI", ["true", "integer"]),
    ({"reportingInterval": "1.5s"}, "spec.reportingInterval", ['"1.5s"', "fractions"]),
    ({"iptablesLockProbeInterval": "500us"}, "spec.iptablesLockProbeInterval", ['"500us"', "ms, s, m or h"]),
    ({"bpfLogLevel": "Trace"}, "spec.bpfLogLevel", ['"Trace"', "Off or Info or Debug"]),
    ({"routeTableRange": {"min": 0, "max": 10}}, "spec.routeTableRange", ["1 <= min <= max <= 250"]),
    ({"routeTableRange": {"min": 1, "max": 251}}, "spec.routeTableRange", ["251", "1 <= min <= max <= 250"]),
    ({"routeTableRanges": [{"min": 0, "max": 300}]}, "spec.routeTableRanges[0]", ["1 <= min <= max"]),
    ({"iptablesLockTimeout": "10s"}, "spec.iptablesLockTimeout", ["v3.32", "from v3.21 to v3.31"]),
    ({"reportingInterval": 30}, "spec.reportingInterval", ["30", "duration"]),
    ({"iptablesRefreshInterval": "10 s"}, "spec.iptablesRefreshInterval", ['"10 s"', "duration"]),
    ({"failsafeInboundHostPorts": [{"protocol": "tcp", "port": 22}]}, "spec.failsafeInboundHostPorts[0].protocol",
     ['"tcp"', "TCP, UDP, SCTP"]),
    ({"failsafeInboundHostPorts": [{"protocol": "TCP"}]}, "spec.failsafeInboundHostPorts[0].port",
     ["null", "1 to 65535"]),
    ({"failsafeOutboundHostPorts": [{"port": 53, "net": "10.0.0.0/33"}]}, "spec.failsafeOutboundHostPorts[0].net",
     ['"10.0.0.0/33"', "CIDR"]),
    ({"failsafeOutboundHostPorts": ["udp:53"]}, "spec.failsafeOutboundHostPorts[0]", ['"udp:53"', "protocol"]),
    ({"failsafeOutboundHostPorts": [{"port": 53, "proto": "UDP"}]}, "spec.failsafeOutboundHostPorts[0].proto",
     ["not a known key"]),
    ({"failsafeInboundHostPorts": "tcp:22"}, "spec.failsafeInboundHostPorts", ['"tcp:22"', "list"]),
    ({"kubeNodePortRanges": ["32767:30000"]}, "spec.kubeNodePortRanges[0]", ['"32767:30000"', "min <= max"]),
    ({"natPortRange": "http"}, "spec.natPortRange", ['"http"', "min:max"]),
    ({"bpfDSROptoutCIDRs": ["10.0.0.1"]}, "spec.bpfDSROptoutCIDRs[0]", ['"10.0.0.1"', "prefix length"]),
    ({"routeTableRange": {"min": 10, "max": 1}}, "spec.routeTableRange", ["min <= max"]),
    ({"routeTableRanges": [{"min": 1}]}, "spec.routeTableRanges[0]", ["integer min and max"]),
    ({"routeTableRange": {"min": 1, "max": 2}, "routeTableRanges": [{"min": 1, "max": 2}]}, "spec.routeTableRange",
     ["only routeTableRanges"]),
    ({"healthTimeoutOverrides": [{"name": "x", "timeout": "soon"}]}, "spec.healthTimeoutOverrides[0].timeout",
     ['"soon"', "duration"]),
    ({"bpfConntrackTimeouts": {"tcpEstablished": "forever"}}, "spec.bpfConntrackTimeouts.tcpEstablished",
     ['"forever"', "Auto"]),
    ({"bpfConntrackTimeouts": {"tcp": "1h"}}, "spec.bpfConntrackTimeouts.tcp", ["not a known key", "udpTimeout"]),
    ({"bpfLogFilters": {"all": 1}}, "spec.bpfLogFilters.all", ["1", "string"]),
    ({"logActionRateLimit": "10/week"}, "spec.logActionRateLimit", ['"10/week"', "second|minute|hour|day"]),
    ({"nodeSelector": "a =="}, "spec.nodeSelector", ['"a =="', "position"]),
    ({"interfacePrefix": 5}, "spec.interfacePrefix", ["5", "string"]),
    ({"istioDSCPMark": 1.5}, "spec.istioDSCPMark", ["1.5", "integer or a string"]),
]


@pytest.mark.parametrize("settings,path,fragments", BAD, ids=[c[1] + "-" + str(i) for i, c in enumerate(BAD)])
def test_bad_settings_give_one_problem_naming_field_value_and_rule(settings, path, fragments):
    problems = felix_setting_problems(settings)
    assert len(problems) == 1, problems
    assert problems[0].startswith(path), problems[0]
    for fragment in fragments:
        assert fragment in problems[0], (fragment, problems[0])


def test_settings_must_be_a_mapping():
    assert "mapping" in felix_setting_problems(["wireguardEnabled"])[0]


@pytest.mark.parametrize("typo,expected", [
    ("wireguardEnabeld", "wireguardEnabled"),
    ("bpfenabled", "bpfEnabled"),
    ("failsafeInboundPorts", "failsafeInboundHostPorts"),
    ("bpfExternalServiceModes", "bpfExternalServiceMode"),
    ("zzzzzzzz", None),
])
def test_closest_felix_field(typo, expected):
    assert closest_felix_field(typo) == expected


def test_catalogue_entries_are_well_formed():
    for name, field in FELIX_FIELDS.items():
        assert re.match(r"^[a-z][A-Za-z0-9]*$", name), name
        if field.kind == "enum":
            assert field.values and len(set(field.values)) == len(field.values), name
        if field.minimum is not None and field.maximum is not None:
            assert field.minimum <= field.maximum, name
    assert FELIX_FIELDS["bpfExternalServiceMode"].values == ("Tunnel", "DSR")
    assert FELIX_FIELDS["bpfExternalServiceMode"].case_sensitive


# ---------------------------------------------------------------------------------------------------------
# Cross-check against the upstream FelixConfiguration schema (projectcalico.org/v3 native CRD, v3.32.1).


@functools.lru_cache(maxsize=None)
def _load_felix_schema(path):
    with open(path) as handle:
        for doc in yaml.load_all(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if doc and doc["spec"]["names"]["kind"] == "FelixConfiguration":
                return doc["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    raise AssertionError("no FelixConfiguration CRD in %s" % path)


def felix_schema():
    folder = crd_schema_dir()
    if folder is None:
        pytest.skip(MISSING_REASON)
    return _load_felix_schema(str(folder / "projectcalico.org_v3_native-crds_v3.32.1.yaml"))


_DURATION_PATTERN = re.compile(r"\(ms\|s\|m\|h\)")
_SCHEMA_TYPES = {
    "bool": "boolean", "int": "integer", "str": "string", "selector": "string", "duration": "string",
    "enum": "string", "list": "array", "object": "object",
}
_ITEM_TYPES = {"cidr": "string", "str": "string"}
_ITEM_KEYS = {
    "protoport": set(["protocol", "port", "net"]),
    "route_table_range": set(["min", "max"]),
    "health_timeout": set(["name", "timeout"]),
}


def _schema_enum(schema):
    """(values, case_sensitive) from an enum, an allOf of enums, or a ^(?i)(A|B)?$ pattern; None otherwise."""
    if "enum" in schema:
        return set(schema["enum"]), True
    if "allOf" in schema:
        return set(schema["allOf"][0]["enum"]), True
    match = re.match(r"^\^\(\?i\)\((.*)\)\?\$$", schema.get("pattern", ""))
    if match:
        return set(match.group(1).split("|")), False
    return None


def test_catalogue_lacks_no_schema_field():
    missing = sorted(set(felix_schema()) - set(fields_for((3, 32))))
    assert missing == [], "the catalogue lacks these v3.32.1 FelixConfiguration fields: %s" % ", ".join(missing)


def test_every_catalogue_field_is_in_the_schema():
    extra = sorted(set(fields_for((3, 32))) - set(felix_schema()))
    assert extra == [], "the catalogue has v3.32 fields the v3.32.1 schema does not: %s" % ", ".join(extra)


def test_v3_21_fields_are_exactly_the_v3_21_6_schema():
    # The operator-installed v3.21.6 CRD (crd.projectcalico.org/v1; v3.21 has no native v3 CRDs).
    folder = crd_schema_dir()
    if folder is None:
        pytest.skip(MISSING_REASON)
    schema = _load_felix_schema(str(folder / "crd.projectcalico.org_v1_v3.21.6.yaml"))
    assert sorted(fields_for((3, 21))) == sorted(schema)


@pytest.mark.parametrize("name", sorted(fields_for((3, 32))))
def test_catalogue_type_matches_schema(name):
    schema = felix_schema().get(name)
    if schema is None:
        pytest.fail("%s is not in the upstream schema" % name)
    field = FELIX_FIELDS[name]
    if field.kind in ("port_range", "int_or_str"):
        assert schema.get("x-kubernetes-int-or-string"), name
    else:
        assert schema.get("type") == _SCHEMA_TYPES[field.kind], (name, field.kind, schema.get("type"))
    schema_enum = _schema_enum(schema)
    if field.kind == "enum":
        assert schema_enum is not None, "%s is an enum here but not in the schema" % name
        values = schema_enum[0]
        assert set(v.lower() for v in field.values) == set(v.lower() for v in values), name
        if schema_enum[1]:
            assert set(field.values) == values, name
    else:
        assert schema_enum is None, "%s is an enum in the schema (%s)" % (name, schema_enum)
    if field.kind == "duration" and "pattern" in schema:
        assert _DURATION_PATTERN.search(schema["pattern"]), name
    if field.kind == "str" and field.pattern:
        assert field.pattern == schema.get("pattern"), name
    for bound in ("minimum", "maximum"):
        if bound in schema:
            assert getattr(field, bound) == schema[bound], (name, bound)
    if field.kind == "list":
        _check_items(name, field, schema["items"])


def _check_items(name, field, items):
    if field.item_kind in _ITEM_KEYS:
        assert items.get("type") == "object", name
        assert set(items["properties"]) == _ITEM_KEYS[field.item_kind], name
    elif field.item_kind == "port_range":
        assert items.get("x-kubernetes-int-or-string"), name
    else:
        assert items.get("type") == _ITEM_TYPES[field.item_kind], name


def test_failsafe_port_required_fields_match_schema():
    schema = felix_schema()
    for name in ("failsafeInboundHostPorts", "failsafeOutboundHostPorts"):
        assert schema[name]["items"]["required"] == ["port"]
        assert felix_setting_problems({name: [{"port": 22}]}) == []


def test_conntrack_timeout_keys_match_schema():
    from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.felix_settings import CONNTRACK_TIMEOUT_KEYS
    assert set(felix_schema()["bpfConntrackTimeouts"]["properties"]) == set(CONNTRACK_TIMEOUT_KEYS)


# ---------------------------------------------------------------------------------------------------------
# Per-release rules (felixconfig.go and validator.go at v3.21.6 and v3.32.1).

V321 = (3, 21)
V332 = (3, 32)

PER_RELEASE = [
    # (settings, release, expected problem path or None, fragments)
    ({"bpfKubeProxyEndpointSlicesEnabled": True}, V321, None, []),
    ({"iptablesLockFilePath": "/run/xtables.lock"}, V321, None, []),
    ({"iptablesLockTimeout": "10s"}, V321, None, []),
    ({"bpfKubeProxyEndpointSlicesEnabled": True}, V332, "spec.bpfKubeProxyEndpointSlicesEnabled",
     ["Calico v3.32", "from v3.21 to v3.31"]),
    ({"iptablesLockFilePath": "/run/xtables.lock"}, V332, "spec.iptablesLockFilePath", ["did you mean"]),
    ({"nftablesMode": "Auto"}, V321, "spec.nftablesMode", ["Calico v3.21", "from v3.29 on"]),
    ({"wireguardEnabledV6": True}, V321, "spec.wireguardEnabledV6", ["from v3.24 on", "did you mean wireguardEnabled"]),
    ({"nftablesMode": "Auto"}, V332, None, []),
    ({"logSeverityScreen": "Trace"}, V321, "spec.logSeverityScreen", ['"Trace"', "v3.21", "v3.31"]),
    ({"logSeverityScreen": "Trace"}, V332, None, []),
    ({"iptablesBackend": "Auto"}, V321, "spec.iptablesBackend", ['"Auto"', "v3.25", "Legacy or NFT"]),
    ({"iptablesBackend": "Auto"}, V332, None, []),
    ({"reportingInterval": "1.5s"}, V321, None, []),
    ({"iptablesLockProbeInterval": "500us"}, V321, None, []),
    ({"reportingInterval": "1.5s"}, V332, "spec.reportingInterval", ['"1.5s"', "fractions"]),
    # Fields the CRD gives no duration pattern keep Go's duration syntax.
    ({"liveMigrationRouteConvergenceTime": "1.5s", "dataplaneWatchdogTimeout": "90.5s"}, V332, None, []),
    ({"bpfLogLevel": ""}, V321, None, []),
    ({"bpfLogLevel": ""}, V332, None, []),
    ({"routeTableRange": {"min": 1, "max": 251}}, V321, "spec.routeTableRange", ["1 <= min <= max <= 250"]),
]


@pytest.mark.parametrize("settings,release,path,fragments", PER_RELEASE,
                         ids=["%s-v%d.%d" % (sorted(c[0])[0], c[1][0], c[1][1]) for c in PER_RELEASE])
def test_rules_follow_the_release(settings, release, path, fragments):
    problems = felix_setting_problems(settings, calico_version=release)
    if path is None:
        assert problems == []
        return
    assert len(problems) == 1, problems
    assert problems[0].startswith(path), problems[0]
    for fragment in fragments:
        assert fragment in problems[0], (fragment, problems[0])


def test_every_field_says_which_releases_have_it():
    assert field_exists("iptablesLockTimeout", (3, 21)) and field_exists("iptablesLockTimeout", (3, 31))
    assert not field_exists("iptablesLockTimeout", (3, 32)) and not field_exists("iptablesLockTimeout", None)
    assert field_exists("nodeSelector", None) and not field_exists("nodeSelector", (3, 31))
    for name, field in FELIX_FIELDS.items():
        assert field.since >= (3, 21) and (field.until is None or field.until >= field.since), name
    assert len(fields_for((3, 21))) == 97 and len(fields_for((3, 32))) == 181


def test_closest_field_is_one_the_release_has():
    assert closest_felix_field("iptablesLockTimeout", (3, 32)) != "iptablesLockTimeout"
    assert closest_felix_field("iptablesLockTimeou", (3, 21)) == "iptablesLockTimeout"
    assert closest_felix_field("wireguardEnabledV6", (3, 21)) == "wireguardEnabled"
