#!/usr/bin/env bash
# multipass_vm_info through Ansible against the fake multipass CLI (tests/fake_multipass).
set -eux
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
PATH="$root/tests/fake_multipass:$PATH"
FAKE_MULTIPASS_STATE="$(mktemp -d)"
export PATH FAKE_MULTIPASS_STATE
unset FAKE_MULTIPASS_VERSION FAKE_MULTIPASS_DAEMON_DOWN
trap 'rm -rf "$FAKE_MULTIPASS_STATE"' EXIT

ansible-playbook -i localhost, -c local -e 'ansible_python_interpreter={{ ansible_playbook_python }}' \
  playbook.yml "$@"
