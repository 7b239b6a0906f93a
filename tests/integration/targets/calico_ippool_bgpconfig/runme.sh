#!/usr/bin/env bash
# calico_ippool_bgpconfig against the fake Kubernetes API.
set -eux
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
# shellcheck source=../setup_calico_fake_api/fake_api.sh
. "$root/tests/integration/targets/setup_calico_fake_api/fake_api.sh"

start_fake_api main native
ansible-playbook -i localhost, -c local playbook.yml \
  -e "kubeconfig=$FAKE_KUBECONFIG" -e "api_url=$FAKE_URL" -e "fake_tasks=$FAKE_TASKS" "$@"
