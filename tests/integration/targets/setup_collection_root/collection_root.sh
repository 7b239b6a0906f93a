# shellcheck shell=bash
# Sourced by the runme.sh of targets that list needs/target/setup_collection_root: sets `root` to the collection
# root above ansible-test's copy of the target (the copy lives under tests/output of the collection), so a target
# can reach the collection's tests/ and playbooks/ whatever temporary folder it runs from.
root="$(pwd)"
while [ ! -f "$root/galaxy.yml" ]; do
  [ "$root" != / ] || { echo "collection_root: no galaxy.yml above $(pwd)" >&2; exit 1; }
  root="$(dirname "$root")"
done
