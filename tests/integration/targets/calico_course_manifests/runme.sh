#!/usr/bin/env bash
# Every projectcalico.org/v3 manifest and calicoctl patch of the course notes, applied twice (changed, then
# unchanged) against the fake Kubernetes API with the aggregated Calico API server, as the course's cluster has.
set -eux
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
# shellcheck source=../setup_calico_fake_api/fake_api.sh
. "$root/tests/integration/targets/setup_calico_fake_api/fake_api.sh"

course_dir="${CCOL1_SHARED:-$root/../shared}/course"
if [ ! -d "$course_dir" ]; then
  echo "The course notes are missing at $course_dir: set CCOL1_SHARED to the shared reference folder" >&2
  exit 1
fi
"$(fake_python)" extract_course.py "$course_dir" "$FAKE_WORK/course_steps.json"

start_fake_api main aggregated
ansible-playbook -i localhost, -c local playbook.yml \
  -e "kubeconfig=$FAKE_KUBECONFIG" -e "api_url=$FAKE_URL" -e "fake_tasks=$FAKE_TASKS" \
  -e "@$FAKE_WORK/course_steps.json" "$@"
