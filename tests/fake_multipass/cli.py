"""The fake `multipass` executable (run through ./multipass): a test double of the canonical/multipass client.

What it reproduces, and from where
----------------------------------
The CLI contract written down in shared/reference/lab-and-anchors-facts.md section 2 ("CLI facts") and
shared/reference/source-audit.md (Multipass table), with exact field names, message texts and exit codes checked
against the canonical/multipass sources at v1.5.0 to v1.16.3 and main (client commands launch/info/stop/exec/set/
version/common_cli, include/multipass/cli/command.h, the JSON formatter, the daemon's instance selection and
prepare_user_data, base_virtual_machine.cpp check_state_for_shutdown, the instance settings handler,
memory_size, constants.h). Facts only; no upstream code is copied.

- User data: `launch --cloud-init` parses the YAML in the client (a YAML error is rc 1, "Could not load
  cloud-init configuration: ...") and passes on only the re-emitted YAML: comments are gone and scalars lose their
  quotes (yaml-cpp). The daemon adds "default" to a `users` list, its key to `ssh_authorized_keys` and "pollinate"
  to `packages`, and the guest's user data is "#cloud-config" plus that YAML. cloud-init/<vm>.yaml holds it;
  the guest's files come from it: `exec VM -- cat PATH` prints a `write_files` file (its permissions decide
  whether the default user may read it without sudo; "cat: PATH: No such file or directory" / "Permission
  denied", rc 1 otherwise), and cloud-init's copy /var/lib/cloud/instance/user-data.txt (root only, mode 0600).
  Inferred, harsher reading: user data that is not a YAML mapping makes the launch fail (rc 2).

- `list --format json`: {"list": [{name, state, ipv4, release}]}; release "Ubuntu 24.04 LTS"; `zone` on `main` only.
- `info --format json`: {"errors": [], "info": {name: {...}}} with string cpu_count (1.11+) and snapshot_count
  (1.13+), string disk sizes (disks.sda1.used/total), integer memory.used/total, image_hash, image_release,
  release, load (floats), ipv4, mounts{target: {source_path, uid_mappings, gid_mappings}}. Runtime fields (release,
  load, disks, memory, ipv4, cpu_count) are empty when the instance is not Running, or with
  `--no-runtime-information` (1.10+). `info` with no names lists every instance from 1.13; before, it needs
  `--all`, which warns that it is deprecated from 1.13 and is an unknown option on `main`. Before 1.12 the
  no-name form leaves Deleted instances out (naming one still answers). `ipv4` may hold "N/A" (hook ipv4.json).
  Like the real guest, memory.total and disks.sda1.total are a little below
  the configured sizes (the guest's `free`/`df`), so compare sizes with `get local.<vm>.memory|disk`.
- States Running, Stopped, Deleted, Starting, Suspended (Restarting, "Delayed Shutdown", Suspending, Unknown only
  if seeded into the state file).
- Launch flags -n/--name, -c/--cpus, -m/--memory (1.11+) or --mem (until 1.11; a hidden, warned alias from 1.11,
  gone on `main`), -d/--disk, --cloud-init FILE|-|URL (URL 1.10+), --network/--bridged (1.8+), --mount (1.11+),
  --zone (`main`), --timeout (1.7+). Defaults 1 CPU, 1G, 5G; minimums 128M memory and 512M disk up to 1.16.3,
  512M and 1G on `main`; sizes take K, M and G only; names start with a letter, hold letters, digits and hyphens,
  and do not end with a hyphen.
- `stop` of a Suspended, Suspending, Starting or Restarting instance is refused from 1.14 unless `--force`
  (1.14+): "Cannot stop suspended instance. Use --force to override." (1.14), "Cannot shut down suspended
  instance X." / "Cannot shut down instance X while starting." (1.15+), rc 2. Before 1.14 it stops.
- `exec` on an instance that is not running fails before 1.9 ('exec failed: instance "X" is not running', rc 2);
  from 1.9 the client starts it first.
- `set`/`get local.<vm>.cpus|memory|disk` (1.10+): the instance must be stopped, the disk only grows, `get` prints
  human-readable sizes ("2.0GiB").
- Exit codes: 0 ok, 1 command-line error, 2 command failed (an unreachable daemon included), 5 client-side
  `--timeout` expired; `exec` returns the guest command's code. stderr "<cmd> failed: <msg>"; selections of instances report
  "The following errors occurred:" then one line per instance: `instance "X" does not exist`,
  `instance "X" is deleted`; launch reports `instance "X" already exists`. A daemon that is down gives rc 2 and
  "<cmd> failed: cannot connect to the multipass socket" plus a "Please ensure multipassd is running" line (the
  client maps gRPC UNAVAILABLE on its socket to NOT_FOUND, which is CommandFail). The transient `info` failure is
  the "Socket error: disconnected" of canonical/multipass#3252 (the one
  theko2fi.multipass retries). Options are parsed before the daemon is reached, as in the real client.
- `version` (table and `--format json`), printing only the client line when the daemon is down; the table
  layouts of `list` and `info`.

What it does not do
-------------------
No VMs, images, networking, SSH or cloud-init run: `exec` simulates `cloud-init status [--wait]` and `cat` of the
files the user data writes (see above), everything else returns 0 with no output unless a hook says otherwise.
The YAML layout of the re-emitted user data is PyYAML's, not yaml-cpp's byte for byte: parse it, never compare text.
`list`/`info` support the `json` and `table` formats only (csv and yaml fail with rc 1); JSON is always
indented like Qt's writer (`main`'s newer JSON writer may lay it out differently; parse it, never compare text).
No snapshots, aliases, `find`, `networks`, `shell`, GUI settings or primary-instance automount; `stop --time` stops at
once. Error texts outside the list above (option parsing, cloud-init loading, settings) follow upstream wording as far
as it was checked, not byte for byte.

Environment
-----------
FAKE_MULTIPASS_STATE       state directory (created if missing); default: $TMPDIR/fake-multipass-state
FAKE_MULTIPASS_VERSION     version to behave like: 1.5.0 ... 1.16.3 or `main` (default 1.16.3)
FAKE_MULTIPASS_DAEMON_DOWN set to 1 to make every command but `version` fail as an unreachable daemon (rc 2)
FAKE_MULTIPASS_PYTHON      the interpreter ./multipass runs this file with (default python3)

Files in the state directory
----------------------------
instances.json        the instances (written by the fake; tests may seed it, see __init__.py `seed_instance`)
calls.jsonl           one JSON line per call: {"argv", "command", "mutating", "stdin_bytes", "rc", "version"};
                      "mutating" is true for launch, start, stop, restart, suspend, delete, recover, purge, set,
                      mount, umount and transfer, whatever their outcome (exec, list, info, get, version: false)
cloud-init/<vm>.yaml  the guest's user data: what a launch's cloud-init (file or stdin) became (see above)
cloud-init/<vm>.received  the user data as the client read it
cloud-init/<vm>.url   the URL given to --cloud-init (nothing is downloaded)
daemon_down           (hook) if present: like FAKE_MULTIPASS_DAEMON_DOWN=1
transient_errors.json (hook) {"info": 2} makes the next 2 `info` calls fail with rc 2 and the "Socket error:
                      disconnected" text; a value may also be {"count": N, "rc": R, "message": "..."}; any command
launch_timeout.json   (hook, consumed by the next launch) the launch times out but the VM keeps booting:
                      {"mode": "daemon"} (default without --timeout: rc 2, "timed out waiting for initialization
                      to complete") or "client" (default with --timeout: rc 5, "Timed out waiting for instance
                      launch."); "boot_calls": N keeps the VM Starting for N further calls that reach the daemon
                      (default 0: it is Running from the next call on)
extra_ipv4.json       (hook) {"vm": ["198.19.0.11"]}: extra addresses listed after the first one while Running
ipv4.json             (hook) {"vm": ["N/A"]}: the whole address list while Running (order, "N/A", none at all)
exec_hooks.json       (hook) [{"match": "substring of the command", "instance": "vm" (optional), "stdout": "",
                      "stderr": "", "rc": 0}]: the first match decides what `exec` prints and returns
cloud_init_status     (hook) text such as "running" or "error" for `cloud-init status` (default "done";
                      "error" returns rc 1)
Addresses are 10.92.11.<10 + n> for the n-th instance ever launched, so they are stable across runs.
"""
import base64
import fcntl
import hashlib
import json
import os
import re
import sys
import tempfile

try:
    import yaml
except ImportError:  # the fake needs PyYAML (as ansible-core does) only to re-emit cloud-init user data
    yaml = None

DEFAULT_VERSION = "1.16.3"
MAIN_VERSION_STRING = "1.17.0-dev.0+gmain"
# constants.h: min_memory_size/min_disk_size are 128M/512M from v1.5.0 to v1.16.3, 512M/1G on main.
CLASSIC_MINIMUMS = {"memory": ("128M", 128 * 1024 ** 2), "disk": ("512M", 512 * 1024 ** 2)}
MAIN_MINIMUMS = {"memory": ("512M", 512 * 1024 ** 2), "disk": ("1G", 1024 ** 3)}
USER_DATA_TXT = "/var/lib/cloud/instance/user-data.txt"
FAKE_SSH_KEY = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABfakefakefake ubuntu@localhost"
UNIT = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
NAME_RE = re.compile(r"^[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
SIZE_RE = re.compile(r"^\s*(\d+)(?:\.(\d+)(?=[KMG]))?(?:([KMG])(?:i?B)?|B)?\s*$", re.IGNORECASE)
SOCKET_ERROR = "ssh failed to authenticate: 'Socket error: disconnected'"
MUTATING = {"launch", "start", "stop", "restart", "suspend", "delete", "recover", "purge", "set", "mount",
            "umount", "transfer"}

# release version -> (codename, image_release, the guest's PRETTY_NAME)
RELEASES = {
    "20.04": ("focal", "20.04 LTS", "Ubuntu 20.04.6 LTS"),
    "22.04": ("jammy", "22.04 LTS", "Ubuntu 22.04.5 LTS"),
    "24.04": ("noble", "24.04 LTS", "Ubuntu 24.04.3 LTS"),
}
CODENAMES = {names[0]: number for number, names in RELEASES.items()}


class CliError(Exception):
    """Ends the command: `message` goes to stderr, `rc` is the exit code."""

    def __init__(self, message, rc, to_stdout=False):
        super().__init__(message)
        self.message = message
        self.rc = rc
        self.to_stdout = to_stdout


def failed(command, message, rc=2):
    return CliError("%s failed: %s" % (command, message), rc)


# ---------------------------------------------------------------- versions

def parse_version(text):
    if text == "main":
        return (99, 0, 0)
    numbers = [int(part) for part in re.findall(r"\d+", text)[:3]]
    return tuple(numbers + [0] * (3 - len(numbers)))


class Version:
    def __init__(self, text):
        self.text = text
        self.number = parse_version(text)
        self.is_main = text == "main"

    def at_least(self, major, minor, patch=0):
        return self.number >= (major, minor, patch)

    def display(self):
        return MAIN_VERSION_STRING if self.is_main else self.text

    def minimums(self):
        return MAIN_MINIMUMS if self.is_main else CLASSIC_MINIMUMS

    def lts(self):
        if self.at_least(1, 14):
            return "24.04"
        return "22.04" if self.at_least(1, 10) else "20.04"


# ---------------------------------------------------------------- state

def complete_seeded(vm, name, position):
    """Hand-written state files may leave fields out or give sizes as text ("2G"); fill them like a launch would."""
    vm.setdefault("name", name)
    vm.setdefault("state", "Running")
    vm.setdefault("release", "24.04")
    vm.setdefault("cpus", 1)
    for key, default in (("memory", "1G"), ("disk", "5G")):
        value = vm.get(key, default)
        vm[key] = value if isinstance(value, int) else size_in_bytes(str(value))
    vm.setdefault("networks", [])
    vm.setdefault("mounts", {})
    vm.setdefault("ipv4", "10.92.11.%d" % (9 + position))


class State:
    """The instances and counters in instances.json, plus the hook files beside it."""

    def __init__(self, directory):
        self.dir = directory
        self.path = os.path.join(directory, "instances.json")
        data = self._read_json("instances.json", {})
        self.instances = data.get("instances", {})
        self.launched = data.get("launched", len(self.instances))
        for index, name in enumerate(sorted(self.instances)):
            complete_seeded(self.instances[name], name, index + 1)
            if "user_data" in self.instances[name]:
                # Seeded with the user data it was launched with: store what the guest got from it.
                self.store_user_data(name, self.instances[name].pop("user_data"))

    def _read_json(self, name, default):
        try:
            with open(os.path.join(self.dir, name)) as handle:
                text = handle.read()
        except OSError:
            return default
        return json.loads(text) if text.strip() else default

    def hook(self, name, default=None):
        return self._read_json(name, default)

    def has_file(self, name):
        return os.path.exists(os.path.join(self.dir, name))

    def write_hook(self, name, data):
        self._write(name, json.dumps(data))

    def remove_file(self, name):
        try:
            os.unlink(os.path.join(self.dir, name))
        except OSError:
            pass

    def _write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "w") as handle:
            handle.write(text)
        os.replace(path + ".tmp", path)

    def save(self):
        self._write("instances.json", json.dumps(
            {"instances": self.instances, "launched": self.launched}, indent=2, sort_keys=True))

    def store_cloud_init(self, name, content, suffix):
        self._write(os.path.join("cloud-init", "%s.%s" % (name, suffix)), content)

    def store_user_data(self, name, received):
        """Keeps what the client received and what the guest's user-data ends up as (see reemit_user_data)."""
        self.store_cloud_init(name, received, "received")
        self.store_cloud_init(name, reemit_user_data(received), "yaml")

    def read_cloud_init(self, name):
        """The user data as the guest sees it, or None when the instance was seeded without any."""
        try:
            with open(os.path.join(self.dir, "cloud-init", name + ".yaml")) as handle:
                return handle.read()
        except OSError:
            return None

    def promote_booting(self):
        """A VM whose launch timed out keeps booting: it is Running after its remaining boot calls."""
        for vm in self.instances.values():
            if vm.get("state") != "Starting":
                continue
            if vm.get("boot_calls", 0) <= 0:
                vm["state"] = "Running"
                vm.pop("boot_calls", None)
            else:
                vm["boot_calls"] -= 1


# ---------------------------------------------------------------- option parsing

class Options:
    def __init__(self):
        self.values = {}
        self.positional = []
        self.after_dashes = []

    def get(self, name, default=None):
        values = self.values.get(name)
        return values[-1] if values else default

    def all(self, name):
        return self.values.get(name, [])

    def isset(self, name):
        return name in self.values


def parse_options(args, spec):
    """spec: {"-c": ("cpus", True), "--all": ("all", False)}; returns Options or raises rc 1 like Qt's parser."""
    opts = Options()
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            opts.after_dashes = args[index:]
            break
        if not arg.startswith("-") or arg == "-":
            opts.positional.append(arg)
            continue
        flag, value = _split_flag(arg)
        if flag in ("-v", "-vv", "-vvv", "-vvvv", "--verbose"):
            continue
        if flag not in spec:
            raise CliError("Unknown option '%s'." % flag.lstrip("-"), 1)
        dest, takes_value = spec[flag]
        if takes_value and value is None:
            if index >= len(args):
                raise CliError("Missing value after '%s'." % flag, 1)
            value = args[index]
            index += 1
        opts.values.setdefault(dest, []).append(value if takes_value else True)
    return opts


def _split_flag(arg):
    if arg.startswith("--"):
        flag, sep, value = arg.partition("=")
        return flag, (value if sep else None)
    if len(arg) > 2:
        rest = arg[2:]
        return arg[:2], rest[1:] if rest.startswith("=") else rest
    return arg, None


def check_names_and_all(opts, allow_empty=False):
    if not opts.positional and not opts.isset("all") and not allow_empty:
        raise CliError("Name argument or --all is required", 1)
    if opts.positional and opts.isset("all"):
        raise CliError("Cannot specify name%s when --all option set" % ("s" if len(opts.positional) > 1 else ""), 1)


def check_format(opts):
    fmt = opts.get("format", "table")
    if fmt not in ("table", "json", "csv", "yaml"):
        raise CliError("Invalid format type given.", 1)
    if fmt in ("csv", "yaml"):
        raise CliError("fake multipass: the %s format is not simulated" % fmt, 1)
    return fmt


# ---------------------------------------------------------------- sizes

def size_in_bytes(text):
    match = SIZE_RE.match(text)
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


def guest_memory_total(configured):
    """What `free -b` in the guest reports: a little less than the configured size (kernel reservations)."""
    return configured * 96 // 100 // 4096 * 4096


def guest_disk_total(configured):
    """What `df` in the guest reports for the root filesystem: a little less than the image size."""
    return configured * 967 // 1000 // 4096 * 4096


# ---------------------------------------------------------------- user data and the guest's files

if yaml is not None:
    class YamlCppLikeDumper(yaml.SafeDumper):
        """Emits every scalar as a string and plain wherever YAML syntax allows, like yaml-cpp's Dump of a loaded
        node: the quotes of '0644' are not kept, so cloud-init later reads 0644 as a number."""

        yaml_implicit_resolvers = {}  # no scalar looks like anything but a string, so none needs quotes


def reemit_user_data(text):
    """The user-data file the guest gets from `launch --cloud-init`: the client parses the YAML and sends the
    re-emitted text (YAML::Load, YAML::Dump: comments and quoting are lost), the daemon adds "default" to a
    `users` list, its own key to an `ssh_authorized_keys` list and "pollinate" to a `packages` list
    (daemon.cpp prepare_user_data), and writes "#cloud-config\n" plus the YAML (v1.16.3
    base_virtual_machine_factory.cpp, v1.5.0 utils.cpp)."""
    if yaml is None:
        raise CliError("fake multipass: PyYAML is needed to re-emit cloud-init user data", 1)
    try:
        document = yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds only str/list/dict
    except yaml.YAMLError as error:
        raise CliError("Could not load cloud-init configuration: %s" % str(error).replace("\n", " "), 1)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        # Inferred, harsher reading: the daemon subscripts the document by key, which yaml-cpp refuses for a
        # scalar; the fake refuses every non-mapping document.
        raise failed("launch", "cloud-init user data must be a YAML mapping")
    for key, extra in (("users", "default"), ("ssh_authorized_keys", FAKE_SSH_KEY), ("packages", "pollinate")):
        if isinstance(document.get(key), list):
            document[key].append(extra)
    return "#cloud-config\n" + yaml.dump(document, Dumper=YamlCppLikeDumper, sort_keys=False)


def decode_permissions(value):
    """cloud-init's write_files mode: an int is the mode itself (YAML 1.1 reads 0644 as octal), a string is octal;
    anything else falls back to the default 0644."""
    if value is None or isinstance(value, bool):
        return 0o644
    if isinstance(value, int):
        return value
    try:
        return int(str(value), 8)
    except ValueError:
        return 0o644


def guest_files(user_data):
    """{path: {"content", "mode", "owner"}} of what the guest has from its user data: cloud-init's copy of the
    user data (root only) and every `write_files` entry, read with cloud-init's YAML 1.1 loader."""
    files = {USER_DATA_TXT: {"content": user_data, "mode": 0o600, "owner": "root"}}
    try:
        document = yaml.safe_load(user_data) if yaml is not None else None
    except yaml.YAMLError:
        document = None
    entries = document.get("write_files") if isinstance(document, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not entry.get("path"):
            continue
        content = entry.get("content", "")
        content = content if isinstance(content, str) else str(content)
        if str(entry.get("encoding", "")).lower() in ("b64", "base64"):
            content = base64.b64decode(content).decode()
        owner = str(entry.get("owner", "root:root")).split(":", maxsplit=1)[0]
        files[str(entry["path"])] = {"content": content, "mode": decode_permissions(entry.get("permissions")),
                                     "owner": owner}
    return files


def guest_cat(ctx, vm, command):
    """`cat FILE` (or `sudo cat FILE`) in the guest as the default user, ubuntu; None for other commands."""
    sudo = command[:1] == ["sudo"]
    args = command[1:] if sudo else command
    if len(args) != 2 or args[0] != "cat":
        return None
    path = args[1]
    user_data = ctx.state.read_cloud_init(vm["name"])
    entry = guest_files(user_data).get(path) if user_data is not None else None
    if entry is None:
        ctx.warn("cat: %s: No such file or directory" % path)
        ctx.rc = 1
        return ""
    readable = entry["mode"] & (0o400 if entry["owner"] == "ubuntu" else 0o004)
    if not (sudo or readable):
        ctx.warn("cat: %s: Permission denied" % path)
        ctx.rc = 1
        return ""
    return entry["content"]


# ---------------------------------------------------------------- images

def split_image(image):
    remote, name = image.rsplit(":", 1) if ":" in image else ("", image)
    return remote, name


def resolve_image(image, version):
    """Returns (remote, release number) or None when no image matches, like the release/daily streams."""
    remote, name = split_image(image)
    remote = remote or "release"
    if remote not in ("release", "daily"):
        return None
    name = name.lower()
    if name in ("", "lts", "default"):
        return remote, version.lts()
    if name in RELEASES:
        return remote, name
    if name in CODENAMES:
        return remote, CODENAMES[name]
    return None


def unknown_image_error(image, version):
    remote, name = split_image(image)
    if version.at_least(1, 11):
        return failed("launch", 'Unable to find an image matching "%s" in remote "%s".' % (name, remote or "release"))
    return failed("launch", 'Unable to find an image matching "%s"' % name)


def image_hash(release):
    return hashlib.sha256(("fake-ubuntu-" + release).encode()).hexdigest()


# ---------------------------------------------------------------- instance views

def is_running(vm):
    return vm["state"] == "Running"


def addresses(vm, state):
    if not is_running(vm):
        return []
    override = state.hook("ipv4.json", {}).get(vm["name"])
    if override is not None:
        return list(override)
    extras = state.hook("extra_ipv4.json", {}).get(vm["name"], [])
    return [vm["ipv4"]] + [ip for ip in extras if ip != vm["ipv4"]]


def list_entry(vm, state, version):
    entry = {"name": vm["name"], "state": vm["state"], "ipv4": addresses(vm, state),
             "release": "Ubuntu " + RELEASES[vm["release"]][1]}
    if version.is_main:
        entry["zone"] = {"name": vm.get("zone", "zone1"), "available": True}
    return entry


def info_entry(vm, state, version, runtime=True):
    runtime = runtime and is_running(vm)
    entry = {
        "state": vm["state"],
        "image_hash": image_hash(vm["release"]),
        "image_release": RELEASES[vm["release"]][1],
        "release": RELEASES[vm["release"]][2] if runtime else "",
        "load": [0.08, 0.03, 0.01] if runtime else [],
        "disks": {"sda1": disk_usage(vm) if runtime else {}},
        "memory": memory_usage(vm) if runtime else {},
        "ipv4": addresses(vm, state) if runtime else [],
        "mounts": mount_view(vm),
    }
    if version.at_least(1, 11):
        entry["cpu_count"] = str(vm["cpus"]) if runtime else ""
    if version.at_least(1, 13):
        entry["snapshot_count"] = "0"
    return entry


def disk_usage(vm):
    return {"used": str(1_900_000_000), "total": str(guest_disk_total(vm["disk"]))}


def memory_usage(vm):
    return {"used": 190_000_000, "total": guest_memory_total(vm["memory"])}


def mount_view(vm):
    ids = "%d:default" % (os.getuid() if hasattr(os, "getuid") else 1000)
    return {target: {"source_path": source, "uid_mappings": [ids], "gid_mappings": [ids]}
            for target, source in sorted(vm.get("mounts", {}).items())}


def to_json(data):
    return json.dumps(data, indent=4, sort_keys=True) + "\n"


# ---------------------------------------------------------------- selection errors

def select(state, names, command, allow_deleted, all_when_empty=True):
    """Picks instances like the daemon: missing names (and deleted ones, where refused) fail together."""
    if not names and all_when_empty:
        return [state.instances[name] for name in sorted(state.instances)
                if allow_deleted or state.instances[name]["state"] != "Deleted"]
    problems, chosen, seen = [], [], set()
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        vm = state.instances.get(name)
        if vm is None:
            problems.append('instance "%s" does not exist' % name)
        elif vm["state"] == "Deleted" and not allow_deleted:
            problems.append('instance "%s" is deleted' % name)
        else:
            chosen.append(vm)
    if problems:
        raise failed(command, "The following errors occurred:\n" + "\n".join(problems))
    return chosen


# ---------------------------------------------------------------- commands

def cmd_version(ctx, args):
    opts = parse_options(args, {"--format": ("format", True)})
    if opts.positional:
        raise CliError("This command takes no arguments", 1)
    fmt = opts.get("format", "table")
    if fmt not in ("table", "json", "csv", "yaml"):
        raise CliError("Invalid format type given.", 1)
    daemon = None if ctx.daemon_down else ctx.version.display()
    if fmt == "json":
        data = {"multipass": ctx.version.display()}
        if daemon:
            data["multipassd"] = daemon
        return to_json(data)
    lines = "%-12s%s\n" % ("multipass", ctx.version.display())
    return lines + ("%-12s%s\n" % ("multipassd", daemon) if daemon else "")


def cmd_list(ctx, args):
    opts = parse_options(args, {"--format": ("format", True), "--snapshots": ("snapshots", False)})
    fmt = check_format(opts)
    entries = [list_entry(ctx.state.instances[name], ctx.state, ctx.version) for name in sorted(ctx.state.instances)]
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


def cmd_info(ctx, args):
    spec = {"--format": ("format", True), "--snapshots": ("snapshots", False)}
    if not ctx.version.is_main:
        spec["--all"] = ("all", False)  # removed on main after 1.16.3 (canonical/multipass#5032)
    if ctx.version.at_least(1, 10):
        spec["--no-runtime-information"] = ("no_runtime", False)
    opts = parse_options(args, spec)
    check_names_and_all(opts, allow_empty=ctx.version.at_least(1, 13))
    fmt = check_format(opts)
    if opts.isset("all") and ctx.version.at_least(1, 13):
        ctx.warn("Warning: the `--all` flag for the `info` command is deprecated. Please use `info` with no "
                 "positional arguments for the same effect.")
    # Before 1.12 the daemon lists only its operative instances when no names are given.
    chosen = select(ctx.state, opts.positional, "info", allow_deleted=ctx.version.at_least(1, 12) or bool(opts.positional))
    runtime = not opts.isset("no_runtime")
    if fmt == "json":
        return to_json({"errors": [], "info": {vm["name"]: info_entry(vm, ctx.state, ctx.version, runtime)
                                               for vm in chosen}})
    return "\n".join(info_table(vm, info_entry(vm, ctx.state, ctx.version, runtime)) for vm in chosen)


def info_table(vm, entry):
    """The table layout of `info`: 16-column labels, one block per instance."""
    ips = entry["ipv4"] or ["--"]
    rows = [("Name:", vm["name"]), ("State:", entry["state"]), ("IPv4:", ips[0])]
    rows += [("", ip) for ip in ips[1:]]
    rows += [("Release:", entry["release"] or "--"),
             ("Image hash:", "%s (Ubuntu %s)" % (entry["image_hash"][:12], entry["image_release"])),
             ("CPU(s):", entry.get("cpu_count") or "--"),
             ("Load:", " ".join(str(value) for value in entry["load"]) or "--"),
             ("Disk usage:", usage(entry["disks"]["sda1"])), ("Memory usage:", usage(entry["memory"]))]
    mounts = ["%s => %s" % (m["source_path"], target) for target, m in sorted(entry["mounts"].items())] or ["--"]
    rows += [("Mounts:" if index == 0 else "", mount) for index, mount in enumerate(mounts)]
    return "".join("%-16s%s\n" % row for row in rows)


def usage(sizes):
    if not sizes:
        return "--"
    return "%s out of %s" % (human_readable(int(sizes["used"])), human_readable(int(sizes["total"])))


def launch_spec(version):
    spec = {"-n": ("name", True), "--name": ("name", True), "-c": ("cpus", True), "--cpus": ("cpus", True),
            "-m": ("memory", True), "-d": ("disk", True), "--disk": ("disk", True),
            "--cloud-init": ("cloud_init", True)}
    if version.at_least(1, 7):
        spec["--timeout"] = ("timeout", True)
    if version.at_least(1, 11):
        spec["--memory"] = ("memory", True)
    if not version.is_main:
        spec["--mem"] = ("mem", True)
    if version.at_least(1, 8):
        spec.update({"--network": ("network", True), "--bridged": ("bridged", False)})
    if version.at_least(1, 11):
        spec["--mount"] = ("mount", True)
    if version.is_main:
        spec["--zone"] = ("zone", True)
    return spec


def cmd_launch(ctx, args):
    opts = parse_options(args, launch_spec(ctx.version))
    if len(opts.positional) > 1:
        raise CliError("Too many arguments supplied", 1)
    image = opts.positional[0] if opts.positional else ""
    if image.count(":") > 1:
        raise CliError("Invalid remote and source image name supplied", 1)
    request = launch_request(ctx, opts)
    ctx.connect()
    check_launch_sizes(request, ctx.version)  # the daemon validates the arguments, then the name, then looks for the image
    name = request["name"] or "fake-%d" % (ctx.state.launched + 1)
    if name in ctx.state.instances:
        raise failed("launch", 'instance "%s" already exists' % name)
    resolved = resolve_image(image, ctx.version)
    if resolved is None:
        raise unknown_image_error(image, ctx.version)
    return create_instance(ctx, name, resolved[1], request, opts)


def launch_request(ctx, opts):
    memory_text = memory_option(ctx, opts)
    request = {"name": opts.get("name", ""), "cpus": checked_cpus(opts.get("cpus")),
               "memory_text": memory_text or "1G", "disk_text": opts.get("disk") or "5G",
               "networks": network_options(opts), "mounts": mount_options(opts)}
    request["memory"] = size_in_bytes(request["memory_text"])
    request["disk"] = size_in_bytes(request["disk_text"])
    for key in ("memory", "disk"):
        if request[key] is None:
            raise CliError("error: %s is not a valid memory size" % request[key + "_text"], 1)
    timeout = opts.get("timeout")
    if timeout is not None and (not re.match(r"^\d+$", timeout) or int(timeout) == 0):
        raise CliError("error: --timeout value has to be a positive integer", 1)
    request["cloud_init"] = read_cloud_init(ctx, opts.get("cloud_init"))
    return request


def memory_option(ctx, opts):
    if opts.isset("memory") and opts.isset("mem"):
        raise CliError('Error: invalid option(s) used for memory allocation. Please use "--memory" to specify '
                       'amount of memory to allocate.', 1)
    if opts.isset("mem") and ctx.version.at_least(1, 11):
        ctx.warn('Warning: the "--mem" long option is deprecated in favour of "--memory". Please update any '
                 'scripts, etc.')
    return opts.get("memory") or opts.get("mem")


def checked_cpus(text):
    if text is None:
        return 1
    if not re.match(r"^\d+$", text) or int(text) < 1:
        raise CliError("Error: invalid CPU count '%s', need a positive integer value." % text, 1)
    return int(text)


def network_options(opts):
    specs = (["bridged"] if opts.isset("bridged") else []) + opts.all("network")
    networks = []
    for spec in specs:
        fields = dict(part.split("=", 1) for part in spec.split(",") if "=" in part)
        if "=" not in spec:
            fields = {"name": spec}
        if not fields.get("name"):
            raise CliError("error: Bad network definition, need at least a 'name' field", 1)
        if fields.get("mode", "auto") not in ("auto", "manual"):
            raise CliError("error: Bad network mode '%s', need 'auto' or 'manual'" % fields["mode"], 1)
        networks.append({"name": fields["name"], "mode": fields.get("mode", "auto"), "mac": fields.get("mac", "")})
    return networks


def mount_options(opts):
    mounts = {}
    for value in opts.all("mount"):
        source, target = (value.split(":", 1) + [""])[:2]
        if not os.path.exists(source):
            raise CliError('Mount source path "%s" does not exist' % source, 1)
        if not os.path.isdir(source):
            raise CliError('Mount source path "%s" is not a directory' % source, 1)
        mounts[target or "/home/ubuntu/" + os.path.basename(source.rstrip("/"))] = os.path.abspath(source)
    return mounts


def read_cloud_init(ctx, source):
    if source is None:
        return None
    if source == "-":
        return parsed_cloud_init(ctx.read_stdin())
    if re.match(r"^https?://", source) and ctx.version.at_least(1, 10):
        return ("url", source)
    try:
        with open(source) as handle:
            return parsed_cloud_init(handle.read())
    except OSError:
        if ctx.version.at_least(1, 11):
            raise CliError("Could not load cloud-init configuration: bad file: %s\nPlease ensure that Multipass "
                           "can read it." % source, 1)
        raise CliError("error: No such file: %s" % source, 1)


def parsed_cloud_init(text):
    """The client parses user data before it reaches the daemon (a YAML error is a command-line error)."""
    reemit_user_data(text)
    return ("yaml", text)


def check_launch_sizes(request, version):
    detail = None
    minimums = version.minimums()
    if request["memory"] < minimums["memory"][1]:
        detail = "Invalid memory size value supplied: %s." % request["memory_text"]
    if request["disk"] < minimums["disk"][1]:
        detail = "Invalid disk size value supplied: %s." % request["disk_text"]
    if request["name"] and not NAME_RE.match(request["name"]):
        detail = "Invalid instance name supplied: %s" % request["name"]
    if detail:
        raise failed("launch", "Invalid arguments supplied\n" + detail)


def create_instance(ctx, name, release, request, opts):
    ctx.state.launched += 1
    vm = {"name": name, "state": "Running", "release": release, "cpus": request["cpus"],
          "memory": request["memory"], "disk": request["disk"], "networks": request["networks"],
          "mounts": request["mounts"], "ipv4": "10.92.11.%d" % (9 + ctx.state.launched)}
    if opts.isset("zone"):
        vm["zone"] = opts.get("zone")
    ctx.state.instances[name] = vm
    if request["cloud_init"] and request["cloud_init"][0] == "url":
        ctx.state.store_cloud_init(name, request["cloud_init"][1], "url")  # nothing is downloaded
        vm["cloud_init"] = "url"
    else:
        ctx.state.store_user_data(name, request["cloud_init"][1] if request["cloud_init"] else "")
        vm["cloud_init"] = "yaml" if request["cloud_init"] else "none"
    timeout = take_launch_timeout(ctx)
    if timeout is not None:
        vm["state"] = "Starting"
        vm["boot_calls"] = int(timeout.get("boot_calls", 0))
        client = timeout.get("mode", "client" if opts.isset("timeout") else "daemon") == "client"
        if client:
            raise CliError("Timed out waiting for instance launch.", 5)
        raise failed("launch", "The following errors occurred:\ntimed out waiting for initialization to complete")
    return "Launched: %s\n" % name


def take_launch_timeout(ctx):
    if not ctx.state.has_file("launch_timeout.json"):
        return None
    settings = ctx.state.hook("launch_timeout.json", {}) or {}
    ctx.state.remove_file("launch_timeout.json")
    return settings


def simple_action(command, target_state, allowed_from=None):
    def run(ctx, args):
        opts = parse_options(args, {"--all": ("all", False), "--timeout": ("timeout", True),
                                    "--time": ("time", True), "-t": ("time", True),
                                    "--cancel": ("cancel", False), "-c": ("cancel", False),
                                    "--force": ("force", False)})
        check_names_and_all(opts, allow_empty=True)
        names = opts.positional or ([] if opts.isset("all") else ["primary"])
        for vm in select(ctx.state, names, command, allow_deleted=False):
            if opts.isset("cancel"):
                continue  # cancels a delayed shutdown; the fake shuts down at once, so nothing is pending
            if allowed_from is None or vm["state"] in allowed_from:
                vm["state"] = target_state
        return ""
    return run


# check_state_for_shutdown (base_virtual_machine.cpp): v1.14 refuses these states with its own texts, v1.15 on
# with the instance name; --force (1.14+) powers the instance off whatever its state.
STOP_REFUSALS_1_14 = {"Suspended": "Cannot stop suspended instance. Use --force to override.",
                      "Suspending": "Cannot stop instance while suspending. Use --force to override.",
                      "Starting": "Cannot stop instance while starting. Use --force to override.",
                      "Restarting": "Cannot stop instance while starting. Use --force to override."}
STOP_REFUSALS = {"Suspended": "Cannot shut down suspended instance %s.",
                 "Suspending": "Cannot shut down instance %s while suspending.",
                 "Starting": "Cannot shut down instance %s while starting.",
                 "Restarting": "Cannot shut down instance %s while starting."}


def cmd_stop(ctx, args):
    spec = {"--all": ("all", False), "--time": ("time", True), "-t": ("time", True),
            "--cancel": ("cancel", False), "-c": ("cancel", False)}
    if ctx.version.at_least(1, 14):
        spec["--force"] = ("force", False)
    opts = parse_options(args, spec)
    check_names_and_all(opts, allow_empty=True)
    names = opts.positional or ([] if opts.isset("all") else ["primary"])
    chosen = select(ctx.state, names, "stop", allow_deleted=False)
    if opts.isset("cancel"):
        return ""  # cancels a delayed shutdown; the fake shuts down at once, so nothing is pending
    if ctx.version.at_least(1, 14) and not opts.isset("force"):
        for vm in chosen:
            if vm["state"] in STOP_REFUSALS:
                text = STOP_REFUSALS_1_14[vm["state"]] if not ctx.version.at_least(1, 15) \
                    else STOP_REFUSALS[vm["state"]] % vm["name"]
                raise failed("stop", text)
    for vm in chosen:
        vm["state"] = "Stopped"
    return ""


def cmd_delete(ctx, args):
    opts = parse_options(args, {"--all": ("all", False), "-p": ("purge", False), "--purge": ("purge", False)})
    check_names_and_all(opts)
    chosen = select(ctx.state, opts.positional, "delete", allow_deleted=True)
    for vm in chosen:
        if opts.isset("purge"):
            del ctx.state.instances[vm["name"]]
        else:
            vm["state"] = "Deleted"
    return ""


def cmd_recover(ctx, args):
    opts = parse_options(args, {"--all": ("all", False)})
    check_names_and_all(opts)
    for vm in select(ctx.state, opts.positional, "recover", allow_deleted=True):
        if vm["state"] == "Deleted":
            vm["state"] = "Stopped"
    return ""


def cmd_purge(ctx, args):
    opts = parse_options(args, {})
    if opts.positional:
        raise CliError("This command takes no arguments", 1)
    for name in [n for n, vm in ctx.state.instances.items() if vm["state"] == "Deleted"]:
        del ctx.state.instances[name]
    return ""


# ---------------------------------------------------------------- settings

SETTING_RE = re.compile(r"^local\.(?P<instance>.+)\.(?P<property>cpus|memory|disk|bridged)$")
GLOBAL_SETTINGS = {"local.driver": "qemu", "client.primary-name": "primary", "local.privileged-mounts": "true",
                   "local.bridged-network": "", "client.gui.autostart": "true"}


def cmd_get(ctx, args):
    opts = parse_options(args, {"--raw": ("raw", False), "--keys": ("keys", False)})
    if opts.isset("keys"):
        return "".join(k + "\n" for k in sorted(list(GLOBAL_SETTINGS) + instance_keys(ctx)))
    if len(opts.positional) != 1:
        raise CliError("Multiple settings not implemented yet. Please try again with either a single key or just "
                       "the `--keys` flag for now.", 1)
    key = opts.positional[0]
    if key in GLOBAL_SETTINGS:
        value = GLOBAL_SETTINGS[key]
        return (value or ("" if opts.isset("raw") else "<empty>")) + "\n"
    name, prop = parse_setting_key(ctx, key)
    vm = ctx.state.instances.get(name)
    if vm is None:
        raise CliError("Cannot obtain instance settings; instance: %s; reason: No such instance" % name, 2)
    value = {"cpus": str(vm["cpus"]), "memory": human_readable(vm["memory"]),
             "disk": human_readable(vm["disk"]), "bridged": "false"}[prop]
    return value + "\n"


def instance_keys(ctx):
    if not ctx.version.at_least(1, 10):
        return []
    return ["local.%s.%s" % (name, prop) for name in ctx.state.instances for prop in ("cpus", "disk", "memory")]


def parse_setting_key(ctx, key):
    match = SETTING_RE.match(key)
    if not match or not ctx.version.at_least(1, 10):
        raise CliError("Unrecognized settings key: '%s'" % key, 2)
    return match.group("instance"), match.group("property")


def cmd_set(ctx, args):
    opts = parse_options(args, {})
    if len(opts.positional) != 1:
        raise CliError("Need exactly one key-value pair (in <key>=<value> form).", 1)
    key, sep, value = opts.positional[0].partition("=")
    if not key or not sep or "=" in value:
        raise CliError("Bad key-value format.", 1)
    if key in GLOBAL_SETTINGS:
        return ""
    name, prop = parse_setting_key(ctx, key)
    vm = settable_instance(ctx, name)
    UPDATERS[prop](vm, key, value, ctx.version)
    return ""


def settable_instance(ctx, name):
    vm = ctx.state.instances.get(name)
    reason = None
    if vm is None:
        reason = "No such instance"
    elif vm["state"] == "Deleted":
        reason = "Instance is deleted"
    elif vm["state"] != "Stopped":
        reason = "Instance must be stopped for modification"
    if reason:
        raise CliError("Cannot update instance settings; instance: %s; reason: %s" % (name, reason), 2)
    return vm


def invalid_setting(key, value, why):
    return CliError("Invalid setting '%s=%s': %s" % (key, value, why), 1)


def setting_size(key, value):
    size = size_in_bytes(value)
    if size is None:
        raise invalid_setting(key, value, "%s is not a valid memory size" % value)
    if size == 0:
        raise invalid_setting(key, value, "Need a positive size.")
    return size


def update_cpus(vm, key, value, version):
    if not re.match(r"^\d+$", value) or int(value) < 1:
        raise invalid_setting(key, value, "Need a positive integer (in decimal format) of minimum 1")
    vm["cpus"] = int(value)


def update_memory(vm, key, value, version):
    size = setting_size(key, value)
    text, minimum = version.minimums()["memory"]
    if size < minimum:
        raise invalid_setting(key, value, "Memory less than %s minimum not allowed" % text)
    vm["memory"] = size


def update_disk(vm, key, value, version):
    size = setting_size(key, value)
    if size < vm["disk"]:
        raise invalid_setting(key, value, "Disk can only be expanded")
    vm["disk"] = size


def update_bridged(vm, key, value, version):
    if value.lower() not in ("true", "false", "on", "off", "yes", "no", "1", "0"):
        raise invalid_setting(key, value, "Invalid flag, need \"true\" or \"false\"")


UPDATERS = {"cpus": update_cpus, "memory": update_memory, "disk": update_disk, "bridged": update_bridged}


# ---------------------------------------------------------------- exec, mount, transfer

def cmd_exec(ctx, args):
    opts = parse_options(args, {"-d": ("dir", True), "--working-directory": ("dir", True),
                                "-n": ("no_map", False), "--no-map-working-directory": ("no_map", False)})
    command = opts.positional[1:] + opts.after_dashes
    if not opts.positional or not command:
        raise CliError("Wrong number of arguments", 1)
    vm = select(ctx.state, opts.positional[:1], "exec", allow_deleted=False, all_when_empty=False)[0]
    if vm["state"] != "Running":
        if not ctx.version.at_least(1, 9):
            raise failed("exec", 'instance "%s" is not running' % vm["name"])
        vm["state"] = "Running"  # from 1.9 the client starts a stopped instance and runs the command
    return guest_command(ctx, vm, command)


def guest_command(ctx, vm, command):
    joined = " ".join(command)
    for hook in ctx.state.hook("exec_hooks.json", []):
        if hook.get("instance", vm["name"]) == vm["name"] and hook.get("match", "") in joined:
            if hook.get("stderr"):
                ctx.warn(hook["stderr"].rstrip("\n"))
            ctx.rc = int(hook.get("rc", 0))
            return hook.get("stdout", "")
    if command[:2] == ["cloud-init", "status"] or command[:3] == ["sudo", "cloud-init", "status"]:
        return cloud_init_status(ctx)
    output = guest_cat(ctx, vm, command)
    return "" if output is None else output


def cloud_init_status(ctx):
    status = "done"
    if ctx.state.has_file("cloud_init_status"):
        with open(os.path.join(ctx.state.dir, "cloud_init_status")) as handle:
            status = handle.read().strip() or "done"
    ctx.rc = 1 if status == "error" else 0
    return "status: %s\n" % status


def cmd_mount(ctx, args):
    opts = parse_options(args, {"-t": ("type", True), "--type": ("type", True), "-u": ("uid", True),
                                "--uid-map": ("uid", True), "-g": ("gid", True), "--gid-map": ("gid", True)})
    if len(opts.positional) < 2:
        raise CliError("Not enough arguments given", 1)
    source = opts.positional[0]
    if not os.path.isdir(source):
        raise CliError('source "%s" is not a directory' % source, 1)
    for target in opts.positional[1:]:
        name, path = (target.split(":", 1) + [""])[:2]
        vm = select(ctx.state, [name], "mount", allow_deleted=False, all_when_empty=False)[0]
        vm.setdefault("mounts", {})[path or "/home/ubuntu/" + os.path.basename(source.rstrip("/"))] = \
            os.path.abspath(source)
    return ""


def cmd_umount(ctx, args):
    opts = parse_options(args, {})
    if not opts.positional:
        raise CliError("Not enough arguments given", 1)
    for target in opts.positional:
        name, path = (target.split(":", 1) + [""])[:2]
        vm = select(ctx.state, [name], "umount", allow_deleted=False, all_when_empty=False)[0]
        mounts = vm.setdefault("mounts", {})
        for mounted in [m for m in mounts if not path or m == path]:
            del mounts[mounted]
    return ""


def cmd_transfer(ctx, args):
    opts = parse_options(args, {"-r": ("recursive", False), "--recursive": ("recursive", False),
                                "-p": ("parents", False), "--parents": ("parents", False)})
    if len(opts.positional) < 2:
        raise CliError("Not enough arguments given", 1)
    if "-" in opts.positional:
        ctx.read_stdin()
    for endpoint in opts.positional:
        if ":" in endpoint and not re.match(r"^[A-Za-z]:[\\/]", endpoint):
            select(ctx.state, [endpoint.split(":", 1)[0]], "transfer", allow_deleted=False, all_when_empty=False)
    return ""


COMMANDS = {
    "version": cmd_version, "list": cmd_list, "info": cmd_info, "launch": cmd_launch,
    "start": simple_action("start", "Running"),
    "stop": cmd_stop,
    "restart": simple_action("restart", "Running"),
    "suspend": simple_action("suspend", "Suspended", allowed_from=("Running", "Starting")),
    "delete": cmd_delete, "recover": cmd_recover, "purge": cmd_purge, "get": cmd_get, "set": cmd_set,
    "exec": cmd_exec, "mount": cmd_mount, "umount": cmd_umount, "transfer": cmd_transfer,
}
ALIASES = {"ls": "list", "unmount": "umount"}


# ---------------------------------------------------------------- driver

class Context:
    """One invocation. Touching `state` is talking to the daemon: it fails while the daemon is down."""

    def __init__(self, state, version, stdin):
        self._state = state
        self._connected = False
        self.command = ""
        self.version = version
        self.stdin = stdin
        self.stdin_bytes = 0
        self.stderr = []
        self.rc = 0
        self.daemon_down = os.environ.get("FAKE_MULTIPASS_DAEMON_DOWN", "") not in ("", "0") \
            or state.has_file("daemon_down")

    @property
    def state(self):
        self.connect()
        return self._state

    def connect(self):
        """Options are parsed by the client first; the daemon is reached (or found down) afterwards."""
        if self._connected:
            return
        self._connected = True
        if self.daemon_down:
            raise daemon_down_error(self.command, self.version)
        self._state.promote_booting()
        self.transient(self.command)

    def read_stdin(self):
        data = self.stdin.read()
        self.stdin_bytes += len(data.encode())
        return data

    def warn(self, text):
        self.stderr.append(text)

    def transient(self, command):
        errors = self._state.hook("transient_errors.json", {})
        entry = errors.get(command)
        if not entry:
            return
        entry = entry if isinstance(entry, dict) else {"count": entry}
        if int(entry.get("count", 0)) <= 0:
            return
        entry["count"] = int(entry["count"]) - 1
        errors[command] = entry
        self._state.write_hook("transient_errors.json", errors)
        raise failed(command, entry.get("message", SOCKET_ERROR), int(entry.get("rc", 2)))


def daemon_down_error(command, version):
    """The client turns the unreachable socket into a NOT_FOUND status, so the exit code is 2 (CommandFail), not 3
    (include/multipass/cli/command.h and client_common.cpp, v1.5.0 to main)."""
    message = "%s failed: cannot connect to the multipass socket\nPlease ensure multipassd is running and " \
              "'/var/snap/multipass/common/multipass_socket' is accessible" % command
    return CliError(message, 2)


def run_command(ctx, argv):
    args = [a for a in argv if a not in ("-v", "-vv", "-vvv", "-vvvv", "--verbose")]
    if args[:1] in (["-V"], ["--version"]):
        args = ["version"] + args[1:]
    if not args or args[0] in ("-h", "--help", "help"):
        if not args:
            raise CliError(GENERAL_HELP.rstrip("\n"), 2, to_stdout=True)
        return GENERAL_HELP
    command, rest = ALIASES.get(args[0], args[0]), args[1:]
    if command not in COMMANDS:
        raise CliError("Error: Unknown Command '%s' (try \"multipass help\")" % command, 1, to_stdout=True)
    ctx.command = command
    options = rest[:rest.index("--")] if "--" in rest else rest
    if "--help" in options or ("-h" in options and command != "exec"):
        return "Usage: multipass %s\n" % command
    return COMMANDS[command](ctx, rest)


GENERAL_HELP = "Usage: multipass [options] <command>\nfake multipass (tests/fake_multipass/cli.py)\n" \
               "Available commands: " + " ".join(sorted(COMMANDS)) + "\n"


def state_dir():
    directory = os.environ.get("FAKE_MULTIPASS_STATE") or os.path.join(tempfile.gettempdir(),
                                                                       "fake-multipass-state")
    os.makedirs(directory, exist_ok=True)
    return directory


def log_call(directory, argv, ctx):
    command = next((a for a in argv if not a.startswith("-")), "")
    record = {"argv": argv, "command": command, "mutating": command in MUTATING, "stdin_bytes": ctx.stdin_bytes,
              "rc": ctx.rc, "version": ctx.version.text}
    with open(os.path.join(directory, "calls.jsonl"), "a") as handle:
        handle.write(json.dumps(record) + "\n")


def main(argv):
    directory = state_dir()
    version = Version(os.environ.get("FAKE_MULTIPASS_VERSION") or DEFAULT_VERSION)
    with open(os.path.join(directory, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # Ansible forks may call the fake in parallel
        state = State(directory)
        ctx = Context(state, version, sys.stdin)
        try:
            output = run_command(ctx, argv)
        except CliError as error:
            ctx.rc = error.rc
            output = error.message + "\n" if error.to_stdout else ""
            if not error.to_stdout:
                ctx.stderr.append(error.message)
        state.save()  # errors are raised before any change, except a timed-out launch, which leaves a VM booting
        sys.stdout.write(output)
        for line in ctx.stderr:
            sys.stderr.write(line + "\n")
        log_call(directory, argv, ctx)
    return ctx.rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
