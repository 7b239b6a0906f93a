"""The rig's `multipass` command (run through ./multipass): Multipass 1.16.3's CLI over real rig guests.

For the lab rig only (see riglib.py): every instance is a booted Debian 12 system (systemd-nspawn on an overlay of
the rig's cached base) in its own network namespace, so state, addresses, cloud-init and exec are real. The rig must
be up (scripts/rig.sh up); otherwise every command but `version` fails like a stopped daemon.

What it reproduces, and from where
----------------------------------
The CLI contract of canonical/multipass v1.16.3 as written down in shared/reference/source-audit.md (Multipass
table) and lab-and-anchors-facts.md section 2, the same facts tests/fake_multipass/cli.py follows:
- `version [--format json]`: client and daemon lines, version 1.16.3.
- `launch [IMAGE] -n NAME [-c N] [-m|--memory SIZE] [--mem SIZE] [-d|--disk SIZE] [--cloud-init FILE|-]
  [--timeout S]`: names start with a letter, hold letters, digits and hyphens; minimum sizes 128M memory and 512M
  disk (constants.h v1.5.0-v1.16.3); sizes K/M/G. The user data goes through the YAML round trip the client applies
  (load, re-emit: comments are lost; PyYAML here, yaml-cpp there, so quoting and layout may differ, the data does
  not) and is written as "#cloud-config\\n" + the re-emitted YAML. The NoCloud network-config is Multipass's:
  netdef `default`, `match: {macaddress}`, `dhcp4: true`, `dhcp-identifier: mac`, no set-name. Launch waits for
  /var/lib/cloud/instance/boot-finished (written even when modules failed): "Launched: NAME" on success; with
  --timeout the client gives up with "Timed out waiting for instance launch." (rc 5), without it the daemon's
  300 s end in "launch failed: The following errors occurred:\\ntimed out waiting for initialization to complete"
  (rc 2); the guest keeps booting either way. `launch` of an existing name: `instance "X" already exists` (rc 2).
- `list --format json`: {"list": [{name, state, ipv4, release}]}; `info [NAME...] --format json` (no names = all,
  1.13+): {"errors": [], "info": {NAME: {state, image_hash, image_release, release, cpu_count, snapshot_count,
  load, disks.sda1.{used,total} (strings), memory.{used,total} (integers), ipv4, mounts}}}; runtime fields empty
  unless Running; `--no-runtime-information`. `table` format for both as well.
- States: Running (nspawn alive and sshd listening), Starting (alive, sshd not yet listening), Stopped, Deleted.
- `stop`, `start`, `restart`, `delete [--purge]`, `recover`, `purge`, `get|set local.NAME.cpus|memory|disk`,
  `exec NAME [-d DIR] -- CMD` (runs as `ubuntu` in the guest with the command's exit code; starts a stopped
  instance first, as since 1.9). Exit codes 0 ok, 1 command-line error, 2 command failed (also the unreachable
  daemon: "cannot connect to the multipass socket"), 5 client timeout. Selection errors: "<cmd> failed: The
  following errors occurred:" then `instance "X" does not exist` / `instance "X" is deleted`.

Where the rig differs from Multipass (real values of a container, not of a VM)
------------------------------------------------------------------------------
The guest is Debian 12, whatever IMAGE asks for: `release` is the guest's PRETTY_NAME, `image_release` says
"Debian 12 (rig)". cpu_count, memory, disk and load are what the container sees (the host's CPUs, memory and
filesystem); --cpus/--memory/--disk are validated and kept (`get` reports them) but not enforced: without systemd
as PID 1 there is no cgroup delegation for nspawn. No mounts, networks, snapshots, transfer or shell. `exec` enters
the guest's namespaces with nsenter (as the multipassd would use SSH).

Environment: RIG_NAME, RIG_DIR (riglib.py), RIG_MULTIPASS_VERSION (reported only; default 1.16.3).
"""
import json
import os
import re
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import riglib  # noqa: E402  (tests/rig is not a package on PATH)

VERSION = os.environ.get("RIG_MULTIPASS_VERSION", "1.16.3")
MIN_MEMORY = 128 * 1024 ** 2
MIN_DISK = 512 * 1024 ** 2
DEFAULT_TIMEOUT = 300
UNIT = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
NAME_RE = re.compile(r"^[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
SIZE_RE = re.compile(r"^\s*(\d+)(?:\.(\d+)(?=[KMG]))?(?:([KMG])(?:i?B)?|B)?\s*$", re.IGNORECASE)
IMAGE_RELEASE = "Debian 12 (rig)"


class CliError(Exception):
    def __init__(self, message, rc):
        super().__init__(message)
        self.message = message
        self.rc = rc


def failed(command, message, rc=2):
    return CliError("%s failed: %s" % (command, message), rc)


# ---------------------------------------------------------------- options

def parse_options(args, spec):
    """spec: {"-c": ("cpus", True)}; returns (values, positional, after_dashes) or raises rc 1."""
    values, positional, index = {}, [], 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            return values, positional, args[index:]
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        if arg.startswith("--"):
            flag, has_value, inline = arg.partition("=")
            inline = inline if has_value else None
        else:
            flag, inline = arg[:2], arg[2:] or None
        if flag not in spec:
            raise CliError("Unknown option '%s'." % flag.lstrip("-"), 1)
        dest, takes_value = spec[flag]
        if takes_value and inline is None:
            if index >= len(args):
                raise CliError("Missing value after '%s'." % flag, 1)
            inline = args[index]
            index += 1
        values[dest] = inline if takes_value else True
    return values, positional, []


def size_in_bytes(text):
    match = SIZE_RE.match(text or "")
    if not match:
        return None
    whole, fraction, unit = match.groups()
    factor = UNIT[unit.upper()] if unit else 1
    value = int(whole) * factor
    if fraction:
        value += int(int(fraction) * factor / 10 ** len(fraction))
    return value


def human_readable(size):
    for factor, suffix in ((UNIT["G"], "GiB"), (UNIT["M"], "MiB"), (UNIT["K"], "KiB")):
        if size / factor >= 1:
            return "%.1f%s" % (size / factor, suffix)
    return "%dB" % size


def check_format(values):
    fmt = values.get("format", "table")
    if fmt not in ("table", "json", "csv", "yaml"):
        raise CliError("Invalid format type given.", 1)
    if fmt in ("csv", "yaml"):
        raise CliError("rig multipass: the %s format is not provided" % fmt, 1)
    return fmt


# ---------------------------------------------------------------- daemon side

def connect(command):
    if not riglib.rig_is_up():
        raise failed(command, "cannot connect to the multipass socket\nPlease ensure multipassd is running and "
                              "'/var/snap/multipass/common/multipass_socket' is accessible")


def state_of(vm):
    if vm.get("deleted"):
        return "Deleted"
    if not riglib.pid_alive(vm.get("pid"), riglib.root_dir(vm)):
        return "Stopped"
    return "Running" if riglib.sshd_listening(vm) else "Starting"


def select(command, names, allow_deleted, all_when_empty=True):
    instances = {vm["name"]: vm for vm in riglib.all_instances()}
    if not names and all_when_empty:
        return [instances[n] for n in sorted(instances) if allow_deleted or not instances[n]["deleted"]]
    problems, chosen = [], []
    for name in dict.fromkeys(names):
        vm = instances.get(name)
        if vm is None:
            problems.append('instance "%s" does not exist' % name)
        elif vm["deleted"] and not allow_deleted:
            problems.append('instance "%s" is deleted' % name)
        else:
            chosen.append(vm)
    if problems:
        raise failed(command, "The following errors occurred:\n" + "\n".join(problems))
    return chosen


def wait_until(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return predicate()


# ---------------------------------------------------------------- views

def os_release(vm):
    try:
        with open(os.path.join(riglib.root_dir(vm), "etc/os-release")) as handle:
            fields = dict(line.rstrip("\n").split("=", 1) for line in handle if "=" in line)
        return fields.get("PRETTY_NAME", "").strip('"')
    except OSError:
        return ""


def ipv4(vm):
    found = riglib.guest_addresses(vm)
    if vm["address"] not in found:
        return ["N/A"]
    return [vm["address"]] + [ip for ip in found if ip != vm["address"]]


def list_entry(vm):
    state = state_of(vm)
    return {"name": vm["name"], "state": state, "ipv4": ipv4(vm) if state == "Running" else [],
            "release": os_release(vm) or "Not Available"}


def guest_numbers(vm):
    """cpu count, load, memory and root-disk use as the guest reports them."""
    script = "nproc; cat /proc/loadavg; grep -E '^(MemTotal|MemAvailable):' /proc/meminfo; df -B1 --output=used,size / | tail -1"
    result = riglib.in_guest(vm, ["sh", "-c", script], timeout=20)
    lines = result.stdout.split("\n")
    if result.returncode != 0 or len(lines) < 5:
        return None
    mem = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in lines[2:4]}
    used, total = lines[4].split()
    return {"cpu_count": lines[0].strip(), "load": [float(x) for x in lines[1].split()[:3]],
            "memory": {"used": mem["MemTotal"] - mem["MemAvailable"], "total": mem["MemTotal"]},
            "disk": {"used": used, "total": total}}


def info_entry(vm, runtime=True):
    state = state_of(vm)
    numbers = guest_numbers(vm) if runtime and state == "Running" else None
    rig = riglib.rig_state() or {}
    return {
        "state": state,
        "image_hash": riglib.hashlib.sha256(os.path.basename(rig.get("base", "")).encode()).hexdigest(),
        "image_release": IMAGE_RELEASE,
        "release": os_release(vm) if numbers else "",
        "load": numbers["load"] if numbers else [],
        "disks": {"sda1": numbers["disk"] if numbers else {}},
        "memory": numbers["memory"] if numbers else {},
        "ipv4": ipv4(vm) if numbers else [],
        "mounts": {},
        "cpu_count": numbers["cpu_count"] if numbers else "",
        "snapshot_count": "0",
    }


def to_json(data):
    return json.dumps(data, indent=4, sort_keys=True) + "\n"


# ---------------------------------------------------------------- commands

def cmd_version(args):
    values, positional, dummy_dashes = parse_options(args, {"--format": ("format", True)})
    if positional:
        raise CliError("This command takes no arguments", 1)
    daemon = VERSION if riglib.rig_is_up() else None
    if values.get("format") == "json":
        data = {"multipass": VERSION}
        if daemon:
            data["multipassd"] = daemon
        return to_json(data)
    return "%-12s%s\n" % ("multipass", VERSION) + ("%-12s%s\n" % ("multipassd", daemon) if daemon else "")


def cmd_list(args):
    values, dummy_positional, dummy_dashes = parse_options(args, {"--format": ("format", True), "--snapshots": ("snapshots", False)})
    fmt = check_format(values)
    connect("list")
    entries = [list_entry(vm) for vm in riglib.all_instances()]
    if fmt == "json":
        return to_json({"list": entries})
    if not entries:
        return "No instances found.\n"
    rows = ["%-24s%-18s%-17s%s" % ("Name", "State", "IPv4", "Image")]
    for entry in entries:
        ips = entry["ipv4"] or ["--"]
        rows.append("%-24s%-18s%-17s%s" % (entry["name"], entry["state"], ips[0], entry["release"]))
        rows.extend("%-24s%-18s%s" % ("", "", ip) for ip in ips[1:])
    return "\n".join(rows) + "\n"


def cmd_info(args):
    values, positional, dummy_dashes = parse_options(args, {
        "--format": ("format", True), "--all": ("all", False), "--snapshots": ("snapshots", False),
        "--no-runtime-information": ("no_runtime", False)})
    if positional and values.get("all"):
        raise CliError("Cannot specify name%s when --all option set" % ("s" if len(positional) > 1 else ""), 1)
    fmt = check_format(values)
    connect("info")
    chosen = select("info", positional, allow_deleted=True)
    entries = {vm["name"]: info_entry(vm, not values.get("no_runtime")) for vm in chosen}
    if fmt == "json":
        return to_json({"errors": [], "info": entries})
    return "\n".join(info_table(name, entry) for name, entry in entries.items())


def info_table(name, entry):
    ips = entry["ipv4"] or ["--"]
    rows = [("Name:", name), ("State:", entry["state"]), ("IPv4:", ips[0])] + [("", ip) for ip in ips[1:]]
    image = "%s (%s)" % (entry["image_hash"][:12], entry["image_release"])
    rows += [("Release:", entry["release"] or "--"), ("Image hash:", image),
             ("CPU(s):", entry["cpu_count"] or "--"),
             ("Load:", " ".join(str(v) for v in entry["load"]) or "--"),
             ("Disk usage:", usage(entry["disks"]["sda1"])), ("Memory usage:", usage(entry["memory"])),
             ("Mounts:", "--")]
    return "".join("%-16s%s\n" % row for row in rows)


def usage(sizes):
    if not sizes:
        return "--"
    return "%s out of %s" % (human_readable(int(sizes["used"])), human_readable(int(sizes["total"])))


LAUNCH_SPEC = {"-n": ("name", True), "--name": ("name", True), "-c": ("cpus", True), "--cpus": ("cpus", True),
               "-m": ("memory", True), "--memory": ("memory", True), "--mem": ("mem", True),
               "-d": ("disk", True), "--disk": ("disk", True), "--cloud-init": ("cloud_init", True),
               "--timeout": ("timeout", True)}


def cmd_launch(args, warnings):
    values, positional, dummy_dashes = parse_options(args, LAUNCH_SPEC)
    if len(positional) > 1:
        raise CliError("Too many arguments supplied", 1)
    request = launch_request(values, warnings)
    connect("launch")
    check_launch_request(request)
    with riglib.Lock():
        if riglib.load_instance(request["name"]):
            raise failed("launch", 'instance "%s" already exists' % request["name"])
        vm = riglib.allocate(request["name"], {"cpus": request["cpus"], "memory": request["memory"],
                                               "disk": request["disk"], "image": positional[0] if positional else ""})
        root = riglib.mount_root(vm, riglib.rig_state()["base"])
        riglib.write_seed(root, vm, request["user_data"], network_config(vm["mac"]))
        riglib.guest_start(vm)
    if not wait_until(lambda: riglib.boot_finished(vm), request["timeout"] or DEFAULT_TIMEOUT):
        if request["timeout"]:
            raise CliError("Timed out waiting for instance launch.", 5)
        raise failed("launch", "The following errors occurred:\ntimed out waiting for initialization to complete")
    wait_until(lambda: state_of(vm) == "Running", 30)
    return "Launched: %s\n" % vm["name"]


def launch_request(values, warnings):
    if values.get("memory") and values.get("mem"):
        raise CliError('Error: invalid option(s) used for memory allocation. Please use "--memory" to specify '
                       'amount of memory to allocate.', 1)
    if values.get("mem"):
        warnings.append('Warning: the "--mem" long option is deprecated in favour of "--memory". Please update '
                        'any scripts, etc.')
    request = {"name": values.get("name") or "", "memory_text": values.get("memory") or values.get("mem") or "1G",
               "disk_text": values.get("disk") or "5G"}
    cpus = values.get("cpus", "1")
    if not re.match(r"^\d+$", cpus) or int(cpus) < 1:
        raise CliError("Error: invalid CPU count '%s', need a positive integer value." % cpus, 1)
    request["cpus"] = int(cpus)
    for key in ("memory", "disk"):
        request[key] = size_in_bytes(request[key + "_text"])
        if request[key] is None:
            raise CliError("error: %s is not a valid memory size" % request[key + "_text"], 1)
    timeout = values.get("timeout")
    if timeout is not None and (not re.match(r"^\d+$", timeout) or int(timeout) == 0):
        raise CliError("error: --timeout value has to be a positive integer", 1)
    request["timeout"] = int(timeout) if timeout else None
    request["user_data"] = user_data(values.get("cloud_init"))
    return request


def user_data(source):
    """The client loads the YAML and re-emits it; the daemon writes "#cloud-config" and the re-emitted text."""
    if source is None:
        return "#cloud-config\n{}\n"
    try:
        text = sys.stdin.read() if source == "-" else open(source).read()
    except OSError:
        raise CliError("Could not load cloud-init configuration: bad file: %s\nPlease ensure that Multipass can "
                       "read it." % source, 1)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CliError("error loading cloud-init config: %s" % error, 1)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CliError("error loading cloud-init config: the user data is not a map", 1)
    return "#cloud-config\n" + yaml.safe_dump(data, default_flow_style=False, sort_keys=False, width=1 << 16)


def check_launch_request(request):
    detail = None
    if request["memory"] < MIN_MEMORY:
        detail = "Invalid memory size value supplied: %s." % request["memory_text"]
    if request["disk"] < MIN_DISK:
        detail = "Invalid disk size value supplied: %s." % request["disk_text"]
    if not request["name"]:
        detail = "the rig needs -n NAME (it does not make up names)"
    elif not NAME_RE.match(request["name"]):
        detail = "Invalid instance name supplied: %s" % request["name"]
    if detail:
        raise failed("launch", "Invalid arguments supplied\n" + detail)


def network_config(mac):
    return ("version: 2\nethernets:\n  default:\n    match:\n      macaddress: \"%s\"\n"
            "    dhcp-identifier: mac\n    dhcp4: true\n" % mac)


def names_or_all(command, args, extra=None):
    spec = {"--all": ("all", False)}
    spec.update(extra or {})
    values, positional, dummy_dashes = parse_options(args, spec)
    if positional and values.get("all"):
        raise CliError("Cannot specify name%s when --all option set" % ("s" if len(positional) > 1 else ""), 1)
    return values, positional


def cmd_start(args):
    values, positional = names_or_all("start", args, {"--timeout": ("timeout", True)})
    connect("start")
    chosen = select("start", positional, allow_deleted=False)
    for vm in chosen:
        riglib.guest_start(vm)
    limit = int(values.get("timeout") or DEFAULT_TIMEOUT)
    for vm in chosen:
        if not wait_until(lambda: state_of(vm) == "Running", limit):
            raise CliError("Timed out waiting for instance to start.", 5)
    return ""


def cmd_stop(args):
    options = {"--time": ("time", True), "-t": ("time", True), "--cancel": ("cancel", False),
               "-c": ("cancel", False), "--force": ("force", False)}
    dummy_values, positional = names_or_all("stop", args, options)
    connect("stop")
    for vm in select("stop", positional, allow_deleted=False):
        riglib.guest_stop(vm)
    return ""


def cmd_restart(args):
    values, positional = names_or_all("restart", args, {"--timeout": ("timeout", True)})
    if not positional and not values.get("all"):
        raise CliError("Name argument or --all is required", 1)
    connect("restart")
    chosen = select("restart", positional, allow_deleted=False)
    for vm in chosen:
        riglib.guest_stop(vm)
        riglib.guest_start(vm)
    for vm in chosen:
        if not wait_until(lambda: state_of(vm) == "Running", int(values.get("timeout") or DEFAULT_TIMEOUT)):
            raise CliError("Timed out waiting for instance to restart.", 5)
    return ""


def cmd_delete(args):
    values, positional = names_or_all("delete", args, {"-p": ("purge", False), "--purge": ("purge", False)})
    if not positional and not values.get("all"):
        raise CliError("Name argument or --all is required", 1)
    connect("delete")
    with riglib.Lock():
        for vm in select("delete", positional, allow_deleted=True):
            if values.get("purge"):
                riglib.guest_purge(vm)
            else:
                riglib.guest_stop(vm)
                vm["deleted"] = True
                riglib.save_instance(vm)
    return ""


def cmd_recover(args):
    values, positional = names_or_all("recover", args)
    if not positional and not values.get("all"):
        raise CliError("Name argument or --all is required", 1)
    connect("recover")
    with riglib.Lock():
        for vm in select("recover", positional, allow_deleted=True):
            vm["deleted"] = False
            riglib.save_instance(vm)
    return ""


def cmd_purge(args):
    dummy_values, positional, dummy_dashes = parse_options(args, {})
    if positional:
        raise CliError("This command takes no arguments", 1)
    connect("purge")
    with riglib.Lock():
        for vm in riglib.all_instances():
            if vm["deleted"]:
                riglib.guest_purge(vm)
    return ""


SETTING_RE = re.compile(r"^local\.(?P<name>.+)\.(?P<prop>cpus|memory|disk)$")


def cmd_get(args):
    dummy_values, positional, dummy_dashes = parse_options(args, {"--raw": ("raw", False)})
    if len(positional) != 1:
        raise CliError("Multiple settings not implemented yet. Please try again with either a single key or just "
                       "the `--keys` flag for now.", 1)
    match = SETTING_RE.match(positional[0])
    if not match:
        raise CliError("Unrecognized settings key: '%s'" % positional[0], 2)
    connect("get")
    vm = riglib.load_instance(match.group("name"))
    if vm is None:
        raise CliError("Cannot obtain instance settings; instance: %s; reason: No such instance"
                       % match.group("name"), 2)
    prop = match.group("prop")
    return (str(vm["cpus"]) if prop == "cpus" else human_readable(vm[prop])) + "\n"


def cmd_set(args):
    dummy_values, positional, dummy_dashes = parse_options(args, {})
    if len(positional) != 1 or "=" not in positional[0]:
        raise CliError("Need exactly one key-value pair (in <key>=<value> form).", 1)
    key, dummy_sep, value = positional[0].partition("=")
    match = SETTING_RE.match(key)
    if not match:
        raise CliError("Unrecognized settings key: '%s'" % key, 2)
    connect("set")
    with riglib.Lock():
        vm = riglib.load_instance(match.group("name"))
        reason = None if vm else "No such instance"
        if vm and state_of(vm) != "Stopped":
            reason = "Instance is deleted" if vm["deleted"] else "Instance must be stopped for modification"
        if reason:
            raise CliError("Cannot update instance settings; instance: %s; reason: %s"
                           % (match.group("name"), reason), 2)
        apply_setting(vm, key, match.group("prop"), value)
        riglib.save_instance(vm)
    return ""


def apply_setting(vm, key, prop, value):
    if prop == "cpus":
        if not re.match(r"^\d+$", value) or int(value) < 1:
            raise CliError("Invalid setting '%s=%s': Need a positive integer (in decimal format) of minimum 1"
                           % (key, value), 1)
        vm["cpus"] = int(value)
        return
    size = size_in_bytes(value)
    if size is None:
        raise CliError("Invalid setting '%s=%s': %s is not a valid memory size" % (key, value, value), 1)
    if prop == "disk" and size < vm["disk"]:
        raise CliError("Invalid setting '%s=%s': Disk can only be expanded" % (key, value), 1)
    vm[prop] = size


def cmd_exec(args):
    values, positional, command = parse_options(args, {
        "-d": ("dir", True), "--working-directory": ("dir", True),
        "-n": ("no_map", False), "--no-map-working-directory": ("no_map", False)})
    command = positional[1:] + command
    if not positional or not command:
        raise CliError("Wrong number of arguments", 1)
    connect("exec")
    vm = select("exec", positional[:1], allow_deleted=False, all_when_empty=False)[0]
    if state_of(vm) != "Running":
        riglib.guest_start(vm)
        if not wait_until(lambda: state_of(vm) == "Running", DEFAULT_TIMEOUT):
            raise failed("exec", 'instance "%s" is not running' % vm["name"])
    if not os.path.isdir(os.path.join(riglib.root_dir(vm), "home/ubuntu")):
        raise failed("exec", "ssh failed to authenticate: the guest has no user ubuntu yet")
    sys.stdout.flush()
    return riglib.in_guest(vm, command, user="ubuntu", cwd=values.get("dir"), stdin=sys.stdin,
                           capture=False).returncode


COMMANDS = {"version": cmd_version, "list": cmd_list, "ls": cmd_list, "info": cmd_info, "start": cmd_start,
            "stop": cmd_stop, "restart": cmd_restart, "delete": cmd_delete, "recover": cmd_recover,
            "purge": cmd_purge, "get": cmd_get, "set": cmd_set}


def in_host_mount_namespace(argv):
    """Ansible runs inside `ip netns exec <rig>`, which gives it a mount namespace of its own (a slave of the host's,
    with a /sys lacking cgroups): overlay mounts, `ip netns add` and nspawn would break or stay invisible there. Re-run
    in the mount namespace of the rig's anchor process (the host's; PID 1's may not be open to us)."""
    anchor = (riglib.rig_state() or {}).get("anchor_pid")
    if not riglib.pid_alive(anchor, riglib.ANCHOR_MARKER):
        return
    try:
        if os.readlink("/proc/self/ns/mnt") == os.readlink("/proc/%d/ns/mnt" % anchor):
            return
    except OSError:
        return
    os.execvp("nsenter", ["nsenter", "--mount=/proc/%d/ns/mnt" % anchor, "--", sys.executable,
                          os.path.abspath(__file__)] + list(argv))


def main(argv):
    in_host_mount_namespace(argv)
    args = [a for a in argv if a not in ("-v", "-vv", "-vvv", "-vvvv", "--verbose")]
    if not args:
        sys.stdout.write("Usage: multipass [options] <command>\n(rig multipass, tests/rig/cli.py)\n")
        return 2
    command, rest = args[0], args[1:]
    warnings = []
    try:
        if command == "exec":
            return cmd_exec(rest)
        if command == "launch":
            output = cmd_launch(rest, warnings)
        elif command in COMMANDS:
            output = COMMANDS[command](rest)
        else:
            sys.stdout.write("Error: Unknown Command '%s' (try \"multipass help\")\n" % command)
            return 1
    except CliError as error:
        for line in warnings:
            sys.stderr.write(line + "\n")
        sys.stderr.write(error.message + "\n")
        return error.rc
    except riglib.RigError as error:
        sys.stderr.write("%s failed: %s\n" % (command, error))
        return 2
    for line in warnings:
        sys.stderr.write(line + "\n")
    sys.stdout.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
