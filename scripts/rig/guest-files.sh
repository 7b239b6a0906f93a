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
