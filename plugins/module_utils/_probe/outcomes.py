# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""What a probe's exit code and messages say about a flow.

A lab checks a flow by running curl, nc or ping and reading how it ended. Network policy that denies a flow
drops its packets, so the client waits until its own timeout; a flow that policy allows but nothing answers is
refused at once (a TCP reset). Both differ from a client that could not even start (a DNS failure, a bad
option). ``observe`` turns a run into one of:

- ``connected``: the TCP handshake completed (curl got a reply or at least connected; nc connected);
- ``replied``: ping got at least one echo reply;
- ``refused``: the destination answered with a reset or an ICMP unreachable (the flow itself got through);
- ``timeout``: nothing came back before the client's timeout (what a policy drop looks like);
- ``dns``: the name did not resolve (DNS itself may be what policy blocks);
- ``error``: anything else, with the message kept as evidence.

nc must run with -v: OpenBSD netcat says why a connection failed only then (without it a timeout and a
refusal both end with exit 1 and no message, which ``observe`` reports as ``error``, never as a verdict).
Exit codes are curl's documented ones (6 resolve, 7 connect failed, 28 operation timeout, 52 empty reply,
56 receive failure), OpenBSD netcat's (0 connected, 1 otherwise, told apart by its message) and iputils
ping's (0 some reply, 1 no reply, 2 other error).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ALLOWED_RESULTS = ("connected", "replied", "refused")

_CURL = {0: "connected", 6: "dns", 7: "refused", 28: "timeout", 52: "connected", 56: "connected"}
_TIMEOUT_WORDS = ("timed out", "timeout")
_REFUSED_WORDS = ("refused", "unreachable", "no route to host")
_DNS_WORDS = ("name or service not known", "could not resolve", "temporary failure in name resolution",
              "bad address", "nodename nor servname")


def observe(tool, rc, stderr="", stdout=""):
    """{"result": one of the words above, "reached": bool or None, "evidence": short text}.

    ``reached`` is True when packets of the flow got to the destination and back (connected, replied, refused),
    False on a timeout, and None when the run says nothing about the flow (dns, error).
    """
    result = _classify(tool, rc, (stderr or "") + "\n" + (stdout or ""))
    reached = True if result in ALLOWED_RESULTS else False if result == "timeout" else None
    evidence = "%s exited %s" % (tool, rc)
    message = (stderr or "").strip().splitlines()
    if message:
        evidence += ": " + message[-1][:200]
    return {"result": result, "reached": reached, "evidence": evidence}


def _classify(tool, rc, text):
    lowered = text.lower()
    if tool == "curl":
        if rc == 7 and any(word in lowered for word in _TIMEOUT_WORDS):
            return "timeout"   # curl reports a connect timeout (--connect-timeout) as 7 or 28 by version
        return _CURL.get(rc, "error")
    if tool == "nc":
        return "connected" if rc == 0 else _by_message(lowered)
    if tool == "ping":
        if rc == 0:
            return "replied"
        result = _by_message(lowered)
        return "timeout" if rc == 1 and result == "error" else result
    raise ValueError("unknown probe tool %r (allowed: curl, nc, ping)" % (tool,))


def _by_message(lowered):
    if any(word in lowered for word in _DNS_WORDS):
        return "dns"
    if any(word in lowered for word in _TIMEOUT_WORDS):
        return "timeout"
    if any(word in lowered for word in _REFUSED_WORDS):
        return "refused"
    return "error"
