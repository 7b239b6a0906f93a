"""Property tests for the policy engine on random clusters and random policy mixes (hypothesis).

* the indexed matrix gives exactly the verdicts of one-by-one ``evaluate`` (pods, hosts, outside addresses);
* without policies everything is allowed, and a pod no policy selects is open through its profile;
* adding an Allow-only Kubernetes policy for one direction never removes a permitted flow of a pod that a
  Kubernetes policy already selected in that direction (Kubernetes policies are additive);
* every explanation names a policy and rule of the snapshot, a profile, a failsafe or a default deny;
* the order in which objects are listed does not matter.
"""
import copy
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.engine import (
    Snapshot,
    evaluate,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.matrix import reachability_matrix
from ansible_collections.calicolab.ccol1.tests.unit.plugins.module_utils._policy import test_engine as base

APPS = ("web", "api", "db")
TIERS = ("front", "back")
NAMESPACES = ("alpha", "beta", "gamma")
SELECTORS = ("app == 'web'", "app in {'api', 'db'}", "tier != 'front'", "has(tier)", "!has(app)", "all()",
             "app == 'db' || tier == 'front'")
NS_SELECTORS = ("team == 'red'", "all()", "projectcalico.org/name == 'beta'", "global()")
PORTS = (80, 8080, "http", "8000:8100")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def clusters(draw):
    objects = [base.node("n1", "10.0.0.1"), base.node("n2", "10.0.0.2")]
    for name in NAMESPACES:
        objects.append(base.namespace(name, team=draw(st.sampled_from(("red", "blue")))))
        objects.append(base.account(name, "sa1", egress=draw(st.sampled_from(("yes", "no")))))
    count = draw(st.integers(min_value=2, max_value=7))
    for index in range(count):
        labels = {}
        if draw(st.booleans()):
            labels["app"] = draw(st.sampled_from(APPS))
        if draw(st.booleans()):
            labels["tier"] = draw(st.sampled_from(TIERS))
        port = draw(st.sampled_from((80, 8080)))
        objects.append(base.pod(draw(st.sampled_from(NAMESPACES)), "p%d" % index, "10.1.%d.%d" % (index % 2, index + 10),
                                draw(st.sampled_from(("n1", "n2"))), labels, draw(st.sampled_from(("default", "sa1"))),
                                [("http", port, "TCP")]))
    if draw(st.booleans()):
        objects.append(base.AUTO_HEPS)
        objects.append({"apiVersion": "projectcalico.org/v3", "kind": "HostEndpoint",
                        "metadata": {"name": "n2-eth0", "labels": {"kubernetes.io/hostname": "n2", "nic": "eth0"}},
                        "spec": {"node": "n2", "interfaceName": "eth0", "expectedIPs": ["10.0.0.2"],
                                 "profiles": draw(st.sampled_from(([], ["projectcalico-default-allow"])))}})
        flavour = draw(st.sampled_from(("normal", "forward", "prednat", "untracked")))
        spec = {"selector": draw(st.sampled_from(("has(kubernetes.io/hostname)", "nic == 'eth0'"))),
                "order": draw(st.sampled_from((10, 2000))),
                "ingress": [{"action": draw(st.sampled_from(("Allow", "Deny", "Pass"))),
                             "source": {"nets": [draw(st.sampled_from(("10.1.0.0/24", "10.1.1.0/24")))]}}]}
        if flavour != "normal":
            spec["applyOnForward"] = True
        if flavour == "prednat":
            spec["preDNAT"] = True
        if flavour == "untracked":
            spec["doNotTrack"] = True
        objects.append(base.gnp("hosts", spec))
    objects.append({"apiVersion": "projectcalico.org/v3", "kind": "Tier", "metadata": {"name": "sec"},
                    "spec": {"order": 100, "defaultAction": draw(st.sampled_from(("Deny", "Pass")))}})
    return objects


def label_selector(draw):
    labels = {}
    if draw(st.booleans()):
        labels["app"] = draw(st.sampled_from(APPS))
    if draw(st.booleans()):
        return {"matchExpressions": [{"key": "tier", "operator": draw(st.sampled_from(("In", "NotIn", "Exists"))),
                                      "values": [draw(st.sampled_from(TIERS))]}], "matchLabels": labels}
    return {"matchLabels": labels}


@st.composite
def k8s_peers(draw):
    kind = draw(st.sampled_from(("pod", "ns", "both", "ip")))
    if kind == "pod":
        return {"podSelector": label_selector(draw)}
    if kind == "ns":
        return {"namespaceSelector": draw(st.sampled_from(({}, {"matchLabels": {"team": "red"}})))}
    if kind == "both":
        return {"namespaceSelector": {"matchLabels": {"team": "blue"}}, "podSelector": label_selector(draw)}
    return {"ipBlock": {"cidr": "10.1.0.0/16", "except": draw(st.sampled_from(([], ["10.1.1.0/24"])))}}


@st.composite
def k8s_rules(draw, peer_field):
    rule = {}
    if draw(st.booleans()):
        rule[peer_field] = draw(st.lists(k8s_peers(), min_size=1, max_size=2))
    if draw(st.booleans()):
        port = draw(st.sampled_from(PORTS))
        entry = {"port": port} if port != "8000:8100" else {"port": 8000, "endPort": 8100}
        rule["ports"] = [entry]
    return rule


@st.composite
def k8s_policies(draw, name, types=None):
    types = types or draw(st.sampled_from((["Ingress"], ["Egress"], ["Ingress", "Egress"])))
    spec = {"podSelector": label_selector(draw), "policyTypes": types}
    if "Ingress" in types:
        spec["ingress"] = draw(st.lists(k8s_rules("from"), max_size=2))
    if "Egress" in types:
        spec["egress"] = draw(st.lists(k8s_rules("to"), max_size=2))
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": draw(st.sampled_from(NAMESPACES))}, "spec": spec}


@st.composite
def calico_entities(draw, allow_ports):
    entity = {}
    choice = draw(st.sampled_from(("none", "selector", "ns", "not", "nets", "notnets", "sa")))
    if choice == "selector":
        entity["selector"] = draw(st.sampled_from(SELECTORS))
    elif choice == "ns":
        entity["namespaceSelector"] = draw(st.sampled_from(NS_SELECTORS))
        if draw(st.booleans()):
            entity["selector"] = draw(st.sampled_from(SELECTORS))
    elif choice == "not":
        entity["notSelector"] = draw(st.sampled_from(SELECTORS))
    elif choice == "nets":
        entity["nets"] = [draw(st.sampled_from(("10.1.0.0/24", "10.0.0.0/8", "192.0.2.0/24")))]
    elif choice == "notnets":
        entity["notNets"] = ["10.1.1.0/24"]
    else:
        entity["serviceAccounts"] = draw(st.sampled_from(({"names": ["sa1"]}, {"selector": "egress == 'yes'"})))
    if allow_ports and draw(st.booleans()):
        entity[draw(st.sampled_from(("ports", "notPorts")))] = [draw(st.sampled_from(PORTS))]
    return entity


@st.composite
def calico_rules(draw):
    rule = {"action": draw(st.sampled_from(("Allow", "Allow", "Deny", "Pass", "Log")))}
    with_ports = draw(st.booleans())
    if with_ports:
        rule["protocol"] = "TCP"
    elif draw(st.booleans()):
        rule["protocol"] = draw(st.sampled_from(("UDP", 6, "ICMP")))
    if draw(st.booleans()):
        rule["source"] = draw(calico_entities(False))
    if draw(st.booleans()) or with_ports:
        rule["destination"] = draw(calico_entities(with_ports))
    return rule


@st.composite
def calico_policies(draw, name):
    namespaced = draw(st.booleans())
    spec = {"selector": draw(st.sampled_from(SELECTORS)),
            "types": draw(st.sampled_from((["Ingress"], ["Egress"], ["Ingress", "Egress"])))}
    if draw(st.booleans()):
        spec["order"] = draw(st.sampled_from((100, 1000, 1500)))
    for direction in ("ingress", "egress"):
        if draw(st.booleans()):
            spec[direction] = draw(st.lists(calico_rules(), max_size=3))
    if draw(st.booleans()):
        spec["tier"] = "sec"
        name = "sec." + name
    if namespaced:
        return {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy",
                "metadata": {"name": name, "namespace": draw(st.sampled_from(NAMESPACES))}, "spec": spec}
    if draw(st.booleans()):
        spec["namespaceSelector"] = draw(st.sampled_from(NS_SELECTORS[:3]))
    return base.gnp(name, spec)


@st.composite
def policy_mixes(draw):
    count = draw(st.integers(min_value=0, max_value=5))
    policies = []
    for index in range(count):
        if draw(st.booleans()):
            policies.append(draw(k8s_policies("k%d" % index)))
        else:
            policies.append(draw(calico_policies("c%d" % index)))
    return policies


def sides_of(snapshot):
    return [{"pod": ref} for ref in sorted(snapshot.weps)] + [{"host": "n1"}, {"ip": "192.0.2.9"}, {"ip": "10.0.0.2"}]


FLOW_KINDS = (("TCP", 80), ("TCP", 8080), ("TCP", 8050), ("UDP", 80), ("ICMP", None))


@SETTINGS
@given(clusters(), policy_mixes(), st.sampled_from(FLOW_KINDS))
def test_matrix_equals_single_flow_evaluation(cluster, policies, flow_kind):
    snapshot = Snapshot.from_objects(cluster + policies)
    protocol, port = flow_kind
    sides = sides_of(snapshot)
    matrix = reachability_matrix(snapshot, sides, sides, protocol, port)
    for i, src in enumerate(sides):
        for j, dst in enumerate(sides):
            verdict = evaluate(snapshot, {"src": src, "dst": dst, "protocol": protocol, "port": port})
            assert matrix["allowed"][i][j] is verdict.allowed, verdict.explain()
            base.assert_explained(snapshot, verdict)


@SETTINGS
@given(clusters(), st.sampled_from((80, 8080, 22, 53)))
def test_without_policies_everything_is_allowed(cluster, port):
    cluster = [obj for obj in cluster if obj.get("kind") != "GlobalNetworkPolicy"]
    snapshot = Snapshot.from_objects(cluster)
    matrix = reachability_matrix(snapshot, None, None, "TCP", port)
    assert matrix["allowed_count"] == matrix["total"]
    for ref in snapshot.weps:
        verdict = evaluate(snapshot, {"src": {"pod": ref}, "dst": {"ip": "192.0.2.9"}, "port": port})
        assert verdict.allowed and verdict.stages[0].decided_by == "profile kns.%s allow" % ref.split("/")[0]


def _knp_selected(snapshot, direction):
    selected = set()
    for endpoint in snapshot.weps.values():
        for tier_policies in snapshot.applicable(endpoint, "normal", direction):
            if any(p.kind == "KubernetesNetworkPolicy" for p in tier_policies[1]):
                selected.add(endpoint.ref)
    return selected


@SETTINGS
@given(clusters(), policy_mixes(), st.data(), st.sampled_from((80, 8080, 8050)), st.sampled_from(("Ingress", "Egress")))
def test_adding_an_allow_only_kubernetes_policy_removes_no_permitted_flow(cluster, policies, data, port, direction):
    before = Snapshot.from_objects(cluster + policies)
    added = data.draw(k8s_policies("added", types=[direction]))
    after = Snapshot.from_objects(cluster + policies + [added])
    selected = _knp_selected(before, direction.lower())
    old = reachability_matrix(before, None, None, "TCP", port)
    new = reachability_matrix(after, None, None, "TCP", port)
    assert old["sources"] == new["sources"]
    for i, src in enumerate(old["sources"]):
        for j, dst in enumerate(old["destinations"]):
            governed = dst if direction == "Ingress" else src
            if governed in selected and old["allowed"][i][j]:
                assert new["allowed"][i][j], evaluate(after, {"src": {"pod": src}, "dst": {"pod": dst},
                                                              "port": port}).explain()


@SETTINGS
@given(clusters(), policy_mixes(), st.randoms(use_true_random=False))
def test_object_order_does_not_matter(cluster, policies, rng):
    objects = cluster + policies
    shuffled = copy.deepcopy(objects)
    random.Random(rng.random()).shuffle(shuffled)
    first = reachability_matrix(Snapshot.from_objects(objects), None, None, "TCP", 80)
    second = reachability_matrix(Snapshot.from_objects(shuffled), None, None, "TCP", 80)
    assert first["allowed"] == second["allowed"]


@SETTINGS
@given(clusters(), policy_mixes(), st.sampled_from(("Ingress", "Egress")))
def test_pods_no_policy_selects_are_open_in_that_direction(cluster, policies, direction):
    snapshot = Snapshot.from_objects(cluster + policies)
    lower = direction.lower()
    for ref, endpoint in sorted(snapshot.weps.items()):
        if snapshot.applicable(endpoint, "normal", lower):
            continue
        flow = ({"src": {"pod": ref}, "dst": {"ip": "192.0.2.9"}} if lower == "egress"
                else {"src": {"ip": "10.1.0.10"}, "dst": {"pod": ref}})
        verdict = evaluate(snapshot, dict(flow, port=80))
        stage = [s for s in verdict.stages if s.name == ("source egress" if lower == "egress" else "destination ingress")]
        if stage:
            assert stage[0].decision == "allow" and stage[0].detail["type"] == "profile"
