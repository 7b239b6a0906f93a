#!/usr/bin/env bash
# calico_policy against the fake Kubernetes API (native projectcalico.org/v3); impact: on a seeded yaobank lab.
set -eux
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
# shellcheck source=../setup_calico_fake_api/fake_api.sh
. "$root/tests/integration/targets/setup_calico_fake_api/fake_api.sh"

start_fake_api main native
ansible-playbook -i localhost, -c local playbook.yml \
  -e "kubeconfig=$FAKE_KUBECONFIG" -e "api_url=$FAKE_URL" -e "fake_tasks=$FAKE_TASKS" "$@"

# impact: needs pods, namespaces and services: a fresh server seeded with the course's lab.
start_fake_api impact native
ansible-playbook -i localhost, -c local impact.yml \
  -e "kubeconfig=$FAKE_KUBECONFIG" -e "api_url=$FAKE_URL" -e "fake_tasks=$FAKE_TASKS" \
  -e "examples=$root/examples/policy_walkthrough" "$@"
