#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: multipass_vm_info
short_description: Facts about Multipass virtual machines
version_added: 0.1.0
description:
  - Reads every Multipass VM, or the ones named in O(names), and returns them as structured facts. Runs
    read-only commands only.
  - Every VM is read with C(multipass info --format json) (Multipass 1.13 and later) or
    C(multipass info --all --format json) (before 1.13; the C(--all) form is deprecated from 1.13 and gone after
    1.16.3). Before 1.12 that leaves out C(Deleted) VMs, so they are taken from C(multipass list) and read by name.
  - Addresses that are not IPv4 addresses (Multipass shows the literal C(N/A) from 1.10 when a VM has no usable
    address) are left out of RV(vms[].ipv4).
author:
  - calicolab developers (@calicolab)
extends_documentation_fragment:
  - calicolab.ccol1.multipass
  - calicolab.ccol1.attributes
  - calicolab.ccol1.attributes.info_module
  - calicolab.ccol1.attributes.platform_multipass
  - calicolab.ccol1.attributes.actiongroup_multipass
options:
  names:
    description:
      - Names of the VMs to report. All VMs when empty. Names that do not exist are listed in RV(missing).
    type: list
    elements: str
    default: []
    aliases: [name]
  configured_sizes:
    description:
      - Report the configured cpus, memory and disk (C(multipass get local.<name>.*), Multipass 1.10 or later)
        instead of what the guest reports, which is a little less and empty for a stopped VM.
      - Costs three calls per VM.
    type: bool
    default: true
seealso:
  - module: calicolab.ccol1.multipass_vm
'''

EXAMPLES = r'''
- name: All Multipass VMs
  calicolab.ccol1.multipass_vm_info:
  register: multipass

- name: The lab's VMs
  calicolab.ccol1.multipass_vm_info:
    names: [control, node1, node2, host1]
  register: lab

- name: Show the address of each running lab VM
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.ipv4 | first }}"
  loop: "{{ lab.vms | selectattr('state', 'equalto', 'Running') }}"
'''

RETURN = r'''
vms:
  description: One entry per VM, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Instance name.
      type: str
      sample: node1
    state:
      description: Multipass state (Running, Stopped, Deleted, Starting, Suspended, ...).
      type: str
      sample: Running
    ipv4:
      description: IPv4 addresses (empty when not running).
      type: list
      elements: str
    release:
      description: Release the guest reports (empty when not running).
      type: str
    image_release:
      description: Release of the image the VM was launched from.
      type: str
    image_hash:
      description: Hash of that image.
      type: str
    cpus:
      description: CPU count (null when not known).
      type: int
    memory:
      description: Memory in bytes (null when not known).
      type: int
    disk:
      description: Disk size in bytes (null when not known).
      type: int
    memory_size:
      description: RV(vms[].memory) as a Multipass size string.
      type: str
    disk_size:
      description: RV(vms[].disk) as a Multipass size string.
      type: str
    sizes_source:
      description: V(config) when the sizes are the configured ones, V(info) when they are what the guest reports.
      type: str
    marker:
      description: Always null here; the lab marker is read by M(calicolab.ccol1.multipass_vm).
      type: str
missing:
  description: Requested names that do not exist.
  returned: always
  type: list
  elements: str
multipass_version:
  description: Version of the Multipass client, as detected.
  returned: always
  type: str
  sample: 1.15.1
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.cli import (
    MultipassCLI,
    find_multipass,
    module_runner,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.errors import MultipassError
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.reconcile import vm_facts_for_return
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.spec import (
    format_version,
    validate_name,
)


def collect(cli, names, configured_sizes):
    """(facts list, missing names) for the requested VMs, all when names is empty."""
    everything = cli.info_all()
    wanted = names or sorted(everything)
    vms, missing = [], []
    for name in wanted:
        facts = everything.get(name)
        if facts is None:
            missing.append(name)
            continue
        facts['sizes_source'] = 'info'
        if configured_sizes and facts['state'] != 'Deleted':
            sizes = cli.configured_sizes(name)
            if sizes:
                facts.update(sizes)
                facts['sizes_source'] = 'config'
        entry = vm_facts_for_return(facts)
        entry['sizes_source'] = facts['sizes_source']
        vms.append(entry)
    return sorted(vms, key=lambda vm: vm['name']), missing


def main():
    module = AnsibleModule(
        argument_spec=dict(
            names=dict(type='list', elements='str', default=[], aliases=['name']),
            configured_sizes=dict(type='bool', default=True),
            multipass_path=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    names = list(dict.fromkeys(module.params['names']))
    errors = [error for error in (validate_name(name) for name in names) if error]
    if errors:
        module.fail_json(msg='names: ' + '; '.join(errors))
    try:
        binary = find_multipass(module.params['multipass_path'] or module.get_bin_path('multipass') or None)
        cli = MultipassCLI(module_runner(module), binary)
        vms, missing = collect(cli, names, module.params['configured_sizes'])
        version = format_version(cli.version())
    except MultipassError as exc:
        module.fail_json(**exc.as_fail_kwargs())
    module.exit_json(changed=False, vms=vms, missing=missing, multipass_version=version)


if __name__ == '__main__':
    main()
