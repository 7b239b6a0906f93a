#!/usr/bin/env bash
# The rehearsal: the course's labs offline, on any machine (make rehearsal; CI runs it).
# Starts the test Kubernetes API (tests/fake_k8s_api) on 127.0.0.1, runs tests/rehearsal/rehearsal.yml against it
# twice with lab_observe=false, then checks lab-report/report.json (every flow outcome of each lab's data passing
# on the engine's prediction, every probe and check not-run) and that the second run made zero writes.
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
labs=(roles/lab_policy/vars/main.yml)
python="$(command -v python3)"

start_fake_api rehearsal native
mkdir -p "$report_dir"

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
    -e "lab_workloads_snapshot=$root/tests/rehearsal/lab_workloads.yml" 2>&1 | tee "$1"
}

echo "== rehearsal, first run (fake API at $FAKE_URL)"
rehearse "$FAKE_WORK/first.log"
cp "$report_dir/report.json" "$FAKE_WORK/first-report.json"

echo "== rehearsal, second run: must change and write nothing"
fake_requests DELETE
rehearse "$FAKE_WORK/second.log"
fake_requests GET "$FAKE_WORK/requests.json"

status=0
if ! grep -Eq '^host1 +: ok=[0-9]+ +changed=0 ' "$FAKE_WORK/second.log"; then
  echo "REHEARSAL PROBLEM: the second run reported changes:" >&2
  grep -E '^(changed|host1 +:)' "$FAKE_WORK/second.log" >&2 || true
  status=1
fi
if ! cmp -s "$FAKE_WORK/first-report.json" "$report_dir/report.json"; then
  echo "REHEARSAL PROBLEM: the second run wrote a different report.json" >&2
  status=1
fi
"$python" tests/rehearsal/check_report.py "$report_dir/report.json" "$FAKE_WORK/requests.json" "${labs[@]}" || status=1
exit "$status"
