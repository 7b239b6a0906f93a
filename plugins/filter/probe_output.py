# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Filters that turn the evidence commands of the course labs into data (see module_utils/_probe)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.calicolab.ccol1.plugins.module_utils._probe import outcomes, parsers


def _text_filter(parser):
    def run(text):
        if not isinstance(text, str):
            raise AnsibleFilterError("%s expects the command's output as a string, got %s"
                                     % (parser.__name__, type(text).__name__))
        return parser(text)
    run.__name__ = parser.__name__
    return run


def probe_outcome(result, tool):
    """A registered command result (rc, stderr, stdout) → {result, reached, evidence} for curl, nc or ping."""
    if not isinstance(result, dict) or "rc" not in result:
        raise AnsibleFilterError("probe_outcome expects a registered command result with rc, got %r" % (result,))
    try:
        return outcomes.observe(tool, result["rc"], result.get("stderr", ""), result.get("stdout", ""))
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):

    def filters(self):
        return {
            "ip_routes": _text_filter(parsers.parse_ip_route),
            "ip_links": _text_filter(parsers.parse_ip_link),
            "ip_brief_addr": _text_filter(parsers.parse_ip_brief_addr),
            "iptables_save": _text_filter(parsers.parse_iptables_save),
            "bird_protocols": _text_filter(parsers.parse_birdc_protocols),
            "bird_routes": _text_filter(parsers.parse_birdc_routes),
            "calico_node_status": _text_filter(parsers.parse_calico_node_status),
            "calico_ipam": _text_filter(parsers.parse_calico_ipam_show),
            "wg_show": _text_filter(parsers.parse_wg_show),
            "tcpdump_lines": _text_filter(parsers.parse_tcpdump_lines),
            "probe_outcome": probe_outcome,
        }
