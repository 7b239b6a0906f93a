# -*- coding: utf-8 -*-
"""plugins/module_utils/_multipass/spec.py: request + version → argv, sizes and their minimums per release, versions,
names and images, the info form and the stop rule per release. Tables in multipass_cases.yml."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass import spec as sp
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.errors import MultipassError
from ansible_collections.calicolab.ccol1.tests.unit.plugins.module_utils._multipass.multipass_tables import (
    CASES,
    table,
    version_of,
)


def spec_from(request, cloud_init=None):
    params = dict(name=None, image=None, cpus=None, memory=None, disk=None, networks=None, mounts=None,
                  timeout=None)
    params.update(request)
    return sp.VmSpec.from_params(params, cloud_init=cloud_init)


@pytest.mark.parametrize('row', table('launch_argv'))
def test_launch_argv(row):
    spec = spec_from(row['request'], row.get('cloud_init'))
    argv, data = sp.build_launch_argv(spec, version_of(row))
    assert argv == row['argv']
    assert data == row['stdin']
    assert sp.post_launch_mounts(spec, version_of(row)) == row.get('post_launch', [])


@pytest.mark.parametrize('row', table('launch_unsupported'))
def test_launch_refused_by_version(row):
    with pytest.raises(MultipassError) as info:
        sp.build_launch_argv(spec_from(row['request']), version_of(row))
    assert row['message'] in info.value.msg
    assert info.value.kind == row['kind']


@pytest.mark.parametrize('text, expected', CASES['sizes'])
def test_parse_size(text, expected):
    assert sp.parse_size(text) == expected


@pytest.mark.parametrize('text', CASES['bad_sizes'])
def test_parse_size_rejects(text):
    with pytest.raises(ValueError) as info:
        sp.parse_size(text, 'memory')
    assert 'memory' in str(info.value) and 'K, M or G' in str(info.value)


@pytest.mark.parametrize('num, expected', CASES['formatted_sizes'])
def test_format_size(num, expected):
    assert sp.format_size(num) == expected
    assert sp.parse_size(expected) == num


@pytest.mark.parametrize('live, wanted, source, matches', CASES['size_matches'])
def test_sizes_match(live, wanted, source, matches):
    assert sp.sizes_match(live, wanted, source) is matches


@pytest.mark.parametrize('version, minimums', [
    ((1, 5, 0), (128 * sp.MIB, 512 * sp.MIB)), ((1, 16, 3), (128 * sp.MIB, 512 * sp.MIB)),
    ((1, 17, 0), (512 * sp.MIB, sp.GIB)), (None, (512 * sp.MIB, sp.GIB))])
def test_minimum_sizes_by_version(version, minimums):
    assert sp.minimum_sizes(version) == minimums


@pytest.mark.parametrize('version, argv', [
    ((1, 5, 0), ['info', '--all', '--format', 'json']),
    ((1, 12, 2), ['info', '--all', '--format', 'json']),
    ((1, 13, 0), ['info', '--format', 'json']),
    ((1, 16, 3), ['info', '--format', 'json']),
    ((1, 17, 0), ['info', '--format', 'json']),
    (None, ['info', '--format', 'json'])])
def test_info_argv_for_every_instance(version, argv):
    assert sp.info_argv(version) == argv
    assert sp.info_argv(version, ['a']) == ['info', 'a', '--format', 'json']


@pytest.mark.parametrize('version, state, refused', [
    ((1, 13, 1), 'Suspended', False), ((1, 14, 0), 'Suspended', True), ((1, 16, 3), 'Starting', True),
    ((1, 16, 3), 'Restarting', True), ((1, 16, 3), 'Running', False), ((1, 16, 3), 'Stopped', False)])
def test_stop_refused(version, state, refused):
    assert sp.stop_refused(version, state) is refused


@pytest.mark.parametrize('text, expected', [('1.13.1', (1, 13, 1)), ('multipass  1.8.1', (1, 8, 1)),
                                            ('1.17.0-dev.0+gmain', (1, 17, 0)), ('none', None)])
def test_parse_version(text, expected):
    assert sp.parse_version(text) == expected


@pytest.mark.parametrize('name', CASES['names']['valid'])
def test_valid_names(name):
    assert sp.validate_name(name) is None


@pytest.mark.parametrize('name', CASES['names']['invalid'])
def test_invalid_names(name):
    assert 'name' in sp.validate_name(name)


@pytest.mark.parametrize('image', CASES['images']['valid'])
def test_valid_images(image):
    assert sp.validate_image(image) is None


@pytest.mark.parametrize('image', CASES['images']['invalid'])
def test_invalid_images(image):
    assert sp.validate_image(image).startswith('image: ')


@pytest.mark.parametrize('params, fragment', [
    (dict(name='node_1'), 'name:'),
    (dict(name='n', memory='100M'), 'memory: 100M is below the multipass minimum of 128M'),
    (dict(name='n', disk='500M'), 'disk: 500M is below the multipass minimum of 512M'),
    (dict(name='n', memory='lots'), "memory: 'lots' is not a size"),
    (dict(name='n', disk='1T'), "disk: '1T' is not a size"),
    (dict(name='n', cpus=0), 'cpus: 0 is below the minimum of 1'),
    (dict(name='n', image='Ubuntu 24.04'), 'unknown image alias format'),
    (dict(name='n', networks=[{'name': 'en0', 'mode': 'bridge'}]), "networks[0].mode: 'bridge'"),
    (dict(name='n', networks=[{'name': 'en0', 'mac': 'zz'}]), 'networks[0].mac'),
    (dict(name='n', timeout=0), 'timeout: 0'),
])
def test_spec_validation(params, fragment):
    with pytest.raises(MultipassError) as info:
        spec_from(params)
    assert info.value.kind == 'invalid'
    assert fragment in info.value.msg


def test_spec_validation_lists_every_problem():
    with pytest.raises(MultipassError) as info:
        spec_from(dict(name='1x', memory='1M', disk='1M'))
    assert info.value.msg.count(';') == 2


def test_classic_minimums_pass_the_request_check():
    spec = spec_from(dict(name='n', memory='128M', disk='512M'))
    assert (spec.memory, spec.disk) == (128 * sp.MIB, 512 * sp.MIB)
