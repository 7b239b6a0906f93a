# -*- coding: utf-8 -*-
# Copyright: calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Apply, diff and delete one projectcalico.org/v3 object the way Calico sees it.

The engine reads the live object once, builds the desired object (the request alone with ``replace``, which is
what ``calicoctl apply -f`` does: a full update, so the stored object becomes the manifest; or the request merged
over the live object, like ``calicoctl patch``), and compares both after Calico's own defaulting and canonical
forms, so an apply that Calico would store unchanged costs no write. Writes are a PUT with the live
resourceVersion on replace, a merge patch with a resourceVersion precondition otherwise, a POST when missing; a
409 is retried with a fresh read.

Validation covers what the request sets: a problem the live object already has (for example ``bpfLogLevel: ""``,
which every Go writer stores) is the server's business, so only problems the request adds stop the write. Rules
that differ by Calico release follow ``calico_version`` (the cluster's, from ClusterInformation).

It is plain Python: ``client`` is anything with ``get/create/patch/replace/delete`` taking and returning dicts
and raising ``CalicoApiError`` (see _k8s_client.CalicoClient); ``run_module`` is the small Ansible adapter.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

try:
    from ansible.module_utils.common.yaml import HAS_YAML, yaml_load_all
except ImportError:  # very old ansible-core
    HAS_YAML = False
    yaml_load_all = None

from ansible_collections.calicolab.ccol1.plugins.module_utils._k8s.client import (
    K8S_AUTH_ARG_SPEC,
    CALICO_API_VERSION,
    CalicoApiError,
    CalicoApiUnavailable,
    auth_params,
    connect,
    is_object_not_found,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.validate import (
    POLICY_KINDS,
    validation_problems,
    validation_warnings,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.normalize import (
    default_policy_types,
    normalize_resource,
    strip_nones,
)

MAX_ATTEMPTS = 4
NAMESPACED_KINDS = ("NetworkPolicy", "NetworkSet", "StagedNetworkPolicy", "StagedKubernetesNetworkPolicy")
# Metadata the user owns; everything else in metadata is the server's bookkeeping.
USER_METADATA = ("name", "namespace", "labels", "annotations")
# Labels and annotations Calico itself adds (for example the policy tier label): kept on replace.
SERVER_KEY_PREFIXES = ("projectcalico.org/", "operator.tigera.io/")
# Pasted from `kubectl get -o yaml`: never sent back as if the user wanted them.
IMMUTABLE_FIELDS = {"IPPool": (("spec", "cidr"), ("spec", "blockSize"))}
SERVER_METADATA = ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink")


class CalicoRequestError(Exception):
    """Bad input: nothing was written. ``problems`` lists each one; ``details`` are extra return values."""

    def __init__(self, message, problems=None, details=None):
        super(CalicoRequestError, self).__init__(message)
        self.problems = list(problems or [])
        self.details = dict(details or {})


# ---------------------------------------------------------------- merge-patch helpers (RFC 7386)

def merge_patch(target, patch):
    """Return ``target`` with the JSON merge patch ``patch`` applied (None deletes a key, lists replace)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def make_merge_patch(before, after):
    """Return the smallest merge patch that turns ``before`` into ``after`` (both dicts)."""
    patch = {}
    for key in set(before) | set(after):
        if key not in after:
            patch[key] = None
        elif key not in before:
            patch[key] = copy.deepcopy(after[key])
        elif before[key] != after[key]:
            if isinstance(before[key], dict) and isinstance(after[key], dict):
                patch[key] = make_merge_patch(before[key], after[key])
            else:
                patch[key] = copy.deepcopy(after[key])
    return patch


def remove_paths(obj, paths):
    """Return a copy of ``obj`` without the given key paths (each a list of keys); missing paths are ignored."""
    result = copy.deepcopy(obj)
    for path in paths:
        node = result
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
            if node is None:
                break
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return result


def unset_patch(paths):
    """A merge patch that sets each key path to null."""
    patch = {}
    for path in paths:
        node = patch
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = None
    return patch


# ---------------------------------------------------------------- comparing like Calico

def user_view(obj):
    """apiVersion, kind, user-owned metadata and spec: what the diff shows and what is compared."""
    if not obj:
        return {}
    metadata = obj.get("metadata") or {}
    view = {
        "apiVersion": obj.get("apiVersion", CALICO_API_VERSION),
        "kind": obj.get("kind"),
        "metadata": dict((k, copy.deepcopy(metadata[k])) for k in USER_METADATA if metadata.get(k)),
    }
    if obj.get("spec") is not None:
        view["spec"] = copy.deepcopy(obj["spec"])
    return view


def normalized_view(obj, api_kind=None, canonical_selectors=True):
    """The user view after Calico's defaults and canonical forms: what is compared."""
    view = user_view(obj)
    if not view:
        return {}
    normalized = normalize_resource(view, api_kind, canonical_selectors)
    # Keep the diff about what users own even if normalisation adds bookkeeping.
    return user_view(normalized)


def display_view(obj, api_kind=None):
    """What the diff shows: as compared, but selectors in the spelling stored (the user's own)."""
    return normalized_view(obj, api_kind, canonical_selectors=False)


def same_as_calico_sees_it(live, desired, api_kind=None):
    return normalized_view(live, api_kind) == normalized_view(desired, api_kind)


# ---------------------------------------------------------------- building the desired object

def identity(request):
    metadata = request.get("metadata") or {}
    kind = request.get("kind")
    name = metadata.get("name")
    if not kind:
        raise CalicoRequestError("The resource has no kind", ["kind: missing"])
    if not name:
        raise CalicoRequestError("The %s has no metadata.name" % kind, ["metadata.name: missing"])
    namespace = metadata.get("namespace")
    if kind in NAMESPACED_KINDS and not namespace:
        namespace = "default"
    if kind not in NAMESPACED_KINDS and namespace:
        raise CalicoRequestError(
            "%s is cluster-scoped: metadata.namespace %r is not allowed" % (kind, namespace),
            ["metadata.namespace: %r given for the cluster-scoped kind %s" % (namespace, kind)])
    return kind, name, namespace


def prepare_request(request):
    """Fill apiVersion and the default namespace; drop null values that only mean 'not given'."""
    kind, name, namespace = identity(request)
    prepared = copy.deepcopy(request)
    api_version = prepared.get("apiVersion") or CALICO_API_VERSION
    if api_version != CALICO_API_VERSION:
        raise CalicoRequestError(
            "apiVersion %r is not supported: these modules manage %s objects only" % (api_version, CALICO_API_VERSION),
            ["apiVersion: %r (allowed: %s)" % (api_version, CALICO_API_VERSION)])
    prepared["apiVersion"] = api_version
    prepared.setdefault("metadata", {})
    if namespace:
        prepared["metadata"]["namespace"] = namespace
    prepared.pop("status", None)
    for noise in SERVER_METADATA:
        prepared["metadata"].pop(noise, None)
    return prepared


def _has_defaulted_types(live):
    """Is the live policy's ``types`` what Calico's defaulting gives for its rules (so maybe never chosen)?"""
    spec = live.get("spec") or {}
    types = spec.get("types")
    if live.get("kind") not in POLICY_KINDS or not types:
        return False
    return set(types) == set(default_policy_types(spec))


def redefault_policy_types(live, request, merged):
    """Drop a defaulted ``types`` from a merged policy so it is defaulted again from the merged rules.

    Calico fills ``types`` on write when it is empty. Merging new egress rules into a policy stored with the
    defaulted ``[Ingress]`` would otherwise keep ``[Ingress]``, and the new rules would never apply. A ``types``
    the request gives is kept as given, and so is one Calico would not have chosen (a deliberate default-deny).
    """
    if (request.get("spec") or {}).get("types") is not None or not _has_defaulted_types(live):
        return merged
    spec = merged.get("spec") or {}
    if set(default_policy_types(spec)) == set(spec.get("types") or ()):
        return merged  # the rules still default to the same types: leave the stored field alone
    merged = copy.deepcopy(merged)
    merged["spec"].pop("types", None)
    return merged


def desired_from(live, request, replace=False):
    """The object we want stored: request merged over live, or the request alone on replace."""
    if live is None:
        return strip_nones(request)
    if not replace:
        merged = merge_patch(live, dict((k, v) for k, v in request.items() if k in ("metadata", "spec")))
        return redefault_policy_types(live, request, merged)
    desired = strip_nones(request)
    live_meta = live.get("metadata") or {}
    meta = desired.setdefault("metadata", {})
    for field in ("labels", "annotations"):
        kept = dict((k, v) for k, v in (live_meta.get(field) or {}).items()
                    if k.startswith(SERVER_KEY_PREFIXES))
        if kept:
            merged = kept
            merged.update(meta.get(field) or {})
            meta[field] = merged
    for field in ("resourceVersion", "uid", "creationTimestamp"):
        if live_meta.get(field) is not None:
            meta[field] = live_meta[field]
    return desired


def _field(obj, path):
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def immutable_problems(live, desired, api_kind=None):
    """Fields Calico refuses to change on an existing object (an IPPool's CIDR and block size)."""
    if live is None:
        return []
    before, after = normalized_view(live, api_kind), normalized_view(desired, api_kind)
    problems = []
    for path in IMMUTABLE_FIELDS.get(desired.get("kind"), ()):
        old, new = _field(before, path), _field(after, path)
        if old != new:
            problems.append("%s is %r but the live %s has %r, and it cannot change: delete and recreate the object "
                            "to change it" % (".".join(path), new, desired.get("kind"), old))
    return problems


def _added_by_request(findings, desired, live):
    """The findings ``desired`` has that the live object does not already have (each kept once)."""
    held = set(findings(user_view(live))) if live is not None else set()
    added = []
    for finding in findings(desired):
        if finding not in held and finding not in added:
            added.append(finding)
    return added


def request_problems(desired, live=None, calico_version=None, api_kind=None):
    """Validation problems the request brings; what the server already holds is the server's business."""
    problems = _added_by_request(lambda obj: validation_problems(obj, calico_version), desired, live)
    return problems + immutable_problems(live, desired, api_kind)


def request_warnings(desired, live=None, calico_version=None):
    """validation_warnings about what the request sets (not about what is already stored)."""
    return _added_by_request(lambda obj: validation_warnings(obj, calico_version), desired, live)


def validate_desired(desired, live=None, calico_version=None, api_kind=None):
    problems = request_problems(desired, live, calico_version, api_kind)
    if problems:
        kind = desired.get("kind")
        name = (desired.get("metadata") or {}).get("name")
        raise CalicoRequestError("Invalid %s %r: %s" % (kind, name, "; ".join(problems)), problems)


# ---------------------------------------------------------------- the apply loop

def _result(changed, method, before, after, resource, api_kind=None):
    return {
        "changed": changed,
        "method": method,
        "resource": resource or {},
        "diff": {"before": display_view(before, api_kind), "after": display_view(after, api_kind)},
    }


def differing_paths(before, after, prefix=""):
    """Dotted paths set in ``before`` that ``after`` lacks or holds differently (lists compare whole).

    Fields only ``after`` has are left out: those are the server's defaults, not lost requests.
    """
    if before is None:
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        paths = []
        for key in sorted(set(before) | set(after), key=str):
            if key in ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"):
                continue
            paths.extend(differing_paths(before.get(key), after.get(key), "%s%s." % (prefix, key)))
        return paths
    return [] if before == after else [prefix.rstrip(".")]


def _resource_version(obj):
    return ((obj or {}).get("metadata") or {}).get("resourceVersion")


def really_changed(live, stored, api_kind=None):
    """Did the write change the stored object? The API server keeps the resourceVersion on a no-op update."""
    if live is None:
        return True
    before, after = _resource_version(live), _resource_version(stored)
    if before and after:
        return before != after
    return not same_as_calico_sees_it(live, stored, api_kind)


def _write_method(live, replace):
    return "created" if live is None else ("replaced" if replace else "patched")


def _write(client, kind, name, namespace, live, desired, replace):
    method = _write_method(live, replace)
    if method == "created":
        return method, client.create(kind, desired)
    if method == "replaced":
        return method, client.replace(kind, desired)
    patch = make_merge_patch(
        dict((k, live.get(k)) for k in ("metadata", "spec") if live.get(k) is not None),
        dict((k, desired.get(k)) for k in ("metadata", "spec") if desired.get(k) is not None))
    patch.setdefault("metadata", {})["resourceVersion"] = (live.get("metadata") or {}).get("resourceVersion")
    return "patched", client.patch(kind, name, namespace, patch)


def identity_object(request):
    """apiVersion, kind and metadata name/namespace: enough to name the object a delete removes."""
    kind, name, namespace = identity(request)
    metadata = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": request.get("apiVersion") or CALICO_API_VERSION, "kind": kind, "metadata": metadata}


def stored_view(obj, api_kind=None):
    """The object as Calico would store it (defaults and canonical forms applied), for predictions."""
    return normalize_resource(user_view(obj), api_kind)


def _with_preview(result, preview, client, change):
    """Run the caller's ``preview(client, change)`` before any write and keep what it returns."""
    if preview is not None:
        result["preview"] = preview(client, change)
    return result


def apply_present(client, request, replace=False, unset=None, check_mode=False, preview=None, calico_version=None):
    """Create, update or patch so the live object matches the request; unchanged objects are not written.

    ``replace`` makes the request the whole object (a full update, as ``calicoctl apply -f``); without it the
    request is merged into the live object. ``unset`` lists key paths (e.g. ``[["spec", "wireguardEnabled"]]``)
    to remove instead of setting. ``calico_version`` ((major, minor) or None for the newest) selects the
    release's validation rules. ``preview(client, change)``, when given, is called with the change about to be
    made (``{"state": "present", "definition": <the desired object as Calico would store it>}``) before anything
    is written, also in check mode and when nothing changes; it may raise CalicoRequestError to stop the write.
    Its return value is the result's ``preview``. Warnings about the request are the result's ``warnings``.
    """
    request = prepare_request(request)
    kind, name, namespace = identity(request)
    api_kind = getattr(client, "api_kind", None)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        live = client.get(kind, name, namespace)
        if unset:
            if live is None:
                return _with_preview(_result(False, "none", None, None, {}), preview, client,
                                     {"state": "absent", "definition": identity_object(request)})
            desired = remove_paths(live, unset)
        else:
            desired = desired_from(live, request, replace)
        validate_desired(desired, live, calico_version, api_kind)
        extra = _with_preview({}, preview, client, {"state": "present",
                                                    "definition": stored_view(desired, api_kind)})
        warnings = request_warnings(desired, live, calico_version)
        if warnings:
            extra["warnings"] = warnings
        if live is not None and same_as_calico_sees_it(live, desired, api_kind):
            return dict(_result(False, "none", live, live, live, api_kind), **extra)
        if check_mode:
            return dict(_result(True, _write_method(live, replace and not unset), live, desired, desired, api_kind),
                        **extra)
        try:
            method, stored = _write(client, kind, name, namespace, live, desired, replace and not unset)
        except CalicoApiError as exc:
            if exc.status == 409 and attempt < MAX_ATTEMPTS:
                continue  # someone else wrote (or created) it meanwhile: read again and recompute
            raise
        stored = stored or desired
        result = dict(_result(really_changed(live, stored, api_kind), method, live, stored, stored, api_kind), **extra)
        not_kept = differing_paths(normalized_view(desired, api_kind), normalized_view(stored, api_kind))
        if not_kept:
            result["warnings"] = result.get("warnings", []) + [
                "The API server did not store %s as requested (an unknown field is pruned, or the server "
                "defaults it differently), so the next run will report a change again." % ", ".join(not_kept)]
        return result
    raise CalicoApiError("%s %r kept changing: gave up after %d conflicts" % (kind, name, MAX_ATTEMPTS), 409)


def apply_absent(client, request, check_mode=False, preview=None):
    """Delete the object; a missing object (or a 404 on delete) is unchanged. ``preview`` as in apply_present."""
    request = prepare_request(request)
    kind, name, namespace = identity(request)
    api_kind = getattr(client, "api_kind", None)
    live = client.get(kind, name, namespace)
    extra = _with_preview({}, preview, client, {"state": "absent", "definition": identity_object(request)})
    if live is None:
        return dict(_result(False, "none", None, None, {}), **extra)
    if check_mode:
        return dict(_result(True, "deleted", live, None, {}, api_kind), **extra)
    try:
        client.delete(kind, name, namespace)
    except CalicoApiError as exc:
        # Deleted meanwhile: NotFound naming the object. A bare 404 (the API path is gone) is an error.
        if exc.status == 404 and is_object_not_found(exc.body):
            return dict(_result(False, "none", None, None, {}), **extra)
        raise
    return dict(_result(True, "deleted", live, None, {}, api_kind), **extra)


def apply_request(client, request, state="present", replace=False, unset=None, check_mode=False, preview=None,
                  calico_version=None):
    if state == "absent" and unset:
        return apply_present(client, request, unset=unset, check_mode=check_mode, preview=preview,
                             calico_version=calico_version)
    if state == "absent":
        return apply_absent(client, request, check_mode=check_mode, preview=preview)
    return apply_present(client, request, replace=replace, check_mode=check_mode, preview=preview,
                         calico_version=calico_version)


# ---------------------------------------------------------------- the Ansible adapter

def wants_replace(params):
    """``replace`` as given; unset, a ``definition`` is applied whole (calicoctl apply -f), other options merge."""
    if params.get("replace") is not None:
        return bool(params["replace"])
    return params.get("definition") is not None


def run_module(module, request, unset=None, needs_kinds=None, preview=None, preview_key="preview"):
    """Connect, apply ``request`` as the module's state/replace say, and exit or fail the module.

    ``needs_kinds`` maps a kind the request depends on (e.g. Tier) to the error shown where it is not served.
    ``preview`` is passed to apply_request; what it returns is returned as ``preview_key``. The cluster's Calico
    release (cached like discovery) selects the validation rules; each warning about the request is shown with
    module.warn().
    """
    params = module.params
    state = params.get("state") or "present"
    try:
        client = connect(auth_params(params))
        for kind, why in (needs_kinds or {}).items():
            if not client.serves_kind(kind):
                raise CalicoRequestError(why, [why])
        calico_version = client.calico_version() if state == "present" or unset else None
        result = apply_request(client, request, state=state, replace=wants_replace(params), unset=unset,
                               check_mode=module.check_mode, preview=preview, calico_version=calico_version)
    except CalicoRequestError as exc:
        module.fail_json(msg=str(exc), problems=exc.problems, changed=False, **exc.details)
    except CalicoApiUnavailable as exc:
        module.fail_json(msg=str(exc), changed=False)
    except CalicoApiError as exc:
        module.fail_json(msg="Kubernetes API error: %s" % exc, status=exc.status, changed=False)
    for warning in result.pop("warnings", []):
        module.warn(warning)
    if "preview" in result:
        result[preview_key] = result.pop("preview")
    module.exit_json(**result)


def fail_on_problems(module, what, problems):
    if problems:
        module.fail_json(msg="Invalid %s: %s" % (what, "; ".join(problems)), problems=problems, changed=False)


# ---------------------------------------------------------------- helpers the modules share

STATE_ARG_SPEC = {"state": {"type": "str", "choices": ["present", "absent"], "default": "present"}}
# No default: a definition is applied whole, structured options merge (see wants_replace).
REPLACE_ARG_SPEC = {"replace": {"type": "bool"}}
DEFINITION_ARG_SPEC = {"definition": {"type": "raw"}}


def calico_argument_spec(options, replace=True, definition=False):
    """The module's own options plus the Kubernetes auth options, state, and optionally replace/definition."""
    spec = copy.deepcopy(K8S_AUTH_ARG_SPEC)
    spec.update(copy.deepcopy(STATE_ARG_SPEC))
    if replace:
        spec.update(copy.deepcopy(REPLACE_ARG_SPEC))
    if definition:
        spec.update(copy.deepcopy(DEFINITION_ARG_SPEC))
    spec.update(copy.deepcopy(options))
    return spec


def load_definition(definition, allowed_kinds=None):
    """A manifest given as a dict or a YAML string (one document; a leading '---' is fine) → dict."""
    if isinstance(definition, str):
        if not HAS_YAML:
            raise CalicoRequestError("definition: PyYAML is needed to read a YAML string", ["definition: no PyYAML"])
        try:
            documents = [doc for doc in yaml_load_all(definition) if doc is not None]
        except Exception as exc:
            raise CalicoRequestError("definition is not valid YAML: %s" % exc, ["definition: %s" % exc])
        if len(documents) != 1:
            raise CalicoRequestError("definition must hold exactly one object, found %d" % len(documents),
                                     ["definition: %d documents" % len(documents)])
        definition = documents[0]
    if not isinstance(definition, dict):
        raise CalicoRequestError("definition must be a mapping (a Calico manifest), got %s" % type(definition).__name__,
                                 ["definition: not a mapping"])
    kind = definition.get("kind")
    if allowed_kinds and kind not in allowed_kinds:
        problem = "kind: %r (allowed: %s)" % (kind, ", ".join(allowed_kinds))
        raise CalicoRequestError("definition has kind %r; this module manages %s" % (kind, " and ".join(allowed_kinds)),
                                 [problem])
    return copy.deepcopy(definition)


def canonical_as_number(value, field="as_number"):
    """An AS number as Calico stores it: int, digit string or asdot 'A.B' (A*65536+B) → int."""
    if value is None:
        return None
    text = str(value).strip()
    number = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif text.isdigit():
        number = int(text)
    elif text.count(".") == 1 and all(part.isdigit() for part in text.split(".")):
        high, low = (int(part) for part in text.split("."))
        if high <= 65535 and low <= 65535:
            number = high * 65536 + low
    if number is None or not 0 <= number <= 4294967295:
        problem = ("%s: %r is not an AS number (allowed: an integer 0-4294967295, the same as a digit string, "
                   "or asdot 'A.B' with A and B 0-65535)" % (field, value))
        raise CalicoRequestError(problem, [problem])
    return number


def set_if_given(target, key, value):
    if value is not None:
        target[key] = value
    return target


def run_with_errors(module, build):
    """Call ``build(params)``; bad input becomes fail_json before any connection is made."""
    try:
        return build(module.params)
    except CalicoRequestError as exc:
        module.fail_json(msg=str(exc), problems=exc.problems, changed=False)
