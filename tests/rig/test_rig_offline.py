"""Offline tests of the rig's pure parts (no root, no guests): `python3 -m pytest tests/rig`.

What runs real guests is `scripts/rig.sh all` (make rig); these only pin what the rig writes and parses.
"""
import os
import subprocess
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check  # noqa: E402
import cli  # noqa: E402
import riglib  # noqa: E402
import sample_user_data  # noqa: E402


def test_user_data_round_trip_drops_comments_and_keeps_data(tmp_path):
    source = tmp_path / "ud.yaml"
    text = sample_user_data.user_data("node1", "198.19.0.2", "default", "ssh-ed25519 AAAA test")
    source.write_text(text)
    written = cli.user_data(str(source))
    assert written.startswith("#cloud-config\n")
    assert "# rig sample" not in written
    assert yaml.safe_load(written) == yaml.safe_load(text)


def test_user_data_without_cloud_init_is_an_empty_map():
    assert yaml.safe_load(cli.user_data(None)) == {}


def test_user_data_that_is_not_a_map_is_refused(tmp_path):
    source = tmp_path / "ud.yaml"
    source.write_text("- a\n- b\n")
    with pytest.raises(cli.CliError) as error:
        cli.user_data(str(source))
    assert error.value.rc == 1


def test_network_config_is_multipass_shaped():
    config = yaml.safe_load(cli.network_config("52:54:00:aa:bb:cc"))
    assert config == {"version": 2, "ethernets": {"default": {
        "match": {"macaddress": "52:54:00:aa:bb:cc"}, "dhcp4": True, "dhcp-identifier": "mac"}}}


@pytest.mark.parametrize("netdef, match", [("default", None), ("lab", {"name": "ens3"})])
def test_sample_netplan_file_uses_the_netdef_asked_for(netdef, match):
    data = yaml.safe_load(sample_user_data.user_data("host1", "198.19.15.254", netdef, "k"))
    netplan = yaml.safe_load(next(f["content"] for f in data["write_files"] if f["path"].startswith("/etc/netplan")))
    entry = netplan["network"]["ethernets"][netdef]
    assert entry["addresses"] == ["198.19.15.254/20"]
    assert entry.get("match") == match


def test_nic_addresses_reads_ip_br_addr():
    text = ("lo               UNKNOWN        127.0.0.1/8 ::1/128\n"
            "ens3@if5         UP             198.18.0.11/24 198.19.0.2/20 fe80::1/64\n")
    assert [str(ip) for ip in check.nic_addresses(text)] == ["198.18.0.11", "198.19.0.2"]
    assert check.nic_addresses("lo UNKNOWN 127.0.0.1/8\n") == []


def test_guest_path_follows_absolute_links_inside_the_guest(tmp_path, monkeypatch):
    root = tmp_path / "merged"
    (root / "var/lib/cloud/instances/vm1").mkdir(parents=True)
    (root / "var/lib/cloud/instances/vm1/boot-finished").write_text("")
    os.symlink("/var/lib/cloud/instances/vm1", str(root / "var/lib/cloud/instance"))
    monkeypatch.setattr(riglib, "root_dir", lambda vm: str(root))
    assert riglib.guest_path({}, "/var/lib/cloud/instance/boot-finished") == \
        str(root / "var/lib/cloud/instances/vm1/boot-finished")
    assert riglib.boot_finished({})


@pytest.mark.parametrize("text, size", [("512M", 512 * 1024 ** 2), ("1.5G", 1536 * 1024 ** 2), ("2GiB", 2 << 30),
                                        ("1T", None), ("x", None)])
def test_sizes_take_k_m_g_only(text, size):
    assert cli.size_in_bytes(text) == size


def run_cli(tmp_path, *args):
    env = dict(os.environ, RIG_DIR=str(tmp_path / "rig"), RIG_NAME="ccol1-rig-offline-test")
    return subprocess.run([os.path.join(HERE, "multipass")] + list(args), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL, check=False)


def test_without_a_rig_the_daemon_is_unreachable(tmp_path):
    result = run_cli(tmp_path, "list", "--format", "json")
    assert result.returncode == 2
    assert result.stderr.startswith("list failed: cannot connect to the multipass socket")
    version = run_cli(tmp_path, "version")
    assert version.returncode == 0 and version.stdout.split() == ["multipass", "1.16.3"]


@pytest.mark.parametrize("args, message", [
    (["launch", "-n", "a", "--cpus", "0"], "invalid CPU count"),
    (["launch", "-n", "a", "--timeout", "0"], "--timeout value has to be a positive integer"),
    (["launch", "-n", "a", "--bogus"], "Unknown option 'bogus'"),
    (["exec", "a"], "Wrong number of arguments"),
])
def test_command_line_errors_are_rc_1_before_the_daemon(tmp_path, args, message):
    result = run_cli(tmp_path, *args)
    assert result.returncode == 1
    assert message in result.stderr
