# -*- coding: utf-8 -*-
"""The apply/diff engine against a stub client: merge semantics, change detection, unset patches, 409 retries."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico import resource as engine
from ansible_collections.calicolab.ccol1.plugins.module_utils._k8s.client import (
    CalicoApiError,
    detect_api_kind,
    format_status_error,
    unavailable_message,
    is_object_not_found,
)


class StubClient:
    """Stores objects by (kind, namespace, name), counts calls, and raises queued errors per verb."""

    def __init__(self, objects=(), faults=None):
        self.store = {}
        self.calls = []
        self.faults = dict(faults or {})
        self.revision = 10
        for obj in objects:
            self._put(copy.deepcopy(obj))

    def _key(self, kind, namespace, name):
        return (kind, namespace, name)

    def _put(self, obj):
        self.revision += 1
        meta = obj.setdefault("metadata", {})
        meta["resourceVersion"] = str(self.revision)
        meta.setdefault("uid", "uid-%s" % meta["name"])
        self.store[self._key(obj["kind"], meta.get("namespace"), meta["name"])] = obj
        return copy.deepcopy(obj)

    def _fault(self, verb):
        queue = self.faults.get(verb)
        if queue:
            raise queue.pop(0)

    def get(self, kind, name, namespace=None):
        self.calls.append("GET")
        obj = self.store.get(self._key(kind, namespace, name))
        return copy.deepcopy(obj) if obj else None

    def create(self, kind, body):
        self.calls.append("POST")
        self._fault("POST")
        return self._put(copy.deepcopy(body))

    def patch(self, kind, name, namespace, patch):
        self.calls.append("PATCH")
        self.last_patch = copy.deepcopy(patch)
        self._fault("PATCH")
        live = self.store[self._key(kind, namespace, name)]
        wanted = patch.get("metadata", {}).get("resourceVersion")
        if wanted and wanted != live["metadata"]["resourceVersion"]:
            raise CalicoApiError("conflict", status=409)
        return self._put(engine.merge_patch(live, patch))

    def replace(self, kind, body):
        self.calls.append("PUT")
        self._fault("PUT")
        return self._put(copy.deepcopy(body))

    def delete(self, kind, name, namespace=None):
        self.calls.append("DELETE")
        self._fault("DELETE")
        return self.store.pop(self._key(kind, namespace, name))

    @property
    def writes(self):
        return [call for call in self.calls if call != "GET"]


def gnp(name="allow-dns", **spec):
    return {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": name},
            "spec": spec}


def felix(**spec):
    return {"apiVersion": "projectcalico.org/v3", "kind": "FelixConfiguration", "metadata": {"name": "default"},
            "spec": spec}


# ------------------------------------------------------------------ merge-patch helpers

@pytest.mark.parametrize("target, patch, expected", [
    ({"a": 1}, {"b": 2}, {"a": 1, "b": 2}),
    ({"a": 1, "b": 2}, {"a": None}, {"b": 2}),
    ({"a": {"x": 1, "y": 2}}, {"a": {"y": None, "z": 3}}, {"a": {"x": 1, "z": 3}}),
    ({"a": [1, 2]}, {"a": [3]}, {"a": [3]}),
    ({"a": {"x": 1}}, {"a": 5}, {"a": 5}),
    ({}, {"a": {"b": None}}, {"a": {}}),
    ({"a": 1}, {}, {"a": 1}),
], ids=["add", "delete", "nested", "list-replaces", "scalar-over-dict", "null-in-new", "empty-patch"])
def test_merge_patch(target, patch, expected):
    assert engine.merge_patch(target, patch) == expected


@pytest.mark.parametrize("before, after, expected", [
    ({"a": 1}, {"a": 1}, {}),
    ({"a": 1}, {"a": 2}, {"a": 2}),
    ({"a": 1, "b": 1}, {"a": 1}, {"b": None}),
    ({"s": {"x": 1, "y": 1}}, {"s": {"x": 1, "y": 2}}, {"s": {"y": 2}}),
    ({"s": [1]}, {"s": [1, 2]}, {"s": [1, 2]}),
])
def test_make_merge_patch_round_trips(before, after, expected):
    patch = engine.make_merge_patch(before, after)
    assert patch == expected
    assert engine.merge_patch(before, patch) == after


def test_unset_patch_and_remove_paths():
    paths = [["spec", "wireguardEnabled"], ["spec", "bpfEnabled"]]
    assert engine.unset_patch(paths) == {"spec": {"wireguardEnabled": None, "bpfEnabled": None}}
    obj = felix(wireguardEnabled=True, bpfEnabled=True, logSeverityScreen="Info")
    assert engine.remove_paths(obj, paths)["spec"] == {"logSeverityScreen": "Info"}
    assert engine.remove_paths(obj, [["spec", "missing"], ["nope", "x"]]) == obj


# ------------------------------------------------------------------ apply: create, unchanged, change

def test_create_then_unchanged_costs_one_get():
    client = StubClient()
    request = gnp(selector="all()", ingress=[{"action": "Allow", "protocol": "TCP",
                                              "destination": {"ports": [80]}}])
    first = engine.apply_request(client, request)
    assert first["changed"] and first["method"] == "created"
    assert client.calls == ["GET", "POST"]
    client.calls[:] = []
    second = engine.apply_request(client, request)
    assert not second["changed"] and second["method"] == "none"
    assert client.calls == ["GET"]
    assert second["diff"]["before"] == second["diff"]["after"]


def test_defaults_and_canonical_forms_do_not_count_as_change():
    # What Calico stores after defaulting: types filled, the port as an integer.
    stored = gnp(selector="all()", types=["Ingress"],
                 ingress=[{"action": "Allow", "protocol": "TCP", "destination": {"ports": [80]}}])
    client = StubClient([stored])
    request = gnp(selector="all()", ingress=[{"action": "Allow", "protocol": "TCP",
                                              "destination": {"ports": ["80"]}}])
    result = engine.apply_request(client, request)
    assert not result["changed"], result["diff"]
    assert client.writes == []


def test_merge_keeps_fields_not_given_and_patches_only_the_change():
    client = StubClient([felix(logSeverityScreen="Info", reportingInterval="0s")])
    result = engine.apply_request(client, felix(wireguardEnabled=True))
    assert result["changed"] and result["method"] == "patched"
    assert client.last_patch["spec"] == {"wireguardEnabled": True}
    assert client.last_patch["metadata"]["resourceVersion"]
    assert result["resource"]["spec"] == {"logSeverityScreen": "Info", "reportingInterval": "0s",
                                          "wireguardEnabled": True}
    assert result["diff"]["after"]["spec"]["wireguardEnabled"] is True
    assert "wireguardEnabled" not in result["diff"]["before"]["spec"]


def test_replace_drops_fields_not_given_but_keeps_calico_labels():
    live = gnp(selector="all()", order=10)
    live["metadata"]["labels"] = {"projectcalico.org/tier": "default", "team": "a"}
    client = StubClient([live])
    result = engine.apply_request(client, gnp(selector="all()"), replace=True)
    assert result["method"] == "replaced" and client.writes == ["PUT"]
    stored = client.store[("GlobalNetworkPolicy", None, "allow-dns")]
    assert "order" not in stored["spec"]
    assert stored["metadata"]["labels"] == {"projectcalico.org/tier": "default"}
    assert stored["metadata"]["uid"] == "uid-allow-dns"


def test_check_mode_predicts_without_writing():
    client = StubClient([felix(logSeverityScreen="Info")])
    result = engine.apply_request(client, felix(bpfEnabled=True), check_mode=True)
    assert result["changed"] and result["method"] == "patched"
    assert result["resource"]["spec"] == {"logSeverityScreen": "Info", "bpfEnabled": True}
    assert client.writes == []
    created = engine.apply_request(StubClient(), gnp(selector="all()"), check_mode=True)
    assert created["changed"] and created["method"] == "created" and created["diff"]["before"] == {}


def test_server_metadata_in_a_pasted_manifest_is_ignored():
    client = StubClient([gnp(selector="all()", types=["Ingress"])])
    pasted = gnp(selector="all()")
    pasted["metadata"].update(resourceVersion="1", uid="x", creationTimestamp="2020-01-01T00:00:00Z")
    assert not engine.apply_request(client, pasted)["changed"]


# ------------------------------------------------------------------ absent

def test_absent_deletes_then_is_unchanged():
    client = StubClient([gnp(selector="all()")])
    first = engine.apply_request(client, gnp(), state="absent")
    assert first["changed"] and first["method"] == "deleted" and first["diff"]["after"] == {}
    second = engine.apply_request(client, gnp(), state="absent")
    assert not second["changed"] and client.writes == ["DELETE"]


def _not_found_body(name):
    # What the Calico API server answers for a missing object: storage.NewKeyNotFoundError -> NewNotFound.
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404,
            "message": 'globalnetworkpolicies.projectcalico.org "%s" not found' % name,
            "details": {"name": name, "group": "projectcalico.org", "kind": "globalnetworkpolicies"}}


def test_absent_treats_not_found_on_delete_as_unchanged():
    gone = CalicoApiError("gone", status=404, body=_not_found_body("allow-dns"))
    client = StubClient([gnp(selector="all()")], faults={"DELETE": [gone]})
    assert not engine.apply_request(client, gnp(), state="absent")["changed"]


def test_a_bare_404_on_delete_is_an_error_not_a_success():
    # A 404 without details.name means the API path itself is gone: nothing was deleted, so say so.
    bare = CalicoApiError("the server could not find the requested resource", status=404,
                          body={"kind": "Status", "reason": "NotFound", "code": 404, "details": {}})
    client = StubClient([gnp(selector="all()")], faults={"DELETE": [bare]})
    with pytest.raises(CalicoApiError):
        engine.apply_request(client, gnp(), state="absent")


def test_absent_with_keys_unsets_only_those_keys():
    client = StubClient([felix(wireguardEnabled=True, logSeverityScreen="Info")])
    result = engine.apply_request(client, felix(), state="absent", unset=[["spec", "wireguardEnabled"]])
    assert result["changed"] and result["method"] == "patched"
    assert client.last_patch["spec"] == {"wireguardEnabled": None}
    assert client.store[("FelixConfiguration", None, "default")]["spec"] == {"logSeverityScreen": "Info"}
    again = engine.apply_request(client, felix(), state="absent", unset=[["spec", "wireguardEnabled"]])
    assert not again["changed"]


def test_absent_with_keys_on_a_missing_object_is_unchanged():
    client = StubClient()
    assert not engine.apply_request(client, felix(), state="absent", unset=[["spec", "x"]])["changed"]
    assert client.writes == []


# ------------------------------------------------------------------ validation before writes

@pytest.mark.parametrize("spec, fragment", [
    ({"selector": "a == "}, "selector"),
    ({"ingress": [{"action": "Allow", "source": {"nets": ["10.0.0.1/8"]}}]}, "10.0.0.1/8"),
    ({"ingress": [{"action": "Accept"}]}, "Accept"),
    ({"preDNAT": True, "applyOnForward": True, "egress": [{"action": "Allow"}]}, "preDNAT"),
])
def test_bad_request_fails_without_writing(spec, fragment):
    client = StubClient()
    with pytest.raises(engine.CalicoRequestError) as caught:
        engine.apply_request(client, gnp(**spec))
    assert fragment in str(caught.value)
    assert caught.value.problems
    assert client.writes == []


def test_bad_name_fails_without_writing():
    client = StubClient()
    with pytest.raises(engine.CalicoRequestError) as caught:
        engine.apply_request(client, gnp(name="Not_A_Label", selector="all()"))
    assert "Not_A_Label" in str(caught.value)
    assert client.writes == []


@pytest.mark.parametrize("request_, fragment", [
    ({"kind": "GlobalNetworkPolicy", "metadata": {}}, "metadata.name"),
    ({"metadata": {"name": "x"}}, "kind"),
    ({"apiVersion": "crd.projectcalico.org/v1", "kind": "IPPool", "metadata": {"name": "x"}}, "apiVersion"),
    ({"kind": "IPPool", "metadata": {"name": "x", "namespace": "default"}}, "cluster-scoped"),
])
def test_malformed_requests(request_, fragment):
    with pytest.raises(engine.CalicoRequestError) as caught:
        engine.apply_request(StubClient(), request_)
    assert fragment in str(caught.value)


def test_namespaced_policy_defaults_to_namespace_default():
    client = StubClient()
    request = {"kind": "NetworkPolicy", "metadata": {"name": "np"}, "spec": {"selector": "all()"}}
    engine.apply_request(client, request)
    assert ("NetworkPolicy", "default", "np") in client.store


# ------------------------------------------------------------------ validate what the request sets

def go_felix(**spec):
    """A FelixConfiguration as every Go writer serialises it: bpfLogLevel has no omitempty (felixconfig.go)."""
    obj = felix(**spec)
    obj["spec"].setdefault("bpfLogLevel", "")
    return obj


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_live_empty_bpf_log_level_does_not_block_a_merge(check_mode):
    client = StubClient([go_felix(logSeverityScreen="Info", floatingIPs="Disabled")])
    result = engine.apply_request(client, felix(wireguardEnabled=True), check_mode=check_mode)
    assert result["changed"] and result["method"] == "patched"
    assert client.writes == ([] if check_mode else ["PATCH"])


def test_a_live_empty_bpf_log_level_does_not_block_an_unset():
    client = StubClient([go_felix(wireguardEnabled=True)])
    result = engine.apply_request(client, felix(), state="absent", unset=[["spec", "wireguardEnabled"]])
    assert result["changed"] and client.writes == ["PATCH"]


def test_a_problem_the_request_adds_is_refused_even_over_a_go_serialised_live_object():
    client = StubClient([go_felix()])
    with pytest.raises(engine.CalicoRequestError) as caught:
        engine.apply_request(client, felix(bpfLogLevel="Verbose"))
    assert "bpfLogLevel" in str(caught.value) and "Verbose" in str(caught.value)
    assert client.writes == []


def test_a_problem_only_the_live_object_has_is_the_servers_business():
    live = gnp(selector="all()", ingress=[{"action": "Accept"}])  # somehow stored; not ours to judge
    client = StubClient([live])
    assert engine.apply_request(client, gnp(order=5))["changed"]
    with pytest.raises(engine.CalicoRequestError):
        engine.apply_request(client, gnp(egress=[{"action": "Drop"}]))


def test_the_calico_version_reaches_validation_and_warnings(monkeypatch):
    seen = []

    def problems(resource, calico_version=None):
        seen.append(("problems", calico_version))
        return []

    def warnings(resource, calico_version=None):
        seen.append(("warnings", calico_version))
        return ["port %s looks like a range" % p for p in resource["spec"].get("ports", [])]

    monkeypatch.setattr(engine, "validation_problems", problems)
    monkeypatch.setattr(engine, "validation_warnings", warnings)
    client = StubClient([gnp(ports=["1-2"])])
    result = engine.apply_request(client, gnp(ports=["1-2", "3-4"]), calico_version=(3, 21))
    assert set(seen) == {("problems", (3, 21)), ("warnings", (3, 21))}
    assert result["warnings"] == ["port 3-4 looks like a range"]  # the stored one is not the request's doing


# ------------------------------------------------------------------ 409 retries

def test_patch_conflict_is_retried_with_a_fresh_read():
    client = StubClient([felix(logSeverityScreen="Info")],
                        faults={"PATCH": [CalicoApiError("conflict", status=409)]})
    result = engine.apply_request(client, felix(bpfEnabled=True))
    assert result["changed"]
    assert client.calls == ["GET", "PATCH", "GET", "PATCH"]


def test_concurrent_writer_resolved_by_rereading():
    client = StubClient([felix(logSeverityScreen="Info")])
    original_get = client.get

    def stale_then_fresh(kind, name, namespace=None):
        obj = original_get(kind, name, namespace)
        if len(client.calls) == 1:
            client._put(copy.deepcopy(client.store[(kind, namespace, name)]))  # another writer moves the revision
        return obj
    client.get = stale_then_fresh
    result = engine.apply_request(client, felix(bpfEnabled=True))
    assert result["changed"]
    assert client.calls.count("PATCH") == 2


def test_create_conflict_switches_to_patch():
    client = StubClient(faults={"POST": [CalicoApiError("exists", status=409)]})
    calls = {"n": 0}
    original_get = client.get

    def appears_after_first_read(kind, name, namespace=None):
        calls["n"] += 1
        if calls["n"] == 2:
            client._put(felix(logSeverityScreen="Info"))
        return original_get(kind, name, namespace)
    client.get = appears_after_first_read
    result = engine.apply_request(client, felix(bpfEnabled=True))
    assert result["method"] == "patched"
    assert client.calls == ["GET", "POST", "GET", "PATCH"]


def test_conflicts_give_up_after_bounded_attempts():
    faults = [CalicoApiError("conflict", status=409) for attempt in range(10)]
    client = StubClient([felix()], faults={"PATCH": faults})
    with pytest.raises(CalicoApiError) as caught:
        engine.apply_request(client, felix(bpfEnabled=True))
    assert caught.value.status == 409
    assert client.calls.count("PATCH") == engine.MAX_ATTEMPTS


def test_other_api_errors_are_not_retried():
    client = StubClient([felix()], faults={"PATCH": [CalicoApiError("bad", status=422)]})
    with pytest.raises(CalicoApiError):
        engine.apply_request(client, felix(bpfEnabled=True))
    assert client.calls == ["GET", "PATCH"]


# ------------------------------------------------------------------ readable errors and API detection

def test_status_error_names_field_value_and_reason():
    body = {"kind": "Status", "status": "Failure", "reason": "Invalid", "code": 422,
            "message": 'IPPool.projectcalico.org "p" is invalid: spec.blockSize: Invalid value: 33',
            "details": {"name": "p", "causes": [{"field": "spec.blockSize", "reason": "FieldValueInvalid",
                                                 "message": "Invalid value: 33: must be 20-32"}]}}
    text = format_status_error(422, body)
    assert text.startswith("HTTP 422 Invalid:")
    assert "field spec.blockSize: Invalid value: 33: must be 20-32 (FieldValueInvalid)" in text


def test_status_error_without_json_body():
    assert format_status_error(503, "service unavailable") == "HTTP 503: service unavailable"


@pytest.mark.parametrize("body, expected", [
    ({"kind": "Status", "reason": "NotFound", "details": {"name": "x", "kind": "ippools"}}, True),
    ({"kind": "Status", "reason": "NotFound", "details": {}}, False),
    ("404 page not found", False),
])
def test_object_not_found_versus_missing_api_path(body, expected):
    assert is_object_not_found(body) is expected


@pytest.mark.parametrize("groups, expected", [
    ({"projectcalico.org": {"v3"}, "crd.projectcalico.org": {"v1"}}, "aggregated"),
    ({"projectcalico.org": {"v3"}}, "native"),
    ({"crd.projectcalico.org": {"v1"}}, None),
    ({}, None),
])
def test_detect_api_kind(groups, expected):
    assert detect_api_kind(groups) == expected


@pytest.mark.parametrize("groups, fragment", [
    ({"crd.projectcalico.org": {"v1"}}, "Only the crd.projectcalico.org/v1 CRDs"),
    ({}, "No Calico API group"),
])
def test_unavailable_message_says_how_to_enable(groups, fragment):
    message = unavailable_message(groups)
    assert fragment in message
    assert "APIServer" in message and "v3.32" in message


# ------------------------------------------------------------------ module helpers

@pytest.mark.parametrize("value, expected", [
    (64512, 64512), ("64512", 64512), ("1.10", 65546), (" 65000 ", 65000), (0, 0), (4294967295, 4294967295),
])
def test_canonical_as_number(value, expected):
    assert engine.canonical_as_number(value) == expected


@pytest.mark.parametrize("value", ["x", "1.2.3", "65536.1", -1, 4294967296, True, "1.65536"])
def test_canonical_as_number_rejects(value):
    with pytest.raises(engine.CalicoRequestError) as caught:
        engine.canonical_as_number(value)
    assert "as_number" in str(caught.value)


def test_load_definition_accepts_yaml_with_leading_separator():
    text = "---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: p\nspec:\n  cidr: 10.0.0.0/24\n"
    assert engine.load_definition(text, ("IPPool",))["spec"]["cidr"] == "10.0.0.0/24"


@pytest.mark.parametrize("definition, fragment", [
    ("a: [", "not valid YAML"),
    ("---\nkind: IPPool\n---\nkind: IPPool\n", "exactly one"),
    ([1, 2], "mapping"),
    ({"kind": "IPPool"}, "this module manages"),
])
def test_load_definition_rejects(definition, fragment):
    with pytest.raises(engine.CalicoRequestError) as caught:
        engine.load_definition(definition, ("GlobalNetworkPolicy", "NetworkPolicy"))
    assert fragment in str(caught.value)


def test_a_write_the_server_treats_as_no_op_is_not_a_change():
    # The API server keeps the resourceVersion when an update changes nothing it stores.
    live = felix(logSeverityScreen="Info")
    live["metadata"]["resourceVersion"] = "7"
    assert not engine.really_changed(live, copy.deepcopy(live))
    stored = copy.deepcopy(live)
    stored["metadata"]["resourceVersion"] = "8"
    assert engine.really_changed(live, stored)
    assert engine.really_changed(None, stored)


@pytest.mark.parametrize("change, fragment", [
    ({"blockSize": 29}, "spec.blockSize is 29 but the live IPPool has 26"),
    ({"cidr": "10.1.0.0/16"}, "spec.cidr is '10.1.0.0/16'"),
])
def test_immutable_pool_fields_fail_before_writing(change, fragment):
    pool = {"kind": "IPPool", "metadata": {"name": "p"}, "spec": {"cidr": "10.0.0.0/16", "blockSize": 26}}
    client = StubClient([pool])
    with pytest.raises(engine.CalicoRequestError) as caught:
        engine.apply_request(client, {"kind": "IPPool", "metadata": {"name": "p"}, "spec": change})
    assert fragment in str(caught.value)
    assert client.writes == []


def test_immutable_fields_given_unchanged_are_fine():
    pool = {"kind": "IPPool", "metadata": {"name": "p"}, "spec": {"cidr": "10.0.0.0/16", "blockSize": 26}}
    client = StubClient([pool])
    result = engine.apply_request(client, {"kind": "IPPool", "metadata": {"name": "p"},
                                           "spec": {"cidr": "10.0.0.0/16", "natOutgoing": True}})
    assert result["changed"]


# ------------------------------------------------------------------ merged policies and Calico's defaulted types

ALLOW_2379 = {"action": "Allow", "protocol": "TCP", "destination": {"ports": [2379]}}
DENY_ALL = {"action": "Deny"}


def _stored_types(client, name="allow-dns"):
    return engine.normalized_view(client.store[("GlobalNetworkPolicy", None, name)])["spec"]["types"]


def test_egress_added_by_merge_redefaults_types_calico_filled_in():
    # Stored as Calico defaulted it for ingress rules only.
    client = StubClient([gnp(selector="all()", types=["Ingress"], ingress=[ALLOW_2379])])
    result = engine.apply_request(client, gnp(egress=[DENY_ALL]))
    assert result["changed"] and result["method"] == "patched"
    assert client.last_patch["spec"]["types"] is None  # unset, so the server defaults it from the merged rules
    assert result["diff"]["before"]["spec"]["types"] == ["Ingress"]
    assert result["diff"]["after"]["spec"]["types"] == ["Ingress", "Egress"]
    assert _stored_types(client) == ["Ingress", "Egress"]
    client.calls[:] = []
    assert not engine.apply_request(client, gnp(egress=[DENY_ALL]))["changed"]
    assert client.writes == []


def test_egress_added_by_merge_in_check_mode_predicts_both_types():
    client = StubClient([gnp(selector="all()", types=["Ingress"], ingress=[ALLOW_2379])])
    result = engine.apply_request(client, gnp(egress=[DENY_ALL]), check_mode=True)
    assert result["changed"] and client.writes == []
    assert result["diff"]["after"]["spec"]["types"] == ["Ingress", "Egress"]


def test_types_given_in_the_request_are_kept():
    client = StubClient([gnp(selector="all()", types=["Ingress"], ingress=[ALLOW_2379])])
    engine.apply_request(client, gnp(types=["Ingress"], egress=[DENY_ALL]))
    assert "types" not in client.last_patch["spec"]
    assert _stored_types(client) == ["Ingress"]


def test_types_given_in_a_structured_request_with_egress_are_kept():
    client = StubClient([gnp(selector="all()", types=["Ingress"], ingress=[ALLOW_2379])])
    engine.apply_request(client, gnp(types=["Egress"], egress=[DENY_ALL]))
    assert _stored_types(client) == ["Egress"]


def test_types_that_are_not_the_default_are_kept_by_a_merge():
    # [Ingress, Egress] without egress rules: a deliberate egress default-deny, never a Calico default.
    client = StubClient([gnp(selector="all()", types=["Ingress", "Egress"])])
    result = engine.apply_request(client, gnp(ingress=[ALLOW_2379]))
    assert result["changed"] and "types" not in client.last_patch["spec"]
    assert _stored_types(client) == ["Ingress", "Egress"]


def test_a_merge_that_leaves_the_default_unchanged_writes_nothing():
    client = StubClient([gnp(selector="all()", types=["Ingress"], ingress=[ALLOW_2379])])
    result = engine.apply_request(client, gnp(selector="all()"))
    assert not result["changed"] and client.writes == []
    order_only = engine.apply_request(client, gnp(order=10))
    assert order_only["changed"] and "types" not in client.last_patch["spec"]


def test_namespaced_policy_types_are_redefaulted_too():
    live = gnp(selector="app == 'db'", types=["Ingress"], ingress=[ALLOW_2379])
    live.update(kind="NetworkPolicy")
    live["metadata"]["namespace"] = "yaobank"
    client = StubClient([live])
    request = gnp(egress=[DENY_ALL])
    request.update(kind="NetworkPolicy")
    request["metadata"]["namespace"] = "yaobank"
    result = engine.apply_request(client, request)
    assert result["diff"]["after"]["spec"]["types"] == ["Ingress", "Egress"]


def test_replace_and_other_kinds_are_untouched_by_the_types_rule():
    live = gnp(selector="all()", types=["Ingress"], ingress=[ALLOW_2379])
    assert engine.desired_from(live, gnp(egress=[DENY_ALL]), replace=True)["spec"] == {"egress": [DENY_ALL]}
    pool = {"kind": "IPPool", "metadata": {"name": "p"}, "spec": {"cidr": "10.0.0.0/16", "types": ["x"]}}
    assert engine.redefault_policy_types(pool, {"spec": {}}, pool) == pool


# ------------------------------------------------------------------ the preview hook (calico_policy impact:)

def test_preview_sees_the_merged_defaulted_object_before_the_write():
    client = StubClient([gnp(selector="all()", types=["Ingress"], ingress=[ALLOW_2379])])
    seen = []

    def preview(client_, change):
        seen.append((list(client_.writes), change))
        return {"flipped": []}

    result = engine.apply_request(client, gnp(egress=[DENY_ALL]), preview=preview)
    writes_before, change = seen[0]
    assert writes_before == [] and client.writes == ["PATCH"]
    assert change["state"] == "present"
    assert change["definition"]["spec"] == {"selector": "all()", "types": ["Ingress", "Egress"],
                                            "ingress": [ALLOW_2379], "egress": [DENY_ALL]}
    assert "resourceVersion" not in change["definition"]["metadata"]
    assert result["preview"] == {"flipped": []}


def test_preview_runs_in_check_mode_when_unchanged_and_on_delete():
    client = StubClient([gnp(selector="all()", types=["Ingress"])])
    changes = []

    def preview(client_, change):
        changes.append(change)
        return len(changes)

    assert engine.apply_request(client, gnp(order=5), check_mode=True, preview=preview)["preview"] == 1
    assert engine.apply_request(client, gnp(selector="all()"), preview=preview)["preview"] == 2
    deleted = engine.apply_request(client, gnp(), state="absent", check_mode=True, preview=preview)
    assert deleted["preview"] == 3 and client.writes == []
    assert changes[2] == {"state": "absent", "definition": {
        "apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "allow-dns"}}}


def test_a_preview_that_refuses_stops_the_write():
    client = StubClient([gnp(selector="all()")])

    def refuse(client_, change):
        raise engine.CalicoRequestError("no", ["flips"], {"impact": {"flipped": [1]}})

    with pytest.raises(engine.CalicoRequestError) as caught:
        engine.apply_request(client, gnp(order=5), preview=refuse)
    assert caught.value.details == {"impact": {"flipped": [1]}}
    with pytest.raises(engine.CalicoRequestError):
        engine.apply_request(client, gnp(), state="absent", preview=refuse)
    assert client.writes == []


# ------------------------------------------------------------------ the Kubernetes client options

from ansible_collections.calicolab.ccol1.plugins.module_utils._k8s import client as k8s  # noqa: E402


def _kubeconfig(server="http://127.0.0.1:6443"):
    return {"apiVersion": "v1", "kind": "Config", "current-context": "c",
            "clusters": [{"name": "c", "cluster": {"server": server}}],
            "users": [{"name": "u", "user": {"token": "tok"}}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}},
                         {"name": "other", "context": {"cluster": "c", "user": "u"}}]}


@pytest.mark.skipif(not k8s.HAS_K8S, reason="needs the kubernetes library")
@pytest.mark.parametrize("auth, expected", [
    ({"kubeconfig": _kubeconfig()}, {"host": "http://127.0.0.1:6443", "token": "Bearer tok"}),
    ({"kubeconfig": _kubeconfig(), "context": "other", "host": "https://h:6443"}, {"host": "https://h:6443"}),
    ({"host": "https://h:6443", "api_key": "abc"}, {"host": "https://h:6443", "token": "Bearer abc"}),
    ({"host": "https://h:6443", "username": "u", "password": "p"}, {"token": "Basic dTpw"}),
    ({"host": "https://h", "validate_certs": False, "ca_cert": "/ca", "client_cert": "/c", "client_key": "/k"},
     {"verify_ssl": False, "ssl_ca_cert": "/ca", "cert_file": "/c", "key_file": "/k"}),
    ({"host": "https://h", "proxy": "http://proxy:3128", "no_proxy": "10.0.0.0/8",
      "proxy_headers": {"proxy_basic_auth": "a:b", "user_agent": "x", "basic_auth": None}},
     {"proxy": "http://proxy:3128", "no_proxy": "10.0.0.0/8",
      "proxy_headers": {"proxy-authorization": "Basic YTpi", "user-agent": "x"}}),
], ids=["kubeconfig-dict", "context-and-host-override", "host-token", "basic-auth", "tls", "proxy"])
def test_build_configuration(auth, expected):
    full = dict((name, None) for name in k8s.AUTH_OPTION_NAMES)
    full.update(auth)
    configuration = k8s.build_configuration(full)
    for attribute, value in expected.items():
        if attribute == "token":
            assert configuration.get_api_key_with_prefix("BearerToken", alias="authorization") == value
        else:
            assert getattr(configuration, attribute) == value


@pytest.mark.skipif(not k8s.HAS_K8S, reason="needs the kubernetes library")
def test_a_missing_kubeconfig_file_is_a_clear_error(tmp_path):
    full = dict((name, None) for name in k8s.AUTH_OPTION_NAMES)
    full["kubeconfig"] = str(tmp_path / "nope")
    with pytest.raises(k8s.CalicoApiError) as caught:
        k8s.build_configuration(full)
    assert "Could not load the kubeconfig" in str(caught.value)


def test_auth_arg_spec_hides_secrets():
    assert k8s.K8S_AUTH_ARG_SPEC["api_key"]["no_log"] is True
    assert k8s.K8S_AUTH_ARG_SPEC["password"]["no_log"] is True
    assert k8s.K8S_AUTH_ARG_SPEC["proxy_headers"]["options"]["proxy_basic_auth"]["no_log"] is True


# ------------------------------------------------------------------ against the in-process fake API server

try:
    from ansible_collections.calicolab.ccol1.tests.fake_k8s_api import FakeKubernetesAPI
    from ansible_collections.calicolab.ccol1.tests.shared_reference import MISSING_REASON, crd_schema_dir
    FAKE_REASON = MISSING_REASON if crd_schema_dir() is None else None
except ImportError as exc:  # the fake needs PyYAML and the tests folder on the path
    FAKE_REASON = "the fake Kubernetes API cannot be imported: %s" % exc

needs_fake = pytest.mark.skipif(bool(FAKE_REASON) or not k8s.HAS_K8S,
                                reason=FAKE_REASON or "needs the kubernetes library")


@pytest.fixture
def fake_api():
    servers = []

    def start(mode="native", tiers=True, calico_version="v3.32.1"):
        fake = FakeKubernetesAPI(mode=mode, tiers=tiers, schema_dir=crd_schema_dir(), calico_version=calico_version)
        fake.start()
        servers.append(fake)
        return fake

    yield start
    for fake in servers:
        fake.stop()


def _auth_for(fake):
    auth = dict((name, None) for name in k8s.AUTH_OPTION_NAMES)
    auth.update(host=fake.url, api_key=fake.token)
    return auth


@needs_fake
@pytest.mark.parametrize("mode", ["native", "aggregated"])
def test_unchanged_apply_costs_one_get_once_discovery_is_cached(fake_api, tmp_path, mode):
    fake = fake_api(mode)
    cache = str(tmp_path / "discovery.json")
    request = gnp(selector="all()", ingress=[{"action": "Allow", "protocol": "TCP",
                                              "destination": {"ports": ["80"]}}])
    client = k8s.connect(_auth_for(fake), cache_file=cache)
    assert client.api_kind == mode
    assert engine.apply_request(client, request)["changed"]
    cold = [(r["method"], r["path"]) for r in fake.requests]
    assert ("GET", "/apis") in cold and cold[-1][0] == "POST"
    fake.clear_requests()
    client = k8s.connect(_auth_for(fake), cache_file=cache)
    result = engine.apply_request(client, request)
    assert not result["changed"]
    assert [(r["method"], r["path"]) for r in fake.requests] == [
        ("GET", "/apis/projectcalico.org/v3/globalnetworkpolicies/allow-dns")]


@needs_fake
@pytest.mark.parametrize("mode, fragment", [("crd-only", "Only the crd.projectcalico.org/v1"),
                                            ("none", "No Calico API group")])
def test_no_v3_api_is_one_clear_error(fake_api, tmp_path, mode, fragment):
    fake = fake_api(mode)
    with pytest.raises(k8s.CalicoApiUnavailable) as caught:
        k8s.connect(_auth_for(fake), cache_file=str(tmp_path / "d.json"))
    assert fragment in str(caught.value) and "APIServer" in str(caught.value)
    assert [r for r in fake.requests if r["method"] != "GET"] == []


@needs_fake
def test_a_stale_cache_that_still_lists_v3_is_noticed(fake_api, tmp_path):
    cache = str(tmp_path / "shared-cache.json")
    native = fake_api("native")
    k8s.connect(_auth_for(native), cache_file=cache).resource("GlobalNetworkPolicy")
    crd_only = fake_api("crd-only")
    client = k8s.connect(_auth_for(crd_only), cache_file=cache)  # the cache still says v3 is there
    with pytest.raises(k8s.CalicoApiUnavailable):
        engine.apply_request(client, gnp(selector="all()"))
    assert [r for r in crd_only.requests if r["method"] != "GET"] == []


@needs_fake
def test_server_side_rejection_is_readable(fake_api, tmp_path):
    fake = fake_api("native")
    fake.inject_fault(method="POST", status=422, reason="Invalid", message="IPPool \"p\" is invalid",
                      details={"name": "p", "causes": [{"field": "spec.cidr", "reason": "FieldValueInvalid",
                                                        "message": "Invalid value: \"x\""}]})
    client = k8s.connect(_auth_for(fake), cache_file=str(tmp_path / "d.json"))
    with pytest.raises(k8s.CalicoApiError) as caught:
        engine.apply_request(client, {"kind": "IPPool", "metadata": {"name": "p"}, "spec": {"cidr": "10.9.0.0/24"}})
    assert caught.value.status == 422
    assert "field spec.cidr: Invalid value: \"x\" (FieldValueInvalid)" in str(caught.value)


@needs_fake
def test_an_unknown_kind_names_the_closest_served_kind(fake_api, tmp_path):
    fake = fake_api("native")
    client = k8s.connect(_auth_for(fake), cache_file=str(tmp_path / "d.json"))
    with pytest.raises(k8s.CalicoApiError) as caught:
        engine.apply_request(client, {"kind": "GlobalNetworkPolicies", "metadata": {"name": "x"}, "spec": {}})
    assert "does not serve kind GlobalNetworkPolicies (did you mean GlobalNetworkPolicy?)" in str(caught.value)
    assert "IPPool" in str(caught.value)


def test_differing_paths():
    assert engine.differing_paths({"a": 1, "b": {"c": 1, "d": [1]}}, {"a": 1, "b": {"c": 2, "d": [2]}}) == [
        "b.c", "b.d"]
    assert engine.differing_paths({"metadata": {"resourceVersion": "1"}}, {"metadata": {"resourceVersion": "2"}}) == []
    assert engine.differing_paths({"spec": {"a": 1}}, {"spec": {"a": 1, "defaulted": "x"}}) == []
    assert engine.differing_paths({"spec": {"a": 1}}, {"spec": {}}) == ["spec.a"]


def test_a_field_the_server_drops_is_reported():
    class PruningClient(StubClient):
        def create(self, kind, body):
            body = copy.deepcopy(body)
            body["spec"].pop("mystery", None)
            return super(PruningClient, self).create(kind, body)

    request = {"kind": "GlobalNetworkSet", "metadata": {"name": "s"}, "spec": {"nets": ["10.0.0.0/8"], "mystery": 1}}
    result = engine.apply_request(PruningClient(), request)
    assert result["changed"]
    assert "spec.mystery" in result["warnings"][0]


# ------------------------------------------------------------------ the cluster's Calico release

@pytest.mark.parametrize("text, expected", [
    ("v3.21.6", (3, 21)), ("v3.32.1", (3, 32)), ("3.29.0", (3, 29)), ("v3.32.0-0.dev", (3, 32)),
    ("", None), (None, None), ("master", None), ("v3", None),
])
def test_parse_calico_release(text, expected):
    assert k8s.parse_calico_release(text) == expected


CLUSTER_INFO_PATH = "/apis/projectcalico.org/v3/clusterinformations/default"


@needs_fake
@pytest.mark.parametrize("mode, release, expected", [
    ("aggregated", "v3.21.6", (3, 21)), ("aggregated", "v3.32.1", (3, 32)), ("native", "v3.32.1", (3, 32))])
def test_the_release_is_read_once_and_cached(fake_api, tmp_path, mode, release, expected):
    fake = fake_api(mode, tiers=release != "v3.21.6", calico_version=release)
    cache = str(tmp_path / "discovery.json")
    assert k8s.connect(_auth_for(fake), cache_file=cache).calico_version() == expected
    assert [r["path"] for r in fake.requests].count(CLUSTER_INFO_PATH) == 1
    fake.clear_requests()
    assert k8s.connect(_auth_for(fake), cache_file=cache).calico_version() == expected
    assert CLUSTER_INFO_PATH not in [r["path"] for r in fake.requests]


@needs_fake
@pytest.mark.parametrize("mode, expected", [("aggregated", None), ("native", (3, 32))])
def test_an_unreadable_release_means_the_newest_rules_or_what_native_crds_imply(fake_api, tmp_path, mode, expected):
    fake = fake_api(mode)
    fake.inject_fault(method="GET", path_prefix=CLUSTER_INFO_PATH, status=403, reason="Forbidden",
                      message="clusterinformations.projectcalico.org \"default\" is forbidden", times=None)
    client = k8s.connect(_auth_for(fake), cache_file=str(tmp_path / "d.json"))
    assert client.calico_version() == expected


@needs_fake
def test_a_stale_release_cache_expires(fake_api, tmp_path, monkeypatch):
    fake = fake_api("aggregated", tiers=False, calico_version="v3.21.6")
    cache = str(tmp_path / "d.json")
    k8s.connect(_auth_for(fake), cache_file=cache).calico_version()
    later = k8s.time.time() + k8s.CALICO_VERSION_CACHE_SECONDS + 1
    monkeypatch.setattr(k8s.time, "time", lambda: later)
    fake.clear_requests()
    assert k8s.connect(_auth_for(fake), cache_file=cache).calico_version() == (3, 21)
    assert CLUSTER_INFO_PATH in [r["path"] for r in fake.requests]


@needs_fake
def test_a_missing_object_reads_as_none_through_the_real_client(fake_api, tmp_path):
    fake = fake_api("aggregated")
    client = k8s.connect(_auth_for(fake), cache_file=str(tmp_path / "d.json"))
    assert client.get("GlobalNetworkPolicy", "nope") is None
    assert not engine.apply_request(client, gnp("nope"), state="absent")["changed"]


@pytest.mark.parametrize("params, expected", [
    ({"definition": {"kind": "IPPool"}}, True),
    ({"definition": {"kind": "IPPool"}, "replace": False}, False),
    ({"definition": None, "name": "p"}, False),
    ({"name": "p", "replace": True}, True),
    ({}, False),
])
def test_a_definition_is_applied_whole_unless_told_to_merge(params, expected):
    assert engine.wants_replace(params) is expected


# ------------------------------------------------------------------ diffs: the user's spelling, plain YAML data

COURSE_NAMESPACE_SELECTOR = 'has(projectcalico.org/name) && projectcalico.org/name not in {"kube-system", "calico-system"}'


def test_the_diff_shows_selectors_as_the_user_wrote_them():
    client = StubClient()
    request = gnp("default-app-policy", namespaceSelector=COURSE_NAMESPACE_SELECTOR, types=["Ingress", "Egress"],
                  egress=[{"action": "Allow", "protocol": "UDP",
                           "destination": {"selector": "k8s-app=='kube-dns'", "ports": ["53"]}}])
    result = engine.apply_request(client, request)
    after = result["diff"]["after"]["spec"]
    assert after["namespaceSelector"] == COURSE_NAMESPACE_SELECTOR
    assert after["egress"][0]["destination"]["selector"] == "k8s-app=='kube-dns'"
    assert after["egress"][0]["destination"]["ports"] == [53]  # other canonical forms stay Calico's
    respelled = "has(projectcalico.org/name)&&projectcalico.org/name not in {'calico-system','kube-system'}"
    same = dict(request, spec=dict(request["spec"], namespaceSelector=respelled))
    assert not engine.apply_request(client, same)["changed"]  # equivalent spelling: compared canonically


def test_the_diff_is_plain_yaml_data():
    yaml = pytest.importorskip("yaml")
    client = StubClient([gnp("p", selector="all()", order=10.5, types=["Ingress"])])
    result = engine.apply_request(client, gnp("p", selector="app == 'a'", order=7,
                                              ingress=[{"action": "Allow", "protocol": "TCP",
                                                        "destination": {"ports": ["80", "8000:8080"]}}]))
    text = yaml.safe_dump(result["diff"], default_flow_style=False)  # refuses tuples, sets and objects
    assert yaml.safe_load(text) == result["diff"]
    assert "selector: app == 'a'" in text
