# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""calico_reachability's logic (_policy/reachability.py) on the course lab snapshot: objects and changes,
snapshot sources, flows and their keys, matrices and expectations, a whole module request.

The lab snapshot and the course steps are the example files shipped in examples/policy_walkthrough; the
verdicts expected here are the ones the course notes promise (yaobank policy labs).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os

import pytest
import yaml

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy import reachability

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))
EXAMPLES = os.path.join(ROOT, "examples", "policy_walkthrough")
LAB = os.path.join(EXAMPLES, "lab_snapshot.yml")

CUSTOMER = {"pod": "yaobank/customer-0"}
SUMMARY0 = {"pod": "yaobank/summary-0"}
SUMMARY1 = {"pod": "yaobank/summary-1"}
DATABASE = {"pod": "yaobank/database-0"}
COREDNS = {"pod": "kube-system/coredns-0"}
HOST1 = {"ip": "198.19.15.254"}


def flow(src, dst, port, protocol="TCP"):
    return {"src": src, "dst": dst, "protocol": protocol, "port": port}


@pytest.fixture(scope="module")
def lab():
    return reachability.load_snapshot(LAB)


@pytest.fixture(scope="module")
def steps():
    with open(os.path.join(EXAMPLES, "course_steps.yml")) as stream:
        return yaml.safe_load(stream)["course_steps"]


def step_changes(steps, name):
    """The changes of every step up to and including ``name``."""
    changes = []
    for step in steps:
        changes.extend(step["changes"])
        if step["name"] == name:
            return changes
    raise AssertionError("no course step %s" % name)


def step_object(steps, step_name, object_name):
    for step in steps:
        if step["name"] == step_name:
            for change in step["changes"]:
                if change["definition"]["metadata"]["name"] == object_name:
                    return copy.deepcopy(change["definition"])
    raise AssertionError("no %s in step %s" % (object_name, step_name))


def knp(name, namespace="yaobank", **spec):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


# ---------------------------------------------------------------- object identity and changes

def test_object_key_separates_api_groups_and_defaults_the_namespace():
    calico_np = {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy", "metadata": {"name": "p"}}
    kubernetes_np = knp("p", namespace="default")
    gnp = {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "p"}}
    assert reachability.object_key(calico_np) == ("projectcalico.org", "NetworkPolicy", "default", "p")
    assert reachability.object_key(kubernetes_np) == ("networking.k8s.io", "NetworkPolicy", "default", "p")
    assert reachability.object_key(gnp) == ("projectcalico.org", "GlobalNetworkPolicy", "", "p")
    assert reachability.object_key({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}})[0] == ""


@pytest.mark.parametrize("change, message", [
    ({"state": "gone", "definition": knp("a")}, "state must be 'present', 'absent' or 'patched', got 'gone'"),
    ({"state": "present"}, "definition must be a Kubernetes object"),
    ({"definition": {"kind": "NetworkPolicy", "metadata": {"name": "a"}}}, "needs apiVersion and kind"),
    ({"definition": {"apiVersion": "v1", "kind": "Pod", "metadata": {}}}, "metadata.name is required"),
    ({"whatever": 1}, "got keys \\['whatever'\\]"),
    ("a string", "must be a dict"),
])
def test_bad_changes_name_the_field(change, message):
    with pytest.raises(reachability.ChangeError, match=message):
        reachability.apply_change([], change)


@pytest.mark.parametrize("shape", ["state", "upsert", "bare"])
def test_change_shapes_upsert(shape):
    policy = knp("a", podSelector={})
    change = {"state": {"state": "present", "definition": policy}, "upsert": {"upsert": policy},
              "bare": policy}[shape]
    assert reachability.apply_change([], change) == [policy]


def test_upsert_replaces_in_place_and_delete_removes(lab):
    policy = knp("database-policy", podSelector={"matchLabels": {"app": "database"}}, policyTypes=["Ingress"])
    added = reachability.apply_change(lab, {"definition": policy})
    assert len(added) == len(lab) + 1
    changed = copy.deepcopy(policy)
    changed["spec"]["policyTypes"] = ["Ingress", "Egress"]
    replaced = reachability.apply_change(added, {"upsert": changed})
    assert len(replaced) == len(added)
    assert replaced[-1]["spec"]["policyTypes"] == ["Ingress", "Egress"]
    removed = reachability.apply_change(replaced, {"delete": {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "database-policy", "namespace": "yaobank"}}})
    assert removed == lab
    # deleting what is not there changes nothing
    assert reachability.apply_change(lab, {"state": "absent", "definition": policy}) == lab


def test_apply_change_does_not_touch_its_input(lab):
    before = copy.deepcopy(lab)
    sa = {"apiVersion": "v1", "kind": "ServiceAccount",
          "metadata": {"name": "customer", "namespace": "yaobank", "labels": {"internet-egress": "allowed"}}}
    after = reachability.apply_change(lab, {"definition": sa})
    assert lab == before
    assert [obj for obj in after if obj["kind"] == "ServiceAccount" and obj["metadata"]["name"] == "customer"] == [sa]


def test_namespaced_object_without_namespace_lands_in_default():
    policy = {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy", "metadata": {"name": "p"}, "spec": {}}
    assert reachability.apply_change([], policy)[0]["metadata"]["namespace"] == "default"


# ---------------------------------------------------------------- snapshot sources

def test_load_snapshot_forms(tmp_path, lab):
    assert len(lab) > 15
    assert {obj["kind"] for obj in lab} >= {"Namespace", "Node", "Pod", "Service", "ServiceAccount"}
    multi = tmp_path / "multi.yaml"
    multi.write_text("---\n" + yaml.safe_dump(lab[0]) + "---\n" + yaml.safe_dump({"kind": "List", "apiVersion": "v1",
                                                                                  "items": lab[1:3]}) + "---\n")
    assert reachability.load_snapshot(str(multi)) == lab[:3]
    as_json = tmp_path / "lab.json"
    as_json.write_text(json.dumps(lab[:2]))
    assert reachability.load_snapshot(str(as_json)) == lab[:2]
    assert reachability.load_snapshot({"apiVersion": "v1", "kind": "List", "items": lab[:2]}) == lab[:2]
    assert reachability.load_snapshot(multi.read_text()) == lab[:3]  # the text itself, e.g. from a file lookup
    assert reachability.load_snapshot(json.dumps(lab[:2])) == lab[:2]
    assert reachability.load_snapshot(lab[:2]) == lab[:2]


@pytest.mark.parametrize("snapshot, message", [
    ("/nonexistent/lab.yml", "no such file"),
    (42, "must be a list of objects or the path"),
    ([{"just": "data"}], "is not a Kubernetes object"),
])
def test_load_snapshot_errors(snapshot, message):
    with pytest.raises(reachability.ChangeError, match=message):
        reachability.load_snapshot(snapshot)


def test_load_snapshot_bad_yaml(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("items: [unclosed\n")
    with pytest.raises(reachability.ChangeError, match="not valid YAML"):
        reachability.load_snapshot(str(path))


class _Listing(object):
    def __init__(self, items):
        self.items = items

    def to_dict(self):
        return {"items": copy.deepcopy(self.items)}


class FakeDynamic(object):
    """The two DynamicClient calls read_live_objects makes: resources.get(api_version, kind) and get(resource)."""

    def __init__(self, served):
        self.served = served
        self.resources = self

    def get(self, resource=None, api_version=None, kind=None):
        if resource is None:
            if (api_version, kind) not in self.served:
                raise LookupError("ResourceNotFoundError: %s %s" % (api_version, kind))
            return (api_version, kind)
        return _Listing(self.served[resource])


def test_read_live_objects_types_items_and_skips_mirrored_knps():
    served = dict(((api_version, kind), []) for api_version, kind, required in reachability.LIVE_KINDS if required)
    served[("v1", "Pod")] = [{"metadata": {"name": "a", "namespace": "n"}}]
    served[("projectcalico.org/v3", "NetworkPolicy")] = [{"metadata": {"name": "knp.default.x", "namespace": "n"}},
                                                         {"metadata": {"name": "own", "namespace": "n"}}]

    class Client(object):
        dynamic = FakeDynamic(served)

    objects = reachability.read_live_objects(Client())
    assert {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "n"}} in objects
    names = [obj["metadata"]["name"] for obj in objects if obj["kind"] == "NetworkPolicy"]
    assert names == ["own"]


def test_read_live_objects_needs_the_calico_kinds():
    with pytest.raises(reachability.ChangeError, match="does not serve v1 Namespace"):
        reachability.read_live_objects(FakeDynamic({}))


def test_engine_flow_drops_report_keys_and_defaults_tcp():
    warnings = []
    assert reachability.engine_flow({"src": dict(HOST1, label="host1"), "dst": {"pod": "a/b", "port": 80}, "port": 80},
                                    warnings=warnings) == {"src": HOST1, "dst": {"pod": "a/b"}, "protocol": "TCP",
                                                           "port": 80}
    assert warnings == ["flow.dst: 'port' belongs to the flow, next to src and dst (ignored)"]


def test_a_port_on_a_flow_end_of_a_flow_without_one_is_refused():
    with pytest.raises(reachability.ChangeError, match="flow.dst: 'port' belongs to the flow, next to src and dst"):
        reachability.engine_flow({"src": HOST1, "dst": {"pod": "a/b", "port": 80}}, warnings=[])


# ---------------------------------------------------------------- the course, step by step (what the walkthrough asserts)

def test_every_course_step_meets_its_expectations(lab, steps):
    objects = lab
    for step in steps:
        objects = reachability.apply_changes(objects, step["changes"])
        snapshot = reachability.build_snapshot(objects)
        rows, mismatches = reachability.check_expectations(snapshot, step["expect"])
        assert len(rows) == len(step["expect"])
        mismatch_summary = [(row["source"], row["destination"], row["port"], row["explanation"]) for row in mismatches]
        assert mismatches == [], (step["name"], mismatch_summary)
        for row in rows:
            assert row["decided_by"], (step["name"], row)


def test_build_matrix_with_per_destination_ports(lab, steps):
    snapshot = reachability.build_snapshot(reachability.apply_changes(lab, step_changes(steps, "database-policy")))
    matrix = reachability.build_matrix(snapshot, {
        "title": "t", "port": 80,
        "sources": [CUSTOMER, dict(SUMMARY0, label="summary")],
        "destinations": [SUMMARY1, dict(DATABASE, port=2379), dict(COREDNS, protocol="UDP", port=53, label="dns")]})
    assert matrix["sources"] == ["yaobank/customer-0", "summary"]
    assert matrix["destinations"] == ["yaobank/summary-1", "yaobank/database-0 TCP/2379", "dns"]
    allowed = [[cell["allowed"] for cell in row] for row in matrix["cells"]]
    assert allowed == [[True, False, True], [True, True, True]]
    assert all(cell["explanation"] for row in matrix["cells"] for cell in row)


@pytest.mark.parametrize("spec, message", [
    ({"sources": [], "destinations": [CUSTOMER]}, "needs non-empty sources and destinations"),
    ([CUSTOMER], "must be a dict"),
])
def test_bad_matrix(lab, spec, message):
    with pytest.raises(reachability.ChangeError, match=message):
        reachability.build_matrix(reachability.build_snapshot(lab), spec)


def test_expectation_needs_a_boolean(lab):
    with pytest.raises(reachability.ChangeError, match="expect\\[0\\].allowed must be true or false"):
        reachability.check_expectations(reachability.build_snapshot(lab), [flow(CUSTOMER, DATABASE, 2379)])


def test_unknown_pod_is_a_readable_error(lab):
    with pytest.raises(reachability.ChangeError, match="flows\\[0\\]: cannot evaluate yaobank/nope"):
        reachability.evaluate_flows(reachability.build_snapshot(lab), [flow({"pod": "yaobank/nope"}, DATABASE, 2379)])


# ---------------------------------------------------------------- keys a user may misspell

@pytest.mark.parametrize("key, known, expected", [
    ("dest", reachability.FLOW_KEYS, "dst"),
    ("destination", reachability.FLOW_KEYS, "dst"),
    ("source", reachability.FLOW_KEYS, "src"),
    ("prot", reachability.FLOW_KEYS, "protocol"),
    ("Protocol", reachability.FLOW_KEYS, "protocol"),
    ("dst_port", reachability.FLOW_KEYS, "port"),
    ("src-port", reachability.FLOW_KEYS, "src_port"),
    ("expected", reachability.FLOW_KEYS + reachability.EXPECT_KEYS, "allowed"),
    ("allowd", reachability.FLOW_KEYS + reachability.EXPECT_KEYS, "allowed"),
    ("descripton", reachability.FLOW_KEYS + reachability.EXPECT_KEYS, "description"),
    ("lable", reachability.END_KEYS + ("label",), "label"),
    ("pdo", reachability.END_KEYS, "pod"),
    ("comment", reachability.FLOW_KEYS, None),
    ("expected", reachability.FLOW_KEYS, None),  # an alias whose target the caller does not allow
])
def test_closest_key(key, known, expected):
    assert reachability.closest_key(key, known) == expected


def test_a_misspelt_key_the_flow_lacks_is_refused_with_the_key_it_stands_for(lab):
    snapshot = reachability.build_snapshot(lab)
    for bad, meant in (({"src": CUSTOMER, "dest": DATABASE, "port": 2379}, "dst"),
                       ({"src": CUSTOMER, "dst": DATABASE, "prot": "UDP", "port": 2379}, "protocol"),
                       ({"src": CUSTOMER, "dst": DATABASE, "dst_port": 2379}, "port")):
        warnings = []
        with pytest.raises(reachability.ChangeError, match="flows\\[0\\]: unknown key '[a-z_]+'; did you mean '%s'\\?"
                           % meant):
            reachability.evaluate_flows(snapshot, [bad], warnings=warnings)


def test_an_unknown_key_that_changes_no_verdict_is_a_warning(lab):
    snapshot = reachability.build_snapshot(lab)
    warnings = []
    rows = reachability.evaluate_flows(snapshot, [dict(flow(CUSTOMER, DATABASE, 2379), dest=SUMMARY0, comment="x",
                                                       descripton="typo")], warnings=warnings)
    assert rows[0]["allowed"] is True and rows[0]["dst"] == DATABASE
    assert warnings == ["flows[0]: unknown key 'comment'; known keys: src, dst, protocol, port, icmp, src_port, "
                        "ip_version, description (ignored)",
                        "flows[0]: unknown key 'descripton'; did you mean 'description'? (ignored)",
                        "flows[0]: unknown key 'dest'; did you mean 'dst'? (ignored)"]


def test_without_a_warnings_list_every_unknown_key_is_refused(lab):
    snapshot = reachability.build_snapshot(lab)
    with pytest.raises(reachability.ChangeError, match="flows\\[0\\]: unknown key 'comment'; known keys: src, dst"):
        reachability.evaluate_flows(snapshot, [dict(flow(CUSTOMER, DATABASE, 2379), comment="x")])


def test_flow_ends_are_checked_too(lab):
    snapshot = reachability.build_snapshot(lab)
    warnings = []
    rows = reachability.evaluate_flows(snapshot, [flow(dict(CUSTOMER, lable="me"), dict(DATABASE, port=2379), 2379)],
                                       warnings=warnings)
    assert rows[0]["src"] == CUSTOMER
    assert warnings == ["flows[0].src: unknown key 'lable'; did you mean 'label'? (ignored)",
                        "flows[0].dst: 'port' belongs to the flow, next to src and dst (ignored)"]
    with pytest.raises(reachability.ChangeError, match="flows\\[0\\].dst: unknown key 'pdo'; did you mean 'pod'"):
        reachability.evaluate_flows(snapshot, [flow(CUSTOMER, {"pdo": "yaobank/database-0"}, 2379)], warnings=[])


def test_matrix_ends_are_checked_and_destinations_keep_their_ports(lab):
    warnings = []
    matrix = reachability.build_matrix(reachability.build_snapshot(lab), {
        "sources": [dict(CUSTOMER, port=80)], "destinations": [dict(DATABASE, port=2379, lable="db")]},
        warnings=warnings)
    assert matrix["destinations"] == ["yaobank/database-0 TCP/2379"]
    assert warnings == ["matrix.destinations[0]: unknown key 'lable'; did you mean 'label'? (ignored)",
                        "matrix.sources[0]: 'port' belongs to a destination or to the matrix, not to a source "
                        "(ignored)"]
    with pytest.raises(reachability.ChangeError, match="matrix.sources\\[0\\]: unknown key 'ipp'; did you mean 'ip'"):
        reachability.build_matrix(reachability.build_snapshot(lab), {
            "sources": [{"ipp": "10.0.0.1"}], "destinations": [DATABASE]}, warnings=[])


def test_expectations_name_the_misspelt_allowed(lab):
    snapshot = reachability.build_snapshot(lab)
    with pytest.raises(reachability.ChangeError, match="expect\\[0\\]: unknown key 'expected'; did you mean 'allowed'"):
        reachability.check_expectations(snapshot, [dict(flow(CUSTOMER, DATABASE, 2379), expected=False)], warnings=[])
    warnings = []
    rows, mismatches = reachability.check_expectations(
        snapshot, [dict(flow(CUSTOMER, DATABASE, 2379), allowed=True, descripton="typo")], warnings=warnings)
    assert mismatches == [] and rows[0]["expected"] is True
    assert warnings == ["expect[0]: unknown key 'descripton'; did you mean 'description'? (ignored)"]


def test_allowed_is_not_a_flow_key(lab):
    snapshot = reachability.build_snapshot(lab)
    warnings = []
    reachability.evaluate_flows(snapshot, [dict(flow(CUSTOMER, DATABASE, 2379), allowed=True)], warnings=warnings)
    assert warnings == ["flows[0]: 'allowed' asserts a verdict, so it belongs to an expect entry, not to a flow "
                        "(ignored)"]
    rows, mismatches = reachability.check_expectations(snapshot, [dict(flow(CUSTOMER, DATABASE, 2379), allowed=True,
                                                                       description="open before any policy")])
    assert rows[0]["description"] == "open before any policy" and mismatches == []


# ---------------------------------------------------------------- a whole request

def request(**params):
    base = {"changes": None, "baseline_changes": None, "flows": [], "matrix": None, "expect": [],
            "report_format": None, "report_path": None, "report_title": None}
    base.update(params)
    return base


@pytest.mark.parametrize("params, fmt", [
    ({}, "none"), ({"report_path": "/x/r.HTML"}, "html"), ({"report_path": "/x/r.htm"}, "html"),
    ({"report_path": "/x/r.txt"}, "markdown"), ({"report_path": "/x/r.html", "report_format": "markdown"}, "markdown"),
])
def test_report_format_of(params, fmt):
    assert reachability.report_format_of(request(**params)) == fmt


@pytest.mark.parametrize("params, message", [
    ({"report_path": "/x/r.md", "report_format": "none"}, "report_path is set but report_format is 'none'"),
    ({"baseline_changes": 0}, "baseline_changes needs a matrix"),
    ({"baseline_changes": 2, "changes": [{}], "matrix": {"sources": [CUSTOMER], "destinations": [DATABASE]}},
     "between 0 and the number of changes \\(1\\), got 2"),
    ({"baseline_changes": -1, "matrix": {"sources": [CUSTOMER], "destinations": [DATABASE]}}, "got -1"),
])
def test_check_request_refuses_before_reading_anything(params, message):
    with pytest.raises(reachability.ChangeError, match=message):
        reachability.check_request(request(**params))


def test_evaluate_request_marks_flips_and_collects_warnings(lab, steps):
    policy = step_object(steps, "database-policy", "database-policy")
    params = request(changes=[{"state": "present", "definition": policy}], baseline_changes=0,
                     matrix={"sources": [CUSTOMER, SUMMARY0], "destinations": [dict(DATABASE, port=2379)]},
                     flows=[dict(flow(CUSTOMER, DATABASE, 2379), note="x")],
                     expect=[dict(flow(CUSTOMER, DATABASE, 2379), allowed=False, description="closed")])
    result = reachability.evaluate_request(params, lab)
    assert result["objects"] == len(lab) + 1
    assert [cell["allowed"] for row in result["matrix"]["cells"] for cell in row] == [False, True]
    assert result["flipped_cells"] == [{"source": "yaobank/customer-0", "destination": "yaobank/database-0 TCP/2379",
                                        "before": True, "after": False,
                                        "decided_by": result["matrix"]["cells"][0][0]["decided_by"]}]
    assert result["verdicts"][0]["allowed"] is False
    assert result["mismatches"] == [] and result["expectations"][0]["description"] == "closed"
    assert result["warnings"] == ["flows[0]: unknown key 'note'; known keys: src, dst, protocol, port, icmp, "
                                  "src_port, ip_version, description (ignored)"]


def test_render_request_report(lab):
    params = request(report_format="markdown", report_title="T", flows=[flow(CUSTOMER, DATABASE, 2379)])
    result = reachability.evaluate_request(params, lab)
    text = reachability.render_request_report(params, result)
    assert text.startswith("# T\n")
    assert reachability.render_request_report(request(), result) is None


def test_mismatch_message_counts_and_tabulates(lab):
    rows, mismatches = reachability.check_expectations(reachability.build_snapshot(lab),
                                                       [dict(flow(CUSTOMER, DATABASE, 2379), allowed=False)])
    message = reachability.mismatch_message(mismatches, len(rows))
    assert message.startswith("1 of 1 expected verdicts differ:\nsource")
    assert "yaobank/customer-0" in message
