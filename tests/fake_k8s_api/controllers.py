"""Stand-ins for the cluster's controllers, for tests that wait on status: run beside the fake API server.

What it reproduces, and from where
----------------------------------
Only the status that the real components write and the lab roles wait on, after a delay, through the fake's
HTTP API (so every write is validated like any other):
* The Tigera operator (tigera/operator v1.23.8 and v1.42.3, `pkg/controller/status`): once Installation
  `default` exists it creates TigeraStatus `calico` (and `apiserver` once APIServer `default` exists) and sets
  their conditions Available/Progressing/Degraded (`api/v1/tigerastatus_types.go`) through the `/status`
  subresource. As calico/node would, it creates the Installation's first pool as IPPool `default-ipv4-ippool`
  in projectcalico.org/v3 (the operator's default pool name).
* The kubelet: nodes become Ready (condition `Ready` True) once Calico is up (a node without a CNI plugin reports
  `NetworkReady=false`); here, once TigeraStatus `calico` is Available.
* The deployment controller (kubernetes/kubernetes `pkg/controller/deployment`): for each Deployment in the watched
  namespace whose status lags its generation it writes observedGeneration, replicas, updatedReplicas,
  readyReplicas and availableReplicas equal to spec.replicas and an Available condition. It handles each
  Deployment generation once and stops after `--rollouts` generations, so a later spec change is never rolled
  out (tests use that to make a rollout time out).

It is not the operator: it renders nothing, creates no pods, and never reads the Installation's spec beyond the
first pool's cidr.

Usage: `python controllers.py URL [--delay S] [--namespace NS] [--rollouts N] [--timeout S] [--no-operator]`
"""
import argparse
import json
import sys
import time
import urllib.error
import urllib.request

OPERATOR = "/apis/operator.tigera.io/v1"
POOLS = "/apis/projectcalico.org/v3/ippools"


class Api:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def call(self, method, path, body=None, content_type="application/json"):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": content_type, "User-Agent": "fake-controllers"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def get(self, path):
        status, body = self.call("GET", path)
        return body if status == 200 else None


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def conditions(available):
    flag = "True" if available else "False"
    return [{"type": "Available", "status": flag, "lastTransitionTime": now(), "reason": "AllObjectsAvailable",
             "message": "All objects are available" if available else ""},
            {"type": "Progressing", "status": "False", "lastTransitionTime": now(), "reason": "AllObjectsAvailable",
             "message": ""},
            {"type": "Degraded", "status": "False", "lastTransitionTime": now(), "reason": "AllObjectsAvailable",
             "message": ""}]


def report_available(api, name):
    if api.get("%s/tigerastatuses/%s" % (OPERATOR, name)) is None:
        api.call("POST", OPERATOR + "/tigerastatuses", {"apiVersion": "operator.tigera.io/v1", "kind": "TigeraStatus",
                                                        "metadata": {"name": name}, "spec": {}})
    status, body = api.call("PATCH", "%s/tigerastatuses/%s/status" % (OPERATOR, name),
                            {"status": {"conditions": conditions(True)}}, "application/merge-patch+json")
    if status != 200:
        raise RuntimeError("TigeraStatus %s status write refused: %s" % (name, body))


def create_default_pool(api, installation):
    pools = installation.get("spec", {}).get("calicoNetwork", {}).get("ipPools") or []
    if not pools or api.get(POOLS + "/default-ipv4-ippool") is not None:
        return
    first = pools[0]
    spec = {"cidr": first["cidr"], "natOutgoing": first.get("natOutgoing", "Enabled") == "Enabled",
            "blockSize": first.get("blockSize", 26), "nodeSelector": first.get("nodeSelector", "all()"),
            "ipipMode": "Never", "vxlanMode": "Never"}
    status, body = api.call("POST", POOLS, {"apiVersion": "projectcalico.org/v3", "kind": "IPPool",
                                            "metadata": {"name": "default-ipv4-ippool"}, "spec": spec})
    if status != 201:
        raise RuntimeError("IPPool create refused: %s" % body)


def mark_nodes_ready(api):
    nodes = api.get("/api/v1/nodes") or {"items": []}
    for node in nodes["items"]:
        node.update(apiVersion="v1", kind="Node")
        node.setdefault("status", {})["conditions"] = [
            {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
             "lastHeartbeatTime": now(), "lastTransitionTime": now()}]
        api.call("POST", "/_fake/objects", node)  # the kubelet's heartbeat, stored as the kubelet would write it


def operator_step(api, state, delay):
    installation = api.get(OPERATOR + "/installations/default")
    if installation is None:
        return
    state.setdefault("installation_seen", time.time())
    if time.time() - state["installation_seen"] < delay:
        return
    if "calico" not in state:
        create_default_pool(api, installation)
        report_available(api, "calico")
        mark_nodes_ready(api)
        state["calico"] = True
    if "apiserver" not in state and api.get(OPERATOR + "/apiservers/default") is not None:
        report_available(api, "apiserver")
        state["apiserver"] = True


def roll_out(api, namespace, state, delay, limit):
    listed = api.get("/apis/apps/v1/namespaces/%s/deployments" % namespace) or {"items": []}
    for deployment in listed["items"]:
        meta = deployment["metadata"]
        key = (meta["name"], meta.get("generation"))
        if key in state["rolled"] or (deployment.get("status") or {}).get("observedGeneration") == meta.get(
                "generation"):
            continue
        first_seen = state["seen"].setdefault(key, time.time())
        if time.time() - first_seen < delay or len(state["rolled"]) >= limit:
            continue
        replicas = deployment["spec"].get("replicas", 1)
        status = {"observedGeneration": meta.get("generation"), "replicas": replicas, "updatedReplicas": replicas,
                  "readyReplicas": replicas, "availableReplicas": replicas,
                  "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                                  "lastUpdateTime": now(), "lastTransitionTime": now()}]}
        code, body = api.call("PATCH", "/apis/apps/v1/namespaces/%s/deployments/%s/status" % (namespace, meta["name"]),
                              {"status": status}, "application/merge-patch+json")
        if code != 200:
            raise RuntimeError("Deployment status write refused: %s" % body)
        state["rolled"].add(key)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("url")
    parser.add_argument("--delay", type=float, default=3.0, help="seconds between seeing an object and its status")
    parser.add_argument("--namespace", default="yaobank", help="where Deployments are rolled out")
    parser.add_argument("--rollouts", type=int, default=1000, help="how many Deployment generations to roll out")
    parser.add_argument("--timeout", type=float, default=600.0, help="exit after this many seconds")
    parser.add_argument("--no-operator", dest="operator", action="store_false")
    args = parser.parse_args(argv)
    api, operator_state, rollout_state = Api(args.url), {}, {"rolled": set(), "seen": {}}
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        if args.operator:
            operator_step(api, operator_state, args.delay)
        roll_out(api, args.namespace, rollout_state, args.delay, args.rollouts)
        time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
