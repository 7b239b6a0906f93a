#!/usr/bin/env python
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Benchmark of the policy engine's reachability matrix on generated clusters (not a timed test).

Each cluster has namespaces with team/env labels, pods spread over nodes with app/tier/version labels and a
named ``http`` port, service accounts with labels, and a mix of Kubernetes NetworkPolicies, Calico
NetworkPolicies and GlobalNetworkPolicies (allow lists, namespace selectors, ipBlocks, named ports and port
ranges, Deny/Pass/Log rules, ordered and unordered, GNP default deny with a DNS allow). For each size it
prints the time to build the snapshot, the time for the full matrix on one port and verdicts per second.

Usage (after `. scripts/dev-env.sh`): python scripts/benchmark_policy_engine.py [--sizes 100x10,1000x200,...] [--sample-rows N]
                                                 [--check N] [--seed S] [--host-endpoints]
``--sample-rows`` computes only N random rows (the columns are always every pod); ``--check`` compares N
random cells with a full ``evaluate``.
"""

from __future__ import absolute_import, division, print_function

import argparse
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION)))
if os.path.basename(os.path.dirname(os.path.dirname(COLLECTION))) == "ansible_collections" and ROOT not in sys.path:
    sys.path.insert(0, ROOT)
elif os.path.isdir(os.path.join(COLLECTION, ".cache", "collections", "ansible_collections", "calicolab")):
    # A plain checkout: scripts/dev-env.sh links it into .cache/collections as calicolab.ccol1.
    sys.path.insert(0, os.path.join(COLLECTION, ".cache", "collections"))

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.engine import (  # noqa: E402
    Snapshot,
    evaluate,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.matrix import reachability_matrix  # noqa: E402

TIERS = ("frontend", "backend", "db", "cache", "batch")
TEAMS = ("red", "blue", "green", "gold")


def _pod(namespace, name, node, ip, labels, account):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"namespace": namespace, "name": name, "labels": labels},
            "spec": {"nodeName": node, "serviceAccountName": account,
                     "containers": [{"name": "main", "ports": [{"name": "http", "containerPort": 8080},
                                                               {"name": "metrics", "containerPort": 9090}]}]},
            "status": {"phase": "Running", "podIP": ip}}


def generate_cluster(pods, policies, seed=1, host_endpoints=False):
    """Plain API objects for a cluster of ``pods`` pods and ``policies`` policies; with ``host_endpoints``,
    auto host endpoints plus pre-DNAT, applyOnForward and host policies like the course's."""
    rng = random.Random(seed)
    namespaces = ["ns-%d" % i for i in range(max(2, pods // 100))]
    nodes = ["node-%d" % i for i in range(max(2, pods // 50))]
    apps_per_ns = max(2, pods // len(namespaces) // 8)
    objects = []
    for index, node in enumerate(nodes):
        objects.append({"kind": "Node", "metadata": {"name": node, "labels": {"kubernetes.io/hostname": node}},
                        "status": {"addresses": [{"type": "InternalIP", "address": "10.0.%d.%d" % (
                            index // 250, index % 250 + 1)}]}})
    for namespace in namespaces:
        objects.append({"kind": "Namespace", "metadata": {"name": namespace, "labels": {
            "team": rng.choice(TEAMS), "env": rng.choice(("prod", "dev"))}}})
        for account in ("default", "api", "worker"):
            objects.append({"kind": "ServiceAccount", "metadata": {"namespace": namespace, "name": account,
                                                                   "labels": {"egress": rng.choice(("yes", "no"))}}})
    for index in range(pods):
        namespace = namespaces[index % len(namespaces)]
        app = "app-%d" % rng.randrange(apps_per_ns)
        labels = {"app": app, "tier": rng.choice(TIERS), "version": rng.choice(("v1", "v2"))}
        if rng.random() < 0.3:
            labels["pci"] = "true"
        ip = "10.%d.%d.%d" % (16 + index // 65536, (index // 256) % 256, index % 256)
        objects.append(_pod(namespace, "pod-%d" % index, rng.choice(nodes), ip, labels,
                            rng.choice(("default", "api", "worker"))))
    if host_endpoints:
        objects.extend(_host_policies())
    makers = (_knp, _knp, _calico_np, _gnp)
    for index in range(policies):
        objects.append(makers[index % len(makers)](rng, index, namespaces, apps_per_ns))
    return objects


def _host_policies():
    return [
        {"apiVersion": "projectcalico.org/v3", "kind": "KubeControllersConfiguration", "metadata": {"name": "default"},
         "spec": {"controllers": {"node": {"hostEndpoint": {"autoCreate": "Enabled"}}}}},
        {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "nodeports"},
         "spec": {"order": 100, "selector": "has(kubernetes.io/hostname)", "preDNAT": True, "applyOnForward": True,
                  "ingress": [{"action": "Deny", "protocol": "TCP", "destination": {"ports": ["30000:32767"]}}]}},
        {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "forward"},
         "spec": {"order": 200, "selector": "has(kubernetes.io/hostname)", "applyOnForward": True,
                  "ingress": [{"action": "Deny", "protocol": "TCP", "source": {"nets": ["10.16.1.0/24"]}},
                              {"action": "Allow"}]}},
    ]


def _knp(rng, index, namespaces, apps):
    namespace = rng.choice(namespaces)
    peer = rng.choice((
        {"podSelector": {"matchLabels": {"app": "app-%d" % rng.randrange(apps)}}},
        {"namespaceSelector": {"matchLabels": {"team": rng.choice(TEAMS)}}},
        {"namespaceSelector": {}, "podSelector": {"matchExpressions": [
            {"key": "tier", "operator": "In", "values": [rng.choice(TIERS), rng.choice(TIERS)]}]}},
        {"ipBlock": {"cidr": "10.16.0.0/16", "except": ["10.16.%d.0/24" % rng.randrange(4)]}},
    ))
    ports = rng.choice(([{"port": 80}], [{"port": "http"}], [{"port": 8000, "endPort": 8100}], None))
    rule = {"from": [peer]}
    if ports:
        rule["ports"] = ports
    spec = {"podSelector": {"matchLabels": {"app": "app-%d" % rng.randrange(apps)}}, "ingress": [rule]}
    if rng.random() < 0.3:
        spec["policyTypes"] = ["Ingress", "Egress"]
        spec["egress"] = [{"to": [{"podSelector": {}}]}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"namespace": namespace, "name": "knp-%d" % index}, "spec": spec}


def _calico_np(rng, index, namespaces, apps):
    namespace = rng.choice(namespaces)
    ingress = [{"action": "Log", "protocol": "TCP"},
               {"action": rng.choice(("Allow", "Deny")), "protocol": "TCP",
                "source": {"selector": "tier == '%s'" % rng.choice(TIERS)},
                "destination": {"ports": [rng.choice((80, "8000:9000", "http"))]}}]
    egress = [{"action": "Deny", "destination": {"nets": ["10.17.0.0/16"]}},
              {"action": "Allow", "destination": {"selector": "has(pci)", "namespaceSelector": "all()"}}]
    return {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy",
            "metadata": {"namespace": namespace, "name": "cnp-%d" % index},
            "spec": {"order": float(rng.randrange(100, 2000)),
                     "selector": "app == 'app-%d' || version == 'v2'" % rng.randrange(apps),
                     "ingress": ingress, "egress": egress, "types": ["Ingress", "Egress"]}}


def _gnp(rng, index, namespaces, apps):
    kind = index // 4 % 3
    spec = {"namespaceSelector": "team == '%s'" % rng.choice(TEAMS), "types": ["Ingress", "Egress"]}
    if kind == 0:
        spec["egress"] = [{"action": "Allow", "protocol": "UDP", "destination": {
            "selector": "k8s-app == 'kube-dns'", "ports": [53]}}]
    elif kind == 1:
        spec["order"] = 500
        spec["selector"] = "tier == '%s'" % rng.choice(TIERS)
        spec["ingress"] = [{"action": "Pass", "source": {"namespaceSelector": "env == 'prod'"}},
                           {"action": "Deny", "source": {"serviceAccounts": {"selector": "egress == 'no'"}}}]
        spec["egress"] = [{"action": "Pass"}]
    else:
        spec["order"] = 2000
        spec["selector"] = "has(pci)"
        spec["ingress"] = [{"action": "Allow", "protocol": "TCP", "source": {"notSelector": "tier == 'batch'"},
                            "destination": {"ports": ["8000:9000"]}}]
        spec["egress"] = [{"action": "Allow", "destination": {"notNets": ["10.0.0.0/8"]}}]
    return {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy",
            "metadata": {"name": "gnp-%d" % index}, "spec": spec}


def run(pods, policies, seed, sample_rows, check, timings, host_endpoints=False):
    objects = generate_cluster(pods, policies, seed, host_endpoints)
    started = time.time()
    snapshot = Snapshot.from_objects(objects)
    built = time.time() - started
    everyone = sorted(snapshot.weps)
    sources = everyone
    sampled = sample_rows and sample_rows < len(everyone)
    if sampled:
        sources = random.Random(seed).sample(everyone, sample_rows)
    started = time.time()
    matrix = reachability_matrix(snapshot, sources, everyone, "TCP", 8080)
    elapsed = time.time() - started
    cells = matrix["total"]
    print("%5d pods x %4d policies: snapshot %6.2fs  matrix %s%d x %d = %d verdicts in %6.2fs  (%.0f verdicts/s, "
          "%.1f%% allowed)" % (pods, policies, built, "sampled " if sampled else "", len(sources), len(everyone),
                               cells, elapsed, cells / elapsed if elapsed else float("inf"),
                               100.0 * matrix["allowed_count"] / cells))
    timings[(pods, policies)] = (elapsed, cells)
    if check:
        rng = random.Random(seed + 1)
        started = time.time()
        for attempt in range(check):
            i, j = rng.randrange(len(sources)), rng.randrange(len(everyone))
            verdict = evaluate(snapshot, {"src": {"pod": sources[i]}, "dst": {"pod": everyone[j]},
                                          "protocol": "TCP", "port": 8080})
            if verdict.allowed != matrix["allowed"][i][j]:
                print("MISMATCH %s -> %s: matrix %s, evaluate %s" % (sources[i], everyone[j],
                                                                     matrix["allowed"][i][j], verdict.allowed))
                return 1
        per_flow = (time.time() - started) / check
        print("      %d random cells agree with evaluate (%.0f single-flow evaluations/s)" % (check, 1 / per_flow))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--sizes", default=",".join("%dx%d" % (p, q) for p in (100, 1000, 5000) for q in (10, 200, 1000)))
    parser.add_argument("--sample-rows", type=int, default=0,
                        help="compute only this many random rows (0: the full matrix)")
    parser.add_argument("--check", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--host-endpoints", action="store_true",
                        help="add auto host endpoints with pre-DNAT and applyOnForward policies")
    args = parser.parse_args()
    status = 0
    timings = {}
    for size in args.sizes.split(","):
        pods, policies = (int(x) for x in size.split("x"))
        status |= run(pods, policies, args.seed, args.sample_rows, args.check, timings, args.host_endpoints)
    print_growth(timings)
    return status


def print_growth(timings):
    """Seconds per matrix, and microseconds per verdict, by pods (rows) and policies (columns)."""
    pod_counts = sorted(set(key[0] for key in timings))
    policy_counts = sorted(set(key[1] for key in timings))
    print("\nmatrix seconds (microseconds per verdict)")
    print("%8s" % "pods" + "".join("%22s" % ("%d policies" % q) for q in policy_counts))
    for pods in pod_counts:
        cells = []
        for policies in policy_counts:
            if (pods, policies) in timings:
                elapsed, count = timings[(pods, policies)]
                cells.append("%22s" % ("%.2fs (%.2f us)" % (elapsed, 1e6 * elapsed / count)))
            else:
                cells.append("%22s" % "-")
        print("%8d" % pods + "".join(cells))


if __name__ == "__main__":
    sys.exit(main())
