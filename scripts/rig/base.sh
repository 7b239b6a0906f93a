#!/usr/bin/env bash
# Builds (once) the cached Debian 12 base the rig's guests boot from, and the local package repository the guests'
# apt reads. Both live outside the repository under RIG_CACHE, keyed by a hash of everything that shapes them, so a
# second run reuses them. Only this build talks to Debian's mirror; the guests never leave the rig.
# Prints the path of the cache entry (a directory holding rootfs/ and repo/) on stdout.
set -euo pipefail

RIG_CACHE=${RIG_CACHE:-/var/cache/ccol1-rig}
RIG_SUITE=${RIG_SUITE:-bookworm}
RIG_MIRROR=${RIG_MIRROR:-http://deb.debian.org/debian}
# Debootstrap resolves these itself (Depends only).
RIG_BASE_INCLUDE=${RIG_BASE_INCLUDE:-systemd,systemd-sysv,dbus,iproute2,openssh-server,python3,sudo,ca-certificates}
# Installed with apt inside the base (Depends only): what a Multipass Ubuntu image has and cloud-init, netplan
# (update-locale, udevadm) and Ansible's apt module (python3-apt) call.
RIG_BASE_PACKAGES=${RIG_BASE_PACKAGES:-cloud-init netplan.io udev locales python3-apt}
# Not installed: downloaded with their dependencies into the rig's package repository, for what the lab's user data
# (roles/lab_vms: lab_vms_common_packages, vsftpd, bird2) and the workstation role (python3-venv,
# python3-packaging) install over the rig bridge.
RIG_REPO_PACKAGES=${RIG_REPO_PACKAGES:-bird2 curl netcat-openbsd tcpdump vsftpd conntrack wireguard-tools dnsutils jq python3-venv python3-packaging}

for tool in debootstrap apt-ftparchive sha256sum; do
    command -v "$tool" >/dev/null || { echo "rig base: $tool is missing (apt-get install debootstrap apt-utils)" >&2; exit 1; }
done
here=$(cd "$(dirname "$0")" && pwd)
# Bump when the way the base is built changes; the package lists are part of the key themselves.
BASE_FORMAT=1
key=$(printf '%s\n' "$BASE_FORMAT" "$RIG_SUITE" "$RIG_MIRROR" "$RIG_BASE_INCLUDE" "$RIG_BASE_PACKAGES" \
      "$RIG_REPO_PACKAGES" | sha256sum | cut -c1-16)
entry=$RIG_CACHE/base-$key
guest_files_hash=$(sha256sum "$here/guest-files.sh" | cut -c1-16)

# The rig's own adjustments (guest-files.sh) are cheap and re-applied to a cached base whenever they change, under a
# lock, so editing them does not cost a new debootstrap. Never while guests of another rig use this base.
refresh_guest_files() {
    [ "$(cat "$1/guest-files" 2>/dev/null)" = "$guest_files_hash" ] && return 0
    bash "$here/guest-files.sh" "$1/rootfs"
    echo "$guest_files_hash" >"$1/guest-files"
}
if [ -f "$entry/complete" ]; then
    exec 9>"$entry/.lock"
    flock 9
    refresh_guest_files "$entry"
    echo "$entry"
    exit 0
fi

mkdir -p "$RIG_CACHE"
work=$(mktemp -d "$RIG_CACHE/build.XXXXXX")
root=$work/rootfs
cleanup() {  # must end with status 0: an EXIT trap's last status becomes the script's
    local mount
    for mount in "$root/proc" "$root/sys" "$root/dev/pts" "$root/dev"; do
        if mountpoint -q "$mount" 2>/dev/null; then umount -l "$mount"; fi
    done
    if [ -n "${work:-}" ] && [ -d "$work" ]; then rm -rf --one-file-system "$work"; fi
    return 0
}
trap cleanup EXIT

log() { printf '[rig base %s] %s\n' "$(date -u +%T)" "$*" >&2; }

start=$(date +%s)
log "debootstrap $RIG_SUITE (minbase + $RIG_BASE_INCLUDE)"
debootstrap --variant=minbase --include="$RIG_BASE_INCLUDE" "$RIG_SUITE" "$root" "$RIG_MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
t_debootstrap=$(( $(date +%s) - start ))

cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

log "apt-get install $RIG_BASE_PACKAGES"
in_root apt-get -q update >/dev/null
# shellcheck disable=SC2086
in_root apt-get -qy install --no-install-recommends $RIG_BASE_PACKAGES >"$work/apt.log" 2>&1 \
    || { tail -20 "$work/apt.log" >&2; exit 1; }

log "download $RIG_REPO_PACKAGES into the rig repository"
mkdir -p "$root/var/cache/rig-repo"
# shellcheck disable=SC2086
in_root apt-get -qy install --no-install-recommends --download-only \
    -o Dir::Cache::archives=/var/cache/rig-repo $RIG_REPO_PACKAGES >"$work/download.log" 2>&1 \
    || { tail -20 "$work/download.log" >&2; exit 1; }
mkdir -p "$work/repo"
mv "$root"/var/cache/rig-repo/*.deb "$work/repo/"
rm -rf "$root/var/cache/rig-repo"
(cd "$work/repo" && apt-ftparchive packages . >Packages && gzip -9kn Packages && apt-ftparchive release . >Release)
in_root apt-get clean
umount "$root/proc"

rm -f "$root/usr/sbin/policy-rc.d"
refresh_guest_files "$work"
t_total=$(( $(date +%s) - start ))
printf '{"debootstrap_seconds": %d, "total_seconds": %d, "suite": "%s", "repo_packages": "%s"}\n' \
    "$t_debootstrap" "$t_total" "$RIG_SUITE" "$RIG_REPO_PACKAGES" >"$work/build.json"
touch "$work/complete"
mv "$work" "$entry"
work=
log "base ready in ${t_total}s: $entry"
# Bases of earlier package lists (about 400 MB each) go, unless a rig's overlay still mounts them.
for old in "$RIG_CACHE"/base-*; do
    if [ "$old" = "$entry" ] || [ ! -d "$old" ] || grep -qF "lowerdir=$old/" /proc/mounts; then continue; fi
    log "removing the unused older base $old"
    rm -rf --one-file-system "$old"
done
echo "$entry"
