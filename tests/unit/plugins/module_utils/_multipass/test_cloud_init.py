# -*- coding: utf-8 -*-
"""plugins/module_utils/_multipass/cloud_init.py: the user data the module sends and the lab marker contract. The
last tests launch the rendered user data through the fake multipass executable, which re-emits it the way
Multipass does (no comments), and read the marker back the way the module does."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess

import pytest
import yaml

from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass import cloud_init as ci
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.errors import MultipassError
from ansible_collections.calicolab.ccol1.tests import fake_multipass as fake


def test_dict_gets_header_and_marker_file():
    text = ci.render_cloud_init({'packages': ['jq']}, 'calicolab.ccol1')
    assert text.startswith('#cloud-config\n')
    document = yaml.safe_load(text)
    assert document['packages'] == ['jq']
    # no permissions: cloud-init's default (0644), since Multipass would drop the quotes of '0644'
    assert document['write_files'] == [{'path': '/etc/calicolab/lab-marker', 'owner': 'root:root',
                                        'content': 'calicolab.ccol1\n'}]


def test_no_information_lives_in_comments():
    """Multipass drops comments: nothing the module relies on may be one."""
    text = ci.render_cloud_init({'packages': ['jq']}, 'calicolab.ccol1')
    assert [line for line in text.splitlines()[1:] if line.lstrip().startswith('#')] == []


def test_string_keeps_its_files_and_replaces_an_old_marker_entry():
    text = ci.render_cloud_init('#cloud-config\nwrite_files:\n- path: /a\n  content: x\n'
                                '- path: /etc/calicolab/lab-marker\n  content: stale\n', 'm1')
    files = yaml.safe_load(text)['write_files']
    assert [entry['path'] for entry in files] == ['/a', ci.MARKER_PATH]
    assert files[-1]['content'] == 'm1\n'


def test_string_without_marker_is_sent_as_cloud_config():
    assert yaml.safe_load(ci.render_cloud_init('#cloud-config\nhostname: h\n', None)) == {'hostname': 'h'}


@pytest.mark.parametrize('content, marker', [('#!/bin/sh\necho hi\n', None), ('#!/bin/sh\necho hi\n', 'm'),
                                             ('- a\n- b\n', None), ('#include\nhttps://example.invalid/x\n', None)])
def test_only_a_yaml_mapping_can_pass_through_multipass(content, marker):
    with pytest.raises(MultipassError) as info:
        ci.render_cloud_init(content, marker)
    assert info.value.kind == 'invalid' and 'YAML mapping' in info.value.msg


def test_bad_yaml_and_bad_write_files_are_refused():
    with pytest.raises(MultipassError, match='not valid YAML'):
        ci.render_cloud_init('a: [b\n', None)
    with pytest.raises(MultipassError, match='write_files must be a list'):
        ci.render_cloud_init({'write_files': {'path': '/a'}}, 'm')


def test_nothing_to_send():
    assert ci.render_cloud_init(None, None) is None
    assert yaml.safe_load(ci.render_cloud_init(None, 'm'))['write_files'][0]['content'] == 'm\n'


@pytest.mark.parametrize('marker', ['calicolab.ccol1', 'lab-2', 'x', 'My_Lab.v1'])
def test_usable_markers(marker):
    assert ci.validate_marker(marker) is None


@pytest.mark.parametrize('marker', ['123', 'true', 'No', 'with space', 'a:b', '-lead', 'x' * 64, "it's"])
def test_markers_that_would_not_survive_yaml(marker):
    assert ci.validate_marker(marker).startswith('lab_marker: ')
    with pytest.raises(MultipassError):
        ci.render_cloud_init({}, marker)


@pytest.mark.parametrize('content, marker, matches', [
    ('calicolab.ccol1\n', 'calicolab.ccol1', True), ('calicolab.ccol1', 'calicolab.ccol1', True),
    ('  calicolab.ccol1 \n', 'calicolab.ccol1', True), ('other-lab\n', 'calicolab.ccol1', False),
    ('calicolab.ccol1-old\n', 'calicolab.ccol1', False), (None, 'calicolab.ccol1', False), ('', '', False)])
def test_marker_matches(content, marker, matches):
    assert ci.marker_matches(content, marker) is matches


# -- through the fake multipass: what the guest really gets ------------------------------------------------

def run_fake(state, *args, stdin=None):
    return subprocess.run([fake.EXECUTABLE] + list(args), input=stdin, capture_output=True, text=True,
                          env=fake.environment(state), timeout=60, check=False)


def test_marker_file_survives_multipass_reemission(tmp_path):
    user_data = ci.render_cloud_init({'packages': ['jq']}, 'calicolab.ccol1')
    assert run_fake(tmp_path, 'launch', '-n', 'vm', '--cloud-init', '-', stdin=user_data).returncode == 0
    marker = run_fake(tmp_path, 'exec', 'vm', '--', 'cat', ci.MARKER_PATH)
    assert marker.returncode == 0
    assert ci.marker_matches(marker.stdout, 'calicolab.ccol1')
    assert not ci.marker_matches(marker.stdout, 'other-lab')


def test_a_comment_marker_never_reaches_the_guest(tmp_path):
    """The defect this package had: a '# lab-marker:' comment is gone from the guest's user data."""
    user_data = '#cloud-config\n# lab-marker: calicolab.ccol1\npackages: [jq]\n'
    run_fake(tmp_path, 'launch', '-n', 'vm', '--cloud-init', '-', stdin=user_data)
    guest = run_fake(tmp_path, 'exec', 'vm', '--', 'sudo', 'cat', '/var/lib/cloud/instance/user-data.txt').stdout
    assert 'lab-marker' not in guest
    assert run_fake(tmp_path, 'exec', 'vm', '--', 'cat', ci.MARKER_PATH).returncode == 1
