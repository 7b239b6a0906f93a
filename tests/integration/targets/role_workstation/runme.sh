#!/usr/bin/env bash
# The workstation role's tools, kubeconfig and ssh tasks (run locally): downloads checked against each upstream's
# checksum layout, the kubeconfig rewritten to control's lab address, `ssh node1` resolved by the real ssh client;
# a second run changes nothing; a calicoctl whose digest does not match SHA256SUMS is refused. Not run here: the
# venv (needs apt and PyPI on the host) and verify (needs the cluster).
set -eu
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
out="$(mktemp -d "${TMPDIR:-/tmp}/role_workstation.XXXXXX")"
trap 'rm -rf "$out"' EXIT
sha() { sha256sum "$1" | cut -d' ' -f1; }

# dl.k8s.io: <release>/bin/linux/<arch>/kubectl with kubectl.sha256 holding the bare digest.
k8s="$out/k8s/v1.35.5/bin/linux/amd64"
mkdir -p "$k8s" && printf 'kubectl v1.35.5\n' >"$k8s/kubectl" && sha "$k8s/kubectl" >"$k8s/kubectl.sha256"
# A Calico release: every asset listed in SHA256SUMS as sha256sum prints it.
calico="$out/calico/v3.32.1"
mkdir -p "$calico"
for asset in calicoctl-linux-amd64 calicoctl-linux-arm64 tigera-operator.yaml; do printf '%s v3.32.1\n' "$asset" >"$calico/$asset"; done
(cd "$calico" && sha256sum calicoctl-linux-amd64 calicoctl-linux-arm64 tigera-operator.yaml >SHA256SUMS)
# control's /etc/rancher/k3s/k3s.yaml as k3s writes it (cluster, context and user all named default).
mkdir -p "$out/control" "$out/controller"
cat >"$out/control/k3s.yaml" <<'YAML'
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EgZGF0YQ==
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
YAML
printf 'not a real key\n' >"$out/controller/id_lab"

play() { ansible-playbook -i inventory.yml workstation.yml -e "collection_root=$root" -e "output_dir=$out"; }
set -x
play
play | tee "$out/second.log"
grep -Eq '^host1 +: .*changed=0 ' "$out/second.log" || { echo "runme: the second run changed something" >&2; exit 1; }

rm -f "$out/bin/calicoctl"
printf 'tampered\n' >>"$calico/calicoctl-linux-amd64"
if play >"$out/tampered.log" 2>&1; then echo "runme: a calicoctl with the wrong digest was accepted" >&2; exit 1; fi
grep -q 'checksum' "$out/tampered.log"
[ ! -e "$out/bin/calicoctl" ]
echo "role_workstation: passed"
