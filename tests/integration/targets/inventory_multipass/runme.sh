#!/usr/bin/env bash
# The calicolab.ccol1.multipass inventory plugin against the fake multipass CLI with a four-VM lab.
set -eux
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
PATH="$root/tests/fake_multipass:$PATH"
FAKE_MULTIPASS_STATE="$(mktemp -d)"
work="$(mktemp -d)"
export PATH FAKE_MULTIPASS_STATE
unset FAKE_MULTIPASS_VERSION FAKE_MULTIPASS_DAEMON_DOWN
trap 'rm -rf "$FAKE_MULTIPASS_STATE" "$work"' EXIT
export ANSIBLE_INVENTORY_UNPARSED_FAILED=1

# ansible-inventory --list wraps values that came from outside (the multipass CLI) as {"__ansible_unsafe": ...}.
plain_list() {
  ansible-inventory -i "$1" --list | python3 -c '
import json, sys
def plain(value):
    if isinstance(value, dict):
        return value["__ansible_unsafe"] if set(value) == {"__ansible_unsafe"} else {k: plain(v) for k, v in value.items()}
    return [plain(v) for v in value] if isinstance(value, list) else value
json.dump(plain(json.load(sys.stdin)), sys.stdout)'
}

# The lab: control, node1, node2 and host1; the lab addresses are extra addresses on the single NIC.
# The three cluster VMs carry the lab marker file that multipass_vm writes through cloud-init's write_files;
# host1 has only the old comment marker, which Multipass drops, so it has no marker file.
for vm in control node1 node2; do
  printf '#cloud-config\nwrite_files:\n- path: /etc/calicolab/lab-marker\n  permissions: "0644"\n  content: "calicolab.ccol1\\n"\n' \
    | multipass launch -n "$vm" -c 2 -m 2G -d 10G --cloud-init - 24.04
done
printf '#cloud-config\n# lab-marker: calicolab.ccol1\n' | multipass launch -n host1 --cloud-init - 24.04
multipass launch -n stray 22.04
multipass stop stray
cat > "$FAKE_MULTIPASS_STATE/extra_ipv4.json" <<'JSON'
{"control": ["198.19.0.1"], "node1": ["198.19.0.2"], "node2": ["198.19.0.3"], "host1": ["198.19.15.254"]}
JSON

ansible-inventory -i lab.multipass.yml --graph | tee "$work/graph.txt"
grep -q -- '--@control_plane:' "$work/graph.txt"
grep -q -- '--@multipass_stopped:' "$work/graph.txt"

plain_list lab.multipass.yml > "$work/list.json"
ansible-playbook -i localhost, -c local -e 'ansible_python_interpreter={{ ansible_playbook_python }}' \
  -e "list_file=$work/list.json" assert_list.yml "$@"

# running_only and without prefer_cidr: stray disappears, ansible_host is the first address.
plain_list running.multipass.yml > "$work/running.json"
ansible-playbook -i localhost, -c local -e 'ansible_python_interpreter={{ ansible_playbook_python }}' \
  -e "list_file=$work/running.json" assert_running.yml "$@"

# lab_marker_only: only the VMs that carry the marker.
ansible-inventory -i marked.multipass.yml --graph | tee "$work/marked.txt"
[ "$(grep -c -- '|--' "$work/marked.txt")" -eq 5 ]   # groups all, ungrouped, multipass_running and 3 hosts
if grep -q -- 'host1' "$work/marked.txt"; then echo "host1 has no marker but was listed" >&2; exit 1; fi

# Every release is read, whatever form of info it takes: --all is gone on main and required before 1.13.
for release in 1.12.0 1.16.3 main; do
  FAKE_MULTIPASS_VERSION=$release ansible-inventory -i lab.multipass.yml --graph > "$work/graph-$release.txt"
  grep -q -- '|--node2' "$work/graph-$release.txt"
done

# "N/A" (no usable address) never becomes ansible_host.
echo '{"node2": ["N/A"]}' > "$FAKE_MULTIPASS_STATE/ipv4.json"
plain_list lab.multipass.yml > "$work/na.json"
python3 - "$work/na.json" <<'PY'
import json, sys
hostvars = json.load(open(sys.argv[1]))["_meta"]["hostvars"]["node2"]
assert "ansible_host" not in hostvars and hostvars["multipass_ipv4"] == [], hostvars
PY
rm "$FAKE_MULTIPASS_STATE/ipv4.json"

# Cache: a second read comes from the cache even when multipass is gone.
ANSIBLE_INVENTORY_CACHE_CONNECTION="$work/cache" ansible-inventory -i cached.multipass.yml --graph > /dev/null
ANSIBLE_INVENTORY_CACHE_CONNECTION="$work/cache" FAKE_MULTIPASS_DAEMON_DOWN=1 \
  ansible-inventory -i cached.multipass.yml --graph | tee "$work/cached.txt"
grep -q -- '|--node1' "$work/cached.txt"

# A missing binary and a stopped daemon fail with a clear message.
if ansible-inventory -i missing.multipass.yml --list > /dev/null 2> "$work/missing.err"; then
  echo "missing binary did not fail" >&2; exit 1
fi
grep -q 'multipass executable was not found' "$work/missing.err"
if FAKE_MULTIPASS_DAEMON_DOWN=1 ansible-inventory -i lab.multipass.yml --list > /dev/null 2> "$work/down.err"; then
  echo "daemon down did not fail" >&2; exit 1
fi
grep -q 'daemon is not running' "$work/down.err"
