# -*- coding: utf-8 -*-
# Copyright (c) calicolab.ccol1 contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Calico's value types, parsed as strictly as Calico parses them, and the wording of problems about them.

One home for the address parser every module_utils package uses: Calico parses addresses with Go's
``net.ParseIP``/``net.ParseCIDR``, which take IPv4 only as dotted quads without leading zeros and IPv6
without a zone, and never trim white space. Durations follow Go's ``time.ParseDuration``; port names follow
Kubernetes' ``IsValidPortName``; AS numbers follow Calico's ``numorstring.ASNumber`` (plain or asdot).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import re

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.selector import (
    SelectorError,
    parse_selector,
)

AS_NUMBER_MAX = 4294967295

_DIGITS_RE = re.compile(r"^[0-9]+$")
_DOTTED_QUAD_RE = re.compile(r"^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$")
_IPV6_CHARS_RE = re.compile(r"^[0-9a-fA-F:.]+$")
_ASDOT_RE = re.compile(r"^([0-9]+)\.([0-9]+)$")
_GO_DURATION_RE = re.compile(u"^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
# What the duration pattern of Calico's FelixConfiguration CRDs (v3.27 on) lets through: its "\\." is
# escaped twice, so it matches a backslash and never a decimal point; whole numbers of ms, s, m or h only.
_CRD_DURATION_RE = re.compile(r"^([0-9]+(ms|s|m|h))+$")
_PORT_NAME_CHARS_RE = re.compile(r"^[-a-z0-9]+$")

PORT_NAME_TEXT = ("a port name of at most 15 characters: lower-case letters, digits and '-', at least one letter, "
                  "no '-' at either end and no \"--\"")
AS_NUMBER_TEXT = ("an integer from 0 to 4294967295, a string of digits, or asdot notation \"A.B\" with A and B "
                  "from 0 to 65535")


# ---------------------------------------------------------------------------------------------------------
# Wording.


def show(value):
    """Render a value as the user would write it in YAML/JSON, so strings and numbers stay distinguishable."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def bad(path, value, allowed):
    return "%s is %s: expected %s." % (path, show(value), allowed)


def missing(path, allowed):
    return "%s is missing: expected %s." % (path, allowed)


def one_of(values):
    return "one of %s" % ", ".join(show(v) if not isinstance(v, str) else v for v in values)


def enum_problem(value, path, allowed):
    """Check an exact (case-sensitive) spelling and hint at the right case when only the case differs."""
    if isinstance(value, str) and value in allowed:
        return None
    if isinstance(value, str):
        folded = [a for a in allowed if isinstance(a, str) and a.lower() == value.lower()]
        if folded:
            return "%s is %s: expected %s; spellings are case-sensitive (did you mean %s?)." % (
                path, show(value), one_of(allowed), folded[0])
    return bad(path, value, one_of(allowed))


# ---------------------------------------------------------------------------------------------------------
# Selectors.


_GLOBAL_COMBINED_RE = re.compile(r"(&&|\|\|) global\(\)|global\(\) (&&|\|\|)")


def selector_problems(text, path, global_rule="forbidden", strict_global_alone=True):
    """Problems in a selector string.

    ``global_rule`` is ``forbidden`` (fields where Calico refuses any global()), ``alone`` (a rule
    namespaceSelector, where global() must stand alone) or ``ignored`` (fields where Calico does not look for
    it). For ``alone``, ``strict_global_alone`` (Calico v3.30 on) takes only the bare token, as Calico's
    tokenizer check does; before v3.30 Calico only refused global() joined to another term by && or ||, so
    "!global()" and "(global())" passed.
    """
    if not isinstance(text, str):
        return [bad(path, text, "a selector string such as app == \"web\"")]
    try:
        parsed = parse_selector(text)
    except SelectorError as exc:
        return ["%s is %s: invalid selector at position %s: %s." % (
            path, show(text), exc.position, _selector_reason(exc))]
    if global_rule == "ignored" or not parsed.uses_global():
        return []
    if global_rule == "alone":
        if strict_global_alone and "".join(text.split()) == "global()":
            return []
        if not strict_global_alone and not _GLOBAL_COMBINED_RE.search(parsed.canonical()):
            return []
        return ["%s is %s: global() is only allowed on its own in a rule namespaceSelector." % (path, show(text))]
    return ["%s is %s: global() is not allowed here; it may only be used, alone, in a rule namespaceSelector." % (
        path, show(text))]


def _selector_reason(exc):
    # The parser's message repeats the selector and position, which the problem sentence already gives.
    message = str(exc).rstrip(".")
    marker = "at position %s: " % exc.position
    return message.split(marker, 1)[1] if marker in message else message


# ---------------------------------------------------------------------------------------------------------
# Addresses: the one strict parser.


def ip_address(text):
    """An ``ipaddress`` address for text Go's ``net.ParseIP`` accepts, or None.

    Refused: surrounding white space, IPv4 with leading zeros or fewer than four parts, IPv6 zones, and
    IPv4-mapped IPv6 text (Calico would treat it as IPv4, which is never what a manifest means).
    """
    if not isinstance(text, str) or not text:
        return None
    if ":" not in text:
        if not _DOTTED_QUAD_RE.match(text):
            return None
    elif not _IPV6_CHARS_RE.match(text):
        return None
    try:
        address = ipaddress.ip_address(u"%s" % text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return None
    return address


def ip_network(text, allow_bare_ip=False):
    """(network, address) for CIDR text "address/prefix" Go's ``net.ParseCIDR`` accepts, or None.

    ``network`` is the masked ``ipaddress`` network, ``address`` the address as written (host bits kept), so
    callers decide whether host bits are allowed. ``allow_bare_ip`` also takes a plain address as a /32 or
    /128 network, as Calico's ``ParseCIDROrIP`` does.
    """
    if allow_bare_ip and isinstance(text, str) and "/" not in text:
        address = ip_address(text)
        return None if address is None else (ipaddress.ip_network(u"%s" % address), address)
    if not isinstance(text, str) or text.count("/") != 1:
        return None
    address_text, prefix = text.split("/")
    address = ip_address(address_text)
    if address is None or not _DIGITS_RE.match(prefix) or len(prefix) > 3:
        return None
    length = int(prefix)
    if length > address.max_prefixlen:
        return None
    network = ipaddress.ip_network(u"%s/%d" % (address, length), strict=False)
    return network, address


def parse_ip(text):
    """Parse an IP address in strict form; return (version, canonical_text) or None."""
    address = ip_address(text)
    return None if address is None else (address.version, str(address))


def parse_network(text):
    """Parse CIDR text; return (version, prefixlen, network_text, canonical_text) or None when it is not a CIDR.

    network_text is the masked network; canonical_text keeps the given address in canonical spelling.
    """
    parsed = ip_network(text)
    if parsed is None:
        return None
    network, address = parsed
    return network.version, network.prefixlen, str(network), "%s/%d" % (address, network.prefixlen)


def cidr_problem(value, path, strict=True, allow_bare_ip=False):
    """Problem text for a CIDR value, or None. ``strict`` demands no host bits (Calico's "strictly masked")."""
    what = "a CIDR with a prefix length, such as 10.0.0.0/8 or fd00::/64"
    if strict:
        what = "a strictly masked CIDR (no host bits set) with a prefix length, such as 10.0.0.0/8 or fd00::/64"
    if allow_bare_ip:
        what = what.replace("with a prefix length", "or a single IP address")
        if parse_ip(value) is not None:
            return None
    parsed = parse_network(value)
    if parsed is None:
        if parse_ip(value) is not None:
            return "%s is %s: a bare IP address has no prefix length; expected %s." % (path, show(value), what)
        return bad(path, value, what)
    if strict and parsed[2] != parsed[3]:
        return "%s is %s: host bits are set; expected the masked network %s." % (path, show(value), parsed[2])
    return None


# ---------------------------------------------------------------------------------------------------------
# Durations.


def go_duration_ok(value):
    """True for text Go's time.ParseDuration takes without a sign: "0", "90s", "1h30m", "1.5s", "500us"."""
    if not isinstance(value, str) or not value:
        return False
    if value == "0":
        return True
    rest = value
    while rest:
        match = _GO_DURATION_RE.match(rest)
        if not match:
            return False
        rest = rest[match.end():]
    return True


def crd_duration_ok(value):
    """True for a duration the FelixConfiguration CRD pattern (v3.27 on) accepts; "0" passes the API server."""
    return isinstance(value, str) and (value == "0" or bool(_CRD_DURATION_RE.match(value)))


def duration_problem(value, path, crd_pattern=False):
    """Problem for a duration; ``crd_pattern`` applies the whole-number pattern of newer Felix CRDs."""
    if crd_pattern:
        if crd_duration_ok(value):
            return None
        return bad(path, value, "a duration of whole numbers with units ms, s, m or h, such as 90s, 1500ms or 1h30m "
                                "(this Calico release refuses fractions like 1.5s and other units)")
    if go_duration_ok(value):
        return None
    return bad(path, value, "a duration string such as 90s, 500ms, 1.5s or 1h30m (units ns, us, ms, s, m, h)")


# ---------------------------------------------------------------------------------------------------------
# Ports, protocols, AS numbers.


def port_name_ok(text):
    """Kubernetes IsValidPortName, which Calico's portName tag applies."""
    return (isinstance(text, str) and 1 <= len(text) <= 15 and bool(_PORT_NAME_CHARS_RE.match(text))
            and any("a" <= char <= "z" for char in text) and "--" not in text
            and not text.startswith("-") and not text.endswith("-"))


def range_problem(value, path, allowed):
    """Problem for "min:max" text, or None."""
    parts = value.split(":")
    if len(parts) != 2 or not all(_DIGITS_RE.match(p) for p in parts):
        return bad(path, value, allowed)
    low, high = int(parts[0]), int(parts[1])
    if not (1 <= low <= 65535 and 1 <= high <= 65535):
        return bad(path, value, allowed)
    if low > high:
        return "%s is %s: the range start is above its end; expected %s." % (path, show(value), allowed)
    return None


def port_range_problem(value, path):
    """Problem for a numeric port or "min:max" range (Felix settings, where names make no sense)."""
    allowed = "an integer from 1 to 65535 or a range \"min:max\" with 1 <= min <= max <= 65535"
    if is_int(value):
        return None if 1 <= value <= 65535 else bad(path, value, allowed)
    if isinstance(value, str) and _DIGITS_RE.match(value):
        return None if 1 <= int(value) <= 65535 else bad(path, value, allowed)
    if isinstance(value, str):
        return range_problem(value, path, allowed)
    return bad(path, value, allowed)


def is_digits(value):
    return isinstance(value, str) and bool(_DIGITS_RE.match(value))


def protocol_value(value):
    """The protocol as Calico stores it: digit strings become integers, names stay as written."""
    if is_digits(value):
        return int(value)
    return value


def asdot_parts(value):
    """(high, low) for asdot text "A.B" with both parts 0-65535, else None."""
    match = _ASDOT_RE.match(value) if isinstance(value, str) else None
    if not match:
        return None
    high, low = int(match.group(1)), int(match.group(2))
    return (high, low) if high <= 65535 and low <= 65535 else None


def as_number_value(value):
    """An AS number as Calico stores it (an integer), or None when the value is not a valid AS number."""
    if is_int(value):
        return value if 0 <= value <= AS_NUMBER_MAX else None
    if is_digits(value):
        number = int(value)
        return number if number <= AS_NUMBER_MAX else None
    parts = asdot_parts(value)
    return None if parts is None else parts[0] * 65536 + parts[1]


def as_number_problem(value, path):
    return None if as_number_value(value) is not None else bad(path, value, AS_NUMBER_TEXT)
