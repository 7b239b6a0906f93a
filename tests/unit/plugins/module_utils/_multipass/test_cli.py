# -*- coding: utf-8 -*-
"""Table-driven tests of plugins/module_utils/_multipass/cli.py: request + version → argv, sample JSON → facts,
sizes, versions, names, images and error mapping. The tables are in multipass_cases.yml."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
import yaml

from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass import cli as mp

CASES = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), 'multipass_cases.yml')))


def table(name, key='id'):
    """pytest.param per row, named by the row's id when it has one."""
    rows = CASES[name]
    return [pytest.param(row, id=str(row[key]) if isinstance(row, dict) and key in row else str(index))
            for index, row in enumerate(rows)]


def version_of(row):
    return tuple(row['version']) if row.get('version') else None


def spec_from(request, cloud_init=None):
    params = dict(name=None, image=None, cpus=None, memory=None, disk=None, networks=None, mounts=None,
                  timeout=None)
    params.update(request)
    return mp.VmSpec.from_params(params, cloud_init=cloud_init)


class StubRunner:
    """Scripted runner: each call must match the next expected argv; returns its (rc, out, err)."""

    def __init__(self, script):
        self.script = list(script)
        self.calls = []

    def __call__(self, argv, data=None):
        self.calls.append((argv, data))
        assert self.script, 'unexpected call %r' % (argv,)
        expected, rc, out, err = self.script.pop(0)
        assert argv[1:] == expected, 'expected %r, got %r' % (expected, argv[1:])
        return rc, out, err


@pytest.mark.parametrize('row', table('launch_argv'))
def test_launch_argv(row):
    spec = spec_from(row['request'], row.get('cloud_init'))
    argv, data = mp.build_launch_argv(spec, version_of(row))
    assert argv == row['argv']
    assert data == row['stdin']
    assert mp.post_launch_mounts(spec, version_of(row)) == row.get('post_launch', [])


@pytest.mark.parametrize('row', table('launch_unsupported'))
def test_launch_unsupported(row):
    with pytest.raises(mp.MultipassError) as info:
        mp.build_launch_argv(spec_from(row['request']), version_of(row))
    assert row['message'] in info.value.msg
    assert info.value.kind == 'unsupported'


@pytest.mark.parametrize('text, expected', CASES['sizes'])
def test_parse_size(text, expected):
    assert mp.parse_size(text) == expected


@pytest.mark.parametrize('text', CASES['bad_sizes'])
def test_parse_size_rejects(text):
    with pytest.raises(ValueError) as info:
        mp.parse_size(text, 'memory')
    assert 'memory' in str(info.value)


@pytest.mark.parametrize('num, expected', CASES['formatted_sizes'])
def test_format_size(num, expected):
    assert mp.format_size(num) == expected
    assert mp.parse_size(expected) == num


@pytest.mark.parametrize('live, wanted, source, matches', CASES['size_matches'])
def test_sizes_match(live, wanted, source, matches):
    assert mp.sizes_match(live, wanted, source) is matches


@pytest.mark.parametrize('row', table('errors', key='kind'))
def test_classify_error(row):
    assert mp.classify_error(row['rc'], row['stderr']) == row['kind']


def test_daemon_down_message_says_how_to_start_it():
    message = mp.error_message('daemon_down', 'multipass list', 'cannot connect to the multipass socket')
    assert 'daemon is not running' in message
    assert 'snap start multipass' in message


@pytest.mark.parametrize('text, expected', CASES['versions'])
def test_parse_version_output(text, expected):
    assert mp.parse_version_output(text) == (tuple(expected) if expected else None)


@pytest.mark.parametrize('name', CASES['names']['valid'])
def test_valid_names(name):
    assert mp.validate_name(name) is None


@pytest.mark.parametrize('name', CASES['names']['invalid'])
def test_invalid_names(name):
    assert 'name' in mp.validate_name(name)


@pytest.mark.parametrize('image', CASES['images']['valid'])
def test_valid_images(image):
    assert mp.validate_image(image) is None


@pytest.mark.parametrize('image', CASES['images']['invalid'])
def test_invalid_images(image):
    assert mp.validate_image(image).startswith('image: ')


@pytest.mark.parametrize('row', table('list_samples'))
def test_parse_list(row):
    assert mp.parse_list(row['document']) == row['expected']


@pytest.mark.parametrize('row', table('info_samples'))
def test_parse_info(row):
    facts = mp.parse_info(row['document'])[row['name']]
    for key, value in row['expected'].items():
        assert facts[key] == value, key


@pytest.mark.parametrize('row', table('addresses', key='expected'))
def test_pick_address(row):
    assert mp.pick_address(row['ipv4'], row['cidr']) == row['expected']


def test_pick_address_rejects_bad_cidr():
    with pytest.raises(ValueError):
        mp.pick_address(['10.0.0.1'], '198.19.0.0/33')


@pytest.mark.parametrize('params, fragment', [
    (dict(name='node_1'), 'name:'),
    (dict(name='n', memory='256M'), 'memory: 256M is below the multipass minimum of 512M'),
    (dict(name='n', disk='512M'), 'disk: 512M is below the multipass minimum of 1G'),
    (dict(name='n', memory='lots'), "memory: 'lots' is not a size"),
    (dict(name='n', cpus=0), 'cpus: 0 is below the minimum of 1'),
    (dict(name='n', image='Ubuntu 24.04'), 'unknown image alias format'),
    (dict(name='n', networks=[{'name': 'en0', 'mode': 'bridge'}]), "networks[0].mode: 'bridge'"),
    (dict(name='n', networks=[{'name': 'en0', 'mac': 'zz'}]), 'networks[0].mac'),
    (dict(name='n', timeout=0), 'timeout: 0'),
])
def test_spec_validation(params, fragment):
    with pytest.raises(mp.MultipassError) as info:
        spec_from(params)
    assert info.value.kind == 'invalid'
    assert fragment in info.value.msg


def test_spec_validation_lists_every_problem():
    with pytest.raises(mp.MultipassError) as info:
        spec_from(dict(name='1x', memory='1M', disk='1M'))
    assert info.value.msg.count(';') == 2


# -- cloud-init and the marker -------------------------------------------------------------------------

def test_cloud_init_dict_gets_header_marker_and_file():
    text = mp.render_cloud_init({'packages': ['jq']}, 'calicolab.ccol1')
    assert text.startswith('#cloud-config\n# lab-marker: calicolab.ccol1\n')
    document = yaml.safe_load(text)
    assert document['packages'] == ['jq']
    assert document['write_files'][-1]['path'] == mp.MARKER_PATH
    assert document['write_files'][-1]['content'] == 'calicolab.ccol1\n'
    assert mp.user_data_has_marker(text, 'calicolab.ccol1')
    assert not mp.user_data_has_marker(text, 'other-lab')


def test_cloud_init_string_keeps_its_files_and_adds_marker():
    text = mp.render_cloud_init('#cloud-config\nwrite_files:\n- path: /a\n  content: x\n', 'm')
    paths = [entry['path'] for entry in yaml.safe_load(text)['write_files']]
    assert paths == ['/a', mp.MARKER_PATH]


def test_cloud_init_string_without_marker_is_passed_as_is():
    assert mp.render_cloud_init('#!/bin/sh\necho hi\n', None) == '#!/bin/sh\necho hi\n'


def test_cloud_init_script_cannot_carry_marker():
    with pytest.raises(mp.MultipassError) as info:
        mp.render_cloud_init('#!/bin/sh\necho hi\n', 'calicolab.ccol1')
    assert 'lab_marker' in info.value.msg


def test_no_cloud_init_and_no_marker_means_no_stdin():
    assert mp.render_cloud_init(None, None) is None
    assert mp.render_cloud_init(None, 'm').startswith('#cloud-config\n# lab-marker: m\n')


# -- the CLI wrapper ------------------------------------------------------------------------------------

def info_doc(name, state='Running', cpus='1'):
    return json.dumps({'errors': [], 'info': {name: {
        'state': state, 'image_hash': 'h', 'image_release': '24.04 LTS', 'release': 'Ubuntu 24.04.3 LTS',
        'cpu_count': cpus, 'disks': {'sda1': {'used': '1', 'total': '5000000000'}},
        'memory': {'used': 1, 'total': 1000000000}, 'ipv4': ['10.0.0.2'], 'mounts': {}}}})


SOCKET = "info failed: ssh failed to authenticate: 'Socket error: disconnected'"


def test_info_retries_transient_socket_errors():
    runner = StubRunner([(['info', 'a', '--format', 'json'], 2, '', SOCKET)] * 2
                        + [(['info', 'a', '--format', 'json'], 0, info_doc('a'), '')])
    sleeps = []
    cli = mp.MultipassCLI(runner, '/usr/bin/multipass', sleep=sleeps.append, retries=5, retry_delay=0.5)
    assert cli.info('a')['state'] == 'Running'
    assert sleeps == [0.5, 0.5]


def test_info_retry_is_bounded():
    runner = StubRunner([(['info', 'a', '--format', 'json'], 2, '', SOCKET)] * 3)
    cli = mp.MultipassCLI(runner, 'multipass', sleep=lambda s: None, retries=3)
    with pytest.raises(mp.MultipassError) as info:
        cli.info('a')
    assert info.value.kind == 'transient'
    assert not runner.script


def test_info_missing_is_none_not_failure():
    runner = StubRunner([(['info', 'a', '--format', 'json'], 2, '',
                          'info failed: The following errors occurred:\ninstance "a" does not exist')])
    assert mp.MultipassCLI(runner, 'multipass').info('a') is None


def test_daemon_down_is_an_error_with_a_hint():
    runner = StubRunner([(['info', 'a', '--format', 'json'], 3, '',
                          'info failed: cannot connect to the multipass socket')])
    with pytest.raises(mp.MultipassError) as info:
        mp.MultipassCLI(runner, 'multipass').info('a')
    assert info.value.kind == 'daemon_down'
    assert 'snap start multipass' in info.value.msg
    assert info.value.rc == 3


def test_mutating_commands_are_never_retried():
    runner = StubRunner([(['start', 'a'], 2, '', SOCKET)])
    with pytest.raises(mp.MultipassError):
        mp.MultipassCLI(runner, 'multipass', sleep=lambda s: None).call(['start', 'a'])


def test_version_detected_once_with_text_fallback():
    runner = StubRunner([(['version', '--format', 'json'], 1, '', "Unknown option 'format'."),
                         (['version'], 0, 'multipass  1.5.0\nmultipassd 1.5.0\n', '')])
    cli = mp.MultipassCLI(runner, 'multipass')
    assert cli.version() == (1, 5, 0)
    assert cli.version() == (1, 5, 0)
    assert not runner.script


def test_configured_sizes_from_get():
    runner = StubRunner([(['version', '--format', 'json'], 0, '{"multipass": "1.16.3"}', ''),
                         (['get', 'local.a.cpus'], 0, '2\n', ''),
                         (['get', 'local.a.memory'], 0, '2.0GiB\n', ''),
                         (['get', 'local.a.disk'], 0, '10.0GiB\n', '')])
    sizes = mp.MultipassCLI(runner, 'multipass').configured_sizes('a')
    assert sizes == {'cpus': 2, 'memory': 2 * mp.GIB, 'disk': 10 * mp.GIB}


def test_configured_sizes_unknown_before_1_10():
    runner = StubRunner([(['version', '--format', 'json'], 0, '{"multipass": "1.9.2"}', '')])
    assert mp.MultipassCLI(runner, 'multipass').configured_sizes('a') is None


def test_info_all_and_list():
    both = json.loads(info_doc('a'))
    both['info']['b'] = dict(both['info']['a'], state='Stopped', cpu_count='')
    runner = StubRunner([(['info', '--all', '--format', 'json'], 0, json.dumps(both), ''),
                         (['list', '--format', 'json'], 0, '{"list": []}', '')])
    cli = mp.MultipassCLI(runner, 'multipass')
    facts = cli.info_all()
    assert sorted(facts) == ['a', 'b']
    assert facts['b']['cpus'] is None
    assert cli.list() == []


def test_non_json_output_is_a_clear_error():
    runner = StubRunner([(['list', '--format', 'json'], 0, 'Name State\n', '')])
    with pytest.raises(mp.MultipassError) as info:
        mp.MultipassCLI(runner, 'multipass').list()
    assert info.value.kind == 'bad_output'


def test_find_multipass_reports_missing(tmp_path):
    with pytest.raises(mp.MultipassError) as info:
        mp.find_multipass(None, which=lambda name: None, extra_dirs=(str(tmp_path),))
    assert info.value.kind == 'missing'
    assert 'multipass_path' in info.value.msg


def test_find_multipass_explicit_path(tmp_path):
    binary = tmp_path / 'multipass'
    binary.write_text('#!/bin/sh\n')
    binary.chmod(0o755)
    assert mp.find_multipass(str(binary)) == str(binary)
    assert mp.find_multipass(None, which=lambda name: None, extra_dirs=(str(tmp_path),)) == str(binary)
