# -*- coding: utf-8 -*-
"""plugins/module_utils/_multipass/reconcile.py against the fake multipass executable (tests/fake_multipass), run as
a program: the marker read back from the guest after Multipass re-emitted the user data, stopping per release,
minimums per release, and check mode running nothing that changes a VM."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess

import pytest

from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.cli import MultipassCLI
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.cloud_init import render_cloud_init
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.errors import MultipassError
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.reconcile import VmReconciler
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.spec import GIB, MIB, VmSpec
from ansible_collections.calicolab.ccol1.tests import fake_multipass as fake

MARKER = 'calicolab.ccol1'


def fake_cli(where, version=None):
    env = fake.environment(where, version=version)

    def run(argv, data=None):
        proc = subprocess.run(argv, input=data, capture_output=True, text=True, env=env, timeout=60, check=False)
        return proc.returncode, proc.stdout, proc.stderr
    return MultipassCLI(run, fake.EXECUTABLE, sleep=lambda seconds: None)


def reconcile(where, version=None, check_mode=False, marker=MARKER, cloud_init=None, **params):
    request = dict(name='n', image=None, cpus=None, memory=None, disk=None, networks=None, mounts=None, timeout=None)
    request.update((key, params.pop(key)) for key in list(params) if key in request)
    text = render_cloud_init(cloud_init, marker) if params.get('state') != 'absent' else None
    spec = VmSpec.from_params(request, cloud_init=text)
    return VmReconciler(fake_cli(where, version), spec, marker=marker, check_mode=check_mode,
                        sleep=lambda seconds: None, **params).run()


def mutations(where):
    return [call['argv'] for call in fake.mutating_calls(where)]


def test_launched_vm_can_be_torn_down_with_its_marker(tmp_path):
    """The defect: the marker lived in a YAML comment that Multipass drops, so teardown always refused."""
    reconcile(tmp_path, state='started', cloud_init={'packages': ['jq']})
    result = reconcile(tmp_path, state='absent', purge=True)
    assert result['changed'] and 'n' not in fake.instances(tmp_path)
    assert mutations(tmp_path)[-1] == ['delete', '--purge', 'n']


def test_stopped_lab_vm_is_started_to_read_the_marker(tmp_path):
    reconcile(tmp_path, state='stopped')
    result = reconcile(tmp_path, state='absent', purge=True)
    assert [argv[0] for argv in mutations(tmp_path)[-2:]] == ['start', 'delete']
    assert result['vm'] is None


def test_vm_without_marker_file_is_refused_and_left_as_it_was(tmp_path):
    fake.seed_instance(tmp_path, 'n', state='Stopped', user_data='#cloud-config\n# lab-marker: calicolab.ccol1\n')
    with pytest.raises(MultipassError) as info:
        reconcile(tmp_path, state='absent', purge=True)
    assert info.value.kind == 'marker_missing'
    assert 'No such file or directory' in info.value.msg and 'require_marker=false' in info.value.msg
    assert fake.instances(tmp_path)['n']['state'] == 'Stopped'
    assert ['delete', '--purge', 'n'] not in mutations(tmp_path)


def test_another_labs_marker_is_refused(tmp_path):
    reconcile(tmp_path, state='started', marker='other-lab')
    with pytest.raises(MultipassError) as info:
        reconcile(tmp_path, state='absent')
    assert "it holds 'other-lab'" in info.value.msg


def test_recreate_needs_the_marker_and_then_rebuilds(tmp_path):
    reconcile(tmp_path, state='started', disk='10G')
    result = reconcile(tmp_path, state='started', disk='5G', recreate=True)
    assert result['changed'] and fake.instances(tmp_path)['n']['disk'] == 5 * GIB
    assert [argv[0] for argv in mutations(tmp_path)[-2:]] == ['delete', 'launch']


def test_check_mode_reads_the_marker_and_changes_nothing(tmp_path):
    reconcile(tmp_path, state='started')
    before = len(mutations(tmp_path))
    result = reconcile(tmp_path, check_mode=True, state='absent', purge=True)
    assert result['changed'] and result['commands'] == ['multipass delete --purge n']
    assert result['warnings'] == []
    assert len(mutations(tmp_path)) == before and 'n' in fake.instances(tmp_path)
    with pytest.raises(MultipassError):
        reconcile(tmp_path, check_mode=True, state='absent', marker='other-lab')


@pytest.mark.parametrize('version, commands', [
    ('1.13.1', [['stop', 'n']]),
    ('1.14.0', [['start', 'n'], ['stop', 'n']]),
    ('1.16.3', [['start', 'n'], ['stop', 'n']]),
    ('main', [['start', 'n'], ['stop', 'n']])])
def test_suspended_vm_is_resumed_then_stopped_from_1_14(tmp_path, version, commands):
    """From 1.14 a plain stop of a Suspended VM is refused and --force would cut the power."""
    fake.seed_instance(tmp_path, 'n', state='Suspended')
    result = reconcile(tmp_path, version=version, state='stopped')
    assert mutations(tmp_path) == commands
    assert fake.instances(tmp_path)['n']['state'] == 'Stopped' and result['changed']


def test_booting_vm_is_waited_for_before_stopping(tmp_path):
    fake.seed_instance(tmp_path, 'n', state='Starting', boot_calls=3)
    reconcile(tmp_path, state='stopped')
    assert mutations(tmp_path) == [['stop', 'n']]
    assert fake.instances(tmp_path)['n']['state'] == 'Stopped'


@pytest.mark.parametrize('version, memory, accepted', [('1.16.3', '256M', True), ('main', '256M', False)])
def test_minimum_memory_follows_the_release(tmp_path, version, memory, accepted):
    if accepted:
        reconcile(tmp_path, version=version, memory=memory)
        assert fake.instances(tmp_path)['n']['memory'] == 256 * MIB
        return
    with pytest.raises(MultipassError) as info:
        reconcile(tmp_path, version=version, memory=memory)
    assert info.value.kind == 'invalid' and 'minimum of 512M' in info.value.msg
    assert mutations(tmp_path) == []


def test_launch_timeout_needs_1_7(tmp_path):
    with pytest.raises(MultipassError) as info:
        reconcile(tmp_path, version='1.6.0', timeout=600)
    assert info.value.kind == 'unsupported' and mutations(tmp_path) == []


def test_recreate_refuses_what_the_release_cannot_launch_before_deleting(tmp_path):
    fake.seed_instance(tmp_path, 'n', disk='10G', user_data=render_cloud_init(None, MARKER))
    with pytest.raises(MultipassError) as info:
        reconcile(tmp_path, version='1.6.0', disk='5G', timeout=600, recreate=True)
    assert info.value.kind == 'unsupported'
    assert mutations(tmp_path) == [] and fake.instances(tmp_path)['n']['disk'] == 10 * GIB
