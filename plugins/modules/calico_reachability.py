#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: calico_reachability
short_description: Predict and explain which connections Calico allows, without sending traffic
version_added: 0.1.0
description:
  - Evaluates flows (source, destination, protocol, port) with the collection's policy engine, which follows
    Calico's own policy semantics for Kubernetes NetworkPolicies and Calico NetworkPolicies and
    GlobalNetworkPolicies together, including host endpoints, failsafe ports, pre-DNAT policy and NodePort
    translation.
  - The objects come from the live cluster (read through the Kubernetes API with the connection options) or,
    with O(snapshot), from a list of objects or a YAML/JSON file, so a lab can be checked offline.
  - Every verdict names the policy and rule, profile, failsafe or default deny that decided it.
  - With O(expect) the task becomes an assertion and fails with a table of the flows whose verdict differs.
  - With O(report_format) the matrix and flows are rendered as Markdown or a self-contained HTML page, returned
    in RV(report) and written to O(report_path) when given.
author:
  - calicolab developers (@calicolab)
extends_documentation_fragment:
  - calicolab.ccol1.k8s_auth
  - calicolab.ccol1.attributes
  - calicolab.ccol1.attributes.platform_kubernetes
  - calicolab.ccol1.attributes.actiongroup_calico
attributes:
  check_mode:
    support: full
    details:
      - Nothing is evaluated differently; the report file is not written, C(changed) says whether it would be.
  diff_mode:
    support: none
    details:
      - The only thing written is the report file, whose content is returned in RV(report).
options:
  snapshot:
    description:
      - The cluster objects to evaluate against instead of the live cluster.
      - Either a list of Kubernetes and Calico API objects (Namespace, Pod, ServiceAccount, Service, Node,
        HostEndpoint, C(networking.k8s.io/v1) NetworkPolicy, C(projectcalico.org/v3) NetworkPolicy,
        GlobalNetworkPolicy, FelixConfiguration; the items of a C(List) object are unpacked), or the path of a YAML file
        (several documents allowed) or JSON file holding them, or that YAML or JSON text itself.
      - Without it the objects are read from the cluster named by the connection options.
    type: raw
  workloads:
    description:
      - Objects added to what is evaluated (the live cluster, or O(snapshot)), in the same forms as O(snapshot),
        typically the pods, nodes, namespaces, services and host endpoints of a lab that a test API server cannot
        run, so the policies the roles really applied are evaluated against the lab's workloads.
      - Where the cluster (or O(snapshot)) holds an object of the same API group, kind, namespace and name, that
        object wins.
      - With it, a live cluster that does not serve one of the kinds read for a snapshot is not an error.
    type: raw
    version_added: 0.2.0
  changes:
    description:
      - Changes applied to the objects (live or snapshot) before evaluating, in order, to ask "what if".
      - Nothing is written to the cluster.
    type: list
    elements: dict
    suboptions:
      state:
        description:
          - V(present) adds the object or replaces the object of the same API group, kind, namespace and name;
            V(absent) removes it; V(patched) merges O(changes[].definition) into it as a JSON merge patch
            (RFC 7386, a null value removes a key), like C(kubectl patch --type merge).
        type: str
        choices: [present, absent, patched]
        default: present
      definition:
        description:
          - The whole object (for V(absent), apiVersion, kind and metadata name/namespace are enough).
        type: dict
        required: true
  baseline_changes:
    description:
      - Also compute the O(matrix) with only the first O(baseline_changes) entries of O(changes) applied, and
        mark each cell whose verdict the remaining changes flip (shown as C((was allow)) or C((was DENY)) in the
        report, listed in RV(flipped_cells)). V(0) compares with the objects before any change.
      - Requires O(matrix); must be between V(0) and the number of O(changes).
    type: int
  flows:
    description:
      - Flows to evaluate. Each has C(src) and C(dst), C(protocol) (default V(TCP)) and C(port), and optionally
        C(icmp) (C(type), C(code)), C(src_port), C(ip_version) and a C(description).
      - A key the module does not know gets a warning naming the closest known key (C(dest) - did you mean
        C(dst)?) and is ignored; one that most likely stands for a key the flow lacks (C(dest) without C(dst),
        C(prot) without C(protocol)) fails the task, since the flow evaluated would not be the one meant.
      - "A flow end is C({pod: <namespace>/<name>}), C({ip: <address>}) or C({host: <node>}); a destination can
        also be C({service: <namespace>/<name>}) or C({nodeport: {node: <node>, port: <port>}})."
      - "A pod end may name a workload instead of a pod (C({pod: yaobank/customer})): the pods whose name is the
        workload's plus the ReplicaSet and pod suffixes (or a StatefulSet ordinal), or whose C(app) label is that
        name. The flow is evaluated for every pod pair and is allowed only when every pair is. A name matching
        several workloads, or none, fails naming what the namespace has."
      - Flows never fail the task on their verdict; use O(expect) to assert."
    type: list
    elements: dict
    default: []
  matrix:
    description:
      - A reachability matrix to compute, rows are sources and columns destinations.
    type: dict
    suboptions:
      sources:
        description:
          - Flow ends, as in O(flows); an optional C(label) key names the row.
        type: list
        elements: dict
        required: true
      destinations:
        description:
          - Flow ends, as in O(flows). An entry may carry its own C(protocol) and C(port) (overriding
            O(matrix.protocol) and O(matrix.port)) and a C(label) for its column.
        type: list
        elements: dict
        required: true
      protocol:
        description:
          - Protocol of every cell without its own.
        type: str
        default: TCP
      port:
        description:
          - Destination port of every cell without its own (a number or a named port).
        type: raw
      title:
        description:
          - Heading of the rendered matrix.
        type: str
  expect:
    description:
      - Flows, as in O(flows), each with C(allowed) true or false and an optional C(description).
      - The task fails when any verdict differs, with a table of those flows in C(msg).
      - The report lists each expectation with its description and a pass or FAIL mark.
    type: list
    elements: dict
    default: []
  report_format:
    description:
      - Render the matrix and the flows (including the expected ones) as Markdown or a self-contained HTML page.
      - In the HTML page each matrix cell shows the verdict and the deciding policy, its full explanation opens
        on click, and the header row and source column stay in place while a large matrix scrolls.
      - Defaults to V(html) when O(report_path) ends with C(.html) or C(.htm), to V(markdown) for any other
        O(report_path), and to V(none) without one.
    type: str
    choices: [markdown, html, none]
  report_path:
    description:
      - Write the rendered report to this file. The task reports a change only when the file content changes.
      - The directory must exist.
    type: path
  report_title:
    description:
      - Title of the report (defaults to O(matrix.title), then C(Reachability)).
    type: str
notes:
  - The live cluster is read with one list call per kind; policies named C(knp.default.*) in the Calico API are
    skipped because the Kubernetes NetworkPolicies they mirror are read directly.
requirements:
  - kubernetes (Python library), only when reading the live cluster
  - PyYAML, to read a YAML snapshot file
seealso:
  - module: calicolab.ccol1.calico_policy
"""

EXAMPLES = r"""
- name: Is the database protected? Ask the live cluster
  calicolab.ccol1.calico_reachability:
    kubeconfig: ~/.kube/config
    expect:
      - src: {pod: yaobank/customer-0}
        dst: {pod: yaobank/database-0}
        protocol: TCP
        port: 2379
        allowed: false
        description: customer must not read the database directly

- name: Matrix of the lab snapshot as an HTML page
  calicolab.ccol1.calico_reachability:
    snapshot: "{{ playbook_dir }}/lab_snapshot.yml"
    matrix:
      title: yaobank
      sources:
        - pod: yaobank/customer-0
        - ip: 198.19.15.254
          label: host1
      destinations:
        - {pod: yaobank/summary-0, port: 80}
        - {pod: yaobank/database-0, port: 2379}
        - {nodeport: {node: control, port: 30180}, port: 30180}
    report_path: /tmp/yaobank-reachability.html

- name: What would a deny-all policy in yaobank change?
  calicolab.ccol1.calico_reachability:
    snapshot: "{{ playbook_dir }}/lab_snapshot.yml"
    changes:
      - definition:
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: deny-all, namespace: yaobank}
          spec: {podSelector: {}, policyTypes: [Ingress]}
    flows:
      - src: {pod: yaobank/customer-0}
        dst: {service: yaobank/summary}
        port: 80
  register: what_if
"""

RETURN = r"""
verdicts:
  description: One entry per O(flows) item, in order.
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: Label of the source.
      type: str
      sample: yaobank/customer-0
    destination:
      description: Label of the destination.
      type: str
      sample: yaobank/database-0
    protocol:
      description: Protocol evaluated.
      type: str
      sample: TCP
    port:
      description: Destination port evaluated.
      type: raw
      sample: 2379
    allowed:
      description: Whether Calico would let the connection through.
      type: bool
      sample: false
    decided_by:
      description: The policy and rule (or profile, failsafe, default deny) that decided, stage by stage.
      type: str
    policy:
      description:
        - The deciding policy in a few words, as the report's matrix cells show it (C(knp), C(np), C(gnp) for
          Kubernetes NetworkPolicy, Calico NetworkPolicy and GlobalNetworkPolicy).
      type: str
      sample: default deny (knp yaobank/database-policy)
    explanation:
      description: The full explanation, stage by stage (source egress, host endpoints, destination ingress).
      type: str
    details:
      description: The engine's structured verdict.
      type: dict
    pods:
      description: For an end naming a workload with several pods, each pod pair evaluated and its verdict.
      type: list
      elements: dict
      returned: when a pod end stands for more than one pod
    probe:
      description:
        - Where a real probe of the flow would go, for the lab runner. C(src_pod) is the first pod of a pod
          source (null otherwise); C(address) and C(port) are what a client connects to (the destination pod's
          address, a Service's cluster IP, a node's address for C(host) and C(nodeport)).
      type: dict
      sample: {"src_pod": "yaobank/customer-5f7d8c6b9-x2k4p", "address": "198.19.22.139", "port": 2379}
matrix:
  description:
    - The computed matrix (sources, destinations, cells[row][column] with allowed, policy, decided_by, explanation).
  returned: when O(matrix) is given
  type: dict
flipped_cells:
  description: The matrix cells whose verdict differs from the O(baseline_changes) state.
  returned: when O(baseline_changes) is given
  type: list
  elements: dict
  contains:
    source:
      description: Row label.
      type: str
    destination:
      description: Column label.
      type: str
    before:
      description: The verdict in the baseline state.
      type: bool
    after:
      description: The verdict with every change applied.
      type: bool
    decided_by:
      description: Who decides after the changes.
      type: str
expectations:
  description: One entry per O(expect) item, like RV(verdicts) plus C(expected) and C(matches).
  returned: always
  type: list
  elements: dict
mismatches:
  description: The O(expect) entries whose verdict differs.
  returned: always
  type: list
  elements: dict
report:
  description: The rendered report.
  returned: when O(report_format) is not V(none)
  type: str
report_path:
  description: Where the report was (or in check mode would be) written.
  returned: when O(report_path) is given
  type: str
objects:
  description: How many objects the evaluation used.
  returned: always
  type: int
  sample: 31
"""

import os
import tempfile
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.calicolab.ccol1.plugins.module_utils._k8s.client import (
    HAS_K8S,
    K8S_AUTH_ARG_SPEC,
    K8S_IMPORT_ERROR,
    CalicoApiError,
    CalicoApiUnavailable,
    auth_params,
    connect,
)

ENGINE_IMPORT_ERROR = None
try:
    from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.reachability import (
        ChangeError,
        check_request,
        evaluate_request,
        load_snapshot,
        mismatch_message,
        merge_objects,
        optional_kinds,
        read_live_objects,
        render_request_report,
    )
    HAS_ENGINE = True
except ImportError:
    HAS_ENGINE = False
    ENGINE_IMPORT_ERROR = traceback.format_exc()
    ChangeError = ValueError


def argument_spec():
    spec = dict(K8S_AUTH_ARG_SPEC)
    spec.update(
        snapshot={"type": "raw"},
        workloads={"type": "raw"},
        baseline_changes={"type": "int"},
        changes={"type": "list", "elements": "dict", "options": {
            "state": {"type": "str", "choices": ["present", "absent", "patched"], "default": "present"},
            "definition": {"type": "dict", "required": True},
        }},
        flows={"type": "list", "elements": "dict", "default": []},
        matrix={"type": "dict", "options": {
            "sources": {"type": "list", "elements": "dict", "required": True},
            "destinations": {"type": "list", "elements": "dict", "required": True},
            "protocol": {"type": "str", "default": "TCP"},
            "port": {"type": "raw"},
            "title": {"type": "str"},
        }},
        expect={"type": "list", "elements": "dict", "default": []},
        report_format={"type": "str", "choices": ["markdown", "html", "none"]},
        report_path={"type": "path"},
        report_title={"type": "str"},
    )
    return spec


def gather_objects(module):
    """The objects before any of the changes (from the snapshot or the live cluster)."""
    params = module.params
    workloads = load_snapshot(params["workloads"]) if params.get("workloads") is not None else None
    if params.get("snapshot") is not None:
        return merge_objects(load_snapshot(params["snapshot"]), workloads or [])
    if not HAS_K8S:
        module.fail_json(msg=missing_required_lib("kubernetes") + " (or give a snapshot)",
                         exception=K8S_IMPORT_ERROR)
    try:
        if workloads is not None:
            return merge_objects(read_live_objects(connect(auth_params(params)), optional_kinds()), workloads)
        return read_live_objects(connect(auth_params(params)))
    except CalicoApiUnavailable as exc:
        module.fail_json(msg=str(exc), changed=False)
    except CalicoApiError as exc:
        module.fail_json(msg="Kubernetes API error: %s" % exc, status=exc.status, changed=False)


def current_content(path):
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except (IOError, OSError):
        return None


def write_report(module, path, text):
    """Write only when the content differs; in check mode only say whether it would."""
    wanted = to_bytes(text)
    if current_content(path) == wanted:
        return False
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        module.fail_json(msg="report_path: the directory %s of %s does not exist" % (directory, path), changed=False)
    if module.check_mode:
        return True
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".calico_reachability.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(wanted)
        module.atomic_move(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return True


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    if not HAS_ENGINE:
        module.fail_json(msg="The collection's policy engine could not be imported", exception=ENGINE_IMPORT_ERROR)
    params = module.params
    try:
        check_request(params)
        result = evaluate_request(params, gather_objects(module))
    except ChangeError as exc:
        module.fail_json(msg=str(exc), changed=False)
    for warning in result.pop("warnings"):
        module.warn(warning)
    result["changed"] = False
    report = render_request_report(params, result)
    if report is not None:
        result["report"] = report
    if params.get("report_path"):
        result["changed"] = write_report(module, params["report_path"], report)
        result["report_path"] = params["report_path"]
    if result["mismatches"]:
        module.fail_json(msg=mismatch_message(result["mismatches"], len(result["expectations"])), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
