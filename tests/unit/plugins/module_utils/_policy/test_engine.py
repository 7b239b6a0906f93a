"""Unit tests for the policy engine (plugins/module_utils/_policy/engine.py and its helpers in _policy/).

* the table in policy_engine_cases.yml: examples from the Kubernetes and Calico policy documentation, written
  by us, on a small base cluster built here;
* the course's yaobank policy sequence, step by step, on a snapshot of the lab as the course describes it
  (../shared/course: control 198.19.0.1, node1 .0.2, node2 .0.3, host1 198.19.15.254; customer on node1
  behind NodePort 30180, database on node2, two summary replicas);
* the model: implicit and inherited labels, defaulting, Kubernetes policy conversion, services, errors.

Every verdict checked here also has its explanation checked: each stage must name a policy (kind, namespace,
name) and rule that exist in the snapshot, a profile of that endpoint, a failsafe port, or a default deny
listing real policies.
"""
import copy
import json
from pathlib import Path

import pytest
import yaml

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.engine import (
    FlowError,
    Snapshot,
    evaluate,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.matrix import reachability_matrix
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.model import ModelError

CASES = yaml.safe_load((Path(__file__).parent / "policy_engine_cases.yml").read_text(encoding="utf-8"))


# --- builders -----------------------------------------------------------------------------------------------


def pod(namespace, name, ip, node, labels, account="default", ports=(), host_network=False):
    spec = {"nodeName": node, "serviceAccountName": account,
            "containers": [{"name": "main", "ports": [
                {"name": port_name, "containerPort": number, "protocol": protocol}
                for port_name, number, protocol in ports]}]}
    if host_network:
        spec["hostNetwork"] = True
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": namespace, "name": name, "labels": labels},
            "spec": spec, "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}}


def node(name, ip, **labels):
    labels = dict({"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}, **labels)
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels},
            "status": {"addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}]}}


def namespace(name, **labels):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def account(ns, name, **labels):
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"namespace": ns, "name": name, "labels": labels}}


def service(ns, name, selector, ports, kind="ClusterIP", **spec):
    body = {"type": kind, "selector": selector, "ports": ports}
    body.update(spec)
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"namespace": ns, "name": name}, "spec": body}


def base_cluster():
    return [
        node("node1", "10.0.0.1", **{"node-role": "worker"}),
        node("node2", "10.0.0.2", **{"node-role": "worker"}),
        namespace("prod", project="myproject", user="alice", env="prod"),
        namespace("dev", user="bob", env="dev"),
        namespace("default"),
        namespace("kube-system"),
        account("prod", "db", **{"internet-egress": "denied"}),
        account("prod", "web", **{"internet-egress": "allowed"}),
        pod("prod", "db-0", "10.1.1.10", "node1", {"role": "db"}, "db", [("redis", 6379, "TCP")]),
        pod("prod", "frontend-0", "10.1.1.11", "node1", {"role": "frontend"}, "web", [("http", 8080, "TCP")]),
        pod("prod", "client-0", "10.1.2.12", "node2", {"role": "client"}),
        pod("dev", "client-0", "10.1.2.20", "node2", {"role": "client"}),
        pod("dev", "web-0", "10.1.1.21", "node1", {"role": "frontend"}, ports=[("http", 80, "TCP")]),
        pod("default", "busybox", "10.1.2.30", "node2", {"run": "busybox"}),
        pod("kube-system", "coredns-0", "10.1.1.2", "node1", {"k8s-app": "kube-dns"},
            ports=[("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")]),
        service("prod", "frontend", {"role": "frontend"},
                [{"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080}], "NodePort"),
        service("prod", "db", {"role": "db"}, [{"port": 6379, "targetPort": "redis"}]),
        service("kube-system", "kube-dns", {"k8s-app": "kube-dns"},
                [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": "dns"},
                 {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": "dns-tcp"}]),
    ]


# --- explanation integrity ----------------------------------------------------------------------------------


def policy_ids(snapshot):
    return set((p.kind, p.namespace, p.name) for p in snapshot.policies)


def assert_stage_names_real_things(snapshot, stage):
    detail = stage.detail
    kind = detail["type"]
    assert stage.decided_by and isinstance(stage.decided_by, str)
    if kind == "rule":
        policy = detail["policy"]
        assert (policy["kind"], policy["namespace"], policy["name"]) in policy_ids(snapshot), detail
        found = [p for p in snapshot.policies if (p.kind, p.namespace, p.name) ==
                 (policy["kind"], policy["namespace"], policy["name"])][0]
        rules = found.ingress + found.egress
        assert any(r.index == detail["rule"] and r.label == detail["rule_label"] for r in rules), detail
        assert detail["action"] in ("Allow", "Deny")
        assert policy["name"] in stage.decided_by and detail["rule_label"] in stage.decided_by
    elif kind == "profile":
        name = detail["policy"]["name"]
        assert name.startswith("kns.") or name.startswith("ksa.") or name in snapshot.profiles, detail
        assert name in stage.decided_by
    elif kind == "default-deny":
        assert detail["policies"], detail
        refs = set(p.ref() for p in snapshot.policies)
        assert set(detail["policies"]) <= refs, detail
        assert stage.decided_by.startswith("default deny (end of tier")
    elif kind == "failsafe":
        assert stage.decided_by.startswith("failsafe ")
    elif kind == "no-match":
        assert set(detail["policies"]) <= set(p.ref() for p in snapshot.policies)
    else:
        assert kind in ("no-profile", "no-hep", "not-calico", "host-to-local-workload", "endpoint-to-host",
                        "local", "loopback", "no-forward-policy", "passed", "no-backend"), detail


def assert_explained(snapshot, verdict):
    assert verdict.stages
    for stage in verdict.stages:
        assert_stage_names_real_things(snapshot, stage)
    for _label, _port, backend in verdict.backends or ():
        for stage in backend.stages:
            assert_stage_names_real_things(snapshot, stage)
    denied = [s for s in verdict.stages if s.decision == "deny"]
    assert verdict.allowed is (not denied) or verdict.backends is not None
    text = verdict.explain()
    assert ("ALLOWED" if verdict.allowed else "DENIED") in text.splitlines()[0]
    for stage in verdict.stages:
        assert stage.decided_by in text
    json.dumps(verdict.as_dict())


def check_flow(snapshot, expected, context):
    flow = dict((k, expected[k]) for k in ("src", "dst", "protocol", "port", "icmp") if k in expected)
    flow.setdefault("protocol", "TCP")
    verdict = evaluate(snapshot, flow)
    assert verdict.allowed is expected["allowed"], "%s\n%s" % (context, verdict.explain())
    if "decided_by" in expected:
        assert expected["decided_by"] in verdict.decided_by, "%s\n%s" % (context, verdict.explain())
    if "stages" in expected:
        assert [s.name for s in verdict.stages] == expected["stages"], "%s\n%s" % (context, verdict.explain())
    assert_explained(snapshot, verdict)
    return verdict


# --- the documentation table --------------------------------------------------------------------------------


def _flow_cases():
    for case in CASES["cases"]:
        for index, flow in enumerate(case["flows"]):
            yield pytest.param(case, flow, id="%s #%d" % (case["name"], index))


@pytest.mark.parametrize("case, expected", list(_flow_cases()))
def test_documentation_examples(case, expected):
    snapshot = Snapshot.from_objects(base_cluster() + copy.deepcopy(case["objects"]))
    check_flow(snapshot, expected, case["name"])


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda case: case["name"])
def test_documentation_matrices_agree_with_single_flows(case):
    snapshot = Snapshot.from_objects(base_cluster() + copy.deepcopy(case["objects"]))
    sides = [{"pod": ref} for ref in sorted(snapshot.weps)] + [{"ip": "192.0.2.1"}, {"host": "node1"}]
    for port in (80, 6379, 8080):
        matrix = reachability_matrix(snapshot, sides, sides, "TCP", port)
        for i, src in enumerate(sides):
            for j, dst in enumerate(sides):
                verdict = evaluate(snapshot, {"src": src, "dst": dst, "protocol": "TCP", "port": port})
                assert matrix["allowed"][i][j] is verdict.allowed, (src, dst, port, verdict.explain())


# --- the course's yaobank sequence --------------------------------------------------------------------------

CONTROL, NODE1, NODE2, HOST1 = "198.19.0.1", "198.19.0.2", "198.19.0.3", "198.19.15.254"
CUSTOMER = {"pod": "yaobank/customer-6b8c7d9f4-x2x7k"}
SUMMARY_1 = {"pod": "yaobank/summary-58d4f7c9b-7m6qd"}
SUMMARY_2 = {"pod": "yaobank/summary-58d4f7c9b-kq2lz"}
DATABASE = {"pod": "yaobank/database-7d8f9c6b5-h5zsv"}
COREDNS = {"pod": "kube-system/coredns-7448499f4d-4tq4z"}
INTERNET = {"ip": "8.8.8.8"}
NON_CLUSTER_HOST = {"ip": "198.19.15.100"}


def yaobank_lab():
    """The lab after the install modules: k3s nodes, Calico, yaobank (as the course notes describe them)."""
    objects = [
        node("control", CONTROL), node("node1", NODE1), node("node2", NODE2),
        namespace("yaobank", **{"istio-injection": "disabled"}),
        namespace("kube-system"), namespace("calico-system"), namespace("default"),
        account("yaobank", "database", app="yaobank"),
        account("yaobank", "summary", app="yaobank", database="reader"),
        account("yaobank", "customer", app="yaobank", summary="reader"),
        pod("yaobank", "customer-6b8c7d9f4-x2x7k", "198.19.22.131", "node1", {"app": "customer", "version": "v1"},
            "customer", [("http", 80, "TCP")]),
        pod("yaobank", "summary-58d4f7c9b-7m6qd", "198.19.22.130", "node1", {"app": "summary", "version": "v1"},
            "summary", [("http", 80, "TCP")]),
        pod("yaobank", "summary-58d4f7c9b-kq2lz", "198.19.21.1", "node2", {"app": "summary", "version": "v1"},
            "summary", [("http", 80, "TCP")]),
        pod("yaobank", "database-7d8f9c6b5-h5zsv", "198.19.21.67", "node2", {"app": "database", "version": "v1"},
            "database", [("http", 2379, "TCP")]),
        pod("kube-system", "coredns-7448499f4d-4tq4z", "198.19.16.2", "control", {"k8s-app": "kube-dns"},
            "coredns", [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")]),
        service("yaobank", "database", {"app": "database"}, [{"port": 2379, "name": "http"}]),
        service("yaobank", "summary", {"app": "summary"}, [{"port": 80, "name": "http"}]),
        service("yaobank", "customer", {"app": "customer"}, [{"port": 80, "nodePort": 30180, "name": "http"}],
                "NodePort"),
        service("kube-system", "kube-dns", {"k8s-app": "kube-dns"},
                [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                 {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53}]),
    ]
    return objects


APP_NS = 'has(projectcalico.org/name) && projectcalico.org/name not in {"kube-system", "calico-system"}'


def knp(name, spec):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": "yaobank"}, "spec": spec}


def gnp(name, spec):
    return {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": name},
            "spec": spec}


DATABASE_POLICY = knp("database-policy", {
    "podSelector": {"matchLabels": {"app": "database"}},
    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "summary"}}}],
                 "ports": [{"protocol": "TCP", "port": 2379}]}],
    "egress": [{"to": []}]})
DEFAULT_APP_POLICY = gnp("default-app-policy", {"namespaceSelector": APP_NS, "types": ["Ingress", "Egress"]})
DEFAULT_APP_POLICY_DNS = gnp("default-app-policy", {
    "namespaceSelector": APP_NS, "types": ["Ingress", "Egress"],
    "egress": [{"action": "Allow", "protocol": "UDP",
                "destination": {"selector": 'k8s-app == "kube-dns"', "ports": [53]}}]})
CUSTOMER_POLICY = knp("customer-policy", {
    "podSelector": {"matchLabels": {"app": "customer"}},
    "ingress": [{"ports": [{"protocol": "TCP", "port": 80}]}],
    "egress": [{"to": []}]})
SUMMARY_POLICY = knp("summary-policy", {
    "podSelector": {"matchLabels": {"app": "summary"}},
    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "customer"}}}],
                 "ports": [{"protocol": "TCP", "port": 80}]}],
    "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "database"}}}],
                "ports": [{"protocol": "TCP", "port": 2379}]}]})
EGRESS_LOCKDOWN = gnp("egress-lockdown", {
    "order": 600, "namespaceSelector": APP_NS, "serviceAccountSelector": 'internet-egress not in {"allowed"}',
    "types": ["Egress"],
    "egress": [{"action": "Deny", "destination": {"notNets": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                              "198.18.0.0/15"]}}]})
DEFAULT_NODE_POLICY = gnp("default-node-policy", {
    "selector": "has(kubernetes.io/hostname)",
    "ingress": [{"action": "Allow", "protocol": "TCP", "source": {"nets": ["127.0.0.1/32"]}},
                {"action": "Allow", "protocol": "UDP", "source": {"nets": ["127.0.0.1/32"]}}]})
AUTO_HEPS = {"apiVersion": "projectcalico.org/v3", "kind": "KubeControllersConfiguration",
             "metadata": {"name": "default"},
             "spec": {"controllers": {"node": {"hostEndpoint": {"autoCreate": "Enabled"}}}}}
NODEPORT_DENY = [{"action": "Deny", "protocol": "TCP", "destination": {"ports": ["30000:32767"]}},
                 {"action": "Deny", "protocol": "UDP", "destination": {"ports": ["30000:32767"]}}]
NODEPORT_POLICY = gnp("nodeport-policy", {
    "order": 100, "selector": "has(kubernetes.io/hostname)", "applyOnForward": True, "preDNAT": True,
    "ingress": NODEPORT_DENY})
NODEPORT_POLICY_HOST1 = gnp("nodeport-policy", {
    "order": 100, "selector": "has(kubernetes.io/hostname)", "applyOnForward": True, "preDNAT": True,
    "ingress": [{"action": "Allow", "protocol": "TCP", "destination": {"ports": [30180]},
                 "source": {"nets": [HOST1 + "/32"]}}] + NODEPORT_DENY})


def label_customer_account(objects):
    for obj in objects:
        if obj["kind"] == "ServiceAccount" and obj["metadata"]["name"] == "customer":
            obj["metadata"]["labels"]["internet-egress"] = "allowed"
    return objects


def flow(src, dst, port, protocol="TCP", allowed=True, decided_by=None):
    return {"src": src, "dst": dst, "port": port, "protocol": protocol, "allowed": allowed,
            "decided_by": decided_by}


# Each step: (name, change to the objects, flows to check). Steps accumulate, as in the course.
YAOBANK_STEPS = [
    ("1 no policy: the attack on the database succeeds", lambda o: o, [
        flow(CUSTOMER, DATABASE, 2379, decided_by="profile kns.yaobank allow"),
        flow(CUSTOMER, {"service": "yaobank/database"}, 2379),
        flow({"ip": HOST1}, {"nodeport": {"node": "control", "port": 30180}}, None),
    ]),
    ("2 database-policy: only summary reaches the database", lambda o: o + [DATABASE_POLICY], [
        flow(CUSTOMER, DATABASE, 2379, allowed=False, decided_by="destination ingress: default deny (end of tier "
             "default; applied: KubernetesNetworkPolicy yaobank/database-policy)"),
        flow(CUSTOMER, {"service": "yaobank/database"}, 2379, allowed=False),
        flow(SUMMARY_1, DATABASE, 2379,
             decided_by="KubernetesNetworkPolicy yaobank/database-policy ingress rule 0 from[0] TCP (Allow)"),
        flow(SUMMARY_2, DATABASE, 2379),
        flow(DATABASE, INTERNET, 443, decided_by="KubernetesNetworkPolicy yaobank/database-policy egress rule 0"),
    ]),
    ("3 default-app-policy: default deny, DNS fails", lambda o: o + [DEFAULT_APP_POLICY], [
        flow(CUSTOMER, COREDNS, 53, "UDP", allowed=False, decided_by="source egress: default deny (end of tier "
             "default; applied: GlobalNetworkPolicy default-app-policy)"),
        flow(CUSTOMER, INTERNET, 53, "UDP", allowed=False),
        flow({"ip": HOST1}, {"nodeport": {"node": "control", "port": 30180}}, None, allowed=False,
             decided_by="destination ingress: default deny"),
        flow(SUMMARY_1, DATABASE, 2379, allowed=False, decided_by="source egress: default deny"),
    ]),
    ("4 default-app-policy allows DNS to kube-dns", lambda o: [x for x in o if x is not DEFAULT_APP_POLICY]
     + [DEFAULT_APP_POLICY_DNS], [
        flow(CUSTOMER, COREDNS, 53, "UDP", decided_by="GlobalNetworkPolicy default-app-policy egress rule 0 (Allow)"),
        flow(CUSTOMER, {"service": "kube-system/kube-dns"}, 53, "UDP"),
        flow(CUSTOMER, COREDNS, 53, "TCP", allowed=False),
        flow(CUSTOMER, INTERNET, 53, "UDP", allowed=False),
        flow({"ip": HOST1}, {"nodeport": {"node": "control", "port": 30180}}, None, allowed=False),
    ]),
    ("5 customer and summary policies: the front end works again", lambda o: o + [CUSTOMER_POLICY, SUMMARY_POLICY], [
        flow({"ip": HOST1}, {"nodeport": {"node": "control", "port": 30180}}, None,
             decided_by="KubernetesNetworkPolicy yaobank/customer-policy ingress rule 0 TCP (Allow)"),
        flow(CUSTOMER, {"service": "yaobank/summary"}, 80),
        flow(CUSTOMER, SUMMARY_2, 80, decided_by="KubernetesNetworkPolicy yaobank/summary-policy ingress rule 0 "
             "from[0] TCP (Allow)"),
        flow(SUMMARY_2, {"service": "yaobank/database"}, 2379),
        flow(CUSTOMER, DATABASE, 2379, allowed=False, decided_by="destination ingress: default deny"),
        flow(SUMMARY_1, INTERNET, 443, allowed=False, decided_by="source egress: default deny"),
        # the lazy developer's egress rule lets the customer out to the internet
        flow(CUSTOMER, INTERNET, 443, decided_by="KubernetesNetworkPolicy yaobank/customer-policy egress rule 0"),
    ]),
    ("6 egress-lockdown (order 600) beats the lazy egress rule", lambda o: o + [EGRESS_LOCKDOWN], [
        flow(CUSTOMER, INTERNET, 443, allowed=False,
             decided_by="source egress: GlobalNetworkPolicy egress-lockdown egress rule 0 (Deny)"),
        flow(CUSTOMER, INTERNET, None, "ICMP", allowed=False, decided_by="egress-lockdown"),
        flow(CUSTOMER, SUMMARY_1, 80),
        flow(CUSTOMER, COREDNS, 53, "UDP"),
        flow({"ip": HOST1}, {"nodeport": {"node": "control", "port": 30180}}, None),
    ]),
    ("7 internet-egress=allowed on the customer's ServiceAccount", label_customer_account, [
        flow(CUSTOMER, INTERNET, 443, decided_by="KubernetesNetworkPolicy yaobank/customer-policy egress rule 0"),
        flow(CUSTOMER, INTERNET, None, "ICMP"),
        flow(SUMMARY_1, INTERNET, 443, allowed=False, decided_by="egress-lockdown egress rule 0 (Deny)"),
        flow(DATABASE, INTERNET, 443, allowed=False, decided_by="egress-lockdown egress rule 0 (Deny)"),
    ]),
    ("8 default-node-policy without host endpoints changes nothing", lambda o: o + [DEFAULT_NODE_POLICY], [
        flow({"ip": HOST1}, {"host": "control"}, 21, decided_by="no host endpoint"),
    ]),
    ("9 auto host endpoints: FTP from host1 blocked, SSH open (failsafe)", lambda o: o + [AUTO_HEPS], [
        flow({"ip": HOST1}, {"host": "control"}, 21, allowed=False, decided_by="host ingress: default deny (end of "
             "tier default; applied: GlobalNetworkPolicy default-node-policy)"),
        flow({"ip": HOST1}, {"host": "control"}, 22, decided_by="failsafe tcp:22"),
        flow({"ip": HOST1}, {"host": "node1"}, 6443, decided_by="failsafe tcp:6443"),
        flow({"host": "node1"}, {"host": "control"}, 179, decided_by="failsafe tcp:179"),
        # forwarded traffic is not policed by default-node-policy (no applyOnForward)
        flow({"ip": HOST1}, {"nodeport": {"node": "control", "port": 30180}}, None),
        flow(CUSTOMER, SUMMARY_2, 80),
        # a pod to its own node: defaultEndpointToHostAction ACCEPT under the operator
        flow(CUSTOMER, {"host": "node1"}, 10250, decided_by="defaultEndpointToHostAction Accept"),
        flow({"host": "node2"}, DATABASE, 2379, decided_by="host to local pod: always allowed"),
    ]),
    ("10 nodeport-policy denies every NodePort before DNAT", lambda o: o + [NODEPORT_POLICY], [
        flow({"ip": HOST1}, {"nodeport": {"node": "control", "port": 30180}}, None, allowed=False,
             decided_by="host pre-DNAT: GlobalNetworkPolicy nodeport-policy ingress rule 0 (Deny)"),
        flow({"ip": HOST1}, {"nodeport": {"node": "node1", "port": 30180}}, None, allowed=False),
        flow({"ip": HOST1}, {"host": "control"}, 22, decided_by="failsafe tcp:22"),
        flow(CUSTOMER, SUMMARY_2, 80),
    ]),
    ("11 nodeport-policy lets host1 reach 30180 only", lambda o: [x for x in o if x is not NODEPORT_POLICY]
     + [NODEPORT_POLICY_HOST1], [
        flow({"ip": HOST1}, {"nodeport": {"node": "control", "port": 30180}}, None,
             decided_by="host pre-DNAT: GlobalNetworkPolicy nodeport-policy ingress rule 0 (Allow)"),
        flow({"ip": HOST1}, {"nodeport": {"node": "node2", "port": 30180}}, None),
        flow(NON_CLUSTER_HOST, {"nodeport": {"node": "control", "port": 30180}}, None, allowed=False,
             decided_by="nodeport-policy ingress rule 1 (Deny)"),
        flow({"host": "node2"}, {"nodeport": {"node": "control", "port": 30180}}, None, allowed=False),
        flow({"ip": HOST1}, {"host": "control"}, 21, allowed=False, decided_by="default-node-policy"),
        flow({"ip": HOST1}, {"host": "control"}, 22, decided_by="failsafe tcp:22"),
    ]),
]


def yaobank_objects_after(step_count):
    objects = yaobank_lab()
    for _name, change, _flows in YAOBANK_STEPS[:step_count]:
        objects = change(objects)
    return objects


def _yaobank_flows():
    for number, (name, _change, flows) in enumerate(YAOBANK_STEPS, 1):
        for index, expected in enumerate(flows):
            yield pytest.param(number, expected, id="step %s #%d" % (name, index))


@pytest.mark.parametrize("step, expected", list(_yaobank_flows()))
def test_yaobank_course_sequence(step, expected):
    snapshot = Snapshot.from_objects(yaobank_objects_after(step))
    expected = dict((k, v) for k, v in expected.items() if v is not None)
    check_flow(snapshot, expected, "yaobank step %d" % step)


def test_yaobank_nodeport_verdict_names_backend_and_snat():
    snapshot = Snapshot.from_objects(yaobank_objects_after(11))
    verdict = evaluate(snapshot, {"src": {"ip": HOST1}, "dst": {"nodeport": {"node": "control", "port": 30180}},
                                  "protocol": "TCP"})
    assert verdict.allowed
    assert "NodePort 30180 on control is Service yaobank/customer port 80" in verdict.note
    assert [backend[0] for backend in verdict.backends] == ["pod yaobank/customer-6b8c7d9f4-x2x7k"]
    names = [stage.name for stage in verdict.stages]
    assert names[:2] == ["source", "host pre-DNAT"]
    assert names[-1] == "destination ingress"
    # kube-proxy masquerades to control's address, which its auto host endpoint holds
    assert "host forward (leaving control)" in names


@pytest.mark.parametrize("step", range(len(YAOBANK_STEPS) + 1))
def test_yaobank_matrix_matches_single_flows(step):
    snapshot = Snapshot.from_objects(yaobank_objects_after(step))
    sides = [{"pod": ref} for ref in sorted(snapshot.weps)] + [{"host": "control"}, {"ip": HOST1}, INTERNET]
    for protocol, port in (("TCP", 80), ("TCP", 2379), ("UDP", 53)):
        matrix = reachability_matrix(snapshot, sides, sides, protocol, port)
        for i, src in enumerate(sides):
            for j, dst in enumerate(sides):
                verdict = evaluate(snapshot, {"src": src, "dst": dst, "protocol": protocol, "port": port})
                assert matrix["allowed"][i][j] is verdict.allowed, verdict.explain()


def test_matrix_detail_cells_feed_the_report():
    snapshot = Snapshot.from_objects(yaobank_objects_after(5))
    matrix = reachability_matrix(snapshot, None, ["yaobank/database-7d8f9c6b5-h5zsv"], "TCP", 2379, detail=True)
    assert matrix["destinations"] == ["yaobank/database-7d8f9c6b5-h5zsv"]
    cells = dict(zip(matrix["sources"], (row[0] for row in matrix["cells"])))
    assert cells["yaobank/customer-6b8c7d9f4-x2x7k"]["allowed"] is False
    assert "default deny" in cells["yaobank/customer-6b8c7d9f4-x2x7k"]["decided_by"]
    assert cells["yaobank/summary-58d4f7c9b-kq2lz"]["allowed"] is True
    assert "ALLOWED" in cells["yaobank/summary-58d4f7c9b-kq2lz"]["explanation"]
    assert matrix["allowed_count"] == sum(row.count(True) for row in matrix["allowed"])
    json.dumps(matrix)


# --- the model ----------------------------------------------------------------------------------------------


def test_workload_endpoint_labels_are_calicos():
    snapshot = Snapshot.from_objects(base_cluster())
    labels = snapshot.weps["prod/db-0"].labels
    assert labels["role"] == "db"
    assert labels["projectcalico.org/namespace"] == "prod"
    assert labels["projectcalico.org/orchestrator"] == "k8s"
    assert labels["projectcalico.org/serviceaccount"] == "db"
    assert labels["pcns.projectcalico.org/name"] == "prod"
    assert labels["pcns.project"] == "myproject"
    assert labels["pcns.kubernetes.io/metadata.name"] == "prod"
    assert labels["pcsa.internet-egress"] == "denied"
    assert labels["pcsa.projectcalico.org/name"] == "db"
    assert snapshot.weps["prod/db-0"].profiles == ("kns.prod", "ksa.prod.db")
    assert snapshot.weps["prod/client-0"].labels["pcsa.projectcalico.org/name"] == "default"


def test_own_labels_win_over_inherited_ones():
    objects = base_cluster() + [pod("prod", "sneaky", "10.1.9.9", "node1", {"pcns.env": "dev"})]
    snapshot = Snapshot.from_objects(objects + [{
        "apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "from-dev"},
        "spec": {"selector": "role == 'db'", "ingress": [{"action": "Allow", "source": {
            "namespaceSelector": "env == 'dev'"}}]}}])
    assert snapshot.weps["prod/sneaky"].labels["pcns.env"] == "dev"
    assert evaluate(snapshot, {"src": {"pod": "prod/sneaky"}, "dst": {"pod": "prod/db-0"}, "port": 6379}).allowed


def test_long_service_account_names_get_no_serviceaccount_label():
    name = "a" * 63
    snapshot = Snapshot.from_objects([namespace("x"), pod("x", "p", "10.9.0.1", "n", {}, name)])
    labels = snapshot.weps["x/p"].labels
    assert "projectcalico.org/serviceaccount" not in labels
    assert labels["pcsa.projectcalico.org/name"] == name


def test_finished_pods_are_not_endpoints_and_host_network_pods_are_their_host():
    done = pod("prod", "job", "10.1.9.1", "node1", {})
    done["status"]["phase"] = "Succeeded"
    hostnet = pod("kube-system", "proxy", "10.0.0.2", "node2", {"k8s-app": "proxy"}, host_network=True)
    snapshot = Snapshot.from_objects(base_cluster() + [done, hostnet])
    assert "prod/job" not in snapshot.weps
    verdict = evaluate(snapshot, {"src": {"pod": "kube-system/proxy"}, "dst": {"pod": "prod/client-0"}, "port": 80})
    assert verdict.allowed and verdict.decided_by == "destination ingress: host to local pod: always allowed"
    with pytest.raises(FlowError, match="no running pod 'prod/job'"):
        evaluate(snapshot, {"src": {"pod": "prod/job"}, "dst": {"pod": "prod/db-0"}, "port": 1})


def test_calico_policy_types_are_defaulted_like_clientv3():
    def types_of(spec):
        snapshot = Snapshot.from_objects([gnp("p", spec)])
        return sorted(snapshot.policies[0].types)

    assert types_of({}) == ["Ingress"]
    assert types_of({"ingress": [{"action": "Allow"}]}) == ["Ingress"]
    assert types_of({"egress": [{"action": "Allow"}]}) == ["Egress"]
    assert types_of({"ingress": [{"action": "Allow"}], "egress": [{"action": "Allow"}]}) == ["Egress", "Ingress"]
    assert types_of({"types": []}) == ["Egress", "Ingress"]
    assert types_of({"preDNAT": True, "applyOnForward": True, "ingress": [{"action": "Deny"}]}) == ["Ingress"]


def test_kubernetes_policy_conversion_keys_order_and_rules():
    snapshot = Snapshot.from_objects([{
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "web", "namespace": "a"},
        "spec": {"podSelector": {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]},
                 "ingress": [{"from": [{"podSelector": {}}, {"ipBlock": {"cidr": "10.0.0.0/8"}}],
                              "ports": [{"port": 80}, {"port": 53, "protocol": "UDP"}, {"port": "dns"}]}]}}])
    policy = snapshot.policies[0]
    assert (policy.key, policy.order, sorted(policy.types)) == ("a/knp.default.web", 1000.0, ["Ingress"])
    assert [r.label for r in policy.ingress] == [
        "ingress rule 0 from[0] TCP", "ingress rule 0 from[0] UDP", "ingress rule 0 from[1] TCP",
        "ingress rule 0 from[1] UDP"]
    assert policy.ingress[0].dst.ports == ((80, 80), "dns")
    assert policy.ingress[1].dst.ports == ((53, 53),)


def test_kubernetes_policies_never_select_host_endpoints_but_an_empty_gnp_selector_does():
    objects = base_cluster() + [
        {"apiVersion": "projectcalico.org/v3", "kind": "HostEndpoint", "metadata": {"name": "h", "labels": {}},
         "spec": {"node": "node1", "interfaceName": "eth0", "expectedIPs": ["10.0.0.1"],
                  "profiles": ["projectcalico-default-allow"]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "all", "namespace": "prod"},
         "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}]
    snapshot = Snapshot.from_objects(objects)
    assert evaluate(snapshot, {"src": {"ip": "192.0.2.1"}, "dst": {"host": "node1"}, "port": 80}).allowed
    snapshot = Snapshot.from_objects(objects + [gnp("everything", {"types": ["Ingress"]})])
    verdict = evaluate(snapshot, {"src": {"ip": "192.0.2.1"}, "dst": {"host": "node1"}, "port": 80})
    assert not verdict.allowed and "GlobalNetworkPolicy everything" in verdict.decided_by


def test_prednat_policy_is_ignored_for_pods():
    snapshot = Snapshot.from_objects(base_cluster() + [gnp("pre", {
        "preDNAT": True, "applyOnForward": True, "selector": "all()", "ingress": [{"action": "Deny"}]})])
    assert evaluate(snapshot, {"src": {"pod": "dev/client-0"}, "dst": {"pod": "prod/db-0"}, "port": 6379}).allowed


def test_auto_host_endpoints_copy_node_labels():
    snapshot = Snapshot.from_objects(yaobank_objects_after(9))
    heps = snapshot.heps_by_node["node1"]
    assert [h.name for h in heps] == ["node1-auto-hep"]
    assert heps[0].interface == "*" and heps[0].profiles == ("projectcalico-default-allow",)
    assert heps[0].labels["kubernetes.io/hostname"] == "node1"
    assert heps[0].labels["projectcalico.org/created-by"] == "calico-kube-controllers"
    assert str(heps[0].ips[0]) == NODE1
    assert not Snapshot.from_objects(yaobank_objects_after(9), auto_host_endpoints=False).heps_by_node


def test_endpoint_to_host_action_follows_felix_env_then_felix_configuration():
    objects = base_cluster() + [{"apiVersion": "projectcalico.org/v3", "kind": "FelixConfiguration",
                                 "metadata": {"name": "default"}, "spec": {"defaultEndpointToHostAction": "Drop"}}]
    flow_to_host = {"src": {"pod": "prod/db-0"}, "dst": {"host": "node1"}, "port": 10250}
    assert evaluate(Snapshot.from_objects(objects), flow_to_host).allowed
    verdict = evaluate(Snapshot.from_objects(objects, felix_env={}), flow_to_host)
    assert not verdict.allowed and verdict.decided_by == "endpoint to host: defaultEndpointToHostAction Drop"


def test_service_without_selector_uses_its_endpoints_and_local_traffic_policy():
    objects = base_cluster() + [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"namespace": "prod", "name": "manual"},
         "spec": {"ports": [{"port": 7000, "name": "x"}]}},
        {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"namespace": "prod", "name": "manual"},
         "subsets": [{"addresses": [{"ip": "10.1.1.10"}, {"ip": "192.0.2.50"}], "ports": [{"port": 6379, "name": "x"}]}]},
        service("prod", "local", {"role": "frontend"}, [{"port": 80, "targetPort": 8080, "nodePort": 30081}],
                "NodePort", externalTrafficPolicy="Local"),
    ]
    snapshot = Snapshot.from_objects(objects)
    verdict = evaluate(snapshot, {"src": {"pod": "dev/client-0"}, "dst": {"service": "prod/manual"}, "port": 7000})
    assert [(label, port) for label, port, _verdict in verdict.backends] == [("pod prod/db-0", 6379), ("192.0.2.50", 6379)]
    assert "2 of 2 backends reachable" in verdict.note
    # frontend-0 runs on node1: through node2 there is no local backend
    verdict = evaluate(snapshot, {"src": {"ip": "192.0.2.1"}, "dst": {"nodeport": {"node": "node2", "port": 30081}}})
    assert not verdict.allowed and verdict.decided_by == "service translation: the service has no ready backend"
    verdict = evaluate(snapshot, {"src": {"ip": "192.0.2.1"}, "dst": {"nodeport": {"node": "node1", "port": 30081}}})
    assert verdict.allowed and verdict.backends[0][1] == 8080


def test_verdict_as_dict_and_explain():
    snapshot = Snapshot.from_objects(yaobank_objects_after(5))
    verdict = evaluate(snapshot, {"src": CUSTOMER, "dst": {"service": "yaobank/summary"}, "protocol": "TCP",
                                  "port": 80})
    data = verdict.as_dict()
    assert data["allowed"] is True and data["flow"]["protocol"] == "TCP"
    assert len(data["backends"]) == 2 and all(b["allowed"] for b in data["backends"])
    stage = data["stages"][-1]
    assert stage["name"] == "destination ingress" and stage["allowed"] is True
    assert stage["detail"]["policy"] == {"kind": "KubernetesNetworkPolicy", "namespace": "yaobank",
                                         "name": "summary-policy", "tier": "default", "order": 1000.0}
    text = verdict.explain()
    assert text.splitlines()[0] == "pod yaobank/customer-6b8c7d9f4-x2x7k -> service yaobank/summary TCP/80: ALLOWED"
    assert "backend pod yaobank/summary-58d4f7c9b-kq2lz port 80: ALLOWED" in text
    json.dumps(data)


@pytest.mark.parametrize("flow, message", [
    ({"src": {"pod": "prod/nope"}, "dst": {"pod": "prod/db-0"}, "port": 1}, "flow.src.pod: no running pod 'prod/nope'"),
    ({"src": {"pod": "nope"}, "dst": {"pod": "prod/db-0"}, "port": 1}, "must be namespace/name"),
    ({"src": {"pod": "prod/db-0"}, "dst": {"pod": "prod/db-0"}, "protocol": "tcpx", "port": 1},
     "flow.protocol: 'tcpx' is not one of"),
    ({"src": {"pod": "prod/db-0"}, "dst": {"pod": "prod/db-0"}}, "flow.port is required for TCP"),
    ({"src": {"pod": "prod/db-0"}, "dst": {"pod": "prod/db-0"}, "port": 70000}, "not in 1-65535"),
    ({"src": {"pod": "prod/db-0"}, "dst": {"service": "prod/none"}, "port": 1}, "no Service 'prod/none'"),
    ({"src": {"pod": "prod/db-0"}, "dst": {"service": "prod/db"}, "port": 1}, "has no port TCP/1"),
    ({"src": {"service": "prod/db"}, "dst": {"pod": "prod/db-0"}, "port": 1}, "destinations only"),
    ({"src": {"ip": "300.1.1.1"}, "dst": {"pod": "prod/db-0"}, "port": 1}, "is not an IP address"),
    ({"src": {"host": "node9"}, "dst": {"pod": "prod/db-0"}, "port": 1}, "no node or host endpoint for 'node9'"),
    ({"src": {"ip": "192.0.2.1"}, "dst": {"nodeport": {"node": "node1", "port": 31999}}}, "no Service has nodePort"),
    ({"src": {"ip": "192.0.2.1"}, "dst": {"pod": "prod/db-0"}, "port": 1, "extra": 1}, "unknown field(s) extra"),
])
def test_flow_errors_name_the_field(flow, message):
    snapshot = Snapshot.from_objects(base_cluster())
    with pytest.raises(FlowError) as raised:
        evaluate(snapshot, flow)
    assert message in str(raised.value)


@pytest.mark.parametrize("obj, message", [
    (gnp("bad", {"selector": "a ==", "ingress": []}), "GlobalNetworkPolicy bad spec.selector: 'a ==' is not a valid"),
    (gnp("bad", {"ingress": [{"action": "allow"}]}), "ingress[0].action: 'allow' is not one of Allow"),
    (gnp("bad", {"ingress": [{"action": "Allow", "source": {"nets": ["10.0.0.0/33"]}}]}), "is not a CIDR"),
    (gnp("bad", {"ingress": [{"action": "Allow", "destination": {"ports": ["9:1"]}}]}), "not a valid port range"),
    (gnp("t.bad", {"tier": "t"}), "tier 't' does not exist"),
    (knp("bad", {"podSelector": {"matchExpressions": [{"key": "a", "operator": "Near"}]}}), "is not one of In"),
])
def test_snapshot_errors_name_the_object_and_field(obj, message):
    with pytest.raises(ModelError) as raised:
        Snapshot.from_objects([obj])
    assert message in str(raised.value)


def test_selector_resolution_uses_the_index_and_caches():
    snapshot = Snapshot.from_objects(base_cluster())
    from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.model import Scope
    from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.selector import parse_selector
    scope = Scope(selector=parse_selector("role == 'client'"), ns_selector=parse_selector("user == 'bob'"))
    assert sorted(snapshot._candidates(scope)) == [snapshot.weps["dev/client-0"].id]
    found = snapshot.resolve(scope)
    assert found == frozenset([snapshot.weps["dev/client-0"].id])
    assert snapshot.resolve(scope) is found


def test_hairpin_through_a_service_meets_the_pods_own_policies():
    snapshot = Snapshot.from_objects(base_cluster() + [{
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "db", "namespace": "prod"},
        "spec": {"podSelector": {"matchLabels": {"role": "db"}}, "ingress": [{"from": [{"podSelector": {
            "matchLabels": {"role": "frontend"}}}]}]}}])
    direct = evaluate(snapshot, {"src": {"pod": "prod/db-0"}, "dst": {"pod": "prod/db-0"}, "port": 6379})
    assert direct.allowed and direct.decided_by == "loopback: a pod talking to itself"
    hairpin = evaluate(snapshot, {"src": {"pod": "prod/db-0"}, "dst": {"service": "prod/db"}, "port": 6379})
    assert not hairpin.allowed and "KubernetesNetworkPolicy prod/db" in hairpin.decided_by


def test_the_host_endpoint_expecting_the_address_polices_it():
    objects = base_cluster() + [
        {"apiVersion": "projectcalico.org/v3", "kind": "HostEndpoint", "metadata": {"name": "a-eth1", "labels": {"if": "mgmt"}},
         "spec": {"node": "node1", "interfaceName": "eth1", "expectedIPs": ["192.168.50.1"]}},
        {"apiVersion": "projectcalico.org/v3", "kind": "HostEndpoint", "metadata": {"name": "b-eth0", "labels": {"if": "data"}},
         "spec": {"node": "node1", "interfaceName": "eth0", "expectedIPs": ["10.0.0.1"],
                  "profiles": ["projectcalico-default-allow"]}}]
    snapshot = Snapshot.from_objects(objects)
    to_mgmt = evaluate(snapshot, {"src": {"ip": "192.0.2.1"}, "dst": {"ip": "192.168.50.1"}, "port": 80})
    assert not to_mgmt.allowed and "host endpoint a-eth1" in to_mgmt.stages[-1].endpoint
    to_data = evaluate(snapshot, {"src": {"ip": "192.0.2.1"}, "dst": {"ip": "10.0.0.1"}, "port": 80})
    assert to_data.allowed and "host endpoint b-eth0" in to_data.stages[-1].endpoint


def test_ipv6_flows_use_the_pods_ipv6_address_and_ipversion_rules():
    dual = pod("prod", "dual", "10.1.3.3", "node1", {"role": "dual"})
    dual["status"]["podIPs"].append({"ip": "fd00::3"})
    snapshot = Snapshot.from_objects(base_cluster() + [dual, gnp("v6", {"selector": "role == 'dual'", "ingress": [
        {"action": "Allow", "ipVersion": 6, "protocol": "ICMPv6"},
        {"action": "Allow", "source": {"nets": ["fd00::/64"]}}]})])
    assert evaluate(snapshot, {"src": {"ip": "fd00::9"}, "dst": {"pod": "prod/dual"}, "port": 80}).allowed
    assert evaluate(snapshot, {"src": {"ip": "fd01::9"}, "dst": {"ip": "fd00::3"}, "protocol": "ICMPv6"}).allowed
    assert not evaluate(snapshot, {"src": {"ip": "fd01::9"}, "dst": {"ip": "fd00::3"}, "port": 80}).allowed
    assert not evaluate(snapshot, {"src": {"pod": "prod/db-0"}, "dst": {"pod": "prod/dual"}, "protocol": "ICMP"}).allowed
    with pytest.raises(FlowError, match="flow.ip_version: 5 is not 4 or 6"):
        evaluate(snapshot, {"src": {"pod": "prod/db-0"}, "dst": {"pod": "prod/dual"}, "port": 1, "ip_version": 5})


def test_snapshot_accepts_lists_as_the_api_returns_them():
    objects = base_cluster()
    as_lists = [{"apiVersion": "v1", "kind": "List", "items": objects[:5]}, {"items": objects[5:]}]
    flat = Snapshot.from_objects(objects)
    snapshot = Snapshot.from_objects({"kind": "List", "items": as_lists})
    assert sorted(snapshot.weps) == sorted(flat.weps)
    with pytest.raises(ModelError, match="every object must be a mapping"):
        Snapshot.from_objects(["Pod"])


def test_calico_and_kubernetes_network_policies_without_apiversion():
    snapshot = Snapshot.from_objects(base_cluster() + [
        {"kind": "NetworkPolicy", "metadata": {"name": "k", "namespace": "prod"}, "spec": {"podSelector": {}}},
        {"kind": "NetworkPolicy", "metadata": {"name": "c", "namespace": "prod"}, "spec": {"selector": "all()"}}])
    assert sorted(p.kind for p in snapshot.policies) == ["KubernetesNetworkPolicy", "NetworkPolicy"]


def test_matrix_with_services_and_nodeports_as_destinations():
    snapshot = Snapshot.from_objects(yaobank_objects_after(11))
    sources = [CUSTOMER, {"ip": HOST1}, NON_CLUSTER_HOST]
    destinations = [{"service": "yaobank/summary"}, {"nodeport": {"node": "control", "port": 30180}}]
    matrix = reachability_matrix(snapshot, sources, destinations, "TCP", 80)
    assert matrix["destinations"] == ["service:yaobank/summary", "nodeport:control:30180"]
    # the customer pod is not host1: nodeport-policy denies it before DNAT
    assert matrix["allowed"] == [[True, False], [False, True], [False, False]]
