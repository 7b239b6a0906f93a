"""Probe outcomes from exit codes and messages (curl's, OpenBSD netcat's and iputils ping's documented ones)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._probe.outcomes import observe


@pytest.mark.parametrize("tool, rc, stderr, result, reached", [
    ("curl", 0, "", "connected", True),
    ("curl", 52, "curl: (52) Empty reply from server", "connected", True),
    ("curl", 7, "curl: (7) Failed to connect to 198.19.0.1 port 30180: Connection refused", "refused", True),
    ("curl", 28, "curl: (28) Connection timed out after 3001 milliseconds", "timeout", False),
    ("curl", 7, "curl: (7) Failed to connect to 8.8.8.8 port 80 after 3000 ms: Timeout was reached", "timeout", False),
    ("curl", 6, "curl: (6) Could not resolve host: database.yaobank", "dns", None),
    ("curl", 3, "curl: (3) URL using bad/illegal format", "error", None),
    ("nc", 0, "Connection to 198.19.0.1 21 port [tcp/ftp] succeeded!", "connected", True),
    ("nc", 1, "nc: connect to 198.19.0.1 port 21 (tcp) timed out: Operation now in progress", "timeout", False),
    ("nc", 1, "nc: connect to 198.19.0.1 port 21 (tcp) failed: Connection refused", "refused", True),
    ("nc", 1, "nc: getaddrinfo for host \"database\" port 2379: Name or service not known", "dns", None),
    ("nc", 1, "", "error", None),
    ("ping", 0, "", "replied", True),
    ("ping", 1, "", "timeout", False),
    ("ping", 1, "From 198.19.0.1 icmp_seq=1 Destination Host Unreachable", "refused", True),
    ("ping", 2, "ping: 8.8.8.8: Temporary failure in name resolution", "dns", None),
])
def test_observe(tool, rc, stderr, result, reached):
    outcome = observe(tool, rc, stderr)
    assert (outcome["result"], outcome["reached"]) == (result, reached)
    assert outcome["evidence"].startswith("%s exited %d" % (tool, rc))


def test_unknown_tool_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown probe tool 'wget'"):
        observe("wget", 0)
