"""Unit tests of roles/lab_vms/files/calicolab-lab-address, the script the lab VMs' cloud-init runs to add the
lab address under the NIC's own netplan netdef ID.

The netplan shapes follow shared/reference/lab-roles-facts.md section 5 (Multipass v1.16.3: netdef `default`,
match.macaddress, no set-name; Multipass main: `eth0` with set-name; cloud-init's fallback: the interface name).
What `netplan generate` makes of the result is checked with the real tool in
tests/integration/targets/role_lab_vms/netplan_check.py.
"""
import importlib.machinery
import importlib.util
import os
import stat

import pytest
import yaml

SCRIPT = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'lab_vms', 'files',
                      'calicolab-lab-address')
MAC = '52:54:00:ab:cd:ef'


def load_script():
    loader = importlib.machinery.SourceFileLoader('calicolab_lab_address', os.path.abspath(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


lab_address = load_script()


def netplan_root(tmp_path, ethernets, name='50-cloud-init.yaml'):
    folder = tmp_path / 'etc' / 'netplan'
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(yaml.safe_dump({'network': {'version': 2, 'ethernets': ethernets}}))
    return tmp_path


@pytest.mark.parametrize('netdef_id, netdef', [
    ('default', {'match': {'macaddress': MAC}, 'dhcp4': True, 'dhcp-identifier': 'mac'}),
    ('eth0', {'match': {'macaddress': MAC}, 'set-name': 'eth0', 'dhcp4': True}),
    ('ens3', {'match': {'macaddress': MAC}, 'set-name': 'ens3', 'dhcp4': True}),
    ('default', {'match': {'macaddress': MAC.upper()}, 'dhcp4': True}),
    ('nic', {'match': {'name': 'ens3'}, 'dhcp4': True}),
    ('ens3', {'dhcp4': True}),
], ids=['multipass-1.16', 'multipass-main', 'cloud-init-fallback', 'mac-upper-case', 'match-name', 'bare-name'])
def test_finds_the_netdef_that_describes_the_nic(tmp_path, netdef_id, netdef):
    root = netplan_root(tmp_path, {'other': {'match': {'macaddress': '52:54:00:00:00:01'}}, netdef_id: netdef})
    assert lab_address.find_netdef_id(lab_address.netplan_sources(str(root)), 'ens3', MAC) == netdef_id


def test_no_netdef_for_the_nic_is_an_error_naming_it(tmp_path):
    root = netplan_root(tmp_path, {'default': {'match': {'macaddress': '52:54:00:00:00:01'}, 'dhcp4': True}})
    with pytest.raises(SystemExit, match='describes ens3 .52:54:00:ab:cd:ef.'):
        lab_address.find_netdef_id(lab_address.netplan_sources(str(root)), 'ens3', MAC)


def test_cloud_init_file_is_read_first_and_our_own_file_never(tmp_path):
    root = netplan_root(tmp_path, {'default': {'match': {'macaddress': MAC}}})
    netplan_root(tmp_path, {'wrong': {'match': {'macaddress': MAC}}}, name='00-earlier.yaml')
    netplan_root(tmp_path, {'ours': {'match': {'macaddress': MAC}}}, name='60-calicolab-lab.yaml')
    sources = [os.path.basename(path) for path in lab_address.netplan_sources(str(root))]
    assert sources == ['50-cloud-init.yaml', '00-earlier.yaml']


def test_writes_the_address_under_the_id_once_and_private(tmp_path, capsys):
    root = netplan_root(tmp_path, {'default': {'match': {'macaddress': MAC}, 'dhcp4': True}})
    argv = ['--address', '198.19.0.2/20', '--root', str(root), '--interface', 'ens3', '--mac', MAC, '--no-apply']
    assert lab_address.main(argv) == 0
    written = root / 'etc' / 'netplan' / '60-calicolab-lab.yaml'
    assert yaml.safe_load(written.read_text()) == {
        'network': {'version': 2, 'ethernets': {'default': {'addresses': ['198.19.0.2/20']}}}}
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert 'written' in capsys.readouterr().out
    assert lab_address.main(argv) == 0
    assert 'unchanged' in capsys.readouterr().out


def test_an_address_without_prefix_is_refused(tmp_path):
    root = netplan_root(tmp_path, {'default': {'match': {'macaddress': MAC}}})
    with pytest.raises(SystemExit, match='needs a prefix length'):
        lab_address.main(['--address', '198.19.0.2', '--root', str(root), '--interface', 'ens3', '--mac', MAC])
    assert not (root / 'etc' / 'netplan' / '60-calicolab-lab.yaml').exists()


def test_default_route_interface_from_proc_net_route(tmp_path):
    (tmp_path / 'proc' / 'net').mkdir(parents=True)
    (tmp_path / 'proc' / 'net' / 'route').write_text(
        'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n'
        'ens3\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n'
        'ens3\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n')
    assert lab_address.default_route_interface(str(tmp_path)) == 'ens3'
