#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: multipass_vm
short_description: Manage one Multipass virtual machine idempotently
version_added: 0.1.0
description:
  - Launches, starts, stops, restarts, recovers, resizes and deletes one Multipass VM, named by O(name).
  - Compares the live VM with the request. Size drift (O(cpus), O(memory), O(disk)) on an existing VM is
    applied, reported as a warning or reported as a failure, as O(resize) says; it is never ignored.
  - A VM in state C(Deleted) is recovered for O(state=present), O(state=started), O(state=stopped) and
    O(state=restarted), and purged for O(state=absent) with O(purge=true).
  - A launch that times out while the VM keeps booting is detected through C(multipass info) and waited for,
    not launched again. Transient socket errors of C(multipass info) are retried a bounded number of times.
  - Stopping a C(Suspended) VM resumes it and then shuts it down, and a VM that is still booting is waited for
    first, because from Multipass 1.14 a plain C(multipass stop) refuses both, and C(--force) would cut the power.
  - B(The lab marker contract.) A VM belongs to the lab when the file C(/etc/calicolab/lab-marker) in the guest
    is readable by every user (mode C(0644)) and its content, without surrounding whitespace, is exactly
    O(lab_marker) (by default V(calicolab.ccol1), so the file holds C(calicolab.ccol1) and a newline). The module
    adds the C(write_files) entry that writes it (path C(/etc/calicolab/lab-marker), permissions C('0644'),
    owner C(root:root), content the marker and a newline) to the user data of every VM it launches with a
    marker; a role that renders its own user data and sets O(lab_marker) to an empty string must write the same
    file itself. It is read with C(multipass exec <name> -- cat /etc/calicolab/lab-marker).
  - The marker cannot live in a YAML comment such as C(# lab-marker), because Multipass parses the user data and
    re-emits it without comments before the guest sees it; nor can it be read from Multipass, which keeps no
    labels and does not show user data in C(info).
  - The module never acts on any VM other than O(name).
author:
  - calicolab developers (@calicolab)
extends_documentation_fragment:
  - calicolab.ccol1.multipass
  - calicolab.ccol1.attributes
  - calicolab.ccol1.attributes.platform_multipass
  - calicolab.ccol1.attributes.actiongroup_multipass
attributes:
  check_mode:
    support: full
    details:
      - Only read-only commands (C(version), C(info), C(get), C(exec ... cat /etc/calicolab/lab-marker),
        C(exec ... cloud-init status)) run; RV(commands) lists the commands that would run.
  diff_mode:
    support: full
    details:
      - The diff shows the state, cpus, memory and disk before and after.
options:
  name:
    description:
      - Name of the instance. It must start with a letter and contain only letters, digits and hyphens.
    type: str
    required: true
  image:
    description:
      - Image to launch, as a release (V(24.04)), an alias (V(noble), V(lts)), C(remote:alias) (V(daily:24.04))
        or a C(file://) or C(https://) URL.
      - Only used when the VM is launched; the image of an existing VM is not compared.
    type: str
    default: '24.04'
  cpus:
    description:
      - Number of virtual CPUs. Multipass defaults to 1 at launch when not set; when not set, an existing VM's
        CPU count is not compared.
    type: int
  memory:
    description:
      - Memory size, in bytes or with a binary unit K, M or G (V(512M), V(2G), V(2GiB)); Multipass knows no
        other unit. At least V(128M) up to Multipass 1.16.3 and V(512M) after it.
      - Multipass defaults to V(1G) at launch when not set; when not set, an existing VM's memory is not compared.
    type: str
  disk:
    description:
      - Disk size, in bytes or with a binary unit K, M or G (V(5G), V(20GiB)). At least V(512M) up to Multipass
        1.16.3 and V(1G) after it. A disk can only grow.
      - Multipass defaults to V(5G) at launch when not set; when not set, an existing VM's disk is not compared.
    type: str
  cloud_init:
    description:
      - Cloud-init user data, only used at launch, as a dictionary or as a string of C(#cloud-config) YAML. It is
        sent as C(#cloud-config) YAML. Multipass parses user data as YAML and passes on only the re-emitted YAML
        (comments dropped), so a string must hold a YAML mapping; shell scripts, MIME archives and C(#include)
        lists cannot be passed.
      - The content is passed on standard input (C(--cloud-init -)), because the Linux snap cannot read files
        outside the user's home folder.
      - Mutually exclusive with O(cloud_init_file).
      - The content appears in the task's invocation at higher verbosity; keep secrets out of it or set
        C(no_log) on the task.
    type: raw
  cloud_init_file:
    description:
      - Path of a cloud-init file on the host the module runs on; its content is passed like O(cloud_init).
    type: path
  lab_marker:
    description:
      - Marker written into the guest of a launched VM as the file C(/etc/calicolab/lab-marker) (a C(write_files)
        entry added to the user data; see the lab marker contract in the description). Teardown and O(recreate)
        use it to prove a VM belongs to the lab.
      - 1 to 63 letters, digits, dots, hyphens or underscores, with at least one letter, so that it stays a plain
        string through Multipass's re-emission of the user data.
      - Set it to an empty string to launch without a marker.
    type: str
    default: calicolab.ccol1
  require_marker:
    description:
      - With O(state=absent), and before O(recreate=true) rebuilds a VM, act only when its marker file
        C(/etc/calicolab/lab-marker), read with C(multipass exec <name> -- cat /etc/calicolab/lab-marker), holds
        O(lab_marker).
      - A VM that is not running is started (a C(Deleted) one recovered first) to read the marker, and stopped
        again when the marker is missing.
    type: bool
    default: true
  networks:
    description:
      - Extra network interfaces at launch (C(--network), Multipass 1.8 or later).
    type: list
    elements: dict
    suboptions:
      name:
        description: Host network or bridge name, as C(multipass networks) lists it.
        type: str
        required: true
      mode:
        description: Whether the guest configures the interface (V(auto)) or leaves it to you (V(manual)).
        type: str
        choices: [auto, manual]
      mac:
        description: MAC address of the interface, for example V(52:54:00:12:34:56).
        type: str
  mounts:
    description:
      - Host folders mounted at launch (C(--mount source:target)).
    type: list
    elements: dict
    suboptions:
      source:
        description: Host path.
        type: path
        required: true
      target:
        description: Path inside the VM; Multipass uses the source path when not set.
        type: str
  timeout:
    description:
      - Seconds Multipass waits for the launch (C(--timeout), Multipass 1.7 or later; Multipass defaults to 300),
        and the time the module waits for a VM that is still booting.
    type: int
  wait_for_cloud_init:
    description:
      - When the VM ends up running, wait until cloud-init has finished inside it, by polling
        C(multipass exec <name> -- cloud-init status) (read-only) until it reports C(done), bounded by
        O(cloud_init_timeout). C(error) fails the task; C(degraded done) warns.
    type: bool
    default: false
  cloud_init_timeout:
    description:
      - Seconds to wait for cloud-init when O(wait_for_cloud_init=true).
    type: int
    default: 600
  state:
    description:
      - V(present) launches a missing VM (it then runs) and recovers a deleted one, and otherwise leaves the power
        state alone. V(started), V(stopped) and V(restarted) also set the power state (V(restarted) always
        restarts an existing VM). V(absent) deletes the VM.
    type: str
    choices: [present, started, stopped, restarted, absent]
    default: present
  purge:
    description:
      - With O(state=absent), purge the VM (C(delete --purge)) instead of leaving it C(Deleted) and recoverable.
    type: bool
    default: false
  recreate:
    description:
      - When an existing VM differs from the requested sizes, delete and purge it and launch it anew instead of
        resizing. Needed to shrink a disk.
    type: bool
    default: false
  resize:
    description:
      - What to do when an existing VM's cpus, memory or disk differ from the request.
      - V(apply) stops the VM (only with O(allow_stop=true) when it runs), runs C(multipass set
        local.<name>.cpus|memory|disk) and starts it again. A disk can only grow. Needs Multipass 1.10 or later.
      - V(warn) leaves the VM as it is and warns; V(fail) fails with a message that names each difference.
    type: str
    choices: [apply, fail, warn]
    default: fail
  allow_stop:
    description:
      - Allow O(resize=apply) to stop a running VM.
    type: bool
    default: false
seealso:
  - module: calicolab.ccol1.multipass_vm_info
  - plugin: calicolab.ccol1.multipass
    plugin_type: inventory
'''

EXAMPLES = r'''
- name: Launch the control-plane VM with the lab marker and wait for cloud-init
  calicolab.ccol1.multipass_vm:
    name: control
    image: '24.04'
    cpus: 2
    memory: 2G
    disk: 10G
    cloud_init:
      package_update: true
      packages: [jq]
    wait_for_cloud_init: true
    state: started

- name: Grow a VM, stopping it for the change
  calicolab.ccol1.multipass_vm:
    name: node1
    memory: 4G
    resize: apply
    allow_stop: true
    state: started

- name: Tear down, only if the VM carries the lab marker
  calicolab.ccol1.multipass_vm:
    name: node1
    state: absent
    purge: true
'''

RETURN = r'''
vm:
  description: Facts of the VM after the task (in check mode, as predicted). Empty when it no longer exists.
  returned: always
  type: dict
  contains:
    name:
      description: Instance name.
      type: str
      sample: control
    state:
      description: Multipass state (Running, Stopped, Deleted, Starting, Suspended, ...).
      type: str
      sample: Running
    ipv4:
      description: IPv4 addresses of the VM.
      type: list
      elements: str
      sample: ['10.65.1.23', '198.19.0.1']
    release:
      description: Release the guest reports.
      type: str
      sample: Ubuntu 24.04.1 LTS
    image_release:
      description: Release of the image it was launched from.
      type: str
      sample: 24.04 LTS
    image_hash:
      description: Hash of the image it was launched from.
      type: str
    cpus:
      description: Number of CPUs (null when not known).
      type: int
      sample: 2
    memory:
      description: Memory in bytes (configured size on Multipass 1.10+, else what the guest reports).
      type: int
      sample: 2147483648
    disk:
      description: Disk size in bytes (configured size on Multipass 1.10+, else what the guest reports).
      type: int
      sample: 10737418240
    memory_size:
      description: RV(vm.memory) as a Multipass size string.
      type: str
      sample: 2G
    disk_size:
      description: RV(vm.disk) as a Multipass size string.
      type: str
      sample: 10G
    marker:
      description: The lab marker, when this run wrote it (launch) or read it back from the VM's marker file;
        else null.
      type: str
      sample: calicolab.ccol1
commands:
  description: The changing C(multipass) commands that ran (in check mode, that would have run).
  returned: always
  type: list
  elements: str
  sample: ['multipass launch -n control -c 2 -m 2G -d 10G --cloud-init - 24.04']
cloud_init_status:
  description: Last C(cloud-init status) seen when O(wait_for_cloud_init=true).
  returned: when O(wait_for_cloud_init=true) and the VM runs
  type: str
  sample: 'status: done'
multipass_version:
  description: Version of the Multipass client, as detected.
  returned: always
  type: str
  sample: 1.15.1
'''


from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.cli import (
    MultipassCLI,
    find_multipass,
    module_runner,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.cloud_init import (
    DEFAULT_MARKER,
    render_cloud_init,
    validate_marker,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.errors import MultipassError
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.reconcile import (
    VmReconciler,
    vm_facts_for_return,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.spec import (
    VmSpec,
    format_version,
)


def argument_spec():
    return dict(
        name=dict(type='str', required=True),
        image=dict(type='str', default='24.04'),
        cpus=dict(type='int'),
        memory=dict(type='str'),
        disk=dict(type='str'),
        cloud_init=dict(type='raw'),
        cloud_init_file=dict(type='path'),
        lab_marker=dict(type='str', default=DEFAULT_MARKER),
        require_marker=dict(type='bool', default=True),
        networks=dict(type='list', elements='dict', options=dict(
            name=dict(type='str', required=True),
            mode=dict(type='str', choices=['auto', 'manual']),
            mac=dict(type='str'),
        )),
        mounts=dict(type='list', elements='dict', options=dict(
            source=dict(type='path', required=True),
            target=dict(type='str'),
        )),
        timeout=dict(type='int'),
        wait_for_cloud_init=dict(type='bool', default=False),
        cloud_init_timeout=dict(type='int', default=600),
        state=dict(type='str', default='present', choices=['present', 'started', 'stopped', 'restarted', 'absent']),
        purge=dict(type='bool', default=False),
        recreate=dict(type='bool', default=False),
        resize=dict(type='str', default='fail', choices=['apply', 'fail', 'warn']),
        allow_stop=dict(type='bool', default=False),
        multipass_path=dict(type='path'),
    )


def cloud_init_source(params):
    """The user's cloud-init as a dict or a string, from cloud_init or cloud_init_file."""
    if params['cloud_init_file']:
        path = params['cloud_init_file']
        try:
            with open(path, 'r') as handle:
                return handle.read()
        except (IOError, OSError) as exc:
            raise MultipassError('cloud_init_file: cannot read %s: %s' % (path, to_native(exc)), kind='invalid')
    value = params['cloud_init']
    if value is not None and not isinstance(value, (dict, str)):
        raise MultipassError('cloud_init: expected a dictionary or a string, got %s' % type(value).__name__,
                             kind='invalid')
    return value


def build_reconciler(module):
    params = module.params
    marker = params['lab_marker'] or None
    errors = [validate_marker(marker)]
    if params['cloud_init_timeout'] < 1:
        errors.append('cloud_init_timeout: %r must be at least 1 second' % params['cloud_init_timeout'])
    if any(errors):
        raise MultipassError('; '.join(error for error in errors if error), kind='invalid')
    content = render_cloud_init(cloud_init_source(params), marker) if params['state'] != 'absent' else None
    spec = VmSpec.from_params(params, cloud_init=content)
    binary = find_multipass(params['multipass_path'] or module.get_bin_path('multipass') or None)
    cli = MultipassCLI(module_runner(module), binary)
    return cli, VmReconciler(
        cli, spec, state=params['state'], purge=params['purge'], recreate=params['recreate'],
        resize=params['resize'], allow_stop=params['allow_stop'], marker=marker,
        require_marker=params['require_marker'], wait_for_cloud_init=params['wait_for_cloud_init'],
        cloud_init_timeout=params['cloud_init_timeout'], check_mode=module.check_mode)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           mutually_exclusive=[('cloud_init', 'cloud_init_file')])
    cli = None
    try:
        cli, reconciler = build_reconciler(module)
        outcome = reconciler.run()
    except MultipassError as exc:
        extra = {}
        if cli is not None and cli.version_known:
            extra['multipass_version'] = format_version(cli.version())
        module.fail_json(**dict(exc.as_fail_kwargs(), **extra))
    for warning in outcome['warnings']:
        module.warn(warning)
    result = dict(changed=outcome['changed'], vm=vm_facts_for_return(outcome['vm']), commands=outcome['commands'],
                  multipass_version=format_version(cli.version()))
    if outcome['cloud_init_status'] is not None:
        result['cloud_init_status'] = outcome['cloud_init_status']
    if module._diff:
        result['diff'] = outcome['diff']
    module.exit_json(**result)


if __name__ == '__main__':
    main()
