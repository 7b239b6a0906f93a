"""Reads the rig's guests and writes the rig report (lab-report/rig.json); rc 1 when a check fails.

Two steps, because the guests are read before lab_destroy removes them:

  check.py read --multipass M --out GUESTS.json [--lab NAME...] [--sample NAME...] [--trap NAME]
  check.py report --rig-dir DIR --report RIG.json [--check-start EPOCH]

`read` keeps, per guest (keyed by name), the raw outputs the checks read: `cloud-init status --long`,
/run/cloud-init/result.json, `ip -br addr`, the marker file, /etc/hosts, the packages, the first and the comment
lines of the user data cloud-init received, the guest's `multipass info` entry; on host1 also `birdc show
protocols`, `ip route`, the BIRD service, the head of its configuration, the installed kubectl and calicoctl and
the venv's kubernetes client; on node1 and node2 their stand-in BIRD's `birdc show protocols`. It waits (bounded)
for host1's BGP sessions, which come back some seconds after lab_start.

`report` adds what scripts/rig.sh left in the rig directory (the playbooks' output and exit codes, `multipass list`
after lab_stop and after lab_destroy, the stand-in files served to host1, timings) and checks:
- every guest: cloud-init done with no errors, state Running, its "Multipass" address (198.18.0.0/24) first in
  `info`'s ipv4 and on ens3, the hosts entries of the lab's four VMs, the user data re-emitted (its
  "#cloud-config" header kept, no comment line left);
- lab guests (launched by the lab_vms role with the lab's user data): the marker holds `calicolab.ccol1` (read
  after the stop/start round trip), their own lab address on ens3, the packages the lab's user data asks for,
  every playbook run reached them with nothing failed or unreachable;
- host1: BIRD active and enabled under systemd with the bgp_router role's configuration, node1's and node2's
  sessions Established, control's listed (no BIRD runs on control: Calico is not installed), the BGP routes in
  `ip route` exactly the ones the import filter lets in (tests/rig/standins.py expected-routes: ECMP for the
  service ranges), kubectl and calicoctl the served files (sha256) at the profile's versions, the venv's
  kubernetes client importable;
- the sample and trap guests (the rig's own user data): Ansible's ping over SSH, the rig package installed; the
  trap guest (its netplan file uses another netdef ID) has no lab address;
- the lab: the second run of lab_vms, workstation and bgp_router changed nothing (`second_run_changed`), site.yml
  (what `make lab` runs) goes through the VM stage unchanged and stops at the k3s download,
  lab_stop stopped the four lab VMs and nothing else, lab_start and lab_status ran (the status names host1's BGP
  sessions and k3s's absence), lab_destroy with a marker the VMs do not carry failed and deleted nothing,
  lab_destroy removed the four lab VMs (each only after reading its marker), left the trap guest, and removed the
  lab's keys.
"""
import argparse
import hashlib
import ipaddress
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import standins  # noqa: E402  (tests/rig is not a package)

MARKER = "/etc/calicolab/lab-marker"
LAB_MARKER = "calicolab.ccol1"
MULTIPASS_NET = ipaddress.ip_network("198.18.0.0/24")
LAB_NET = ipaddress.ip_network("198.19.0.0/20")
LAB_ADDRESSES = {"control": "198.19.0.1", "node1": "198.19.0.2", "node2": "198.19.0.3", "host1": "198.19.15.254"}
# roles/lab_vms defaults: lab_vms_common_packages, plus vsftpd on control and bird2 on host1.
LAB_PACKAGES = ["curl", "netcat-openbsd", "tcpdump", "conntrack", "wireguard-tools", "dnsutils", "jq"]
EXTRA_PACKAGES = {"control": ["vsftpd"], "host1": ["bird2"]}
SAMPLE_PACKAGES = ["netcat-openbsd"]
BGP_WAIT_SECONDS = 60
PACKAGE_FORMAT = "${Package} ${Status}\\n"

USER_DATA = "/var/lib/cloud/instance/user-data.txt"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE_COMMENT = "# rig sample user data for"


def template_comments():
    """The comment lines of the lab's user data template: Multipass's YAML round trip must have dropped them."""
    with open(os.path.join(ROOT, "roles/lab_vms/templates/user-data.yml.j2")) as handle:
        return [line.rstrip("\n") for line in handle if line.startswith("#") and not line.startswith("#cloud-config")]


def comments_probe(kind):
    """grep for the source's comment lines in what cloud-init received: rc 1 (nothing found) is the good outcome."""
    texts = template_comments() if kind == "lab" else [SAMPLE_COMMENT]
    argv = ["sudo", "grep", "-c", "-F"]
    for text in texts:
        argv += ["-e", text]
    return argv + [USER_DATA]


COMMON_PROBES = {
    "cloud_init_status": ["cloud-init", "status", "--long"],
    "cloud_init_result": ["cat", "/run/cloud-init/result.json"],
    "ip_br_addr": ["ip", "-br", "addr"],
    "marker": ["cat", MARKER],
    "hosts_file": ["cat", "/etc/hosts"],
    # Only the header: the rest of the lab's user data carries the guest's private host key.
    "user_data_head": ["sudo", "head", "-n", "1", USER_DATA],
}
BIRDC = ["sudo", "birdc", "-s", "/run/bird/bird.ctl", "show", "protocols"]
HOST1_PROBES = {
    "birdc_show_protocols": BIRDC,
    "ip_route": ["ip", "route"],
    "bird_service": ["sh", "-c", "systemctl is-active bird; systemctl is-enabled bird"],
    "bird_conf_head": ["sudo", "head", "-n", "3", "/etc/bird/bird.conf"],
    "tools_sha256": ["sha256sum", "/usr/local/bin/kubectl", "/usr/local/bin/calicoctl"],
    "kubectl_version": ["/usr/local/bin/kubectl", "version", "--client"],
    "calicoctl_version": ["/usr/local/bin/calicoctl", "version"],
    "venv_kubernetes": ["/opt/calicolab/venv/bin/python", "-c",
                        "import kubernetes.dynamic, kubernetes; print(kubernetes.__version__)"],
}
NODE_PROBES = {"birdc_show_protocols": BIRDC}


def run(argv, timeout=60):
    started = time.monotonic()
    try:
        result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout,
                                stdin=subprocess.DEVNULL, check=False)
        out = {"rc": result.returncode, "stdout": result.stdout, "stderr": result.stderr}
    except subprocess.TimeoutExpired:
        out = {"rc": None, "stdout": "", "stderr": "timed out after %ds" % timeout}
    out["seconds"] = round(time.monotonic() - started, 2)
    return out


# ---------------------------------------------------------------- parsers of the raw outputs

def nic_addresses(ip_br_addr, nic="ens3"):
    for line in ip_br_addr.splitlines():
        fields = line.split()
        if fields and fields[0].split("@")[0] == nic:
            return [ipaddress.ip_interface(item).ip for item in fields[2:] if "." in item]
    return []


def bgp_sessions(birdc_output):
    """{protocol name: BGP state} from `birdc show protocols` (name, proto, table, state, since, info)."""
    sessions = {}
    for line in birdc_output.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[1] == "BGP":
            match = re.search(r"\b(Idle|Connect|Active|OpenSent|OpenConfirm|Established|Close)\b", line)
            sessions[fields[0]] = match.group(1) if match else "unknown"
    return sessions


def kernel_routes(ip_route_output, proto="bird"):
    """{prefix: sorted next hops} of the routes `ip route` shows with `proto <proto>` (multipath: nexthop lines)."""
    routes, current = {}, None
    for line in ip_route_output.splitlines():
        if not line.strip():
            continue
        fields = line.split()
        if not line[0].isspace():
            current = None
            if "proto" in fields and fields[fields.index("proto") + 1] == proto:
                prefix = fields[0] if "/" in fields[0] else fields[0] + "/32"
                current = routes.setdefault(prefix, [])
                if "via" in fields:
                    current.append(fields[fields.index("via") + 1])
        elif current is not None and fields[0] == "nexthop" and "via" in fields:
            current.append(fields[fields.index("via") + 1])
    return {prefix: sorted(hops) for prefix, hops in routes.items()}


def play_recap(log_text):
    """{host: {ok, changed, unreachable, failed, ...}} from the last PLAY RECAP of an ansible-playbook log. Given
    several playbook files, ansible-playbook prints a recap after each, every one counting from the start of the
    run, so the last one covers them all."""
    recap = {}
    sections = log_text.split("PLAY RECAP")
    for line in sections[-1].splitlines()[1:] if len(sections) > 1 else []:
        match = re.match(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", line)
        if not match:
            break
        recap[match.group(1)] = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(2))}
    return recap


def installed_packages(dpkg_output):
    return {line.split()[0] for line in dpkg_output.splitlines() if line.endswith("install ok installed")}


# ---------------------------------------------------------------- read

def exec_probe(multipass, name, argv):
    return run([multipass, "exec", name, "--"] + argv)


def wait_for_sessions(multipass, wanted):
    """host1's `birdc show protocols` once every wanted session is Established, or after BGP_WAIT_SECONDS."""
    deadline = time.monotonic() + BGP_WAIT_SECONDS
    while True:
        result = exec_probe(multipass, "host1", BIRDC)
        sessions = bgp_sessions(result["stdout"])
        if all(sessions.get(name) == "Established" for name in wanted) or time.monotonic() > deadline:
            return result
        time.sleep(2)


def read_guest(multipass, name, kind):
    probes = dict(COMMON_PROBES)
    packages = SAMPLE_PACKAGES if kind != "lab" else LAB_PACKAGES + EXTRA_PACKAGES.get(name, [])
    probes["user_data_comments"] = comments_probe(kind)
    probes["packages"] = ["dpkg-query", "-W", "-f", PACKAGE_FORMAT] + packages
    if kind == "lab" and name == "host1":
        probes.update(HOST1_PROBES)
    elif kind == "lab" and name in standins.NODES:
        probes.update(NODE_PROBES)
    guest = {"kind": kind}
    if "birdc_show_protocols" in probes and name == "host1":
        guest["birdc_show_protocols"] = wait_for_sessions(multipass, sorted(standins.NODES))
        del probes["birdc_show_protocols"]
    guest.update({probe: exec_probe(multipass, name, argv) for probe, argv in probes.items()})
    info = run([multipass, "info", name, "--format", "json"])
    guest["multipass_info"] = info
    try:
        guest["info"] = json.loads(info["stdout"])["info"][name]
    except (ValueError, KeyError):
        guest["info"] = {}
    return guest


def read(args):
    kinds = [(name, "lab") for name in args.lab] + [(name, "sample") for name in args.sample]
    if args.trap:
        kinds.append((args.trap, "trap"))
    guests = {name: read_guest(args.multipass, name, kind) for name, kind in kinds}
    with open(args.out, "w") as handle:
        json.dump(guests, handle, indent=2, sort_keys=True)
    return 0


# ---------------------------------------------------------------- checks

def guest_checks(name, guest, pinged, playbooks):
    kind = guest["kind"]
    status = guest["cloud_init_status"]
    try:
        errors = json.loads(guest["cloud_init_result"]["stdout"])["v1"]["errors"]
    except (ValueError, KeyError, TypeError):
        errors = ["result.json unreadable"]
    on_nic = nic_addresses(guest["ip_br_addr"]["stdout"])
    first = (guest["info"].get("ipv4") or ["none"])[0]
    lab_on_nic = [str(ip) for ip in on_nic if ip in LAB_NET]
    hosts_lines = [" ".join(line.split()) for line in guest["hosts_file"]["stdout"].splitlines()]
    missing_hosts = ["%s %s" % (ip, host) for host, ip in LAB_ADDRESSES.items() if "%s %s" % (ip, host) not in hosts_lines]
    head = guest["user_data_head"]["stdout"]
    comments = guest["user_data_comments"]
    wanted_packages = SAMPLE_PACKAGES if kind != "lab" else LAB_PACKAGES + EXTRA_PACKAGES.get(name, [])
    missing_packages = sorted(set(wanted_packages) - installed_packages(guest["packages"]["stdout"]))
    result = [
        ("cloud-init done", status["rc"] == 0 and "status: done" in status["stdout"], status["stdout"].strip()),
        ("cloud-init no errors", errors == [], errors),
        ("state Running", guest["info"].get("state") == "Running", guest["info"].get("state")),
        ("multipass address first in info and on ens3",
         first not in ("none", "N/A") and ipaddress.ip_address(first) in MULTIPASS_NET
         and ipaddress.ip_address(first) in on_nic, first),
        ("hosts entries of the lab's four VMs", guest["hosts_file"]["rc"] == 0 and not missing_hosts,
         missing_hosts or "all four"),
        ("user data re-emitted: header kept, the source's comments gone",
         head == "#cloud-config\n" and comments["rc"] == 1 and comments["stdout"].strip() == "0",
         {"head": head, "comment lines found": comments["stdout"].strip(), "rc": comments["rc"]}),
        ("packages the user data asks for, from the rig repository", not missing_packages,
         missing_packages or wanted_packages),
    ]
    if kind == "lab":
        marker = guest["marker"]
        result += [
            ("lab marker %s after the stop/start round trip" % LAB_MARKER,
             marker["rc"] == 0 and marker["stdout"].strip() == LAB_MARKER, marker["stdout"].strip() or marker["stderr"].strip()),
            ("its lab address on ens3", lab_on_nic == [LAB_ADDRESSES[name]], lab_on_nic),
        ]
        for run_name in ("first_lab_vms", "second_run") + (("first_hosts",) if name == "host1" else ()):
            seen = play_recap(playbooks.get(run_name, {}).get("output", "")).get(name)
            result.append(("playbook %s reached it, nothing failed" % run_name,
                           bool(seen) and seen.get("failed") == 0 and seen.get("unreachable") == 0, seen))
    else:
        result += [("marker file present", guest["marker"]["rc"] == 0, guest["marker"]["rc"]),
                   ("ansible ping over ssh", name in pinged, name in pinged)]
    if kind == "trap":
        result.append(("trap: other netdef ID gives no lab address", not lab_on_nic, lab_on_nic))
    elif kind == "sample":
        result.append(("lab address on ens3", bool(lab_on_nic), lab_on_nic))
    return result


def host1_checks(guest, served):
    sessions = bgp_sessions(guest["birdc_show_protocols"]["stdout"])
    routes = kernel_routes(guest["ip_route"]["stdout"])
    expected = standins.expected_routes()
    service = guest["bird_service"]["stdout"].split()
    shas = dict(reversed(line.split()) for line in guest["tools_sha256"]["stdout"].splitlines() if line.strip())
    installed = {os.path.basename(path): sha for path, sha in shas.items()}
    kubectl_version, calicoctl_version = standins.profile_versions()
    return [
        ("BIRD active and enabled under systemd", service == ["active", "enabled"], service),
        ("BIRD runs the bgp_router role's configuration",
         "calicolab.ccol1.bgp_router" in guest["bird_conf_head"]["stdout"], guest["bird_conf_head"]["stdout"].strip()),
        ("BGP sessions with the node1 and node2 stand-ins Established",
         all(sessions.get(node) == "Established" for node in standins.NODES), sessions),
        ("BGP session with control configured (no BIRD on control without Calico)", "control" in sessions,
         sessions.get("control")),
        ("kernel BGP routes exactly what the import filter allows (ECMP for the service ranges)",
         routes == expected, {"found": routes, "expected": expected}),
        ("kubectl and calicoctl are the served stand-ins (sha256)", installed == served,
         {"installed": installed, "served": served}),
        ("kubectl reports the profile's version",
         guest["kubectl_version"]["rc"] == 0 and kubectl_version in guest["kubectl_version"]["stdout"],
         guest["kubectl_version"]["stdout"].strip()),
        ("calicoctl reports the profile's version", calicoctl_version in guest["calicoctl_version"]["stdout"],
         guest["calicoctl_version"]["stdout"].strip()),
        ("the venv's kubernetes client imports", guest["venv_kubernetes"]["rc"] == 0,
         guest["venv_kubernetes"]["stdout"].strip() or guest["venv_kubernetes"]["stderr"].strip()[-300:]),
    ]


def node_checks(guest):
    sessions = bgp_sessions(guest["birdc_show_protocols"]["stdout"])
    return [("stand-in BIRD's session with host1 Established", sessions.get("host1") == "Established", sessions)]


def listed(rig_dir, name):
    data = read_json(os.path.join(rig_dir, name))
    if not isinstance(data, dict):
        return None
    return {entry["name"]: entry["state"] for entry in data.get("list", [])}


def lab_checks(rig_dir, playbooks, lab, trap):
    after_stop = listed(rig_dir, "list-after-stop.json")
    after_refused = listed(rig_dir, "list-after-refused-destroy.json")
    after_destroy = listed(rig_dir, "list-after-destroy.json")
    second = playbooks.get("second_run", {})
    changed = second_run_changed(second)
    status_output = playbooks.get("lab_status", {}).get("output", "")
    result = [("second run of lab_vms, workstation and bgp_router changed nothing", changed == 0,
               {"second_run_changed": changed, "rc": second.get("rc")})]
    make_lab = playbooks.get("make_lab", {})
    stopped_at = failed_task(make_lab.get("output", ""))
    result.append(("site.yml (make lab) runs the VM stage unchanged and stops at the k3s download",
                   make_lab.get("rc") not in (0, None) and stopped_at is not None and "k3s" in stopped_at
                   and vm_stage_changed(make_lab.get("output", "")) == 0,
                   {"rc": make_lab.get("rc"), "failed_task": stopped_at,
                    "vm_stage_changed": vm_stage_changed(make_lab.get("output", ""))}))
    for name in ("first_lab_vms", "first_hosts", "second_run", "lab_stop", "lab_start", "lab_status", "lab_destroy"):
        result.append(("playbook %s rc 0" % name, playbooks.get(name, {}).get("rc") == 0, playbooks.get(name, {}).get("rc")))
    result += [
        ("lab_stop stopped the lab VMs and nothing else", after_stop is not None
         and all(after_stop.get(name) == "Stopped" for name in lab)
         and all(state != "Stopped" for name, state in after_stop.items() if name not in lab), after_stop),
        ("lab_status shows host1's BGP sessions", "BGP on host1:" in status_output and "Established" in status_output,
         "BGP on host1:" in status_output),
        ("lab_status says k3s is not installed on control", "k3s: not installed" in status_output,
         "k3s: not installed" in status_output),
        ("lab_destroy with a marker the VMs do not carry fails and deletes nothing",
         playbooks.get("lab_destroy_refused", {}).get("rc") not in (0, None) and after_refused is not None
         and all(after_refused.get(name) == "Running" for name in lab),
         {"rc": playbooks.get("lab_destroy_refused", {}).get("rc"), "list": after_refused}),
        ("lab_destroy removed the lab VMs and kept the others", after_destroy is not None
         and not set(lab) & set(after_destroy) and (not trap or trap in after_destroy), after_destroy),
        ("lab_destroy removed the lab's keys", not os.path.exists(os.path.join(rig_dir, "lab/ssh/id_ed25519")),
         os.path.join(rig_dir, "lab/ssh")),
    ]
    return result


def failed_task(log_text):
    """The TASK line before the first fatal: line of a playbook's output, or None."""
    task = None
    for line in log_text.splitlines():
        if line.startswith("TASK ["):
            task = line.rstrip("* ").strip()
        elif line.startswith("fatal:"):
            return task
    return None


def vm_stage_changed(log_text):
    """How many tasks of site.yml's VM stage (its plays before the k3s play) reported changed."""
    before_k3s = log_text.split("TASK [calicolab.ccol1.k3s", 1)[0]
    return len(re.findall(r"^changed: ", before_k3s, flags=re.M))


def second_run_changed(playbook):
    recap = play_recap(playbook.get("output", ""))
    return sum(host.get("changed", 0) for host in recap.values()) if recap else None


def read_json(path, default=None):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def read_playbooks(rig_dir):
    folder = os.path.join(rig_dir, "ansible")
    playbooks = {}
    for entry in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if entry.endswith(".log"):
            name = entry[:-4]
            rc = read_text(os.path.join(folder, name + ".rc")).strip()
            output = read_text(os.path.join(folder, entry))
            playbooks[name] = {"rc": int(rc) if rc.isdigit() else None, "output": output,
                               "recap": play_recap(output)}
    return playbooks


def served_tools(rig_dir):
    found = {}
    for top, dummy_dirs, files in os.walk(os.path.join(rig_dir, "www/files")):
        for name in files:
            if name in ("kubectl", "calicoctl-linux-" + standins.ARCH):
                with open(os.path.join(top, name), "rb") as handle:
                    found["kubectl" if name == "kubectl" else "calicoctl"] = hashlib.sha256(handle.read()).hexdigest()
    return found


def pinged_guests(log_text):
    return {line.split()[0] for line in log_text.splitlines() if "| SUCCESS" in line}


def report(args):
    rig_dir = args.rig_dir
    guests = read_json(os.path.join(rig_dir, "guests.json"), {})
    playbooks = read_playbooks(rig_dir)
    ping_log = read_text(os.path.join(rig_dir, "ansible-ping.log"))
    pinged = pinged_guests(ping_log)
    served = served_tools(rig_dir)
    checks = []

    def add(guest, results):
        checks.extend({"guest": guest, "check": check, "ok": bool(ok), "detail": detail}
                      for check, ok, detail in results)

    for name, guest in guests.items():
        add(name, guest_checks(name, guest, pinged, playbooks))
        if guest["kind"] == "lab" and name == "host1":
            add(name, host1_checks(guest, served))
        elif guest["kind"] == "lab" and name in standins.NODES:
            add(name, node_checks(guest))
    lab = [name for name, guest in guests.items() if guest["kind"] == "lab"]
    trap = next((name for name, guest in guests.items() if guest["kind"] == "trap"), None)
    if lab:
        add("", lab_checks(rig_dir, playbooks, lab, trap))
    if not guests:
        add("", [("guests read", False, "no guests.json in %s" % rig_dir)])
    timings = [json.loads(line) for line in read_text(os.path.join(rig_dir, "timings.jsonl")).splitlines() if line]
    timings.append({"phase": "check", "guest": "", "seconds": round(time.time() - args.check_start, 1)})
    data = {
        "multipass": "rig stand-in for Multipass 1.16.3 (tests/rig/cli.py)",
        "guests": guests,
        "second_run_changed": second_run_changed(playbooks["second_run"]) if "second_run" in playbooks else None,
        "playbooks": playbooks,
        "lists": {"after_lab_stop": listed(rig_dir, "list-after-stop.json"),
                  "after_refused_lab_destroy": listed(rig_dir, "list-after-refused-destroy.json"),
                  "after_lab_destroy": listed(rig_dir, "list-after-destroy.json")},
        "lab_timing": read_json(os.path.join(rig_dir, "lab-report/timing.json")),
        "ansible_ping": {"rc": read_text(os.path.join(rig_dir, "ansible-ping.rc")).strip(), "output": ping_log},
        "timings": timings,
        "checks": checks,
        "ok": bool(checks) and all(check["ok"] for check in checks),
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.report)), exist_ok=True)
    with open(args.report, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    for check in checks:
        if not check["ok"]:
            print("FAIL %s: %s (%s)" % (check["guest"] or "lab", check["check"], check["detail"]), file=sys.stderr)
    passed = sum(check["ok"] for check in checks)
    print("rig check: %d/%d passed; report %s" % (passed, len(checks), args.report), file=sys.stderr)
    return 0 if data["ok"] else 1


def main(argv):
    parser = argparse.ArgumentParser()
    steps = parser.add_subparsers(dest="step", required=True)
    reading = steps.add_parser("read")
    reading.add_argument("--multipass", required=True)
    reading.add_argument("--out", required=True)
    reading.add_argument("--lab", nargs="*", default=[])
    reading.add_argument("--sample", nargs="*", default=[])
    reading.add_argument("--trap", default="")
    reporting = steps.add_parser("report")
    reporting.add_argument("--rig-dir", required=True)
    reporting.add_argument("--report", required=True)
    reporting.add_argument("--check-start", type=float, default=time.time())
    args = parser.parse_args(argv)
    return read(args) if args.step == "read" else report(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
