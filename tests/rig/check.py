"""Reads every rig guest through the rig's `multipass` and writes the rig report (lab-report/rig.json).

Per guest (keyed by name) it keeps the raw outputs the checks read: `cloud-init status --long`,
/run/cloud-init/result.json, `ip -br addr`, the result of `test -f /etc/calicolab/lab-marker`, `getent hosts`,
the head of the user data cloud-init received, and the guest's `multipass info` entry. The checks:
- every guest: cloud-init status done with rc 0 and no errors in result.json, the marker file present, the
  "Multipass" address (198.18.0.0/24) first in `info`'s ipv4 and on ens3, the hosts entries, the rig package
  (netcat-openbsd) installed, the user data's comments gone and its "#cloud-config" header in place,
  and Ansible's ping answered over SSH from the rig namespace;
- lab guests: the lab address (198.19.0.0/20) on ens3; the trap guest (its netplan file uses another netdef ID):
  the lab address absent.
Exit code 0 when every check passes, 1 otherwise.
"""
import argparse
import ipaddress
import json
import os
import subprocess
import sys
import time

MARKER = "/etc/calicolab/lab-marker"
MULTIPASS_NET = ipaddress.ip_network("198.18.0.0/24")
LAB_NET = ipaddress.ip_network("198.19.0.0/20")
PROBES = {
    "cloud_init_status": ["cloud-init", "status", "--long"],
    "cloud_init_result": ["cat", "/run/cloud-init/result.json"],
    "ip_br_addr": ["ip", "-br", "addr"],
    "marker": ["test", "-f", MARKER],
    "hosts": ["getent", "hosts", "control", "node1", "node2", "host1"],
    "package": ["dpkg-query", "-W", "-f", "${Status}", "netcat-openbsd"],
    "user_data_head": ["sudo", "head", "-n", "3", "/var/lib/cloud/instance/user-data.txt"],
}


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


def nic_addresses(ip_br_addr, nic="ens3"):
    for line in ip_br_addr.splitlines():
        fields = line.split()
        if fields and fields[0].split("@")[0] == nic:
            return [ipaddress.ip_interface(item).ip for item in fields[2:] if "." in item]
    return []


def read_guest(multipass, name):
    guest = {probe: run([multipass, "exec", name, "--"] + argv) for probe, argv in PROBES.items()}
    info = run([multipass, "info", name, "--format", "json"])
    guest["multipass_info"] = info
    try:
        guest["info"] = json.loads(info["stdout"])["info"][name]
    except (ValueError, KeyError):
        guest["info"] = {}
    return guest


def checks_for(name, guest, trap, pinged):
    """(check name, passed, detail) for one guest."""
    status = guest["cloud_init_status"]
    try:
        errors = json.loads(guest["cloud_init_result"]["stdout"])["v1"]["errors"]
    except (ValueError, KeyError, TypeError):
        errors = ["result.json unreadable"]
    on_nic = nic_addresses(guest["ip_br_addr"]["stdout"])
    first = (guest["info"].get("ipv4") or ["none"])[0]
    lab_on_nic = [str(ip) for ip in on_nic if ip in LAB_NET]
    head = guest["user_data_head"]["stdout"]
    result = [
        ("cloud-init done", status["rc"] == 0 and "status: done" in status["stdout"], status["stdout"].strip()),
        ("cloud-init no errors", errors == [], errors),
        ("marker present", guest["marker"]["rc"] == 0, guest["marker"]["rc"]),
        ("state Running", guest["info"].get("state") == "Running", guest["info"].get("state")),
        ("multipass address first in info and on ens3",
         first != "none" and first != "N/A" and ipaddress.ip_address(first) in MULTIPASS_NET
         and ipaddress.ip_address(first) in on_nic, first),
        ("hosts entries", guest["hosts"]["rc"] == 0 and len(guest["hosts"]["stdout"].splitlines()) == 4,
         guest["hosts"]["stdout"].strip()),
        ("package from the rig repository", guest["package"]["stdout"] == "install ok installed",
         guest["package"]["stdout"] or guest["package"]["stderr"].strip()),
        ("user data re-emitted without comments",
         head.startswith("#cloud-config\n") and "# rig sample" not in head, head),
        ("ansible ping over ssh", pinged, pinged),
    ]
    if trap:
        result.append(("trap: other netdef ID gives no lab address", not lab_on_nic, lab_on_nic))
    else:
        result.append(("lab address on ens3", bool(lab_on_nic), lab_on_nic))
    return [{"guest": name, "check": check, "ok": bool(ok), "detail": detail} for check, ok, detail in result]


def pinged_guests(log_path):
    try:
        with open(log_path) as handle:
            return {line.split()[0] for line in handle if "| SUCCESS" in line}
    except OSError:
        return set()


def read_timings(path):
    try:
        with open(path) as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except OSError:
        return []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--multipass", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--timings", required=True)
    parser.add_argument("--ansible-log", required=True)
    parser.add_argument("--ansible-rc", type=int, default=0)
    parser.add_argument("--check-start", type=float, default=time.time())
    args = parser.parse_args()
    guests = os.environ.get("RIG_GUESTS", "control node1 node2 host1").split()
    trap_guest = os.environ.get("RIG_TRAP_GUEST", "")
    pinged = pinged_guests(args.ansible_log)
    report = {"multipass": "rig stand-in for Multipass 1.16.3 (tests/rig/cli.py)", "guests": {}, "checks": []}
    for name in guests + ([trap_guest] if trap_guest else []):
        guest = read_guest(args.multipass, name)
        report["guests"][name] = guest
        report["checks"] += checks_for(name, guest, name == trap_guest, name in pinged)
    with open(args.ansible_log) as handle:
        report["ansible_ping"] = {"rc": args.ansible_rc, "output": handle.read()}
    report["timings"] = read_timings(args.timings) + [
        {"phase": "check", "guest": "", "seconds": round(time.time() - args.check_start, 1)}]
    report["ok"] = all(check["ok"] for check in report["checks"])
    os.makedirs(os.path.dirname(os.path.abspath(args.report)), exist_ok=True)
    with open(args.report, "w") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
    for check in report["checks"]:
        if not check["ok"]:
            print("FAIL %s: %s (%s)" % (check["guest"], check["check"], check["detail"]), file=sys.stderr)
    passed = sum(check["ok"] for check in report["checks"])
    print("rig check: %d/%d passed; report %s" % (passed, len(report["checks"]), args.report), file=sys.stderr)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
