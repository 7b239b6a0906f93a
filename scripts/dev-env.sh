#!/usr/bin/env bash
# Sets up (idempotently) what both the lab and the tests need, then exports the environment.
# Source it: `. scripts/dev-env.sh`.  Creates .venv, the collection dependencies in
# .cache/collections, and a link that makes this checkout the installed calicolab.ccol1.
CCOL1_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CCOL1_VENV="$CCOL1_ROOT/.venv"
CCOL1_COLLECTIONS="$CCOL1_ROOT/.cache/collections"

ccol1_setup() {
  local stamp
  stamp="$CCOL1_VENV/.requirements-$(cat "$CCOL1_ROOT/requirements.txt" "$CCOL1_ROOT/requirements-test.txt" | sha256sum | cut -c1-16)"
  if [ ! -e "$stamp" ]; then
    python3 -m venv "$CCOL1_VENV" &&
      "$CCOL1_VENV/bin/pip" install -q --disable-pip-version-check -U pip &&
      "$CCOL1_VENV/bin/pip" install -q --disable-pip-version-check -r "$CCOL1_ROOT/requirements-test.txt" &&
      touch "$stamp" || return 1
  fi
  "$CCOL1_VENV/bin/python" "$CCOL1_ROOT/scripts/fetch-collection-deps.py" "$CCOL1_COLLECTIONS" || return 1
  mkdir -p "$CCOL1_COLLECTIONS/ansible_collections/calicolab" &&
    ln -sfn "$CCOL1_ROOT" "$CCOL1_COLLECTIONS/ansible_collections/calicolab/ccol1"
}

if ! ccol1_setup; then
  echo "dev-env: setting up the virtualenv or the collections failed" >&2
  # shellcheck disable=SC2317  # the exit is reached only when this file is run instead of sourced
  return 1 2>/dev/null || exit 1
fi
export PATH="$CCOL1_VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$CCOL1_COLLECTIONS"
export CCOL1_ROOT CCOL1_VENV CCOL1_COLLECTIONS
