#!/usr/bin/env bash
# Role calico_install, through playbooks/install_calico.yml, against the fake Kubernetes API, for both profiles'
# operator CRD schemas. The operator manifests cannot be downloaded here: make_manifests.py writes manifests of the
# release's shape (the upstream operator CRDs + our own Namespace/RBAC/Deployment), given as local files.
# controllers.py stands in for the operator and the kubelets (status after a delay).
set -eux
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
# shellcheck source=../setup_calico_fake_api/fake_api.sh
. "$root/tests/integration/targets/setup_calico_fake_api/fake_api.sh"
# kubernetes.core and ansible.utils: scripts/test-all.sh links the dependency collections into the workspace.

CONTROLLER_PIDS=()
stop_controllers() {
  local pid
  for pid in "${CONTROLLER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  stop_fake_apis
}
trap stop_controllers EXIT

run_profile() {
  local profile="$1" version="$2" manifests
  shift 2
  export FAKE_K8S_OPERATOR_VERSION="$version"
  start_fake_api "$profile" native
  unset FAKE_K8S_OPERATOR_VERSION
  manifests="$("$(fake_python)" make_manifests.py "$(fake_schema_dir)" "$version" "$FAKE_WORK/$profile/manifests" \
    | "$(fake_python)" -c 'import json, sys; print(json.dumps([l.strip() for l in sys.stdin if l.strip()]))')"
  local common=(-i inventory.yml -e "lab_kubeconfig=$FAKE_KUBECONFIG" -e "api_url=$FAKE_URL" -e "collection_root=$root"
    -e "fake_tasks=$FAKE_TASKS" -e "calico_install_version=$version" -e "test_version=$version"
    -e "{\"calico_install_operator_manifest_files\": $manifests}")
  # For the install runs only: failures.yml sets its own (extra vars would override them).
  local timeouts=(-e calico_install_poll_interval=1 -e calico_install_status_timeout=60
    -e calico_install_nodes_timeout=60 -e calico_install_expected_nodes=3)

  ansible-playbook "${common[@]}" prepare.yml
  "$(fake_python)" "$root/tests/fake_k8s_api/controllers.py" "$FAKE_URL" --delay 3 --timeout 300 \
    >"$FAKE_WORK/$profile/controllers.log" 2>&1 &
  CONTROLLER_PIDS+=("$!")

  ansible-playbook "${common[@]}" "${timeouts[@]}" "$root/playbooks/install_calico.yml" "$@"
  ansible-playbook "${common[@]}" check_installed.yml

  # Second run: nothing to change, nothing written.
  ansible-playbook "${common[@]}" snapshot.yml
  ansible-playbook "${common[@]}" "${timeouts[@]}" "$root/playbooks/install_calico.yml" "$@" | tee "$FAKE_WORK/$profile/second.log"
  grep -E '^localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' "$FAKE_WORK/$profile/second.log"
  ansible-playbook "${common[@]}" check_no_writes.yml

  ansible-playbook "${common[@]}" failures.yml
  ansible-playbook "${common[@]}" reset.yml
}

run_profile current v3.32.1 "$@"
run_profile course v3.21.6 "$@"
