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
import standins  # noqa: E402
import wheels  # noqa: E402


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


# Shaped as BIRD 2.0's `birdc show protocols` prints them (name, proto, table, state, since, info); the rig's own
# run keeps the real output in lab-report/rig.json.
BIRDC_OUTPUT = """BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     18:20:01.123
kernel1    Kernel     master4    up     18:20:01.123
control    BGP        ---        start  18:20:01.123  Active        Socket: Connection refused
node1      BGP        ---        up     18:20:03.456  Established
node2      BGP        ---        up     18:20:03.789  Established
"""


def test_bgp_sessions_reads_the_bgp_lines_of_birdc():
    assert check.bgp_sessions(BIRDC_OUTPUT) == {"control": "Active", "node1": "Established", "node2": "Established"}
    assert check.bgp_sessions("BIRD 2.0.12 ready.\n") == {}


# `ip route` as iproute2 prints a single-path and a multipath route installed by BIRD (proto bird, metric 32).
IP_ROUTE_OUTPUT = """default via 198.18.0.1 dev ens3 proto dhcp src 198.18.0.14 metric 1024
198.18.0.0/24 dev ens3 proto kernel scope link src 198.18.0.14
198.19.0.0/20 dev ens3 proto kernel scope link src 198.19.15.254
198.19.24.0/29 via 198.19.0.2 dev ens3 proto bird metric 32
198.19.32.0/20 proto bird metric 32
\tnexthop via 198.19.0.3 dev ens3 weight 1
\tnexthop via 198.19.0.2 dev ens3 weight 1
198.19.99.1 via 198.19.0.2 dev ens3 proto static
"""


def test_kernel_routes_keeps_bird_routes_with_every_next_hop():
    assert check.kernel_routes(IP_ROUTE_OUTPUT) == {
        "198.19.24.0/29": ["198.19.0.2"], "198.19.32.0/20": ["198.19.0.2", "198.19.0.3"]}
    assert check.kernel_routes(IP_ROUTE_OUTPUT, proto="static") == {"198.19.99.1/32": ["198.19.0.2"]}


def test_play_recap_counts_per_host():
    log = ("TASK [x] ***\nok: [host1]\n\nPLAY RECAP *********\n"
           "host1                      : ok=12   changed=0    unreachable=0    failed=0    skipped=3    rescued=0    ignored=0   \n"
           "localhost                  : ok=3    changed=2    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0   \n")
    recap = check.play_recap(log)
    assert recap["host1"]["changed"] == 0 and recap["host1"]["ok"] == 12
    assert recap["localhost"]["failed"] == 1
    assert check.second_run_changed({"output": log}) == 2
    assert check.second_run_changed({"output": "no recap: the run died"}) is None


def test_expected_routes_follow_the_course_import_rules():
    routes = standins.expected_routes()
    # the default pool's blocks and a single external IP are announced but never imported
    assert not [prefix for prefix in routes if prefix.startswith("198.19.16.") or prefix.endswith("/32")]
    assert routes["198.19.32.0/20"] == ["198.19.0.2", "198.19.0.3"]
    assert routes["198.19.48.0/20"] == ["198.19.0.2", "198.19.0.3"]
    assert routes["198.19.24.0/29"] == ["198.19.0.2"] and routes["198.19.24.8/29"] == ["198.19.0.3"]


def test_served_stand_ins_match_their_checksum_files(tmp_path):
    import hashlib
    standins.files(str(tmp_path))
    kubectl_version, calicoctl_version = standins.profile_versions()
    kubectl = tmp_path / "files/kubectl" / kubectl_version / "bin/linux/amd64/kubectl"
    assert (kubectl.parent / "kubectl.sha256").read_text() == hashlib.sha256(kubectl.read_bytes()).hexdigest()
    release = tmp_path / "files/calico" / calicoctl_version
    sums = dict(reversed(line.split()) for line in (release / "SHA256SUMS").read_text().splitlines())
    assert sums["calicoctl-linux-amd64"] == hashlib.sha256((release / "calicoctl-linux-amd64").read_bytes()).hexdigest()
    out = subprocess.run([str(kubectl), "version", "--client"], stdout=subprocess.PIPE, text=True, check=True).stdout
    assert "Client Version: " + kubectl_version in out


def test_wheel_tag_compresses_the_wheel_file_tags():
    class Dist:
        def __init__(self, text):
            self.text = text

        def read_text(self, name):
            return self.text
    assert wheels.wheel_tag(Dist("Wheel-Version: 1.0\nTag: py3-none-any\n")) == "py3-none-any"
    assert wheels.wheel_tag(Dist("Tag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux2014_x86_64\n")) \
        == "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"


def test_play_recap_reads_the_last_recap_which_counts_the_whole_run():
    log = ("PLAY RECAP ***\nhost1                      : ok=25   changed=9    unreachable=0    failed=0    skipped=4\n\n"
           "PLAY [BGP router on host1] ***\n\nTASK [x] ***\nok: [host1]\n\n"
           "PLAY RECAP ***\nhost1                      : ok=35   changed=10   unreachable=0    failed=1    skipped=7\n")
    # ansible-playbook a.yml b.yml: the second recap repeats the first one's counts plus its own (seen in the rig)
    assert check.play_recap(log) == {"host1": {"ok": 35, "changed": 10, "unreachable": 0, "failed": 1, "skipped": 7}}
