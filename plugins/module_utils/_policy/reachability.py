# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""What calico_reachability does, as plain functions: objects in, verdicts, matrix and expectations out.

* Objects: ``load_snapshot`` (a list, YAML/JSON text or a file) or ``read_live_objects`` (the Kubernetes API),
  then ``apply_changes`` for "what if" changes, then ``build_snapshot`` for the engine.
* Flows: ``engine_flow`` checks a user's flow and reduces it to what the engine takes; ``evaluate_flows``,
  ``build_matrix`` and ``check_expectations`` return rows the module returns and the report renders.
* ``evaluate_request`` runs a whole module request; ``render_request_report`` renders it.

Keys a flow, a flow end or an expectation does not know are reported with the closest known key ("did you
mean dst?"). With a ``warnings`` list the caller gets them as warnings and the key is ignored, unless it most
likely stands for a key the item lacks and that changes the verdict (``prot`` for ``protocol``): then the
item is refused, because evaluating another flow than the one meant would answer the wrong question.
Without a ``warnings`` list every unknown key is refused.

Objects are identified as Kubernetes does, by API group, kind, namespace and name, so a Calico NetworkPolicy
and a Kubernetes NetworkPolicy of the same name are different objects.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import difflib
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

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.api import API_VERSION
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.resource import merge_patch
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import engine
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.report import (
    cell_from_verdict,
    endpoint_label,
    mark_changes,
    mismatch_table,
    port_label,
    render,
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
    (API_VERSION, "HostEndpoint", True),
    (API_VERSION, "NetworkPolicy", True),
    (API_VERSION, "GlobalNetworkPolicy", True),
    (API_VERSION, "FelixConfiguration", True),
    ("v1", "Endpoints", False),
    (API_VERSION, "KubeControllersConfiguration", False),
    (API_VERSION, "Tier", False),
    (API_VERSION, "GlobalNetworkSet", False),
    (API_VERSION, "NetworkSet", False),
)


class ChangeError(ValueError):
    """A change, snapshot or flow that cannot be used; the message names the field, the value and what is allowed."""


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
        if state not in ("present", "absent", "patched"):
            raise ChangeError("%s.state must be 'present', 'absent' or 'patched', got %r" % (where, state))
        if not isinstance(change.get("definition"), dict):
            raise ChangeError("%s.definition must be a Kubernetes object (a dict), got %r"
                              % (where, change.get("definition")))
        return state, change["definition"]
    if "kind" in change and "apiVersion" in change:
        return "present", change
    raise ChangeError("%s must be {state: present|absent|patched, definition: <object>}, {upsert: <object>}, "
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
            if state == "patched" and not replaced:
                result.append(merge_patch(obj, definition))
                replaced = True
            elif state == "present" and not replaced:
                result.append(_with_default_namespace(copy.deepcopy(definition), key))
                replaced = True
            continue
        result.append(obj)
    if state == "patched" and not replaced:
        # like a server-side merge patch that creates nothing: a patch of a missing object is the patch alone
        result.append(_with_default_namespace(merge_patch({}, definition), key))
        replaced = True
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
    return (api_version, kind) == (API_VERSION, "NetworkPolicy") \
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


def build_snapshot(objects):
    try:
        return engine.Snapshot.from_objects(objects)
    except (KeyError, ValueError, TypeError) as exc:
        raise ChangeError("the snapshot objects were refused by the policy engine: %s" % exc)


# ---------------------------------------------------------------- keys a user may misspell

END_KEYS = ("pod", "ip", "host", "service", "nodeport")
FLOW_KEYS = ("src", "dst", "protocol", "port", "icmp", "src_port", "ip_version")
EXPECT_KEYS = ("description", "allowed")
# Spellings people carry over from other tools, which difflib alone would map to the wrong key.
KEY_ALIASES = {
    "dest": "dst", "destination": "dst", "to": "dst", "source": "src", "from": "src",
    "proto": "protocol", "prot": "protocol", "dport": "port", "dst_port": "port", "dstport": "port",
    "destination_port": "port", "ports": "port", "sport": "src_port", "source_port": "src_port",
    "srcport": "src_port", "expected": "allowed", "allow": "allowed", "expect": "allowed",
    "ipversion": "ip_version", "family": "ip_version", "address": "ip", "node": "host", "svc": "service",
    "name": "label",
}
# Keys that are right elsewhere: a flow's port and protocol go on the flow, not on one of its ends.
FLOW_END_MISPLACED = {"port": "belongs to the flow, next to src and dst",
                      "protocol": "belongs to the flow, next to src and dst"}
FLOW_MISPLACED = {"allowed": "asserts a verdict, so it belongs to an expect entry, not to a flow"}
SOURCE_MISPLACED = {"port": "belongs to a destination or to the matrix, not to a source",
                    "protocol": "belongs to a destination or to the matrix, not to a source"}


def closest_key(key, known):
    """The known key ``key`` most likely stands for, or None."""
    text = str(key).strip().lower().replace("-", "_")
    if text in known:
        return text
    if KEY_ALIASES.get(text) in known:
        return KEY_ALIASES[text]
    matches = difflib.get_close_matches(text, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


def unknown_key_text(where, key, known):
    guess = closest_key(key, known)
    hint = "did you mean %r?" % guess if guess else "known keys: %s" % ", ".join(known)
    return "%s: unknown key %r; %s" % (where, key, hint)


def check_keys(item, known, where, warnings, refuse=(), misplaced=None):
    """Warn about the keys of ``item`` outside ``known``; refuse one that stands for a key in ``refuse``.

    Without a ``warnings`` list every unknown key is refused.
    """
    misplaced = misplaced or {}
    for key in sorted(set(item) - set(known), key=str):
        if key in misplaced:
            meant, text = key, "%s: %r %s" % (where, key, misplaced[key])
        else:
            meant, text = closest_key(key, known), unknown_key_text(where, key, known)
        if warnings is None or meant in refuse:
            raise ChangeError(text)
        warnings.append(text + " (ignored)")


def lacking(item, keys):
    """The ``keys`` ``item`` does not set: a misspelling of one of them changes what is evaluated."""
    return frozenset(key for key in keys if key not in item)


def _end_refusals(endpoint):
    # An end that already names what it is cannot mean a second one; an end that names nothing can.
    return frozenset(END_KEYS) if not any(key in endpoint for key in END_KEYS) else frozenset()


# ---------------------------------------------------------------- flows

def clean_endpoint(endpoint, where, extra_keys=("label", "port", "protocol"), warnings=None, refuse=(),
                   misplaced=None):
    """The engine's view of a flow end: exactly one of END_KEYS, report-only ``extra_keys`` dropped."""
    if not isinstance(endpoint, dict):
        raise ChangeError("%s must be a dict such as {pod: ns/name}, {ip: a.b.c.d}, {host: node}, "
                          "{service: ns/name} or {nodeport: {node: n, port: p}}, got %r" % (where, endpoint))
    check_keys(endpoint, END_KEYS + tuple(extra_keys), where, warnings, _end_refusals(endpoint) | frozenset(refuse),
               misplaced)
    cleaned = dict((key, value) for key, value in endpoint.items() if key in END_KEYS)
    if len(cleaned) != 1:
        raise ChangeError("%s must have exactly one of pod, ip, host, service, nodeport; got %s"
                          % (where, sorted(endpoint, key=str)))
    return cleaned


def engine_flow(flow, where="flow", extra_keys=("description",), warnings=None):
    """A flow as the engine takes it: {src, dst, protocol, port, ...}; protocol defaults to TCP.

    ``extra_keys`` are the report-only keys the caller allows; any other key is refused or warned about.
    """
    if not isinstance(flow, dict):
        raise ChangeError("%s must be a dict with src and dst (and protocol, port), got %r" % (where, flow))
    check_keys(flow, FLOW_KEYS + tuple(extra_keys), where, warnings, lacking(flow, FLOW_KEYS), FLOW_MISPLACED)
    if "src" not in flow or "dst" not in flow:
        raise ChangeError("%s must be a dict with src and dst (and protocol, port), got %r" % (where, flow))
    on_the_flow = lacking(flow, FLOW_END_MISPLACED)
    result = {"src": clean_endpoint(flow["src"], where + ".src", ("label",), warnings, on_the_flow,
                                    FLOW_END_MISPLACED),
              "dst": clean_endpoint(flow["dst"], where + ".dst", ("label",), warnings, on_the_flow,
                                    FLOW_END_MISPLACED),
              "protocol": str(flow.get("protocol") or "TCP")}
    for key in ("port", "icmp", "src_port", "ip_version"):
        if flow.get(key) not in (None, ""):
            result[key] = flow[key]
    return result


def flow_labels(flow):
    return endpoint_label(flow.get("src")), endpoint_label(flow.get("dst"))


# ---------------------------------------------------------------- verdicts, matrix, expectations

def _json_safe(value):
    return json.loads(json.dumps(value, default=str))


def verdict_details(verdict):
    if hasattr(verdict, "as_dict"):
        try:
            return _json_safe(verdict.as_dict())
        except (TypeError, ValueError):
            return None
    return None


def evaluate_clean_flow(snapshot, clean, where):
    """The engine's verdict on an already checked flow, as a report cell plus the engine's details.

    A pod end may name a workload (``yaobank/customer``): the flow is evaluated for every pod of it (every
    source pod to every destination pod) and is allowed only when every pair is; ``pods`` lists them.
    """
    pairs = pod_pairs(snapshot, clean, where)
    if len(pairs) == 1 and pairs[0] == clean:
        return _evaluate_exact_flow(snapshot, clean, where)
    cells = [_evaluate_exact_flow(snapshot, pair, where) for pair in pairs]
    return combine_pod_pairs(pairs, cells)


def _evaluate_exact_flow(snapshot, clean, where):
    try:
        verdict = engine.evaluate(snapshot, clean)
    except (KeyError, ValueError, TypeError) as exc:
        raise ChangeError("%s: cannot evaluate %s -> %s %s: %s" % (
            where, endpoint_label(clean["src"]), endpoint_label(clean["dst"]),
            port_label(clean.get("protocol"), clean.get("port")), exc))
    row = cell_from_verdict(verdict)
    details = verdict_details(verdict)
    if details is not None:
        row["details"] = details
    return row


# ---------------------------------------------------------------- workloads as flow ends

def end_pods(snapshot, clean, end, where):
    """The pod refs the flow's ``end`` (src or dst) stands for ([] for an end that is not a pod)."""
    spec = clean[end]
    if not isinstance(spec, dict) or "pod" not in spec:
        return []
    try:
        return snapshot.workload_pods(spec["pod"])
    except ValueError as exc:
        raise ChangeError("%s: cannot evaluate %s -> %s %s: %s.%s" % (
            where, endpoint_label(clean["src"]), endpoint_label(clean["dst"]),
            port_label(clean.get("protocol"), clean.get("port")), end, exc))


def pod_pairs(snapshot, clean, where):
    """The flow once per (source pod, destination pod) of the workloads its ends name, in order."""
    sources = end_pods(snapshot, clean, "src", where) or [None]
    destinations = end_pods(snapshot, clean, "dst", where) or [None]
    pairs = []
    for source in sources:
        for destination in destinations:
            pair = dict(clean)
            if source is not None:
                pair["src"] = {"pod": source}
            if destination is not None:
                pair["dst"] = {"pod": destination}
            pairs.append(pair)
    return pairs


def combine_pod_pairs(pairs, cells):
    """One cell for a flow between workloads: allowed only when every pod pair is; the first pair that decides
    the verdict gives the explanation, and ``pods`` lists each pair with its verdict."""
    allowed = all(cell["allowed"] for cell in cells)
    deciding = next(index for index, cell in enumerate(cells) if cell["allowed"] == allowed)
    row = dict(cells[deciding])
    agreed = sum(1 for cell in cells if cell["allowed"])
    note = "%d of %d pod pairs allowed; shown: %s -> %s" % (
        agreed, len(cells), endpoint_label(pairs[deciding]["src"]), endpoint_label(pairs[deciding]["dst"]))
    row["explanation"] = "%s\n%s" % (note, row.get("explanation") or "")
    row["pods"] = [{"src": endpoint_label(pair["src"]), "dst": endpoint_label(pair["dst"]),
                    "allowed": cell["allowed"]} for pair, cell in zip(pairs, cells)]
    return row


def probe_target(snapshot, clean, where="flow"):
    """Where a real probe of the flow goes: {src_pod, address, port}; src_pod is the first pod of a pod source
    (None otherwise), address the IPv4 (else first) address a client would connect to, None when unknown."""
    source = end_pods(snapshot, clean, "src", where)
    dst = clean["dst"]
    port = clean.get("port")
    address = None
    if "pod" in dst:
        address = _first_address(snapshot.weps[ref].ips if ref in snapshot.weps else snapshot.host_networked[ref][1]
                                 for ref in end_pods(snapshot, clean, "dst", where)[:1])
    elif "ip" in dst:
        address = str(dst["ip"])
    elif "host" in dst:
        found = snapshot.node_ip(str(dst["host"]))
        address = None if found is None else str(found)
    elif "nodeport" in dst:
        nodeport = dst["nodeport"] or {}
        found = snapshot.node_ip(str(nodeport.get("node")))
        address, port = (None if found is None else str(found)), nodeport.get("port", port)
    elif "service" in dst:
        service = snapshot.services.get(str(dst["service"])) or {}
        address = (service.get("spec") or {}).get("clusterIP")
        address = None if address in (None, "", "None") else address
    return {"src_pod": source[0] if source else None, "address": address, "port": port}


def _first_address(address_lists):
    for addresses in address_lists:
        for address in sorted(addresses, key=lambda ip: ip.version):
            return str(address)
    return None


# ---------------------------------------------------------------- live objects plus a workloads snapshot

def merge_objects(live, extra):
    """The live objects plus the ``extra`` ones the cluster lacks; where both hold an object of the same API
    group, kind, namespace and name, the live one wins (it is what the roles actually applied)."""
    seen = set(object_key(obj, "live object") for obj in live)
    merged = list(live)
    for index, obj in enumerate(extra):
        if object_key(obj, "workloads[%d]" % index) not in seen:
            merged.append(obj)
    return merged


def optional_kinds(kinds=LIVE_KINDS):
    """The live kinds with every one optional: with a workloads snapshot the cluster need not serve them all."""
    return tuple((api_version, kind, False) for api_version, kind, _required in kinds)


def evaluate_flow(snapshot, flow, where="flow", extra_keys=("description",), warnings=None):
    """One flow as given by a user (report-only keys allowed) → a result row for the module and the report."""
    clean = engine_flow(flow, where, extra_keys, warnings)
    row = evaluate_clean_flow(snapshot, clean, where)
    source, destination = flow_labels(flow)
    row.update({"src": clean["src"], "dst": clean["dst"], "protocol": clean["protocol"], "port": clean.get("port"),
                "source": source, "destination": destination, "probe": probe_target(snapshot, clean, where)})
    if flow.get("description"):
        row["description"] = flow["description"]
    return row


def evaluate_flows(snapshot, flows, where="flows", warnings=None):
    return [evaluate_flow(snapshot, flow, "%s[%d]" % (where, index), warnings=warnings)
            for index, flow in enumerate(flows or [])]


def _matrix_target(matrix_spec, destination):
    protocol = destination.get("protocol") if isinstance(destination, dict) else None
    port = destination.get("port") if isinstance(destination, dict) else None
    own = protocol is not None or port is not None
    return (protocol or matrix_spec.get("protocol") or "TCP",
            port if port is not None else matrix_spec.get("port"), own)


def _matrix_columns(matrix_spec, destinations, where, warnings):
    columns = []
    for index, destination in enumerate(destinations):
        protocol, port, own = _matrix_target(matrix_spec, destination)
        clean = clean_endpoint(destination, "%s.destinations[%d]" % (where, index), warnings=warnings)
        label = endpoint_label(destination) if not own or "label" in destination \
            else endpoint_label(clean, protocol, port)
        columns.append((clean, protocol, port, label))
    return columns


MATRIX_CELL_KEYS = ("allowed", "decided_by", "policy", "explanation")


def build_matrix(snapshot, matrix_spec, where="matrix", warnings=None):
    """Evaluate every source × destination; a destination may carry its own protocol/port (and a label)."""
    if not isinstance(matrix_spec, dict):
        raise ChangeError("%s must be a dict with sources, destinations, protocol, port; got %r" % (where, matrix_spec))
    sources = matrix_spec.get("sources") or []
    destinations = matrix_spec.get("destinations") or []
    if not sources or not destinations:
        raise ChangeError("%s needs non-empty sources and destinations, got %d sources and %d destinations"
                          % (where, len(sources), len(destinations)))
    columns = _matrix_columns(matrix_spec, destinations, where, warnings)
    rows = []
    cells = []
    for row_index, source in enumerate(sources):
        clean_src = clean_endpoint(source, "%s.sources[%d]" % (where, row_index), ("label",), warnings,
                                   misplaced=SOURCE_MISPLACED)
        rows.append(endpoint_label(source))
        row = []
        for clean_dst, protocol, port, label in columns:
            flow = {"src": clean_src, "dst": clean_dst, "protocol": protocol, "port": port}
            cell = evaluate_clean_flow(snapshot, flow, "%s cell %s -> %s" % (where, rows[-1], label))
            row.append(dict((key, cell[key]) for key in MATRIX_CELL_KEYS if key in cell))
        cells.append(row)
    return {"title": matrix_spec.get("title"), "protocol": matrix_spec.get("protocol") or "TCP",
            "port": matrix_spec.get("port"), "sources": rows, "destinations": [column[3] for column in columns],
            "cells": cells}


def check_expectations(snapshot, expect, where="expect", warnings=None):
    """Evaluate each expected flow; returns (rows with 'expected' and 'matches', mismatching rows)."""
    rows = []
    for index, item in enumerate(expect or []):
        place = "%s[%d]" % (where, index)
        known = FLOW_KEYS + EXPECT_KEYS
        if isinstance(item, dict):
            # before the check of allowed, so that 'allowd' gets its hint
            check_keys(item, known, place, warnings, lacking(item, FLOW_KEYS + ("allowed",)))
        if not isinstance(item, dict) or not isinstance(item.get("allowed"), bool):
            raise ChangeError("%s.allowed must be true or false, got %r" % (place, (item or {}).get("allowed")
                                                                            if isinstance(item, dict) else item))
        already_reported = tuple(key for key in item if key not in known)
        row = evaluate_flow(snapshot, item, place, EXPECT_KEYS + already_reported, warnings)
        row.pop("details", None)  # the explanation says it all; a failed assertion should stay readable
        row["expected"] = item["allowed"]
        row["matches"] = row["allowed"] == item["allowed"]
        rows.append(row)
    return rows, [row for row in rows if not row["matches"]]


# ---------------------------------------------------------------- one module request

def report_format_of(params):
    """The explicit report_format, else html for .html/.htm paths, markdown for other paths, none without one."""
    if params.get("report_format"):
        return params["report_format"]
    path = params.get("report_path")
    if not path:
        return "none"
    return "html" if path.lower().endswith((".html", ".htm")) else "markdown"


def check_request(params):
    """Refuse option combinations that cannot work, before any object is read."""
    if params.get("report_path") and report_format_of(params) == "none":
        raise ChangeError("report_path is set but report_format is 'none'; choose markdown or html")
    baseline = params.get("baseline_changes")
    if baseline is None:
        return
    changes = params.get("changes") or []
    if not params.get("matrix"):
        raise ChangeError("baseline_changes needs a matrix to compare")
    if not 0 <= baseline <= len(changes):
        raise ChangeError("baseline_changes must be between 0 and the number of changes (%d), got %d"
                          % (len(changes), baseline))


def evaluate_request(params, base_objects):
    """Everything calico_reachability returns except the report: verdicts, matrix, flips, expectations, warnings."""
    warnings = []
    changes = params.get("changes") or []
    objects = apply_changes(base_objects, changes)
    snapshot = build_snapshot(objects)
    result = {"objects": len(objects), "verdicts": evaluate_flows(snapshot, params.get("flows"), warnings=warnings)}
    if params.get("matrix"):
        result["matrix"] = build_matrix(snapshot, params["matrix"], warnings=warnings)
        if params.get("baseline_changes") is not None:
            baseline = build_snapshot(apply_changes(base_objects, changes[:params["baseline_changes"]]))
            result["flipped_cells"] = mark_changes(result["matrix"], build_matrix(baseline, params["matrix"], warnings=[]))
    result["expectations"], result["mismatches"] = check_expectations(snapshot, params.get("expect"),
                                                                      warnings=warnings)
    result["warnings"] = warnings
    return result


def render_request_report(params, result):
    """The report text for a request's result, or None when report_format is none."""
    report_format = report_format_of(params)
    if report_format == "none":
        return None
    flows = result["verdicts"] + result["expectations"]
    title = params.get("report_title") or (result.get("matrix") or {}).get("title")
    return render(report_format, result.get("matrix"), flows, title)


def mismatch_message(mismatches, total):
    return "%d of %d expected verdicts differ:\n%s" % (len(mismatches), total, mismatch_table(mismatches))
