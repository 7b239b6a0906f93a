"""The inventory `ansible-inventory -i inventories/lab --list` gives after the VM stage: the lab's groups as
hosts.yml has them, every VM with the Multipass address as ansible_host, never an address of 198.19.0.0/16.

Usage: python inventory_check.py INVENTORY_JSON
"""
import json
import sys

GROUPS = {'control_plane': ['control'], 'nodes': ['node1', 'node2'], 'workstation': ['host1']}


def plain(value):
    """ansible-inventory marks values that came from outside as {"__ansible_unsafe": ...}."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return {key: plain(item) for key, item in value.items()}
    return [plain(item) for item in value] if isinstance(value, list) else value


def main(path):
    with open(path) as handle:
        inventory = plain(json.load(handle))
    for group, hosts in GROUPS.items():
        assert sorted(inventory[group]['hosts']) == hosts, (group, inventory.get(group))
    assert sorted(inventory['lab']['children']) == sorted(GROUPS), inventory['lab']
    hostvars = inventory['_meta']['hostvars']
    for host in ['control', 'node1', 'node2', 'host1']:
        facts = hostvars[host]
        address = facts['ansible_host']
        assert address in facts['multipass_ipv4'], (host, address, facts['multipass_ipv4'])
        assert not address.startswith('198.19.'), (host, address)
        assert any(other.startswith('198.19.') for other in facts['multipass_ipv4']), (host, facts['multipass_ipv4'])
        print('ok %s: ansible_host %s (lab address listed too: %s)' % (host, address, facts['multipass_ipv4']))


if __name__ == '__main__':
    main(sys.argv[1])
