"""The fake Kubernetes API, exercised through the real `kubernetes.dynamic.DynamicClient`."""
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from ansible_collections.calicolab.ccol1.tests.shared_reference import MISSING_REASON, crd_schema_dir

pytestmark = pytest.mark.skipif(crd_schema_dir() is None, reason=MISSING_REASON)

kubernetes = pytest.importorskip("kubernetes")
from kubernetes.dynamic import DynamicClient  # noqa: E402  pylint: disable=wrong-import-position
from kubernetes.dynamic import exceptions as dyn_errors  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.calicolab.ccol1.tests.fake_k8s_api import (  # noqa: E402 pylint: disable=C0413
    FakeKubernetesAPI, KubernetesAPI)
from ansible_collections.calicolab.ccol1.tests.fake_k8s_api import server as fake_server  # noqa: E402 pylint: disable=C0413
from ansible_collections.calicolab.ccol1.tests.fake_k8s_api.schemas import (  # noqa: E402 pylint: disable=C0413
    SchemaFilesMissing, to_json_schema)

SERVER_PY = Path(__file__).resolve().parents[3] / "tests" / "fake_k8s_api" / "server.py"
V3 = "projectcalico.org/v3"


def gnp(name, **spec):
    return {"apiVersion": V3, "kind": "GlobalNetworkPolicy", "metadata": {"name": name},
            "spec": spec or {"selector": "all()", "ingress": [{"action": "Allow"}]}}


@pytest.fixture
def start(tmp_path):
    servers = []

    def _start(mode="native", tiers=True):
        fake = FakeKubernetesAPI(mode=mode, tiers=tiers, schema_dir=crd_schema_dir())
        fake.start()
        servers.append(fake)
        config = kubernetes.client.Configuration()
        config.host = fake.url
        config.api_key = {"authorization": "Bearer fake-token"}
        dyn = DynamicClient(kubernetes.client.ApiClient(config), cache_file=str(tmp_path / ("%s.json" % fake.port)))
        return fake, dyn

    yield _start
    for fake in servers:
        fake.stop()


@pytest.fixture
def native(start):
    return start("native")


def body_of(error):
    return json.loads(error.value.body)


def http(fake, method, path, payload=None):
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(fake.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# --- discovery ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, namespaced", [("GlobalNetworkPolicy", False), ("NetworkPolicy", True),
                                              ("IPPool", False), ("FelixConfiguration", False), ("Tier", False)])
def test_native_mode_discovers_calico_kinds(native, kind, namespaced):
    _fake, dyn = native
    resource = dyn.resources.get(api_version=V3, kind=kind)
    assert resource.namespaced is namespaced and resource.group_version == V3


def test_core_discovery_and_short_names(native):
    _fake, dyn = native
    assert dyn.version["kubernetes"]["gitVersion"].startswith("v1.35")
    namespaces = dyn.resources.get(api_version="v1", kind="Namespace")
    assert namespaces.namespaced is False and "ns" in namespaces.short_names
    assert dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy").short_names == ["gnp", "cgnp"]
    names = sorted(n.metadata.name for n in namespaces.get().items)
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]


def groups_of(fake):
    return {g["name"] for g in http(fake, "GET", "/apis")[1]["groups"]}


def test_each_mode_serves_its_groups(start):
    aggregated, native, crd_only, none = (start(m)[0] for m in ("aggregated", "native", "crd-only", "none"))
    assert {"projectcalico.org", "crd.projectcalico.org", "operator.tigera.io"} <= groups_of(aggregated)
    assert "projectcalico.org" in groups_of(native) and "crd.projectcalico.org" not in groups_of(native)
    assert "crd.projectcalico.org" in groups_of(crd_only) and "projectcalico.org" not in groups_of(crd_only)
    assert not {g for g in groups_of(none) if "calico" in g or "tigera" in g}
    assert http(crd_only, "GET", "/apis/projectcalico.org/v3")[0] == 404


def test_aggregated_mode_lists_the_calico_apiservice(start):
    _fake, dyn = start("aggregated")
    service = dyn.resources.get(api_version="apiregistration.k8s.io/v1", kind="APIService").get(
        name="v3.projectcalico.org")
    assert service.spec.service.name == "calico-api"
    crds = dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition").get()
    names = {c.metadata.name for c in crds.items}
    assert "globalnetworkpolicies.crd.projectcalico.org" in names
    assert "globalnetworkpolicies.projectcalico.org" not in names


def test_native_mode_lists_v3_crds_and_a_local_apiservice(native):
    _fake, dyn = native
    crds = dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition").get()
    names = {c.metadata.name for c in crds.items}
    assert {"globalnetworkpolicies.projectcalico.org", "installations.operator.tigera.io"} <= names
    assert not any(n.endswith(".crd.projectcalico.org") for n in names)
    service = dyn.resources.get(api_version="apiregistration.k8s.io/v1", kind="APIService").get(
        name="v3.projectcalico.org")
    assert service.spec.service is None


def test_crd_only_mode_has_no_v3_kinds(start):
    _fake, dyn = start("crd-only")
    assert dyn.resources.get(api_version="crd.projectcalico.org/v1", kind="IPPool")
    with pytest.raises(dyn_errors.ResourceNotFoundError):
        dyn.resources.get(api_version=V3, kind="IPPool")


def test_tiers_off_has_no_tier_kind_and_no_spec_tier(start):
    _fake, dyn = start("native", tiers=False)
    with pytest.raises(dyn_errors.ResourceNotFoundError):
        dyn.resources.get(api_version=V3, kind="Tier")
    created = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy").create(body=gnp("p"))
    assert "tier" not in created.spec.to_dict()


# --- verbs ----------------------------------------------------------------------------------------------------

def test_create_get_list_replace_patch_delete(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    created = policies.create(body=gnp("allow", selector="app == 'a'", ingress=[{"action": "Allow"}]))
    meta = created.metadata
    assert meta.uid and meta.resourceVersion.isdigit() and meta.creationTimestamp and meta.generation == 1
    assert policies.get(name="allow").spec.selector == "app == 'a'"

    listed = policies.get()
    assert listed.kind == "GlobalNetworkPolicyList" and listed.metadata.resourceVersion
    assert [p.metadata.name for p in listed.items] == ["allow"]

    body = created.to_dict()
    body["spec"]["order"] = 10
    replaced = policies.replace(body=body)
    assert replaced.spec.order == 10 and replaced.metadata.generation == 2
    assert int(replaced.metadata.resourceVersion) > int(meta.resourceVersion)

    merged = policies.patch(name="allow", body={"metadata": {"labels": {"a": "b"}}, "spec": {"order": None}},
                            content_type="application/merge-patch+json")
    assert merged.metadata.labels.a == "b" and "order" not in merged.spec.to_dict()
    patched = policies.patch(name="allow", body=[{"op": "add", "path": "/spec/order", "value": 5}],
                             content_type="application/json-patch+json")
    assert patched.spec.order == 5

    deleted = policies.delete(name="allow")
    assert deleted.metadata.name == "allow"
    with pytest.raises(dyn_errors.NotFoundError) as error:
        policies.get(name="allow")
    assert body_of(error)["reason"] == "NotFound" and body_of(error)["details"]["kind"] == "globalnetworkpolicies"


def test_duplicate_create_is_already_exists(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    policies.create(body=gnp("dup"))
    with pytest.raises(dyn_errors.ConflictError) as error:
        policies.create(body=gnp("dup"))
    assert body_of(error)["reason"] == "AlreadyExists"


def test_stale_resource_version_is_conflict(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    stale = policies.create(body=gnp("c")).to_dict()
    policies.patch(name="c", body={"spec": {"order": 1}}, content_type="application/merge-patch+json")
    with pytest.raises(dyn_errors.ConflictError) as error:
        policies.replace(body=stale)
    assert body_of(error)["reason"] == "Conflict" and body_of(error)["code"] == 409


def test_replace_of_a_custom_resource_needs_a_resource_version(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    policies.create(body=gnp("rv"))
    with pytest.raises(dyn_errors.UnprocessibleEntityError):
        policies.replace(body=gnp("rv"))
    with pytest.raises(dyn_errors.NotFoundError):
        policies.replace(body=dict(gnp("missing"), metadata={"name": "missing", "resourceVersion": "1"}))


def test_strategic_merge_is_refused_for_crds_but_not_for_builtins(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    policies.create(body=gnp("s"))
    with pytest.raises(dyn_errors.DynamicApiError) as error:
        policies.patch(name="s", body={"spec": {"order": 1}})
    assert error.value.status == 415
    configmaps = dyn.resources.get(api_version="v1", kind="ConfigMap")
    configmaps.create(body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}},
                      namespace="default")
    patched = configmaps.patch(name="c", namespace="default", body={"data": {"b": "2"}})
    assert patched.data.to_dict() == {"a": "1", "b": "2"}


def test_server_side_apply_creates_then_merges(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    with pytest.raises(dyn_errors.BadRequestError):
        policies.server_side_apply(body=gnp("ssa"))
    created = policies.server_side_apply(body=gnp("ssa"), field_manager="test")
    assert created.spec.types == ["Ingress"]
    updated = policies.server_side_apply(body=gnp("ssa", order=3, selector="all()"), field_manager="test")
    assert updated.spec.order == 3 and updated.metadata.uid == created.metadata.uid


def test_dry_run_validates_without_storing(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    result = policies.create(body=gnp("dry"), dry_run="All")
    assert result.spec.types == ["Ingress"]
    assert policies.get().items == []
    with pytest.raises(dyn_errors.UnprocessibleEntityError):
        policies.create(body=gnp("dry", order="high"), dry_run="All")


def test_namespaced_create_needs_an_existing_namespace(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="NetworkPolicy")
    with pytest.raises(dyn_errors.NotFoundError) as error:
        policies.create(body={"apiVersion": V3, "kind": "NetworkPolicy", "metadata": {"name": "p"},
                              "spec": {}}, namespace="nowhere")
    assert body_of(error)["message"] == 'namespaces "nowhere" not found'
    created = policies.create(body={"apiVersion": V3, "kind": "NetworkPolicy", "metadata": {"name": "p"},
                                    "spec": {"egress": [{"action": "Allow"}]}}, namespace="default")
    assert created.metadata.namespace == "default" and created.spec.types == ["Egress"]


def test_selectors_filter_lists(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    for name, team in (("a", "red"), ("b", "blue"), ("c", None)):
        body = gnp(name)
        if team:
            body["metadata"]["labels"] = {"team": team}
        policies.create(body=body)

    def names(**selectors):
        return [p.metadata.name for p in policies.get(**selectors).items]
    assert names(label_selector="team=red") == ["a"]
    assert names(label_selector="team in (red,blue)") == ["a", "b"]
    assert names(label_selector="!team") == ["c"]
    assert names(label_selector="team,team!=red") == ["b"]
    assert names(field_selector="metadata.name=c") == ["c"]


# --- validation and Calico defaults ---------------------------------------------------------------------------

def test_schema_violation_is_invalid_with_a_cause_per_field(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    with pytest.raises(dyn_errors.UnprocessibleEntityError) as error:
        policies.create(body=gnp("bad", order="high", ingress=[{"action": "allow"}]))
    status = body_of(error)
    assert status["reason"] == "Invalid" and status["details"]["kind"] == "GlobalNetworkPolicy"
    assert {c["field"] for c in status["details"]["causes"]} == {"spec.order", "spec.ingress[0].action"}
    assert 'GlobalNetworkPolicy.projectcalico.org "bad" is invalid' in status["message"]


def test_unknown_fields_are_pruned_with_a_warning_or_refused_when_strict(native):
    fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    with pytest.raises(dyn_errors.BadRequestError) as error:
        policies.create(body=gnp("u", selector="all()", colour="red"),
                        query_params=[("fieldValidation", "Strict")])
    assert 'unknown field "spec.colour"' in body_of(error)["message"]
    created = policies.create(body=gnp("u", selector="all()", colour="red"))
    assert "colour" not in created.spec.to_dict()
    request = urllib.request.Request(fake.url + "/apis/projectcalico.org/v3/globalnetworkpolicies", method="POST",
                                     data=json.dumps(gnp("w", colour="red")).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        assert 'unknown field \\"spec.colour\\"' in response.headers["Warning"]


def test_gnp_predna_rules_are_enforced(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    with pytest.raises(dyn_errors.UnprocessibleEntityError) as error:
        policies.create(body=gnp("pre", preDNAT=True, ingress=[{"action": "Allow"}]))
    assert "applyOnForward" in body_of(error)["message"]
    assert policies.create(body=gnp("pre", preDNAT=True, applyOnForward=True, ingress=[{"action": "Allow"}]))


def test_policy_types_and_tier_defaults(start):
    _fake, dyn = start("aggregated")
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    both = policies.create(body=gnp("both", ingress=[{"action": "Allow"}], egress=[{"action": "Allow"}]))
    assert both.spec.types == ["Ingress", "Egress"] and both.spec.tier == "default"
    assert both.metadata.labels["projectcalico.org/tier"] == "default"
    assert policies.create(body=gnp("empty", selector="all()")).spec.types == ["Ingress"]
    explicit = policies.create(body=gnp("explicit", types=["Egress"], selector="all()"))
    assert explicit.spec.types == ["Egress"]


def test_ippool_defaults_and_rules(native):
    _fake, dyn = native
    pools = dyn.resources.get(api_version=V3, kind="IPPool")
    v4 = pools.create(body={"apiVersion": V3, "kind": "IPPool", "metadata": {"name": "v4"},
                            "spec": {"cidr": "10.48.0.0/16"}}).spec
    assert (v4.blockSize, v4.ipipMode, v4.vxlanMode, v4.nodeSelector) == (26, "Never", "Never", "all()")
    assert v4.allowedUses == ["Workload", "Tunnel"] and v4.assignmentMode == "Automatic"
    v6 = pools.create(body={"apiVersion": V3, "kind": "IPPool", "metadata": {"name": "v6"},
                            "spec": {"cidr": "fd00:10:48:0:0::/64"}}).spec
    assert v6.blockSize == 122 and v6.cidr == "fd00:10:48::/64"
    with pytest.raises(dyn_errors.UnprocessibleEntityError):
        pools.create(body={"apiVersion": V3, "kind": "IPPool", "metadata": {"name": "both"},
                           "spec": {"cidr": "10.50.0.0/16", "ipipMode": "Always", "vxlanMode": "Always"}})
    with pytest.raises(dyn_errors.UnprocessibleEntityError):
        pools.patch(name="v4", body={"spec": {"blockSize": 24}}, content_type="application/merge-patch+json")


def test_kube_controllers_configuration_defaults(native):
    _fake, dyn = native
    kcc = dyn.resources.get(api_version=V3, kind="KubeControllersConfiguration")
    created = kcc.create(body={"apiVersion": V3, "kind": "KubeControllersConfiguration",
                               "metadata": {"name": "default"}, "spec": {"controllers": {"node": {}}}})
    assert created.spec.prometheusMetricsPort == 9094
    assert created.spec.controllers.node.leakGracePeriod == "15m"


# --- test hooks and the CLI -----------------------------------------------------------------------------------

def test_request_log_counts_requests(native):
    fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    fake.clear_requests()
    policies.create(body=gnp("logged"))
    policies.get(name="logged")
    log = http(fake, "GET", "/_fake/requests")[1]["items"]
    assert [(r["method"], r["status"]) for r in log] == [("POST", 201), ("GET", 200)]
    assert log[0]["path"] == "/apis/projectcalico.org/v3/globalnetworkpolicies"
    assert log[0]["content_type"] == "application/json"
    assert http(fake, "DELETE", "/_fake/requests")[0] == 200 and fake.requests == []


def test_fault_injection_fires_the_given_number_of_times(native):
    fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    policies.create(body=gnp("f"))
    fault = {"method": "PATCH", "path_prefix": "/apis/projectcalico.org", "status": 409, "reason": "Conflict",
             "times": 1}
    assert http(fake, "POST", "/_fake/faults", fault)[0] == 201
    with pytest.raises(dyn_errors.ConflictError):
        policies.patch(name="f", body={"spec": {"order": 1}}, content_type="application/merge-patch+json")
    assert policies.patch(name="f", body={"spec": {"order": 1}},
                          content_type="application/merge-patch+json").spec.order == 1


def test_seeded_objects_skip_validation_and_are_dumped(native):
    fake, dyn = native
    status, seeded = http(fake, "POST", "/_fake/objects", gnp("seeded", order="not-a-number"))
    assert status == 201 and seeded["items"][0]["metadata"]["resourceVersion"]
    assert dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy").get(name="seeded").spec.order == \
        "not-a-number"
    tier_default = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy").get(name="seeded").spec.tier
    assert tier_default == "default"  # CRD storage applies schema defaults on read as well
    dumped = http(fake, "GET", "/_fake/objects")[1]["items"]
    assert any(o["metadata"]["name"] == "seeded" for o in dumped)


def test_cli_writes_files_and_stops_on_sigterm(tmp_path):
    files = {k: tmp_path / k for k in ("port", "kubeconfig", "pid")}
    process = subprocess.Popen([sys.executable, str(SERVER_PY), "--mode", "native", "--port", "0",
                                "--port-file", str(files["port"]), "--kubeconfig", str(files["kubeconfig"]),
                                "--pid-file", str(files["pid"]), "--schema-dir", str(crd_schema_dir())],
                               env=dict(os.environ, PYTHONPATH=""), stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 30
        while not files["port"].exists() and process.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        assert files["port"].exists(), process.stderr.read()
        port = int(files["port"].read_text())
        config = yaml.safe_load(files["kubeconfig"].read_text())
        assert config["current-context"] == "fake"
        assert config["clusters"][0]["cluster"]["server"] == "http://127.0.0.1:%d" % port
        assert config["users"][0]["user"]["token"]
        assert int(files["pid"].read_text()) == process.pid
        with urllib.request.urlopen("http://127.0.0.1:%d/apis/projectcalico.org/v3" % port) as response:
            assert json.loads(response.read())["groupVersion"] == V3
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_missing_schema_dir_fails_loudly(tmp_path):
    with pytest.raises(RuntimeError, match="not found"):
        FakeKubernetesAPI(schema_dir=tmp_path / "absent")


def test_status_subresource_is_separate_from_the_main_resource(native):
    _fake, dyn = native
    pools = dyn.resources.get(api_version=V3, kind="IPPool")
    assert dyn.resources.get(api_version=V3, kind="IPPool").subresources["status"]
    created = pools.create(body={"apiVersion": V3, "kind": "IPPool", "metadata": {"name": "p"},
                                 "spec": {"cidr": "10.1.0.0/16"}, "status": {"conditions": []}})
    assert "status" not in created.to_dict()
    condition = {"type": "Allocatable", "status": "True", "reason": "Ok", "message": "",
                 "lastTransitionTime": "2026-01-01T00:00:00Z"}
    updated = pools.status.patch(name="p", body={"status": {"conditions": [condition]}},
                                 content_type="application/merge-patch+json")
    assert updated.status.conditions[0].type == "Allocatable" and updated.metadata.generation == 1
    again = pools.patch(name="p", body={"status": None, "spec": {"natOutgoing": True}},
                        content_type="application/merge-patch+json")
    assert again.status.conditions[0].type == "Allocatable" and again.metadata.generation == 2


def test_generate_name_builtin_delete_and_namespace_cascade(native):
    fake, dyn = native
    namespaces = dyn.resources.get(api_version="v1", kind="Namespace")
    created = namespaces.create(body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"generateName": "t-"}})
    name = created.metadata.name
    assert name.startswith("t-") and len(name) == 7 and created.status.phase == "Active"
    dyn.resources.get(api_version=V3, kind="NetworkPolicy").create(
        body={"apiVersion": V3, "kind": "NetworkPolicy", "metadata": {"name": "p"}, "spec": {}}, namespace=name)
    assert namespaces.delete(name=name).status.phase == "Terminating"
    assert not [o for o in fake.objects() if o["metadata"].get("namespace") == name]
    configmaps = dyn.resources.get(api_version="v1", kind="ConfigMap")
    configmaps.create(body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}, namespace="default")
    status = configmaps.delete(name="c", namespace="default")
    assert status.kind == "Status" and status.status == "Success"
    assert http(fake, "GET", "/apis/projectcalico.org")[1]["preferredVersion"]["version"] == "v3"


def test_python_m_entry_point_prints_help():
    holder = str(Path(__file__).resolve().parents[6])
    result = subprocess.run([sys.executable, "-m", "ansible_collections.calicolab.ccol1.tests.fake_k8s_api", "--help"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False, text=True,
                            env=dict(os.environ, PYTHONPATH=holder))
    assert result.returncode == 0 and "--kubeconfig" in result.stdout


def test_unchanged_writes_keep_the_resource_version_and_managed_fields(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    created = policies.create(body=gnp("same"))
    assert [(m.manager, m.operation) for m in created.metadata.managedFields] == [("OpenAPI-Generator", "Update")]
    body = created.to_dict()
    del body["metadata"]["managedFields"]
    replaced = policies.replace(body=body)
    assert replaced.metadata.resourceVersion == created.metadata.resourceVersion
    assert replaced.metadata.managedFields == created.metadata.managedFields
    patched = policies.patch(name="same", body={"spec": {"selector": "all()"}},
                             content_type="application/merge-patch+json")
    assert patched.metadata.resourceVersion == created.metadata.resourceVersion
    applied = policies.server_side_apply(body=gnp("same", order=2, selector="all()"), field_manager="ccol1")
    assert ("ccol1", "Apply") in [(m.manager, m.operation) for m in applied.metadata.managedFields]


def test_aggregated_server_reencodes_numbers_and_checks_protocols(start):
    _fake, dyn = start("aggregated")
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    rule = {"action": "Allow", "protocol": "6", "destination": {"ports": ["80", "1000:2000", "http"]}}
    created = policies.create(body=gnp("ports", selector="all()", ingress=[rule]))
    assert created.spec.ingress[0].protocol == 6
    assert created.spec.ingress[0].destination.ports == [80, "1000:2000", "http"]
    with pytest.raises(dyn_errors.UnprocessibleEntityError) as error:
        policies.create(body=gnp("lower", selector="all()", ingress=[{"action": "Allow", "protocol": "tcp"}]))
    assert body_of(error)["details"]["causes"][0]["field"] == "spec.ingress[0].protocol"
    peers = dyn.resources.get(api_version=V3, kind="BGPPeer")
    peer = peers.create(body={"apiVersion": V3, "kind": "BGPPeer", "metadata": {"name": "p"},
                              "spec": {"peerIP": "198.19.0.1", "asNumber": "1.10"}})
    assert peer.spec.asNumber == 65546


def test_native_crds_keep_strings_as_sent(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    rule = {"action": "Allow", "protocol": "TCP", "destination": {"ports": ["80"]}}
    assert policies.create(body=gnp("s", selector="all()", ingress=[rule])).spec.ingress[0].destination.ports == \
        ["80"]


@pytest.mark.parametrize("mode", ["aggregated", "native", "crd-only"])
def test_every_schema_pattern_compiles_in_python(mode):
    # Upstream patterns are Go RE2 (`^(?i)(Info|Debug)?$`); the fake must translate them, not crash on them.
    def patterns(schema):
        if isinstance(schema, dict):
            if isinstance(schema.get("pattern"), str):
                yield schema["pattern"]
            for value in schema.values():
                yield from patterns(value)
        elif isinstance(schema, list):
            for value in schema:
                yield from patterns(value)
    api = KubernetesAPI(mode, schema_dir=crd_schema_dir())
    for resource in api.catalog:
        for pattern in patterns(to_json_schema(resource.schema)):
            re.compile(pattern)


def test_case_insensitive_patterns_match_like_go(start):
    _fake, dyn = start("crd-only")
    felix = dyn.resources.get(api_version="crd.projectcalico.org/v1", kind="FelixConfiguration")
    created = felix.create(body={"apiVersion": "crd.projectcalico.org/v1", "kind": "FelixConfiguration",
                                 "metadata": {"name": "default"}, "spec": {"logSeverityScreen": "info"}})
    assert created.spec.logSeverityScreen == "info"


def random_value(rng, depth=0):
    scalars = [None, 1, -5, 2.5, True, "", "80", "1.10", "10.0.0.0/8", "fd00::/64", "tcp", "Always", "all()"]
    keys = ["spec", "ingress", "egress", "action", "protocol", "ports", "destination", "cidr", "blockSize",
            "ipipMode", "types", "preDNAT", "controllers", "node", "asNumber", "labels", "name", "status", "tier"]
    roll = rng.random()
    if depth > 3 or roll < 0.3:
        return rng.choice(scalars)
    if roll < 0.6:
        return [random_value(rng, depth + 1) for dummy in range(rng.randint(0, 3))]
    return {rng.choice(keys): random_value(rng, depth + 1) for dummy in range(rng.randint(0, 4))}


@pytest.mark.parametrize("mode", ["aggregated", "native"])
def test_malformed_requests_never_get_a_server_error(mode):
    """Any body or patch answers 2xx or a 4xx Status, never a crash of the fake itself."""
    rng = random.Random(7)
    api = KubernetesAPI(mode, schema_dir=crd_schema_dir())
    patch_types = ["application/merge-patch+json", "application/json-patch+json", "application/apply-patch+yaml",
                   "application/strategic-merge-patch+json"]
    for dummy in range(800):
        resource = rng.choice(api.catalog)
        path = "/".join(filter(None, ["/api" if not resource.group else "/apis", resource.group, resource.version,
                                      "namespaces/default" if resource.namespaced else "", resource.plural]))
        body = {"apiVersion": resource.group_version, "kind": resource.kind, "metadata": {"name": "a"},
                "spec": random_value(rng)}
        method = rng.choice(["POST", "PUT", "PATCH", "PATCH", "DELETE", "GET"])
        content_type = rng.choice(patch_types) if method == "PATCH" else "application/json"
        if content_type == "application/json-patch+json":
            body = [{"op": rng.choice(["add", "remove", "replace", "test", "move"]), "from": "/spec",
                     "path": rng.choice(["", "/spec", "/spec/x/y", "/metadata/name"]), "value": random_value(rng)}]
        if method != "POST":
            path += rng.choice(["/a", "/a/status"])
        query = rng.choice(["", "?dryRun=All", "?fieldValidation=Strict", "?fieldManager=m"])
        status, result, _headers = api.dispatch(method, path + query, content_type, json.dumps(body).encode())
        assert status < 500, (method, path, body, result)


def test_a_patch_carrying_a_stale_resource_version_is_a_conflict(native):
    _fake, dyn = native
    policies = dyn.resources.get(api_version=V3, kind="GlobalNetworkPolicy")
    created = policies.create(body=gnp("pre"))
    stale = created.metadata.resourceVersion
    policies.patch(name="pre", body={"spec": {"order": 1}}, content_type="application/merge-patch+json")
    with pytest.raises(dyn_errors.ConflictError):
        policies.patch(name="pre", body={"metadata": {"resourceVersion": stale}, "spec": {"order": 2}},
                       content_type="application/merge-patch+json")
    unconditional = policies.patch(name="pre", body={"metadata": {"resourceVersion": None}, "spec": {"order": 3}},
                                   content_type="application/merge-patch+json")
    assert unconditional.spec.order == 3


# --- Calico's release, Go serialisation and server defaults --------------------------------------------------

def calico_api(mode, version="v3.32.1"):
    return KubernetesAPI(mode, tiers=version != "v3.21.6", schema_dir=crd_schema_dir(), calico_version=version)


def call(api, method, path, payload=None):
    status, body, _headers = api.dispatch(method, path, "application/json",
                                          None if payload is None else json.dumps(payload).encode())
    return status, body


@pytest.mark.parametrize("mode, version", [("aggregated", "v3.21.6"), ("aggregated", "v3.32.1"),
                                           ("native", "v3.32.1")])
def test_cluster_information_reports_the_release(mode, version):
    status, info = call(calico_api(mode, version), "GET", "/apis/projectcalico.org/v3/clusterinformations/default")
    assert status == 200 and info["spec"]["calicoVersion"] == version and info["spec"]["datastoreReady"] is True


def test_native_v3_crds_need_v3_32():
    with pytest.raises(ValueError, match="v3.32"):
        calico_api("native", "v3.21.6")


FELIX_PATH = "/apis/projectcalico.org/v3/felixconfigurations"


def felix_body(**spec):
    return {"apiVersion": V3, "kind": "FelixConfiguration", "metadata": {"name": "default"}, "spec": spec}


@pytest.mark.parametrize("mode, version", [("aggregated", "v3.21.6"), ("aggregated", "v3.32.1"),
                                           ("native", "v3.32.1")])
def test_felix_configuration_reads_back_as_go_serialises_it(mode, version):
    api = calico_api(mode, version)
    status, created = call(api, "POST", FELIX_PATH, felix_body(
        wireguardEnabled=True, failsafeInboundHostPorts=[{"protocol": "TCP", "port": 22}]))
    assert status == 201, created
    status, read = call(api, "GET", FELIX_PATH + "/default")
    for obj in (created, read):
        assert obj["spec"]["bpfLogLevel"] == ""  # no omitempty on the Go field
        entry = obj["spec"]["failsafeInboundHostPorts"][0]
        assert entry == ({"protocol": "TCP", "port": 22, "net": ""} if version == "v3.21.6" else
                         {"protocol": "TCP", "port": 22})


def test_a_seeded_felix_configuration_is_go_serialised_too():
    api = calico_api("native")
    api.seed(felix_body(reportingInterval="0s"))
    assert call(api, "GET", FELIX_PATH + "/default")[1]["spec"]["bpfLogLevel"] == ""


@pytest.mark.parametrize("mode, version, expected", [
    # The fake keeps the v3.32.1 CRD schemas for v3.21.6 too, so the CRD's nftablesMode default shows there as well.
    ("aggregated", "v3.21.6", {"floatingIPs": "Disabled", "nftablesMode": "Auto"}),
    ("aggregated", "v3.32.1", {"floatingIPs": "Disabled", "bpfConnectTimeLoadBalancing": "TCP",
                               "bpfHostNetworkedNATWithoutCTLB": "Enabled", "nftablesMode": "Auto"}),
    ("native", "v3.32.1", {"nftablesMode": "Auto"}),  # no clientv3 in the write path, only the CRD default
])
def test_felix_configuration_server_defaults(mode, version, expected):
    api = calico_api(mode, version)
    call(api, "POST", FELIX_PATH, felix_body(wireguardEnabled=True))
    spec = call(api, "GET", FELIX_PATH + "/default")[1]["spec"]
    defaults = dict((k, v) for k, v in spec.items() if k not in ("wireguardEnabled", "bpfLogLevel"))
    assert defaults == expected


def test_the_deprecated_connect_time_lb_boolean_overrides_the_new_fields():
    api = calico_api("aggregated")
    call(api, "POST", FELIX_PATH, felix_body(bpfConnectTimeLoadBalancingEnabled=False,
                                             bpfConnectTimeLoadBalancing="TCP"))
    spec = call(api, "GET", FELIX_PATH + "/default")[1]["spec"]
    assert spec["bpfConnectTimeLoadBalancing"] == "Disabled" and spec["bpfHostNetworkedNATWithoutCTLB"] == "Disabled"


@pytest.mark.parametrize("mode, spec, types", [
    ("native", {"egress": []}, ["Egress"]),  # has(object.spec.egress)
    ("native", {"ingress": [{"action": "Allow"}], "egress": []}, ["Ingress", "Egress"]),
    ("aggregated", {"egress": []}, ["Ingress"]),  # clientv3: len(egress) == 0
    ("native", {"types": ["Ingress"], "egress": [{"action": "Allow"}]}, ["Ingress"]),
])
def test_policy_types_defaulting_per_write_path(mode, spec, types):
    api = calico_api(mode)
    status, created = call(api, "POST", "/apis/projectcalico.org/v3/globalnetworkpolicies", gnp("p", **spec))
    assert status == 201, created
    assert created["spec"]["types"] == types


@pytest.mark.parametrize("mode", ["aggregated", "native"])
def test_policies_are_labelled_with_their_tier(mode):
    status, created = call(calico_api(mode), "POST", "/apis/projectcalico.org/v3/globalnetworkpolicies", gnp("p"))
    assert created["metadata"]["labels"]["projectcalico.org/tier"] == "default"


def test_staged_policies_default_their_staged_action():
    status, created = call(calico_api("native"), "POST", "/apis/projectcalico.org/v3/stagedglobalnetworkpolicies",
                           dict(gnp("p"), kind="StagedGlobalNetworkPolicy"))
    assert status == 201 and created["spec"]["stagedAction"] == "Set"


@pytest.mark.parametrize("mode", ["aggregated", "native"])
def test_a_missing_object_is_not_found_naming_it_and_a_missing_path_names_nothing(mode):
    api = calico_api(mode)
    for method in ("GET", "DELETE"):
        status, body = call(api, method, "/apis/projectcalico.org/v3/globalnetworkpolicies/nope")
        assert status == 404 and body["reason"] == "NotFound"
        assert body["details"] == {"name": "nope", "group": "projectcalico.org", "kind": "globalnetworkpolicies"}
        assert body["message"] == 'globalnetworkpolicies.projectcalico.org "nope" not found'
    status, body = call(api, "GET", "/apis/projectcalico.org/v3/nothings/nope")
    assert status == 404 and body["reason"] == "NotFound" and not body.get("details", {}).get("name")


def test_missing_schema_folder_says_where_it_looked_and_how_to_point_elsewhere(monkeypatch, tmp_path):
    not_shared = tmp_path / "nowhere"
    monkeypatch.setenv("CCOL1_SHARED", str(not_shared))
    monkeypatch.setattr(fake_server, "_shared_reference", lambda: _NoSharedFolder(str(not_shared)))
    with pytest.raises(SchemaFilesMissing) as caught:
        fake_server.default_schema_dir()
    message = str(caught.value)
    assert str(not_shared) in message
    assert "CCOL1_SHARED" in message and "--schema-dir" in message


class _NoSharedFolder:
    """shared_reference as it answers on a machine without the shared folder."""

    def __init__(self, place):
        self.place = place

    def crd_schema_dir(self):
        return None

    def searched_places(self):
        return ["$CCOL1_SHARED=" + self.place]
