# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Policy impact preview, and the snapshot plumbing the reachability module and the impact preview share.

``impact_of_change(objects_before, change, flows_or_scope)`` evaluates every flow in scope against the
cluster objects as they are and as they would be after one change, and returns the flows whose verdict flips.

* ``objects_before``: plain API dicts (what ``read_live_objects`` or ``load_snapshot`` returns).
* ``change``: ``{"state": "present", "definition": <object>}`` (create or replace: the object as it will be
  stored, so callers that merge-patch pass the merged result), ``{"state": "absent", "definition": {apiVersion,
  kind, metadata: {name, namespace}}}``; ``{"upsert": obj}`` / ``{"delete": obj}`` and a bare object (an
  upsert) are accepted too. Policies (projectcalico.org/v3 NetworkPolicy and GlobalNetworkPolicy,
  networking.k8s.io/v1 NetworkPolicy) are the point, but any snapshot kind works, e.g. a ServiceAccount label.
* ``flows_or_scope``: a list of flows ``{src, dst, protocol, port}`` as the engine takes them, or
  ``{"all_pod_pairs_in_namespaces": [ns, ...], "protocol": "TCP", "port": 80}``: every ordered pair of
  distinct pods with an IP in those namespaces. ``port`` may be a list; without it each destination pod's
  declared container ports are used (pods that declare none are skipped). A scope may also carry ``flows``.

Objects are identified as Kubernetes does, by API group, kind, namespace and name, so a Calico NetworkPolicy
and a Kubernetes NetworkPolicy of the same name are different objects.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import traceback

YAML_IMPORT_ERROR = None
try:
    import yaml
    HAS_YAML = True
except ImportError:
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import engine
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.resource import CalicoRequestError
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.report import (
    cell_from_verdict,
    endpoint_label,
    port_label,
)

NAMESPACED_KINDS = frozenset(("Pod", "Service", "ServiceAccount", "NetworkPolicy", "NetworkSet", "Endpoints",
                              "StagedNetworkPolicy", "StagedKubernetesNetworkPolicy"))
POLICY_KINDS = frozenset((("projectcalico.org", "NetworkPolicy"), ("projectcalico.org", "GlobalNetworkPolicy"),
                          ("networking.k8s.io", "NetworkPolicy")))

# What a reachability snapshot is made of, read from a live cluster: (apiVersion, kind, required).
# Optional kinds are only read where the cluster serves them (Tier from Calico v3.29).
# KubeControllersConfiguration tells whether kube-controllers creates host endpoints automatically.
LIVE_KINDS = (
    ("v1", "Namespace", True),
    ("v1", "Pod", True),
    ("v1", "ServiceAccount", True),
    ("v1", "Service", True),
    ("v1", "Node", True),
    ("networking.k8s.io/v1", "NetworkPolicy", True),
    ("projectcalico.org/v3", "HostEndpoint", True),
    ("projectcalico.org/v3", "NetworkPolicy", True),
    ("projectcalico.org/v3", "GlobalNetworkPolicy", True),
    ("projectcalico.org/v3", "FelixConfiguration", True),
    ("v1", "Endpoints", False),
    ("projectcalico.org/v3", "KubeControllersConfiguration", False),
    ("projectcalico.org/v3", "Tier", False),
    ("projectcalico.org/v3", "GlobalNetworkSet", False),
    ("projectcalico.org/v3", "NetworkSet", False),
)


class ChangeError(ValueError):
    """A change or scope that cannot be applied; the message names the field, the value and what is allowed."""


# ---------------------------------------------------------------- object identity and changes

def api_group(obj):
    api_version = str(obj.get("apiVersion") or "")
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def object_key(obj, where="object"):
    """(group, kind, namespace, name); namespaced kinds without a namespace land in 'default', as kubectl does."""
    if not isinstance(obj, dict):
        raise ChangeError("%s must be a Kubernetes object (a dict), got %s" % (where, type(obj).__name__))
    kind = obj.get("kind")
    meta = obj.get("metadata") or {}
    if not kind or not obj.get("apiVersion"):
        raise ChangeError("%s needs apiVersion and kind, got apiVersion=%r kind=%r"
                          % (where, obj.get("apiVersion"), kind))
    if not meta.get("name"):
        raise ChangeError("%s.metadata.name is required (%s %s)" % (where, obj.get("apiVersion"), kind))
    namespace = meta.get("namespace") or ("default" if kind in NAMESPACED_KINDS else "")
    return (api_group(obj), kind, namespace, meta["name"])


def describe_key(key):
    group, kind, namespace, name = key
    qualified = "%s.%s" % (kind, group) if group else kind
    return "%s %s" % (qualified, "%s/%s" % (namespace, name) if namespace else name)


def normalise_change(change, where="change"):
    """Return (state, definition) with state 'present' or 'absent'."""
    if not isinstance(change, dict):
        raise ChangeError("%s must be a dict, got %s" % (where, type(change).__name__))
    if "upsert" in change:
        return "present", change["upsert"]
    if "delete" in change:
        return "absent", change["delete"]
    if "definition" in change or "state" in change:
        state = change.get("state", "present")
        if state not in ("present", "absent"):
            raise ChangeError("%s.state must be 'present' or 'absent', got %r" % (where, state))
        if not isinstance(change.get("definition"), dict):
            raise ChangeError("%s.definition must be a Kubernetes object (a dict), got %r"
                              % (where, change.get("definition")))
        return state, change["definition"]
    if "kind" in change and "apiVersion" in change:
        return "present", change
    raise ChangeError("%s must be {state: present|absent, definition: <object>}, {upsert: <object>}, "
                      "{delete: <object>} or an object; got keys %s" % (where, sorted(change)))


def _with_default_namespace(obj, key):
    if key[2] and not (obj.get("metadata") or {}).get("namespace"):
        obj = copy.deepcopy(obj)
        obj.setdefault("metadata", {})["namespace"] = key[2]
    return obj


def apply_change(objects, change, where="change"):
    """A new object list with one change applied: replace or add on present, drop on absent (absent if missing is a no-op)."""
    state, definition = normalise_change(change, where)
    key = object_key(definition, where + ".definition")
    result = []
    replaced = False
    for index, obj in enumerate(objects):
        if isinstance(obj, dict) and obj.get("kind") and (obj.get("metadata") or {}).get("name") \
                and object_key(obj, "objects[%d]" % index) == key:
            if state == "present" and not replaced:
                result.append(_with_default_namespace(copy.deepcopy(definition), key))
                replaced = True
            continue
        result.append(obj)
    if state == "present" and not replaced:
        result.append(_with_default_namespace(copy.deepcopy(definition), key))
    return result


def apply_changes(objects, changes, where="changes"):
    objects = list(objects)
    for index, change in enumerate(changes or []):
        objects = apply_change(objects, change, "%s[%d]" % (where, index))
    return objects


def is_policy(obj):
    return (api_group(obj), obj.get("kind")) in POLICY_KINDS


# ---------------------------------------------------------------- snapshots from files, lists and the API

def _objects_from_document(document, where):
    if document is None:
        return []
    if isinstance(document, list):
        objects = []
        for index, item in enumerate(document):
            objects.extend(_objects_from_document(item, "%s[%d]" % (where, index)))
        return objects
    if isinstance(document, dict):
        if isinstance(document.get("items"), list) and (document.get("kind") in (None, "List")
                                                        or str(document.get("kind")).endswith("List")):
            return _objects_from_document(document["items"], where + ".items")
        if "snapshot" in document and "kind" not in document:
            return _objects_from_document(document["snapshot"], where + ".snapshot")
        if document.get("kind") and document.get("apiVersion"):
            return [document]
    raise ChangeError("%s is not a Kubernetes object, a list of objects or a kind: List document: %s"
                      % (where, json.dumps(document, default=str)[:200]))


def _looks_like_content(text):
    # A path is one line; YAML or JSON content (e.g. from a file lookup) has lines or starts like a document.
    return "\n" in text.strip() or text.lstrip().startswith(("{", "[", "apiVersion:", "kind:", "items:", "---"))


def load_snapshot(snapshot):
    """Objects from a list/dict given inline, YAML/JSON text, or a YAML (multi-document) or JSON file path."""
    if isinstance(snapshot, (list, dict)):
        return _objects_from_document(snapshot, "snapshot")
    if not isinstance(snapshot, str) or not snapshot:
        raise ChangeError("snapshot must be a list of objects or the path of a YAML/JSON file, got %r" % (snapshot,))
    path = os.path.expanduser(snapshot)
    if os.path.isfile(path):
        with open(path, "rb") as stream:
            text = stream.read().decode("utf-8")
    elif _looks_like_content(snapshot):
        text, snapshot = snapshot, "(inline text)"
    else:
        raise ChangeError("snapshot: no such file %r" % snapshot)
    if not HAS_YAML:
        try:
            return _objects_from_document(json.loads(text), "snapshot %s" % snapshot)
        except ValueError:
            raise ChangeError("snapshot %s: reading YAML needs PyYAML: %s" % (snapshot, YAML_IMPORT_ERROR))
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        raise ChangeError("snapshot %s is not valid YAML or JSON: %s" % (snapshot, exc))
    objects = []
    for index, document in enumerate(documents):
        objects.extend(_objects_from_document(document, "snapshot %s document %d" % (snapshot, index + 1)))
    return objects


def _is_listed_knp(api_version, kind, obj):
    # Felix reads Kubernetes policies directly; some Calico versions also list them as v3 NetworkPolicies
    # named knp.default.<name>. Counting both would evaluate every Kubernetes policy twice.
    return (api_version, kind) == ("projectcalico.org/v3", "NetworkPolicy") \
        and str((obj.get("metadata") or {}).get("name", "")).startswith("knp.default.")


def read_live_objects(calico_client, kinds=LIVE_KINDS):
    """List every snapshot kind through the dynamic client of a _k8s_client.CalicoClient (or a DynamicClient)."""
    dynamic = getattr(calico_client, "dynamic", calico_client)
    objects = []
    for api_version, kind, required in kinds:
        try:
            resource = dynamic.resources.get(api_version=api_version, kind=kind)
        except Exception as exc:  # ResourceNotFoundError and friends, from two possible client packages
            if required:
                raise ChangeError("The cluster does not serve %s %s, needed for a reachability snapshot: %s"
                                  % (api_version, kind, exc))
            continue
        listing = dynamic.get(resource)
        listing = listing.to_dict() if hasattr(listing, "to_dict") else listing
        for item in listing.get("items") or []:
            # List items carry no apiVersion/kind of their own.
            item = dict(item, apiVersion=api_version, kind=kind)
            if not _is_listed_knp(api_version, kind, item):
                objects.append(item)
    return objects


# ---------------------------------------------------------------- flows and scopes

def clean_endpoint(endpoint, where):
    """The engine's view of a flow end: drop report-only keys (label, port, protocol)."""
    if not isinstance(endpoint, dict):
        raise ChangeError("%s must be a dict such as {pod: ns/name}, {ip: a.b.c.d}, {host: node}, "
                          "{service: ns/name} or {nodeport: {node: n, port: p}}, got %r" % (where, endpoint))
    cleaned = dict((key, value) for key, value in endpoint.items() if key not in ("label", "port", "protocol"))
    if len(cleaned) != 1:
        raise ChangeError("%s must have exactly one of pod, ip, host, service, nodeport; got %s"
                          % (where, sorted(cleaned)))
    return cleaned


FLOW_KEYS = ("src", "dst", "protocol", "port", "icmp", "src_port", "ip_version")


def engine_flow(flow, where="flow", extra_keys=("description",)):
    """A flow as the engine takes it: {src, dst, protocol, port}; protocol defaults to TCP.

    Unknown keys are refused so that a misspelt ``prot:`` does not silently evaluate TCP.
    """
    if not isinstance(flow, dict) or "src" not in flow or "dst" not in flow:
        raise ChangeError("%s must be a dict with src and dst (and protocol, port), got %r" % (where, flow))
    unknown = sorted(set(flow) - set(FLOW_KEYS) - set(extra_keys))
    if unknown:
        allowed = ", ".join(FLOW_KEYS + tuple(extra_keys))
        raise ChangeError("%s has unknown keys %s; allowed: %s" % (where, unknown, allowed))
    result = {"src": clean_endpoint(flow["src"], where + ".src"), "dst": clean_endpoint(flow["dst"], where + ".dst"),
              "protocol": str(flow.get("protocol") or "TCP")}
    for key in ("port", "icmp", "src_port", "ip_version"):
        if flow.get(key) not in (None, ""):
            result[key] = flow[key]
    return result


def flow_labels(flow):
    return endpoint_label(flow.get("src")), endpoint_label(flow.get("dst"))


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


def build_snapshot(objects):
    try:
        return engine.Snapshot.from_objects(objects)
    except (KeyError, ValueError, TypeError) as exc:
        raise ChangeError("the snapshot objects were refused by the policy engine: %s" % exc)


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
        return engine.reachability_matrix(snapshot, refs, refs, protocol, port)["allowed"]
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


# ---------------------------------------------------------------- reachability: flows, matrix, expectations

def _json_safe(value):
    return json.loads(json.dumps(value, default=str))


def verdict_details(verdict):
    if hasattr(verdict, "as_dict"):
        try:
            return _json_safe(verdict.as_dict())
        except (TypeError, ValueError):
            return None
    return None


def evaluate_flow(snapshot, flow, where="flow", extra_keys=("description",)):
    """One flow as given by a user (report-only keys allowed) → a result row for the module and the report."""
    clean = engine_flow(flow, where, extra_keys)
    try:
        verdict = engine.evaluate(snapshot, clean)
    except (KeyError, ValueError, TypeError) as exc:
        raise ChangeError("%s: cannot evaluate %s -> %s %s: %s" % (
            where, endpoint_label(clean["src"]), endpoint_label(clean["dst"]),
            port_label(clean.get("protocol"), clean.get("port")), exc))
    row = cell_from_verdict(verdict)
    source, destination = flow_labels(flow)
    row.update({"src": clean["src"], "dst": clean["dst"], "protocol": clean["protocol"], "port": clean.get("port"),
                "source": source, "destination": destination})
    details = verdict_details(verdict)
    if details is not None:
        row["details"] = details
    return row


def evaluate_flows(snapshot, flows, where="flows"):
    return [evaluate_flow(snapshot, flow, "%s[%d]" % (where, index)) for index, flow in enumerate(flows or [])]


def _matrix_target(matrix_spec, destination):
    protocol = destination.get("protocol") if isinstance(destination, dict) else None
    port = destination.get("port") if isinstance(destination, dict) else None
    own = protocol is not None or port is not None
    return (protocol or matrix_spec.get("protocol") or "TCP",
            port if port is not None else matrix_spec.get("port"), own)


def build_matrix(snapshot, matrix_spec, where="matrix"):
    """Evaluate every source × destination; a destination may carry its own protocol/port (and a label)."""
    if not isinstance(matrix_spec, dict):
        raise ChangeError("%s must be a dict with sources, destinations, protocol, port; got %r" % (where, matrix_spec))
    sources = matrix_spec.get("sources") or []
    destinations = matrix_spec.get("destinations") or []
    if not sources or not destinations:
        raise ChangeError("%s needs non-empty sources and destinations, got %d sources and %d destinations"
                          % (where, len(sources), len(destinations)))
    columns = []
    for index, destination in enumerate(destinations):
        protocol, port, own = _matrix_target(matrix_spec, destination)
        clean = clean_endpoint(destination, "%s.destinations[%d]" % (where, index))
        label = endpoint_label(destination) if not own or (isinstance(destination, dict) and "label" in destination) \
            else endpoint_label(clean, protocol, port)
        columns.append((clean, protocol, port, label))
    rows = []
    cells = []
    for row_index, source in enumerate(sources):
        clean_src = clean_endpoint(source, "%s.sources[%d]" % (where, row_index))
        rows.append(endpoint_label(source))
        row = []
        for clean_dst, protocol, port, _label in columns:
            flow = {"src": clean_src, "dst": clean_dst, "protocol": protocol, "port": port}
            cell = evaluate_flow(snapshot, flow, "%s cell %s -> %s" % (where, endpoint_label(source), _label))
            row.append(dict((key, cell[key]) for key in ("allowed", "decided_by", "explanation")))
        cells.append(row)
    return {"title": matrix_spec.get("title"), "protocol": matrix_spec.get("protocol") or "TCP",
            "port": matrix_spec.get("port"), "sources": rows, "destinations": [column[3] for column in columns],
            "cells": cells}


def check_expectations(snapshot, expect, where="expect"):
    """Evaluate each expected flow; returns (rows with 'expected', mismatching rows)."""
    rows = []
    for index, item in enumerate(expect or []):
        place = "%s[%d]" % (where, index)
        if not isinstance(item, dict) or not isinstance(item.get("allowed"), bool):
            raise ChangeError("%s.allowed must be true or false, got %r" % (place, (item or {}).get("allowed")
                                                                            if isinstance(item, dict) else item))
        row = evaluate_flow(snapshot, item, place, ("description", "allowed"))
        row.pop("details", None)  # the explanation says it all; a failed assertion should stay readable
        row["expected"] = item["allowed"]
        row["matches"] = row["allowed"] == item["allowed"]
        if item.get("description"):
            row["description"] = item["description"]
        rows.append(row)
    return rows, [row for row in rows if not row["matches"]]


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
