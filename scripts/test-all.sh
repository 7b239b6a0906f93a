#!/usr/bin/env bash
# Runs every test the collection has, the way CI does, and exits non-zero if any stage fails.
# Usage: scripts/test-all.sh [stage ...]   (stages: changelog sanity units integration lint build molecule rig)
# CCOL1_TEST_TARGETS="tests/unit/plugins/module_utils/_calico/" (a folder ends in /) narrows units/integration to those paths or targets.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/dev-env.sh" || exit 1

CCOL1_SHARED="${CCOL1_SHARED:-$(cd "$CCOL1_ROOT/.." && pwd)/shared}"
if [ ! -f "$CCOL1_SHARED/DESIGN.md" ]; then
  echo "test-all: the shared reference folder is missing at $CCOL1_SHARED (set CCOL1_SHARED)" >&2
  exit 1
fi
export CCOL1_SHARED

# ansible-test needs the collection under ansible_collections/<namespace>/<name>; a symlink is not enough.
# Outside any git checkout (ansible-test would list files through git), and one per run so runs never collide.
WORKSPACE="${CCOL1_WORKSPACE:-$(mktemp -d "${TMPDIR:-/tmp}/ccol1-test.XXXXXX")}"
[ -n "${CCOL1_WORKSPACE:-}" ] || trap 'rm -rf "$WORKSPACE"' EXIT
COLLECTION_COPY="$WORKSPACE/ansible_collections/calicolab/ccol1"
copy_collection() {
  rm -rf "$COLLECTION_COPY" && mkdir -p "$COLLECTION_COPY" &&
    tar -C "$CCOL1_ROOT" --exclude=./.venv --exclude=./.cache --exclude=./.git --exclude=./tests/output \
      --exclude=./dist --exclude=./.pytest_cache --exclude=./lab-report --exclude=./.lab \
      -cf - . | tar -C "$COLLECTION_COPY" -xf - &&
    ln -sfn "$CCOL1_SHARED" "$WORKSPACE/ansible_collections/calicolab/shared" &&
    link_dependency_collections
}

# ansible-test points ANSIBLE_COLLECTIONS_PATH at the workspace alone: the collections we depend on
# (kubernetes.core, community.crypto, ansible.utils, ...) must be found there too.
link_dependency_collections() {
  local namespace
  for namespace in "$CCOL1_COLLECTIONS"/ansible_collections/*/; do
    namespace="$(basename "$namespace")"
    [ "$namespace" = calicolab ] || ln -sfn "$CCOL1_COLLECTIONS/ansible_collections/$namespace" \
      "$WORKSPACE/ansible_collections/$namespace"
  done
}

# ansible-test bootstraps pip in each sanity venv with a script it downloads from a host we cannot reach.
install_get_pip_standin() {
  local cache="$HOME/.ansible/test/cache"
  mkdir -p "$cache"
  for name in get_pip_24_2.py get_pip_25_2.py; do
    cp "$CCOL1_ROOT/scripts/get-pip-standin.py" "$cache/$name"
  done
}

stage_changelog() { antsibull-changelog lint; }
stage_sanity() { ansible-test sanity --venv --python 3.11 --color no; }
read -r -a TEST_TARGETS <<<"${CCOL1_TEST_TARGETS:-}"
stage_units() { ansible-test units --local --python 3.11 --color no --num-workers 2 "${TEST_TARGETS[@]}"; }
stage_integration() { ansible-test integration --local --python 3.11 --color no "${TEST_TARGETS[@]}"; }
# ansible-lint also looks in ~/.ansible/collections, where an installed older copy of this collection would
# shadow the one under test: give it a home of its own.
stage_lint() { mkdir -p "$WORKSPACE/lint-home" && HOME="$WORKSPACE/lint-home" ansible-lint --offline --profile production; }
stage_build() { ansible-galaxy collection build --force --output-path "$CCOL1_ROOT/dist" .; }
stage_molecule() {
  local scenario status=0
  shopt -s nullglob
  for scenario in molecule/*/; do
    scenario="$(basename "$scenario")"
    [ "$scenario" = default ] && continue   # needs real Multipass VMs; see README
    molecule test -s "$scenario" || status=1
  done
  return $status
}

# The lab rig boots real Debian guests (root, network namespaces); it runs from the checkout, not the copy.
stage_rig() { (cd "$CCOL1_ROOT" && bash scripts/rig.sh all); }

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(changelog sanity units integration lint build molecule rig)

copy_collection || exit 1
install_get_pip_standin
export ANSIBLE_COLLECTIONS_PATH="$WORKSPACE:$CCOL1_COLLECTIONS"
cd "$COLLECTION_COPY" || exit 1

passed=0 failed=0 failed_names=()
for stage in "${stages[@]}"; do
  echo "=== stage $stage"
  started=$SECONDS
  if "stage_$stage"; then
    passed=$((passed + 1)); verdict=passed
  else
    failed=$((failed + 1)); verdict=FAILED; failed_names+=("$stage")
  fi
  echo "=== stage $stage $verdict in $((SECONDS - started)) s"
done
[ $failed -eq 0 ] || echo "failed stages: ${failed_names[*]}"
echo "stages: $passed passed, $failed failed"
[ $failed -eq 0 ]
