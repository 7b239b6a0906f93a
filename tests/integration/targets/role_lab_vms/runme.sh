#!/usr/bin/env bash
# The VM stage of the lab (playbooks/lab_vms.yml, role lab_vms) and the lifecycle playbooks against the fake
# multipass CLI (tests/fake_multipass), for both version profiles.
#
# What is real: Ansible, the role and playbooks, the calicolab.ccol1 modules and inventory plugin, the keys,
# `cloud-init schema` and `netplan generate` from Debian's packages (cloud-init, netplan.io).
# What is a double: the multipass CLI (its docstring says what it reproduces); Multipass's re-serialisation of
# the user data is reproduced in user_data_check.py.
# Nothing connects to a VM: every run is `--limit localhost`, so the plays that SSH to the VMs match no host.
set -eux
cd "$(dirname "${BASH_SOURCE[0]}")"
here="$(pwd)"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
for tool in cloud-init netplan; do
  command -v "$tool" >/dev/null || { echo "runme: $tool is missing (apt-get install cloud-init netplan.io)" >&2; exit 1; }
done

# ansible-test points ANSIBLE_COLLECTIONS_PATH at its copy of this collection alone; the role also needs
# community.crypto (a galaxy.yml dependency). Where it cannot be found, add the dev-env's cache (.cache/collections
# beside the .venv whose bin folder is on PATH), still behind the copy under test.
has_crypto() {
  local dir
  IFS=: read -r -a dirs <<<"${ANSIBLE_COLLECTIONS_PATH:-}"
  for dir in "${dirs[@]}"; do [ -d "$dir/ansible_collections/community/crypto" ] && return 0; done
  return 1
}
if ! has_crypto; then
  IFS=: read -r -a path_dirs <<<"$PATH"
  for dir in "${path_dirs[@]}"; do
    deps="$(dirname "$(dirname "$dir")")/.cache/collections"
    if [ -d "$deps/ansible_collections/community/crypto" ]; then
      export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:+$ANSIBLE_COLLECTIONS_PATH:}$deps"
      break
    fi
  done
fi
has_crypto || { echo "runme: community.crypto is not on ANSIBLE_COLLECTIONS_PATH" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
PATH="$root/tests/fake_multipass:$PATH"
export PATH
unset FAKE_MULTIPASS_VERSION FAKE_MULTIPASS_DAEMON_DOWN
export ANSIBLE_INVENTORY_UNPARSED_FAILED=1
cat > "$work/local.yml" <<'YAML'
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: "{{ ansible_playbook_python }}"
YAML

play() {  # play PLAYBOOK [args]: on the controller only, with the lab inventory folder
  local playbook="$1"; shift
  ansible-playbook -i "$root/inventories/lab" -i "$work/local.yml" --limit localhost \
    -e "lab_root_dir=$work/lab" "$root/playbooks/$playbook" "$@"
}
mutating_calls() { grep -c '"mutating": true' "$FAKE_MULTIPASS_STATE/calls.jsonl" || true; }
launch_calls() { grep -c '"command": "launch"' "$FAKE_MULTIPASS_STATE/calls.jsonl" || true; }
recap_changed() { sed -n 's/^localhost *: .*changed=\([0-9]*\).*/\1/p' "$1"; }
lab_addresses() {
  echo '{"control": ["198.19.0.1"], "node1": ["198.19.0.2"], "node2": ["198.19.0.3"], "host1": ["198.19.15.254"]}' \
    > "$FAKE_MULTIPASS_STATE/extra_ipv4.json"
}

mkdir -p "$work/user-data"
for profile in current course; do
  export FAKE_MULTIPASS_STATE="$work/state-$profile"
  mkdir -p "$FAKE_MULTIPASS_STATE"
  rm -rf "$work/lab"
  # The fake lists the lab address once cloud-init has run, as Multipass lists every global IPv4 of the guest.
  lab_addresses

  # Parallel: cloud-init stays `running` in every VM until all four launches have happened. A role that waited
  # for one VM before launching the next would never get to the second launch, and this wait would time out.
  echo running > "$FAKE_MULTIPASS_STATE/cloud_init_status"
  play lab_vms.yml -e "lab_profile=$profile" > "$work/first-$profile.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 240); do
    [ "$(launch_calls)" -ge 4 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  [ "$(launch_calls)" -eq 4 ] || { cat "$work/first-$profile.log"; echo "runme: not all four launches started while cloud-init ran" >&2; kill "$pid" 2>/dev/null || true; exit 1; }
  rm "$FAKE_MULTIPASS_STATE/cloud_init_status"
  wait "$pid" || { cat "$work/first-$profile.log"; exit 1; }
  [ "$(recap_changed "$work/first-$profile.log")" -gt 0 ]

  # Each VM was launched with the profile's image and its own size.
  expected_image=$([ "$profile" = current ] && echo 24.04 || echo 20.04)
  [ "$(grep '"command": "launch"' "$FAKE_MULTIPASS_STATE/calls.jsonl" | grep -c "\"$expected_image\"\]")" -eq 4 ]
  grep '"command": "launch"' "$FAKE_MULTIPASS_STATE/calls.jsonl" | grep '"control"' | grep -q '"-m", "2G"'

  # A second run changes nothing and runs no mutating multipass command.
  before="$(mutating_calls)"
  play lab_vms.yml -e "lab_profile=$profile" > "$work/second-$profile.log" 2>&1 || { cat "$work/second-$profile.log"; exit 1; }
  [ "$(recap_changed "$work/second-$profile.log")" -eq 0 ] || { cat "$work/second-$profile.log"; exit 1; }
  [ "$(mutating_calls)" -eq "$before" ]
  # The play that connects to the VMs matched no host.
  grep -A1 'PLAY \[Lab VMs answer over SSH\]' "$work/second-$profile.log" | grep -q 'no hosts matched'

  # The user data each VM received, after Multipass's round trip, passes cloud-init's own schema check.
  python "$here/user_data_check.py" "$FAKE_MULTIPASS_STATE" "$work/user-data" "$profile"

  # The inventory plugin groups the VMs as hosts.yml does, reachable on their Multipass address.
  ansible-inventory -i "$root/inventories/lab" --list > "$work/inventory-$profile.json"
  python "$here/inventory_check.py" "$work/inventory-$profile.json"

  # The wall-clock of the role is recorded.
  python -c 'import json, sys; t = json.load(open(sys.argv[1])); assert t["lab_vms"]["seconds"] > 0, t' \
    "$work/lab/lab-report/timing.json"
  # Keys are private.
  [ "$(stat -c %a "$work/lab/.lab/ssh/id_ed25519")" = 600 ]
  [ "$(stat -c %a "$work/lab/.lab")" = 700 ]
done

# The lab address script from the delivered user data, against Multipass-shaped netplan, through netplan generate.
python "$here/netplan_check.py" "$work/user-data/current-control.yaml" 198.19.0.1/20
python "$here/netplan_check.py" "$work/user-data/course-host1.yaml" 198.19.15.254/20

# verify fails, naming the address, when a VM never shows its lab address.
export FAKE_MULTIPASS_STATE="$work/state-noaddress"
rm -rf "$work/lab"
if play lab_vms.yml > "$work/noaddress.log" 2>&1; then cat "$work/noaddress.log"; exit 1; fi
grep -q 'expected Running with 198.19.0.1' "$work/noaddress.log"

# Bad input stops before any multipass command: the role's argument spec, and the profile check.
export FAKE_MULTIPASS_STATE="$work/state-badinput"
if play lab_vms.yml -e lab_vms_resize=sometimes > "$work/bad-resize.log" 2>&1; then cat "$work/bad-resize.log"; exit 1; fi
grep -q 'lab_vms_resize' "$work/bad-resize.log"
if play lab_vms.yml -e lab_profile=nightly > "$work/bad-profile.log" 2>&1; then cat "$work/bad-profile.log"; exit 1; fi
grep -q 'lab_profile nightly is not one of' "$work/bad-profile.log"
[ "$(grep -c '"mutating": true' "$FAKE_MULTIPASS_STATE/calls.jsonl" 2>/dev/null || true)" -eq 0 ]

# Check mode on a machine without the lab writes nothing (no keys, no launch) and says what a run would do.
export FAKE_MULTIPASS_STATE="$work/state-check"
rm -rf "$work/lab"
play lab_vms.yml --check > "$work/check-fresh.log"
grep -q 'a real run generates them and launches control, node1, node2, host1' "$work/check-fresh.log"
[ ! -e "$work/lab" ] && [ "$(mutating_calls)" -eq 0 ]

# Where Multipass is missing, the role says so at once and names what to do instead.
if ANSIBLE_INVENTORY_UNPARSED_FAILED=0 FAKE_MULTIPASS_DAEMON_DOWN=1 play lab_vms.yml > "$work/down.log" 2>&1; then cat "$work/down.log"; exit 1; fi
grep -q 'This lab needs Multipass' "$work/down.log"
grep -q 'inventories/byo' "$work/down.log"

# Lifecycle on the current profile's lab.
export FAKE_MULTIPASS_STATE="$work/state-current"
rm -rf "$work/lab"
play lab_vms.yml > /dev/null

play lab_status.yml > "$work/status.log"
for vm in control node1 node2 host1; do grep -Eq "$vm +Running" "$work/status.log"; done

play lab_stop.yml > "$work/stop.log"
[ "$(multipass list --format json | python -c 'import json,sys; print(sorted({v["state"] for v in json.load(sys.stdin)["list"]}))')" = "['Stopped']" ]
before="$(mutating_calls)"
play lab_stop.yml > "$work/stop2.log"
[ "$(recap_changed "$work/stop2.log")" -eq 0 ] && [ "$(mutating_calls)" -eq "$before" ]

# Check mode with the VMs stopped predicts the start and starts nothing (not even through `multipass exec`).
before="$(mutating_calls)"
play lab_vms.yml --check > "$work/check-stopped.log"
[ "$(recap_changed "$work/check-stopped.log")" -gt 0 ] && [ "$(mutating_calls)" -eq "$before" ]
[ "$(multipass list --format json | python -c 'import json,sys; print(sorted({v["state"] for v in json.load(sys.stdin)["list"]}))')" = "['Stopped']" ]

before_lines="$(wc -l < "$FAKE_MULTIPASS_STATE/calls.jsonl")"
play lab_start.yml > "$work/start.log"
first_start="$(tail -n +"$((before_lines + 1))" "$FAKE_MULTIPASS_STATE/calls.jsonl" | grep '"command": "start"' | head -1)"
echo "$first_start" | grep -q '"control"'
[ "$(multipass list --format json | python -c 'import json,sys; print(sorted({v["state"] for v in json.load(sys.stdin)["list"]}))')" = "['Running']" ]

# Destroy asks first: without a terminal and without -e confirm=yes it deletes nothing.
before="$(mutating_calls)"
if play lab_destroy.yml < /dev/null > "$work/destroy-unconfirmed.log" 2>&1; then cat "$work/destroy-unconfirmed.log"; exit 1; fi
grep -q 'Nothing deleted' "$work/destroy-unconfirmed.log"
[ "$(mutating_calls)" -eq "$before" ]

# The marked lab VMs go, and nothing else: a VM of another project survives.
multipass launch -n other-project 24.04
play lab_destroy.yml -e confirm=yes > "$work/destroy.log" 2>&1 || { cat "$work/destroy.log"; exit 1; }
[ "$(multipass list --format json | python -c 'import json,sys; print([v["name"] for v in json.load(sys.stdin)["list"]])')" = "['other-project']" ]
[ ! -e "$work/lab/.lab/ssh/id_ed25519" ]
if grep '"command": "delete"' "$FAKE_MULTIPASS_STATE/calls.jsonl" | grep -q -- '--all'; then exit 1; fi

# A VM with a lab name but without the lab marker is refused, never deleted. (A fresh state: the fake keeps a
# purged VM's user data and would serve it to a new VM of the same name.)
export FAKE_MULTIPASS_STATE="$work/state-impostor"
multipass launch -n host1 24.04
if play lab_destroy.yml -e confirm=yes > "$work/destroy-impostor.log" 2>&1; then cat "$work/destroy-impostor.log"; exit 1; fi
grep -Eq 'host1.*marker|marker.*host1' "$work/destroy-impostor.log"
[ "$(multipass list --format json | python -c 'import json,sys; print([v["name"] for v in json.load(sys.stdin)["list"]])')" = "['host1']" ]
