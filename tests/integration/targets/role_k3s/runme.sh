#!/usr/bin/env bash
# The k3s role's install and settings tasks on the lab's three hosts (run locally), for both profiles: the binary
# from a file:// release laid out like k3s's, checked by get_url against its sha256sum-<arch>.txt; config.yaml on
# the current profile, flags in the unit on the course profile; every unit parsed by systemd-analyze; a second
# run changes nothing; a binary whose digest does not match the published one is refused.
set -eu
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
out="$(mktemp -d "${TMPDIR:-/tmp}/role_k3s.XXXXXX")"
trap 'rm -rf "$out"' EXIT

# A release directory as k3s publishes one: the asset and sha256sum-amd64.txt listing it among other assets.
fake_release() {  # version, digest override (empty: the real digest)
  local dir="$out/release/$1"
  mkdir -p "$dir"
  printf '#!/bin/sh\necho "k3s version %s (0000000)"\n' "$1" >"$dir/k3s"
  local digest="${2:-$(sha256sum "$dir/k3s" | cut -d' ' -f1)}"
  {
    echo "$(printf 'airgap' | sha256sum | cut -d' ' -f1)  k3s-airgap-images-amd64.tar"
    echo "$digest  k3s"
    echo "$(printf 'images' | sha256sum | cut -d' ' -f1)  k3s-images.txt"
  } >"$dir/sha256sum-amd64.txt"
}

play() {  # profile, extra args
  local profile="$1"; shift
  ansible-playbook -i inventory.yml render.yml -e "collection_root=$root" -e "output_dir=$out" -e "profile=$profile" "$@"
}

set -x
fake_release v1.35.5+k3s1
fake_release v1.18.10+k3s1
for profile in current course; do
  play "$profile"
  play "$profile" | tee "$out/second.log"
  [ "$(grep -cE '^(control|node1|node2) +: .*changed=0 ' "$out/second.log")" = 3 ] ||
    { echo "runme: the second $profile run changed something" >&2; exit 1; }
done

# systemd itself parses every unit the role wrote: a root holding the distribution's units, the k3s binary at the
# path the unit names, and the unit; any complaint (an unknown key, a bad value) fails the test.
command -v systemd-analyze >/dev/null || { echo "runme: needs systemd-analyze (Debian package systemd)" >&2; exit 1; }
for unit in "$out"/*/*/k3s.service; do
  unit_root="$out/unit-root"
  rm -rf "$unit_root" && mkdir -p "$unit_root/usr/lib/systemd" "$unit_root/usr/local/bin" "$unit_root/etc/systemd/system"
  cp -a /usr/lib/systemd/system "$unit_root/usr/lib/systemd/"
  printf '#!/bin/sh\n' >"$unit_root/usr/local/bin/k3s" && chmod +x "$unit_root/usr/local/bin/k3s"
  cp "$unit" "$unit_root/etc/systemd/system/k3s.service"
  complaints="$(systemd-analyze verify --man=no --root="$unit_root" /etc/systemd/system/k3s.service 2>&1)" ||
    { echo "runme: systemd-analyze failed on $unit: $complaints" >&2; exit 1; }
  [ -z "$complaints" ] || { echo "runme: systemd-analyze complains about $unit: $complaints" >&2; exit 1; }
done

# Refused download: the published digest does not match the asset (a fresh host directory).
rm -rf "$out/current"
fake_release v1.35.5+k3s1 "$(printf 'tampered' | sha256sum | cut -d' ' -f1)"
if play current --limit control >"$out/tampered.log" 2>&1; then
  echo "runme: a binary with the wrong digest was accepted" >&2; exit 1
fi
grep -q 'checksum' "$out/tampered.log"
[ ! -e "$out/current/control/bin/k3s" ]
echo "role_k3s: passed"
