#!/usr/bin/env bash
# calico_felix against the fake Kubernetes API: the whole module on native v3 CRDs, and the course's patches on
# each Calico release the collection supports (the API server of v3.21.6 and of v3.32.1, native v3.32.1).
set -eux
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
# shellcheck source=../setup_calico_fake_api/fake_api.sh
. "$root/tests/integration/targets/setup_calico_fake_api/fake_api.sh"

start_fake_api main native
ansible-playbook -i localhost, -c local playbook.yml \
  -e "kubeconfig=$FAKE_KUBECONFIG" -e "api_url=$FAKE_URL" -e "fake_tasks=$FAKE_TASKS" "$@"

for setup in "aggregated v3.21.6" "aggregated v3.32.1" "native v3.32.1"; do
  read -r mode release <<<"$setup"
  start_fake_api "course-$mode-$release" "$mode" --calico-version "$release"
  ansible-playbook -i localhost, -c local course_patches.yml \
    -e "kubeconfig=$FAKE_KUBECONFIG" -e "api_url=$FAKE_URL" -e "fake_tasks=$FAKE_TASKS" \
    -e "fake_mode=$mode" -e "calico_release=$release" "$@"
done
