"""Helpers for tests that drive the fake `multipass` executable in this directory.

The executable `multipass` next to this file runs `cli.py`, whose docstring says what it reproduces of the
canonical/multipass CLI, the environment variables it reads and the hook files it honours. These helpers only
prepare and read its state directory; they never import cli.py, so tests exercise the fake exactly as Ansible
does: as a program on PATH (put FAKE_DIR first on PATH, or use `environment()`).
"""
import json
import os

FAKE_DIR = os.path.dirname(os.path.abspath(__file__))
EXECUTABLE = os.path.join(FAKE_DIR, "multipass")
CLI = os.path.join(FAKE_DIR, "cli.py")


def environment(state_dir, version=None, daemon_down=False, base=None):
    """An environment whose PATH finds the fake first, with its state in `state_dir`."""
    env = dict(os.environ if base is None else base)
    env["PATH"] = FAKE_DIR + os.pathsep + env.get("PATH", "")
    env["FAKE_MULTIPASS_STATE"] = str(state_dir)
    if version:
        env["FAKE_MULTIPASS_VERSION"] = version
    if daemon_down:
        env["FAKE_MULTIPASS_DAEMON_DOWN"] = "1"
    else:
        env.pop("FAKE_MULTIPASS_DAEMON_DOWN", None)
    return env


def seed_instance(state_dir, name, state="Running", release="24.04", cpus=1, memory="1G", disk="5G", **extra):
    """Adds an instance to the state file as if it had been launched; sizes take multipass units (2G, 512M).
    `user_data="..."` is the cloud-init it was launched with: the fake re-emits it as a launch would, on its next
    run, and the guest's files (`exec VM -- cat PATH`) come from that."""
    data = _read_state(state_dir)
    data["launched"] = data.get("launched", len(data["instances"])) + 1
    vm = {"name": name, "state": state, "release": release, "cpus": cpus, "memory": _bytes(memory),
          "disk": _bytes(disk), "networks": [], "mounts": {}, "ipv4": "10.92.11.%d" % (9 + data["launched"])}
    vm.update(extra)
    data["instances"][name] = vm
    _write_json(state_dir, "instances.json", data)
    return vm


def set_instance_state(state_dir, name, state):
    """Changes an instance's state behind the fake's back (a crash, a host reboot, a manual `multipass stop`)."""
    data = _read_state(state_dir)
    data["instances"][name]["state"] = state
    _write_json(state_dir, "instances.json", data)


def instances(state_dir):
    return _read_state(state_dir)["instances"]


def calls(state_dir):
    """Every recorded call: dicts with argv, command, mutating, stdin_bytes, rc and version."""
    try:
        with open(os.path.join(str(state_dir), "calls.jsonl")) as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except OSError:
        return []


def mutating_calls(state_dir):
    return [call for call in calls(state_dir) if call["mutating"]]


def cloud_init(state_dir, name):
    """The user data the guest `name` got (re-emitted by Multipass: no comments), or None."""
    return _read_text(state_dir, os.path.join("cloud-init", name + ".yaml"))


def received_cloud_init(state_dir, name):
    """The user data as the client of a launch of `name` read it (before Multipass re-emitted it), or None."""
    return _read_text(state_dir, os.path.join("cloud-init", name + ".received"))


def _read_text(state_dir, relative):
    try:
        with open(os.path.join(str(state_dir), relative)) as handle:
            return handle.read()
    except OSError:
        return None


def set_daemon_down(state_dir, down=True):
    path = os.path.join(str(state_dir), "daemon_down")
    if down:
        open(path, "w").close()
    elif os.path.exists(path):
        os.unlink(path)


def inject_transient_errors(state_dir, command="info", count=1, rc=2, message=None):
    """The next `count` calls of `command` fail (by default like the "Socket error: disconnected" of `info`)."""
    errors = _read_json(state_dir, "transient_errors.json", {})
    errors[command] = {"count": count, "rc": rc}
    if message:
        errors[command]["message"] = message
    _write_json(state_dir, "transient_errors.json", errors)


def inject_launch_timeout(state_dir, mode=None, boot_calls=0):
    """The next launch times out while its VM keeps booting (mode "daemon" rc 2, or "client" rc 5)."""
    settings = {"boot_calls": boot_calls}
    if mode:
        settings["mode"] = mode
    _write_json(state_dir, "launch_timeout.json", settings)


def set_extra_ipv4(state_dir, name, addresses):
    extra = _read_json(state_dir, "extra_ipv4.json", {})
    extra[name] = list(addresses)
    _write_json(state_dir, "extra_ipv4.json", extra)


def add_exec_hook(state_dir, match, stdout="", stderr="", rc=0, instance=None):
    hooks = _read_json(state_dir, "exec_hooks.json", [])
    hook = {"match": match, "stdout": stdout, "stderr": stderr, "rc": rc}
    if instance:
        hook["instance"] = instance
    hooks.append(hook)
    _write_json(state_dir, "exec_hooks.json", hooks)


def _bytes(size):
    if isinstance(size, int):
        return size
    units = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
    text = str(size).upper().rstrip("IB") if str(size)[-1:].upper() == "B" else str(size).upper()
    return int(float(text[:-1]) * units[text[-1]]) if text[-1:] in units else int(text)


def _read_state(state_dir):
    data = _read_json(state_dir, "instances.json", {})
    data.setdefault("instances", {})
    return data


def _read_json(state_dir, name, default):
    try:
        with open(os.path.join(str(state_dir), name)) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


def _write_json(state_dir, name, data):
    os.makedirs(str(state_dir), exist_ok=True)
    with open(os.path.join(str(state_dir), name), "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
