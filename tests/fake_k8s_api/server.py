"""A small Kubernetes API server for tests: discovery, storage and Calico's projectcalico.org/v3 kinds.

What it reproduces, and from where
----------------------------------
* Kubernetes API conventions (kubernetes.io API concepts and API conventions): discovery documents `/version`,
  `/api`, `/api/v1`, `/apis`, `/apis/<group>[/<version>]` (APIVersions, APIGroupList, APIGroup, APIResourceList with
  namespaced flags, kinds, verbs, shortNames and `/status` subresources) as `kubernetes.dynamic.DynamicClient`
  reads them; object paths `/api/v1/...` and `/apis/<g>/<v>/[namespaces/<ns>/]<plural>[/<name>[/status]]`.
* Storage semantics: one global resourceVersion counter (a string), uid, creationTimestamp, generation bumped on
  any change outside metadata and status (custom resources), `metadata.namespace` filled from the URL,
  `generateName`; lists named `<Kind>List` carrying the list resourceVersion, label selectors (`=`, `==`, `!=`,
  `in`, `notin`, `k`, `!k`) and field selectors on metadata.name/metadata.namespace; a namespaced create in a missing
  namespace is 404 `namespaces "x" not found`; deleting a namespace deletes what it holds at once (the response
  shows phase Terminating, but nothing lingers).
* Writes: POST (409 AlreadyExists), PUT (404 when missing; custom resources need metadata.resourceVersion, 422
  when absent, 409 Conflict when stale, as Kubernetes refuses unconditional updates of custom resources and Calico's
  clientv3 requires it), PATCH as merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge (415 for
  CRD-backed resources, like kube-apiserver; treated as a merge patch elsewhere) and server-side apply
  (`application/apply-patch+yaml`: fieldManager required, creates or merges), DELETE (the deleted object for custom
  resources, a Success Status for built-ins; 404 NotFound), deletecollection, `dryRun=All`. Errors are
  Kubernetes `Status` bodies (status Failure, reason, code, message, details{name, group, kind, causes[]}).
* Custom resources (projectcalico.org/v3, crd.projectcalico.org/v1, operator.tigera.io/v1) are checked against the
  upstream CRD `openAPIV3Schema` in the shared reference folder, as the structural-schema pipeline does: unknown
  fields are pruned with a `Warning` header, or refused with 400 BadRequest `strict decoding error: unknown field`
  under `fieldValidation=Strict`; `default:` values are applied on write (and on read for CRD storage);
  int-or-string, nullable, `x-kubernetes-list-type: set` (Duplicate value) and the cidr/date-time formats are
  honoured; violations are 422 Invalid with one cause per field. Status subresources: writes to the main resource
  keep the stored status, `/status` writes change only the status.
* Calico (shared/reference/calico-facts.md sections 1-2): how `projectcalico.org/v3` is present per mode
  (`aggregated`: APIService v3.projectcalico.org backed by the calico-api Service plus the crd.projectcalico.org/v1
  CRDs; `native`: v3 served from CRDs, whose APIService is Local as for every CRD group; `crd-only`: only
  crd.projectcalico.org/v1; `none`); tiers on (v3.29+: Tier kind, `spec.tier`) or off. clientv3's write-path
  defaults: policy `types`, IPPool blockSize/ipipMode/vxlanMode/nodeSelector/allowedUses and CIDR normalisation,
  KubeControllersConfiguration prometheusMetricsPort/leakGracePeriod; in aggregated mode also the typed server's
  re-encoding (ports and protocols "80" -> 80, AS numbers "64512" or asdot "1.10" -> integer), its case-sensitive
  protocol check and clientv3's FelixConfiguration defaults (`floatingIPs: Disabled`, v3.32 connect-time LB
  fields); in native mode the v3 CRDs' admission policies instead (policy `types` by key presence); in both the
  `projectcalico.org/tier` label (calico_defaults.py).
* The Calico release (`--calico-version`, v3.21.6 or v3.32.1; native v3 CRDs need v3.32): ClusterInformation
  `default` carries it as `spec.calicoVersion`, as Calico's components write it; FelixConfiguration is stored and
  returned as Go serialises it for that release (`bpfLogLevel: ""` always present; ProtoPort fields), in both
  modes, since the objects a real cluster holds were written by Go programs (calico-node, the operator, the API
  server); the CRD schemas stay the v3.32.1 ones for both releases.
* A missing object is 404 NotFound with `details.name` (k8s.io/apimachinery `NewNotFound`, which the Calico API
  server returns for `storage.NewKeyNotFoundError`: apiserver/pkg/storage/calico/converter.go); a missing API
  path is 404 NotFound without a name.

What it does not do
-------------------
No authentication or RBAC (any token is accepted), no TLS, no watch, no protobuf, no OpenAPI documents
(`/openapi/v2|v3`, so kubectl needs `--validate=false`), no aggregated-discovery content type (clients fall back to
the plain v1 lists served here), no finalizers or graceful deletion, no admission webhooks. managedFields carry no
field sets (one entry per manager and operation), so server-side apply never removes fields a manager dropped and
never reports field conflicts. CEL `x-kubernetes-validations` are not evaluated: only the few Calico rules in
calico_defaults.py are restated by hand (GlobalNetworkPolicy preDNAT/doNotTrack/applyOnForward, IPPool
encapsulation, block size and immutability, the KubeControllersConfiguration name). In aggregated mode the real
server validates with clientv3's Go validator, which the v3 CRD schema only approximates; in native mode the fake
applies the same Calico defaults, which calico-facts attributes to api/pkg/defaults at v3.32 without saying which
component runs them. Tier existence and policy-name rules are not checked. The crd.projectcalico.org/v1 and
projectcalico.org/v3 stores are independent (no conversion between them), and the Calico controllers' side effects
(FelixConfiguration ipipEnabled, auto host endpoints) are not simulated. Built-in kinds are stored as given; only
their metadata (name, label and annotation types) is checked, plus the rules of core_kinds.py
(Deployment, Service). A dry-run create returns no resourceVersion.

Run it in-process with `FakeKubernetesAPI`, or as a process:
`python tests/fake_k8s_api/server.py --mode native --port 0 --port-file F --kubeconfig K --pid-file P`
(the port file is written last, once the server listens). `kubernetes.dynamic.DynamicClient` caches discovery in
`$TMPDIR/osrcp-<md5 of the URL>.json`: when ports are reused across modes, give each run its own cache file or TMPDIR.
Test hooks (not Kubernetes API) live under `/_fake/`: `requests` (GET the log of {method, path, query,
content_type, status}; DELETE resets it), `faults` (POST one fault or a list: {method (default any), path_prefix,
status, reason, message, details, times (default 1, null for always), delay (seconds)}; DELETE clears them),
`objects` (POST an object, a list or {"items": [...]} to store without validation; GET dumps every object).
"""
import argparse
import copy
import importlib.util
import json
import os
import random
import re
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

if __name__ == "__main__" and not __package__:
    # Run by path (integration targets): make the folder importable as the package `fake_k8s_api` (PEP 366).
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "fake_k8s_api"  # pylint: disable=redefined-builtin

import yaml  # noqa: E402  pylint: disable=wrong-import-position

from . import calico_defaults, core_kinds, schemas  # noqa: E402  pylint: disable=wrong-import-position
from .patches import PatchError, json_patch, merge_patch  # noqa: E402  pylint: disable=wrong-import-position
from .store import SelectorError, Store, field_matcher, label_matcher  # noqa: E402 pylint: disable=C0413

MODES = ("aggregated", "native", "crd-only", "none")
SERVER_VERSION = {"major": "1", "minor": "35", "gitVersion": "v1.35.5+k3s1", "gitCommit": "fake",
                  "gitTreeState": "clean", "buildDate": "2026-05-01T00:00:00Z", "goVersion": "go1.24.4",
                  "compiler": "gc", "platform": "linux/amd64"}
SEED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
STATIC_TIERS = (("default", 1000000), ("kube-admin", 1000), ("kube-baseline", 10000000))
CALICO_VERSIONS = ("v3.21.6", "v3.32.1")
NATIVE_V3_SINCE = (3, 32)
CALICO_API_SERVICE = {"namespace": "calico-apiserver", "name": "calico-api", "port": 443}
NAME_RE = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
LABEL_RE = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
PATCH_TYPES = ("application/merge-patch+json", "application/json-patch+json",
               "application/strategic-merge-patch+json", "application/apply-patch+yaml")


def _shared_reference():
    """tests/shared_reference.py, loaded by path so this works in any layout."""
    spec = importlib.util.spec_from_file_location("_ccol1_shared_reference",
                                                  Path(__file__).resolve().parents[1] / "shared_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def default_schema_dir():
    """The upstream CRD folder of the shared reference folder; fails saying where it looked and how to point
    elsewhere when there is none."""
    shared_reference = _shared_reference()
    found = shared_reference.crd_schema_dir()
    if found is None:
        raise schemas.SchemaFilesMissing(
            "fake_k8s_api: the upstream CRD schemas were not found: no shared reference folder (with DESIGN.md and "
            "reference/) at %s. Put the course's shared folder beside the checkout, set CCOL1_SHARED to it, or pass "
            "--schema-dir to a folder holding the CRD files (reference/calico-crds)."
            % " or ".join(shared_reference.searched_places() or ["../shared beside the checkout"]))
    return found


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.body = code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                      "message": message, "reason": reason, "code": code}
        if details is not None:
            self.body["details"] = details


def details(resource, name, kind=None):
    return {"name": name, "group": resource.group, "kind": kind or resource.plural}


def not_found(resource, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (resource.qualified, name), details(resource, name))


def invalid(resource, name, causes):
    texts = ["%s: %s" % (field, message) for field, _reason, message in causes]
    summary = texts[0] if len(texts) == 1 else "[%s]" % ", ".join(texts)
    kind = resource.kind + ("." + resource.group if resource.group else "")
    message = '%s "%s" is invalid: %s' % (kind, name, summary)
    body = details(resource, name, resource.kind)
    body["causes"] = [{"reason": reason, "message": message, "field": field} for field, reason, message in causes]
    return ApiError(422, "Invalid", message, body)


def conflict(resource, name):
    return ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": the object has been modified; please '
                    'apply your changes to the latest version and try again' % (resource.qualified, name),
                    details(resource, name))


def unknown_path():
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


class KubernetesAPI:
    """The API itself, independent of HTTP: dispatch(method, path, query, content_type, body) -> response."""

    def __init__(self, mode="native", tiers=True, schema_dir=None, calico_version="v3.32.1"):
        if mode not in MODES:
            raise ValueError("mode must be one of %s, got %r" % (", ".join(MODES), mode))
        if calico_version not in CALICO_VERSIONS:
            raise ValueError("calico_version must be one of %s, got %r" % (", ".join(CALICO_VERSIONS), calico_version))
        self.calico_release = tuple(int(part) for part in calico_version[1:].split(".")[:2])
        if mode == "native" and self.calico_release < NATIVE_V3_SINCE:
            raise ValueError("native v3 CRDs exist from Calico v3.32; %s has none" % calico_version)
        self.mode, self.tiers, self.calico_version = mode, tiers, calico_version
        self.catalog = schemas.build_catalog(default_schema_dir() if schema_dir is None else schema_dir, mode, tiers)
        self.store, self.log, self.faults = Store(), [], []
        self.lock = threading.RLock()
        self.seed_cluster()

    # --- catalog and seed ---------------------------------------------------------------------------------
    def resource(self, group, version, plural):
        for resource in self.catalog:
            if (resource.group, resource.version, resource.plural) == (group, version, plural):
                return resource
        return None

    def resource_for(self, api_version, kind):
        group, version = api_version.rpartition("/")[::2]
        for resource in self.catalog:
            if (resource.group, resource.version, resource.kind) == (group, version, kind):
                return resource
        raise ApiError(400, "BadRequest", "no kind %r is registered for version %r" % (kind, api_version))

    def seed_cluster(self):
        for name in SEED_NAMESPACES:
            self.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        for resource in self.catalog:
            if resource.crd_backed:
                self.seed_crd(resource)
        for group, version in sorted({(r.group, r.version) for r in self.catalog}):
            spec = {"group": group, "version": version, "groupPriorityMinimum": 1000, "versionPriority": 15}
            if group == "projectcalico.org" and self.mode == "aggregated":
                spec.update(service=dict(CALICO_API_SERVICE), insecureSkipTLSVerify=True)
            self.seed({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
                       "metadata": {"name": "%s.%s" % (version, group) if group else version}, "spec": spec,
                       "status": {"conditions": [{"type": "Available", "status": "True",
                                                  "reason": "Passed" if spec.get("service") else "Local"}]}})
        if self.mode in ("aggregated", "native"):
            self.seed({"apiVersion": "projectcalico.org/v3", "kind": "ClusterInformation",
                       "metadata": {"name": "default"},
                       "spec": {"calicoVersion": self.calico_version, "clusterGUID": uuid.uuid4().hex,
                                "clusterType": "typha,kdd,k8s,operator,bgp", "datastoreReady": True}})
        if self.tiers and self.mode in ("aggregated", "native"):
            for name, order in STATIC_TIERS:
                self.seed({"apiVersion": "projectcalico.org/v3", "kind": "Tier", "metadata": {"name": name},
                           "spec": {"order": order, "defaultAction": "Deny"}})

    def seed_crd(self, resource):
        crd = copy.deepcopy(resource.crd)
        crd["status"] = {"acceptedNames": crd["spec"]["names"], "storedVersions": [resource.version],
                         "conditions": [{"type": "Established", "status": "True"}]}
        if not self.tiers:
            crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = resource.schema
        self.seed(crd)

    def seed(self, obj):
        """Store an object as given (no validation), completing only its system metadata."""
        resource = self.resource_for(obj.get("apiVersion", ""), obj.get("kind", ""))
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        if resource.namespaced:
            meta.setdefault("namespace", "default")
        if resource.group == "projectcalico.org":
            calico_defaults.go_serialise(resource.kind, obj, self.calico_release)
        self.stamp_new(resource, obj)
        self.store.put(resource, obj)
        return obj

    def stamp_new(self, resource, obj, dry_run=False):
        meta = obj["metadata"]
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", now())
        if not dry_run:
            meta["resourceVersion"] = self.store.next_revision()
        if not resource.builtin:
            meta["generation"] = 1
        if resource.kind == "Namespace":
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj.setdefault("status", {"phase": "Active"})
            meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]

    # --- discovery ------------------------------------------------------------------------------------------
    def group_versions(self):
        groups = {}
        for resource in self.catalog:
            versions = groups.setdefault(resource.group, [])
            if resource.version not in versions:
                versions.append(resource.version)
        return groups

    def api_group(self, name, versions):
        entries = [{"groupVersion": "%s/%s" % (name, v), "version": v} for v in versions]
        return {"name": name, "versions": entries, "preferredVersion": entries[0]}

    def discovery(self, parts):
        groups = self.group_versions()
        if parts == ["api"]:
            return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}
        if parts == ["apis"]:
            return {"kind": "APIGroupList", "apiVersion": "v1",
                    "groups": [self.api_group(g, v) for g, v in groups.items() if g]}
        if len(parts) == 2 and parts[1] in groups and parts[1]:
            return dict(self.api_group(parts[1], groups[parts[1]]), kind="APIGroup", apiVersion="v1")
        group, version = ("", "v1") if parts[0] == "api" else (parts[1], parts[2] if len(parts) > 2 else "")
        served = [r for r in self.catalog if (r.group, r.version) == (group, version)]
        if not served:
            raise unknown_path()
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": served[0].group_version,
                "resources": [entry for r in served for entry in r.discovery_entries()]}

    # --- HTTP-independent dispatch --------------------------------------------------------------------------
    def dispatch(self, method, raw_path, content_type, body, user_agent=""):
        """Return (status, body dict, extra headers); log the request unless it is a /_fake/ hook."""
        url = urlsplit(raw_path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        if url.path.startswith("/_fake/"):
            try:
                return self.hook(method, url.path, body)
            except (AttributeError, KeyError, TypeError, ValueError) as error:
                return 400, {"error": "bad test hook request: %r" % error}, []
        headers = []
        try:
            self.raise_injected_fault(method, url.path)
            request = self.route(method, url.path, query, (content_type or "").split(";")[0].strip(), body, headers)
            if isinstance(request, Request):
                request.manager = query.get("fieldManager") or (user_agent or "unknown").split("/")[0]
                request = request.run(method)
            status, result = request
        except ApiError as error:
            status, result = error.code, error.body
        except Exception as error:  # pylint: disable=broad-except  # a bug in the fake must not look like a hang
            status, result = 500, ApiError(500, "InternalError", "fake_k8s_api failed: %r" % error).body
        with self.lock:
            self.log.append({"method": method, "path": url.path, "query": query, "content_type": content_type,
                             "status": status})
        return status, result, headers

    def raise_injected_fault(self, method, path):
        with self.lock:
            for fault in self.faults:
                if fault.get("method", "*").upper() in ("*", method) and path.startswith(fault.get("path_prefix", "")):
                    if fault.get("times") is not None:
                        fault["times"] -= 1
                        if fault["times"] <= 0:
                            self.faults.remove(fault)
                    break
            else:
                return
        time.sleep(float(fault.get("delay", 0)))
        code = int(fault.get("status", 500))
        raise ApiError(code, fault.get("reason", "InternalError"), fault.get("message", "injected fault (fake)"),
                       fault.get("details"))

    def route(self, method, path, query, content_type, body, headers):
        parts = [p for p in path.split("/") if p]
        if path == "/version":
            return 200, dict(SERVER_VERSION)
        if not parts or parts[0] not in ("api", "apis"):
            raise unknown_path()
        if parts[:1] == ["api"] and len(parts) <= 2 or parts[:1] == ["apis"] and len(parts) <= 3:
            if method != "GET":
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                               "resource", {})
            return 200, self.discovery(parts)
        group, version, rest = ("", parts[1], parts[2:]) if parts[0] == "api" else (parts[1], parts[2], parts[3:])
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            candidate = self.resource(group, version, rest[2])
            if candidate is not None and candidate.namespaced:
                namespace, rest = rest[1], rest[2:]
        resource = self.resource(group, version, rest[0])
        if resource is None or len(rest) > 3 or (len(rest) == 3 and not (
                rest[2] == "status" and resource.status_subresource)):
            raise unknown_path()
        if namespace is None and resource.namespaced and method in ("POST", "PUT", "PATCH") or \
                namespace is None and resource.namespaced and method != "GET" and len(rest) > 1:
            raise unknown_path()
        name, subresource = (rest[1] if len(rest) > 1 else None), (rest[2] if len(rest) > 2 else None)
        return Request(self, resource, namespace, name, subresource, query, content_type, body, headers)

    # --- /_fake/ hooks ----------------------------------------------------------------------------------------
    def hook(self, method, path, body):
        try:
            payload = json.loads(body) if body else None
        except ValueError as error:
            return 400, {"error": "invalid JSON: %s" % error}, []
        with self.lock:
            if (method, path) == ("GET", "/_fake/requests"):
                return 200, {"items": copy.deepcopy(self.log)}, []
            if (method, path) == ("DELETE", "/_fake/requests"):
                self.log[:] = []
                return 200, {"items": []}, []
            if (method, path) == ("POST", "/_fake/faults"):
                for fault in payload if isinstance(payload, list) else [payload]:
                    self.faults.append(dict({"times": 1}, **fault))
                return 201, {"items": copy.deepcopy(self.faults)}, []
            if (method, path) == ("DELETE", "/_fake/faults"):
                self.faults[:] = []
                return 200, {"items": []}, []
        if (method, path) == ("GET", "/_fake/objects"):
            return 200, {"items": self.store.dump()}, []
        if (method, path) == ("POST", "/_fake/objects"):
            objects = payload.get("items", [payload]) if isinstance(payload, dict) else payload
            try:
                return 201, {"items": [self.seed(obj) for obj in objects]}, []
            except ApiError as error:
                return error.code, error.body, []
        return 404, {"error": "unknown test hook %s %s" % (method, path)}, []


class Request:
    """One API request on one resource: the verbs and the write pipeline."""

    def __init__(self, api, resource, namespace, name, subresource, query, content_type, body, headers):
        self.api, self.store, self.resource = api, api.store, resource
        self.namespace, self.name, self.subresource, self.query = namespace, name, subresource, query
        self.content_type, self.raw_body, self.headers = content_type, body, headers
        self.dry_run = query.get("dryRun") == "All"
        self.manager = "unknown"

    def run(self, method):
        if self.query.get("watch") in ("true", "1"):
            raise ApiError(405, "MethodNotAllowed", "watch is not supported by the fake API server", {})
        handler = {("GET", False): self.list, ("GET", True): self.get, ("POST", False): self.create,
                   ("PUT", True): self.replace, ("PATCH", True): self.patch, ("DELETE", True): self.delete,
                   ("DELETE", False): self.delete_collection}.get((method, self.name is not None))
        if handler is None:
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                           "resource", {})
        with self.store.lock:
            return handler()

    # --- reads ------------------------------------------------------------------------------------------------
    def existing(self):
        found = self.store.get(self.resource, self.namespace, self.name)
        if found is None:
            raise not_found(self.resource, self.name)
        return found

    def read_view(self, obj):
        """CRD storage defaults objects again when it reads them, so seeded or older objects show defaults too;
        Calico objects read back as Go serialises them."""
        if self.resource.crd_backed:
            schemas.apply_defaults(self.resource.schema, obj)
        if self.resource.group == "projectcalico.org":
            calico_defaults.go_serialise(self.resource.kind, obj, self.api.calico_release)
        return obj

    def get(self):
        return 200, self.read_view(self.existing())

    def selected(self):
        try:
            labels, fields = label_matcher(self.query.get("labelSelector")), field_matcher(
                self.query.get("fieldSelector"))
        except SelectorError as error:
            raise ApiError(400, "BadRequest", str(error))
        return [self.read_view(o) for o in self.store.items(self.resource, self.namespace)
                if labels(o["metadata"].get("labels")) and fields(o["metadata"])]

    def as_list(self, items):
        if self.resource.builtin:
            for item in items:
                item.pop("apiVersion", None)
                item.pop("kind", None)
        return {"kind": self.resource.kind + "List", "apiVersion": self.resource.group_version,
                "metadata": {"resourceVersion": str(self.store.revision)}, "items": items}

    def list(self):
        return 200, self.as_list(self.selected())

    # --- writes -----------------------------------------------------------------------------------------------
    def body(self):
        try:
            if self.content_type == "application/apply-patch+yaml":
                return yaml.safe_load(self.raw_body or b"") or {}
            return json.loads(self.raw_body or b"null")
        except ValueError as error:
            raise ApiError(400, "BadRequest", "error decoding request body: %s" % error)

    def check_identity(self, obj):
        """The body must be an object of this resource, named and placed as the URL says."""
        if not isinstance(obj, dict):
            raise ApiError(400, "BadRequest", "the body of the request must be a JSON object")
        if not obj.get("kind"):
            raise ApiError(400, "BadRequest", "Object 'Kind' is missing in '%s'" % json.dumps(obj))
        if obj.get("apiVersion") != self.resource.group_version or obj["kind"] != self.resource.kind:
            raise ApiError(400, "BadRequest", "the API version in the data (%s) does not match the expected API "
                           "version (%s)" % (obj.get("apiVersion"), self.resource.group_version))
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise ApiError(400, "BadRequest", "metadata must be an object")
        for key in ("name", "namespace", "generateName", "resourceVersion", "uid"):
            if meta.get(key) is not None and not isinstance(meta[key], str):
                raise ApiError(400, "BadRequest", "json: cannot unmarshal %s into Go struct field ObjectMeta.metadata"
                               ".%s of type string" % (schemas.type_name(meta[key]), key))
        if self.name is not None and meta.setdefault("name", self.name) != self.name:
            raise ApiError(400, "BadRequest", "the name of the object (%s) does not match the name on the URL (%s)"
                           % (meta["name"], self.name))
        if self.resource.namespaced:
            if meta.setdefault("namespace", self.namespace) != self.namespace:
                raise ApiError(400, "BadRequest", "the namespace of the provided object does not match the "
                               "namespace sent on the request")
        else:
            meta.pop("namespace", None)

    def require_namespace(self):
        if self.resource.namespaced and self.store.get(self.api.resource("", "v1", "namespaces"), None,
                                                       self.namespace) is None:
            raise ApiError(404, "NotFound", 'namespaces "%s" not found' % self.namespace,
                           {"name": self.namespace, "kind": "namespaces"})

    def admit(self, obj, old):
        """Decode, prune, default and validate as the real write path does; return the object to store."""
        resource = self.resource
        if resource.builtin:
            obj, kind_causes = core_kinds.admit_builtin(resource, obj, old, self.subresource, self.store)
            causes = list(self.metadata_errors(obj)) + kind_causes
            if causes:
                raise invalid(resource, obj["metadata"].get("name", ""), causes)
            return obj
        if old is not None and resource.status_subresource:
            if self.subresource == "status":
                obj = dict(old, status=obj.get("status"))
                if obj["status"] is None:
                    del obj["status"]
            elif "status" in old:
                obj["status"] = old["status"]
            else:
                obj.pop("status", None)
        elif old is None and resource.status_subresource:
            obj.pop("status", None)
        self.prune(obj)
        schemas.apply_defaults(resource.schema, obj)
        calico = resource.group == "projectcalico.org"
        causes = list(self.metadata_errors(obj))
        try:
            if resource.aggregated:
                calico_defaults.canonicalise_typed(resource.kind, obj)
            if calico and not causes:
                calico_defaults.apply_calico_defaults(resource.kind, obj, self.api.tiers, resource.aggregated,
                                                      self.api.calico_release)
                calico_defaults.go_serialise(resource.kind, obj, self.api.calico_release)
        except (AttributeError, TypeError, ValueError):
            pass  # a malformed body: the schema check below names the field
        causes.extend(schemas.schema_errors(resource, obj))
        if calico and not causes:
            causes.extend(calico_defaults.calico_rule_errors(resource.kind, obj, old))
        if resource.aggregated and not causes:
            causes.extend(calico_defaults.typed_rule_errors(resource.kind, obj))
        if causes:
            raise invalid(resource, obj["metadata"].get("name", ""), causes)
        return obj

    def prune(self, obj):
        dropped = schemas.prune_unknown(self.resource.schema, obj)
        mode = self.query.get("fieldValidation", "Warn")
        if dropped and mode == "Strict":
            raise ApiError(400, "BadRequest", "%s in version %r cannot be handled as a %s: strict decoding error: %s"
                           % (self.resource.kind, self.resource.version, self.resource.kind,
                              ", ".join('unknown field "%s"' % p for p in dropped)))
        if mode != "Ignore":
            self.headers.extend(("Warning", '299 - "unknown field \\"%s\\""' % p) for p in dropped)

    def metadata_errors(self, obj):
        for key in ("labels", "annotations"):
            value = obj["metadata"].get(key)
            if value is not None and not (isinstance(value, dict) and all(isinstance(v, str) for v in value.values())):
                yield "metadata." + key, "FieldValueTypeInvalid", "Invalid value: %s: must be a map of strings" % (
                    json.dumps(value),)
        name = obj["metadata"].get("name")
        pattern = LABEL_RE if self.resource.kind == "Namespace" else NAME_RE
        if not name:
            yield "metadata.name", "FieldValueRequired", "Required value: name or generateName is required"
        elif len(name) > 253 or not re.match(pattern, name):
            yield "metadata.name", "FieldValueInvalid", "Invalid value: \"%s\": a lowercase RFC 1123 subdomain must" \
                " consist of lower case alphanumeric characters, '-' or '.', and must start and end with an " \
                "alphanumeric character" % name

    def record_manager(self, obj, operation):
        """One managedFields entry per manager and operation, as the server adds on every write that changes
        the object (field sets are not tracked: fieldsV1 stays empty)."""
        entry = {"manager": self.manager, "operation": operation, "apiVersion": self.resource.group_version,
                 "time": now(), "fieldsType": "FieldsV1", "fieldsV1": {}}
        if self.subresource:
            entry["subresource"] = self.subresource
        kept = [e for e in obj["metadata"].get("managedFields") or [] if isinstance(e, dict) and
                (e.get("manager"), e.get("operation"), e.get("subresource")) !=
                (entry["manager"], operation, entry.get("subresource"))]
        obj["metadata"]["managedFields"] = kept + [entry]

    def finish_create(self, obj):
        meta = obj["metadata"]
        if meta.get("resourceVersion"):
            raise ApiError(500, "InternalError", "resourceVersion should not be set on objects to be created")
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(random.sample("bcdfghjklmnpqrstvwxz2456789", 5))
        self.name = meta.get("name")
        self.require_namespace()
        obj = self.admit(obj, None)
        if self.store.get(self.resource, self.namespace, self.name) is not None:
            raise ApiError(409, "AlreadyExists", '%s "%s" already exists' % (self.resource.qualified, self.name),
                           details(self.resource, self.name))
        self.api.stamp_new(self.resource, obj, self.dry_run)
        self.record_manager(obj, "Apply" if self.content_type == "application/apply-patch+yaml" else "Update")
        if not self.dry_run:
            self.store.put(self.resource, obj)
        return 201, obj

    def create(self):
        obj = self.body()
        self.check_identity(obj)
        return self.finish_create(obj)

    def finish_update(self, obj, old):
        obj = self.admit(obj, old)
        meta, old_meta = obj["metadata"], old["metadata"]
        if not meta.get("managedFields") and old_meta.get("managedFields"):
            meta["managedFields"] = old_meta["managedFields"]  # an update without them keeps the stored ones
        for key in ("uid", "creationTimestamp"):
            meta[key] = old_meta[key]
        if not self.resource.builtin:
            changed = {k: v for k, v in obj.items() if k not in ("metadata", "status")} != \
                {k: v for k, v in old.items() if k not in ("metadata", "status")}
            meta["generation"] = old_meta.get("generation", 1) + (1 if changed else 0)
        if obj == old:
            return 200, obj  # a no-op write keeps the resourceVersion, as in Kubernetes
        meta["resourceVersion"] = old_meta["resourceVersion"] if self.dry_run else self.store.next_revision()
        self.record_manager(obj, "Apply" if self.content_type == "application/apply-patch+yaml" else "Update")
        if not self.dry_run:
            self.store.put(self.resource, obj)
        return 200, obj

    def replace(self):
        obj = self.body()
        self.check_identity(obj)
        old = self.existing()
        sent = obj["metadata"].get("resourceVersion")
        if not sent and not self.resource.builtin:
            raise invalid(self.resource, self.name, [("metadata.resourceVersion", "FieldValueInvalid",
                                                      "Invalid value: 0x0: must be specified for an update")])
        if sent and sent != old["metadata"]["resourceVersion"]:
            raise conflict(self.resource, self.name)
        obj["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        return self.finish_update(obj, old)

    def patch(self):
        kind = self.content_type
        if kind not in PATCH_TYPES:
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                           "accepted media types include: %s" % ", ".join(PATCH_TYPES))
        if kind == "application/strategic-merge-patch+json" and self.resource.crd_backed:
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                           "accepted media types include: application/json-patch+json, application/merge-patch+json,"
                           " application/apply-patch+yaml")
        patch = self.body()
        if kind == "application/apply-patch+yaml":
            return self.apply(patch)
        old = self.existing()
        try:
            obj = json_patch(old, patch) if kind == "application/json-patch+json" else merge_patch(old, patch)
        except PatchError as error:
            raise ApiError(422, "Invalid", "the server rejected our request due to an error in our request: %s"
                           % error, {})
        self.check_identity(obj)
        sent = obj["metadata"].get("resourceVersion")  # a patch may carry one as a precondition
        if sent and sent != old["metadata"]["resourceVersion"]:
            raise conflict(self.resource, self.name)
        obj["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        return self.finish_update(obj, old)

    def apply(self, patch):
        if not self.query.get("fieldManager"):
            raise ApiError(400, "BadRequest", "PATCH /apply: fieldManager is required for apply requests")
        self.check_identity(patch)
        patch["metadata"].pop("managedFields", None)
        old = self.store.get(self.resource, self.namespace, self.name)
        if old is None:
            return self.finish_create(patch)
        sent = patch["metadata"].get("resourceVersion")
        if sent and sent != old["metadata"]["resourceVersion"]:
            raise conflict(self.resource, self.name)
        return self.finish_update(merge_patch(old, patch), old)

    def delete(self):
        old = self.existing()
        if not self.dry_run:
            self.store.delete(self.resource, self.namespace, self.name)
            if self.resource.kind == "Namespace":
                self.store.drop_namespace(self.name)
        if self.resource.kind == "Namespace":
            old["status"] = {"phase": "Terminating"}  # the real one lingers while its content is deleted
            return 200, old
        if self.resource.builtin:
            return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                         "details": dict(details(self.resource, self.name), uid=old["metadata"]["uid"])}
        return 200, old

    def delete_collection(self):
        items = self.selected()
        if not self.dry_run:
            for item in items:
                self.store.delete(self.resource, item["metadata"].get("namespace"), item["metadata"]["name"])
        return 200, self.as_list(items)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload, headers = self.server.api.dispatch(self.command, self.path, self.headers.get("Content-Type"),
                                                            body, self.headers.get("User-Agent", ""))
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if os.environ.get("FAKE_K8S_API_VERBOSE"):
            super().log_message(format, *args)


class FakeKubernetesAPI:
    """In-process server: `url = FakeKubernetesAPI(mode="native").start()`, then `.stop()`."""

    def __init__(self, mode="native", tiers=True, schema_dir=None, host="127.0.0.1", port=0, token="fake-token",
                 calico_version="v3.32.1"):
        self.api = KubernetesAPI(mode, tiers, schema_dir, calico_version)
        self.host, self.port, self.token = host, port, token
        self.httpd, self.thread = None, None

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def start(self):
        self.httpd = ThreadingHTTPServer((self.host, self.port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.api = self.api
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="fake-k8s-api",
                                       daemon=True)
        self.thread.start()
        return self.url

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def requests(self):
        with self.api.lock:
            return copy.deepcopy(self.api.log)

    def clear_requests(self):
        with self.api.lock:
            self.api.log[:] = []

    def inject_fault(self, **fault):
        """e.g. inject_fault(method="PATCH", path_prefix="/apis/projectcalico.org", status=409, reason="Conflict")."""
        fault.setdefault("times", 1)
        with self.api.lock:
            self.api.faults.append(fault)

    def seed(self, obj):
        return self.api.seed(obj)

    def objects(self):
        return self.api.store.dump()

    def kubeconfig(self):
        return {"apiVersion": "v1", "kind": "Config", "preferences": {}, "current-context": "fake",
                "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                "users": [{"name": "fake", "user": {"token": self.token}}],
                "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake",
                                                          "namespace": "default"}}]}

    def write_kubeconfig(self, path):
        write_atomically(path, yaml.safe_dump(self.kubeconfig(), default_flow_style=False))
        return str(path)


def write_atomically(path, text):
    temporary = "%s.tmp%d" % (path, os.getpid())
    with open(temporary, "w") as stream:
        stream.write(text)
    os.replace(temporary, str(path))


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="fake_k8s_api", description="Kubernetes API test server (see docstring)")
    parser.add_argument("--mode", choices=MODES, default="native")
    parser.add_argument("--calico-version", choices=CALICO_VERSIONS, default="v3.32.1",
                        help="the Calico release the cluster runs (default v3.32.1)")
    parser.add_argument("--tiers", dest="tiers", action="store_true", default=None,
                        help="serve Tier (default from v3.29 on)")
    parser.add_argument("--no-tiers", dest="tiers", action="store_false", help="behave like Calico before v3.29")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the port here once listening")
    parser.add_argument("--kubeconfig", help="write a kubeconfig (context `fake`) here")
    parser.add_argument("--pid-file", help="write the process id here")
    parser.add_argument("--schema-dir", help="folder with the upstream CRD files (default: the shared folder)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.tiers is None:
        args.tiers = args.calico_version != "v3.21.6"
    try:
        server = FakeKubernetesAPI(args.mode, args.tiers, args.schema_dir, args.host, args.port,
                                   calico_version=args.calico_version)
    except (schemas.SchemaFilesMissing, ValueError) as error:
        sys.stderr.write("%s\n" % error)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    if args.kubeconfig:
        server.write_kubeconfig(args.kubeconfig)
    if args.pid_file:
        write_atomically(args.pid_file, "%d\n" % os.getpid())
    if args.port_file:
        write_atomically(args.port_file, "%d\n" % server.port)
    sys.stderr.write("fake_k8s_api: %s mode=%s tiers=%s calico=%s\n" % (server.url, args.mode, args.tiers,
                                                                        args.calico_version))
    while not stop.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
