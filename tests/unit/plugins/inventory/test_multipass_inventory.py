# -*- coding: utf-8 -*-
"""The calicolab.ccol1.multipass inventory plugin on canned `version`/`list`/`info`/`exec` answers shaped like the
real CLI's (no multipass binary): `info --all` is an unknown option after 1.16.3 and plain `info` needs names before
1.13; the lab marker is the file /etc/calicolab/lab-marker, since Multipass drops YAML comments from user data."""

from __future__ import annotations

import json

import pytest

from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader

from ansible_collections.calicolab.ccol1.plugins.inventory import multipass as plugin_module
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass import cli as mp


# The documented defaults of every option the plugin and its constructed/cache fragments read.
DEFAULTS = dict(plugin='calicolab.ccol1.multipass', multipass_path=None, prefer_cidr=None, running_only=False,
                include_deleted=False, name_patterns={}, state_group_prefix='multipass_', user='ubuntu',
                compose={}, groups={}, keyed_groups=[], strict=False, leading_separator=True,
                use_extra_vars=False, cache=False, lab_marker=None, lab_marker_only=False)


class Harness(plugin_module.InventoryModule):
    """The plugin with its options given directly instead of read from a file by the plugin loader."""

    config = {}

    def _read_config_data(self, path):
        self._options = dict(DEFAULTS, **self.config)


def vm_info(state, cpus, ipv4, release='24.04'):
    up = state == 'Running'
    return {'state': state, 'image_hash': 'h' * 64, 'image_release': release + ' LTS',
            'release': 'Ubuntu %s.3 LTS' % release if up else '', 'cpu_count': str(cpus) if up else '',
            'disks': {'sda1': {'used': '1', 'total': '10000000000'} if up else {}},
            'memory': {'used': 1, 'total': 2000000000} if up else {}, 'ipv4': ipv4 if up else [], 'mounts': {}}


LAB = {
    'control': vm_info('Running', 2, ['10.92.11.10', '198.19.0.1']),
    'node1': vm_info('Running', 2, ['10.92.11.11', '198.19.0.2']),
    'node2': vm_info('Running', 2, ['10.92.11.12', '198.19.0.3']),
    'host1': vm_info('Running', 1, ['10.92.11.13', '198.19.15.254']),
    'old': vm_info('Stopped', 1, [], release='20.04'),
    'gone': vm_info('Deleted', 1, []),
}


RELEASE = {'version': '1.16.3'}
MARKER_FILES = {name: 'calicolab.ccol1\n' for name in ('control', 'node1', 'node2')}
MARKER_FILES['host1'] = 'other-lab\n'


def runner(argv, data=None):
    version = tuple(int(part) for part in RELEASE['version'].split('-', maxsplit=1)[0].split('.'))
    if argv[1] == 'version':
        return 0, json.dumps({'multipass': RELEASE['version'], 'multipassd': RELEASE['version']}), ''
    if argv[1] == 'list':
        return 0, json.dumps({'list': [{'name': name, 'state': vm['state'], 'ipv4': vm['ipv4'],
                                        'release': 'Ubuntu ' + vm['image_release']}
                                       for name, vm in sorted(LAB.items())]}), ''
    if argv[1] == 'info':
        if '--all' in argv and version > (1, 16, 3):
            return 1, '', "Unknown option 'all'."
        if '--all' not in argv and version < (1, 13):
            return 1, '', 'Name argument or --all is required'
        return 0, json.dumps({'errors': [], 'info': LAB}), ''
    if argv[1] == 'exec' and argv[4:] == ['cat', '/etc/calicolab/lab-marker']:
        if argv[2] in MARKER_FILES:
            return 0, MARKER_FILES[argv[2]], ''
        return 1, '', 'cat: /etc/calicolab/lab-marker: No such file or directory\n'
    raise AssertionError(argv)


@pytest.fixture
def inventory(tmp_path, monkeypatch):
    monkeypatch.setitem(RELEASE, 'version', '1.16.3')
    monkeypatch.setattr(plugin_module, 'subprocess_runner', runner)
    monkeypatch.setattr(plugin_module, 'find_multipass', lambda path=None: '/usr/bin/multipass')

    def build(**config):
        path = tmp_path / 'lab.multipass.yml'
        path.write_text(json.dumps(dict({'plugin': 'calicolab.ccol1.multipass'}, **config)))
        plugin = Harness()
        plugin.config = config
        data = InventoryData()
        assert plugin.verify_file(str(path))
        plugin.parse(data, DataLoader(), str(path), cache=False)
        return data
    return build


def members(data, group):
    return sorted(host.name for host in data.groups[group].get_hosts())


def test_lab_groups_and_addresses(inventory):
    data = inventory(prefer_cidr='198.19.0.0/20',
                     name_patterns={'control_plane': '^control$', 'nodes': r'^node\d+$', 'workstation': '^host1$'})
    assert members(data, 'control_plane') == ['control']
    assert members(data, 'nodes') == ['node1', 'node2']
    assert members(data, 'workstation') == ['host1']
    assert members(data, 'multipass_running') == ['control', 'host1', 'node1', 'node2']
    assert members(data, 'multipass_stopped') == ['old']
    assert 'gone' not in data.hosts
    control = data.get_host('control').vars
    assert control['ansible_host'] == '198.19.0.1'
    assert control['ansible_user'] == 'ubuntu'
    assert control['multipass_cpus'] == 2
    assert control['multipass_release'] == 'Ubuntu 24.04.3 LTS'
    assert 'ansible_host' not in data.get_host('old').vars


def test_running_only_first_address_and_deleted(inventory):
    data = inventory(running_only=True)
    assert 'old' not in data.hosts
    assert data.get_host('control').vars['ansible_host'] == '10.92.11.10'
    assert 'gone' in inventory(include_deleted=True, state_group_prefix='').hosts


def test_bad_pattern_and_bad_cidr(inventory):
    with pytest.raises(AnsibleParserError, match='name_patterns.nodes'):
        inventory(name_patterns={'nodes': '('})
    with pytest.raises(AnsibleParserError, match='prefer_cidr'):
        inventory(prefer_cidr='198.19.0.0/40')


def test_missing_binary(inventory, monkeypatch):
    def missing(path=None):
        raise mp.MultipassError('the multipass executable was not found', kind='missing')
    monkeypatch.setattr(plugin_module, 'find_multipass', missing)
    with pytest.raises(AnsibleParserError, match='multipass executable was not found'):
        inventory()


def test_file_name_pattern(tmp_path):
    for name, accepted in (('lab.multipass.yml', True), ('lab.multipass.yaml', True), ('lab.yml', False)):
        path = tmp_path / name
        path.write_text('plugin: calicolab.ccol1.multipass\n')
        assert Harness().verify_file(str(path)) is accepted


def test_state_group_names():
    assert plugin_module.state_group('multipass_', 'Delayed Shutdown') == 'multipass_delayed_shutdown'


def test_lab_marker(inventory):
    data = inventory(lab_marker='calicolab.ccol1')
    assert data.get_host('control').vars['multipass_lab_marker'] is True
    assert data.get_host('host1').vars['multipass_lab_marker'] is False
    assert data.get_host('old').vars['multipass_lab_marker'] is None
    assert 'multipass_lab_marker' not in inventory().get_host('control').vars
    only = inventory(lab_marker='calicolab.ccol1', lab_marker_only=True)
    assert sorted(only.hosts) == ['control', 'node1', 'node2']
    assert inventory(lab_marker='other-lab').get_host('host1').vars['multipass_lab_marker'] is True


@pytest.mark.parametrize('version', ['1.12.0', '1.13.0', '1.16.3', '1.17.0-dev.0+gmain'])
def test_every_release_is_read(inventory, monkeypatch, version):
    monkeypatch.setitem(RELEASE, 'version', version)
    data = inventory()
    assert members(data, 'multipass_running') == ['control', 'host1', 'node1', 'node2']


def test_n_a_never_becomes_ansible_host(inventory, monkeypatch):
    monkeypatch.setitem(LAB, 'node1', vm_info('Running', 2, ['N/A']))
    data = inventory(prefer_cidr='198.19.0.0/20')
    node1 = data.get_host('node1').vars
    assert 'ansible_host' not in node1 and node1['multipass_ipv4'] == []
