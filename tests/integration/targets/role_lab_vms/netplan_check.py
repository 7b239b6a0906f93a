"""The lab address script that lab_vms' user data carries, run against netplan files shaped like Multipass's
and checked by the real `netplan generate` (Debian's netplan.io) into a temporary root.

Usage: python netplan_check.py USER_DATA_FILE ADDRESS/PREFIX

USER_DATA_FILE is user data as a VM receives it (after Multipass's round trip). The script
/usr/local/sbin/calicolab-lab-address is taken from its write_files and run with --root, --interface, --mac and
--no-apply. The 50-cloud-init.yaml shapes come from lab-roles-facts.md section 5: Multipass v1.16.3 writes the
netdef `default` (match.macaddress, dhcp4, dhcp-identifier mac, no set-name); Multipass main writes `eth0` with
set-name; cloud-init's fallback names the netdef after the interface, with set-name.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

MAC = '52:54:00:4f:9a:01'
IFACE = 'ens3'
SCRIPT = '/usr/local/sbin/calicolab-lab-address'
ROOTS = []


def multipass_shape(netdef_id):
    netdef = {'match': {'macaddress': MAC}, 'dhcp4': True}
    if netdef_id == 'default':
        netdef['dhcp-identifier'] = 'mac'
    else:
        netdef['set-name'] = netdef_id
    return {'network': {'version': 2, 'ethernets': {netdef_id: netdef}}}


SHAPES = {'multipass-1.16': 'default', 'multipass-main': 'eth0', 'cloud-init-fallback': IFACE}


def script_from(user_data_path):
    with open(user_data_path) as handle:
        data = yaml.safe_load(handle)
    for entry in data.get('write_files') or []:
        if entry.get('path') == SCRIPT:
            return entry['content']
    raise AssertionError('%s has no write_files entry for %s' % (user_data_path, SCRIPT))


def make_root(shape):
    root = tempfile.mkdtemp(prefix='lab-netplan-')
    ROOTS.append(root)
    os.makedirs(os.path.join(root, 'etc/netplan'))
    write_netplan(root, '50-cloud-init.yaml', shape)
    return root


def write_netplan(root, name, document):
    path = os.path.join(root, 'etc/netplan', name)
    with open(path, 'w') as handle:
        yaml.safe_dump(document, handle)
    os.chmod(path, 0o600)


def run_script(script_path, root, address):
    return subprocess.run([sys.executable, script_path, '--address', address, '--root', root, '--interface', IFACE,
                           '--mac', MAC, '--no-apply'], check=False, capture_output=True, text=True, timeout=60)


def generate(root):
    done = subprocess.run(['netplan', 'generate', '--root-dir', root], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, 'netplan generate failed: %s %s' % (done.stdout, done.stderr)
    files = {}
    for path in glob.glob(os.path.join(root, 'run/systemd/network/*.network')):
        with open(path) as handle:
            files[os.path.basename(path)] = handle.read()
    return files


def files_matching_mac(files):
    return {name: text for name, text in files.items() if ('MACAddress=%s' % MAC) in text}


def check_merged(script_path, label, netdef_id, address):
    root = make_root(multipass_shape(netdef_id))
    done = run_script(script_path, root, address)
    assert done.returncode == 0, '%s: script failed: %s' % (label, done.stderr)
    with open(os.path.join(root, 'etc/netplan/60-calicolab-lab.yaml')) as handle:
        written = yaml.safe_load(handle)
    assert list(written['network']['ethernets']) == [netdef_id], '%s: wrote %r' % (label, written)
    files = files_matching_mac(generate(root))
    assert list(files) == ['10-netplan-%s.network' % netdef_id], '%s: NIC files %s' % (label, sorted(files))
    text = files['10-netplan-%s.network' % netdef_id]
    assert 'Address=%s' % address in text, '%s: no lab address in the NIC file:\n%s' % (label, text)
    assert 'DHCP=ipv4' in text, '%s: the NIC lost DHCP:\n%s' % (label, text)
    again = run_script(script_path, root, address)
    assert again.returncode == 0 and 'unchanged' in again.stdout, '%s: second run: %s' % (label, again.stdout)
    print('ok %s: netdef %s carries %s and DHCP in one networkd file' % (label, netdef_id, address))


def check_trap(address):
    """A second netdef ID for the same MAC: netplan accepts it, but the address lands in another networkd file."""
    root = make_root(multipass_shape('default'))
    write_netplan(root, '60-lab-wrong-id.yaml',
                  {'network': {'version': 2, 'ethernets': {'lab': {'match': {'macaddress': MAC},
                                                                   'addresses': [address]}}}})
    files = files_matching_mac(generate(root))
    assert sorted(files) == ['10-netplan-default.network', '10-netplan-lab.network'], sorted(files)
    assert 'Address=%s' % address not in files['10-netplan-default.network']
    assert 'Address=%s' % address in files['10-netplan-lab.network']
    # systemd.network(5): of several files matching one link, only the first in lexical order applies.
    assert sorted(files)[0] == '10-netplan-default.network'
    print('ok trap: a second netdef for the same MAC passes netplan, but its address is in %s, which networkd '
          'never applies (10-netplan-default.network comes first)' % '10-netplan-lab.network')


def check_no_netdef(script_path, address):
    other_nic = {'match': {'macaddress': '52:54:00:00:00:99'}, 'dhcp4': True}
    root = make_root({'network': {'version': 2, 'ethernets': {'other': other_nic}}})
    done = run_script(script_path, root, address)
    assert done.returncode != 0 and 'no netplan ethernet' in (done.stderr + done.stdout), done
    assert not os.path.exists(os.path.join(root, 'etc/netplan/60-calicolab-lab.yaml'))
    print('ok: no netdef for the NIC fails loudly and writes nothing')


def main(user_data_path, address):
    handle, script_path = tempfile.mkstemp(prefix='calicolab-lab-address-')
    with os.fdopen(handle, 'w') as out:
        out.write(script_from(user_data_path))
    try:
        for label, netdef_id in SHAPES.items():
            check_merged(script_path, label, netdef_id, address)
        check_trap(address)
        check_no_netdef(script_path, address)
    finally:
        os.unlink(script_path)
        for root in ROOTS:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
