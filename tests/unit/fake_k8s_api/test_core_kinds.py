"""The fake API's built-in kinds for the lab roles (core_kinds.py) and its operator schemas per version."""
import json

import pytest
import yaml

from ansible_collections.calicolab.ccol1.tests.shared_reference import MISSING_REASON, crd_schema_dir

pytestmark = pytest.mark.skipif(crd_schema_dir() is None, reason=MISSING_REASON)

from ansible_collections.calicolab.ccol1.tests.fake_k8s_api import KubernetesAPI  # noqa: E402 pylint: disable=C0413

APPLY = "application/apply-patch+yaml"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
SERVICES = "/api/v1/namespaces/default/services"


def call(api, method, path, body=None, content_type="application/json"):
    data = b"" if body is None else (yaml.safe_dump(body) if content_type == APPLY else json.dumps(body)).encode()
    status, result, _headers = api.dispatch(method, path, content_type, data)
    return status, result


def deployment(replicas=None, image="calico/yaobank-customer:multiarch"):
    spec = {"selector": {"matchLabels": {"app": "x"}},
            "template": {"metadata": {"labels": {"app": "x"}},
                         "spec": {"containers": [{"name": "x", "image": image, "ports": [{"containerPort": 80}]}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": spec}


def node_port_service(name, node_port):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": "NodePort", "selector": {"app": name}, "ports": [{"port": 80, "nodePort": node_port}]}}


@pytest.fixture(name="api")
def api_fixture():
    return KubernetesAPI("native", schema_dir=crd_schema_dir())


def test_apply_creates_defaults_and_a_second_identical_apply_writes_nothing(api):
    status, created = call(api, "PATCH", DEPLOYMENTS + "/x?fieldManager=t", deployment(), APPLY)
    assert status == 201
    assert created["metadata"]["generation"] == 1
    assert created["spec"]["replicas"] == 1
    assert created["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": "25%", "maxSurge": "25%"}
    container = created["spec"]["template"]["spec"]["containers"][0]
    assert (container["imagePullPolicy"], container["ports"][0]["protocol"]) == ("IfNotPresent", "TCP")
    revision = api.store.revision
    status, again = call(api, "PATCH", DEPLOYMENTS + "/x?fieldManager=t", deployment(), APPLY)
    assert status == 200
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert api.store.revision == revision


def test_untagged_image_is_pulled_always(api):
    _status, created = call(api, "POST", DEPLOYMENTS, deployment(image="nginx"))
    assert created["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "Always"


def test_spec_change_bumps_generation_and_status_survives_main_writes(api):
    call(api, "PATCH", DEPLOYMENTS + "/x?fieldManager=t", deployment(1), APPLY)
    status_patch = {"status": {"observedGeneration": 1, "replicas": 1}}
    status, _patched = call(api, "PATCH", DEPLOYMENTS + "/x/status", status_patch, "application/merge-patch+json")
    assert status == 200
    _status, scaled = call(api, "PATCH", DEPLOYMENTS + "/x?fieldManager=t", deployment(3), APPLY)
    assert scaled["metadata"]["generation"] == 2
    assert scaled["status"] == {"observedGeneration": 1, "replicas": 1}


def test_status_sent_to_the_main_resource_is_ignored(api):
    body = deployment()
    body["status"] = {"availableReplicas": 5}
    _status, created = call(api, "POST", DEPLOYMENTS, body)
    assert "status" not in created


def test_services_get_a_cluster_ip_and_node_ports_are_checked(api):
    status, customer = call(api, "POST", SERVICES, node_port_service("customer", 30180))
    assert status == 201
    assert customer["spec"]["clusterIP"].startswith("198.19.3")
    assert customer["spec"]["ports"][0]["targetPort"] == 80
    status, taken = call(api, "POST", SERVICES, node_port_service("other", 30180))
    assert status == 422 and "provided port is already allocated" in taken["message"]
    status, outside = call(api, "POST", SERVICES, node_port_service("far", 8080))
    assert status == 422 and "valid range" in outside["message"]
    _status, again = call(api, "PATCH", SERVICES + "/customer?fieldManager=t", node_port_service("customer", 30180),
                          APPLY)
    assert again["metadata"]["resourceVersion"] == customer["metadata"]["resourceVersion"]


def test_an_annotation_over_262144_bytes_is_refused(api):
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "big.example.com", "annotations": {"a": "x" * 262144}},
           "spec": {"group": "example.com", "names": {"kind": "Big", "plural": "big"}, "scope": "Cluster",
                    "versions": [{"name": "v1", "served": True, "storage": True}]}}
    status, refused = call(api, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    assert status == 422
    assert refused["details"]["causes"][0]["field"] == "metadata.annotations"
    crd["metadata"]["annotations"] = {"a": "x"}
    status, created = call(api, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    assert status == 201
    assert {"type": "Established", "status": "True", "reason": "InitialNamesAccepted"} in \
        created["status"]["conditions"]


def test_applying_a_crd_with_an_empty_status_keeps_it_established(api):
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/installations.operator.tigera.io"
    _status, seeded = call(api, "GET", path)
    body = dict(seeded, status={"conditions": [], "storedVersions": []})
    for key in ("resourceVersion", "uid", "creationTimestamp", "managedFields"):
        body["metadata"].pop(key, None)
    _status, applied = call(api, "PATCH", path + "?fieldManager=t", body, APPLY)
    assert {"type": "Established", "status": "True"} in applied["status"]["conditions"]


def test_rbac_kinds_are_served(api):
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"},
            "rules": []}
    status, _created = call(api, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", role)
    assert status == 201


@pytest.mark.parametrize("version, accepted", [("v3.32.1", True), ("v3.21.6", False)])
def test_operator_schema_follows_the_chosen_version(monkeypatch, version, accepted):
    """`calicoNetwork.kubeProxyManagement` exists in the v3.32.1 Installation CRD only: v3.21.6 prunes it."""
    monkeypatch.setenv("FAKE_K8S_OPERATOR_VERSION", version)
    api = KubernetesAPI("native", schema_dir=crd_schema_dir())
    body = {"apiVersion": "operator.tigera.io/v1", "kind": "Installation", "metadata": {"name": "default"},
            "spec": {"calicoNetwork": {"kubeProxyManagement": "Disabled"}}}
    status, created = call(api, "POST", "/apis/operator.tigera.io/v1/installations", body)
    assert status == 201
    assert ("kubeProxyManagement" in created["spec"]["calicoNetwork"]) is accepted


def test_an_unknown_operator_version_is_refused(monkeypatch):
    monkeypatch.setenv("FAKE_K8S_OPERATOR_VERSION", "v9.9.9")
    with pytest.raises(ValueError, match="FAKE_K8S_OPERATOR_VERSION"):
        KubernetesAPI("native", schema_dir=crd_schema_dir())
