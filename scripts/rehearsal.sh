#!/usr/bin/env bash
# The rehearsal: the course's labs offline, on any machine (make rehearsal; CI runs it).
# Starts the test Kubernetes API (tests/fake_k8s_api) on 127.0.0.1 with the kubelets' three nodes registered and
# controllers.py standing in for the Tigera operator and the deployment controller, runs tests/rehearsal/rehearsal.yml
# (the real install_calico and yaobank playbooks, then every course lab in course order) against it twice with
# lab_observe=false, then checks lab-report/report.json (every flow outcome of each lab's data passing on the
# engine's prediction, every probe and check not-run) and that the second run made zero writes. The operator
# manifests cannot be downloaded here: they are written in the release's shape from the upstream CRDs (the
# calico_install test's make_manifests.py).
# Bounded: each run is stopped after CCOL1_REHEARSAL_TIMEOUT seconds (default 900); the server is stopped on exit.
# CCOL1_REHEARSAL_REPORT_DIR: where the report goes (default: lab-report in the checkout).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Under ansible-test (or a caller that set up the collections path) the environment is ready; otherwise make it.
if [ -z "${ANSIBLE_COLLECTIONS_PATH:-}" ]; then
  # shellcheck source=dev-env.sh
  . "$root/scripts/dev-env.sh"
fi
# shellcheck source=../tests/integration/targets/setup_calico_fake_api/fake_api.sh
. "$root/tests/integration/targets/setup_calico_fake_api/fake_api.sh"

limit="${CCOL1_REHEARSAL_TIMEOUT:-900}"
report_dir="${CCOL1_REHEARSAL_REPORT_DIR:-$root/lab-report}"
labs=(roles/lab_[!rv]*/vars/main.yml)   # every course lab (not lab_runner, lab_vms)
python="$(command -v python3)"

calico_version=v3.32.1
install_target="$root/tests/integration/targets/role_calico_install"
export FAKE_K8S_OPERATOR_VERSION="$calico_version"
start_fake_api rehearsal native
unset FAKE_K8S_OPERATOR_VERSION
mkdir -p "$report_dir"

# The kubelets register the nodes (not Ready until a CNI runs), as k3s leaves them for install_calico.
"$python" - "$FAKE_URL/_fake/objects" tests/rehearsal/lab_workloads.yml <<'PY'
import json, sys, urllib.request
import yaml
with open(sys.argv[2]) as stream:
    nodes = [item for item in yaml.safe_load(stream)["items"] if item["kind"] == "Node"]
for node in nodes:
    node["status"]["conditions"] = [{"type": "Ready", "status": "False", "reason": "KubeletNotReady",
                                     "message": "container runtime network not ready: NetworkPluginNotReady"}]
    request = urllib.request.Request(sys.argv[1], data=json.dumps(node).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).close()
PY
manifests="$("$python" "$install_target/make_manifests.py" "$(fake_schema_dir)" "$calico_version" "$FAKE_WORK/manifests" \
  | "$python" -c 'import json, sys; print(json.dumps([l.strip() for l in sys.stdin if l.strip()]))')"
"$python" tests/fake_k8s_api/controllers.py "$FAKE_URL" --delay 1 --timeout "$((2 * limit + 60))" \
  >"$FAKE_WORK/controllers.log" 2>&1 &
controllers_pid=$!
trap 'kill "$controllers_pid" 2>/dev/null || true; stop_fake_apis' EXIT

fake_requests() {  # fake_requests GET|DELETE [file]: read or reset the server's request log
  "$python" - "$FAKE_URL/_fake/requests" "$1" "${2:-/dev/null}" <<'PY'
import sys, urllib.request
request = urllib.request.Request(sys.argv[1], method=sys.argv[2])
with urllib.request.urlopen(request, timeout=10) as response, open(sys.argv[3], "wb") as out:
    out.write(response.read())
PY
}

rehearse() {  # rehearse LOG
  timeout --kill-after=10 "$limit" ansible-playbook -i tests/rehearsal/inventory.yml tests/rehearsal/rehearsal.yml \
    -e lab_observe=false -e "lab_kubeconfig=$FAKE_KUBECONFIG" -e "lab_report_dir=$report_dir" \
    -e "lab_workloads_snapshot=$root/tests/rehearsal/lab_workloads.yml" \
    -e "{\"calico_install_operator_manifest_files\": $manifests}" -e "calico_install_version=$calico_version" \
    -e calico_install_poll_interval=1 -e calico_install_expected_nodes=3 \
    -e yaobank_frontend_probe=false -e yaobank_poll_interval=1 2>&1 | tee "$1"
}

echo "== rehearsal, first run (fake API at $FAKE_URL)"
rehearse "$FAKE_WORK/first.log"
cp "$report_dir/report.json" "$FAKE_WORK/first-report.json"

object_versions() {  # object_versions FILE: every object's kind/namespace/name@resourceVersion, sorted
  "$python" - "$FAKE_URL/_fake/objects" "$1" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
    items = json.load(response)["items"]
lines = sorted("%s/%s/%s@%s" % (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"],
                                o["metadata"].get("resourceVersion")) for o in items)
with open(sys.argv[2], "w") as out:
    out.write("\n".join(lines) + "\n")
PY
}

echo "== rehearsal, second run: must change and write nothing"
object_versions "$FAKE_WORK/versions-before"
fake_requests DELETE
rehearse "$FAKE_WORK/second.log"
fake_requests GET "$FAKE_WORK/requests.json"
object_versions "$FAKE_WORK/versions-after"

status=0
if ! cmp -s "$FAKE_WORK/versions-before" "$FAKE_WORK/versions-after"; then
  echo "REHEARSAL PROBLEM: the second run changed objects (resourceVersion):" >&2
  diff "$FAKE_WORK/versions-before" "$FAKE_WORK/versions-after" | head -20 >&2 || true
  status=1
fi
if ! grep -Eq '^host1 +: ok=[0-9]+ +changed=0 ' "$FAKE_WORK/second.log"; then
  echo "REHEARSAL PROBLEM: the second run reported changes:" >&2
  grep -E '^(changed|host1 +:)' "$FAKE_WORK/second.log" >&2 || true
  status=1
fi
if ! cmp -s "$FAKE_WORK/first-report.json" "$report_dir/report.json"; then
  echo "REHEARSAL PROBLEM: the second run wrote a different report.json:" >&2
  diff <("$python" -m json.tool "$FAKE_WORK/first-report.json") <("$python" -m json.tool "$report_dir/report.json") \
    | head -40 >&2 || true
  status=1
fi
"$python" tests/rehearsal/check_report.py "$report_dir/report.json" "$FAKE_WORK/requests.json" "${labs[@]}" || status=1
exit "$status"
