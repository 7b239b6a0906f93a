# -*- coding: utf-8 -*-
"""multipass_vm and multipass_vm_info through AnsibleModule, with run_command answered by a small in-memory
stand-in for the multipass CLI (StubMultipass below): every state transition, check mode, diff, drift handling,
marker safety and bad input. The end-to-end behaviour against the fake multipass executable is in
tests/unit/plugins/module_utils/_multipass/test_reconcile.py and the integration targets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import yaml

from ansible.module_utils import basic

from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass import reconcile
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.cloud_init import MARKER_PATH
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.spec import GIB, parse_size, parse_version
from ansible_collections.calicolab.ccol1.plugins.modules import multipass_vm, multipass_vm_info

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19
    import contextlib
    from unittest import mock

    @contextlib.contextmanager
    def patch_module_args(args):
        with mock.patch.object(basic, '_ANSIBLE_ARGS', json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()):
            yield

MUTATING = ('launch', 'start', 'stop', 'restart', 'suspend', 'delete', 'recover', 'purge', 'set', 'mount')
MARKED = {MARKER_PATH: 'calicolab.ccol1\n'}
DOWN = ("%s failed: cannot connect to the multipass socket\nPlease ensure multipassd is running and "
        "'/var/snap/multipass/common/multipass_socket' is accessible\n")


def guest_files(user_data):
    """The files cloud-init writes from the user data's write_files (comments, like everything Multipass does
    not re-emit, never reach the guest)."""
    document = yaml.safe_load(user_data or '') or {}
    return dict((entry['path'], entry.get('content', '')) for entry in document.get('write_files') or [])


class StubMultipass:
    """Answers the commands the module uses, from a dict of VMs, with the CLI's JSON shapes, exit codes and
    stderr texts as tests/fake_multipass reproduces them (source-audit.md, Multipass table): `info` forms per
    version, stop refusals from 1.14, an unreachable daemon as rc 2, the guest's files from write_files.
    ``overrides`` maps a command word to (rc, stdout, stderr) once."""

    def __init__(self, vms=None, version='1.16.3', overrides=None):
        self.version = version
        self.vms = {}
        for name, vm in (vms or {}).items():
            self.vms[name] = dict(dict(state='Running', cpus=1, memory=GIB, disk=5 * GIB, files=dict(MARKED)), **vm)
        self.overrides = dict(overrides or {})
        self.calls = []

    @property
    def mutations(self):
        return [args for args in self.calls if args[0] in MUTATING]

    def __call__(self, argv, data=None):
        args = list(argv[1:])
        self.calls.append(args)
        if args[0] in self.overrides:
            result = self.overrides[args[0]]
            if isinstance(result, list):
                result = result.pop(0) if len(result) > 1 else result[0]
            else:
                del self.overrides[args[0]]
            if result is not None:
                return result
        return getattr(self, 'do_' + args[0])(args[1:], data)

    @staticmethod
    def missing(command, name):
        return 2, '', '%s failed: The following errors occurred:\ninstance "%s" does not exist' % (command, name)

    def do_version(self, args, data):
        return 0, json.dumps({'multipass': self.version, 'multipassd': self.version}), ''

    def do_info(self, args, data):
        version = parse_version(self.version)
        if '--all' in args and version > (1, 16, 3):
            return 1, '', "Unknown option 'all'."
        if args[0].startswith('--') and '--all' not in args and version < (1, 13, 0):
            return 1, '', 'Name argument or --all is required'
        names = sorted(self.vms) if args[0].startswith('--') else [args[0]]
        info = {}
        for name in names:
            vm = self.vms.get(name)
            if vm is None:
                return self.missing('info', name)
            up = vm['state'] == 'Running'
            info[name] = {
                'state': vm['state'], 'image_hash': 'h', 'image_release': '24.04 LTS',
                'release': 'Ubuntu 24.04.3 LTS' if up else '', 'cpu_count': str(vm['cpus']) if up else '',
                'disks': {'sda1': {'used': '1', 'total': str(vm['disk'] * 96 // 100)} if up else {}},
                'memory': {'used': 1, 'total': vm['memory'] * 96 // 100} if up else {},
                'ipv4': vm.get('ipv4', ['10.92.11.10']) if up else [], 'mounts': {}}
        return 0, json.dumps({'errors': [], 'info': info}), ''

    def do_list(self, args, data):
        return 0, json.dumps({'list': [{'name': n, 'state': vm['state'], 'ipv4': [], 'release': ''}
                                       for n, vm in sorted(self.vms.items())]}), ''

    def do_get(self, args, data):
        name, key = args[0].split('.')[1:]
        vm = self.vms.get(name)
        if vm is None:
            return 2, '', 'Cannot obtain instance settings; instance: %s; reason: No such instance' % name
        return 0, (str(vm['cpus']) if key == 'cpus' else '%.1fGiB' % (vm[key] / GIB)) + '\n', ''

    def do_launch(self, args, data):
        name = args[args.index('-n') + 1]
        if name in self.vms:
            return 2, '', 'launch failed: instance "%s" already exists' % name
        vm = dict(state='Running', cpus=1, memory=GIB, disk=5 * GIB, user_data=data or '',
                  files=guest_files(data))
        for flag, key in (('-c', 'cpus'), ('-m', 'memory'), ('-d', 'disk')):
            if flag in args:
                value = args[args.index(flag) + 1]
                vm[key] = int(value) if key == 'cpus' else parse_size(value)
        self.vms[name] = vm
        return 0, 'Launched: %s\n' % name, ''

    def _simple(self, command, args, state):
        name = args[-1]
        vm = self.vms.get(name)
        if vm is None:
            return self.missing(command, name)
        if vm['state'] == 'Deleted':
            return 2, '', '%s failed: The following errors occurred:\ninstance "%s" is deleted' % (command, name)
        vm['state'] = state
        return 0, '', ''

    def do_start(self, args, data):
        return self._simple('start', args, 'Running')

    def do_restart(self, args, data):
        return self._simple('restart', args, 'Running')

    def do_stop(self, args, data):
        vm = self.vms.get(args[-1])
        refused = vm and vm['state'] in ('Suspended', 'Starting') and parse_version(self.version) >= (1, 14, 0)
        if refused and '--force' not in args:
            return 2, '', 'stop failed: Cannot shut down suspended instance %s.' % args[-1]
        return self._simple('stop', args, 'Stopped')

    def do_delete(self, args, data):
        name = args[-1]
        if name not in self.vms:
            return self.missing('delete', name)
        if '--purge' in args:
            del self.vms[name]
        else:
            self.vms[name]['state'] = 'Deleted'
        return 0, '', ''

    def do_recover(self, args, data):
        self.vms[args[-1]]['state'] = 'Stopped'
        return 0, '', ''

    def do_set(self, args, data):
        key, value = args[0].split('=')
        name, prop = key.split('.')[1:]
        vm = self.vms[name]
        if vm['state'] != 'Stopped':
            return 2, '', ('Cannot update instance settings; instance: %s; reason: Instance must be stopped for '
                           'modification' % name)
        vm[prop] = int(value) if prop == 'cpus' else parse_size(value)
        return 0, '', ''

    def do_exec(self, args, data):
        vm = self.vms[args[0]]
        command = args[args.index('--') + 1:]
        if command[0] == 'cat':
            if command[1] in vm['files']:
                return 0, vm['files'][command[1]], ''
            return 1, '', 'cat: %s: No such file or directory\n' % command[1]
        if command[:2] == ['cloud-init', 'status']:
            return 0, 'status: done\n', ''
        return 0, '', ''


def run(module, stub, params, check_mode=False, diff=False, capsys=None):
    args = dict(params)
    args['_ansible_check_mode'] = check_mode
    args['_ansible_diff'] = diff
    patcher = pytest.MonkeyPatch()
    # Warnings are collected here: how AnsibleModule reports them depends on what else runs in this process.
    warnings = []
    patcher.setattr(basic.AnsibleModule, 'warn', lambda self, text: warnings.append(text))
    patcher.setattr(basic.AnsibleModule, 'run_command', lambda self, argv, data=None, **kw: stub(argv, data))
    patcher.setattr(module, 'find_multipass', lambda path=None: '/usr/bin/multipass')
    patcher.setattr(reconcile.time, 'sleep', lambda seconds: None)
    try:
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
    finally:
        patcher.undo()
    result = json.loads(capsys.readouterr().out)
    result['warnings'] = warnings
    return result


@pytest.fixture
def vm(capsys):
    def runner(stub, check_mode=False, diff=False, **params):
        return run(multipass_vm, stub, params, check_mode=check_mode, diff=diff, capsys=capsys)
    return runner


# -- state transitions -------------------------------------------------------------------------------------

TRANSITIONS = [
    # id, existing VM (None: missing), params, expected mutations, final state (None: gone)
    ('missing-present-launches', None, dict(state='present'), [['launch']], 'Running'),
    ('missing-started-launches', None, dict(state='started'), [['launch']], 'Running'),
    ('missing-stopped-launches-then-stops', None, dict(state='stopped'), [['launch'], ['stop', 'n']], 'Stopped'),
    ('missing-restarted-launches', None, dict(state='restarted'), [['launch']], 'Running'),
    ('missing-absent-noop', None, dict(state='absent'), [], None),
    ('running-present-noop', 'Running', dict(state='present'), [], 'Running'),
    ('running-started-noop', 'Running', dict(state='started'), [], 'Running'),
    ('running-stopped-stops', 'Running', dict(state='stopped'), [['stop', 'n']], 'Stopped'),
    ('running-restarted-restarts', 'Running', dict(state='restarted'), [['restart', 'n']], 'Running'),
    ('stopped-present-noop', 'Stopped', dict(state='present'), [], 'Stopped'),
    ('stopped-started-starts', 'Stopped', dict(state='started'), [['start', 'n']], 'Running'),
    ('stopped-stopped-noop', 'Stopped', dict(state='stopped'), [], 'Stopped'),
    ('stopped-restarted-starts', 'Stopped', dict(state='restarted'), [['start', 'n']], 'Running'),
    ('suspended-started-starts', 'Suspended', dict(state='started'), [['start', 'n']], 'Running'),
    ('suspended-stopped-resumes-then-stops', 'Suspended', dict(state='stopped'), [['start', 'n'], ['stop', 'n']],
     'Stopped'),
    ('deleted-present-recovers', 'Deleted', dict(state='present'), [['recover', 'n']], 'Stopped'),
    ('deleted-started-recovers-starts', 'Deleted', dict(state='started'), [['recover', 'n'], ['start', 'n']],
     'Running'),
    ('deleted-stopped-recovers', 'Deleted', dict(state='stopped'), [['recover', 'n']], 'Stopped'),
    ('running-absent-deletes', 'Running', dict(state='absent'), [['delete', 'n']], 'Deleted'),
    ('running-absent-purges', 'Running', dict(state='absent', purge=True), [['delete', '--purge', 'n']], None),
    ('deleted-absent-noop', 'Deleted', dict(state='absent'), [], 'Deleted'),
    ('stopped-absent-purge-verifies-marker', 'Stopped', dict(state='absent', purge=True),
     [['start', 'n'], ['delete', '--purge', 'n']], None),
    ('deleted-absent-purge-verifies-marker', 'Deleted', dict(state='absent', purge=True),
     [['recover', 'n'], ['start', 'n'], ['delete', '--purge', 'n']], None),
    ('deleted-absent-purge-without-marker-check', 'Deleted', dict(state='absent', purge=True, require_marker=False),
     [['delete', '--purge', 'n']], None),
]


def mutation_words(stub):
    return [args[:1] if args[0] == 'launch' else args for args in stub.mutations]


@pytest.mark.parametrize('existing, params, mutations, final', [t[1:] for t in TRANSITIONS],
                         ids=[t[0] for t in TRANSITIONS])
def test_transitions(vm, existing, params, mutations, final):
    stub = StubMultipass({'n': {'state': existing}} if existing else {})
    result = vm(stub, name='n', **params)
    assert mutation_words(stub) == mutations
    assert result['changed'] is bool(mutations)
    assert (stub.vms['n']['state'] if 'n' in stub.vms else None) == final
    assert len(result['commands']) == len(mutations)
    if final in (None,):
        assert result['vm'] == {}
    else:
        assert result['vm']['state'] == final


@pytest.mark.parametrize('existing, params, mutations, final', [t[1:] for t in TRANSITIONS],
                         ids=[t[0] for t in TRANSITIONS])
def test_check_mode_runs_nothing_and_predicts(vm, existing, params, mutations, final):
    stub = StubMultipass({'n': {'state': existing}} if existing else {})
    result = vm(stub, check_mode=True, diff=True, name='n', **params)
    assert stub.mutations == []
    assert result['changed'] is bool(mutations)
    assert len(result['commands']) == len(mutations) - (
        # check mode cannot bring a VM up to read its marker, so it only plans the delete
        len([m for m in mutations if m[0] in ('start', 'recover')]) if params.get('state') == 'absent' else 0)
    assert result['diff']['after']['state'] == (final or 'absent')


def test_launch_argv_and_cloud_init_on_stdin(vm):
    stub = StubMultipass()
    result = vm(stub, name='control', cpus=2, memory='2G', disk='10G', cloud_init={'packages': ['jq']},
                state='started', diff=True)
    launch = stub.mutations[0]
    assert launch == ['launch', '-n', 'control', '-c', '2', '-m', '2G', '-d', '10G', '--cloud-init', '-', '24.04']
    assert stub.vms['control']['files'] == MARKED
    assert yaml.safe_load(stub.vms['control']['user_data'])['packages'] == ['jq']
    assert result['vm']['marker'] == 'calicolab.ccol1'
    assert result['vm']['cpus'] == 2 and result['vm']['memory_size'] == '2G' and result['vm']['disk_size'] == '10G'
    assert result['diff'] == {'before': {'state': 'absent'},
                              'after': {'state': 'Running', 'cpus': 2, 'memory': '2G', 'disk': '10G'}}
    again = vm(stub, name='control', cpus=2, memory='2G', disk='10G', state='started')
    assert again['changed'] is False


def test_no_marker_means_no_cloud_init(vm):
    stub = StubMultipass()
    vm(stub, name='n', lab_marker='')
    assert '--cloud-init' not in stub.mutations[0]


def test_restarted_twice_restarts_twice(vm):
    stub = StubMultipass({'n': {}})
    assert vm(stub, name='n', state='restarted')['changed']
    assert vm(stub, name='n', state='restarted')['changed']


# -- drift -----------------------------------------------------------------------------------------------

def test_drift_fails_by_default_naming_each_field(vm):
    stub = StubMultipass({'n': {'cpus': 1, 'memory': GIB}})
    result = vm(stub, name='n', cpus=2, memory='2G')
    assert result['failed']
    assert 'cpus is 1, requested 2' in result['msg'] and 'memory is 1G, requested 2G' in result['msg']
    assert result['error_kind'] == 'drift'
    assert stub.mutations == []


def test_drift_warn_leaves_vm(vm):
    stub = StubMultipass({'n': {'cpus': 1}})
    result = vm(stub, name='n', cpus=2, resize='warn')
    assert not result['changed'] and stub.mutations == []
    assert any("cpus is 1, requested 2" in str(w) for w in result["warnings"]), result


def test_drift_apply_running_needs_allow_stop(vm):
    stub = StubMultipass({'n': {'cpus': 1}})
    result = vm(stub, name='n', cpus=2, resize='apply')
    assert result['failed'] and 'allow_stop=true' in result['msg']
    assert stub.mutations == []


def test_drift_apply_stops_sets_and_starts(vm):
    stub = StubMultipass({'n': {'cpus': 1, 'memory': GIB, 'disk': 5 * GIB}})
    result = vm(stub, name='n', cpus=2, memory='2G', disk='10G', resize='apply', allow_stop=True, diff=True)
    assert stub.mutations == [['stop', 'n'], ['set', 'local.n.cpus=2'], ['set', 'local.n.memory=2G'],
                              ['set', 'local.n.disk=10G'], ['start', 'n']]
    assert stub.vms['n'] == dict(stub.vms['n'], state='Running', cpus=2, memory=2 * GIB, disk=10 * GIB)
    assert result['diff']['before']['cpus'] == 1 and result['diff']['after']['cpus'] == 2
    assert vm(stub, name='n', cpus=2, memory='2G', disk='10G', resize='apply')['changed'] is False


def test_drift_apply_with_state_stopped_leaves_it_stopped(vm):
    stub = StubMultipass({'n': {'cpus': 1}})
    vm(stub, name='n', cpus=2, resize='apply', state='stopped')
    assert stub.mutations == [['stop', 'n'], ['set', 'local.n.cpus=2']]


def test_drift_apply_restarted_does_not_restart_twice(vm):
    stub = StubMultipass({'n': {'cpus': 1}})
    vm(stub, name='n', cpus=2, resize='apply', allow_stop=True, state='restarted')
    assert [m[0] for m in stub.mutations] == ['stop', 'set', 'start']


def test_disk_only_grows(vm):
    stub = StubMultipass({'n': {'state': 'Stopped', 'disk': 10 * GIB}})
    result = vm(stub, name='n', disk='5G', resize='apply')
    assert result['failed'] and 'disk can only grow' in result['msg']
    assert stub.mutations == []


def test_recreate_rebuilds_instead_of_resizing(vm):
    stub = StubMultipass({'n': {'disk': 10 * GIB}})
    result = vm(stub, name='n', disk='5G', recreate=True, state='started')
    assert [m[0] for m in stub.mutations] == ['delete', 'launch']
    assert stub.vms['n']['disk'] == 5 * GIB and result['changed']


def test_recreate_refuses_a_vm_without_the_marker(vm):
    stub = StubMultipass({'n': {'disk': 10 * GIB, 'files': {}}})
    result = vm(stub, name='n', disk='5G', recreate=True)
    assert result['failed'] and result['error_kind'] == 'marker_missing'
    assert stub.mutations == [] and stub.vms['n']['disk'] == 10 * GIB


def test_resize_needs_1_10(vm):
    stub = StubMultipass({'n': {'state': 'Stopped', 'memory': GIB}}, version='1.9.2')
    stub.vms['n']['state'] = 'Running'  # info then reports guest totals: 0.96G for 1G
    result = vm(stub, name='n', memory='4G', resize='apply', allow_stop=True)
    assert result['failed'] and 'needs 1.10 or later' in result['msg']


def test_info_sizes_tolerate_guest_overhead_before_1_10(vm):
    stub = StubMultipass({'n': {'memory': 2 * GIB, 'disk': 10 * GIB}}, version='1.9.2')
    assert vm(stub, name='n', memory='2G', disk='10G')['changed'] is False


def test_drift_check_mode_plans_resize(vm):
    stub = StubMultipass({'n': {'cpus': 1}})
    result = vm(stub, check_mode=True, name='n', cpus=4, resize='apply', allow_stop=True)
    assert stub.mutations == []
    assert result['commands'] == ['multipass stop n', 'multipass set local.n.cpus=4', 'multipass start n']


# -- errors and safety -----------------------------------------------------------------------------------

def test_marker_missing_refuses_delete_and_restores_state(vm):
    stub = StubMultipass({'n': {'state': 'Stopped', 'files': {}}})
    result = vm(stub, name='n', state='absent', purge=True)
    assert result['failed'] and result['error_kind'] == 'marker_missing'
    assert 'require_marker=false' in result['msg']
    assert stub.vms['n']['state'] == 'Stopped'
    assert ['delete', '--purge', 'n'] not in stub.mutations


def test_marker_of_running_vm_is_read_in_check_mode(vm):
    stub = StubMultipass({'n': {'files': {}}})
    result = vm(stub, check_mode=True, name='n', state='absent')
    assert result['failed'] and stub.mutations == []


def test_other_lab_marker_is_refused(vm):
    stub = StubMultipass({'n': {}})
    result = vm(stub, name='n', state='absent', lab_marker='other-lab')
    assert result['failed'] and "does not hold 'other-lab' (it holds 'calicolab.ccol1')" in result['msg']


def test_daemon_down(vm):
    """Multipass reports an unreachable daemon with exit code 2, not 3."""
    stub = StubMultipass(overrides={'info': (2, '', DOWN % 'info')})
    result = vm(stub, name='n')
    assert result['failed'] and result['error_kind'] == 'daemon_down' and result['rc'] == 2
    assert 'daemon is not running' in result['msg'] and 'snap start multipass' in result['msg']


def test_daemon_down_while_waiting_for_cloud_init(vm):
    stub = StubMultipass({'n': {}}, overrides={'exec': (2, '', DOWN % 'exec')})
    result = vm(stub, name='n', wait_for_cloud_init=True)
    assert result['failed'] and result['error_kind'] == 'daemon_down'


def test_marker_file_is_what_counts_not_a_comment(vm):
    """A VM launched with the old comment marker has no marker file: teardown refuses it."""
    stub = StubMultipass()
    vm(stub, name='n', lab_marker='', cloud_init='#cloud-config\n# lab-marker: calicolab.ccol1\n')
    result = vm(stub, name='n', state='absent')
    assert result['failed'] and result['error_kind'] == 'marker_missing'
    assert 'No such file or directory' in result['msg']


def test_transient_info_error_is_retried(vm):
    socket = (2, '', "info failed: ssh failed to authenticate: 'Socket error: disconnected'")
    stub = StubMultipass({'n': {}}, overrides={'info': [socket, socket, None]})
    result = vm(stub, name='n', state='started')
    assert not result.get('failed') and not result['changed']


def test_launch_timeout_waits_instead_of_relaunching(vm):
    stub = StubMultipass()
    real_launch, real_info = stub.do_launch, stub.do_info
    infos_while_booting = [2]

    def timed_out_launch(args, data):
        real_launch(args, data)
        stub.vms['n']['state'] = 'Starting'
        return 2, '', 'launch failed: The following errors occurred:\ntimed out waiting for initialization to complete'

    def booting_info(args, data):
        if 'n' in stub.vms and stub.vms['n']['state'] == 'Starting':
            if infos_while_booting[0] == 0:
                stub.vms['n']['state'] = 'Running'
            infos_while_booting[0] -= 1
        return real_info(args, data)

    stub.do_launch, stub.do_info = timed_out_launch, booting_info
    result = vm(stub, name='n', state='started')
    assert not result.get('failed'), result
    assert [m[0] for m in stub.mutations] == ['launch']
    assert any('timed out' in str(w) for w in result.get('warnings', []))
    assert result['vm']['state'] == 'Running'


def test_launch_already_exists_race_is_not_a_failure(vm):
    stub = StubMultipass()
    stub.overrides['info'] = (2, '', 'info failed: instance "n" does not exist')
    stub.vms['n'] = dict(state='Running', cpus=1, memory=GIB, disk=5 * GIB, user_data=MARKED)
    result = vm(stub, name='n')
    assert not result.get('failed') and any('already exists' in str(w) for w in result.get('warnings', []))


def test_wait_for_cloud_init(vm):
    stub = StubMultipass({'n': {}})
    result = vm(stub, name='n', state='started', wait_for_cloud_init=True)
    assert result['cloud_init_status'] == 'status: done' and not result['changed']


def test_vm_left_stopped_by_a_cloud_init_reboot_is_started(vm):
    stub = StubMultipass()
    real_exec = stub.do_exec
    reboots = [1]

    def rebooting_exec(args, data):
        if reboots[0]:
            reboots[0] -= 1
            stub.vms[args[0]]['state'] = 'Stopped'
            return 2, '', 'exec failed: ssh connection failed'
        return real_exec(args, data)

    stub.do_exec = rebooting_exec
    result = vm(stub, name='n', state='started', wait_for_cloud_init=True)
    assert [m[0] for m in stub.mutations] == ['launch', 'start']
    assert result['cloud_init_status'] == 'status: done'
    assert any('cloud-init reboot' in str(w) for w in result['warnings'])


def test_cloud_init_error_fails(vm):
    stub = StubMultipass({'n': {}}, overrides={'exec': (1, 'status: error\n', '')})
    result = vm(stub, name='n', wait_for_cloud_init=True)
    assert result['failed'] and result['error_kind'] == 'cloud_init_failed'


def test_cloud_init_timeout(vm):
    stub = StubMultipass({'n': {}}, overrides={'exec': [(0, 'status: running\n', '')]})
    clock = iter(range(0, 10000, 100))
    patcher = pytest.MonkeyPatch()
    patcher.setattr(reconcile.time, 'monotonic', lambda: next(clock))
    try:
        result = vm(stub, name='n', wait_for_cloud_init=True, cloud_init_timeout=300)
    finally:
        patcher.undo()
    assert result['failed'] and 'cloud_init_timeout=300' in result['msg']


@pytest.mark.parametrize('params, fragment', [
    (dict(name='node_1'), 'name:'),
    (dict(name='n', memory='100M'), 'memory: 100M is below the multipass minimum of 128M'),
    (dict(name='n', disk='500M'), 'disk: 500M is below the multipass minimum of 512M'),
    (dict(name='n', memory='2T'), "memory: '2T' is not a size"),
    (dict(name='n', lab_marker='true'), "lab_marker: 'true' cannot be used"),
    (dict(name='n', image='Ubuntu 24.04'), 'unknown image alias format'),
    (dict(name='n', image='24.4'), 'YY.MM'),
    (dict(name='n', cloud_init='#!/bin/sh\ntrue\n'), 'must be a YAML mapping'),
    (dict(name='n', cloud_init=['a']), 'cloud_init: expected a dictionary or a string'),
    (dict(name='n', cloud_init_file='/nonexistent/ci.yml'), 'cloud_init_file: cannot read'),
    (dict(name='n', cloud_init_timeout=0), 'cloud_init_timeout'),
])
def test_bad_input_runs_nothing(vm, params, fragment):
    stub = StubMultipass()
    result = vm(stub, **params)
    assert result['failed'] and fragment in result['msg']
    assert stub.calls == []


def test_cloud_init_file_is_read_and_piped(vm, tmp_path):
    path = tmp_path / 'ci.yml'
    path.write_text('#cloud-config\npackages: [curl]\n')
    stub = StubMultipass()
    vm(stub, name='n', cloud_init_file=str(path))
    assert yaml.safe_load(stub.vms['n']['user_data'])['packages'] == ['curl']
    assert '--cloud-init' in stub.mutations[0]


# -- multipass_vm_info -------------------------------------------------------------------------------------

def test_info_module_lists_all_and_missing(capsys):
    stub = StubMultipass({'b': {'state': 'Stopped', 'cpus': 2}, 'a': {}})
    result = run(multipass_vm_info, stub, dict(names=['a', 'b', 'zz']), check_mode=True, capsys=capsys)
    assert [v['name'] for v in result['vms']] == ['a', 'b'] and result['missing'] == ['zz']
    assert result['vms'][1]['cpus'] == 2 and result['vms'][1]['sizes_source'] == 'config'
    assert stub.mutations == [] and result['changed'] is False
    everything = run(multipass_vm_info, stub, dict(configured_sizes=False), capsys=capsys)
    assert [v['sizes_source'] for v in everything['vms']] == ['info', 'info']
    assert everything['vms'][1]['cpus'] is None


def test_info_module_bad_name(capsys):
    result = run(multipass_vm_info, StubMultipass(), dict(names=['bad_name']), capsys=capsys)
    assert result['failed'] and 'bad_name' in result['msg']


@pytest.mark.parametrize('version', ['1.12.0', '1.13.0', '1.16.3', '1.17.0-dev.0+gmain'])
def test_info_module_works_on_every_release(capsys, version):
    """`info --all` is an unknown option after 1.16.3 and plain `info` needs names before 1.13."""
    stub = StubMultipass({'a': {}, 'b': {'state': 'Stopped'}}, version=version)
    result = run(multipass_vm_info, stub, dict(), capsys=capsys)
    assert not result.get('failed'), result
    assert [v['name'] for v in result['vms']] == ['a', 'b']
    info_calls = [args for args in stub.calls if args[0] == 'info']
    assert ('--all' in info_calls[0]) is (version == '1.12.0')


def test_info_module_n_a_is_no_address(capsys):
    stub = StubMultipass({'a': {'ipv4': ['N/A']}})
    result = run(multipass_vm_info, stub, dict(names=['a']), capsys=capsys)
    assert result['vms'][0]['ipv4'] == []


def test_main_release_minimum_is_checked_before_launch(vm):
    stub = StubMultipass(version='1.17.0-dev.0+gmain')
    result = vm(stub, name='n', memory='256M')
    assert result['failed'] and result['error_kind'] == 'invalid' and 'minimum of 512M' in result['msg']
    assert stub.mutations == []
