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

A cell is ``{"allowed": bool, "decided_by": "<policy and rule that decided>", "explanation": "<full text>"}``
(``cell_from_verdict`` builds one from the engine's Verdict). A flow row adds ``"source"`` and
``"destination"`` labels to a cell and may carry ``"expected"`` (True/False) for an assertion column.

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


def cell_from_verdict(verdict):
    """Reduce an engine Verdict (or a dict with ``allowed``, ``decided_by`` and ``explanation``) to a report cell.

    The engine's ``decided_by`` already names the stage that denied, or every stage that let the flow pass.
    """
    if isinstance(verdict, dict):
        allowed, decided_by, explanation = verdict.get("allowed"), verdict.get("decided_by"), verdict.get("explanation")
    else:
        allowed, decided_by, explanation = verdict.allowed, verdict.decided_by, verdict.explain()
    return {
        "allowed": None if allowed is None else bool(allowed),
        "decided_by": str(decided_by or ""),
        "explanation": str(explanation or ""),
    }


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
    decided = cell.get("decided_by")
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


def _expected_word(flow):
    if "expected" not in flow or flow.get("expected") is None:
        return ""
    return verdict_word(bool(flow["expected"]))


def render_flows_markdown(flows):
    with_expect = any(flow.get("expected") is not None for flow in flows)
    header = ["source", "destination", "port", "verdict", "decided by"]
    if with_expect:
        header.append("expected")
    lines = [_md_row(header), _md_row(["---"] * len(header))]
    for flow in flows:
        values = [md_escape(flow.get("source")), md_escape(flow.get("destination")),
                  md_escape(port_label(flow.get("protocol"), flow.get("port"))),
                  "**%s**" % verdict_word(flow.get("allowed")), md_escape(flow.get("decided_by"))]
        if with_expect:
            expected = _expected_word(flow)
            mismatch = expected and flow.get("allowed") is not None and bool(flow["expected"]) != flow.get("allowed")
            values.append(("**MISMATCH** expected " if mismatch else "") + expected)
        lines.append(_md_row(values))
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
                 "change flipped; the text after the verdict names the policy and rule (or profile, failsafe or "
                 "end-of-tier default deny) that decided." % (ALLOW_WORD, DENY_WORD))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1b1f24;background:#fff}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #c9d1d9;padding:.35em .55em;vertical-align:top;font-size:.9em}
th{background:#f3f5f7;text-align:left}
th.src{white-space:nowrap}
td.allow{background:#dafbe1}
td.deny{background:#ffe1e1}
td.unknown{background:#eeeeee}
td .word{font-weight:bold;display:block}
td .who{color:#3a434d;font-size:.85em}
td.mismatch{outline:3px solid #d1242f}
td.flipped{box-shadow:inset 0 0 0 3px #0969da}
td .was{color:#0969da;font-size:.85em;display:block}
.legend span{display:inline-block;padding:.2em .6em;margin-right:.6em;border:1px solid #c9d1d9}
.summary{color:#3a434d}
"""


def h(text):
    return html.escape("" if text is None else str(text), quote=True)


def _css_class(allowed):
    if allowed is None:
        return "unknown"
    return "allow" if allowed else "deny"


def _html_cell(cell, extra_class=""):
    explanation = cell.get("explanation") or cell.get("decided_by") or ""
    was = _was_text(cell)
    if was:
        extra_class = (extra_class + " flipped").strip()
    classes = (_css_class(cell.get("allowed")) + " " + extra_class).strip()
    return '<td class="%s" title="%s"><span class="word">%s</span>%s<span class="who">%s</span></td>' % (
        classes, h(explanation), h(verdict_word(cell.get("allowed"))),
        '<span class="was">%s</span>' % h(was) if was else "", h(cell.get("decided_by")))


def render_matrix_html(matrix):
    sources = matrix.get("sources") or []
    destinations = matrix.get("destinations") or []
    cells = matrix.get("cells") or []
    parts = []
    if matrix.get("port") is not None:
        parts.append('<p class="summary">Default port: %s</p>' % h(port_label(matrix.get("protocol"), matrix.get("port"))))
    parts.append("<table>")
    parts.append("<tr><th>source \u2192 destination</th>%s</tr>" % "".join("<th>%s</th>" % h(dst) for dst in destinations))
    for row_index, source in enumerate(sources):
        row = cells[row_index] if row_index < len(cells) else []
        tds = "".join(_html_cell(row[col]) if col < len(row) else "<td></td>" for col in range(len(destinations)))
        parts.append('<tr><th class="src">%s</th>%s</tr>' % (h(source), tds))
    parts.append("</table>")
    allowed, denied = counts(matrix)
    parts.append('<p class="summary">%d allowed, %d denied.</p>' % (allowed, denied))
    return parts


def render_flows_html(flows):
    with_expect = any(flow.get("expected") is not None for flow in flows)
    header = ["source", "destination", "port", "verdict"] + (["expected"] if with_expect else [])
    parts = ["<table>", "<tr>%s</tr>" % "".join("<th>%s</th>" % h(name) for name in header)]
    for flow in flows:
        mismatch = (with_expect and flow.get("expected") is not None and flow.get("allowed") is not None
                    and bool(flow["expected"]) != flow.get("allowed"))
        row = ["<td>%s</td>" % h(flow.get("source")), "<td>%s</td>" % h(flow.get("destination")),
               "<td>%s</td>" % h(port_label(flow.get("protocol"), flow.get("port"))),
               _html_cell(flow, "mismatch" if mismatch else "")]
        if with_expect:
            row.append("<td>%s</td>" % h(_expected_word(flow)))
        parts.append("<tr>%s</tr>" % "".join(row))
    parts.append("</table>")
    return parts


def render_html(matrix=None, flows=None, title=None):
    """A complete HTML5 page: inline CSS, no scripts, no external assets; every text escaped."""
    title = title or (matrix or {}).get("title") or "Reachability"
    body = ["<h1>%s</h1>" % h(title)]
    body.append('<p class="legend"><span style="background:#dafbe1">%s: permitted</span>'
                '<span style="background:#ffe1e1">%s: dropped</span>'
                '<span style="background:#eeeeee">%s: not evaluated</span>'
                '<span style="box-shadow:inset 0 0 0 3px #0969da">(was ...): flipped by this change</span> '
                "Each cell names the policy and rule (or profile, failsafe or end-of-tier default deny) that decided; "
                "hover a cell for the full explanation.</p>" % (h(ALLOW_WORD), h(DENY_WORD), h(UNKNOWN_WORD)))
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
