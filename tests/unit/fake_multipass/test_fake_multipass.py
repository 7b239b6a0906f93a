"""The fake `multipass` executable behaves like the real CLI (reference facts, section 2), run as a program."""
import json
import subprocess

import pytest
import yaml

from ansible_collections.calicolab.ccol1.tests import fake_multipass as fake


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state"


def run(state, *args, version=None, stdin=None, daemon_down=False):
    env = fake.environment(state, version=version, daemon_down=daemon_down)
    return subprocess.run([fake.EXECUTABLE] + list(args), input=stdin, capture_output=True,
                          text=True, env=env, timeout=30, check=False)


def run_json(state, *args, version=None):
    result = run(state, *args, version=version)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def info_of(state, name, version=None, *extra):
    return run_json(state, "info", name, "--format", "json", *extra, version=version)["info"][name]


# ---------------------------------------------------------------- version

@pytest.mark.parametrize("version", ["1.5.0", "1.10.1", "1.16.3"])
def test_version_table_and_json(state, version):
    table = run(state, "version", version=version)
    assert table.returncode == 0
    assert table.stdout.splitlines() == ["multipass   " + version, "multipassd  " + version]
    assert run_json(state, "version", "--format", "json", version=version) == \
        {"multipass": version, "multipassd": version}


def test_version_on_main_looks_like_a_dev_build(state):
    assert run_json(state, "version", "--format", "json", version="main")["multipass"].startswith("1.17.0-dev")


def test_version_with_daemon_down_prints_client_only(state):
    result = run(state, "version", daemon_down=True)
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["multipass   1.16.3"]


# ---------------------------------------------------------------- launch, list, info

def test_launch_then_list_json(state):
    result = run(state, "launch", "22.04", "-n", "node1", "-c", "2", "-m", "2G", "-d", "10G")
    assert (result.returncode, result.stdout) == (0, "Launched: node1\n")
    assert run_json(state, "list", "--format", "json") == {"list": [
        {"name": "node1", "state": "Running", "ipv4": ["10.92.11.10"], "release": "Ubuntu 22.04 LTS"}]}


def test_addresses_are_deterministic_in_launch_order(state):
    for name in ("control", "node1", "node2", "host1"):
        assert run(state, "launch", "-n", name).returncode == 0
    ips = {e["name"]: e["ipv4"] for e in run_json(state, "list", "--format", "json")["list"]}
    assert ips == {"control": ["10.92.11.10"], "node1": ["10.92.11.11"], "node2": ["10.92.11.12"],
                   "host1": ["10.92.11.13"]}


def test_info_json_types_when_running(state):
    run(state, "launch", "jammy", "-n", "vm", "-c", "2", "-m", "2G", "-d", "10G")
    info = info_of(state, "vm")
    assert info["state"] == "Running"
    assert info["cpu_count"] == "2"
    assert isinstance(info["memory"]["total"], int) and isinstance(info["memory"]["used"], int)
    assert 0.9 * 2 * 1024 ** 3 < info["memory"]["total"] < 2 * 1024 ** 3
    assert isinstance(info["disks"]["sda1"]["total"], str) and isinstance(info["disks"]["sda1"]["used"], str)
    assert int(info["disks"]["sda1"]["total"]) < 10 * 1024 ** 3
    assert info["image_release"] == "22.04 LTS" and info["release"].startswith("Ubuntu 22.04")
    assert len(info["image_hash"]) == 64
    assert all(isinstance(value, float) for value in info["load"]) and len(info["load"]) == 3
    assert info["ipv4"] == ["10.92.11.10"] and info["mounts"] == {}
    assert info["snapshot_count"] == "0"


@pytest.mark.parametrize("version, has_cpu_count, has_snapshot_count", [
    ("1.5.0", False, False), ("1.10.1", False, False), ("1.11.0", True, False), ("1.13.1", True, True),
    ("1.16.3", True, True), ("main", True, True)])
def test_info_fields_by_version(state, version, has_cpu_count, has_snapshot_count):
    run(state, "launch", "-n", "vm", version=version)
    info = info_of(state, "vm", version)
    assert ("cpu_count" in info) == has_cpu_count
    assert ("snapshot_count" in info) == has_snapshot_count


def test_runtime_fields_are_empty_when_stopped(state):
    run(state, "launch", "-n", "vm", "-c", "2")
    assert run(state, "stop", "vm").returncode == 0
    info = info_of(state, "vm")
    assert info["state"] == "Stopped"
    assert (info["cpu_count"], info["release"], info["load"], info["ipv4"], info["memory"], info["disks"]) == \
        ("", "", [], [], {}, {"sda1": {}})
    assert info["image_release"] == "24.04 LTS"


def test_no_runtime_information_from_1_10(state):
    run(state, "launch", "-n", "vm")
    info = info_of(state, "vm", None, "--no-runtime-information")
    assert info["state"] == "Running" and info["ipv4"] == [] and info["memory"] == {}
    old = run(state, "info", "vm", "--no-runtime-information", version="1.9.0")
    assert old.returncode == 1 and "Unknown option 'no-runtime-information'" in old.stderr


def test_info_all_includes_deleted(state):
    run(state, "launch", "-n", "a")
    run(state, "launch", "-n", "b")
    run(state, "delete", "b")
    info = run_json(state, "info", "--all", "--format", "json", version="1.12.0")["info"]
    assert {name: vm["state"] for name, vm in info.items()} == {"a": "Running", "b": "Deleted"}
    old = run_json(state, "info", "--all", "--format", "json", version="1.11.0")["info"]
    assert sorted(old) == ["a"]
    assert info_of(state, "b", "1.11.0")["state"] == "Deleted"


@pytest.mark.parametrize("version, all_rc, warns, no_names_rc", [
    ("1.12.0", 0, False, 1), ("1.13.0", 0, True, 0), ("1.16.3", 0, True, 0), ("main", 1, False, 0)])
def test_info_forms_by_version(state, version, all_rc, warns, no_names_rc):
    run(state, "launch", "-n", "a")
    with_all = run(state, "info", "--all", "--format", "json", version=version)
    assert with_all.returncode == all_rc
    assert ("`--all` flag for the `info` command is deprecated" in with_all.stderr) == warns
    if all_rc:
        assert "Unknown option 'all'" in with_all.stderr
    no_names = run(state, "info", "--format", "json", version=version)
    assert no_names.returncode == no_names_rc
    if no_names_rc == 0:
        assert sorted(json.loads(no_names.stdout)["info"]) == ["a"]


def test_zone_in_list_on_main_only(state):
    run(state, "launch", "-n", "vm")
    assert "zone" not in run_json(state, "list", "--format", "json")["list"][0]
    assert run_json(state, "list", "--format", "json", version="main")["list"][0]["zone"] == \
        {"name": "zone1", "available": True}


def test_zone_option_on_main_only(state):
    assert run(state, "launch", "-n", "vm", "--zone", "zone2", version="main").returncode == 0
    assert run_json(state, "list", "--format", "json", version="main")["list"][0]["zone"]["name"] == "zone2"
    assert run(state, "launch", "-n", "old", "--zone", "zone2").returncode == 1


def test_list_table(state):
    assert run(state, "list").stdout == "No instances found.\n"
    run(state, "launch", "-n", "vm")
    lines = run(state, "ls").stdout.splitlines()
    assert lines[0].split() == ["Name", "State", "IPv4", "Image"]
    assert lines[1].split() == ["vm", "Running", "10.92.11.10", "Ubuntu", "24.04", "LTS"]


@pytest.mark.parametrize("image, release", [
    ("", "24.04 LTS"), ("lts", "24.04 LTS"), ("noble", "24.04 LTS"), ("24.04", "24.04 LTS"),
    ("jammy", "22.04 LTS"), ("22.04", "22.04 LTS"), ("focal", "20.04 LTS"), ("20.04", "20.04 LTS"),
    ("daily:noble", "24.04 LTS"), ("release:22.04", "22.04 LTS")])
def test_image_aliases(state, image, release):
    args = ["launch", "-n", "vm"] + ([image] if image else [])
    assert run(state, *args).returncode == 0
    assert info_of(state, "vm")["image_release"] == release


def test_unknown_image(state):
    result = run(state, "launch", "hirsute-ish", "-n", "vm")
    assert result.returncode == 2
    assert result.stderr == 'launch failed: Unable to find an image matching "hirsute-ish" in remote "release".\n'
    assert fake.instances(state) == {}


@pytest.mark.parametrize("name", ["1vm", "vm_1", "vm.1", "-vm", "vm-"])
def test_invalid_names(state, name):
    result = run(state, "launch", "-n", name)
    assert result.returncode == 2
    assert result.stderr == "launch failed: Invalid arguments supplied\nInvalid instance name supplied: %s\n" % name


@pytest.mark.parametrize("version, args, detail", [
    ("1.16.3", ["-m", "127M"], "Invalid memory size value supplied: 127M."),
    ("1.5.0", ["-d", "511M"], "Invalid disk size value supplied: 511M."),
    ("main", ["-m", "256M"], "Invalid memory size value supplied: 256M."),
    ("main", ["-d", "512M"], "Invalid disk size value supplied: 512M.")])
def test_minimum_sizes(state, version, args, detail):
    result = run(state, "launch", "-n", "vm", *args, version=version)
    assert result.returncode == 2
    assert result.stderr == "launch failed: Invalid arguments supplied\n%s\n" % detail


@pytest.mark.parametrize("version, memory, disk", [("1.16.3", "128M", "512M"), ("1.5.0", "128M", "512M"),
                                                   ("main", "512M", "1G")])
def test_minimum_sizes_are_accepted(state, version, memory, disk):
    assert run(state, "launch", "-n", "vm", "-m", memory, "-d", disk, version=version).returncode == 0


def test_sizes_know_no_terabytes(state):
    result = run(state, "launch", "-n", "vm", "-d", "1T")
    assert result.returncode == 1 and "vm" not in fake.instances(state)


@pytest.mark.parametrize("version, rc", [("1.6.0", 1), ("1.7.0", 0), ("1.16.3", 0)])
def test_launch_timeout_option_from_1_7(state, version, rc):
    result = run(state, "launch", "-n", "vm", "--timeout", "600", version=version)
    assert result.returncode == rc
    if rc:
        assert "Unknown option 'timeout'" in result.stderr


def test_bad_size_and_cpu_syntax_are_command_line_errors(state):
    assert run(state, "launch", "-n", "vm", "-m", "lots").returncode == 1
    assert run(state, "launch", "-n", "vm", "-c", "0").returncode == 1


def test_duplicate_name_even_when_deleted(state):
    run(state, "launch", "-n", "vm")
    run(state, "delete", "vm")
    result = run(state, "launch", "-n", "vm")
    assert (result.returncode, result.stderr) == (2, 'launch failed: instance "vm" already exists\n')


# ---------------------------------------------------------------- --mem / --memory

@pytest.mark.parametrize("version, flag, rc, warns", [
    ("1.5.0", "--mem", 0, False), ("1.10.1", "--mem", 0, False), ("1.5.0", "--memory", 1, False),
    ("1.11.0", "--memory", 0, False), ("1.11.0", "--mem", 0, True), ("1.16.3", "--mem", 0, True),
    ("main", "--mem", 1, False), ("main", "--memory", 0, False),
    ("1.5.0", "-m", 0, False), ("main", "-m", 0, False)])
def test_memory_flags_by_version(state, version, flag, rc, warns):
    result = run(state, "launch", "-n", "vm", flag, "2G", version=version)
    assert result.returncode == rc, result.stderr
    assert ("deprecated" in result.stderr) == warns
    if rc == 1:
        assert "Unknown option '%s'" % flag.lstrip("-") in result.stderr
    else:
        assert fake.instances(state)["vm"]["memory"] == 2 * 1024 ** 3


def test_mem_and_memory_together_fail(state):
    assert run(state, "launch", "-n", "vm", "--mem", "1G", "--memory", "2G").returncode == 1


def test_network_flags_from_1_8(state):
    result = run(state, "launch", "-n", "vm", "--network", "name=eth1,mode=manual", "--bridged")
    assert result.returncode == 0
    assert [n["name"] for n in fake.instances(state)["vm"]["networks"]] == ["bridged", "eth1"]
    assert run(state, "launch", "-n", "old", "--network", "eth1", version="1.7.0").returncode == 1


# ---------------------------------------------------------------- cloud-init

MARKER_USER_DATA = ("#cloud-config\n# lab-marker: calicolab.ccol1\npackages: [jq]\nusers: [{name: lab}]\n"
                    "write_files:\n- path: /etc/calicolab/lab-marker\n  permissions: '0644'\n"
                    "  content: \"calicolab.ccol1\\n\"\n- path: /etc/secret\n  permissions: '0600'\n  content: s3\n")


def test_cloud_init_is_reemitted_without_comments(state):
    """Multipass parses the user data and re-emits it: a comment never reaches the guest."""
    result = run(state, "launch", "-n", "vm", "--cloud-init", "-", stdin=MARKER_USER_DATA)
    assert result.returncode == 0
    assert fake.calls(state)[-1]["stdin_bytes"] == len(MARKER_USER_DATA)
    assert fake.received_cloud_init(state, "vm") == MARKER_USER_DATA
    guest = fake.cloud_init(state, "vm")
    assert guest.startswith("#cloud-config\n")
    assert "lab-marker: calicolab.ccol1" not in guest and "#" not in guest[len("#cloud-config\n"):]
    document = yaml.safe_load(guest)
    assert document["packages"] == ["jq", "pollinate"]
    assert document["users"] == [{"name": "lab"}, "default"]
    # yaml-cpp drops the quotes, so cloud-init reads the permissions as an octal number
    assert document["write_files"][0]["permissions"] == 0o644
    sudo_cat = run(state, "exec", "vm", "--", "sudo", "cat", "/var/lib/cloud/instance/user-data.txt")
    assert sudo_cat.stdout == guest


def test_guest_files_come_from_write_files(state):
    run(state, "launch", "-n", "vm", "--cloud-init", "-", stdin=MARKER_USER_DATA)
    marker = run(state, "exec", "vm", "--", "cat", "/etc/calicolab/lab-marker")
    assert (marker.returncode, marker.stdout) == (0, "calicolab.ccol1\n")
    secret = run(state, "exec", "vm", "--", "cat", "/etc/secret")
    assert (secret.returncode, secret.stderr) == (1, "cat: /etc/secret: Permission denied\n")
    assert run(state, "exec", "vm", "--", "sudo", "cat", "/etc/secret").stdout == "s3"
    user_data = run(state, "exec", "vm", "--", "cat", "/var/lib/cloud/instance/user-data.txt")
    assert user_data.returncode == 1 and "Permission denied" in user_data.stderr
    missing = run(state, "exec", "vm", "--", "cat", "/etc/nothing")
    assert (missing.returncode, missing.stderr) == (1, "cat: /etc/nothing: No such file or directory\n")


def test_seeded_user_data_is_reemitted(state):
    fake.seed_instance(state, "vm", user_data=MARKER_USER_DATA)
    assert run(state, "exec", "vm", "--", "cat", "/etc/calicolab/lab-marker").stdout == "calicolab.ccol1\n"
    assert "# lab-marker" not in fake.cloud_init(state, "vm")


def test_cloud_init_must_parse_and_be_a_mapping(state):
    bad = run(state, "launch", "-n", "vm", "--cloud-init", "-", stdin="#cloud-config\npackages: [jq\n")
    assert bad.returncode == 1 and bad.stderr.startswith("Could not load cloud-init configuration: ")
    script = run(state, "launch", "-n", "vm", "--cloud-init", "-", stdin="#!/bin/sh\necho hi\n")
    assert script.returncode == 2 and "vm" not in fake.instances(state)


def test_cloud_init_from_file(state, tmp_path):
    path = tmp_path / "user-data.yaml"
    path.write_text("#cloud-config\nhostname: vm\n")
    assert run(state, "launch", "-n", "vm", "--cloud-init", str(path)).returncode == 0
    assert yaml.safe_load(fake.cloud_init(state, "vm")) == {"hostname": "vm"}
    missing = run(state, "launch", "-n", "vm2", "--cloud-init", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 1 and "vm2" not in fake.instances(state)


def test_cloud_init_url_from_1_10(state):
    url = "https://example.invalid/user-data"
    assert run(state, "launch", "-n", "vm", "--cloud-init", url).returncode == 0
    assert (state / "cloud-init" / "vm.url").read_text() == url
    assert run(state, "launch", "-n", "old", "--cloud-init", url, version="1.9.0").returncode == 1


# ---------------------------------------------------------------- state machine

def test_state_machine(state):
    run(state, "launch", "-n", "vm")

    def current():
        return info_of(state, "vm")["state"]

    for command, expected in [("stop", "Stopped"), ("start", "Running"), ("suspend", "Suspended"),
                              ("start", "Running"), ("restart", "Running"), ("delete", "Deleted"),
                              ("recover", "Stopped"), ("start", "Running")]:
        assert run(state, command, "vm").returncode == 0
        assert current() == expected, command
    run(state, "delete", "vm")
    assert run(state, "purge").returncode == 0
    assert fake.instances(state) == {}


@pytest.mark.parametrize("version, seeded, rc, message", [
    ("1.13.1", "Suspended", 0, ""),
    ("1.14.0", "Suspended", 2, "stop failed: Cannot stop suspended instance. Use --force to override.\n"),
    ("1.14.0", "Starting", 2, "stop failed: Cannot stop instance while starting. Use --force to override.\n"),
    ("1.15.1", "Suspended", 2, "stop failed: Cannot shut down suspended instance vm.\n"),
    ("1.16.3", "Starting", 2, "stop failed: Cannot shut down instance vm while starting.\n"),
    ("main", "Suspended", 2, "stop failed: Cannot shut down suspended instance vm.\n")])
def test_stop_of_suspended_or_starting_by_version(state, version, seeded, rc, message):
    fake.seed_instance(state, "vm", state=seeded, boot_calls=5)  # a Starting VM stays so for 5 calls
    result = run(state, "stop", "vm", version=version)
    assert (result.returncode, result.stderr) == (rc, message)
    assert fake.instances(state)["vm"]["state"] == ("Stopped" if rc == 0 else seeded)


def test_stop_force_from_1_14(state):
    fake.seed_instance(state, "vm", state="Suspended")
    assert run(state, "stop", "--force", "vm", version="1.13.1").returncode == 1
    assert run(state, "stop", "--force", "vm", version="1.14.0").returncode == 0
    assert fake.instances(state)["vm"]["state"] == "Stopped"


@pytest.mark.parametrize("version, rc, final", [("1.8.0", 2, "Stopped"), ("1.9.0", 0, "Running")])
def test_exec_on_a_stopped_instance(state, version, rc, final):
    fake.seed_instance(state, "vm", state="Stopped")
    result = run(state, "exec", "vm", "--", "true", version=version)
    assert result.returncode == rc
    if rc:
        assert result.stderr == 'exec failed: instance "vm" is not running\n'
    assert fake.instances(state)["vm"]["state"] == final


def test_stop_and_start_all(state):
    for name in ("a", "b"):
        run(state, "launch", "-n", name)
    run(state, "delete", "b")
    assert run(state, "stop", "--all").returncode == 0
    states = {e["name"]: e["state"] for e in run_json(state, "list", "--format", "json")["list"]}
    assert states == {"a": "Stopped", "b": "Deleted"}


def test_delete_purge_removes_at_once(state):
    run(state, "launch", "-n", "vm")
    assert run(state, "delete", "--purge", "vm").returncode == 0
    assert run_json(state, "list", "--format", "json") == {"list": []}


def test_missing_instances_are_reported_together(state):
    run(state, "launch", "-n", "vm")
    result = run(state, "stop", "vm", "ghost1", "ghost2")
    assert result.returncode == 2
    assert result.stderr == ('stop failed: The following errors occurred:\ninstance "ghost1" does not exist\n'
                             'instance "ghost2" does not exist\n')
    assert info_of(state, "vm")["state"] == "Running"


def test_deleted_instance_cannot_start(state):
    run(state, "launch", "-n", "vm")
    run(state, "delete", "vm")
    result = run(state, "start", "vm")
    assert (result.returncode, result.stderr) == \
        (2, 'start failed: The following errors occurred:\ninstance "vm" is deleted\n')


@pytest.mark.parametrize("command", ["info", "delete", "recover", "start", "exec"])
def test_does_not_exist(state, command):
    args = [command, "ghost"] + (["--", "true"] if command == "exec" else [])
    result = run(state, *args)
    assert result.returncode == 2
    assert 'instance "ghost" does not exist' in result.stderr
    assert result.stderr.startswith("%s failed: " % command)


def test_name_or_all_required(state):
    for args in (["delete"], ["recover"]):
        result = run(state, *args)
        assert (result.returncode, result.stderr) == (1, "Name argument or --all is required\n")
    assert run(state, "delete", "vm", "--all").returncode == 1


def test_unknown_option_and_command(state):
    bogus = run(state, "list", "--bogus")
    assert (bogus.returncode, bogus.stderr) == (1, "Unknown option 'bogus'.\n")
    unknown = run(state, "frobnicate")
    assert (unknown.returncode, unknown.stdout) == (1, "Error: Unknown Command 'frobnicate' (try \"multipass help\")\n")
    assert run(state).returncode == 2  # no command: help on stdout, command failure
    assert run(state, "--help").returncode == 0


def test_info_table(state, tmp_path):
    run(state, "launch", "-n", "a", "-m", "2G")
    run(state, "launch", "-n", "b")
    run(state, "stop", "b")
    run(state, "mount", str(tmp_path), "a:/srv")
    blocks = run(state, "info", "a", "b").stdout.split("\n\n")
    first = dict(line.split(":", 1) for line in blocks[0].splitlines())
    assert first["State"].strip() == "Running" and first["IPv4"].strip() == "10.92.11.10"
    assert first["Memory usage"].strip().endswith("out of 1.9GiB")
    assert first["Mounts"].strip() == "%s => /srv" % tmp_path
    second = dict(line.split(":", 1) for line in blocks[1].splitlines())
    assert {key: second[key].strip() for key in ("State", "IPv4", "CPU(s)", "Disk usage")} == \
        {"State": "Stopped", "IPv4": "--", "CPU(s)": "--", "Disk usage": "--"}


# ---------------------------------------------------------------- set / get

def test_set_and_get_when_stopped(state):
    run(state, "launch", "-n", "vm", "-c", "1", "-m", "1G", "-d", "5G")
    assert run(state, "get", "local.vm.memory").stdout == "1.0GiB\n"
    run(state, "stop", "vm")
    for key, value, shown in [("cpus", "2", "2"), ("memory", "2G", "2.0GiB"), ("disk", "10G", "10.0GiB"),
                              ("memory", "1536M", "1.5GiB")]:
        assert run(state, "set", "local.vm.%s=%s" % (key, value)).returncode == 0
        assert run(state, "get", "local.vm." + key).stdout == shown + "\n"
    run(state, "start", "vm")
    assert info_of(state, "vm")["cpu_count"] == "2"


def test_set_refused_while_running(state):
    run(state, "launch", "-n", "vm")
    result = run(state, "set", "local.vm.cpus=2")
    assert result.returncode == 2
    assert result.stderr == ("Cannot update instance settings; instance: vm; reason: Instance must be stopped for "
                             "modification\n")


@pytest.mark.parametrize("setting, message", [
    ("disk=4G", "Disk can only be expanded"),
    ("memory=100M", "Memory less than 128M minimum not allowed"),
    ("cpus=0", "Need a positive integer (in decimal format) of minimum 1")])
def test_set_invalid_values(state, setting, message):
    run(state, "launch", "-n", "vm")
    run(state, "stop", "vm")
    result = run(state, "set", "local.vm." + setting)
    assert result.returncode == 1
    assert result.stderr == "Invalid setting 'local.vm.%s': %s\n" % (setting, message)


def test_set_missing_and_deleted(state):
    assert "reason: No such instance" in run(state, "set", "local.ghost.cpus=2").stderr
    run(state, "launch", "-n", "vm")
    run(state, "delete", "vm")
    result = run(state, "set", "local.vm.cpus=2")
    assert result.returncode == 2 and "reason: Instance is deleted" in result.stderr


def test_instance_settings_need_1_10(state):
    run(state, "launch", "-n", "vm", version="1.9.0")
    result = run(state, "get", "local.vm.cpus", version="1.9.0")
    assert (result.returncode, result.stderr) == (2, "Unrecognized settings key: 'local.vm.cpus'\n")


# ---------------------------------------------------------------- exec

def test_exec_cloud_init_status(state):
    run(state, "launch", "-n", "vm")
    result = run(state, "exec", "vm", "--", "cloud-init", "status", "--wait")
    assert (result.returncode, result.stdout) == (0, "status: done\n")
    (state / "cloud_init_status").write_text("error\n")
    assert run(state, "exec", "vm", "--", "cloud-init", "status", "--wait").returncode == 1


def test_exec_hooks_and_default(state):
    run(state, "launch", "-n", "vm")
    fake.add_exec_hook(state, "hostname -I", stdout="10.92.11.10 198.19.0.1\n")
    fake.add_exec_hook(state, "false", stderr="nope", rc=7)
    assert run(state, "exec", "vm", "--", "hostname", "-I").stdout == "10.92.11.10 198.19.0.1\n"
    failed = run(state, "exec", "vm", "--", "false")
    assert (failed.returncode, failed.stderr) == (7, "nope\n")
    plain = run(state, "exec", "vm", "--", "uname", "-a")
    assert (plain.returncode, plain.stdout) == (0, "")


# ---------------------------------------------------------------- faults

@pytest.mark.parametrize("version", ["1.5.0", "1.16.3", "main"])
def test_daemon_down_by_env_and_by_file(state, version):
    """An unreachable daemon is CommandFail (2), never DaemonFail (3), in every release."""
    result = run(state, "list", "--format", "json", daemon_down=True, version=version)
    assert result.returncode == 2
    assert result.stderr.startswith("list failed: cannot connect to the multipass socket\n"
                                    "Please ensure multipassd is running")
    fake.set_daemon_down(state)
    assert run(state, "info", "vm").returncode == 2
    fake.set_daemon_down(state, False)
    assert run(state, "list").returncode == 0


def test_options_are_checked_before_the_daemon_is_reached(state):
    assert run(state, "list", "--bogus", daemon_down=True).returncode == 1
    assert run(state, "launch", "-n", "vm", "-c", "x", daemon_down=True).returncode == 1
    assert run(state, "launch", "-n", "1bad", daemon_down=True).returncode == 2
    assert run(state, "ls", daemon_down=True).stderr.startswith("list failed: ")


def test_transient_errors_for_any_command(state):
    fake.inject_transient_errors(state, "list", count=1, rc=3, message="cannot connect to the multipass socket")
    result = run(state, "list", "--format", "json")
    assert (result.returncode, result.stderr) == (3, "list failed: cannot connect to the multipass socket\n")
    assert run(state, "list", "--format", "json").returncode == 0


def test_transient_info_errors(state):
    run(state, "launch", "-n", "vm")
    fake.inject_transient_errors(state, "info", count=2)
    for attempt in range(2):
        result = run(state, "info", "vm", "--format", "json")
        assert result.returncode == 2, attempt
        assert result.stderr == "info failed: ssh failed to authenticate: 'Socket error: disconnected'\n"
    assert info_of(state, "vm")["state"] == "Running"


@pytest.mark.parametrize("extra, mode, rc, message", [
    ([], None, 2, "launch failed: The following errors occurred:\ntimed out waiting for initialization to complete\n"),
    (["--timeout", "60"], None, 5, "Timed out waiting for instance launch.\n"),
    ([], "client", 5, "Timed out waiting for instance launch.\n")])
def test_launch_timeout_while_vm_keeps_booting(state, extra, mode, rc, message):
    fake.inject_launch_timeout(state, mode=mode)
    result = run(state, "launch", "-n", "vm", *extra)
    assert (result.returncode, result.stderr) == (rc, message)
    assert info_of(state, "vm")["state"] == "Running"
    assert run(state, "launch", "-n", "vm2").returncode == 0  # the injection is used up


def test_launch_timeout_with_slow_boot(state):
    fake.inject_launch_timeout(state, boot_calls=1)
    run(state, "launch", "-n", "vm")
    assert info_of(state, "vm")["state"] == "Starting"
    assert info_of(state, "vm")["state"] == "Running"


def test_extra_address_in_lab_range(state):
    run(state, "launch", "-n", "vm")
    fake.set_extra_ipv4(state, "vm", ["198.19.0.11"])
    assert info_of(state, "vm")["ipv4"] == ["10.92.11.10", "198.19.0.11"]
    run(state, "stop", "vm")
    assert info_of(state, "vm")["ipv4"] == []


def test_address_list_override(state):
    run(state, "launch", "-n", "vm")
    (state / "ipv4.json").write_text(json.dumps({"vm": ["N/A"]}))
    assert run_json(state, "list", "--format", "json")["list"][0]["ipv4"] == ["N/A"]
    assert info_of(state, "vm")["ipv4"] == ["N/A"]


def test_stop_cancel_leaves_the_instance_running(state):
    run(state, "launch", "-n", "vm")
    assert run(state, "stop", "vm", "--cancel").returncode == 0
    assert info_of(state, "vm")["state"] == "Running"


def test_call_log_records_argv_rc_and_mutations(state):
    run(state, "launch", "-n", "vm")
    run(state, "info", "ghost", "--format", "json")
    run(state, "list", "--format", "json")
    log = fake.calls(state)
    assert [(c["argv"][0], c["rc"], c["mutating"]) for c in log] == \
        [("launch", 0, True), ("info", 2, False), ("list", 0, False)]
    assert [c["command"] for c in fake.mutating_calls(state)] == ["launch"]
    assert all(c["version"] == "1.16.3" for c in log)


def test_seeded_instances_are_served(state):
    fake.seed_instance(state, "host1", state="Stopped", release="20.04", cpus=2, memory="2G", disk="20G")
    listed = run_json(state, "list", "--format", "json")["list"]
    assert listed == [{"name": "host1", "state": "Stopped", "ipv4": [], "release": "Ubuntu 20.04 LTS"}]
    assert run(state, "get", "local.host1.disk").stdout == "20.0GiB\n"


def test_hand_written_state_is_completed(state):
    state.mkdir()
    (state / "instances.json").write_text(json.dumps({"instances": {"b": {"memory": "2G"}, "a": {"state": "Stopped"}}}))
    listed = {e["name"]: e for e in run_json(state, "list", "--format", "json")["list"]}
    assert listed["a"]["state"] == "Stopped" and listed["b"]["ipv4"] == ["10.92.11.11"]
    assert run(state, "get", "local.b.memory").stdout == "2.0GiB\n"
    fake.set_instance_state(state, "b", "Suspended")
    assert info_of(state, "b")["state"] == "Suspended"


def test_mount_and_umount(state, tmp_path):
    run(state, "launch", "-n", "vm")
    assert run(state, "mount", str(tmp_path), "vm:/srv/data").returncode == 0
    mounts = info_of(state, "vm")["mounts"]
    assert mounts["/srv/data"]["source_path"] == str(tmp_path)
    assert mounts["/srv/data"]["uid_mappings"][0].endswith(":default")
    assert run(state, "umount", "vm:/srv/data").returncode == 0
    assert info_of(state, "vm")["mounts"] == {}
