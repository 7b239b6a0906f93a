# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Render a reachability matrix (and a list of single flows) as Markdown or as a self-contained HTML page.

The matrix is plain data, so the lab report can store it and render it later:

    {"title": "after database-policy",            # optional
     "protocol": "TCP", "port": 80,                # the matrix default; a column may carry its own
     "sources": ["yaobank/customer-0", ...],       # row labels (strings)
     "destinations": ["yaobank/database-0 TCP/2379", ...],
     "cells": [[cell, ...], ...]}                  # cells[row][column]

A cell is ``{"allowed": bool, "policy": "<the deciding policy, short>", "decided_by": "<stage, policy and rule
that decided>", "explanation": "<full text>"}`` (``cell_from_verdict`` builds one from the engine's Verdict;
``policy`` may be missing in cells stored before it existed). A flow row adds ``"source"`` and
``"destination"`` labels to a cell and may carry ``"expected"`` (True/False) and ``"description"`` for an
assertion: the report then shows the description and a pass/FAIL mark.

The HTML matrix stays readable when large (60 x 60 and more): each cell shows the verdict and the deciding
policy (cut to a fixed width, the whole text on hover), the full explanation opens on click (``<details>``),
and the header row and the source column stay in place while the table scrolls (CSS ``position: sticky``).

Every piece of text comes from cluster objects (names, labels, selectors), so all of it is escaped: Markdown
table syntax characters, and HTML with ``html.escape``. The HTML page uses inline CSS only, no scripts and no
external assets, so it can be attached to a report or opened from disk.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import html
import re

ALLOW_WORD = "allow"
DENY_WORD = "DENY"
UNKNOWN_WORD = "?"

_MD_SPECIAL = re.compile(r"([\\|*_`<>])")


# ---------------------------------------------------------------- labels and cells

def endpoint_label(endpoint, protocol=None, port=None):
    """A short, stable label for a flow end: ``ns/pod``, an IP, ``host:<node>``, ``svc:ns/name`` or ``nodeport:node:port``."""
    if isinstance(endpoint, str):
        label = endpoint
    elif not isinstance(endpoint, dict):
        label = str(endpoint)
    elif "label" in endpoint:
        label = str(endpoint["label"])
    elif "pod" in endpoint:
        label = str(endpoint["pod"])
    elif "ip" in endpoint:
        label = str(endpoint["ip"])
    elif "host" in endpoint:
        label = "host:%s" % endpoint["host"]
    elif "service" in endpoint:
        label = "svc:%s" % endpoint["service"]
    elif "nodeport" in endpoint:
        nodeport = endpoint["nodeport"] or {}
        label = "nodeport:%s:%s" % (nodeport.get("node"), nodeport.get("port"))
    else:
        label = ", ".join("%s=%s" % item for item in sorted(endpoint.items()))
    if port is not None or protocol is not None:
        label = "%s %s" % (label, port_label(protocol, port))
    return label


def port_label(protocol, port):
    protocol = str(protocol or "TCP").upper()
    if port is None or port == "":
        return protocol
    return "%s/%s" % (protocol, port)


POLICY_KIND_SHORT = {"KubernetesNetworkPolicy": "knp", "NetworkPolicy": "np", "GlobalNetworkPolicy": "gnp",
                     "StagedNetworkPolicy": "staged np", "StagedGlobalNetworkPolicy": "staged gnp",
                     "StagedKubernetesNetworkPolicy": "staged knp"}
# Stage details that name who decided; the others (no host endpoint, not a Calico endpoint, ...) only say
# that nothing stood in the way.
DECIDING_TYPES = ("rule", "profile", "failsafe", "default-deny", "no-profile")


def short_policy_ref(kind, namespace, name):
    prefix = POLICY_KIND_SHORT.get(kind, kind)
    return "%s %s" % (prefix, "%s/%s" % (namespace, name) if namespace else name)


def _short_ref_text(ref):
    # "KubernetesNetworkPolicy yaobank/database-policy" -> "knp yaobank/database-policy"
    kind, _space, rest = str(ref).partition(" ")
    return "%s %s" % (POLICY_KIND_SHORT.get(kind, kind), rest) if rest else str(ref)


def short_decider(detail):
    """Who decided one stage, in a few words: the policy, profile, failsafe or default deny."""
    kind = detail.get("type")
    policy = detail.get("policy")
    if kind == "rule" and isinstance(policy, dict):
        return short_policy_ref(policy.get("kind"), policy.get("namespace"), policy.get("name"))
    if kind == "default-deny":
        return "default deny (%s)" % ", ".join(_short_ref_text(ref) for ref in detail.get("policies") or [])
    return str(detail.get("text") or "")


def deciding_policy(details):
    """The deciding policy of a verdict (``Verdict.as_dict()``): who denied, or every policy that allowed."""
    stages = details.get("stages") or []
    if not details.get("allowed"):
        for stage in stages:
            if stage.get("decision") == "deny":
                return short_decider(stage.get("detail") or {}) or str(stage.get("decided_by") or "")
    deciders = []
    for stage in stages:
        detail = stage.get("detail") or {}
        if detail.get("type") in DECIDING_TYPES:
            text = short_decider(detail)
            if text not in deciders:
                deciders.append(text)
    return ", ".join(deciders) if deciders else "no policy applies"


def cell_from_verdict(verdict):
    """Reduce an engine Verdict (or a dict with ``allowed``, ``decided_by`` and ``explanation``) to a report cell.

    The engine's ``decided_by`` already names the stage that denied, or every stage that let the flow pass;
    ``policy`` says the same in a few words for a matrix cell.
    """
    if isinstance(verdict, dict):
        allowed, decided_by, explanation = verdict.get("allowed"), verdict.get("decided_by"), verdict.get("explanation")
        policy = verdict.get("policy")
        if policy is None and "stages" in verdict:
            policy = deciding_policy(verdict)
    else:
        allowed, decided_by, explanation = verdict.allowed, verdict.decided_by, verdict.explain()
        policy = deciding_policy(verdict.as_dict())
    cell = {
        "allowed": None if allowed is None else bool(allowed),
        "decided_by": str(decided_by or ""),
        "explanation": str(explanation or ""),
    }
    if policy is not None:
        cell["policy"] = str(policy)
    return cell


def cell_policy(cell):
    """The short deciding policy of a cell, or its decided_by where the cell predates ``policy``."""
    return cell.get("policy") or cell.get("decided_by") or ""


def verdict_word(allowed):
    if allowed is None:
        return UNKNOWN_WORD
    return ALLOW_WORD if allowed else DENY_WORD


def counts(matrix):
    """(allowed, denied) over all cells."""
    allowed = denied = 0
    for row in matrix.get("cells") or []:
        for cell in row:
            if cell.get("allowed") is True:
                allowed += 1
            elif cell.get("allowed") is False:
                denied += 1
    return allowed, denied


def mark_changes(matrix, previous):
    """Mark the cells whose verdict differs from ``previous`` (same labels) with ``was``; return the flips.

    Cells are matched by source and destination label, so rows or columns added or removed are not flips.
    """
    before = {}
    for row_index, source in enumerate(previous.get("sources") or []):
        row = (previous.get("cells") or [])[row_index] if row_index < len(previous.get("cells") or []) else []
        for col_index, destination in enumerate(previous.get("destinations") or []):
            if col_index < len(row):
                before[(source, destination)] = row[col_index].get("allowed")
    flips = []
    for row_index, source in enumerate(matrix.get("sources") or []):
        row = (matrix.get("cells") or [])[row_index] if row_index < len(matrix.get("cells") or []) else []
        for col_index, destination in enumerate(matrix.get("destinations") or []):
            if col_index >= len(row):
                continue
            cell = row[col_index]
            was = before.get((source, destination))
            if was is not None and cell.get("allowed") is not None and was != cell.get("allowed"):
                cell["was"] = was
                flips.append({"source": source, "destination": destination, "before": was,
                              "after": cell.get("allowed"), "decided_by": cell.get("decided_by")})
    return flips


# ---------------------------------------------------------------- Markdown

def md_escape(text):
    """Escape text for a Markdown table cell: table pipes, emphasis and HTML characters; newlines become spaces."""
    text = "" if text is None else str(text)
    text = " ".join(text.split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_row(values):
    return "| " + " | ".join(values) + " |"


def _was_text(cell):
    return "(was %s)" % verdict_word(cell["was"]) if cell.get("was") is not None else ""


def _md_cell(cell):
    word = verdict_word(cell.get("allowed"))
    decided = cell_policy(cell)
    was = _was_text(cell)
    return "**%s**" % word + ((" _%s_" % was) if was else "") + ((" " + md_escape(decided)) if decided else "")


def render_matrix_markdown(matrix):
    sources = matrix.get("sources") or []
    destinations = matrix.get("destinations") or []
    cells = matrix.get("cells") or []
    lines = []
    if matrix.get("port") is not None:
        lines.append("Default port: %s" % md_escape(port_label(matrix.get("protocol"), matrix.get("port"))))
        lines.append("")
    lines.append(_md_row(["source \u2192 destination"] + [md_escape(dst) for dst in destinations]))
    lines.append(_md_row(["---"] * (len(destinations) + 1)))
    for row_index, source in enumerate(sources):
        row = cells[row_index] if row_index < len(cells) else []
        values = [md_escape(source)]
        for col_index in range(len(destinations)):
            values.append(_md_cell(row[col_index]) if col_index < len(row) else "")
        lines.append(_md_row(values))
    allowed, denied = counts(matrix)
    lines.append("")
    lines.append("%d allowed, %d denied." % (allowed, denied))
    return lines


PASS_MARK = "\u2713 pass"
FAIL_MARK = "\u2717 FAIL"


def _expected_word(flow):
    if "expected" not in flow or flow.get("expected") is None:
        return ""
    return verdict_word(bool(flow["expected"]))


def expectation_passes(flow):
    """True or False for a flow with an expectation, None without one (or without a verdict)."""
    if flow.get("expected") is None or flow.get("allowed") is None:
        return None
    return bool(flow["expected"]) == flow.get("allowed")


def expectation_mark(flow):
    passes = expectation_passes(flow)
    if passes is None:
        return ""
    return PASS_MARK if passes else FAIL_MARK


def expectation_summary(flows):
    """'3 of 4 expectations pass.' or None when no flow carries an expectation."""
    judged = [expectation_passes(flow) for flow in flows if expectation_passes(flow) is not None]
    if not judged:
        return None
    return "%d of %d expectations pass." % (judged.count(True), len(judged))


def _flow_columns(flows):
    """(with a description column, with expected/result columns)."""
    return (any(flow.get("description") for flow in flows),
            any(flow.get("expected") is not None for flow in flows))


def render_flows_markdown(flows):
    described, with_expect = _flow_columns(flows)
    header = (["description"] if described else []) + ["source", "destination", "port", "verdict", "decided by"]
    if with_expect:
        header += ["expected", "result"]
    lines = [_md_row(header), _md_row(["---"] * len(header))]
    for flow in flows:
        values = [md_escape(flow.get("description"))] if described else []
        values += [md_escape(flow.get("source")), md_escape(flow.get("destination")),
                   md_escape(port_label(flow.get("protocol"), flow.get("port"))),
                   "**%s**" % verdict_word(flow.get("allowed")), md_escape(flow.get("decided_by"))]
        if with_expect:
            mark = expectation_mark(flow)
            values += [_expected_word(flow), "**%s**" % mark if mark == FAIL_MARK else mark]
        lines.append(_md_row(values))
    summary = expectation_summary(flows)
    if summary:
        lines += ["", summary]
    return lines


def render_markdown(matrix=None, flows=None, title=None):
    """The whole report as Markdown text: a heading, the matrix, the flow table and a legend."""
    title = title or (matrix or {}).get("title") or "Reachability"
    lines = ["# %s" % md_escape(title), ""]
    if matrix and matrix.get("sources") and matrix.get("destinations"):
        lines.append("## Matrix (rows: sources, columns: destinations)")
        lines.append("")
        lines.extend(render_matrix_markdown(matrix))
        lines.append("")
    if flows:
        lines.append("## Flows")
        lines.append("")
        lines.extend(render_flows_markdown(flows))
        lines.append("")
    lines.append("Legend: **%s** the connection is permitted; **%s** it is dropped; _(was ...)_ marks a verdict this "
                 "change flipped; in the matrix the text after the verdict names the deciding policy (knp: Kubernetes "
                 "NetworkPolicy, np: Calico NetworkPolicy, gnp: GlobalNetworkPolicy; or a profile, failsafe or "
                 "end-of-tier default deny), the flow table names the stage and rule too; %s / %s says whether a "
                 "flow's verdict is the expected one." % (ALLOW_WORD, DENY_WORD, PASS_MARK, FAIL_MARK))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- HTML

# A big matrix scrolls inside its own box; the header row and the source column stick to its edges. Cells
# keep a fixed width (the deciding policy is cut with an ellipsis, whole on hover); the explanation opens
# over the table on click, so opening one never reflows the matrix.
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1b1f24;background:#fff}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:separate;border-spacing:0;margin:.5em 0}
th,td{border-right:1px solid #c9d1d9;border-bottom:1px solid #c9d1d9;padding:.3em .45em;vertical-align:top;
font-size:.85em;text-align:left}
tr:first-child>*{border-top:1px solid #c9d1d9}tr>*:first-child{border-left:1px solid #c9d1d9}
th{background:#f3f5f7;font-weight:600}
.matrix-box{overflow:auto;max-height:80vh;max-width:100%;border:1px solid #c9d1d9}
.matrix-box table{margin:0}
.matrix thead th{position:sticky;top:0;z-index:2}
.matrix th.src{position:sticky;left:0;z-index:1;white-space:nowrap;max-width:16em;overflow:hidden;
text-overflow:ellipsis}
.matrix thead th.corner{left:0;z-index:3}
.matrix th.dst{vertical-align:bottom;padding:.4em .2em}
.matrix th.dst span{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;display:inline-block;
max-height:14em;overflow:hidden;text-overflow:ellipsis}
.matrix td{width:9em;min-width:9em;max-width:9em}
td{position:relative}
td.allow{background:#dafbe1}
td.deny{background:#ffe1e1}
td.unknown{background:#eeeeee}
td .word{font-weight:bold}
td .who{color:#3a434d;font-size:.85em;display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
td details>summary{cursor:pointer;list-style:none}
td details>summary::-webkit-details-marker{display:none}
td details[open]>summary{text-decoration:underline}
td .why{position:absolute;left:0;top:100%;z-index:4;width:36em;max-width:80vw;background:#fff;color:#1b1f24;
border:1px solid #57606a;box-shadow:0 4px 12px rgba(0,0,0,.25);padding:.5em;white-space:pre-wrap;
font-family:ui-monospace,monospace;font-size:.8em}
.flows td .why{position:static;width:auto;box-shadow:none;margin-top:.3em}
.flows td .who{white-space:normal}
.flows td.label{white-space:nowrap}
.flows td.text{min-width:12em;max-width:24em}
.flows td.allow,.flows td.deny,.flows td.unknown{min-width:20em;max-width:48em}
td.mismatch{outline:3px solid #d1242f;outline-offset:-3px}
td.flipped{box-shadow:inset 0 0 0 3px #0969da}
td .was{color:#0969da;font-size:.85em;display:block}
td.pass{color:#116329;font-weight:bold;white-space:nowrap}
td.fail{color:#d1242f;font-weight:bold;white-space:nowrap}
.legend span{display:inline-block;padding:.2em .6em;margin:0 .6em .3em 0;border:1px solid #c9d1d9}
.summary{color:#3a434d}
.summary.failing{color:#d1242f;font-weight:bold}
"""


def h(text):
    return html.escape("" if text is None else str(text), quote=True)


def _css_class(allowed):
    if allowed is None:
        return "unknown"
    return "allow" if allowed else "deny"


def _html_cell(cell, extra_class="", who=None):
    """A verdict cell: the verdict and who decided; the full explanation on click; decided_by on hover."""
    explanation = cell.get("explanation") or cell.get("decided_by") or ""
    was = _was_text(cell)
    if was:
        extra_class = (extra_class + " flipped").strip()
    classes = (_css_class(cell.get("allowed")) + " " + extra_class).strip()
    who = cell_policy(cell) if who is None else who
    summary = '<span class="word">%s</span>%s<span class="who">%s</span>' % (
        h(verdict_word(cell.get("allowed"))), '<span class="was">%s</span>' % h(was) if was else "", h(who))
    return '<td class="%s" title="%s"><details><summary>%s</summary><div class="why">%s</div></details></td>' % (
        classes, h(cell.get("decided_by") or who), summary, h(explanation))


def render_matrix_html(matrix):
    sources = matrix.get("sources") or []
    destinations = matrix.get("destinations") or []
    cells = matrix.get("cells") or []
    parts = []
    if matrix.get("port") is not None:
        parts.append('<p class="summary">Default port: %s</p>' % h(port_label(matrix.get("protocol"), matrix.get("port"))))
    parts.append('<div class="matrix-box"><table class="matrix">')
    parts.append('<thead><tr><th class="corner">source \u2193 destination \u2192</th>%s</tr></thead>' % "".join(
        '<th class="dst" scope="col" title="%s"><span>%s</span></th>' % (h(dst), h(dst)) for dst in destinations))
    parts.append("<tbody>")
    for row_index, source in enumerate(sources):
        row = cells[row_index] if row_index < len(cells) else []
        tds = "".join(_html_cell(row[col]) if col < len(row) else "<td></td>" for col in range(len(destinations)))
        parts.append('<tr><th class="src" scope="row" title="%s">%s</th>%s</tr>' % (h(source), h(source), tds))
    parts.append("</tbody></table></div>")
    allowed, denied = counts(matrix)
    parts.append('<p class="summary">%d allowed, %d denied.</p>' % (allowed, denied))
    return parts


def _result_cell(flow):
    passes = expectation_passes(flow)
    if passes is None:
        return "<td></td>"
    return '<td class="%s">%s</td>' % ("pass" if passes else "fail", h(expectation_mark(flow)))


def render_flows_html(flows):
    described, with_expect = _flow_columns(flows)
    header = (["description"] if described else []) + ["source", "destination", "port"]
    header += (["expected", "verdict (click for why)", "result"] if with_expect else ["verdict (click for why)"])
    parts = []
    summary = expectation_summary(flows)
    if summary:
        failing = any(expectation_passes(flow) is False for flow in flows)
        parts.append('<p class="summary%s">%s</p>' % (" failing" if failing else "", h(summary)))
    parts += ['<table class="flows">', "<thead><tr>%s</tr></thead><tbody>" % "".join(
        '<th scope="col">%s</th>' % h(name) for name in header)]
    for flow in flows:
        mismatch = expectation_passes(flow) is False
        row = ['<td class="text">%s</td>' % h(flow.get("description"))] if described else []
        row += ['<td class="label">%s</td>' % h(value) for value in (
            flow.get("source"), flow.get("destination"), port_label(flow.get("protocol"), flow.get("port")))]
        if with_expect:
            row.append('<td class="label">%s</td>' % h(_expected_word(flow)))
        row.append(_html_cell(flow, "mismatch" if mismatch else "", who=flow.get("decided_by") or ""))
        if with_expect:
            row.append(_result_cell(flow))
        parts.append("<tr>%s</tr>" % "".join(row))
    parts.append("</tbody></table>")
    return parts


def render_html(matrix=None, flows=None, title=None):
    """A complete HTML5 page: inline CSS, no scripts, no external assets; every text escaped."""
    title = title or (matrix or {}).get("title") or "Reachability"
    body = ["<h1>%s</h1>" % h(title)]
    body.append('<p class="legend"><span style="background:#dafbe1">%s: permitted</span>'
                '<span style="background:#ffe1e1">%s: dropped</span>'
                '<span style="background:#eeeeee">%s: not evaluated</span>'
                '<span style="box-shadow:inset 0 0 0 3px #0969da">(was ...): flipped by this change</span>'
                '<span style="outline:3px solid #d1242f;outline-offset:-3px">not the expected verdict</span><br>'
                "Under each verdict: the deciding policy (knp: Kubernetes NetworkPolicy, np: Calico NetworkPolicy, "
                "gnp: GlobalNetworkPolicy; or a profile, failsafe or end-of-tier default deny). Hover a cell for "
                "the stage and rule; click it for the full explanation.</p>"
                % (h(ALLOW_WORD), h(DENY_WORD), h(UNKNOWN_WORD)))
    if matrix and matrix.get("sources") and matrix.get("destinations"):
        body.append("<h2>Matrix (rows: sources, columns: destinations)</h2>")
        body.extend(render_matrix_html(matrix))
    if flows:
        body.append("<h2>Flows</h2>")
        body.extend(render_flows_html(flows))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n"
            "<style>%s</style>\n</head>\n<body>\n%s\n</body>\n</html>\n") % (h(title), _CSS, "\n".join(body))


def render(report_format, matrix=None, flows=None, title=None):
    """'markdown' or 'html'; anything else is a caller error."""
    if report_format == "markdown":
        return render_markdown(matrix, flows, title)
    if report_format == "html":
        return render_html(matrix, flows, title)
    raise ValueError("report_format must be 'markdown' or 'html', got %r" % (report_format,))


# ---------------------------------------------------------------- mismatch table (for expect:)

def mismatch_table(mismatches):
    """A fixed-width text table of flows whose verdict differs from the expectation, for a failure message."""
    described = any(flow.get("description") for flow in mismatches)
    header = ("source", "destination", "port", "expected", "actual", "decided by") + (("why",) if described else ())
    rows = [header]
    for flow in mismatches:
        row = (str(flow.get("source")), str(flow.get("destination")),
               port_label(flow.get("protocol"), flow.get("port")),
               verdict_word(flow.get("expected")), verdict_word(flow.get("allowed")),
               " ".join(str(flow.get("decided_by") or "").split()))
        if described:
            row += (" ".join(str(flow.get("description") or "").split()),)
        rows.append(row)
    widths = [max(len(row[col]) for row in rows) for col in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(value.ljust(widths[col]) for col, value in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)
