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
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import html
import json

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


def updated_report(existing, lab, title, outcomes):
    """The report with ``lab``'s section replaced by ``outcomes`` (raw); raises ReportInputError on bad input.

    Labs keep the order in which they first reported, so the course order holds when the labs run in order.
    """
    problems = []
    for index, outcome in enumerate(outcomes):
        problems.extend(outcome_problems(outcome, "outcomes[%d]" % index))
    if problems:
        raise ReportInputError(problems)
    report = copy.deepcopy(existing) if _is_report(existing) else empty_report()
    if lab not in report["lab_order"]:
        report["lab_order"].append(lab)
    report["labs"][lab] = {"title": title or lab, "outcomes": [finished_outcome(lab, o) for o in outcomes]}
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


def summary_lines(report, lab=None):
    """A one-screen summary: a line per lab (or for ``lab`` only), then each failed or disagreeing outcome."""
    labs = [lab] if lab else report["lab_order"]
    lines = []
    for name in labs:
        section = report["labs"][name]
        tally = counts(section["outcomes"])
        lines.append("%-28s pass %3d  fail %3d  not-run %3d%s" % (
            name, tally["pass"], tally["fail"], tally["not-run"],
            "  disagreements %d" % tally["disagreements"] if tally["disagreements"] else ""))
        for outcome in section["outcomes"]:
            if outcome["status"] == "fail" or outcome.get("disagreement"):
                lines.append("  %s %s: %s" % (outcome["status"].upper(), outcome["step"], outcome["description"]))
    return lines


# ---------------------------------------------------------------------------------------------------------
# HTML

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2733}
h1{font-size:1.5rem}h2{margin-top:2rem;border-bottom:2px solid #ccd}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #ccd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef}.pass{background:#e3f6e5}.fail{background:#fbe1e1}.not-run{background:#f1f1f1;color:#555}
.tally span{display:inline-block;margin-right:1rem}.disagree{outline:3px solid #d98b00}
code{font-size:.85rem}
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
    steps = []
    for outcome in section["outcomes"]:
        if outcome["step"] not in steps:
            steps.append(outcome["step"])
    for step in steps:
        parts.append("<h3>%s</h3><table><tr><th>status</th><th>outcome</th><th>flow or check</th><th>course expects"
                     "</th><th>predicted</th><th>observed</th><th>evidence</th></tr>" % _e(step))
        parts.extend(_html_row(o) for o in section["outcomes"] if o["step"] == step)
        parts.append("</table>")
    return "".join(parts)


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
