# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Policy impact preview: which flows one change would flip (calico_policy's ``impact`` option).

``impact_of_change(objects_before, change, flows_or_scope)`` evaluates every flow in scope against the
cluster objects as they are and as they would be after one change, and returns the flows whose verdict flips.

* ``objects_before``: plain API dicts (what ``reachability.read_live_objects`` or ``load_snapshot`` returns).
* ``change``: ``{"state": "present", "definition": <object>}`` (create or replace: the object as it will be
  stored, so callers that merge-patch pass the merged result), ``{"state": "absent", "definition": {apiVersion,
  kind, metadata: {name, namespace}}}``; ``{"upsert": obj}`` / ``{"delete": obj}`` and a bare object (an
  upsert) are accepted too. Policies (projectcalico.org/v3 NetworkPolicy and GlobalNetworkPolicy,
  networking.k8s.io/v1 NetworkPolicy) are the point, but any snapshot kind works, e.g. a ServiceAccount label.
* ``flows_or_scope``: a list of flows ``{src, dst, protocol, port}`` as the engine takes them, or
  ``{"all_pod_pairs_in_namespaces": [ns, ...], "protocol": "TCP", "port": 80}``: every ordered pair of
  distinct pods with an IP in those namespaces. ``port`` may be a list; without it each destination pod's
  declared container ports are used (pods that declare none are skipped). A scope may also carry ``flows``.

Objects, changes and flows are read and checked by ``reachability`` (which this module builds on; it never
imports this one); flows here are strict (no warnings list is passed): an unknown key is an error.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.resource import CalicoRequestError
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import engine
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.matrix import reachability_matrix
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.reachability import (
    ChangeError,
    api_group,
    apply_change,
    build_snapshot,
    engine_flow,
    flow_labels,
    read_live_objects,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.report import (
    cell_from_verdict,
    endpoint_label,
    port_label,
)


# ---------------------------------------------------------------- scopes

def _pod_ports(pod):
    ports = []
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("containerPort"):
                entry = (str(port.get("protocol") or "TCP"), port["containerPort"])
                if entry not in ports:
                    ports.append(entry)
    return ports


def _pod_has_ip(pod):
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return False  # finished pods have no workload endpoint any more
    return bool(status.get("podIP") or status.get("podIPs"))


def pods_in_namespaces(objects, namespaces):
    wanted = set(namespaces)
    pods = [obj for obj in objects if obj.get("kind") == "Pod" and api_group(obj) == ""
            and (obj.get("metadata") or {}).get("namespace", "default") in wanted and _pod_has_ip(obj)
            and not (obj.get("spec") or {}).get("hostNetwork")]
    return sorted(pods, key=lambda pod: (pod["metadata"].get("namespace", "default"), pod["metadata"]["name"]))


def _port_list(port):
    if port in (None, ""):
        return None
    return list(port) if isinstance(port, (list, tuple)) else [port]


def pod_pair_flows(objects, namespaces, protocol=None, port=None):
    pods = pods_in_namespaces(objects, namespaces)
    ports = _port_list(port)
    flows = []
    for src in pods:
        src_ref = "%s/%s" % (src["metadata"].get("namespace", "default"), src["metadata"]["name"])
        for dst in pods:
            dst_ref = "%s/%s" % (dst["metadata"].get("namespace", "default"), dst["metadata"]["name"])
            if src_ref == dst_ref:
                continue  # a pod talking to itself never leaves its network namespace
            if ports is not None:
                targets = [(str(protocol or "TCP"), value) for value in ports]
            else:
                targets = [(proto, value) for proto, value in _pod_ports(dst)
                           if protocol is None or proto.upper() == str(protocol).upper()]
            for proto, value in targets:
                flows.append({"src": {"pod": src_ref}, "dst": {"pod": dst_ref}, "protocol": proto, "port": value})
    return flows


def check_scope_keys(scope, where="impact"):
    unknown = sorted(set(scope) - set(("all_pod_pairs_in_namespaces", "protocol", "port", "flows")))
    if unknown:
        raise ChangeError("%s has unknown keys %s; allowed: all_pod_pairs_in_namespaces, protocol, port, flows"
                          % (where, unknown))


def count_scope_flows(objects, flows_or_scope):
    """How many flows a scope stands for, without building them where the pod-pair fast path applies."""
    fast_scope = _fast_pair_scope(flows_or_scope)
    if fast_scope is None:
        return len(expand_scope(objects, flows_or_scope))
    check_scope_keys(flows_or_scope)
    pods = len(pods_in_namespaces(objects, fast_scope[0]))
    return pods * (pods - 1) * len(fast_scope[2])


def expand_scope(objects, flows_or_scope, where="impact"):
    """The flows a change is judged on: a list as given, or all pod pairs in the named namespaces."""
    if isinstance(flows_or_scope, (list, tuple)):
        return [engine_flow(flow, "%s[%d]" % (where, index)) for index, flow in enumerate(flows_or_scope)]
    if not isinstance(flows_or_scope, dict):
        raise ChangeError("%s must be a list of flows or {all_pod_pairs_in_namespaces: [...], protocol, port}, "
                          "got %r" % (where, flows_or_scope))
    check_scope_keys(flows_or_scope, where)
    flows = [engine_flow(flow, "%s.flows[%d]" % (where, index))
             for index, flow in enumerate(flows_or_scope.get("flows") or [])]
    namespaces = flows_or_scope.get("all_pod_pairs_in_namespaces") or []
    if isinstance(namespaces, str):
        namespaces = [namespaces]
    if namespaces:
        flows.extend(pod_pair_flows(objects, namespaces, flows_or_scope.get("protocol"), flows_or_scope.get("port")))
    return flows


# ---------------------------------------------------------------- evaluation and impact

def evaluate_cell(snapshot, flow):
    """The engine's verdict on one flow, as a report cell; engine errors name the flow."""
    try:
        verdict = engine.evaluate(snapshot, flow)
    except (KeyError, ValueError, TypeError) as exc:
        raise ChangeError("cannot evaluate flow %s -> %s %s: %s" % (
            endpoint_label(flow.get("src")), endpoint_label(flow.get("dst")),
            port_label(flow.get("protocol"), flow.get("port")), exc))
    return cell_from_verdict(verdict)


def _fast_pair_scope(flows_or_scope):
    """(namespaces, protocol, ports) when the scope is only pod pairs on given ports, else None."""
    if not isinstance(flows_or_scope, dict) or flows_or_scope.get("flows"):
        return None
    namespaces = flows_or_scope.get("all_pod_pairs_in_namespaces") or []
    ports = _port_list(flows_or_scope.get("port"))
    if not namespaces or ports is None:
        return None
    if isinstance(namespaces, str):
        namespaces = [namespaces]
    return namespaces, str(flows_or_scope.get("protocol") or "TCP"), ports


def _allowed_matrix(snapshot, refs, protocol, port):
    try:
        return reachability_matrix(snapshot, refs, refs, protocol, port)["allowed"]
    except (KeyError, ValueError, TypeError) as exc:
        raise ChangeError("cannot compute the pod matrix on %s: %s" % (port_label(protocol, port), exc))


def _candidate_flows_by_matrix(objects_before, before, after, fast_scope):
    """Pod pairs whose verdict differs between two snapshots, found with the engine's matrix fast path.

    Same flows, in the same order, as expanding the scope and evaluating every pair; only the flips are
    evaluated again in full for their explanations.
    """
    namespaces, protocol, ports = fast_scope
    pods = pods_in_namespaces(objects_before, namespaces)
    refs = ["%s/%s" % (pod["metadata"].get("namespace", "default"), pod["metadata"]["name"]) for pod in pods]
    if len(refs) < 2:
        return []
    differing = []
    for position, port in enumerate(ports):
        old = _allowed_matrix(before, refs, protocol, port)
        new = _allowed_matrix(after, refs, protocol, port)
        for row, src in enumerate(refs):
            for column, dst in enumerate(refs):
                if row != column and old[row][column] != new[row][column]:
                    differing.append((row, column, position,
                                      {"src": {"pod": src}, "dst": {"pod": dst}, "protocol": protocol, "port": port}))
    return [item[3] for item in sorted(differing, key=lambda item: item[:3])]


def impact_of_change(objects_before, change, flows_or_scope):
    """Every flow in scope whose verdict the change flips, with both verdicts and who decides afterwards."""
    objects_after = apply_change(objects_before, change)
    before = build_snapshot(objects_before)
    after = build_snapshot(objects_after)
    fast_scope = _fast_pair_scope(flows_or_scope)
    if fast_scope is not None:
        check_scope_keys(flows_or_scope)
        flows = _candidate_flows_by_matrix(objects_before, before, after, fast_scope)
    else:
        flows = expand_scope(objects_before, flows_or_scope)
    flipped = []
    for flow in flows:
        cell_before = evaluate_cell(before, flow)
        cell_after = evaluate_cell(after, flow)
        if cell_before["allowed"] == cell_after["allowed"]:
            continue
        source, destination = flow_labels(flow)
        flipped.append({
            "flow": flow,
            "source": source,
            "destination": destination,
            "protocol": flow.get("protocol"),
            "port": flow.get("port"),
            "before": cell_before,
            "after": cell_after,
            "allowed_before": cell_before["allowed"],
            "allowed_after": cell_after["allowed"],
            "deciding_policy_after": cell_after["decided_by"],
        })
    return flipped


def impact_summary(flipped):
    """One line per flipped flow, for a module's msg or a report."""
    lines = []
    for item in flipped:
        lines.append("%s -> %s %s: %s -> %s (now decided by %s)" % (
            item["source"], item["destination"], port_label(item.get("protocol"), item.get("port")),
            "allow" if item["allowed_before"] else "deny", "allow" if item["allowed_after"] else "deny",
            item.get("deciding_policy_after") or "?"))
    return lines


# ---------------------------------------------------------------- the adapter calico_policy's impact option calls

IMPACT_ARG_SPEC = {
    "impact": {"type": "raw"},
    "impact_fail_on_flip": {"type": "bool", "default": False},
}


def preview_impact(source, change, flows_or_scope):
    """What a module returns for ``impact:``: the flows checked, the flipped ones and one line per flip.

    ``source`` is a _k8s_client.CalicoClient (the live objects are read once) or a list of objects.
    Raises ChangeError on bad input, so the caller fails before writing anything.
    """
    objects = source if isinstance(source, list) else read_live_objects(source)
    checked = count_scope_flows(objects, flows_or_scope)
    flipped = impact_of_change(objects, change, flows_or_scope)
    return {"flows_checked": checked, "flipped": flipped, "summary": impact_summary(flipped)}


def check_impact_scope(flows_or_scope, where="impact"):
    """Refuse a malformed ``impact:`` before anything is read or written (flows are checked in full here)."""
    if isinstance(flows_or_scope, (list, tuple)):
        expand_scope([], flows_or_scope, where)
        return
    if not isinstance(flows_or_scope, dict):
        raise ChangeError("%s must be a list of flows or {all_pod_pairs_in_namespaces: [...], protocol, port}, "
                          "got %r" % (where, flows_or_scope))
    check_scope_keys(flows_or_scope, where)
    namespaces = flows_or_scope.get("all_pod_pairs_in_namespaces")
    if isinstance(namespaces, str):
        namespaces = [namespaces]
    if not flows_or_scope.get("flows") and not namespaces:
        raise ChangeError("%s needs all_pod_pairs_in_namespaces (a list of namespace names) or flows" % where)
    if namespaces is not None and (not isinstance(namespaces, (list, tuple))
                                   or not all(isinstance(name, str) and name for name in namespaces)):
        raise ChangeError("%s.all_pod_pairs_in_namespaces must be a list of namespace names, got %r"
                          % (where, namespaces))
    expand_scope([], dict((key, value) for key, value in flows_or_scope.items()
                          if key != "all_pod_pairs_in_namespaces"), where)


def flip_refusal(preview):
    """The error of ``impact_fail_on_flip``: one problem per flipped flow, the whole preview as ``impact``."""
    count = len(preview["flipped"])
    message = "impact_fail_on_flip: the change would flip %d of %d flows; nothing was written:\n%s" % (
        count, preview["flows_checked"], "\n".join(preview["summary"]))
    return CalicoRequestError(message, preview["summary"], {"impact": preview})


def impact_preview_hook(flows_or_scope, fail_on_flip=False):
    """The ``preview`` callback _calico_resource.apply_request takes, for a module's ``impact:`` option.

    Returns None without a scope. The scope is checked at once (bad input fails before any API call); the
    callback reads the live objects through the client, judges the change the apply engine is about to make
    (the merged, defaulted object, or a delete), and refuses it when ``fail_on_flip`` and any flow flips.
    """
    if flows_or_scope is None:
        return None
    try:
        check_impact_scope(flows_or_scope)
    except ChangeError as exc:
        raise CalicoRequestError(str(exc), [str(exc)])

    def preview(client, change):
        try:
            result = preview_impact(client, change, flows_or_scope)
        except ChangeError as exc:
            raise CalicoRequestError("impact: %s" % exc, [str(exc)])
        if fail_on_flip and result["flipped"]:
            raise flip_refusal(result)
        return result

    return preview


def impact_hook_from_params(params):
    """calico_policy's ``impact`` and ``impact_fail_on_flip`` options → the preview callback, or None."""
    return impact_preview_hook(params.get("impact"), bool(params.get("impact_fail_on_flip")))
