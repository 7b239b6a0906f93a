# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The reachability report renderer: Markdown and HTML, escaping, legend, tooltips, mismatch table."""

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


def test_markdown_flows_with_expectations_marks_mismatches():
    flows = [dict(ALLOW, source="a", destination="b", protocol="TCP", port=80, expected=True),
             dict(DENY, source="a", destination="c", protocol="UDP", port=53, expected=True)]
    text = report.render_markdown(None, flows, title="flows")
    rows = [line for line in text.splitlines() if line.startswith("| a")]
    assert rows[0].endswith("| allow |")
    assert "**MISMATCH** expected allow" in rows[1]
    assert "UDP/53" in rows[1]
    assert "## Matrix" not in text


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


def test_html_cells_have_classes_and_full_explanations_as_titles():
    parsed = parse_html(report.render_html(matrix()))
    cells = [attrs for tag, attrs in parsed.tags if tag == "td"]
    assert [cell["class"] for cell in cells] == ["allow", "deny", "deny", "allow"]
    assert cells[0]["title"] == ALLOW["explanation"]  # newlines survive inside the attribute
    text = "".join(parsed.text)
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
    assert titles[0] == evil + '"quoted"'


def test_html_flow_table_outlines_mismatches():
    flows = [dict(DENY, source="a", destination="b", protocol="TCP", port=2379, expected=True)]
    parsed = parse_html(report.render_html(None, flows))
    classes = [attrs.get("class") for tag, attrs in parsed.tags if tag == "td"]
    assert "deny mismatch" in classes


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
