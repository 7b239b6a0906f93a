"""The lab rig: real Debian 12 guests (systemd-nspawn) in network namespaces on one machine.

What this is
------------
The machinery behind tests/rig/multipass (cli.py) and scripts/rig.sh. It stands in for what multipassd does on a
real workstation, with real systems instead of QEMU VMs:

- one rig network namespace (default name ``ccol1-rig``) holding a bridge with 198.18.0.1/24 (a benchmarking
  range, never a real private range), dnsmasq giving each guest NIC its "Multipass" address by DHCP (a fixed
  address per MAC) and answering DNS for nothing outside the rig, and an HTTP server on 198.18.0.1:8080 that serves
  the rig's package repository (built by scripts/rig/base.sh from Debian's packages) and any files put in
  ``<rig dir>/www/files``;
- per guest: a network namespace ``<rig>-<guest>`` joined to the bridge by a veth pair whose guest end is ``ens3``
  with a 52:54:00 MAC, an overlayfs root on the one cached base, a NoCloud seed (user-data, meta-data,
  network-config, vendor-data) in ``/var/lib/cloud/seed/nocloud``, and ``systemd-nspawn --boot`` detached, started
  inside that namespace with nsenter (this machine's PID 1 is not systemd, hence ``--register=no --keep-unit``).

Nothing here opens a connection to any address outside loopback and the rig's namespaces; the guests have no
route out of the rig (the rig namespace has no uplink).

State lives in the rig directory (RIG_DIR, default /var/lib/ccol1-rig/<rig name>): ``rig.json`` (the
infrastructure: base path, PIDs of dnsmasq and the HTTP server) and ``instances/<name>/`` (``instance.json``, the
overlay's upper/work/merged directories, ``console.log``).
"""
import fcntl
import hashlib
import json
import os
import signal
import subprocess
import time

RIG_NAME = os.environ.get("RIG_NAME", "ccol1-rig")
RIG_DIR = os.environ.get("RIG_DIR") or os.path.join("/var/lib/ccol1-rig", RIG_NAME)
BRIDGE = "rigbr0"
GATEWAY = "198.18.0.1"
PREFIX = 24
FIRST_GUEST_OCTET = 10
HTTP_PORT = 8080
GUEST_NIC = "ens3"
GUEST_STOP_SECONDS = 30
# A do-nothing process in the host's mount namespace, for calls made from inside `ip netns exec` (see cli.py).
ANCHOR_MARKER = "ccol1-rig-anchor:" + RIG_NAME


class RigError(Exception):
    pass


# ---------------------------------------------------------------- small helpers

def run(argv, check=True, **kwargs):
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False, **kwargs)
    if check and result.returncode != 0:
        raise RigError("%s failed (rc %d): %s" % (" ".join(argv), result.returncode, result.stderr.strip()))
    return result


def read_json(path, default=None):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


def write_json(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(path + ".tmp", path)


def write_text(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, mode)


class Lock:
    """Serialises changes to the rig state between concurrent calls (Ansible forks); never held while waiting."""

    def __enter__(self):
        os.makedirs(RIG_DIR, exist_ok=True)
        self.handle = open(os.path.join(RIG_DIR, ".lock"), "w")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def pid_alive(pid, marker=None):
    """True when `pid` runs and, if given, its command line contains `marker` (guards against PID reuse)."""
    if not pid:
        return False
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return marker is None or marker in cmdline


def stop_pid(pid, marker, seconds, sig=signal.SIGTERM):
    if not pid_alive(pid, marker):
        return
    os.kill(pid, sig)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not pid_alive(pid, marker):
            return
        time.sleep(0.2)
    if pid_alive(pid, marker):
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)


def spawn_detached(argv, log_path, netns=None):
    """Starts a long-lived process in its own session (it outlives this short-lived command) and returns its PID."""
    if netns:
        argv = ["ip", "netns", "exec", netns] + argv
    with open(log_path, "ab") as log, open(os.devnull, "rb") as null:
        process = subprocess.Popen(argv, stdin=null, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                   close_fds=True)
    return process.pid


def netns_exists(name):
    return os.path.exists("/run/netns/" + name)


# ---------------------------------------------------------------- the rig infrastructure

def rig_state():
    return read_json(os.path.join(RIG_DIR, "rig.json"))


def rig_is_up():
    state = rig_state()
    return bool(state) and netns_exists(RIG_NAME) and pid_alive(state.get("dnsmasq_pid"), "dnsmasq")


def infra_up(base):
    """Creates the rig namespace, bridge, DHCP/DNS and the package repository's HTTP server. Idempotent."""
    if rig_is_up():
        return rig_state()
    stop_services(rig_state() or {})  # a half-up rig's survivors
    for sub in ("instances", "www/files"):
        os.makedirs(os.path.join(RIG_DIR, sub), exist_ok=True)
    if not netns_exists(RIG_NAME):
        run(["ip", "netns", "add", RIG_NAME])
    ns = ["ip", "-n", RIG_NAME]
    run(ns + ["link", "set", "lo", "up"])
    if run(ns + ["link", "show", BRIDGE], check=False).returncode != 0:
        run(ns + ["link", "add", BRIDGE, "type", "bridge"])
        run(ns + ["addr", "add", "%s/%d" % (GATEWAY, PREFIX), "dev", BRIDGE])
    run(ns + ["link", "set", BRIDGE, "up"])
    link_repository(base)
    hosts = os.path.join(RIG_DIR, "dhcp-hosts")
    if not os.path.exists(hosts):
        write_text(hosts, "")
    state = {"name": RIG_NAME, "base": base, "bridge": BRIDGE, "gateway": GATEWAY,
             "repo_url": "http://%s:%d" % (GATEWAY, HTTP_PORT)}
    state["anchor_pid"] = spawn_detached(["python3", "-c", "import signal; signal.pause()", ANCHOR_MARKER],
                                         os.devnull)
    state["dnsmasq_pid"] = start_dnsmasq(hosts)
    state["http_pid"] = spawn_detached(
        ["python3", "-m", "http.server", str(HTTP_PORT), "--bind", GATEWAY, "--directory",
         os.path.join(RIG_DIR, "www")], os.path.join(RIG_DIR, "http.log"), netns=RIG_NAME)
    write_json(os.path.join(RIG_DIR, "rig.json"), state)
    return state


def link_repository(base):
    """The flat repository (`deb [trusted=yes] http://198.18.0.1:8080/ ./`) is the base's repo/ at the web root."""
    www = os.path.join(RIG_DIR, "www")
    repo = os.path.join(base, "repo")
    for name in os.listdir(repo):
        target = os.path.join(www, name)
        if not os.path.lexists(target):
            os.symlink(os.path.join(repo, name), target)


def start_dnsmasq(hosts):
    pid_file = os.path.join(RIG_DIR, "dnsmasq.pid")
    low, high = "%s.100" % GATEWAY.rsplit(".", 1)[0], "%s.199" % GATEWAY.rsplit(".", 1)[0]
    run(["ip", "netns", "exec", RIG_NAME, "dnsmasq", "--conf-file=/dev/null", "--user=root", "--group=root",
         "--pid-file=" + pid_file, "--interface=" + BRIDGE, "--bind-interfaces", "--except-interface=lo",
         "--no-resolv", "--no-hosts", "--no-poll", "--domain=multipass", "--local=/multipass/",
         "--dhcp-authoritative", "--dhcp-range=%s,%s,255.255.255.0,1h" % (low, high),
         "--dhcp-hostsfile=" + hosts, "--dhcp-leasefile=" + os.path.join(RIG_DIR, "dnsmasq.leases"),
         "--dhcp-option=option:router," + GATEWAY, "--dhcp-option=option:dns-server," + GATEWAY,
         "--log-facility=" + os.path.join(RIG_DIR, "dnsmasq.log"), "--log-dhcp"])
    for dummy_try in range(50):
        try:
            with open(pid_file) as handle:
                return int(handle.read().strip())
        except (OSError, ValueError):
            time.sleep(0.1)
    raise RigError("dnsmasq wrote no PID file")


def reload_dhcp_hosts(instances):
    """Rewrites the MAC → address table and tells dnsmasq (SIGHUP re-reads --dhcp-hostsfile)."""
    lines = ["%s,%s,%s\n" % (vm["mac"], vm["address"], vm["name"]) for vm in instances]
    write_text(os.path.join(RIG_DIR, "dhcp-hosts"), "".join(lines))
    state = rig_state() or {}
    if pid_alive(state.get("dnsmasq_pid"), "dnsmasq"):
        os.kill(state["dnsmasq_pid"], signal.SIGHUP)


def stop_services(state):
    stop_pid(state.get("http_pid"), "http.server", 5)
    stop_pid(state.get("dnsmasq_pid"), "dnsmasq", 5)
    stop_pid(state.get("anchor_pid"), ANCHOR_MARKER, 5)


def infra_down():
    """Stops every guest, then the rig's services, and removes every namespace and mount of this rig."""
    for vm in all_instances():
        guest_stop(vm, seconds=10)
        unmount_root(vm)
        delete_guest_netns(vm["name"])
    stop_services(rig_state() or {})
    for name in os.listdir("/run/netns") if os.path.isdir("/run/netns") else []:
        if name == RIG_NAME or name.startswith(RIG_NAME + "-"):
            run(["ip", "netns", "del", name], check=False)
    try:
        os.unlink(os.path.join(RIG_DIR, "rig.json"))
    except OSError:
        pass


# ---------------------------------------------------------------- instances

def instance_dir(name):
    return os.path.join(RIG_DIR, "instances", name)


def load_instance(name):
    return read_json(os.path.join(instance_dir(name), "instance.json"))


def save_instance(vm):
    write_json(os.path.join(instance_dir(vm["name"]), "instance.json"), vm)


def all_instances():
    root = os.path.join(RIG_DIR, "instances")
    names = sorted(os.listdir(root)) if os.path.isdir(root) else []
    return [vm for vm in (load_instance(name) for name in names) if vm]


def allocate(name, settings):
    """Reserves a slot (index, MAC, address) for a new instance; call under Lock."""
    used = {vm["index"] for vm in all_instances()}
    index = next(i for i in range(1, 200) if i not in used)
    digest = hashlib.sha256((RIG_NAME + "/" + name).encode()).hexdigest()
    vm = {"name": name, "index": index, "mac": "52:54:00:%s:%s:%s" % (digest[0:2], digest[2:4], digest[4:6]),
          "address": "%s.%d" % (GATEWAY.rsplit(".", 1)[0], FIRST_GUEST_OCTET + index - 1),
          "deleted": False, "pid": None, "created": time.time()}
    vm.update(settings)
    save_instance(vm)
    reload_dhcp_hosts(all_instances())
    return vm


def root_dir(vm):
    return os.path.join(instance_dir(vm["name"]), "merged")


def guest_netns(name):
    return "%s-%s" % (RIG_NAME, name)


def mount_root(vm, base):
    merged = root_dir(vm)
    if os.path.ismount(merged):
        return merged
    directory = instance_dir(vm["name"])
    for sub in ("upper", "work", "merged"):
        os.makedirs(os.path.join(directory, sub), exist_ok=True)
    run(["mount", "-t", "overlay", "overlay", "-o", "lowerdir=%s,upperdir=%s,workdir=%s" % (
        os.path.join(base, "rootfs"), os.path.join(directory, "upper"), os.path.join(directory, "work")), merged])
    return merged


def unmount_root(vm):
    merged = root_dir(vm)
    if os.path.ismount(merged):
        if run(["umount", merged], check=False).returncode != 0:
            run(["umount", "-l", merged], check=False)


def create_guest_netns(vm):
    """The guest's own namespace with `ens3` (the instance's MAC) on the rig bridge; the host end is rv<index>."""
    name = guest_netns(vm["name"])
    peer = "rv%d" % vm["index"]
    if not netns_exists(name):
        run(["ip", "netns", "add", name])
    ns = ["ip", "-n", RIG_NAME]
    if run(ns + ["link", "show", peer], check=False).returncode != 0:
        run(ns + ["link", "add", peer, "type", "veth", "peer", "name", GUEST_NIC, "netns", name])
        run(["ip", "-n", name, "link", "set", GUEST_NIC, "address", vm["mac"]])
        run(ns + ["link", "set", peer, "master", BRIDGE])
    run(ns + ["link", "set", peer, "up"])
    return name


def delete_guest_netns(name):
    ns = guest_netns(name)
    if netns_exists(ns):
        run(["ip", "netns", "del", ns], check=False)  # deleting it removes the veth pair too


def write_seed(root, vm, user_data, network_config):
    seed = os.path.join(root, "var/lib/cloud/seed/nocloud")
    write_text(os.path.join(seed, "user-data"), user_data, 0o600)
    write_text(os.path.join(seed, "meta-data"),
               "instance-id: %s\nlocal-hostname: %s\ncloud-name: multipass\n" % (vm["name"], vm["name"]), 0o600)
    write_text(os.path.join(seed, "network-config"), network_config, 0o600)
    write_text(os.path.join(seed, "vendor-data"), "#cloud-config\n{}\n", 0o600)
    write_text(os.path.join(root, "etc/machine-id"), hashlib.md5(
        ("%s/%s/%s" % (RIG_NAME, vm["name"], vm["created"])).encode()).hexdigest() + "\n", 0o444)


def guest_start(vm):
    """Boots the guest detached; returns at once (callers wait for what they need)."""
    state = rig_state()
    if not state:
        raise RigError("the rig is not up")
    if pid_alive(vm.get("pid"), root_dir(vm)):
        return vm
    root = mount_root(vm, state["base"])
    netns = create_guest_netns(vm)
    # nspawn runs inside the guest's namespace (nsenter) rather than with --network-namespace-path: with that option
    # systemd 252 mounts the guest's /sys from the host's namespace, so the guest's udev and cloud-init see (and
    # net_setup_link re-addresses by index) the host's NICs instead of ens3.
    argv = ["nsenter", "--net=/run/netns/" + netns, "--",
            "systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--boot", "-D", root,
            "--machine=" + vm["name"],
            "--capability=CAP_NET_ADMIN",  # the guest owns its namespace; networkd needs it
            "--resolv-conf=off", "--timezone=off", "--link-journal=no", "--console=read-only"]
    vm["pid"] = spawn_detached(argv, os.path.join(instance_dir(vm["name"]), "console.log"))
    vm["started"] = time.time()
    save_instance(vm)
    return vm


def guest_stop(vm, seconds=GUEST_STOP_SECONDS):
    """An orderly shutdown: SIGTERM makes systemd-nspawn ask the guest's systemd to power off."""
    stop_pid(vm.get("pid"), root_dir(vm), seconds)
    reset_nic(vm)
    vm["pid"] = None
    if load_instance(vm["name"]):
        save_instance(vm)


def reset_nic(vm):
    """A powered-off VM's NIC keeps no addresses; the guest's namespace outlives the guest here, so clear it."""
    ns = guest_netns(vm["name"])
    if netns_exists(ns):
        run(["ip", "-n", ns, "link", "set", GUEST_NIC, "down"], check=False)
        run(["ip", "-n", ns, "addr", "flush", "dev", GUEST_NIC], check=False)


def guest_purge(vm):
    guest_stop(vm, seconds=10)
    unmount_root(vm)
    delete_guest_netns(vm["name"])
    run(["rm", "-rf", "--one-file-system", instance_dir(vm["name"])], check=False)
    reload_dhcp_hosts(all_instances())


def leader_pid(vm):
    """The guest's PID 1 as seen from the host: the child of systemd-nspawn."""
    pid = vm.get("pid")
    if not pid_alive(pid, root_dir(vm)):
        return None
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/status" % entry) as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid) and len(fields.get("NSpid", "").split()) > 1:
            return int(entry)
    return None


def in_guest(vm, argv, user=None, cwd=None, stdin=None, capture=True, timeout=None):
    """Runs argv inside the guest (all its namespaces), as root or as `user` via runuser."""
    leader = leader_pid(vm)
    if leader is None:
        raise RigError("instance %s is not running" % vm["name"])
    command = ["nsenter", "-t", str(leader), "-m", "-u", "-i", "-n", "-p", "-C", "--"]
    env = ["env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"]
    if user:
        home = "/home/" + user
        inner = "cd %s 2>/dev/null || cd %s; exec \"$@\"" % (shell_quote(cwd or home), shell_quote(home))
        command += ["runuser", "-u", user, "--"] + env + ["HOME=" + home, "USER=" + user, "LOGNAME=" + user,
                                                          "sh", "-c", inner, "sh"] + list(argv)
    else:
        inner = "cd %s 2>/dev/null || cd /; exec \"$@\"" % shell_quote(cwd or "/root")
        command += env + ["HOME=/root", "sh", "-c", inner, "sh"] + list(argv)
    if capture:
        return subprocess.run(command, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout, check=False)
    return subprocess.run(command, timeout=timeout, check=False)


def shell_quote(text):
    return "'" + text.replace("'", "'\"'\"'") + "'"


def sshd_listening(vm):
    """Multipass calls an instance Running once it answers on SSH; here: something listens on port 22."""
    leader = leader_pid(vm)
    if leader is None:
        return False
    result = run(["nsenter", "-t", str(leader), "-n", "--", "ss", "-Hltn", "sport = :22"], check=False)
    return result.returncode == 0 and bool(result.stdout.strip())


def guest_addresses(vm):
    """Global IPv4 addresses on the guest's interfaces (the guest netns is shared with the host's view)."""
    result = run(["ip", "-n", guest_netns(vm["name"]), "-4", "-o", "addr", "show", "scope", "global"], check=False)
    addresses = []
    for line in result.stdout.splitlines():
        parts = line.split()
        if "inet" in parts:
            addresses.append(parts[parts.index("inet") + 1].split("/")[0])
    return addresses


def guest_path(vm, path):
    """`path` inside the guest's root as seen from the host, following the guest's absolute symlinks there."""
    root = root_dir(vm)
    current = root
    parts = [part for part in path.split("/") if part]
    for dummy_step in range(40):
        if not parts:
            return current
        candidate = os.path.join(current, parts.pop(0))
        if os.path.islink(candidate):
            target = os.readlink(candidate)
            base = root if target.startswith("/") else current
            parts = [part for part in target.split("/") if part] + parts
            current = base
            continue
        current = candidate
    return current


def boot_finished(vm):
    """The file Multipass waits for; /var/lib/cloud/instance is an absolute symlink inside the guest."""
    return os.path.exists(guest_path(vm, "/var/lib/cloud/instance/boot-finished"))


def main(argv):
    """`riglib.py up BASE_DIR` | `riglib.py down` | `riglib.py status`: the rig infrastructure for scripts/rig.sh."""
    if argv[:1] == ["up"] and len(argv) == 2:
        print(json.dumps(infra_up(os.path.abspath(argv[1]))))
        return 0
    if argv == ["down"]:
        infra_down()
        return 0
    if argv == ["status"]:
        print(json.dumps({"up": rig_is_up(), "rig": rig_state(), "instances": all_instances()}, indent=2))
        return 0
    print("usage: riglib.py up BASE_DIR | down | status")
    return 1


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
