"""The fake API's resource catalog and the Kubernetes structural-schema rules it applies.

Custom resources are read from the upstream CRD files in the shared reference folder (schemas are data, never
retyped here). Built-in kinds carry no schema: the real server validates them with Go code we do not reproduce.
"""
import copy
import functools
import ipaddress
import json
import re
from pathlib import Path

import jsonschema
import yaml

from . import core_kinds, operator_kinds  # the lab roles' kinds (core_kinds.py, operator_kinds.py)

NATIVE_V3_FILE = "projectcalico.org_v3_native-crds_v3.32.1.yaml"
CRD_V1_FILE = "crd.projectcalico.org_v1_v3.32.1.yaml"
OPERATOR_FILES = ("operator.tigera.io_installations_v3.32.1.yaml", "operator.tigera.io_apiservers_v3.32.1.yaml",
                  "operator.tigera.io_tigerastatuses_v3.32.1.yaml")
POLICY_KINDS = ("NetworkPolicy", "GlobalNetworkPolicy", "StagedNetworkPolicy", "StagedGlobalNetworkPolicy")
ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

# (group, version, kind, plural, namespaced, shortNames): the built-in kinds a k3s v1.35 server lists.
BUILTINS = (
    ("", "v1", "Namespace", "namespaces", False, ["ns"]),
    ("", "v1", "Node", "nodes", False, ["no"]),
    ("", "v1", "Pod", "pods", True, ["po"]),
    ("", "v1", "Service", "services", True, ["svc"]),
    ("", "v1", "ServiceAccount", "serviceaccounts", True, ["sa"]),
    ("", "v1", "Secret", "secrets", True, []),
    ("", "v1", "ConfigMap", "configmaps", True, ["cm"]),
    ("", "v1", "Endpoints", "endpoints", True, ["ep"]),
    ("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True, ["netpol"]),
    ("apiregistration.k8s.io", "v1", "APIService", "apiservices", False, []),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False, ["crd", "crds"]),
)


class SchemaFilesMissing(RuntimeError):
    """The CRD folder or one of its files is absent: the fake refuses to guess schemas."""


class ResourceType:
    """One served resource: where it lives, how discovery shows it, and its schema if it is a custom resource."""

    def __init__(self, group, version, kind, plural, namespaced, short_names=(), schema=None, status=False,
                 crd=None):
        self.group, self.version, self.kind, self.plural = group, version, kind, plural
        self.namespaced, self.short_names = namespaced, list(short_names)
        self.schema, self.status_subresource, self.crd = schema, status, crd
        self.aggregated = False  # served by the Calico API server (typed Go objects), not by a CRD
        self.validator = None

    @property
    def builtin(self):
        return self.crd is None

    @property
    def crd_backed(self):
        return self.crd is not None and not self.aggregated

    @property
    def group_version(self):
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    @property
    def qualified(self):
        """`plural.group`, as Kubernetes names a resource in error messages."""
        return "%s.%s" % (self.plural, self.group) if self.group else self.plural

    def discovery_entries(self):
        entry = {"name": self.plural, "singularName": self.kind.lower(), "namespaced": self.namespaced,
                 "kind": self.kind, "verbs": list(ALL_VERBS)}
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        entries = [entry]
        if self.status_subresource:
            entries.append({"name": self.plural + "/status", "singularName": "", "namespaced": self.namespaced,
                            "kind": self.kind, "verbs": ["get", "patch", "update"]})
        return entries


def load_crd_documents(schema_dir, filename):
    """The CRDs in one upstream file (parsed once per process; callers copy before they change them)."""
    return _load_crd_documents(str(Path(schema_dir).resolve() / filename))


@functools.lru_cache(maxsize=None)
def _load_crd_documents(filename):
    path = Path(filename)
    if not path.is_file():
        raise SchemaFilesMissing("fake_k8s_api: CRD schema file %s is missing (pass --schema-dir or provide the "
                                 "shared reference folder)" % path)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open() as stream:
        return [doc for doc in yaml.load_all(stream, Loader=loader) if doc and doc.get("kind") ==
                "CustomResourceDefinition"]


def resource_from_crd(crd):
    spec = crd["spec"]
    version = next(v for v in spec["versions"] if v.get("storage"))
    names = spec["names"]
    return ResourceType(spec["group"], version["name"], names["kind"], names["plural"], spec["scope"] == "Namespaced",
                        names.get("shortNames", ()), version["schema"]["openAPIV3Schema"],
                        "status" in (version.get("subresources") or {}), crd)


def without_tiers(resource):
    """A pre-v3.29 view of a policy kind: the same schema without `spec.tier`."""
    if resource.kind in POLICY_KINDS:
        resource.schema = copy.deepcopy(resource.schema)
        resource.schema["properties"]["spec"].get("properties", {}).pop("tier", None)
    return resource


def build_catalog(schema_dir, mode, tiers):
    """Every resource served in `mode`, as a list of ResourceType."""
    if schema_dir is None or not Path(schema_dir).is_dir():
        raise SchemaFilesMissing("fake_k8s_api: CRD schema folder %r not found" % (schema_dir,))
    catalog = [ResourceType(*row) for row in BUILTINS + core_kinds.EXTRA_BUILTINS]
    if mode == "none":
        return catalog
    for filename in operator_kinds.operator_schema_files(OPERATOR_FILES):
        catalog.extend(resource_from_crd(doc) for doc in load_crd_documents(schema_dir, filename))
    calico = []
    if mode in ("aggregated", "native"):
        calico.extend(resource_from_crd(d) for d in load_crd_documents(schema_dir, NATIVE_V3_FILE))
    if mode in ("aggregated", "crd-only"):
        calico.extend(resource_from_crd(d) for d in load_crd_documents(schema_dir, CRD_V1_FILE)
                      if d["spec"]["group"] == "crd.projectcalico.org")
    if not tiers:
        calico = [without_tiers(r) for r in calico if r.kind != "Tier"]
    if mode == "aggregated":
        for resource in calico:
            if resource.group == "projectcalico.org":
                resource.aggregated = True
    return catalog + calico


# --- structural schema -> JSON Schema --------------------------------------------------------------------------

def to_json_schema(schema):
    """Translate the Kubernetes OpenAPI v3 extensions that plain JSON Schema does not know."""
    if isinstance(schema, list):
        return [to_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key.startswith("x-kubernetes-") or key in ("nullable", "description", "default", "example",
                                                      "properties"):
            continue
        out[key] = to_json_schema(value) if key in ("properties", "items", "additionalProperties", "anyOf",
                                                    "allOf", "oneOf", "not") else value
    if "properties" in schema:
        out["properties"] = {k: to_json_schema(v) for k, v in schema["properties"].items()}
    if "(?i)" in out.get("pattern", ""):
        # Go's RE2 accepts `^(?i)...`; Python only takes a global flag at the very start.
        out["pattern"] = "(?i)" + out["pattern"].replace("(?i)", "")
    if schema.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("anyOf", None)
        out["type"] = ["integer", "string"]
    if schema.get("nullable") and "type" in out:
        out["type"] = ([out["type"]] if isinstance(out["type"], str) else list(out["type"])) + ["null"]
    return out


FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("cidr", raises=ValueError)
def _is_cidr(value):
    # Kubernetes checks `cidr` with Go's net.ParseCIDR: a prefix length is required, host bits are allowed.
    return not isinstance(value, str) or ("/" in value and ipaddress.ip_network(value, strict=False) is not None)


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value):
    return not isinstance(value, str) or re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$",
                                                  value) is not None


def validator_for(resource):
    if resource.validator is None:
        schema = to_json_schema(resource.schema)
        schema.get("properties", {})["metadata"] = {"type": "object"}
        resource.validator = jsonschema.Draft7Validator(schema, format_checker=FORMATS)
    return resource.validator


def schema_errors(resource, obj):
    """Yield (field path, reason, detail) for every schema violation, worded as Kubernetes words them."""
    for error in sorted(validator_for(resource).iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
        field, rule, value = field_path(error.absolute_path), error.validator_value, error.instance
        if error.validator == "required":
            missing = re.findall(r"'([^']+)' is a required property", error.message)
            yield (field + "." if field else "") + (missing[0] if missing else "?"), "FieldValueRequired", \
                "Required value"
        elif error.validator == "enum":
            yield field, "FieldValueNotSupported", "Unsupported value: %s: supported values: %s" % (
                go_repr(value), ", ".join(go_repr(v) for v in rule))
        elif error.validator == "uniqueItems":
            yield field, "FieldValueDuplicate", "Duplicate value: %s" % go_repr(value)
        elif error.validator == "type":
            yield field, "FieldValueTypeInvalid", "Invalid value: %s: %s in body must be of type %s: %s" % (
                go_repr(type_name(value)), field, " or ".join(_as_list(rule)), go_repr(type_name(value)))
        else:
            yield field, "FieldValueInvalid", "Invalid value: %s: %s in body %s" % (
                go_repr(value), field, BOUND_MESSAGES.get(error.validator, "%s (" + error.validator + ")") % (rule,))


BOUND_MESSAGES = {
    "maximum": "should be less than or equal to %s", "minimum": "should be greater than or equal to %s",
    "maxItems": "must have at most %s items", "minItems": "should have at least %s items",
    "maxLength": "may not be more than %s bytes", "minLength": "should be at least %s chars long",
    "pattern": "should match '%s'", "format": "must be of type %s",
}


def _as_list(value):
    return value if isinstance(value, list) else [value]


def type_name(value):
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object",
            type(None): "null"}.get(type(value), "unknown")


def go_repr(value):
    if isinstance(value, str):
        return '"%s"' % value
    return json.dumps(value, sort_keys=True)


def field_path(parts):
    out = ""
    for part in parts:
        out += "[%d]" % part if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def prune_unknown(schema, obj, path=""):
    """Drop fields the schema does not declare, as the API server does; return the dropped paths."""
    dropped = []
    if not isinstance(schema, dict) or schema.get("x-kubernetes-preserve-unknown-fields"):
        return dropped
    if isinstance(obj, dict) and "properties" in schema:
        for key in list(obj):
            if path == "" and key in ("apiVersion", "kind", "metadata"):
                continue
            if key not in schema["properties"]:
                dropped.append(path + ("." if path else "") + key)
                del obj[key]
            else:
                dropped.extend(prune_unknown(schema["properties"][key], obj[key], path + ("." if path else "") + key))
    elif isinstance(obj, dict) and isinstance(schema.get("additionalProperties"), dict):
        for key, value in obj.items():
            dropped.extend(prune_unknown(schema["additionalProperties"], value, "%s[%s]" % (path, key)))
    elif isinstance(obj, list) and isinstance(schema.get("items"), dict):
        for index, value in enumerate(obj):
            dropped.extend(prune_unknown(schema["items"], value, "%s[%d]" % (path, index)))
    return dropped


def apply_defaults(schema, obj):
    """Structural defaulting: fill `default:` values wherever the parent object exists."""
    if not isinstance(schema, dict):
        return
    if isinstance(obj, dict):
        for key, sub in (schema.get("properties") or {}).items():
            if key not in obj and "default" in sub:
                obj[key] = copy.deepcopy(sub["default"])
            if key in obj:
                apply_defaults(sub, obj[key])
        if isinstance(schema.get("additionalProperties"), dict):
            for value in obj.values():
                apply_defaults(schema["additionalProperties"], value)
    elif isinstance(obj, list) and isinstance(schema.get("items"), dict):
        for value in obj:
            apply_defaults(schema["items"], value)
