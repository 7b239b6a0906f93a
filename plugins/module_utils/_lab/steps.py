# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The cluster state a lab step leaves, as calico_reachability ``changes`` over the live objects.

A lab (docs/LAB_DATA.md) runs its steps in order, so on the first run the live cluster after step k is the state
step k promises its outcomes for. On a second run the cluster already holds the last step's state at every step.
``step_changes`` restates step k's state whatever the cluster holds: every object a step applies is present with
its definition from the last step up to k that applied it (absent when none did, or when a later step up to k
removed it), and every patched object is first restored with the lab's reset patch for it, then patched by the
steps up to k in order. On the first run these changes match what is live, so the prediction is the live one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.resource import merge_patch


class LabDataError(ValueError):
    """The lab data cannot be read as docs/LAB_DATA.md describes."""


def ref_key(entry):
    """(apiVersion, kind, namespace, name) of a patch or remove entry ({apiVersion, kind, name, namespace})."""
    return (entry.get("apiVersion"), entry.get("kind"), entry.get("namespace") or "", entry.get("name"))


def definition_key(definition):
    meta = definition.get("metadata") or {}
    return (definition.get("apiVersion"), definition.get("kind"), meta.get("namespace") or "", meta.get("name"))


def patch_body(entry):
    """The merge patch of a patch entry, as a whole-object patch (apiVersion, kind, metadata, spec, data)."""
    metadata = {"name": entry.get("name")}
    if entry.get("namespace"):
        metadata["namespace"] = entry["namespace"]
    metadata.update(copy.deepcopy(entry.get("metadata") or {}))
    body = {"apiVersion": entry.get("apiVersion"), "kind": entry.get("kind"), "metadata": metadata}
    for field in ("spec", "data"):
        if entry.get(field) is not None:
            body[field] = copy.deepcopy(entry[field])
    return body


def _bare(key):
    api_version, kind, namespace, name = key
    metadata = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata}


def step_index(lab, step_name):
    for index, step in enumerate(lab.get("steps") or []):
        if step.get("name") == step_name:
            return index
    raise LabDataError("lab %s has no step %r (steps: %s)" % (
        lab.get("name"), step_name, ", ".join(str(s.get("name")) for s in lab.get("steps") or [])))


def _object_states(steps, upto):
    """[(key, definition or None, applied by the lab, removed by step upto)] for every object a step applies or
    removes, in the order the lab first touches them."""
    states = {}
    order = []
    for index, step in enumerate(steps):
        touched = [(definition_key(item["definition"]), item["definition"]) for item in step.get("apply") or []]
        touched += [(ref_key(entry), None) for entry in step.get("remove") or []]
        for key, definition in touched:
            if key not in states:
                states[key] = {"definition": None, "applied": False, "removed": False}
                order.append(key)
            if definition is not None:
                states[key]["applied"] = True
            if index <= upto:
                states[key]["definition"] = definition
                states[key]["removed"] = definition is None
    return [(key, states[key]["definition"], states[key]["applied"], states[key]["removed"]) for key in order]


def step_changes(lab, step_name):
    """calico_reachability ``changes`` that restate the cluster as step ``step_name`` of ``lab`` leaves it."""
    steps = lab.get("steps") or []
    upto = step_index(lab, step_name)
    changes = []
    for key, definition, applied, removed in _object_states(steps, upto):
        if definition is not None:
            changes.append({"state": "present", "definition": copy.deepcopy(definition)})
        elif applied or removed:
            changes.append({"state": "absent", "definition": _bare(key)})
        # else: an object the lab did not make and removes only later; the live one is all there is to go on
    changes.extend(_patch_changes(lab, steps, upto))
    return changes


def _patch_changes(lab, steps, upto):
    resets = {}
    for entry in (lab.get("reset") or {}).get("patch") or []:
        resets.setdefault(ref_key(entry), []).append(entry)
    patched = []
    for step in steps:
        for entry in step.get("patch") or []:
            if ref_key(entry) not in patched:
                patched.append(ref_key(entry))
    changes = []
    for key in patched:
        for entry in resets.get(key, []):
            changes.append({"state": "patched", "definition": patch_body(entry)})
        for step in steps[:upto + 1]:
            for entry in step.get("patch") or []:
                if ref_key(entry) == key:
                    changes.append({"state": "patched", "definition": patch_body(entry)})
    return changes


def later_definition(lab, step_name, definition):
    """The definition of the same object from the last step after ``step_name`` that applies it, or None.

    When the cluster already holds it, the cluster is past this step (a re-run): applying this step's version
    would only be undone by the later step, so the runner leaves the object alone.
    """
    if not step_name or not isinstance(definition, dict):
        return None
    key = definition_key(definition)
    found = None
    for step in (lab.get("steps") or [])[step_index(lab, step_name) + 1:]:
        for item in step.get("apply") or []:
            if definition_key(item["definition"]) == key:
                found = item["definition"]
    return copy.deepcopy(found) if found is not None and found != definition else None


def compose_merge_patches(first, second):
    """One merge patch (RFC 7386) with the effect of ``first`` then ``second``: null deletes, objects merge."""
    if not isinstance(second, dict):
        return copy.deepcopy(second)
    composed = copy.deepcopy(first) if isinstance(first, dict) else {}
    for key, value in second.items():
        if value is None or not isinstance(value, dict):
            composed[key] = copy.deepcopy(value)
        else:
            composed[key] = compose_merge_patches(composed.get(key), value)
    return composed


def final_state(lab):
    """What the whole lab leaves, as one set of writes: ``apply`` (each object the lab ends with, as its last
    definition with the patches of later steps folded in), ``remove`` (entries of objects the lab ends without) and
    ``patch`` (one entry per object the lab only patches: its steps' patches composed in order). On a cluster where
    the lab already ran these writes change nothing; where it drifted they restore the lab's end state without
    replaying the steps (which, for a lab that turns a setting on and off again, would write every time)."""
    states = {}
    order = []
    for step in lab.get("steps") or []:
        for item in step.get("apply") or []:
            _track(states, order, definition_key(item["definition"]))["definition"] = copy.deepcopy(item["definition"])
        for entry in step.get("patch") or []:
            state = _track(states, order, ref_key(entry))
            if state["definition"] is not None:
                state["definition"] = merge_patch(state["definition"], patch_body(entry))
            else:
                state["patch"] = compose_merge_patches(state["patch"], entry)
        for entry in step.get("remove") or []:
            state = _track(states, order, ref_key(entry))
            state.update(definition=None, patch=None, removed=True)
    final = {"apply": [], "remove": [], "patch": []}
    for key in order:
        state = states[key]
        if state["definition"] is not None:
            final["apply"].append({"definition": state["definition"]})
        elif state["removed"]:
            final["remove"].append(_remove_entry(key))
        elif state["patch"] is not None:
            final["patch"].append(state["patch"])
    return final


def _track(states, order, key):
    if key not in states:
        states[key] = {"definition": None, "patch": None, "removed": False}
        order.append(key)
    else:
        states[key]["removed"] = False
    return states[key]


def _remove_entry(key):
    api_version, kind, namespace, name = key
    entry = {"apiVersion": api_version, "kind": kind, "name": name}
    if namespace:
        entry["namespace"] = namespace
    return entry


def reset_changes(lab):
    """calico_reachability ``changes`` that restate the cluster as it was before the lab: its reset section (what
    it added removed, what it changed restored, what it removed put back), as data."""
    reset = lab.get("reset") or {}
    changes = [{"state": "absent", "definition": _bare(ref_key(entry))} for entry in reset.get("remove") or []]
    changes += [{"state": "patched", "definition": patch_body(entry)} for entry in reset.get("patch") or []]
    changes += [{"state": "present", "definition": copy.deepcopy(item["definition"])}
                for item in reset.get("apply") or []]
    return changes


REPORT_ONLY_FLOW_KEYS = ("description", "kind", "expected", "probe", "internet", "retries", "delay")


def step_flows(step):
    """The step's flow outcomes as calico_reachability flows: the keys only the runner and the report read dropped."""
    return [dict((key, copy.deepcopy(value)) for key, value in outcome.items() if key not in REPORT_ONLY_FLOW_KEYS)
            for outcome in step.get("outcomes") or [] if outcome.get("kind") == "flow"]
