"""The lab report: derived statuses, disagreements, per-lab sections, stable JSON, and the HTML page."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
import yaml

from ansible_collections.calicolab.ccol1.plugins.module_utils._lab import report as lab_report
from ansible_collections.calicolab.ccol1.plugins.module_utils._lab import steps
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import reachability


def flow(expected, predicted=None, observed=None, step="database-policy", **extra):
    outcome = {"step": step, "description": "customer cannot reach the database", "kind": "flow",
               "src": {"pod": "yaobank/customer"}, "dst": {"pod": "yaobank/database"}, "protocol": "TCP",
               "port": 2379, "expected": expected, "predicted": predicted, "observed": observed}
    outcome.update(extra)
    return outcome


@pytest.mark.parametrize("expected, predicted, observed, status, disagreement", [
    (False, None, None, "not-run", False),
    (False, False, None, "pass", False),        # the rehearsal: prediction only
    (False, True, None, "fail", False),
    (False, False, False, "pass", False),
    (False, True, False, "pass", True),         # the probe decides, the wrong prediction stays visible
    (False, False, True, "fail", True),
    (True, None, True, "pass", False),
])
def test_status_and_disagreement(expected, predicted, observed, status, disagreement):
    report = lab_report.updated_report(None, "lab_policy", None, [flow(expected, predicted, observed)])
    outcome = report["labs"]["lab_policy"]["outcomes"][0]
    assert (outcome["status"], outcome["disagreement"]) == (status, disagreement)
    assert outcome["lab"] == "lab_policy"


def test_check_outcomes_compare_any_value():
    check = {"step": "enable", "description": "every node has a WireGuard key", "kind": "check",
             "expected": 3, "observed": 3, "evidence": "3 of 3 nodes"}
    outcome = lab_report.updated_report(None, "lab_wireguard", "WireGuard", [check])["labs"]["lab_wireguard"]["outcomes"][0]
    assert outcome["status"] == "pass" and "disagreement" not in outcome


def test_a_lab_replaces_only_its_own_section_and_keeps_course_order():
    report = lab_report.updated_report(None, "lab_policy", "Policy", [flow(False, False)])
    report = lab_report.updated_report(report, "lab_wireguard", "WireGuard", [])
    report = lab_report.updated_report(report, "lab_policy", "Policy", [flow(False, False, False)])
    assert report["lab_order"] == ["lab_policy", "lab_wireguard"]
    assert report["labs"]["lab_policy"]["outcomes"][0]["observed"] is False
    document = json.loads(lab_report.report_json(report))
    assert [o["lab"] for o in document["outcomes"]] == ["lab_policy"]


def test_json_is_byte_stable():
    first = lab_report.updated_report(None, "lab_policy", None, [flow(False, False)])
    second = lab_report.updated_report(json.loads(lab_report.report_json(first)), "lab_policy", None,
                                       [flow(False, False)])
    assert lab_report.report_json(first) == lab_report.report_json(second)


def test_a_corrupt_existing_report_is_replaced():
    report = lab_report.updated_report({"something": "else"}, "lab_policy", None, [])
    assert report["lab_order"] == ["lab_policy"]


@pytest.mark.parametrize("outcome, fragment", [
    ("text", "outcomes[0]: 'text' is not a mapping"),
    (dict(flow(False), kind="probe"), "outcomes[0].kind: 'probe' (allowed: flow, check)"),
    (dict(flow(False), expected="no"), "outcomes[0].expected: 'no'"),
    (dict(flow(False), port=70000), "outcomes[0].port: 70000 (allowed: an integer 1-65535 or null)"),
    (dict(flow(False), dest={"pod": "x"}), "unknown keys ['dest']"),
    (dict(flow(False), src=None), "outcomes[0].src: None"),
    (dict(flow(False), step=""), "outcomes[0].step: ''"),
])
def test_bad_outcomes_name_field_value_and_what_is_allowed(outcome, fragment):
    with pytest.raises(lab_report.ReportInputError) as caught:
        lab_report.updated_report(None, "lab_policy", None, [outcome])
    assert any(fragment in problem for problem in caught.value.problems), caught.value.problems


def test_summary_lists_failures_and_disagreements():
    report = lab_report.updated_report(None, "lab_policy", None, [
        flow(False, False, False, step="ok"), flow(False, False, True, step="bad"), flow(False, True, False, step="odd")])
    lines = lab_report.summary_lines(report)
    assert lines[0].startswith("lab_policy") and "pass   2  fail   1" in lines[0] and "disagreements 2" in lines[0]
    assert lines[1:] == [
        "  FAIL bad: customer cannot reach the database | expected denied, predicted denied, observed allowed",
        "  DISAGREE odd: customer cannot reach the database | expected denied, predicted allowed, observed denied"]


def test_html_escapes_and_marks_rows():
    outcome = flow(False, True, False, explanation="<policy> default-deny decided")
    page = lab_report.render_html(lab_report.updated_report(None, "lab_policy", "Policy & friends", [outcome]))
    assert "Policy &amp; friends" in page
    assert "&lt;policy&gt; default-deny decided" in page and "<policy>" not in page
    assert "class='pass disagree'" in page
    assert "pod yaobank/customer → pod yaobank/database TCP/2379" in page


# ---------------------------------------------------------------------------------------------------------
# The steps' matrices: the lab's parties, the cells as stored, the flips from one step to the next

CUSTOMER, SUMMARY = {"pod": "yaobank/customer"}, {"pod": "yaobank/summary"}
DATABASE_2379 = {"service": "yaobank/database", "protocol": "TCP", "port": 2379}
FRONT_END = {"nodeport": {"node": "control", "port": 30180}, "protocol": "TCP"}


def cell(allowed, policy="knp yaobank/database-policy"):
    return {"allowed": allowed, "policy": policy, "decided_by": "destination ingress: %s rule 0" % policy,
            "explanation": "a long text the report leaves out"}


def step(name, *rows, **extra):
    entry = {"name": name, "title": "the %s step" % name,
             "matrix": {"sources": [CUSTOMER, SUMMARY], "destinations": [DATABASE_2379, FRONT_END],
                        "cells": [list(row) for row in rows]}}
    entry.update(extra)
    return entry


def steps_of(report, lab="lab_policy"):
    return report["labs"][lab]["steps"]


def flipped(matrix):
    return [(c["source"], c["destination"], c["previous"], c["allowed"]) for c in matrix["cells"] if c["flipped"]]


def test_parties_are_every_flow_end_once_in_course_order():
    lab = {"name": "lab_policy", "steps": [
        {"name": "one", "outcomes": [
            {"kind": "flow", "src": {"ip": "198.19.15.254"}, "dst": {"nodeport": {"node": "control", "port": 30180}},
             "protocol": "tcp", "expected": True},
            {"kind": "flow", "src": CUSTOMER, "dst": {"service": "yaobank/database"}, "port": 2379, "expected": True},
            {"kind": "check", "run": {"command": "ip route"}, "that": "true", "expected": True}]},
        {"name": "two"},
        {"name": "three", "outcomes": [
            {"kind": "flow", "src": CUSTOMER, "dst": {"service": "yaobank/database"}, "protocol": "TCP",
             "port": 2379, "expected": False},
            {"kind": "flow", "src": CUSTOMER, "dst": {"ip": "8.8.8.8"}, "protocol": "ICMP", "expected": False}]},
    ]}
    parties = lab_report.matrix_parties(lab, {"host1": "198.19.15.254", "node9": None})
    assert parties["sources"] == [{"ip": "198.19.15.254", "label": "host1 (198.19.15.254)"}, CUSTOMER]
    assert parties["destinations"] == [FRONT_END, DATABASE_2379, {"ip": "8.8.8.8", "protocol": "ICMP"}]


def test_a_lab_without_flows_has_no_parties_and_a_non_lab_is_refused():
    assert lab_report.matrix_parties({"name": "lab_wireguard", "steps": [{"name": "on"}]}) == \
        {"sources": [], "destinations": []}
    with pytest.raises(lab_report.ReportInputError, match="allowed: a lab with a steps list"):
        lab_report.matrix_parties({"name": "lab_policy"})


def test_cells_are_stored_flat_with_ends_labels_verdict_and_policy():
    report = lab_report.updated_report(None, "lab_policy", None, [], [step("one", [cell(True), cell(None)],
                                                                           [cell(False), cell(True)])])
    matrix = steps_of(report)[0]["matrix"]
    assert matrix["sources"] == ["yaobank/customer", "yaobank/summary"]
    assert matrix["destinations"] == ["svc:yaobank/database TCP/2379", "nodeport:control:30180 TCP"]
    assert matrix["cells"][1] == {
        "src": CUSTOMER, "dst": {"nodeport": {"node": "control", "port": 30180}},
        "source": "yaobank/customer", "destination": "nodeport:control:30180 TCP", "protocol": "TCP", "port": None,
        "allowed": None, "policy": "knp yaobank/database-policy",
        "decided_by": "destination ingress: knp yaobank/database-policy rule 0", "previous": None, "flipped": False}
    assert [c["source"] + " > " + c["destination"] for c in matrix["cells"]][2] == \
        "yaobank/summary > svc:yaobank/database TCP/2379"
    assert (matrix["compared_with"], matrix["flips"]) == (None, 0)


def test_flips_compare_with_the_previous_step_that_has_a_matrix():
    report = lab_report.updated_report(None, "lab_policy", None, [], [
        step("compromise", [cell(True), cell(True)], [cell(True), cell(True)]),
        {"name": "checks-only", "title": None},
        step("database-policy", [cell(False), cell(True)], [cell(True), cell(True)]),
        step("summary-too", [cell(False), cell(True)], [cell(False), cell(None)]),
    ])
    by_name = dict((s["name"], s) for s in steps_of(report))
    assert by_name["checks-only"]["matrix"] is None
    database = by_name["database-policy"]["matrix"]
    assert (database["compared_with"], database["flips"]) == ("compromise", 1)
    assert flipped(database) == [("yaobank/customer", "svc:yaobank/database TCP/2379", True, False)]
    later = by_name["summary-too"]["matrix"]
    # an unknown verdict is no flip, in either direction
    assert flipped(later) == [("yaobank/summary", "svc:yaobank/database TCP/2379", True, False)]
    assert [c["previous"] for c in later["cells"]] == [False, True, True, True]


def test_steps_keep_their_order_and_steps_only_the_outcomes_name_follow():
    report = lab_report.updated_report(None, "lab_policy", None, [flow(False, False, step="later")],
                                       [step("one", [cell(True), cell(True)], [cell(True), cell(True)])])
    assert [(s["name"], s["title"], s["matrix"] is None) for s in steps_of(report)] == [
        ("one", "the one step", False), ("later", None, True)]


def test_a_step_without_a_matrix_keeps_the_reason():
    report = lab_report.updated_report(None, "lab_policy", None, [], [
        {"name": "one", "matrix": None, "matrix_error": "yaobank/nginx: no such workload"}])
    assert steps_of(report)[0] == {"name": "one", "title": None, "matrix": None,
                                   "matrix_error": "yaobank/nginx: no such workload"}
    assert "No matrix for this step: yaobank/nginx: no such workload" in lab_report.render_html(report)


@pytest.mark.parametrize("entry, fragment", [
    ("text", "steps[0]: 'text' is not a mapping"),
    ({"title": "no name"}, "steps[0].name: None (allowed: a non-empty string)"),
    (dict(step("one", [cell(True)] * 2, [cell(True)] * 2), when="now"), "steps[0]: unknown keys ['when']"),
    (step("one", [cell(True)] * 2), "steps[0].matrix.cells: [[{"),
    (step("one", [cell(True), cell("yes")], [cell(True)] * 2),
     "steps[0].matrix.cells[0][1]: {'allowed': 'yes'"),
    (step("one", [cell(True), dict(cell(True), pods=[])], [cell(True)] * 2),
     "steps[0].matrix.cells[0][1]: unknown keys ['pods']"),
    ({"name": "one", "matrix": {"sources": [{"pod": "a/b", "ip": "1.2.3.4"}], "destinations": [DATABASE_2379],
                                "cells": [[cell(True)]]}},
     "steps[0].matrix.sources[0]: {'pod': 'a/b', 'ip': '1.2.3.4'} (allowed: a flow end with exactly one of"),
    ({"name": "one", "matrix": {"sources": [], "destinations": [DATABASE_2379], "cells": []}},
     "steps[0].matrix.sources: [] (allowed: a non-empty list of flow ends)"),
])
def test_bad_steps_name_field_value_and_what_is_allowed(entry, fragment):
    with pytest.raises(lab_report.ReportInputError) as caught:
        lab_report.updated_report(None, "lab_policy", None, [], [entry])
    assert any(fragment in problem for problem in caught.value.problems), caught.value.problems


def test_a_step_named_twice_is_refused():
    with pytest.raises(lab_report.ReportInputError, match=r"steps: the names \['one'\] appear more than once"):
        lab_report.updated_report(None, "lab_policy", None, [], [{"name": "one"}, {"name": "one"}])


def test_json_with_matrices_is_byte_stable_and_leaves_out_the_explanations():
    entries = [step("one", [cell(True), cell(True)], [cell(True), cell(True)]),
               step("two", [cell(False), cell(True)], [cell(True), cell(True)])]
    first = lab_report.report_json(lab_report.updated_report(None, "lab_policy", None, [flow(False, False)], entries))
    again = lab_report.report_json(lab_report.updated_report(json.loads(first), "lab_policy", None,
                                                             [flow(False, False)], entries))
    assert first == again
    assert "a long text the report leaves out" not in first
    assert json.loads(first)["outcomes"][0]["status"] == "pass"


def test_html_shows_each_step_title_and_matrix_with_flips_outlined():
    report = lab_report.updated_report(None, "lab_policy", "Policy", [flow(False, False, step="two")], [
        step("one", [cell(True), cell(True)], [cell(True), cell(True)]),
        step("two", [cell(False, "default deny (knp <database>)"), cell(True)], [cell(True), cell(True)])])
    page = lab_report.render_html(report)
    assert "<h3 id='step-lab_policy-two'>the two step <span class='step-name'>(two)</span></h3>" in page
    assert "1 cell flipped since one (outlined)" in page and "the lab's first matrix" in page
    assert ("<td class='deny flipped' title='destination ingress: default deny (knp &lt;database&gt;) rule 0'>"
            "<span class='word'>DENY</span><span class='was'>was allow</span>"
            "<span class='who'>default deny (knp &lt;database&gt;)</span></td>") in page
    assert page.count(" flipped'") == 1
    assert "<th class='dst'>svc:yaobank/database TCP/2379</th>" in page
    # the outcomes table sits under its step, before the step's matrix
    two = page[page.index("step-lab_policy-two"):]
    assert two.index("customer cannot reach the database") < two.index("class='matrix'")


def test_html_of_a_section_written_before_steps_still_renders():
    report = lab_report.updated_report(None, "lab_policy", None, [flow(False, False)])
    del report["labs"]["lab_policy"]["steps"]
    assert "<h3 id='step-lab_policy-database-policy'>database-policy</h3>" in lab_report.render_html(report)


def test_summary_puts_each_failure_on_one_line_with_expected_predicted_observed():
    check = {"step": "enable", "description": "every node has a WireGuard key", "kind": "check",
             "expected": True, "observed": False}
    report = lab_report.updated_report(None, "lab_policy", None, [flow(False, True), flow(True, None, False)])
    report = lab_report.updated_report(report, "lab_wireguard", None, [check])
    assert lab_report.summary_lines(report) == [
        "lab_policy                   pass   0  fail   2  not-run   0",
        "  FAIL database-policy: customer cannot reach the database | expected denied, predicted allowed, "
        "observed not run",
        "  FAIL database-policy: customer cannot reach the database | expected allowed, predicted -, observed denied",
        "lab_wireguard                pass   0  fail   1  not-run   0",
        "  FAIL enable: every node has a WireGuard key | expected true, predicted -, observed false"]


def test_summary_stays_on_one_screen():
    outcomes = [flow(True, False, description="flow %d with a description much longer than one line of the "
                                              "summary has room for" % index) for index in range(20)]
    lines = lab_report.summary_lines(lab_report.updated_report(None, "lab_policy", None, outcomes))
    assert len(lines) == 1 + lab_report.SUMMARY_FAILURES_PER_LAB + 1
    assert lines[-1] == "  ... and 12 more in the report"
    assert max(len(line) for line in lines) < 140


# ---------------------------------------------------------------------------------------------------------
# The policy lab's matrices as the runner makes them: calico_reachability's matrix (build_matrix) of the lab's
# parties at each step (lab_step_changes over the rehearsal's workloads), recorded by the report

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))


def policy_lab():
    with open(os.path.join(ROOT, "roles", "lab_policy", "vars", "main.yml")) as stream:
        data = yaml.safe_load(stream)
    text = yaml.safe_dump(data["lab_policy_lab"]).replace("'{{ lab_policy_namespace_selector }}'",
                                                          "'%s'" % data["lab_policy_namespace_selector"].strip())
    return yaml.safe_load(text)


def policy_lab_report():
    lab = policy_lab()
    workloads = reachability.load_snapshot(os.path.join(ROOT, "tests", "rehearsal", "lab_workloads.yml"))
    parties = lab_report.matrix_parties(lab, {"host1": "198.19.15.254"})
    entries = []
    for lab_step in lab["steps"]:
        objects = reachability.apply_changes(workloads, steps.step_changes(lab, lab_step["name"]))
        matrix = reachability.build_matrix(reachability.build_snapshot(objects), dict(parties), warnings=[])
        entries.append({"name": lab_step["name"], "title": lab_step.get("title"),
                        "matrix": dict(parties, cells=matrix["cells"])})
    return lab_report.updated_report(None, "lab_policy", lab["title"], [], entries)


def test_the_policy_lab_matrices_flip_where_the_course_says():
    by_name = dict((s["name"], s["matrix"]) for s in steps_of(policy_lab_report()))
    assert by_name["compromise"]["flips"] == 0
    assert ("yaobank/customer", "svc:yaobank/database TCP/2379", True, False) in flipped(by_name["database-policy"])
    assert ("yaobank/customer", "svc:kube-system/kube-dns UDP/53", True, False) in flipped(by_name["default-app-policy"])
    assert ("yaobank/customer", "svc:kube-system/kube-dns UDP/53", False, True) in \
        flipped(by_name["default-app-policy-dns"])
    assert ("host1 (198.19.15.254)", "nodeport:control:30180 TCP", False, True) in \
        flipped(by_name["customer-summary-policies"])
    assert set(flipped(by_name["customer-internet-egress"])) == {
        ("yaobank/customer", "8.8.8.8 ICMP", False, True), ("yaobank/customer", "8.8.8.8 TCP/443", False, True)}
    database = [c for c in by_name["database-policy"]["cells"]
                if (c["source"], c["destination"]) == ("yaobank/customer", "svc:yaobank/database TCP/2379")]
    assert database[0]["policy"] == "default deny (knp yaobank/database-policy)"


def test_the_policy_lab_report_is_the_same_bytes_twice():
    assert lab_report.report_json(policy_lab_report()) == lab_report.report_json(policy_lab_report())
