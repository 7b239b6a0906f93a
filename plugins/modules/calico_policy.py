#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: calico_policy
short_description: Manage Calico NetworkPolicy and GlobalNetworkPolicy objects
version_added: 0.1.0
description:
  - Creates, updates or deletes a C(projectcalico.org/v3) C(NetworkPolicy) (namespaced) or
    C(GlobalNetworkPolicy) through the Kubernetes API.
  - Give either a whole manifest in O(definition), pasted as C(calicoctl apply -f) takes it, or the structured
    options; with O(namespace) the structured options build a C(NetworkPolicy), otherwise a
    C(GlobalNetworkPolicy).
  - A O(definition) is applied whole, like C(calicoctl apply -f), so re-applying an earlier, shorter version of a
    policy removes the rules it no longer has. The structured options are merged into the live policy (only the
    options given change). O(replace) chooses explicitly.
  - The whole request is validated as Calico would (selectors, CIDRs, ports, protocols, actions, preDNAT rules,
    names) before anything is written.
author:
  - calicolab developers (@calicolab)
extends_documentation_fragment:
  - calicolab.ccol1.k8s_auth
  - calicolab.ccol1.calico_common
  - calicolab.ccol1.attributes
  - calicolab.ccol1.attributes.platform_kubernetes
  - calicolab.ccol1.attributes.actiongroup_calico
  - calicolab.ccol1.calico_common.replace
  - calicolab.ccol1.calico_common.definition
options:
  name:
    description:
      - Name of the policy (a DNS label; Calico v3.29+ also accepts one C(<tier>.) prefix).
      - Required unless O(definition) is given.
    type: str
  namespace:
    description:
      - Namespace of a C(NetworkPolicy). Without it the policy is a C(GlobalNetworkPolicy).
    type: str
  order:
    description:
      - Precedence; lower orders apply first. Unset sorts after every ordered policy.
    type: float
  selector:
    description:
      - Selector of the endpoints the policy applies to (C(spec.selector)), in Calico's selector language.
    type: str
  namespace_selector:
    description:
      - Selector of the namespaces whose endpoints the policy applies to (C(GlobalNetworkPolicy) only).
    type: str
  service_account_selector:
    description:
      - Selector of the service accounts whose endpoints the policy applies to.
    type: str
  types:
    description:
      - Directions the policy governs. Calico defaults it from the rules given.
    type: list
    elements: str
    choices: [Ingress, Egress]
  ingress:
    description:
      - Ingress rules in the v3 spelling (C(action), C(protocol), C(source), C(destination), ...).
    type: list
    elements: dict
  egress:
    description:
      - Egress rules in the v3 spelling.
    type: list
    elements: dict
  pre_dnat:
    description:
      - Apply before DNAT (host endpoints; ingress only; needs O(apply_on_forward)).
    type: bool
  apply_on_forward:
    description:
      - Also apply to traffic forwarded through host endpoints.
    type: bool
  do_not_track:
    description:
      - Apply untracked, in the raw table (needs O(apply_on_forward)).
    type: bool
  tier:
    description:
      - The policy tier (C(spec.tier)). Only where the Calico API serves tiers (Calico v3.29+).
    type: str
  labels:
    description:
      - Labels of the policy object.
    type: dict
  impact:
    description:
      - Before writing (and in check mode, where nothing is written), read the cluster's pods, namespaces,
        services, nodes, host endpoints and policies, and report in RV(impact) every flow whose verdict the
        change would flip, judged by the same policy engine as M(calicolab.ccol1.calico_reachability).
      - The change judged is the object the task would store (the request merged into the live policy, with
        Calico's defaults), or its deletion with O(state=absent).
      - "Either a list of flows, each with C(src), C(dst), C(protocol) (default V(TCP)) and C(port), whose ends
        are C({pod: <namespace>/<name>}), C({ip: <address>}), C({host: <node>}), or as destinations
        C({service: <namespace>/<name>}) or C({nodeport: {node: <node>, port: <port>}});"
      - Or a dictionary with C(all_pod_pairs_in_namespaces), a list of namespaces whose every ordered pair of
        distinct pods with an IP is a flow, C(protocol) (default V(TCP)) and C(port) (a port or a list of ports;
        without it, each destination pod's declared container ports), and optionally C(flows), a list as above.
      - Reading the cluster costs one list request per kind, also when the policy is unchanged.
    type: raw
  impact_fail_on_flip:
    description:
      - Fail the task, before writing anything, when any flow in O(impact) would flip; the failure carries
        RV(impact). A guard for changes that must not alter connectivity.
      - Ignored without O(impact).
    type: bool
    default: false
notes:
  - O(impact) needs read (list) access to Namespaces, Pods, ServiceAccounts, Services, Nodes, Kubernetes
    NetworkPolicies and the Calico HostEndpoints, NetworkPolicies, GlobalNetworkPolicies and FelixConfigurations.
seealso:
  - module: calicolab.ccol1.calico_resource
  - module: calicolab.ccol1.calico_reachability
"""

EXAMPLES = r"""
- name: Default-deny for application namespaces, allowing DNS (as in the course)
  calicolab.ccol1.calico_policy:
    definition: |
      apiVersion: projectcalico.org/v3
      kind: GlobalNetworkPolicy
      metadata:
        name: default-app-policy
      spec:
        namespaceSelector: has(projectcalico.org/name) && projectcalico.org/name not in {"kube-system", "calico-system"}
        types:
        - Ingress
        - Egress
        egress:
          - action: Allow
            protocol: UDP
            destination:
              selector: k8s-app == "kube-dns"
              ports:
                - 53

- name: Lock down node ports before DNAT
  calicolab.ccol1.calico_policy:
    name: nodeport-policy
    order: 100
    selector: has(kubernetes.io/hostname)
    pre_dnat: true
    apply_on_forward: true
    ingress:
      - action: Deny
        protocol: TCP
        destination:
          ports: ["30000:32767"]

- name: Remove a namespaced policy
  calicolab.ccol1.calico_policy:
    name: allow-customer
    namespace: yaobank
    state: absent

- name: Preview what protecting the database would change, without writing
  calicolab.ccol1.calico_policy:
    definition:
      apiVersion: projectcalico.org/v3
      kind: NetworkPolicy
      metadata:
        name: database-policy
        namespace: yaobank
      spec:
        selector: app == "database"
        ingress:
          - action: Allow
            protocol: TCP
            source:
              selector: app == "summary"
            destination:
              ports: [2379]
    impact:
      all_pod_pairs_in_namespaces: [yaobank]
      protocol: TCP
      port: 2379
  check_mode: true
  register: preview

- name: Show the flows it would flip
  ansible.builtin.debug:
    var: preview.impact.summary

- name: Raise the order of a policy, but only if no connection changes
  calicolab.ccol1.calico_policy:
    name: database-policy
    namespace: yaobank
    order: 100
    impact:
      - src: {pod: yaobank/summary-0}
        dst: {pod: yaobank/database-0}
        protocol: TCP
        port: 2379
      - src: {pod: yaobank/customer-0}
        dst: {service: yaobank/summary}
        port: 80
    impact_fail_on_flip: true
"""

RETURN = r"""
resource:
  description: The policy as stored after the task (predicted in check mode); empty when absent.
  returned: always
  type: dict
diff:
  description: The normalised object before and after, without server-managed metadata.
  returned: always
  type: dict
  contains:
    before:
      description: The object before the task.
      type: dict
    after:
      description: The object after the task.
      type: dict
method:
  description: What was done.
  returned: always
  type: str
  sample: patched
impact:
  description:
    - The flows of O(impact) whose verdict the change flips; also returned by the failure of
      O(impact_fail_on_flip).
  returned: when O(impact) is given
  type: dict
  contains:
    flows_checked:
      description: How many flows were judged.
      type: int
      sample: 12
    flipped:
      description: Each flow whose verdict flips.
      type: list
      elements: dict
      contains:
        flow:
          description: The flow as evaluated (C(src), C(dst), C(protocol), C(port)).
          type: dict
        source:
          description: Label of the source.
          type: str
          sample: yaobank/customer-0
        destination:
          description: Label of the destination.
          type: str
          sample: yaobank/database-0
        protocol:
          description: Protocol of the flow.
          type: str
          sample: TCP
        port:
          description: Destination port of the flow.
          type: raw
          sample: 2379
        allowed_before:
          description: The verdict before the change.
          type: bool
          sample: true
        allowed_after:
          description: The verdict after the change.
          type: bool
          sample: false
        deciding_policy_after:
          description: The policy and rule (or profile, failsafe, default deny) that decides after the change.
          type: str
        before:
          description: The verdict before the change (C(allowed), C(decided_by), C(explanation)).
          type: dict
        after:
          description: The verdict after the change (C(allowed), C(decided_by), C(explanation)).
          type: dict
    summary:
      description: One line per flipped flow.
      type: list
      elements: str
      sample: ['yaobank/customer-0 -> yaobank/database-0 TCP/2379: allow -> deny (now decided by ...)']
problems:
  description: On bad input, each problem found (field, value and what is allowed); nothing was written.
  returned: failure
  type: list
  elements: str
  sample: ['spec.blockSize is 33: expected an integer from 20 to 32 for IPv4.']
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.api import API_VERSION
from ansible_collections.calicolab.ccol1.plugins.module_utils._k8s.client import HAS_K8S, K8S_IMPORT_ERROR
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.resource import (
    calico_argument_spec,
    load_definition,
    run_module,
    run_with_errors,
    set_if_given,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.impact import (
    IMPACT_ARG_SPEC,
    impact_hook_from_params,
)

POLICY_KINDS = ("GlobalNetworkPolicy", "NetworkPolicy")
STRUCTURED = (
    "name", "namespace", "order", "selector", "namespace_selector", "service_account_selector", "types",
    "ingress", "egress", "pre_dnat", "apply_on_forward", "do_not_track", "tier", "labels",
)
SPEC_FIELDS = (
    ("order", "order"), ("selector", "selector"), ("namespace_selector", "namespaceSelector"),
    ("service_account_selector", "serviceAccountSelector"), ("types", "types"), ("ingress", "ingress"),
    ("egress", "egress"), ("pre_dnat", "preDNAT"), ("apply_on_forward", "applyOnForward"),
    ("do_not_track", "doNotTrack"), ("tier", "tier"),
)

ARGUMENT_SPEC = calico_argument_spec(dict(IMPACT_ARG_SPEC, **{
    "name": {"type": "str"},
    "namespace": {"type": "str"},
    "order": {"type": "float"},
    "selector": {"type": "str"},
    "namespace_selector": {"type": "str"},
    "service_account_selector": {"type": "str"},
    "types": {"type": "list", "elements": "str", "choices": ["Ingress", "Egress"]},
    "ingress": {"type": "list", "elements": "dict"},
    "egress": {"type": "list", "elements": "dict"},
    "pre_dnat": {"type": "bool"},
    "apply_on_forward": {"type": "bool"},
    "do_not_track": {"type": "bool"},
    "tier": {"type": "str"},
    "labels": {"type": "dict"},
}), replace=True, definition=True)


def _order(value):
    # Whole orders read back from the API as integers; send them that way so the diff stays quiet.
    return int(value) if value is not None and float(value).is_integer() else value


def build_request(params):
    """Module parameters → the policy object to apply."""
    if params.get("definition") is not None:
        return load_definition(params["definition"], POLICY_KINDS)
    kind = "NetworkPolicy" if params.get("namespace") else "GlobalNetworkPolicy"
    metadata = {"name": params["name"]}
    set_if_given(metadata, "namespace", params.get("namespace"))
    set_if_given(metadata, "labels", params.get("labels"))
    spec = {}
    for option, field in SPEC_FIELDS:
        value = _order(params.get(option)) if option == "order" else params.get(option)
        set_if_given(spec, field, value)
    request = {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata}
    if spec or params.get("state") != "absent":
        request["spec"] = spec
    return request


def tier_requirement(request):
    if (request.get("spec") or {}).get("tier"):
        return {"Tier": "spec.tier %r is set, but this Calico API serves no tiers (tiers need Calico v3.29 or "
                        "later); remove tier" % request["spec"]["tier"]}
    return None


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[("definition", option) for option in STRUCTURED],
        required_one_of=[("definition", "name")],
    )
    if not HAS_K8S:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=K8S_IMPORT_ERROR)
    request = run_with_errors(module, build_request)
    preview = run_with_errors(module, impact_hook_from_params)
    run_module(module, request, needs_kinds=tier_requirement(request), preview=preview, preview_key="impact")


if __name__ == "__main__":
    main()
