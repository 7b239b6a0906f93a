#!/usr/bin/env bash
# Shapes the base root (argument 1) into a rig guest image: apt reads only the rig's package repository, cloud-init
# looks only for a NoCloud seed and creates the default user `ubuntu` as on Multipass's Ubuntu images, and nothing
# that must differ per guest (host keys, machine id, hostname) is baked in.
set -euo pipefail
root=$1
RIG_REPO_URL=${RIG_REPO_URL:-http://198.18.0.1:8080}

rm -f "$root"/etc/apt/sources.list.d/*
printf 'deb [trusted=yes] %s/ ./\n' "$RIG_REPO_URL" >"$root/etc/apt/sources.list"
# No network-dependent apt extras in the guests.
printf 'Acquire::Languages "none";\nAPT::Install-Recommends "false";\n' >"$root/etc/apt/apt.conf.d/90rig"

# pip reads only the rig's wheel folder (tests/rig/wheels.py fills it), as apt reads only the rig repository.
repo_host=${RIG_REPO_URL#*://}
repo_host=${repo_host%%[:/]*}
cat >"$root/etc/pip.conf" <<PIP
[global]
no-index = true
find-links = $RIG_REPO_URL/wheels/
trusted-host = $repo_host
disable-pip-version-check = true
PIP

mkdir -p "$root/etc/cloud/cloud.cfg.d"
cat >"$root/etc/cloud/cloud.cfg.d/90-rig.cfg" <<'CFG'
# The rig: the seed is NoCloud only; apt keeps the rig repository; the default user is Multipass's `ubuntu`.
datasource_list: [NoCloud, None]
apt_preserve_sources_list: true
apt:
  preserve_sources_list: true
system_info:
  default_user:
    name: ubuntu
    lock_passwd: true
    gecos: Ubuntu
    groups: [adm, sudo]
    sudo: ["ALL=(ALL) NOPASSWD:ALL"]
    shell: /bin/bash
CFG

rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
: >"$root/etc/hostname"
rm -f "$root/etc/resolv.conf"
printf 'nameserver 198.18.0.1\n' >"$root/etc/resolv.conf"
# Containers have no consoles on ttys; the getty units only spin.
for unit in getty@tty1.service console-getty.service; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
# Networkd renders netplan's config at boot, as on Multipass's Ubuntu images (Debian leaves it disabled).
mkdir -p "$root/etc/systemd/system/multi-user.target.wants" "$root/etc/systemd/system/sockets.target.wants" \
    "$root/etc/systemd/system/network-online.target.wants"
ln -sf /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/"
ln -sf /lib/systemd/system/systemd-networkd.socket "$root/etc/systemd/system/sockets.target.wants/"
ln -sf /lib/systemd/system/systemd-networkd-wait-online.service "$root/etc/systemd/system/network-online.target.wants/"
# cloud-init sets LANG=en_US.UTF-8 with update-locale, which refuses a locale that is not generated; Ubuntu images
# ship it, Debian's locale-gen ignores the name cloud-init passes, so generate it here.
if ! grep -q '^en_US.UTF-8 UTF-8' "$root/etc/locale.gen" 2>/dev/null; then
    echo 'en_US.UTF-8 UTF-8' >>"$root/etc/locale.gen"
    chroot "$root" locale-gen >/dev/null
fi
# A container has no udevd and a read-only /sys: `udevadm trigger` (run by `netplan apply`) would try to write the
# uevent files of the host's devices and fail. With no udevd in the guest a trigger has no listener anyway, so the
# rig makes that one subcommand a no-op (first in PATH); every other udevadm call goes to the real one.
cat >"$root/usr/local/sbin/udevadm" <<'WRAP'
#!/bin/sh
# rig: `udevadm trigger` is a no-op in this container (no udevd, read-only /sys); see scripts/rig/guest-files.sh
[ "$1" = trigger ] && exit 0
exec /usr/bin/udevadm "$@"
WRAP
chmod 0755 "$root/usr/local/sbin/udevadm"
# A VM's virtio NIC has a permanent MAC; the rig's NIC is a veth, whose MAC udev's default .link policy
# (MACAddressPolicy=persistent, applied by the `udevadm test-builtin net_setup_link` cloud-init runs) would replace,
# and Multipass's network-config matches that MAC. Keep the MAC the rig gave the NIC, as a VM's NIC keeps its own.
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nOriginalName=ens3\n\n[Link]\nMACAddressPolicy=none\n' >"$root/etc/systemd/network/05-rig-nic.link"
# netplan (0.106, as 1.x) turns `match: {macaddress}` into networkd's PermanentMACAddress=. A VM's virtio NIC has a
# permanent MAC equal to its MAC; a veth has none, so networkd would leave ens3 unmanaged. The rig wraps netplan's
# generator (a dpkg diversion) and rewrites that one match key to MACAddress= in what it wrote, which for a VM's NIC
# names the same address. Everything else (which netdef wins, how files merge) stays netplan's and networkd's.
if [ ! -e "$root/usr/libexec/netplan/generate.rig-real" ]; then
    chroot "$root" dpkg-divert --quiet --local --rename --divert /usr/libexec/netplan/generate.rig-real \
        --add /usr/libexec/netplan/generate
fi
cat >"$root/usr/libexec/netplan/generate" <<'WRAP'
#!/bin/bash
# rig: netplan's generator, then PermanentMACAddress= -> MACAddress= (a veth has no permanent MAC); see
# scripts/rig/guest-files.sh in calicolab.ccol1. argv[0] is passed on: netplan tells from it that systemd runs
# it as a generator at boot.
(exec -a "$0" /usr/libexec/netplan/generate.rig-real "$@") || exit $?
root= previous=
for arg in "$@"; do
    case $arg in --root-dir=*) root=${arg#--root-dir=} ;; esac
    [ "$previous" = --root-dir ] && root=$arg
    previous=$arg
done
for file in "$root"/run/systemd/network/*.network; do
    [ -f "$file" ] && sed -i 's/^PermanentMACAddress=/MACAddress=/' "$file"
done
exit 0
WRAP
chmod 0755 "$root/usr/libexec/netplan/generate"
