# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The lab report: every outcome the course promises, with what was predicted and what was observed.

One report covers the whole course (``report.json`` plus a self-contained ``index.html``); each lab replaces
only its own section, so running one lab by its tag updates that lab and keeps the others.

An outcome is a dict with ``lab``, ``step``, ``description``, ``kind`` (``flow`` or ``check``), ``expected``,
``predicted``, ``observed`` and ``evidence``; a flow also names ``src``, ``dst``, ``protocol`` and ``port`` the way
``calico_reachability`` does. ``status`` is derived, never given:

- ``not-run``: nothing was predicted or observed (a probe that cannot run here, e.g. in the offline rehearsal);
- ``pass`` / ``fail``: the observation, when there is one, decides; otherwise the prediction does. A flow whose
  prediction and observation differ carries ``disagreement: true`` whatever its status, so a wrong prediction is
  never hidden behind a passing probe.

Each lab section also lists its ``steps`` (``name``, ``title``, ``matrix``): the reachability matrix the policy
engine predicted after the step, between the lab's parties (every source and destination its flow outcomes
name, ``matrix_parties``), one cell per source and destination with the verdict and the deciding policy. A cell
whose verdict differs from the same cell after the lab's previous step with a matrix is ``flipped``, so the report
shows what each step changed. Nothing in a section depends on when it was written: the same run gives the same
bytes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import html
import json

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.report import (
    endpoint_label,
    verdict_word,
)

REPORT_VERSION = 1
KINDS = ("flow", "check")
STATUSES = ("pass", "fail", "not-run")
_FLOW_FIELDS = ("src", "dst", "protocol", "port")
_KNOWN_FIELDS = ("lab", "step", "description", "kind", "expected", "predicted", "observed", "evidence",
                 "explanation") + _FLOW_FIELDS


class ReportInputError(ValueError):
    """Bad outcomes; ``problems`` holds one sentence per problem."""

    def __init__(self, problems):
        super(ReportInputError, self).__init__("; ".join(problems))
        self.problems = problems


def outcome_problems(outcome, path):
    """Every problem in one raw outcome, each naming the field, the value and what is allowed."""
    if not isinstance(outcome, dict):
        return ["%s: %r is not a mapping (allowed: a dict with step, description, kind, expected)" % (path, outcome)]
    problems = []
    unknown = sorted(set(outcome) - set(_KNOWN_FIELDS) - {"status", "disagreement"})
    if unknown:
        problems.append("%s: unknown keys %s (allowed: %s)" % (path, unknown, ", ".join(_KNOWN_FIELDS)))
    for key in ("step", "description"):
        if not isinstance(outcome.get(key), str) or not outcome.get(key):
            problems.append("%s.%s: %r (allowed: a non-empty string)" % (path, key, outcome.get(key)))
    kind = outcome.get("kind")
    if kind not in KINDS:
        problems.append("%s.kind: %r (allowed: %s)" % (path, kind, ", ".join(KINDS)))
    if kind == "flow":
        problems.extend(_flow_problems(outcome, path))
    return problems


def _flow_problems(outcome, path):
    problems = []
    for end in ("src", "dst"):
        if not isinstance(outcome.get(end), dict) or not outcome.get(end):
            problems.append("%s.%s: %r (allowed: a flow end such as {pod: yaobank/customer})" % (path, end, outcome.get(end)))
    for key in ("expected", "predicted", "observed"):
        if outcome.get(key) is not None and not isinstance(outcome.get(key), bool):
            problems.append("%s.%s: %r (allowed: true for allowed, false for denied, or null)" % (path, key, outcome[key]))
    if not isinstance(outcome.get("expected"), bool):
        problems.append("%s.expected: %r (allowed: true or false; a flow outcome must state what the course promises)"
                        % (path, outcome.get("expected")))
    port = outcome.get("port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536):
        problems.append("%s.port: %r (allowed: an integer 1-65535 or null)" % (path, port))
    return problems


def finished_outcome(lab, outcome):
    """A copy of a valid raw outcome with ``lab``, ``status`` and, for flows, ``disagreement`` filled in."""
    result = {key: copy.deepcopy(outcome.get(key)) for key in _KNOWN_FIELDS if key in outcome}
    result["lab"] = lab
    for key in ("predicted", "observed", "evidence"):
        result.setdefault(key, None)
    result["status"] = outcome_status(result)
    if result["kind"] == "flow":
        result["disagreement"] = _disagree(result["predicted"], result["observed"])
    return result


def outcome_status(outcome):
    deciding = outcome.get("observed")
    if deciding is None:
        deciding = outcome.get("predicted")
    if deciding is None:
        return "not-run"
    return "pass" if deciding == outcome.get("expected") else "fail"


def _disagree(predicted, observed):
    return predicted is not None and observed is not None and predicted != observed


# ---------------------------------------------------------------------------------------------------------
# Steps and their reachability matrices

_STEP_FIELDS = ("name", "title", "matrix", "matrix_error")
_MATRIX_FIELDS = ("sources", "destinations", "cells")
_CELL_FIELDS = ("allowed", "policy", "decided_by", "explanation")
_END_KEYS = ("pod", "ip", "host", "service", "nodeport")


def matrix_parties(lab, names=None):
    """The matrix a lab's report shows: every source and every destination its flow outcomes name, in order.

    ``sources`` are flow ends; ``destinations`` are flow ends carrying the outcome's ``protocol`` (default TCP)
    and ``port`` (where given), as ``calico_reachability``'s ``matrix`` takes them. ``names`` maps a name to an
    address (``{host1: 198.19.15.254}``): a source at that address is labelled with the name. The same parties
    at every step keep the cells comparable from one step to the next. Empty lists when the lab has no flows.
    """
    if not isinstance(lab, dict) or not isinstance(lab.get("steps"), list):
        raise ReportInputError(["lab: %r (allowed: a lab with a steps list, docs/LAB_DATA.md)" % (lab,)])
    by_address = dict((str(address), name) for name, address in sorted((names or {}).items()) if address)
    sources, destinations = [], []
    for step in lab["steps"]:
        for outcome in (step or {}).get("outcomes") or []:
            if not isinstance(outcome, dict) or outcome.get("kind") != "flow":
                continue
            _add_once(sources, _labelled_source(outcome.get("src"), by_address))
            _add_once(destinations, _matrix_destination(outcome))
    return {"sources": sources, "destinations": destinations}


def _labelled_source(end, by_address):
    end = dict(end or {})
    name = by_address.get(str(end.get("ip"))) if "ip" in end and "label" not in end else None
    if name:
        end["label"] = "%s (%s)" % (name, end["ip"])
    return end


def _matrix_destination(outcome):
    destination = dict(outcome.get("dst") or {})
    destination["protocol"] = str(outcome.get("protocol") or "TCP").upper()
    if outcome.get("port") not in (None, ""):
        destination["port"] = outcome["port"]
    return destination


def _add_once(items, item):
    if _canonical(item) not in [_canonical(known) for known in items]:
        items.append(item)


def _canonical(value):
    return json.dumps(value, sort_keys=True, default=str)


def step_problems(step, path):
    """Every problem in one raw step entry ({name, title, matrix, matrix_error})."""
    if not isinstance(step, dict):
        return ["%s: %r is not a mapping (allowed: a dict with name, title, matrix)" % (path, step)]
    problems = []
    unknown = sorted(set(step) - set(_STEP_FIELDS))
    if unknown:
        problems.append("%s: unknown keys %s (allowed: %s)" % (path, unknown, ", ".join(_STEP_FIELDS)))
    if not isinstance(step.get("name"), str) or not step.get("name"):
        problems.append("%s.name: %r (allowed: a non-empty string)" % (path, step.get("name")))
    for key in ("title", "matrix_error"):
        if step.get(key) is not None and not isinstance(step.get(key), str):
            problems.append("%s.%s: %r (allowed: a string or null)" % (path, key, step.get(key)))
    if step.get("matrix") is not None:
        problems.extend(matrix_problems(step["matrix"], path + ".matrix"))
    return problems


def matrix_problems(matrix, path):
    """Problems in a raw matrix: flow ends as ``sources`` and ``destinations`` (as ``matrix_parties`` gives them)
    and ``cells[row][column]`` as ``calico_reachability`` returns them (``allowed``, ``policy``, ``decided_by``)."""
    if not isinstance(matrix, dict):
        return ["%s: %r (allowed: a dict with sources, destinations and cells, or null)" % (path, matrix)]
    problems = []
    unknown = sorted(set(matrix) - set(_MATRIX_FIELDS))
    if unknown:
        problems.append("%s: unknown keys %s (allowed: %s)" % (path, unknown, ", ".join(_MATRIX_FIELDS)))
    for key in ("sources", "destinations"):
        ends = matrix.get(key)
        if not isinstance(ends, list) or not ends:
            problems.append("%s.%s: %r (allowed: a non-empty list of flow ends)" % (path, key, ends))
            continue
        for index, end in enumerate(ends):
            if not isinstance(end, dict) or len([k for k in end if k in _END_KEYS]) != 1:
                problems.append("%s.%s[%d]: %r (allowed: a flow end with exactly one of %s)"
                                % (path, key, index, end, ", ".join(_END_KEYS)))
    if problems:
        return problems
    return _cell_grid_problems(matrix.get("cells"), len(matrix["sources"]), len(matrix["destinations"]), path)


def _cell_grid_problems(cells, rows, columns, path):
    shape = "%d rows of %d cells, one per source and destination" % (rows, columns)
    if not isinstance(cells, list) or len(cells) != rows \
            or any(not isinstance(row, list) or len(row) != columns for row in cells):
        return ["%s.cells: %s (allowed: %s)" % (path, _short_repr(cells), shape)]
    problems = []
    for row_index, row in enumerate(cells):
        for column, cell in enumerate(row):
            where = "%s.cells[%d][%d]" % (path, row_index, column)
            if not isinstance(cell, dict) or not (cell.get("allowed") is None or isinstance(cell["allowed"], bool)):
                problems.append("%s: %s (allowed: a dict whose allowed is true, false or null)" % (where, _short_repr(cell)))
            elif set(cell) - set(_CELL_FIELDS):
                unknown = sorted(set(cell) - set(_CELL_FIELDS))
                problems.append("%s: unknown keys %s (allowed: %s)" % (where, unknown, ", ".join(_CELL_FIELDS)))
    return problems


def _short_repr(value):
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def finished_steps(steps, outcomes):
    """The section's steps in order: each given step, then any step only the outcomes name; every matrix with
    its cells flattened and each cell compared with the same cell after the previous step that has a matrix."""
    result = [_finished_step(step) for step in steps]
    named = [step["name"] for step in result]
    for outcome in outcomes:
        if outcome["step"] not in named:
            named.append(outcome["step"])
            result.append({"name": outcome["step"], "title": None, "matrix": None})
    previous = None
    for step in result:
        if step["matrix"] is not None:
            mark_flips(step["matrix"], previous)
            previous = step
    return result


def _finished_step(step):
    result = {"name": step["name"], "title": step.get("title"), "matrix": None}
    if step.get("matrix") is not None:
        result["matrix"] = flat_matrix(step["matrix"])
    if step.get("matrix_error"):
        result["matrix_error"] = step["matrix_error"]
    return result


def flat_matrix(matrix):
    """A raw matrix as stored: row and column labels, and one cell per source and destination (row by row)
    naming its ends, protocol and port, with the verdict and the deciding policy."""
    sources = [_end_only(end) for end in matrix["sources"]]
    source_labels = [endpoint_label(end) for end in matrix["sources"]]
    columns = []
    for end in matrix["destinations"]:
        protocol = str(end.get("protocol") or "TCP").upper()
        port = end.get("port")
        columns.append((_end_only(end), protocol, port, endpoint_label(_end_only(end), protocol, port)))
    cells = []
    for row_index, source in enumerate(sources):
        for column_index, (destination, protocol, port, label) in enumerate(columns):
            cell = matrix["cells"][row_index][column_index]
            cells.append({"src": copy.deepcopy(source), "dst": copy.deepcopy(destination),
                          "source": source_labels[row_index], "destination": label,
                          "protocol": protocol, "port": port, "allowed": cell.get("allowed"),
                          "policy": cell.get("policy") or cell.get("decided_by") or "",
                          "decided_by": cell.get("decided_by") or ""})
    return {"sources": source_labels, "destinations": [column[3] for column in columns], "cells": cells}


def _end_only(end):
    return dict((key, copy.deepcopy(value)) for key, value in end.items() if key in _END_KEYS)


def mark_flips(matrix, previous_step):
    """Set each cell's ``previous`` verdict (same source and destination after ``previous_step``, null without
    one) and ``flipped``; the matrix records which step it was compared with and how many cells flipped."""
    before = {}
    if previous_step is not None:
        before = dict(((cell["source"], cell["destination"]), cell["allowed"])
                      for cell in previous_step["matrix"]["cells"])
    for cell in matrix["cells"]:
        cell["previous"] = before.get((cell["source"], cell["destination"]))
        cell["flipped"] = (cell["previous"] is not None and cell["allowed"] is not None
                           and cell["previous"] != cell["allowed"])
    matrix["compared_with"] = previous_step["name"] if previous_step is not None else None
    matrix["flips"] = sum(1 for cell in matrix["cells"] if cell["flipped"])
    return matrix


def updated_report(existing, lab, title, outcomes, steps=None):
    """The report with ``lab``'s section replaced by ``outcomes`` and ``steps`` (raw); raises ReportInputError on
    bad input.

    Labs keep the order in which they first reported, so the course order holds when the labs run in order.
    """
    problems = []
    for index, outcome in enumerate(outcomes):
        problems.extend(outcome_problems(outcome, "outcomes[%d]" % index))
    for index, step in enumerate(steps or []):
        problems.extend(step_problems(step, "steps[%d]" % index))
    names = [step.get("name") for step in steps or [] if isinstance(step, dict)]
    duplicates = sorted(set(name for name in names if names.count(name) > 1 and isinstance(name, str)))
    if duplicates:
        problems.append("steps: the names %s appear more than once (allowed: each step once)" % duplicates)
    if problems:
        raise ReportInputError(problems)
    report = copy.deepcopy(existing) if _is_report(existing) else empty_report()
    if lab not in report["lab_order"]:
        report["lab_order"].append(lab)
    finished = [finished_outcome(lab, o) for o in outcomes]
    report["labs"][lab] = {"title": title or lab, "outcomes": finished, "steps": finished_steps(steps or [], finished)}
    return report


def empty_report():
    return {"version": REPORT_VERSION, "lab_order": [], "labs": {}}


def _is_report(value):
    return (isinstance(value, dict) and value.get("version") == REPORT_VERSION and isinstance(value.get("labs"), dict)
            and isinstance(value.get("lab_order"), list))


def all_outcomes(report):
    """The outcomes of every lab, flattened in lab order (the machine-readable list the issue asks for)."""
    return [outcome for lab in report["lab_order"] for outcome in report["labs"][lab]["outcomes"]]


def counts(outcomes):
    result = dict((status, 0) for status in STATUSES)
    for outcome in outcomes:
        result[outcome["status"]] += 1
    result["disagreements"] = sum(1 for outcome in outcomes if outcome.get("disagreement"))
    return result


def report_json(report):
    """The JSON text written to report.json: stable key order, so an unchanged report is byte-identical."""
    document = dict(report, outcomes=all_outcomes(report))
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


SUMMARY_FAILURES_PER_LAB = 8
SUMMARY_DESCRIPTION_WIDTH = 60


def summary_lines(report, lab=None):
    """A one-screen summary: a line of counts per lab (or for ``lab`` only), then under it each failed or
    disagreeing outcome on one line with what the course expects, what was predicted and what was observed.
    At most SUMMARY_FAILURES_PER_LAB outcome lines per lab; the rest are counted (the report has them all)."""
    labs = [lab] if lab else report["lab_order"]
    lines = []
    for name in labs:
        section = report["labs"][name]
        tally = counts(section["outcomes"])
        lines.append("%-28s pass %3d  fail %3d  not-run %3d%s" % (
            name, tally["pass"], tally["fail"], tally["not-run"],
            "  disagreements %d" % tally["disagreements"] if tally["disagreements"] else ""))
        noted = [o for o in section["outcomes"] if o["status"] == "fail" or o.get("disagreement")]
        lines.extend(_summary_outcome_line(outcome) for outcome in noted[:SUMMARY_FAILURES_PER_LAB])
        if len(noted) > SUMMARY_FAILURES_PER_LAB:
            lines.append("  ... and %d more in the report" % (len(noted) - SUMMARY_FAILURES_PER_LAB))
    return lines


def _summary_outcome_line(outcome):
    mark = outcome["status"].upper() if outcome["status"] == "fail" else "DISAGREE"
    description = outcome["description"]
    if len(description) > SUMMARY_DESCRIPTION_WIDTH:
        description = description[:SUMMARY_DESCRIPTION_WIDTH - 3] + "..."
    flow = outcome["kind"] == "flow"
    return "  %s %s: %s | expected %s, predicted %s, observed %s" % (
        mark, outcome["step"], description, _plain_value(outcome.get("expected"), flow),
        _plain_value(outcome.get("predicted"), flow, "-"), _plain_value(outcome.get("observed"), flow, "not run"))


def _plain_value(value, flow, missing="-"):
    if value is None:
        return missing
    if flow and isinstance(value, bool):
        return "allowed" if value else "denied"
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 24 else text[:21] + "..."


# ---------------------------------------------------------------------------------------------------------
# HTML

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2733}
h1{font-size:1.5rem}h2{margin-top:2rem;border-bottom:2px solid #ccd}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #ccd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef}.pass{background:#e3f6e5}.fail{background:#fbe1e1}.not-run{background:#f1f1f1;color:#555}
.tally span{display:inline-block;margin-right:1rem}.disagree{outline:3px solid #d98b00}
code{font-size:.85rem}
.step-name{color:#555;font-weight:normal;font-size:.85rem}
.matrix-box{overflow:auto;max-width:100%;margin:.6rem 0}.matrix{width:auto}
.matrix th.dst{font-weight:normal;max-width:11rem}.matrix th.src{white-space:nowrap}
.matrix td{min-width:7rem;max-width:11rem}.matrix .word{font-weight:bold}
.matrix .who{display:block;font-size:.8rem;color:#3a434d;overflow-wrap:anywhere}
.allow{background:#dafbe1}.deny{background:#ffe1e1}.unknown{background:#eee}
.flipped{box-shadow:inset 0 0 0 3px #0969da}.was{display:block;color:#0969da;font-size:.8rem}
.note{color:#555;font-size:.9rem;margin:.3rem 0}
"""


def render_html(report):
    """A self-contained page: a tally per lab, then each lab's steps with every outcome side by side."""
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Calico course lab report</title>",
             "<style>%s</style></head><body><h1>Calico course lab report</h1>" % _STYLE,
             _html_overview(report)]
    for lab in report["lab_order"]:
        parts.append(_html_lab(lab, report["labs"][lab]))
    parts.append("</body></html>\n")
    return "".join(parts)


def _html_overview(report):
    rows = []
    for lab in report["lab_order"]:
        tally = counts(report["labs"][lab]["outcomes"])
        rows.append("<tr><td><a href='#lab-%s'>%s</a></td><td>%d</td><td>%d</td><td>%d</td><td>%d</td></tr>" % (
            _e(lab), _e(report["labs"][lab]["title"]), tally["pass"], tally["fail"], tally["not-run"],
            tally["disagreements"]))
    return ("<table><tr><th>lab</th><th>pass</th><th>fail</th><th>not-run</th><th>prediction vs observation "
            "disagreements</th></tr>%s</table>" % "".join(rows))


def _html_lab(lab, section):
    parts = ["<h2 id='lab-%s'>%s</h2>" % (_e(lab), _e(section["title"]))]
    for step in _section_steps(section):
        heading = _e(step["title"]) + " <span class='step-name'>(%s)</span>" % _e(step["name"]) \
            if step.get("title") else _e(step["name"])
        parts.append("<h3 id='step-%s-%s'>%s</h3>" % (_e(lab), _e(step["name"]), heading))
        rows = [_html_row(o) for o in section["outcomes"] if o["step"] == step["name"]]
        if rows:
            parts.append("<table><tr><th>status</th><th>outcome</th><th>flow or check</th><th>course expects</th>"
                         "<th>predicted</th><th>observed</th><th>evidence</th></tr>%s</table>" % "".join(rows))
        if step.get("matrix"):
            parts.append(_html_matrix(step["matrix"]))
        elif step.get("matrix_error"):
            parts.append("<p class='note'>No matrix for this step: %s</p>" % _e(step["matrix_error"]))
    return "".join(parts)


def _section_steps(section):
    """The section's steps; a section written before steps were recorded has them only in its outcomes."""
    if isinstance(section.get("steps"), list):
        return section["steps"]
    names = []
    for outcome in section["outcomes"]:
        if outcome["step"] not in names:
            names.append(outcome["step"])
    return [{"name": name, "title": None, "matrix": None} for name in names]


def _html_matrix(matrix):
    """The step's matrix: sources down, destinations across; each cell the predicted verdict and the deciding
    policy (the stage and rule on hover), a flipped cell outlined with the verdict it had before."""
    cells = dict(((cell["source"], cell["destination"]), cell) for cell in matrix["cells"])
    flips = matrix.get("flips") or 0
    compared = matrix.get("compared_with")
    note = ("%d cell%s flipped since %s (outlined)" % (flips, "" if flips == 1 else "s", _e(compared))
            if compared else "the lab's first matrix")
    parts = ["<p class='note'>What the policy engine predicts after this step, between the lab's parties "
             "(rows: sources, columns: destinations); %s.</p>" % note,
             "<div class='matrix-box'><table class='matrix'><tr><th>source \u2193 destination \u2192</th>"]
    parts.extend("<th class='dst'>%s</th>" % _e(label) for label in matrix["destinations"])
    parts.append("</tr>")
    for source in matrix["sources"]:
        parts.append("<tr><th class='src'>%s</th>" % _e(source))
        for destination in matrix["destinations"]:
            cell = cells.get((source, destination))
            parts.append(_html_matrix_cell(cell) if cell else "<td></td>")
        parts.append("</tr>")
    parts.append("</table></div>")
    return "".join(parts)


def _html_matrix_cell(cell):
    allowed = cell.get("allowed")
    css = "unknown" if allowed is None else "allow" if allowed else "deny"
    was = "<span class='was'>was %s</span>" % _e(verdict_word(cell.get("previous"))) if cell.get("flipped") else ""
    return "<td class='%s%s' title='%s'><span class='word'>%s</span>%s<span class='who'>%s</span></td>" % (
        css, " flipped" if cell.get("flipped") else "", _e(cell.get("decided_by") or ""),
        _e(verdict_word(allowed)), was, _e(cell.get("policy") or ""))


def _html_row(outcome):
    css = outcome["status"] + (" disagree" if outcome.get("disagreement") else "")
    evidence = _e(outcome.get("evidence") or "")
    if outcome.get("explanation"):
        evidence += "<details><summary>engine's explanation</summary><pre>%s</pre></details>" % _e(outcome["explanation"])
    return "<tr class='%s'><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
        css, _e(outcome["status"]), _e(outcome["description"]), _e(_what(outcome)), _verdict(outcome.get("expected")),
        _verdict(outcome.get("predicted")), _verdict(outcome.get("observed")), evidence)


def _what(outcome):
    if outcome["kind"] != "flow":
        return "check"
    port = outcome.get("port")
    return "%s → %s %s%s" % (_end(outcome["src"]), _end(outcome["dst"]), outcome.get("protocol") or "TCP",
                             "/%d" % port if port else "")


def _end(end):
    return ", ".join("%s %s" % (key, value) for key, value in sorted(end.items()))


def _verdict(value):
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "allowed" if value else "denied"
    return _e(value)


def _e(value):
    return html.escape(str(value), quote=True)
