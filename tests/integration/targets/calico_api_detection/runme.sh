#!/usr/bin/env bash
# How the modules find (or fail to find) the projectcalico.org/v3 API: one fake Kubernetes API per mode.
set -eux
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
# shellcheck source=../setup_calico_fake_api/fake_api.sh
. "$root/tests/integration/targets/setup_calico_fake_api/fake_api.sh"

extra=()
for mode in aggregated native crd-only none; do
  start_fake_api "$mode" "$mode"
  extra+=(-e "${mode//-/_}_kubeconfig=$FAKE_KUBECONFIG" -e "${mode//-/_}_url=$FAKE_URL")
done
start_fake_api notiers native --no-tiers
extra+=(-e "notiers_kubeconfig=$FAKE_KUBECONFIG" -e "notiers_url=$FAKE_URL")

ansible-playbook -i localhost, -c local playbook.yml -e "fake_tasks=$FAKE_TASKS" "${extra[@]}" "$@"
