# -*- coding: utf-8 -*-
"""plugins/module_utils/_multipass/cli.py: error mapping, JSON parsing, addresses, and the CLI wrapper against a
scripted runner (argv in, the real CLI's rc/stdout/stderr out). Tables in multipass_cases.yml."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass import cli as mp
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.errors import MultipassError
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.spec import GIB
from ansible_collections.calicolab.ccol1.tests.unit.plugins.module_utils._multipass.multipass_tables import (
    CASES,
    StubRunner,
    table,
)

DOWN = ("info failed: cannot connect to the multipass socket\nPlease ensure multipassd is running and "
        "'/var/snap/multipass/common/multipass_socket' is accessible\n")
SOCKET = "info failed: ssh failed to authenticate: 'Socket error: disconnected'"


def version_json(text):
    return (['version', '--format', 'json'], 0, json.dumps({'multipass': text, 'multipassd': text}), '')


@pytest.mark.parametrize('row', table('errors', key='kind'))
def test_classify_error(row):
    assert mp.classify_error(row['rc'], row['stderr']) == row['kind']


def test_daemon_down_message_says_how_to_start_it():
    message = mp.error_message('daemon_down', 'multipass list', 'cannot connect to the multipass socket')
    assert 'daemon is not running' in message
    assert 'snap start multipass' in message


def test_guest_exit_code_3_is_not_a_daemon_failure():
    assert mp.daemon_unreachable(3, 'grep: no match') is None
    assert mp.daemon_unreachable(2, DOWN) == 'daemon_down'


@pytest.mark.parametrize('text, expected', CASES['versions'])
def test_parse_version_output(text, expected):
    assert mp.parse_version_output(text) == (tuple(expected) if expected else None)


@pytest.mark.parametrize('row', table('list_samples'))
def test_parse_list(row):
    assert mp.parse_list(row['document']) == row['expected']


@pytest.mark.parametrize('row', table('info_samples'))
def test_parse_info(row):
    facts = mp.parse_info(row['document'])[row['name']]
    for key, value in row['expected'].items():
        assert facts[key] == value, key


def test_parse_info_drops_n_a():
    document = {'errors': [], 'info': {'a': {'state': 'Running', 'ipv4': ['N/A']}}}
    assert mp.parse_info(document)['a']['ipv4'] == []


@pytest.mark.parametrize('row', table('addresses', key='no-id'))
def test_pick_address(row):
    assert mp.pick_address(row['ipv4'], row['cidr']) == row['expected']


def test_pick_address_rejects_bad_cidr():
    with pytest.raises(ValueError):
        mp.pick_address(['10.0.0.1'], '198.19.0.0/33')


# -- the CLI wrapper ------------------------------------------------------------------------------------

def info_doc(name, state='Running', cpus='1'):
    return json.dumps({'errors': [], 'info': {name: {
        'state': state, 'image_hash': 'h', 'image_release': '24.04 LTS', 'release': 'Ubuntu 24.04.3 LTS',
        'cpu_count': cpus, 'disks': {'sda1': {'used': '1', 'total': '5000000000'}},
        'memory': {'used': 1, 'total': 1000000000}, 'ipv4': ['10.0.0.2'], 'mounts': {}}}})


def cli_for(script, **kwargs):
    runner = StubRunner(script)
    return mp.MultipassCLI(runner, 'multipass', sleep=kwargs.pop('sleep', lambda s: None), **kwargs), runner


def test_info_retries_transient_socket_errors():
    sleeps = []
    cli, runner = cli_for([version_json('1.16.3')] + [(['info', 'a', '--format', 'json'], 2, '', SOCKET)] * 2
                          + [(['info', 'a', '--format', 'json'], 0, info_doc('a'), '')],
                          sleep=sleeps.append, retries=5, retry_delay=0.5)
    assert cli.info('a')['state'] == 'Running'
    assert sleeps == [0.5, 0.5]


def test_info_retry_is_bounded():
    cli, runner = cli_for([version_json('1.16.3')] + [(['info', 'a', '--format', 'json'], 2, '', SOCKET)] * 3,
                          retries=3)
    with pytest.raises(MultipassError) as info:
        cli.info('a')
    assert info.value.kind == 'transient'
    assert not runner.script


def test_info_missing_is_none_not_failure():
    cli, runner = cli_for([version_json('1.16.3'), (['info', 'a', '--format', 'json'], 2, '',
                                                    'info failed: The following errors occurred:\n'
                                                    'instance "a" does not exist')])
    assert cli.info('a') is None


def test_daemon_down_is_rc_2_with_the_socket_text():
    """The real client exits 2 (CommandFail) for an unreachable daemon; an rc-3 check never sees it."""
    cli, runner = cli_for([version_json('1.16.3'), (['info', 'a', '--format', 'json'], 2, '', DOWN)])
    with pytest.raises(MultipassError) as info:
        cli.info('a')
    assert info.value.kind == 'daemon_down'
    assert 'snap start multipass' in info.value.msg
    assert info.value.rc == 2


def test_mutating_commands_are_never_retried():
    cli, runner = cli_for([(['start', 'a'], 2, '', SOCKET)])
    with pytest.raises(MultipassError):
        cli.call(['start', 'a'])


def test_version_detected_once_with_text_fallback():
    cli, runner = cli_for([(['version', '--format', 'json'], 1, '', "Unknown option 'format'."),
                           (['version'], 0, 'multipass  1.5.0\nmultipassd 1.5.0\n', '')])
    assert cli.version() == (1, 5, 0)
    assert cli.version() == (1, 5, 0)
    assert not runner.script


def test_configured_sizes_from_get():
    cli, runner = cli_for([version_json('1.16.3'), (['get', 'local.a.cpus'], 0, '2\n', ''),
                           (['get', 'local.a.memory'], 0, '2.0GiB\n', ''),
                           (['get', 'local.a.disk'], 0, '10.0GiB\n', '')])
    assert cli.configured_sizes('a') == {'cpus': 2, 'memory': 2 * GIB, 'disk': 10 * GIB}


def test_configured_sizes_unknown_before_1_10():
    cli, runner = cli_for([version_json('1.9.2')])
    assert cli.configured_sizes('a') is None


def two_vms():
    both = json.loads(info_doc('a'))
    both['info']['b'] = dict(both['info']['a'], state='Stopped', cpu_count='')
    return json.dumps(both)


@pytest.mark.parametrize('version, argv', [
    ('1.13.0', ['info', '--format', 'json']),
    ('1.16.3', ['info', '--format', 'json']),
    ('1.17.0-dev.0+gmain', ['info', '--format', 'json']),
    ('1.12.0', ['info', '--all', '--format', 'json'])])
def test_info_all_form_by_version(version, argv):
    """`info --all` is deprecated from 1.13 and an unknown option after 1.16.3."""
    cli, runner = cli_for([version_json(version), (argv, 0, two_vms(), '')])
    facts = cli.info_all()
    assert sorted(facts) == ['a', 'b']
    assert facts['b']['cpus'] is None
    assert not runner.script


def test_info_all_of_an_unidentified_old_release_falls_back_to_all():
    cli, runner = cli_for([(['version', '--format', 'json'], 1, '', "Unknown option 'format'."),
                           (['version'], 1, '', 'nothing'),
                           (['info', '--format', 'json'], 1, '', 'Name argument or --all is required'),
                           (['info', '--all', '--format', 'json'], 0, two_vms(), '')])
    assert sorted(cli.info_all()) == ['a', 'b']


def test_info_all_before_1_12_adds_deleted_instances_from_list():
    listing = json.dumps({'list': [{'name': 'a', 'state': 'Running', 'ipv4': [], 'release': ''},
                                   {'name': 'gone', 'state': 'Deleted', 'ipv4': [], 'release': ''}]})
    cli, runner = cli_for([version_json('1.11.0'), (['info', '--all', '--format', 'json'], 0, info_doc('a'), ''),
                           (['list', '--format', 'json'], 0, listing, ''),
                           (['info', 'gone', '--format', 'json'], 0, info_doc('gone', state='Deleted', cpus=''), '')])
    facts = cli.info_all()
    assert {name: vm['state'] for name, vm in facts.items()} == {'a': 'Running', 'gone': 'Deleted'}


def test_read_marker_file_without_sudo():
    cli, runner = cli_for([(['exec', 'a', '--', 'cat', '/etc/calicolab/lab-marker'], 0, 'calicolab.ccol1\n', '')])
    assert cli.read_marker_file('a') == ('calicolab.ccol1\n', None)


def test_read_marker_file_missing_says_why():
    cli, runner = cli_for([(['exec', 'a', '--', 'cat', '/etc/calicolab/lab-marker'], 1, '',
                            'cat: /etc/calicolab/lab-marker: No such file or directory\n')])
    content, why = cli.read_marker_file('a')
    assert content is None and 'No such file or directory' in why and 'exited 1' in why


def test_read_marker_file_daemon_down_raises():
    cli, runner = cli_for([(['exec', 'a', '--', 'cat', '/etc/calicolab/lab-marker'], 2, '',
                            DOWN.replace('info failed', 'exec failed'))])
    with pytest.raises(MultipassError) as info:
        cli.read_marker_file('a')
    assert info.value.kind == 'daemon_down'


def test_non_json_output_is_a_clear_error():
    cli, runner = cli_for([(['list', '--format', 'json'], 0, 'Name State\n', '')])
    with pytest.raises(MultipassError) as info:
        cli.list()
    assert info.value.kind == 'bad_output'


def test_find_multipass_reports_missing(tmp_path):
    with pytest.raises(MultipassError) as info:
        mp.find_multipass(None, which=lambda name: None, extra_dirs=(str(tmp_path),))
    assert info.value.kind == 'missing'
    assert 'multipass_path' in info.value.msg


def test_find_multipass_explicit_path(tmp_path):
    binary = tmp_path / 'multipass'
    binary.write_text('#!/bin/sh\n')
    binary.chmod(0o755)
    assert mp.find_multipass(str(binary)) == str(binary)
    assert mp.find_multipass(None, which=lambda name: None, extra_dirs=(str(tmp_path),)) == str(binary)
