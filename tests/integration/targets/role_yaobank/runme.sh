#!/usr/bin/env bash
# Role yaobank, through playbooks/yaobank.yml, against the fake Kubernetes API. controllers.py stands in for the
# deployment controller (rollout status after a delay). The front-end probe cannot reach the lab here: it is
# pointed at a stand-in page served on 127.0.0.1 by this script, which tests the probe, not the NodePort.
set -eux
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
# shellcheck source=../setup_calico_fake_api/fake_api.sh
. "$root/tests/integration/targets/setup_calico_fake_api/fake_api.sh"
# kubernetes.core and ansible.utils: scripts/test-all.sh links the dependency collections into the workspace.

HELPER_PIDS=()
stop_helpers() {
  local pid
  for pid in "${HELPER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  stop_fake_apis
}
trap stop_helpers EXIT

start_fake_api main native
page_port="$("$(fake_python)" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$(fake_python)" -m http.server "$page_port" --bind 127.0.0.1 --directory files >"$FAKE_WORK/page.log" 2>&1 &
HELPER_PIDS+=("$!")
"$(fake_python)" "$root/tests/fake_k8s_api/controllers.py" "$FAKE_URL" --no-operator --delay 3 --rollouts 3 \
  --timeout 300 >"$FAKE_WORK/controllers.log" 2>&1 &
HELPER_PIDS+=("$!")

common=(-i inventory.yml -e "lab_kubeconfig=$FAKE_KUBECONFIG" -e "api_url=$FAKE_URL" -e "fake_tasks=$FAKE_TASKS")
run=(-e yaobank_poll_interval=1 -e yaobank_rollout_timeout=60 -e "yaobank_frontend_url=http://127.0.0.1:$page_port/"
  -e yaobank_frontend_retries=5 -e yaobank_frontend_delay=1)

ansible-playbook "${common[@]}" prepare.yml
ansible-playbook "${common[@]}" "${run[@]}" "$root/playbooks/yaobank.yml" "$@"
ansible-playbook "${common[@]}" check_deployed.yml

ansible-playbook "${common[@]}" "$root/tests/integration/targets/role_calico_install/snapshot.yml"
ansible-playbook "${common[@]}" "${run[@]}" "$root/playbooks/yaobank.yml" "$@" | tee "$FAKE_WORK/second.log"
grep -E '^localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' "$FAKE_WORK/second.log"
ansible-playbook "${common[@]}" "$root/tests/integration/targets/role_calico_install/check_no_writes.yml"

ansible-playbook "${common[@]}" failures.yml
