"""Prints the rig's own sample cloud-init user data for one guest (not the lab's; the lab roles bring theirs).

usage: sample_user_data.py NAME LAB_ADDRESS NETDEF PUBLIC_KEY_FILE

It asks for what the lab's user data asks for, so the rig proves each path: a key for Ansible, a package from the
rig's repository, the marker file /etc/calicolab/lab-marker, hosts entries, and a netplan file adding LAB_ADDRESS/20
under NETDEF. With NETDEF `default` netplan merges it into Multipass's network-config and the address appears; any
other NETDEF is the trap (a second definition for the same NIC, matched here by name, which systemd-networkd
ignores). The comment lines must not survive the launch, the marker must.
"""
import sys

HOSTS = {"control": "198.19.0.1", "node1": "198.19.0.2", "node2": "198.19.0.3", "host1": "198.19.15.254"}


def user_data(name, address, netdef, key):
    match = "" if netdef == "default" else "            match: {name: ens3}\n"
    hosts = "".join("      %s %s\n" % (ip, host) for host, ip in HOSTS.items())
    return (
        "#cloud-config\n"
        "# rig sample user data for %s: this comment is dropped by the launch's YAML round trip\n" % name
        + "ssh_authorized_keys:\n  - %s\n" % key
        + "package_update: true\npackages:\n  - netcat-openbsd\n"
        "write_files:\n"
        "  - path: /etc/calicolab/lab-marker\n    permissions: '0644'\n    content: |\n"
        "      calicolab.ccol1 rig sample %s\n" % name
        + "  - path: /etc/netplan/60-lab.yaml\n    permissions: '0600'\n    content: |\n"
        "      network:\n        version: 2\n        ethernets:\n          %s:\n%s" % (netdef, match)
        + "            addresses: [%s/20]\n" % address
        + "  - path: /etc/hosts\n    append: true\n    content: |\n" + hosts
        + "runcmd:\n  - [netplan, apply]\n"
    )


if __name__ == "__main__":
    name, address, netdef, key_file = sys.argv[1:5]
    with open(key_file) as handle:
        sys.stdout.write(user_data(name, address, netdef, handle.read().strip()))
