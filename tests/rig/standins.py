"""What the rig puts in place of the parts of the lab that cannot run here (no k3s, no Calico, no downloads).

usage:
  standins.py files WWW_DIR              kubectl and calicoctl stand-ins with their checksum files under
                                         WWW_DIR/files (served at http://198.18.0.1:8080/files/); prints the
                                         extra vars that point the workstation role there (JSON)
  standins.py kubeconfig                 the admin kubeconfig k3s would write on control (/etc/rancher/k3s/k3s.yaml)
  standins.py bird NODE                  the BIRD 2 configuration of the stand-in for Calico's BIRD on NODE
  standins.py expected-routes            host1's kernel routes the bgp_router import filter lets in, as JSON

Every stand-in says it is one. None of them is our roles' work: the roles run unchanged and meet these the way they
meet the real things on a Multipass lab.

- kubectl and calicoctl: small shell scripts, not the real binaries (none can be downloaded here). They answer
  what the workstation role asks: `kubectl version --client`, `calicoctl version` (the client version of the lab
  profile), and `kubectl get nodes -o name`, which answers only when the kubeconfig the role wrote names the API
  server at control's lab address (k3s would answer there). They are served with a kubectl-style `.sha256` file
  (the bare hex digest) and a calico-style `SHA256SUMS` (`<hex>  <asset>` lines), so the role's get_url downloads
  and verifies them for real, from the URLs the role builds from its own base-URL variables.
- The kubeconfig: k3s's shape (cluster, context and user `default`, server https://127.0.0.1:6443), with
  placeholder certificate data; the workstation role reads it from control and rewrites the server.
- BIRD on node1 and node2: Calico's calico-node runs BIRD on every node, in AS 64512 (the course's), peering with
  host1 (198.19.15.254) once the course's BGP lab adds the BGPPeer, with `next hop self`. Each stand-in announces
  what Calico would from that node: a /26 block of the default pool (198.19.16.0/21), a /29 block of the external
  pool (198.19.24.0/21), the service cluster range 198.19.32.0/20, the service external IP range 198.19.48.0/20,
  and one external IP of it as a /32 (Calico advertises a /32 for a service with externalTrafficPolicy Local).
  The routes are static blackholes inside BIRD only: the stand-in touches no kernel table. `connect retry time`
  is short so a restarted lab reconnects within seconds.
"""
import base64
import hashlib
import ipaddress
import json
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARCH = "amd64"
SERVED = "http://198.18.0.1:8080/files"
KUBECTL_BASE = SERVED + "/kubectl"
CALICOCTL_BASE = SERVED + "/calico"
ROUTER = "198.19.15.254"
AS_NUMBER = 64512
NODES = {"node1": "198.19.0.2", "node2": "198.19.0.3"}
# What each stand-in announces; see the docstring.
ANNOUNCED = {
    "node1": ["198.19.16.0/26", "198.19.24.0/29", "198.19.32.0/20", "198.19.48.0/20", "198.19.48.10/32"],
    "node2": ["198.19.16.64/26", "198.19.24.8/29", "198.19.32.0/20", "198.19.48.0/20"],
}


def profile_versions(profile="current"):
    with open(os.path.join(ROOT, "inventories/lab/group_vars/all/versions.yml")) as handle:
        profiles = yaml.safe_load(handle)["lab_profiles"]
    return profiles[profile]["kubectl_version"], profiles[profile]["calicoctl_version"]


def kubectl_script(version, server):
    return """#!/bin/sh
# rig stand-in for kubectl %(version)s (calicolab.ccol1 tests/rig/standins.py), not Kubernetes' kubectl:
# k3s cannot run in the rig. It answers `version --client` and `get nodes`, the latter only when the kubeconfig
# names the API server at %(server)s.
case "$1" in
  version) echo "Client Version: %(version)s"; echo "Kustomize Version: none (rig stand-in)"; exit 0 ;;
  get)
    config=${KUBECONFIG:-$HOME/.kube/config}
    if ! grep -q "server: %(server)s$" "$config" 2>/dev/null; then
      echo "kubectl (rig stand-in): $config does not name the API server %(server)s" >&2; exit 1
    fi
    [ "$2" = nodes ] || { echo "kubectl (rig stand-in): only nodes are listed" >&2; exit 1; }
    printf 'node/control\\nnode/node1\\nnode/node2\\n'; exit 0 ;;
esac
echo "kubectl (rig stand-in): only 'version' and 'get nodes' are answered" >&2
exit 1
""" % {"version": version, "server": server}


def calicoctl_script(version):
    return """#!/bin/sh
# rig stand-in for calicoctl %(version)s (calicolab.ccol1 tests/rig/standins.py), not Calico's calicoctl:
# there is no cluster in the rig.
if [ "$1" = version ]; then
  echo "Client Version:    %(version)s"
  echo "Git commit:        rig-stand-in"
  echo "Unable to retrieve Cluster Version or Type: no cluster in the rig" >&2
  exit 1
fi
echo "calicoctl (rig stand-in): only 'version' is answered" >&2
exit 1
""" % {"version": version}


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, mode)


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def files(www, server="https://198.19.0.1:6443"):
    kubectl_version, calicoctl_version = profile_versions()
    kubectl = kubectl_script(kubectl_version, server)
    kubectl_path = os.path.join(www, "files/kubectl", kubectl_version, "bin/linux", ARCH, "kubectl")
    write(kubectl_path, kubectl, 0o755)
    write(kubectl_path + ".sha256", sha256(kubectl))
    calicoctl = calicoctl_script(calicoctl_version)
    asset = "calicoctl-linux-" + ARCH
    release = os.path.join(www, "files/calico", calicoctl_version)
    write(os.path.join(release, asset), calicoctl, 0o755)
    # A release's SHA256SUMS lists several assets; ours is not the first line.
    other = "calicoctl-linux-arm64"
    write(os.path.join(release, "SHA256SUMS"), "%s  %s\n%s  %s\n" % (sha256("arm64 stand-in"), other, sha256(calicoctl), asset))
    return {"workstation_kubectl_base_url": KUBECTL_BASE, "workstation_calicoctl_base_url": CALICOCTL_BASE}


def kubeconfig():
    placeholder = base64.b64encode(b"rig stand-in: k3s does not run in the rig, there is no certificate").decode()
    return yaml.safe_dump({
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": placeholder, "server": "https://127.0.0.1:6443"},
                      "name": "default"}],
        "contexts": [{"context": {"cluster": "default", "user": "default"}, "name": "default"}],
        "current-context": "default",
        "kind": "Config",
        "preferences": {},
        "users": [{"name": "default", "user": {"client-certificate-data": placeholder,
                                               "client-key-data": placeholder}}],
    }, default_flow_style=False)


def bird_config(node):
    address = NODES[node]
    routes = "".join("  route %s blackhole;\n" % prefix for prefix in ANNOUNCED[node])
    return """# rig stand-in for Calico's BIRD on %(node)s (calicolab.ccol1 tests/rig/standins.py), written by the rig.
log syslog all;
router id %(address)s;

protocol device {
}

# What Calico would announce from this node; blackholes inside BIRD only, no kernel protocol.
protocol static calico_announced {
  ipv4;
%(routes)s}

protocol bgp host1 {
  local %(address)s as %(as_number)d;
  neighbor %(router)s as %(as_number)d;
  direct;
  connect retry time 5;
  ipv4 {
    import none;
    export where source = RTS_STATIC;
    next hop self;
  };
}
""" % {"node": node, "address": address, "routes": routes, "as_number": AS_NUMBER, "router": ROUTER}


# What host1 must let in, as the course asks and roles/bgp_router/README.md states (written here, not read from the
# role, so a role that drifts fails the check): the external pool and the service cluster range and anything longer,
# the service external IP range only as itself; never the default pod pool.
IMPORT_RULES = [(ipaddress.ip_network("198.19.24.0/21"), "orlonger"),
                (ipaddress.ip_network("198.19.32.0/20"), "orlonger"),
                (ipaddress.ip_network("198.19.48.0/20"), "exact")]


def accepted(prefix, rules):
    network = ipaddress.ip_network(prefix)
    for rule, match in rules:
        if match == "exact" and network == rule:
            return True
        if match == "orlonger" and network.subnet_of(rule):
            return True
    return False


def expected_routes():
    """{prefix: sorted next hops} of every announced prefix the import filter accepts."""
    rules = IMPORT_RULES
    routes = {}
    for node, prefixes in ANNOUNCED.items():
        for prefix in prefixes:
            if accepted(prefix, rules):
                routes.setdefault(prefix, []).append(NODES[node])
    return {prefix: sorted(hops) for prefix, hops in routes.items()}


def main(argv):
    if argv[:1] == ["files"] and len(argv) == 2:
        print(json.dumps(files(argv[1])))
    elif argv == ["kubeconfig"]:
        sys.stdout.write(kubeconfig())
    elif argv[:1] == ["bird"] and len(argv) == 2 and argv[1] in NODES:
        sys.stdout.write(bird_config(argv[1]))
    elif argv == ["expected-routes"]:
        print(json.dumps(expected_routes(), indent=2, sort_keys=True))
    else:
        sys.stderr.write(__doc__.split("\n\n", maxsplit=1)[0] + "\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
