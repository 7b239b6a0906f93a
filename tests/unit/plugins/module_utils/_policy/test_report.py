# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The reachability report renderer: deciding policies, Markdown and HTML, escaping, legend, on-demand
explanations, sticky headers, expectation marks, a large matrix, mismatch table."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from html.parser import HTMLParser

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import engine
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import report

ALLOW = {"allowed": True, "decided_by": "ingress: knp yaobank/summary-policy rule 1",
         "explanation": "egress: no policy selects yaobank/customer-0, profile kns.yaobank allows\n"
                        "ingress: yaobank/knp.default.summary-policy ingress rule 1 allows"}
DENY = {"allowed": False, "decided_by": "ingress: end of tier default deny (database-policy)",
        "explanation": "ingress: database-policy selects yaobank/database-0 but no rule matched"}


def matrix(**overrides):
    value = {"title": "after database-policy", "protocol": "TCP", "port": 80,
             "sources": ["yaobank/customer-0", "yaobank/summary-0"],
             "destinations": ["yaobank/summary-0 TCP/80", "yaobank/database-0 TCP/2379"],
             "cells": [[ALLOW, DENY], [DENY, ALLOW]]}
    value.update(overrides)
    return value


class _Collector(HTMLParser):
    """Collects tags, attributes and text so tests check structure, not string fragments."""

    def __init__(self):
        HTMLParser.__init__(self)
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_html(text):
    collector = _Collector()
    collector.feed(text)
    collector.close()
    return collector


# ---------------------------------------------------------------- labels

@pytest.mark.parametrize("endpoint, expected", [
    ({"pod": "yaobank/customer-0"}, "yaobank/customer-0"),
    ({"ip": "198.19.15.254"}, "198.19.15.254"),
    ({"host": "control"}, "host:control"),
    ({"service": "yaobank/summary"}, "svc:yaobank/summary"),
    ({"nodeport": {"node": "control", "port": 30180}}, "nodeport:control:30180"),
    ({"ip": "198.19.15.254", "label": "host1"}, "host1"),
    ("already a label", "already a label"),
])
def test_endpoint_label(endpoint, expected):
    assert report.endpoint_label(endpoint) == expected


def test_endpoint_label_with_port():
    assert report.endpoint_label({"pod": "kube-system/coredns-0"}, "udp", 53) == "kube-system/coredns-0 UDP/53"


@pytest.mark.parametrize("protocol, port, expected", [
    ("TCP", 80, "TCP/80"), (None, 443, "TCP/443"), ("ICMP", None, "ICMP"), ("tcp", "http", "TCP/http"),
])
def test_port_label(protocol, port, expected):
    assert report.port_label(protocol, port) == expected


# ---------------------------------------------------------------- cells from verdicts

def _yaobank_snapshot():
    pod = {"apiVersion": "v1", "kind": "Pod", "spec": {"nodeName": "node1"}}
    return engine.Snapshot.from_objects([
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "yaobank"}},
        dict(pod, metadata={"name": "customer-0", "namespace": "yaobank", "labels": {"app": "customer"}},
             status={"podIP": "198.19.21.1"}),
        dict(pod, metadata={"name": "database-0", "namespace": "yaobank", "labels": {"app": "database"}},
             status={"podIP": "198.19.21.2"}),
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "database-policy", "namespace": "yaobank"},
         "spec": {"podSelector": {"matchLabels": {"app": "database"}}, "policyTypes": ["Ingress"]}},
    ])


def _verdict(source, destination):
    flow = {"src": {"pod": source}, "dst": {"pod": destination}, "protocol": "TCP", "port": 2379}
    return engine.evaluate(_yaobank_snapshot(), flow)


def test_cell_from_denied_verdict_names_the_denying_stage():
    verdict = _verdict("yaobank/customer-0", "yaobank/database-0")
    denying = [stage for stage in verdict.stages if stage.allowed is False]
    cell = report.cell_from_verdict(verdict)
    assert cell["allowed"] is False
    assert cell["decided_by"] == "%s: %s" % (denying[0].name, denying[0].decided_by)
    assert "database-policy" in cell["decided_by"]
    assert cell["explanation"] == verdict.explain()


def test_cell_from_allowed_verdict_names_every_stage():
    verdict = _verdict("yaobank/database-0", "yaobank/customer-0")
    cell = report.cell_from_verdict(verdict)
    assert cell["allowed"] is True
    assert len(verdict.stages) >= 2
    assert cell["decided_by"] == "; ".join("%s: %s" % (stage.name, stage.decided_by) for stage in verdict.stages)


def test_cell_prefers_an_explicit_decider():
    cell = report.cell_from_verdict({"allowed": True, "decided_by": "failsafe tcp:22", "explanation": "x"})
    assert cell["decided_by"] == "failsafe tcp:22"
    assert cell["allowed"] is True


def test_counts():
    assert report.counts(matrix()) == (2, 2)


# ---------------------------------------------------------------- Markdown

def test_markdown_table_shape_and_legend():
    text = report.render_markdown(matrix())
    lines = text.splitlines()
    assert lines[0] == "# after database-policy"
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 4  # header, separator, two rows
    assert all(line.count("|") == 4 for line in table)  # every row has 3 columns
    assert "**allow** ingress: knp yaobank/summary-policy rule 1" in table[2]
    assert "**DENY**" in table[2]
    assert "2 allowed, 2 denied." in text
    assert "Legend:" in text


@pytest.mark.parametrize("raw, escaped", [
    ("a|b", "a\\|b"),
    ("x_y*z", "x\\_y\\*z"),
    ("<script>", "\\<script\\>"),
    ("two\nlines", "two lines"),
    ("back\\slash", "back\\\\slash"),
])
def test_markdown_escape(raw, escaped):
    assert report.md_escape(raw) == escaped


def test_markdown_pipes_in_names_do_not_break_the_table():
    hostile = dict(DENY, decided_by="policy a|b `c`")
    text = report.render_markdown(matrix(sources=["ns/pod|x", "b"], cells=[[hostile, ALLOW], [ALLOW, ALLOW]]))
    for line in (line for line in text.splitlines() if line.startswith("|")):
        assert len(re.findall(r"(?<!\\)\|", line)) == 4


def test_markdown_flows_with_expectations_marks_pass_and_fail():
    flows = [dict(ALLOW, source="a", destination="b", protocol="TCP", port=80, expected=True,
                  description="a reads b"),
             dict(DENY, source="a", destination="c", protocol="UDP", port=53, expected=True)]
    text = report.render_markdown(None, flows, title="flows")
    lines = text.splitlines()
    header = "| description | source | destination | port | verdict | decided by | expected | result |"
    assert lines[lines.index("## Flows") + 2] == header
    rows = [line for line in lines if line.startswith("| a reads b") or line.startswith("|  | a")]
    assert rows[0].endswith("| allow | \u2713 pass |")
    assert rows[1].endswith("| allow | **\u2717 FAIL** |")
    assert "UDP/53" in rows[1]
    assert "1 of 2 expectations pass." in lines
    assert "## Matrix" not in text


def test_markdown_flows_without_expectations_have_no_result_column():
    text = report.render_markdown(None, [dict(ALLOW, source="a", destination="b", protocol="TCP", port=80)])
    assert "| source | destination | port | verdict | decided by |" in text
    assert "expectations pass" not in text


def test_render_dispatch_and_bad_format():
    assert report.render("markdown", matrix()).startswith("# ")
    assert report.render("html", matrix()).startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match="report_format"):
        report.render("pdf", matrix())


# ---------------------------------------------------------------- HTML

def test_html_is_self_contained_and_well_formed():
    text = report.render_html(matrix())
    parsed = parse_html(text)
    tags = [tag for tag, _attrs in parsed.tags]
    assert tags.count("style") == 1
    for forbidden in ("script", "link", "img", "iframe"):
        assert forbidden not in tags
    assert "http://" not in text and "https://" not in text
    assert "<title>after database-policy</title>" in text


def test_html_cells_show_the_policy_and_open_the_full_explanation():
    parsed = parse_html(report.render_html(matrix()))
    cells = [attrs for tag, attrs in parsed.tags if tag == "td"]
    assert [cell["class"] for cell in cells] == ["allow", "deny", "deny", "allow"]
    assert cells[0]["title"] == ALLOW["decided_by"]
    assert [tag for tag, _attrs in parsed.tags].count("details") == 4
    text = "".join(parsed.text)
    assert ALLOW["explanation"] in text  # whole, newlines included, inside the <details>
    assert "permitted" in text and "dropped" in text  # the legend
    assert "2 allowed, 2 denied." in text


def test_html_escapes_every_text():
    evil = '<img src=x onerror="alert(1)">&'
    cell = {"allowed": False, "decided_by": evil, "explanation": evil + '"quoted"'}
    text = report.render_html(matrix(title=evil, sources=[evil, "b"], destinations=[evil, "d"],
                                     cells=[[cell, cell], [cell, cell]]))
    assert "<img" not in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in text
    parsed = parse_html(text)
    assert "img" not in [tag for tag, _attrs in parsed.tags]
    titles = [attrs["title"] for tag, attrs in parsed.tags if tag == "td"]
    assert titles[0] == evil
    assert evil + '"quoted"' in "".join(parsed.text)


def test_html_flow_table_outlines_mismatches():
    flows = [dict(DENY, source="a", destination="b", protocol="TCP", port=2379, expected=True)]
    parsed = parse_html(report.render_html(None, flows))
    classes = [attrs.get("class") for tag, attrs in parsed.tags if tag == "td"]
    assert "deny mismatch" in classes


def test_html_flow_table_shows_descriptions_and_pass_fail_marks():
    flows = [dict(DENY, source="a", destination="b", protocol="TCP", port=2379, expected=False,
                  description="the database is closed"),
             dict(DENY, source="a", destination="c", protocol="TCP", port=80, expected=True),
             dict(ALLOW, source="a", destination="d", protocol="TCP", port=80)]
    parsed = parse_html(report.render_html(None, flows))
    rows = []
    for tag, attrs in parsed.tags:
        if tag == "tr":
            rows.append([])
        elif tag in ("th", "td") and rows:
            rows[-1].append(attrs.get("class"))
    text = "".join(parsed.text)
    assert "description" in text and "the database is closed" in text
    assert [row[-1] for row in rows[1:]] == ["pass", "fail", None]
    assert "\u2713 pass" in text and "\u2717 FAIL" in text
    assert "1 of 2 expectations pass." in text
    summaries = [attrs["class"] for tag, attrs in parsed.tags if tag == "p" and "summary" in attrs.get("class", "")]
    assert "summary failing" in summaries


class _Structure(HTMLParser):
    """Rows of the matrix table: for each <tr>, the (tag, class, scope) of its th/td children, and where the
    header row and the table stand (inside thead, inside the scrolling box)."""

    def __init__(self):
        HTMLParser.__init__(self)
        self.stack = []
        self.rows = []
        self.in_matrix = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.stack.append((tag, attrs))
        if tag == "table" and attrs.get("class") == "matrix":
            self.in_matrix = True
            self.box_class = [a.get("class") for t, a in self.stack if t == "div"]
        elif tag == "tr" and self.in_matrix:
            self.rows.append({"in_thead": any(t == "thead" for t, _a in self.stack), "cells": []})
        elif tag in ("th", "td") and self.in_matrix:
            self.rows[-1]["cells"].append((tag, attrs.get("class"), attrs.get("scope")))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _attrs = self.stack.pop()
            if open_tag == tag:
                break
        if tag == "table":
            self.in_matrix = False


def big_matrix(size):
    labels = ["ns-%02d/pod-%02d" % (index // 10, index) for index in range(size)]
    cells = [[{"allowed": (row + col) % 3 != 0, "policy": "knp ns/p-%d" % col,
               "decided_by": "destination ingress: knp ns/p-%d ingress rule 0 (Allow)" % col,
               "explanation": "pod %s -> pod %s\n  1. source egress ...\n  2. destination ingress ..."
                              % (labels[row], labels[col])}
              for col in range(size)] for row in range(size)]
    return {"title": "big", "protocol": "TCP", "port": 80, "sources": labels, "destinations": labels,
            "cells": cells}


def test_a_60_by_60_matrix_keeps_its_structure():
    text = report.render_html(big_matrix(60))
    structure = _Structure()
    structure.feed(text)
    assert structure.box_class == ["matrix-box"]
    header, body = structure.rows[0], structure.rows[1:]
    assert header["in_thead"] and not any(row["in_thead"] for row in body)
    assert header["cells"][0] == ("th", "corner", None)
    assert header["cells"][1:] == [("th", "dst", "col")] * 60
    assert len(body) == 60
    for row in body:
        assert row["cells"][0] == ("th", "src", "row")
        assert len(row["cells"]) == 61 and all(tag == "td" for tag, _class, _scope in row["cells"][1:])
    assert text.count("<details>") == 3600
    assert "knp ns/p-59" in text


def test_the_css_keeps_headers_in_place_and_cells_narrow():
    css = report._CSS
    rules = dict((selector.strip(), body) for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", css))
    assert "position:sticky" in rules[".matrix thead th"] and "top:0" in rules[".matrix thead th"]
    assert "position:sticky" in rules[".matrix th.src"] and "left:0" in rules[".matrix th.src"]
    assert "overflow:auto" in rules[".matrix-box"] and "max-height" in rules[".matrix-box"]
    assert "max-width:9em" in rules[".matrix td"]
    assert "text-overflow:ellipsis" in rules["td .who"]
    assert "position:absolute" in rules["td .why"]  # an open explanation floats over the matrix


def test_deciding_policy_of_real_verdicts():
    denied = report.cell_from_verdict(_verdict("yaobank/customer-0", "yaobank/database-0"))
    assert denied["policy"] == "default deny (knp yaobank/database-policy)"
    allowed = report.cell_from_verdict(_verdict("yaobank/database-0", "yaobank/customer-0"))
    assert allowed["policy"] == "profile kns.yaobank allow"  # no policy selects either pod: the namespace profile


def policy(kind, namespace, name):
    return {"kind": kind, "namespace": namespace, "name": name}


@pytest.mark.parametrize("details, expected", [
    ({"allowed": False, "stages": [
        {"decision": "allow", "detail": {"type": "rule", "policy": policy("NetworkPolicy", "a", "p")}},
        {"decision": "deny", "detail": {"type": "rule", "policy": policy("GlobalNetworkPolicy", None, "deny-all")}}]},
     "gnp deny-all"),
    ({"allowed": True, "stages": [
        {"decision": "allow", "detail": {"type": "not-calico", "text": "not a Calico endpoint"}},
        {"decision": "allow", "detail": {"type": "rule", "policy": policy("KubernetesNetworkPolicy", "y", "p")}},
        {"decision": "allow", "detail": {"type": "failsafe", "text": "failsafe tcp:22"}},
        {"decision": "allow", "detail": {"type": "rule", "policy": policy("KubernetesNetworkPolicy", "y", "p")}}]},
     "knp y/p, failsafe tcp:22"),
    ({"allowed": True, "stages": [{"decision": "allow", "detail": {"type": "no-hep", "text": "no host endpoint"}}]},
     "no policy applies"),
    ({"allowed": False, "stages": [
        {"decision": "deny", "detail": {"type": "no-backend", "text": "the service has no ready backend"}}]},
     "the service has no ready backend"),
])
def test_deciding_policy(details, expected):
    assert report.deciding_policy(details) == expected


def test_cells_without_policy_fall_back_to_decided_by():
    assert report.cell_policy({"decided_by": "x"}) == "x"
    assert report.cell_policy({"decided_by": "x", "policy": "knp a/b"}) == "knp a/b"


def test_missing_cells_render_empty():
    text = report.render_markdown(matrix(cells=[[ALLOW]]))
    assert "| yaobank/summary-0 |  |  |" in text


# ---------------------------------------------------------------- mismatch table

def test_mismatch_table_is_aligned_and_readable():
    rows = [dict(DENY, source="yaobank/customer-0", destination="yaobank/database-0", protocol="TCP", port=2379,
                 expected=True, description="summary reads\nthe database"),
            dict(ALLOW, source="198.19.15.254", destination="host:control", protocol="TCP", port=21,
                 expected=False)]
    text = report.mismatch_table(rows)
    lines = text.splitlines()
    assert lines[0].split() == ["source", "destination", "port", "expected", "actual", "decided", "by", "why"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert "yaobank/customer-0" in lines[2] and "TCP/2379" in lines[2] and "summary reads the database" in lines[2]
    assert lines[2].index("TCP/2379") == lines[3].index("TCP/21")  # columns line up
    assert " allow " in lines[2] and " DENY " in lines[2]


# ---------------------------------------------------------------- flips against a previous matrix

def test_mark_changes_by_label_and_render_them():
    previous = matrix(cells=[[ALLOW, ALLOW], [DENY, ALLOW]])
    current = matrix(sources=["yaobank/customer-0", "yaobank/summary-0", "new-row"],
                     cells=[[dict(ALLOW), dict(DENY)], [dict(DENY), dict(ALLOW)], [dict(DENY), dict(DENY)]])
    flips = report.mark_changes(current, previous)
    assert flips == [{"source": "yaobank/customer-0", "destination": "yaobank/database-0 TCP/2379", "before": True,
                      "after": False, "decided_by": DENY["decided_by"]}]
    assert current["cells"][0][1]["was"] is True
    assert "was" not in current["cells"][2][0]  # a new row is not a flip
    markdown = report.render_markdown(current)
    assert "**DENY** _(was allow)_ ingress" in markdown
    parsed = parse_html(report.render_html(current))
    classes = [attrs["class"] for tag, attrs in parsed.tags if tag == "td"]
    assert classes.count("deny flipped") == 1
    assert "(was allow)" in "".join(parsed.text)
