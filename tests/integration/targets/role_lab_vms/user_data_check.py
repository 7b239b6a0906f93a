"""Every user data the fake multipass captured, after the round trip real Multipass applies, checked by the real
`cloud-init schema` and for what the lab needs.

Usage: python user_data_check.py STATE_DIR OUT_DIR PROFILE

Real Multipass (src/daemon/daemon.cpp, v1.16.3) loads the user data as YAML and emits it again, so comments are
dropped and the document is re-serialised under a `#cloud-config` line: reproduced here with PyYAML load + dump.
"""
import os
import subprocess
import sys

import yaml

VMS = {'control': '198.19.0.1', 'node1': '198.19.0.2', 'node2': '198.19.0.3', 'host1': '198.19.15.254'}
BIRD = {'current': 'bird2', 'course': 'bird'}
MARKER = {'path': '/etc/calicolab/lab-marker', 'content': 'calicolab.ccol1\n'}


def round_trip(text):
    return '#cloud-config\n' + yaml.safe_dump(yaml.safe_load(text), default_flow_style=False)


def schema_check(path):
    done = subprocess.run(['cloud-init', 'schema', '--config-file', path], check=False, capture_output=True, text=True,
                          timeout=120)
    return done.returncode, (done.stdout + done.stderr).strip()


def check_vm(name, data, profile):
    problems = []
    files = {entry['path']: entry for entry in data.get('write_files', [])}
    marker = files.get(MARKER['path'], {})
    # cloud-init's default mode (0644) applies: a `permissions` value would lose its quotes in Multipass
    if any(marker.get(key) != value for key, value in MARKER.items()) or 'permissions' in marker:
        problems.append('marker file entry is %r' % marker)
    packages = data.get('packages', [])
    wanted = {'curl', 'netcat-openbsd', 'tcpdump'} | ({'vsftpd'} if name == 'control' else set()) \
        | ({BIRD[profile]} if name == 'host1' else set())
    if not wanted <= set(packages):
        problems.append('packages %s lack %s' % (packages, sorted(wanted - set(packages))))
    if name != 'host1' and {'bird', 'bird2'} & set(packages):
        problems.append('%s should not get BIRD' % name)
    runcmd = [' '.join(step) if isinstance(step, list) else step for step in data.get('runcmd', [])]
    if not any('calicolab-lab-address' in step and '%s/20' % VMS[name] in step for step in runcmd):
        problems.append('runcmd %s does not add %s/20' % (runcmd, VMS[name]))
    hosts = files.get('/etc/cloud/templates/hosts.debian.tmpl', {})
    for vm, address in VMS.items():
        if '%s %s\n' % (address, vm) not in hosts.get('content', ''):
            problems.append('hosts entry for %s missing' % vm)
    if 'reboot' in repr(data.get('power_state', '')):
        problems.append('the user data reboots the VM')
    if not data.get('ssh_authorized_keys') or 'ed25519_private' not in data.get('ssh_keys', {}):
        problems.append('no lab key or host key')
    return problems


def main(state_dir, out_dir, profile):
    canary = os.path.join(out_dir, 'canary-invalid.yaml')
    with open(canary, 'w') as handle:
        handle.write('#cloud-config\npackages: 5\n')
    rc, output = schema_check(canary)
    assert rc != 0, 'cloud-init schema accepted an invalid document, so it proves nothing: %s' % output
    failures = []
    for name in VMS:
        with open(os.path.join(state_dir, 'cloud-init', '%s.yaml' % name)) as handle:
            delivered = round_trip(handle.read())
        path = os.path.join(out_dir, '%s-%s.yaml' % (profile, name))
        with open(path, 'w') as handle:
            handle.write(delivered)
        os.chmod(path, 0o600)
        rc, output = schema_check(path)
        if rc != 0:
            failures.append('%s: cloud-init schema rc %d: %s' % (name, rc, output))
        problems = check_vm(name, yaml.safe_load(delivered), profile)
        failures.extend('%s: %s' % (name, problem) for problem in problems)
        verdict = 'ok' if rc == 0 and not problems else 'FAIL'
        print('%s %s/%s: cloud-init schema rc %d, %d problems' % (verdict, profile, name, rc, len(problems)))
    assert not failures, '\n'.join(failures)


if __name__ == '__main__':
    main(*sys.argv[1:4])
