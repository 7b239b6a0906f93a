"""The `that` expressions of four labs' check outcomes, evaluated as Ansible evaluates them, on sample output.

Covers roles/lab_ippools_bgp, lab_services, lab_ebpf and lab_service_advertisement (vars/main.yml): every check
outcome is parsed from a sample of its command's output by the parser its `parse` names (our probe filters,
JSON, or the text itself) and its `that` is evaluated by Ansible's Templar. Each outcome has at least one sample
where the course's expectation holds and, where the course contrasts two states, one where it must not.

The samples are written from the tools' documented formats, not from the expressions:
- iptables-save of kube-proxy's NAT table: the 1.18 layout (KUBE-NODEPORTS -> KUBE-SVC-*, masquerade rule in
  KUBE-SERVICES, comments "<ns>/<svc>:<port>") and the layout since 1.26 (KUBE-NODEPORTS -> KUBE-EXT-* -> KUBE-SVC-*
  with the same hash, a 127.0.0.0/8 nfacct rule, "<ns>/<svc>:<port> -> <ip>:<port>" comments), as kube-proxy's
  proxier writes them (kubernetes pkg/proxy/iptables/proxier.go) and as published iptables-save dumps show them;
- calicoctl node status and ipam show tables (calicoctl v3.21/v3.32 table layout);
- iproute2 multipath routes ("nexthop via ... weight 1" lines) as BIRD's kernel protocol installs them;
- tcpdump -n one-line summaries, with (4.99+) and without (4.9) the interface and direction columns;
- the customer pod's werkzeug access log line ("<client> - - [date] "GET / HTTP/1.1" 200 -");
- kubectl/calicoctl -o json objects reduced to the fields the expressions read (a harsher reading: a field
  the API may omit, such as status.podIP of a pending pod or Endpoints subsets, is omitted in some samples).
What this does not cover: whether the runner evaluates `that` this way (the lab_runner role does that), and
whether a real lab prints exactly these samples (only a real lab run shows that).
"""
from __future__ import annotations

import json
import os
import sys

import pytest
import yaml

ROLES_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles")
LABS = ("lab_ippools_bgp", "lab_services", "lab_ebpf", "lab_service_advertisement")


def _install_collection_loader():
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    if any(isinstance(finder, _AnsibleCollectionFinder) for finder in sys.meta_path):
        return
    paths = [p for p in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if p]
    _AnsibleCollectionFinder(paths=paths)._install()


_install_collection_loader()

from ansible.parsing.dataloader import DataLoader  # noqa: E402  pylint: disable=wrong-import-position
from ansible.template import Templar, trust_as_template  # noqa: E402  pylint: disable=wrong-import-position
# pylint: disable-next=wrong-import-position
from ansible_collections.calicolab.ccol1.plugins.filter.probe_output import FilterModule  # noqa: E402

FILTERS = FilterModule().filters()


def load_lab(role):
    return load_vars(role)["%s_lab" % role]


def load_vars(role):
    with open(os.path.join(ROLES_DIR, role, "vars", "main.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def check_outcomes():
    for role in LABS:
        steps = [(step["name"], step) for step in load_lab(role)["steps"]]
        if role == "lab_ebpf":
            steps.append(("ebpf-on-by-installation", load_vars(role)["lab_ebpf_ebpf_on_by_installation"]))
        for name, step in steps:
            for index, outcome in enumerate(step.get("outcomes", [])):
                if outcome["kind"] == "check":
                    yield role, name, index, outcome


def parse(kind, text):
    if kind == "json":
        return json.loads(text)
    if kind == "text":
        return text
    return FILTERS[kind](text)


def evaluate(outcome, text):
    templar = Templar(loader=DataLoader(), variables={"parsed": parse(outcome["parse"], text)})
    return templar.evaluate_conditional(trust_as_template(outcome["that"]))


# ----------------------------------------------------------------------------------------------------------
# Samples

SAMPLES_DIR = os.path.join(os.path.dirname(__file__), "samples_h11")


def read_sample(name):
    with open(os.path.join(SAMPLES_DIR, name), encoding="utf-8") as handle:
        return handle.read()


NODE_STATUS_MESH = """Calico process is running.

IPv4 BGP status
+--------------+-------------------+-------+----------+-------------+
| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |    INFO     |
+--------------+-------------------+-------+----------+-------------+
| 198.19.0.1   | node-to-node mesh | up    | 09:12:10 | Established |
| 198.19.0.3   | node-to-node mesh | up    | 09:12:11 | Established |
+--------------+-------------------+-------+----------+-------------+

IPv6 BGP status
No IPv6 peers found.

"""
NODE_STATUS_WITH_HOST1 = NODE_STATUS_MESH.replace(
    "| 198.19.0.3   | node-to-node mesh | up    | 09:12:11 | Established |\n",
    "| 198.19.0.3   | node-to-node mesh | up    | 09:12:11 | Established |\n"
    "| 198.19.15.254 | global           | up    | 10:27:30 | Established |\n")
NODE_STATUS_HOST1_CONNECTING = NODE_STATUS_MESH.replace(
    "| 198.19.0.3   | node-to-node mesh | up    | 09:12:11 | Established |\n",
    "| 198.19.0.3   | node-to-node mesh | up    | 09:12:11 | Established |\n"
    "| 198.19.15.254 | global           | start | 10:27:30 | Active Socket: Connection refused |\n")

IPAM_SHOW = """+----------+----------------+-----------+------------+--------------+
| GROUPING |      CIDR      | IPS TOTAL | IPS IN USE |   IPS FREE   |
+----------+----------------+-----------+------------+--------------+
| IP Pool  | 198.19.16.0/21 |      2048 | 11 (1%)    | 2037 (99%)   |
| IP Pool  | 198.19.24.0/21 |      2048 | 1 (0%)     | 2047 (100%)  |
+----------+----------------+-----------+------------+--------------+
"""
IPAM_SHOW_EXTERNAL_UNUSED = IPAM_SHOW.replace("| 1 (0%)     | 2047 (100%)  |", "| 0 (0%)     | 2048 (100%)  |")

ROUTES_BEFORE = """default via 192.168.64.1 dev enp0s2 proto dhcp src 192.168.64.6 metric 100
198.19.0.0/20 dev enp0s3 proto kernel scope link src 198.19.15.254
"""
ROUTES_NGINX = ROUTES_BEFORE + "198.19.28.208/29 via 198.19.0.2 dev enp0s3 proto bird metric 32\n"
# A BGP route, but to a block of the default pool, not of external-pool.
ROUTES_OTHER_BLOCK = ROUTES_BEFORE + "198.19.21.0/26 via 198.19.0.3 dev enp0s3 proto bird metric 32\n"
ROUTES_CLUSTER_IPS = ROUTES_NGINX + """198.19.32.0/20 proto bird metric 32
\tnexthop via 198.19.0.1 dev enp0s3 weight 1
\tnexthop via 198.19.0.2 dev enp0s3 weight 1
\tnexthop via 198.19.0.3 dev enp0s3 weight 1
"""
ROUTES_EXTERNAL_IPS = ROUTES_CLUSTER_IPS + """198.19.48.0/20 proto bird metric 32
\tnexthop via 198.19.0.1 dev enp0s3 weight 1
\tnexthop via 198.19.0.2 dev enp0s3 weight 1
\tnexthop via 198.19.0.3 dev enp0s3 weight 1
"""
# Without `merge paths` BIRD installs only its best path: one next hop, no ECMP.
ROUTES_NO_ECMP = ROUTES_NGINX + "198.19.32.0/20 via 198.19.0.1 dev enp0s3 proto bird metric 32\n" \
    "198.19.48.0/20 via 198.19.0.1 dev enp0s3 proto bird metric 32\n"

NAT_1_18 = read_sample("iptables-save-nat-k8s-1.18.txt")

NAT_1_35 = read_sample("iptables-save-nat-k8s-1.35.txt")
# One summary pod only: kube-proxy writes a single unconditional jump, no 0.5 split.
NAT_ONE_SUMMARY = "\n".join(
    line for line in NAT_1_35.splitlines()
    if "KUBE-SEP-KGQRHMYN3EBQMPXF" not in line).replace(
    ' -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-XSAPI3SEG2KJVDTP',
    ' -j KUBE-SEP-XSAPI3SEG2KJVDTP') + "\n"
# No summary service at all (kube-proxy has not synced it, or it was deleted).
NAT_NO_SUMMARY = "\n".join(line for line in NAT_1_35.splitlines() if "yaobank/summary" not in line) + "\n"
# No NodePort (a ClusterIP customer service): nothing in KUBE-NODEPORTS.
NAT_NO_NODEPORT = "\n".join(line for line in NAT_1_35.splitlines() if not line.startswith("-A KUBE-NODEPORTS")) + "\n"

CAPTURE_BOTH_WAYS_499 = """14:03:16.112233 ens4  In  IP 198.19.15.254.57064 > 198.19.0.1.30180: Flags [S], seq 1, win 64240, length 0
14:03:16.112900 ens4  Out IP 198.19.0.1.30180 > 198.19.15.254.57064: Flags [S.], seq 2, ack 2, win 65160, length 0
14:03:16.113300 ens4  In  IP 198.19.15.254.57064 > 198.19.0.1.30180: Flags [.], ack 1, win 502, length 0
"""
CAPTURE_BOTH_WAYS_49 = """14:03:16.112233 IP 198.19.15.254.57064 > 198.19.0.1.30180: Flags [S], seq 1, win 64240, length 0
14:03:16.112900 IP 198.19.0.1.30180 > 198.19.15.254.57064: Flags [S.], seq 2, ack 2, win 65160, length 0
"""
CAPTURE_INBOUND_ONLY = """14:05:01.000100 ens4  In  IP 198.19.15.254.57070 > 198.19.0.1.30180: Flags [S], seq 1, win 64240, length 0
14:05:01.001200 ens4  In  IP 198.19.15.254.57070 > 198.19.0.1.30180: Flags [.], ack 1, win 502, length 0
14:05:01.001300 ens4  In  IP 198.19.15.254.57070 > 198.19.0.1.30180: Flags [P.], seq 1:77, ack 1, length 76: HTTP: GET / HTTP/1.1
"""
CAPTURE_NOTHING = ""

CUSTOMER_LOG_HOST1 = """ * Running on http://0.0.0.0:80/ (Press CTRL+C to quit)
198.19.15.254 - - [02/Dec/2026 14:03:16] "GET / HTTP/1.1" 200 -
"""
# Through kube-proxy's NodePort the source is rewritten to the ingress node's address.
CUSTOMER_LOG_SNAT = """198.19.0.1 - - [02/Dec/2026 14:03:16] "GET / HTTP/1.1" 200 -
"""


def _pod(app, ip, phase="Running"):
    pod = {"kind": "Pod", "metadata": {"name": "%s-1" % app, "labels": {"app": app, "version": "v1"}},
           "status": {"phase": phase}}
    if ip:
        pod["status"]["podIP"] = ip
    return pod


def _endpoints(name, ips):
    endpoints = {"kind": "Endpoints", "metadata": {"name": name}}
    if ips:
        endpoints["subsets"] = [{"addresses": [{"ip": ip} for ip in ips], "ports": [{"name": "http", "port": 80}]}]
    return endpoints


def _list(items):
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})


PODS_AND_ENDPOINTS = _list([
    _pod("customer", "198.19.22.132"), _pod("summary", "198.19.21.1"), _pod("summary", "198.19.22.130"),
    _pod("database", "198.19.21.2"),
    _endpoints("customer", ["198.19.22.132"]), _endpoints("database", ["198.19.21.2"]),
    _endpoints("summary", ["198.19.22.130", "198.19.21.1"])])
# A summary pod is still starting: not yet an endpoint, no address.
PODS_AND_ENDPOINTS_SUMMARY_PENDING = _list([
    _pod("customer", "198.19.22.132"), _pod("summary", "198.19.21.1"), _pod("summary", None, "Pending"),
    _pod("database", "198.19.21.2"),
    _endpoints("customer", ["198.19.22.132"]), _endpoints("database", ["198.19.21.2"]),
    _endpoints("summary", ["198.19.21.1"])])
# Nothing ready yet: the Endpoints objects have no subsets at all.
PODS_AND_ENDPOINTS_EMPTY = _list([
    _pod("customer", "198.19.22.132"), _pod("database", "198.19.21.2"),
    _endpoints("customer", []), _endpoints("database", []), _endpoints("summary", [])])


def _service(name, kind, node_port=None):
    port = {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 80}
    if node_port:
        port["nodePort"] = node_port
    return {"kind": "Service", "metadata": {"name": name, "namespace": "yaobank"},
            "spec": {"type": kind, "clusterIP": "198.19.35.252", "ports": [port]}}


SERVICES = _list([_service("customer", "NodePort", 30180), _service("database", "ClusterIP"),
                  _service("summary", "ClusterIP")])
SERVICES_ALL_CLUSTER_IP = _list([_service("customer", "ClusterIP"), _service("database", "ClusterIP"),
                                 _service("summary", "ClusterIP")])

EXTERNAL_POOL = json.dumps({"kind": "IPPool", "metadata": {"name": "external-pool"},
                            "spec": {"cidr": "198.19.24.0/21", "blockSize": 29, "ipipMode": "Never",
                                     "vxlanMode": "Never", "natOutgoing": True, "nodeSelector": "!all()"}})
EXTERNAL_POOL_ALL_NODES = EXTERNAL_POOL.replace('"!all()"', '"all()"')
POOLS = json.dumps({"kind": "IPPoolList", "items": [
    {"metadata": {"name": "default-ipv4-ippool"}, "spec": {"cidr": "198.19.16.0/21"}}, json.loads(EXTERNAL_POOL)]})
POOLS_DEFAULT_ONLY = json.dumps({"kind": "IPPoolList", "items": [
    {"metadata": {"name": "default-ipv4-ippool"}, "spec": {"cidr": "198.19.16.0/21"}}]})

NAMESPACE = json.dumps({"kind": "Namespace", "metadata": {
    "name": "external-ns", "annotations": {"cni.projectcalico.org/ipv4pools": '["external-pool"]'}}})
NAMESPACE_OTHER_POOL = NAMESPACE.replace("external-pool", "default-ipv4-ippool")
NGINX_EXTERNAL = _list([_pod("nginx", "198.19.28.208")])
NGINX_DEFAULT_POOL = _list([_pod("nginx", "198.19.22.140")])
NGINX_PENDING = _list([_pod("nginx", None, "Pending")])

CONFIGMAP = json.dumps({"kind": "ConfigMap", "data": {"KUBERNETES_SERVICE_HOST": "198.19.0.1",
                                                      "KUBERNETES_SERVICE_PORT": "6443"}})


def _calico_node(env, updated=3, available=3):
    return json.dumps({"kind": "DaemonSet", "spec": {"template": {"spec": {"containers": [
        {"name": "calico-node", "env": env}]}}},
        "status": {"desiredNumberScheduled": 3, "updatedNumberScheduled": updated, "numberAvailable": available}})


NODE_ENV = [{"name": "DATASTORE_TYPE", "value": "kubernetes"},
            {"name": "NODENAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}]
CALICO_NODE_DIRECT = _calico_node(NODE_ENV + [{"name": "KUBERNETES_SERVICE_HOST", "value": "198.19.0.1"},
                                              {"name": "KUBERNETES_SERVICE_PORT", "value": "6443"}])
CALICO_NODE_ROLLING = _calico_node(NODE_ENV + [{"name": "KUBERNETES_SERVICE_HOST", "value": "198.19.0.1"}],
                                   updated=1, available=2)
CALICO_NODE_BEFORE = _calico_node(NODE_ENV)


def _felix(spec):
    return json.dumps({"kind": "FelixConfiguration", "metadata": {"name": "default"}, "spec": spec})


def _bgpconfig(spec):
    return json.dumps({"kind": "BGPConfiguration", "metadata": {"name": "default"}, "spec": spec})


CLUSTER_IPS = {"serviceClusterIPs": [{"cidr": "198.19.32.0/20"}]}
BOTH_RANGES = dict(CLUSTER_IPS, serviceExternalIPs=[{"cidr": "198.19.48.0/20"}])
CUSTOMER = json.dumps({"kind": "Service", "spec": {"type": "NodePort", "externalIPs": ["198.19.48.10"]}})
CUSTOMER_NO_EXTERNAL_IP = json.dumps({"kind": "Service", "spec": {"type": "NodePort"}})

# (role, step, outcome index) -> [(sample output, the value `that` must have)]
SAMPLES = {
    ("lab_ippools_bgp", "external-pool", 0): [(EXTERNAL_POOL, True), (EXTERNAL_POOL_ALL_NODES, False)],
    ("lab_ippools_bgp", "external-pool", 1): [(POOLS, True), (POOLS_DEFAULT_ONLY, False)],
    ("lab_ippools_bgp", "mesh-only", 0): [(NODE_STATUS_MESH, True), (NODE_STATUS_WITH_HOST1, False)],
    ("lab_ippools_bgp", "peer-host1", 0): [(NODE_STATUS_WITH_HOST1, True), (NODE_STATUS_HOST1_CONNECTING, False),
                                           (NODE_STATUS_MESH, False)],
    ("lab_ippools_bgp", "peer-host1", 1): [(NODE_STATUS_WITH_HOST1, True),
                                           ("Calico process is not running.\n", False)],
    ("lab_ippools_bgp", "external-namespace", 0): [(NAMESPACE, True), (NAMESPACE_OTHER_POOL, False)],
    ("lab_ippools_bgp", "external-namespace", 1): [(NGINX_EXTERNAL, True), (NGINX_DEFAULT_POOL, False),
                                                   (NGINX_PENDING, False)],
    ("lab_ippools_bgp", "external-namespace", 2): [(ROUTES_NGINX, True), (ROUTES_BEFORE, False),
                                                   (ROUTES_OTHER_BLOCK, False)],
    ("lab_ippools_bgp", "ipam-usage", 0): [(IPAM_SHOW, True), (IPAM_SHOW.replace("198.19.24.0/21", "198.19.8.0/21"),
                                                               False)],
    ("lab_ippools_bgp", "ipam-usage", 1): [(IPAM_SHOW, True), (IPAM_SHOW_EXTERNAL_UNUSED, False)],
    ("lab_services", "services-and-endpoints", 0): [(SERVICES, True), (SERVICES_ALL_CLUSTER_IP, False)],
    ("lab_services", "services-and-endpoints", 1): [(PODS_AND_ENDPOINTS, True),
                                                    (PODS_AND_ENDPOINTS_SUMMARY_PENDING, False),
                                                    (PODS_AND_ENDPOINTS_EMPTY, False)],
    ("lab_services", "services-and-endpoints", 2): [(PODS_AND_ENDPOINTS, True), (PODS_AND_ENDPOINTS_EMPTY, False)],
    ("lab_services", "services-and-endpoints", 3): [(PODS_AND_ENDPOINTS, True), (PODS_AND_ENDPOINTS_EMPTY, False)],
    ("lab_services", "cluster-ip-chains", 0): [(NAT_1_18, True), (NAT_1_35, True), (NAT_NO_SUMMARY, False)],
    ("lab_services", "cluster-ip-chains", 1): [(NAT_1_18, True), (NAT_1_35, True), (NAT_ONE_SUMMARY, False),
                                               (NAT_NO_SUMMARY, False)],
    ("lab_services", "cluster-ip-chains", 2): [(NAT_1_18, True), (NAT_1_35, True), (NAT_ONE_SUMMARY, False),
                                               (NAT_NO_SUMMARY, False)],
    ("lab_services", "node-port-chains", 0): [(NAT_1_18, True), (NAT_1_35, True)],
    ("lab_services", "node-port-chains", 1): [(NAT_1_18, True), (NAT_1_35, True), (NAT_NO_NODEPORT, False)],
    ("lab_services", "node-port-chains", 2): [(NAT_1_18, True), (NAT_1_35, True), (NAT_NO_NODEPORT, False)],
    ("lab_services", "node-port-chains", 3): [(NAT_1_18, True), (NAT_1_35, True), (NAT_NO_NODEPORT, False)],
    ("lab_ebpf", "api-server-endpoint", 0): [(CONFIGMAP, True), (CONFIGMAP.replace("6443", "443"), False)],
    ("lab_ebpf", "api-server-endpoint", 1): [(CALICO_NODE_DIRECT, True), (CALICO_NODE_ROLLING, False),
                                             (CALICO_NODE_BEFORE, False)],
    ("lab_ebpf", "keep-kube-proxy-rules", 0): [(_felix({"bpfKubeProxyIptablesCleanupEnabled": False}), True),
                                               (_felix({}), False)],
    ("lab_ebpf", "ebpf-on", 0): [(_felix({"bpfEnabled": True}), True), (_felix({"bpfEnabled": False}), False)],
    ("lab_ebpf", "ebpf-on-by-installation", 0): [(_felix({"bpfEnabled": True}), True),
                                                 (_felix({"bpfEnabled": False}), False), (_felix({}), False)],
    ("lab_ebpf", "source-ip-preserved", 0): [(CUSTOMER_LOG_HOST1, True), (CUSTOMER_LOG_SNAT, False)],
    ("lab_ebpf", "capture-without-dsr", 0): [(CAPTURE_BOTH_WAYS_499, True), (CAPTURE_BOTH_WAYS_49, True),
                                             (CAPTURE_INBOUND_ONLY, False), (CAPTURE_NOTHING, False)],
    ("lab_ebpf", "dsr", 0): [(_felix({"bpfEnabled": True, "bpfExternalServiceMode": "DSR"}), True),
                             (_felix({"bpfEnabled": True}), False)],
    ("lab_ebpf", "dsr", 2): [(CAPTURE_INBOUND_ONLY, True), (CAPTURE_BOTH_WAYS_499, False),
                             (CAPTURE_BOTH_WAYS_49, False), (CAPTURE_NOTHING, False)],
    ("lab_service_advertisement", "service-cluster-ips", 0): [(_bgpconfig(CLUSTER_IPS), True),
                                                              (_bgpconfig({}), False)],
    ("lab_service_advertisement", "service-cluster-ips", 1): [(ROUTES_CLUSTER_IPS, True), (ROUTES_NO_ECMP, False),
                                                              (ROUTES_NGINX, False)],
    ("lab_service_advertisement", "service-external-ips", 0): [(_bgpconfig(BOTH_RANGES), True),
                                                               (_bgpconfig(CLUSTER_IPS), False)],
    ("lab_service_advertisement", "service-external-ips", 1): [(ROUTES_EXTERNAL_IPS, True),
                                                               (ROUTES_CLUSTER_IPS, False), (ROUTES_NO_ECMP, False)],
    ("lab_service_advertisement", "customer-external-ip", 0): [(CUSTOMER, True), (CUSTOMER_NO_EXTERNAL_IP, False)],
    ("lab_service_advertisement", "customer-external-ip", 1): [('{"http_code": "200"}', True),
                                                               ('{"http_code": "000"}', False)],
}

CHECKS = list(check_outcomes())


@pytest.mark.parametrize("role, step, index, outcome", CHECKS,
                         ids=["%s/%s/%d" % (role, step, index) for role, step, index, _outcome in CHECKS])
def test_check_outcome_that_holds_only_where_the_course_says(role, step, index, outcome):
    samples = SAMPLES.get((role, step, index))
    assert samples, "no sample output for %s step %s outcome %d (%s)" % (role, step, index, outcome["description"])
    for text, should_hold in samples:
        assert evaluate(outcome, text) is should_hold, (outcome["description"], text[:200])


def test_every_sample_names_a_check_outcome():
    assert set(SAMPLES) == {(role, step, index) for role, step, index, _outcome in CHECKS}


def test_iptables_samples_show_the_two_kube_proxy_layouts():
    """The 1.35 sample reaches customer's KUBE-SVC through KUBE-EXT; the 1.18 sample jumps to it directly."""
    old, new = FILTERS["iptables_save"](NAT_1_18)["nat"], FILTERS["iptables_save"](NAT_1_35)["nat"]
    assert "KUBE-EXT-PX5FENG4GZJTCELT" not in old and "KUBE-EXT-PX5FENG4GZJTCELT" in new
    assert {r.get("jump") for r in old["KUBE-NODEPORTS"]["rules"]} == {"KUBE-MARK-MASQ", "KUBE-SVC-PX5FENG4GZJTCELT"}
    assert {r.get("jump") for r in new["KUBE-NODEPORTS"]["rules"]} == {"KUBE-EXT-PX5FENG4GZJTCELT"}


@pytest.mark.parametrize("role", LABS)
def test_lab_file_names_its_role_and_has_unique_steps(role):
    lab = load_lab(role)
    names = [step["name"] for step in lab["steps"]]
    assert lab["name"] == role
    assert len(names) == len(set(names))
