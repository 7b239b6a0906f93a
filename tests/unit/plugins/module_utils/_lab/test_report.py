"""The lab report: derived statuses, disagreements, per-lab sections, stable JSON, and the HTML page."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._lab import report as lab_report


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
    assert "  FAIL bad: customer cannot reach the database" in lines
    assert "  PASS odd: customer cannot reach the database" in lines


def test_html_escapes_and_marks_rows():
    outcome = flow(False, True, False, explanation="<policy> default-deny decided")
    page = lab_report.render_html(lab_report.updated_report(None, "lab_policy", "Policy & friends", [outcome]))
    assert "Policy &amp; friends" in page
    assert "&lt;policy&gt; default-deny decided" in page and "<policy>" not in page
    assert "class='pass disagree'" in page
    assert "pod yaobank/customer → pod yaobank/database TCP/2379" in page
