#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: lab_report
short_description: Record a course lab's outcomes in the lab report (report.json and index.html)
version_added: 0.2.0
description:
  - Replaces one lab's section of the course lab report with the given outcomes and writes C(report.json)
    (machine-readable) and C(index.html) (one section per lab, every outcome with the course's expectation, the
    policy engine's prediction and the real probe's observation side by side) into O(path).
  - The other labs' sections are kept, so running one lab by its tag updates that lab only.
  - With O(steps) each step of the lab is shown with its title and the reachability matrix predicted after it, each
    cell with its verdict and deciding policy, and the cells that flipped since the lab's previous step marked.
  - Each outcome's C(status) is derived, never given. C(not-run) when nothing was predicted or observed;
    otherwise the observation decides when there is one, else the prediction. A flow whose prediction and
    observation differ is marked C(disagreement) whatever its status.
  - With O(fail_on_failed) (the default) the task fails after writing the report when any outcome of this lab
    failed, so the play stops with the evidence on disk.
author:
  - calicolab developers (@calicolab)
extends_documentation_fragment:
  - calicolab.ccol1.attributes
attributes:
  check_mode:
    support: full
    details:
      - Computes the report and says whether the files would change, without writing them.
  diff_mode:
    support: full
    details:
      - Shows this lab's outcomes before and after.
  platform:
    support: full
    platforms: posix
    description: Writes local files where the module runs (usually the controller, with C(delegate_to=localhost)).
options:
  path:
    description: The report directory; created when missing.
    type: path
    required: true
  lab:
    description: The lab's name (its tag), e.g. V(lab_policy).
    type: str
    required: true
  title:
    description: The lab's title in the report; defaults to O(lab).
    type: str
  outcomes:
    description:
      - This lab's outcomes. Each is a dict with C(step), C(description), C(kind) (V(flow) or V(check)),
        C(expected), C(predicted), C(observed) (null where not run) and C(evidence); a flow also has C(src), C(dst)
        (flow ends as in M(calicolab.ccol1.calico_reachability)), C(protocol) and C(port), and its C(expected),
        C(predicted) and C(observed) are booleans (true means allowed). An optional C(explanation) (the engine's) is
        shown on demand in the HTML.
    type: list
    elements: dict
    required: true
  steps:
    description:
      - This lab's steps in course order, each with C(name), an optional C(title) and an optional C(matrix), the
        reachability the policy engine predicts after the step between the lab's parties. The report shows per
        step each cell's verdict and deciding policy, with the cells that flipped since the lab's previous step
        with a matrix marked.
      - A C(matrix) has C(sources) and C(destinations) (flow ends as in M(calicolab.ccol1.calico_reachability)'s
        O(calicolab.ccol1.calico_reachability#module:matrix) option; a destination may carry C(protocol) and C(port),
        a source a C(label)) and C(cells), the cells of the RV(calicolab.ccol1.calico_reachability#module:matrix)
        that module returned for them (row by source, column by destination; C(allowed), C(policy), C(decided_by)).
      - A C(matrix_error) says why a step has no matrix; it is shown instead.
      - A step named only by the outcomes is listed after these, without a title or matrix.
    type: list
    elements: dict
    default: []
  fail_on_failed:
    description: Fail the task, after writing the report, when an outcome of this lab has status C(fail).
    type: bool
    default: true
  mode:
    description: File mode of the written files.
    type: str
    default: '0644'
"""

EXAMPLES = r"""
- name: Record what the policy lab proved
  calicolab.ccol1.lab_report:
    path: "{{ playbook_dir }}/lab-report"
    lab: lab_policy
    title: Kubernetes and Calico network policy
    outcomes:
      - step: database-policy
        description: the attack from customer to the database times out
        kind: flow
        src: {pod: yaobank/customer}
        dst: {pod: yaobank/database}
        protocol: TCP
        port: 2379
        expected: false
        predicted: false
        observed: false
        evidence: "curl exited 28: Connection timed out after 3001 milliseconds"
    steps:
      - name: database-policy
        title: A Kubernetes NetworkPolicy protects the database
        matrix:
          sources: [{pod: yaobank/customer}, {pod: yaobank/summary}]
          destinations: [{service: yaobank/database, protocol: TCP, port: 2379}]
          cells:
            - [{allowed: false, policy: default deny (knp yaobank/database-policy)}]
            - [{allowed: true, policy: knp yaobank/database-policy}]
  delegate_to: localhost
"""

RETURN = r"""
counts:
  description: This lab's outcomes by status, and how many flows' predictions and observations disagree.
  returned: always
  type: dict
  sample: {"pass": 9, "fail": 0, "not-run": 2, "disagreements": 0}
summary:
  description:
    - A one-screen summary of the whole report, a line of counts per lab, under it each failed or disagreeing
      outcome on one line with the course's expectation, the prediction and the observation.
  returned: always
  type: list
  elements: str
  sample:
    - "lab_policy                   pass  16  fail   1  not-run   0"
    - "  FAIL database-policy: the attack from the customer pod times out | expected denied, predicted denied,
      observed allowed"
steps:
  description:
    - This lab's steps as recorded, each with C(name), C(title) and C(matrix) (null without one).
    - A matrix has C(sources) and C(destinations) (labels) and C(cells), one per source and destination, each
      with C(src), C(dst), C(source), C(destination), C(protocol), C(port), C(allowed), C(policy),
      C(decided_by), C(previous) (the verdict after the step in C(compared_with), else null) and C(flipped);
      C(flips) counts the flipped cells.
  returned: always
  type: list
  elements: dict
report_html:
  description: The path of index.html.
  returned: always
  type: str
outcomes:
  description: This lab's outcomes as recorded, with C(lab), C(status) and (flows) C(disagreement) filled in.
  returned: always
  type: list
  elements: dict
report_json:
  description: The path of report.json.
  returned: always
  type: str
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.calicolab.ccol1.plugins.module_utils._lab import report as lab_report


def read_existing(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return None


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def write_file(module, path, text):
    temp_path = path + ".tmp"
    with open(temp_path, "w") as handle:
        handle.write(text)
    os.chmod(temp_path, int(module.params["mode"], 8))
    module.atomic_move(temp_path, path)


def _is_octal_mode(text):
    return bool(text) and len(text) <= 4 and all(char in "01234567" for char in text)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            lab=dict(type="str", required=True),
            title=dict(type="str"),
            outcomes=dict(type="list", elements="dict", required=True),
            steps=dict(type="list", elements="dict", default=[]),
            fail_on_failed=dict(type="bool", default=True),
            mode=dict(type="str", default="0644"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not _is_octal_mode(params["mode"]):
        module.fail_json(msg="mode: %r is not a file mode (allowed: octal digits such as '0644')" % params["mode"])
    json_path = os.path.join(params["path"], "report.json")
    html_path = os.path.join(params["path"], "index.html")
    existing = read_existing(json_path)
    try:
        report = lab_report.updated_report(existing, params["lab"], params["title"], params["outcomes"],
                                           params["steps"])
    except lab_report.ReportInputError as exc:
        module.fail_json(msg="Invalid outcomes for lab %s: %s" % (params["lab"], exc), problems=exc.problems)
    new_json, new_html = lab_report.report_json(report), lab_report.render_html(report)
    changed = new_json != read_text(json_path) or new_html != read_text(html_path)
    if changed and not module.check_mode:
        if not os.path.isdir(params["path"]):
            os.makedirs(params["path"])
        write_file(module, json_path, new_json)
        write_file(module, html_path, new_html)
    section = report["labs"][params["lab"]]
    outcomes = section["outcomes"]
    before = (existing or {}).get("labs", {}).get(params["lab"], {}).get("outcomes", []) if isinstance(existing, dict) else []
    result = dict(changed=changed, counts=lab_report.counts(outcomes), outcomes=outcomes, steps=section["steps"],
                  report_json=json_path, report_html=html_path, summary=lab_report.summary_lines(report))
    if module._diff:
        result["diff"] = dict(before=before, after=outcomes)
    if params["fail_on_failed"] and result["counts"]["fail"]:
        module.fail_json(msg="Lab %s: %d outcome(s) failed; see %s" % (params["lab"], result["counts"]["fail"], html_path),
                         **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
