#!/usr/bin/env bash
# calico_reachability: the course walkthrough against the lab snapshot file (no server), report files and their
# idempotence, an expect mismatch failing with its table, and the same lab read back from the fake Kubernetes API.
set -euxo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
# shellcheck source=../setup_calico_fake_api/fake_api.sh
. "$root/tests/integration/targets/setup_calico_fake_api/fake_api.sh"

python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
examples="$root/examples/policy_walkthrough"
reports="$FAKE_WORK/reports"
common=(-i "localhost," -c local -e "ansible_python_interpreter=$python")

# 1. The walkthrough: every course step predicted and asserted; one Markdown report per step.
ansible-playbook "${common[@]}" "$examples/walkthrough.yml" -e "walkthrough_report_dir=$reports" "$@"
steps="$(grep -c '^  - name: ' "$examples/course_steps.yml")"
[ "$(find "$reports" -name '*.md' | wc -l)" -eq "$steps" ]
grep -q 'customer NodePort control:30180' "$reports/00-yaobank-deployed.md"
# the database-policy step flipped the attack on the database, and says so
grep -q 'DENY\*\* _(was allow)_ default deny (knp yaobank/database-policy' "$reports/01-database-policy.md"

# 2. Unchanged on a second run: nothing reports changed.
ansible-playbook "${common[@]}" "$examples/walkthrough.yml" -e "walkthrough_report_dir=$reports" "$@" \
  | tee "$FAKE_WORK/second-run.log"
grep -Eq 'localhost +: ok=[0-9]+ +changed=0 ' "$FAKE_WORK/second-run.log"

# 3. Report files (check mode, HTML), expect mismatches, bad input.
ansible-playbook "${common[@]}" report_and_expect.yml -e "examples=$examples" -e "work=$FAKE_WORK" "$@" 2>&1 \
  | tee "$FAKE_WORK/report-and-expect.log"
# unknown flow keys are warnings that name the closest known key
grep -q "WARNING.*flows\[0\]: unknown key 'descripton'; did you mean 'description'? (ignored)" \
  "$FAKE_WORK/report-and-expect.log"
grep -q "WARNING.*flows\[0\]: unknown key 'comment'; known keys: src, dst," "$FAKE_WORK/report-and-expect.log"

# 4. The same lab read through the Kubernetes API (fake server, objects seeded without validation).
start_fake_api reach native
ansible-playbook "${common[@]}" live.yml -e "examples=$examples" -e "kubeconfig=$FAKE_KUBECONFIG" \
  -e "api_url=$FAKE_URL" "$@"
