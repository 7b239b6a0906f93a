# -*- coding: utf-8 -*-
# Copyright (c) calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r'''
name: multipass
short_description: Multipass virtual machines as an inventory
version_added: 0.1.0
description:
  - Builds an inventory from C(multipass list --format json) and C(multipass info --format json) on the
    controller (C(info --all --format json) before Multipass 1.13, whose C(info) needs names or C(--all); the
    C(--all) form is deprecated from 1.13 and gone after 1.16.3).
  - Each VM is a host. C(ansible_host) is its IPv4 inside O(prefer_cidr) when one is, else its first IPv4.
    An address list without a usable IPv4 (Multipass shows the literal C(N/A) from 1.10) sets no C(ansible_host).
  - Hosts are grouped by state (C(multipass_running), C(multipass_stopped), ...), by O(name_patterns), and
    by the usual O(compose), O(groups) and O(keyed_groups).
  - The configuration file name must end in C(.multipass.yml) or C(.multipass.yaml).
author:
  - calicolab developers (@calicolab)
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin; it makes the file a configuration for it.
    type: str
    required: true
    choices: [calicolab.ccol1.multipass]
  multipass_path:
    description:
      - Path or name of the C(multipass) executable; looked up on E(PATH), then in C(/snap/bin),
        C(/usr/local/bin) and C(/opt/homebrew/bin) when not set.
    type: path
  prefer_cidr:
    description:
      - An IPv4 CIDR such as V(198.19.0.0/20). C(ansible_host) is the VM's first address inside it, else the
        VM's first address.
    type: str
  running_only:
    description: Only add VMs in state C(Running).
    type: bool
    default: false
  include_deleted:
    description: Also add VMs in state C(Deleted) (they have no address).
    type: bool
    default: false
  name_patterns:
    description:
      - Groups by instance name. Keys are group names, values are regular expressions searched in the name;
        for example the key C(nodes) with the value C(^node\d+$) puts node1 and node2 in group C(nodes).
    type: dict
    default: {}
  state_group_prefix:
    description:
      - Prefix of the by-state groups; the state is lower-cased, with spaces as underscores
        (C(multipass_running), C(multipass_delayed_shutdown)). An empty string turns these groups off.
    type: str
    default: multipass_
  user:
    description: Value of C(ansible_user) for every host (the default user of Multipass Ubuntu images).
    type: str
    default: ubuntu
  lab_marker:
    description:
      - When set, read the lab marker file of each running VM (C(multipass exec <vm> -- cat
        /etc/calicolab/lab-marker), no sudo needed) and set C(multipass_lab_marker) to whether its content, without
        surrounding whitespace, is this marker, as M(calicolab.ccol1.multipass_vm) writes it. VMs that are not
        running get V(null), because reading them would start them.
      - Costs one C(exec) per running VM.
    type: str
  lab_marker_only:
    description:
      - With O(lab_marker), add only the running VMs that carry the marker.
    type: bool
    default: false
notes:
  - Host variables are C(multipass_state), C(multipass_ipv4), C(multipass_release), C(multipass_image_release),
    C(multipass_image_hash), C(multipass_cpus), C(multipass_memory_total), C(multipass_disk_total),
    C(ansible_host) and C(ansible_user), plus C(multipass_lab_marker) with O(lab_marker).
  - Memory and disk totals are what the guest reports (runtime values; null for a stopped VM).
seealso:
  - module: calicolab.ccol1.multipass_vm
  - module: calicolab.ccol1.multipass_vm_info
'''

EXAMPLES = r'''
# lab.multipass.yml
plugin: calicolab.ccol1.multipass
prefer_cidr: 198.19.0.0/20
name_patterns:
  control_plane: '^control$'
  nodes: '^node\d+$'
  workstation: '^host1$'
keyed_groups:
  - key: multipass_image_release
    prefix: release
compose:
  k3s_node_ip: multipass_ipv4 | select('match', '^198\.19\.') | first | default(ansible_host)
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/calicolab-inventory
'''

import re

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.cli import (
    MultipassCLI,
    find_multipass,
    pick_address,
    subprocess_runner,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.cloud_init import marker_matches
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.errors import MultipassError


def read_vms(cli, marker=None):
    """Plain facts of every VM: list for name/state/ipv4/release, info for image, cpus and totals, and with a
    marker whether each running VM's marker file holds it (None for a VM that is not running: reading it would
    start the VM)."""
    details = cli.info_all()
    vms = []
    for entry in cli.list():
        facts = dict(details.get(entry['name']) or {})
        for key, value in entry.items():
            if facts.get(key) in (None, '', []):
                facts[key] = value
        facts.setdefault('ipv4', [])
        if marker:
            facts['lab_marker'] = (marker_matches(cli.read_marker_file(entry['name'])[0], marker)
                                   if facts['state'] == 'Running' else None)
        vms.append(facts)
    return vms


def state_group(prefix, state):
    return prefix + re.sub(r'[^a-z0-9_]', '_', state.lower())


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = 'calicolab.ccol1.multipass'

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(('.multipass.yml', '.multipass.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache') and cache
        update_cache = self.get_option('cache') and not cache
        vms = None
        if use_cache:
            try:
                vms = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if vms is None:
            vms = self._fetch()
        if update_cache:
            self._cache[cache_key] = vms
        self._populate(vms)

    def _fetch(self):
        try:
            binary = find_multipass(self.get_option('multipass_path'))
            return read_vms(MultipassCLI(subprocess_runner, binary), self.get_option('lab_marker'))
        except MultipassError as exc:
            raise AnsibleParserError('multipass inventory: %s' % exc.msg)

    def _selected(self, vm):
        if self.get_option('running_only') and vm['state'] != 'Running':
            return False
        if vm['state'] == 'Deleted' and not self.get_option('include_deleted'):
            return False
        if self.get_option('lab_marker') and self.get_option('lab_marker_only') and vm.get('lab_marker') is not True:
            return False
        return True

    def _populate(self, vms):
        patterns = self._compiled_patterns()
        prefix = self.get_option('state_group_prefix')
        strict = self.get_option('strict')
        for vm in vms:
            if not self._selected(vm):
                continue
            host = vm['name']
            self.inventory.add_host(host)
            hostvars = self._hostvars(vm)
            for key, value in hostvars.items():
                self.inventory.set_variable(host, key, value)
            if prefix:
                self.inventory.add_child(self.inventory.add_group(state_group(prefix, vm['state'])), host)
            for group, pattern in patterns:
                if pattern.search(host):
                    self.inventory.add_child(self.inventory.add_group(group), host)
            self._set_composite_vars(self.get_option('compose'), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), hostvars, host, strict=strict)

    def _compiled_patterns(self):
        compiled = []
        for group, pattern in (self.get_option('name_patterns') or {}).items():
            try:
                compiled.append((group, re.compile(pattern)))
            except re.error as exc:
                raise AnsibleParserError('multipass inventory: name_patterns.%s: %r is not a regular expression: %s'
                                         % (group, pattern, exc))
        return compiled

    def _hostvars(self, vm):
        try:
            address = pick_address(vm.get('ipv4'), self.get_option('prefer_cidr'))
        except ValueError as exc:
            raise AnsibleParserError('multipass inventory: prefer_cidr: %s' % exc)
        hostvars = {
            'multipass_state': vm['state'],
            'multipass_ipv4': list(vm.get('ipv4') or []),
            'multipass_release': vm.get('release') or '',
            'multipass_image_release': vm.get('image_release') or '',
            'multipass_image_hash': vm.get('image_hash') or '',
            'multipass_cpus': vm.get('cpus'),
            'multipass_memory_total': vm.get('memory'),
            'multipass_disk_total': vm.get('disk'),
            'ansible_user': self.get_option('user'),
        }
        if address:
            hostvars['ansible_host'] = address
        if self.get_option('lab_marker'):
            hostvars['multipass_lab_marker'] = vm.get('lab_marker')
        return hostvars
