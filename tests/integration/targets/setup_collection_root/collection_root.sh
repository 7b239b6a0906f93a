#!/usr/bin/env bash
# Prints the collection root above ansible-test's copy of a target (the copy lives under the collection's
# tests/output), so a target can reach the collection's tests/ and playbooks/ from whatever temporary folder it
# runs in. Targets that list needs/target/setup_collection_root call it as
#   root="$(bash ../setup_collection_root/collection_root.sh)"
set -eu
root="$(pwd)"
while [ ! -f "$root/galaxy.yml" ]; do
  [ "$root" != / ] || { echo "collection_root: no galaxy.yml above $(pwd)" >&2; exit 1; }
  root="$(dirname "$root")"
done
echo "$root"
