"""Built-in kinds the lab roles write (apps/v1 Deployment, RBAC) and the write-path rules of a few built-ins.

What it reproduces, and from where
----------------------------------
* Served kinds (kubernetes/kubernetes v1.35 `pkg/registry/*/rest` storage, as `kubectl api-resources` lists
  them on a k3s v1.35 server): `apps/v1` Deployment (namespaced, shortName `deploy`, a `/status` subresource)
  and `rbac.authorization.k8s.io/v1` ClusterRole, ClusterRoleBinding (cluster-scoped), Role, RoleBinding.
  The Tigera operator manifests (`tigera-operator.yaml` of Calico v3.21.6 and v3.32.1) consist of a Namespace,
  a ServiceAccount, RBAC objects, CRDs and a Deployment.
* Status subresources (`pkg/registry/apps/deployment/strategy.go`, `apiextensions-apiserver/pkg/registry/
  customresourcedefinition/strategy.go`, and the node, service and namespace strategies: PrepareForUpdate): a
  write to the main resource keeps the stored status (so applying a CRD file that carries an empty `status:`, as
  controller-gen wrote them for the v3.21 operator, leaves the CRD Established); a `/status` write changes only
  the status; a created Deployment starts without status, a created CRD is Established at once (the
  apiextensions controllers' NamesAccepted and Established conditions, `pkg/controller/establish`). `metadata.generation` is 1 on create and is
  bumped when the spec changes (Deployment, CRD).
* Deployment defaults (`pkg/apis/apps/v1/defaults.go` SetDefaults_Deployment and `pkg/apis/core/v1/defaults.go`
  for the pod template): replicas 1, strategy RollingUpdate 25%/25%, revisionHistoryLimit 10,
  progressDeadlineSeconds 600; pod restartPolicy Always, dnsPolicy ClusterFirst, schedulerName default-scheduler,
  terminationGracePeriodSeconds 30, securityContext {}; container terminationMessagePath /dev/termination-log,
  terminationMessagePolicy File, imagePullPolicy Always for an untagged or `:latest` image else IfNotPresent,
  port protocol TCP. Because the server stores these, a client that compares its manifest with the stored object
  field by field sees differences: only server-side apply (or an apply that knows the defaults) is idempotent.
* Service defaults and allocation (`pkg/apis/core/v1/defaults.go` SetDefaults_Service, `pkg/registry/core/service`):
  type ClusterIP, sessionAffinity None, port protocol TCP, targetPort = port, a cluster IP from the service CIDR
  (here 198.19.32.0/20, the lab's), ipFamilies [IPv4], ipFamilyPolicy SingleStack, internalTrafficPolicy Cluster;
  NodePort/LoadBalancer services get externalTrafficPolicy Cluster and a node port in 30000-32767. A requested
  nodePort outside the range is 422 `provided port is not in the valid range`, one held by another Service is
  422 `provided port is already allocated`; spec.clusterIP is immutable once set.
* Annotation size (`apimachinery/pkg/api/validation/objectmeta.go` ValidateAnnotations): keys plus values over
  262144 bytes are 422 `metadata.annotations: Too long: must have at most 262144 bytes`. This is what makes
  a client-side `kubectl apply` of the operator's CRDs fail (its last-applied annotation holds the whole CRD).

What it does not do
-------------------
No controllers: Deployments never roll out by themselves (a test sets their status), no ReplicaSets or Pods are
created, Endpoints are not filled. No validation of pod specs, RBAC rules or selectors beyond the above.
"""
import copy
import ipaddress
import json

# (group, version, kind, plural, namespaced, shortNames, schema, status subresource): ResourceType's arguments.
EXTRA_BUILTINS = (
    ("apps", "v1", "Deployment", "deployments", True, ["deploy"], None, True),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False, []),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False, []),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", True, []),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True, []),
)

ANNOTATIONS_LIMIT = 262144
NODE_PORT_RANGE = (30000, 32767)
SERVICE_CIDR = ipaddress.ip_network("198.19.32.0/20")
GENERATION_KINDS = ("Deployment", "CustomResourceDefinition")
# Kinds with a `/status` subresource in kube-apiserver: a write to the main resource keeps the stored status.
STATUS_KINDS = ("Deployment", "CustomResourceDefinition", "Node", "Service", "Namespace")
RESET_STATUS_ON_CREATE = ("Deployment", "CustomResourceDefinition")


def admit_builtin(resource, obj, old, subresource, store):
    """Return (object to store, [(field, reason, message)]) for a write of a built-in kind."""
    if (resource.status_subresource or resource.kind in STATUS_KINDS) and old is not None:
        obj = keep_status_rules(obj, old, subresource)
    elif resource.kind in RESET_STATUS_ON_CREATE and subresource is None:
        obj.pop("status", None)
        if resource.kind == "CustomResourceDefinition":
            establish(obj)
    causes = list(annotation_errors(obj))
    try:
        if resource.kind == "Deployment" and subresource is None:
            default_deployment(obj)
        if resource.kind == "Service":
            default_service(obj, old)
            causes.extend(service_errors(obj, old, store, resource))
    except (AttributeError, KeyError, TypeError, ValueError):
        # The real server refuses a body its Go types cannot decode before any defaulting happens.
        causes.append(("spec", "FieldValueTypeInvalid", "Invalid value: the spec cannot be decoded as a %s spec"
                       % resource.kind))
    if resource.kind in GENERATION_KINDS:
        bump_generation(obj, old)
    return obj, causes


def keep_status_rules(obj, old, subresource):
    if subresource == "status":
        merged = copy.deepcopy(old)
        if obj.get("status") is None:
            merged.pop("status", None)
        else:
            merged["status"] = obj["status"]
        merged["metadata"] = obj["metadata"]
        return merged
    if "status" in old:
        obj["status"] = copy.deepcopy(old["status"])
    else:
        obj.pop("status", None)
    return obj


def establish(crd):
    """What the apiextensions controllers write at once for a CRD whose names are free (no conflicts here)."""
    spec = crd.get("spec") if isinstance(crd.get("spec"), dict) else {}
    stored = [v.get("name") for v in spec.get("versions") or [] if isinstance(v, dict) and v.get("storage")]
    crd["status"] = {"acceptedNames": spec.get("names"), "storedVersions": stored,
                     "conditions": [{"type": "NamesAccepted", "status": "True", "reason": "NoConflicts"},
                                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted"}]}


def bump_generation(obj, old):
    meta = obj["metadata"]
    if old is None:
        meta["generation"] = 1
        return
    before = old["metadata"].get("generation", 1)
    meta["generation"] = before + (1 if obj.get("spec") != old.get("spec") else 0)


def annotation_errors(obj):
    annotations = obj["metadata"].get("annotations")
    if isinstance(annotations, dict):
        size = sum(len(str(k)) + len(str(v)) for k, v in annotations.items())
        if size > ANNOTATIONS_LIMIT:
            yield "metadata.annotations", "FieldValueTooLong", "Too long: must have at most %d bytes" % \
                ANNOTATIONS_LIMIT


def default_deployment(obj):
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {"maxUnavailable": "25%", "maxSurge": "25%"})
    pod = spec.setdefault("template", {}).setdefault("spec", {})
    if isinstance(pod, dict):
        default_pod_spec(pod)


def default_pod_spec(pod):
    for key, value in (("restartPolicy", "Always"), ("dnsPolicy", "ClusterFirst"),
                       ("schedulerName", "default-scheduler"), ("terminationGracePeriodSeconds", 30),
                       ("securityContext", {})):
        pod.setdefault(key, value)
    for container in pod.get("containers") or []:
        if isinstance(container, dict):
            default_container(container)


def default_container(container):
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    image = str(container.get("image", ""))
    untagged = ":" not in image.rsplit("/", 1)[-1] and "@" not in image
    container.setdefault("imagePullPolicy", "Always" if untagged or image.endswith(":latest") else "IfNotPresent")
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")


def default_service(obj, old):
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    old_spec = (old or {}).get("spec") or {}
    if spec["type"] != "ExternalName":
        spec.setdefault("clusterIP", old_spec.get("clusterIP"))
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")


def service_errors(obj, old, store, resource):
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return []
    causes = []
    old_spec = (old or {}).get("spec") or {}
    if old_spec.get("clusterIP") and spec.get("clusterIP") != old_spec["clusterIP"]:
        causes.append(("spec.clusterIP", "FieldValueInvalid",
                       "Invalid value: %s: field is immutable" % json.dumps(spec.get("clusterIP"))))
    others = [s for s in store.items(resource) if not same_object(s, obj)]
    if spec.get("type") != "ExternalName" and not spec.get("clusterIP"):
        spec["clusterIP"] = free_cluster_ip(others)
    if spec.get("clusterIP") and spec["clusterIP"] != "None":
        spec["clusterIPs"] = [spec["clusterIP"]]
    causes.extend(node_port_errors(spec, old_spec, others))
    return causes


def same_object(stored, obj):
    meta, other = stored["metadata"], obj["metadata"]
    return (meta.get("namespace"), meta.get("name")) == (other.get("namespace"), other.get("name"))


def free_cluster_ip(others):
    taken = {(s.get("spec") or {}).get("clusterIP") for s in others}
    for host in SERVICE_CIDR.hosts():
        if str(host) not in taken and host != next(SERVICE_CIDR.hosts()):  # .1 is the kubernetes service
            return str(host)
    return None


def node_port_errors(spec, old_spec, others):
    if spec.get("type") not in ("NodePort", "LoadBalancer"):
        return []
    taken = {p.get("nodePort") for s in others for p in (s.get("spec") or {}).get("ports") or []
             if isinstance(p, dict)}
    previous = {p.get("port"): p.get("nodePort") for p in old_spec.get("ports") or [] if isinstance(p, dict)}
    causes = []
    for index, port in enumerate(spec.get("ports") or []):
        if not isinstance(port, dict):
            continue
        field = "spec.ports[%d].nodePort" % index
        if port.get("nodePort") is None:
            port["nodePort"] = previous.get(port.get("port")) or free_node_port(taken)
        elif not NODE_PORT_RANGE[0] <= port["nodePort"] <= NODE_PORT_RANGE[1]:
            causes.append((field, "FieldValueInvalid", "Invalid value: %d: provided port is not in the valid range."
                           " The range of valid ports is %d-%d" % ((port["nodePort"],) + NODE_PORT_RANGE)))
        elif port["nodePort"] in taken:
            causes.append((field, "FieldValueInvalid", "Invalid value: %d: provided port is already allocated"
                           % port["nodePort"]))
        taken.add(port["nodePort"])
    return causes


def free_node_port(taken):
    for candidate in range(NODE_PORT_RANGE[0], NODE_PORT_RANGE[1] + 1):
        if candidate not in taken:
            return candidate
    return None
