"""A real BGP test of host1's router configuration, in network namespaces this script creates.

Topology (every address exists only inside the namespaces made here, named ``ccbgp<pid>r``/``a``/``b``):

    [r] bridge lab0 198.19.15.254/20 (host1, running the BIRD configuration under test)
     |-- veth --> [a] eth0 198.19.0.2/20  BIRD speaker standing in for Calico on node1
     '-- veth --> [b] eth0 198.19.0.3/20  BIRD speaker standing in for Calico on node2

The speakers are test doubles of calico/node's BIRD. What they reproduce, from projectcalico/calico v3.32.1
``confd/etc/calico/confd/templates/bird.cfg.template`` (the same shape in v3.21.6): BIRD 1.x syntax (Calico ships
its own BIRD 1.6 fork), iBGP in one AS, a ``bgp_template`` with ``gateway recursive``, ``add paths on``,
``graceful restart``, ``connect delay time 2``, ``connect retry time 5``, ``error wait time 5,30``, one protocol per
global BGPPeer, and no ``next hop self`` (so host1 sees the next hop BIRD picks for a blackhole route, as it would
from Calico). The announced routes are blackholes, as Calico's IPAM blocks are on their own node: one /26 of the
default pool 198.19.16.0/21, one /29 of the external pool 198.19.24.0/21, the service cluster range
198.19.32.0/20 and the service external range 198.19.48.0/20 (BGPConfiguration serviceClusterIPs and
serviceExternalIPs), plus, from node1 only, a /32 inside each service range as Calico announces for a service
with externalTrafficPolicy Local: the one inside the cluster range must be accepted, the one inside the
external range refused (host1 takes that range only as itself).

The check: both sessions Established and host1's kernel table holding exactly the routes the import filter
allows, the shared ranges as one route with a next hop per speaker (ECMP). Everything is bounded by --timeout
and torn down (daemons by PID, namespaces by name) on every exit path.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

ROUTER_ADDRESS = "198.19.15.254"
PREFIX_LENGTH = 20
SPEAKERS = {
    "a": {"address": "198.19.0.2", "name": "node1",
          "routes": ["198.19.16.0/26", "198.19.24.0/29", "198.19.32.0/20", "198.19.48.0/20",
                     "198.19.32.10/32", "198.19.48.10/32"]},
    "b": {"address": "198.19.0.3", "name": "node2",
          "routes": ["198.19.16.64/26", "198.19.24.8/29", "198.19.32.0/20", "198.19.48.0/20"]},
}
# What the import filter must let into host1's kernel: prefix -> the next hops (speaker addresses).
EXPECTED_KERNEL_ROUTES = {
    "198.19.24.0/29": ["198.19.0.2"],
    "198.19.24.8/29": ["198.19.0.3"],
    "198.19.32.0/20": ["198.19.0.2", "198.19.0.3"],
    "198.19.32.10": ["198.19.0.2"],
    "198.19.48.0/20": ["198.19.0.2", "198.19.0.3"],
}


class LabTimeout(Exception):
    """The whole run took longer than --timeout."""


def run(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def speaker_config(speaker: dict) -> str:
    routes = "\n".join(f"  route {route} blackhole;" for route in speaker["routes"])
    peer_protocol = "Global_" + ROUTER_ADDRESS.replace(".", "_")
    return f"""router id {speaker['address']};
protocol device {{ scan time 2; }}
protocol static calico_routes {{
{routes}
}}
template bgp bgp_template {{
  local as 64512;
  gateway recursive;
  add paths on;
  graceful restart;
  connect delay time 2;
  connect retry time 5;
  error wait time 5,30;
}}
protocol bgp {peer_protocol} from bgp_template {{
  neighbor {ROUTER_ADDRESS} as 64512;
  import all;
  export all;
}}
"""


class Lab:
    def __init__(self, workdir: str):
        self.prefix = f"ccbgp{os.getpid()}"
        self.workdir = workdir
        self.namespaces: list[str] = []
        self.daemons: list[subprocess.Popen] = []

    def ns(self, role: str) -> str:
        return self.prefix + role

    def build_network(self) -> None:
        router = self.ns("r")
        self.add_namespace(router)
        run("ip", "-n", router, "link", "add", "lab0", "type", "bridge")
        run("ip", "-n", router, "addr", "add", f"{ROUTER_ADDRESS}/{PREFIX_LENGTH}", "dev", "lab0")
        run("ip", "-n", router, "link", "set", "lab0", "up")
        for role, speaker in SPEAKERS.items():
            namespace = self.ns(role)
            self.add_namespace(namespace)
            port = f"p{role}"
            run("ip", "-n", router, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", namespace)
            run("ip", "-n", router, "link", "set", port, "master", "lab0", "up")
            run("ip", "-n", namespace, "addr", "add", f"{speaker['address']}/{PREFIX_LENGTH}", "dev", "eth0")
            run("ip", "-n", namespace, "link", "set", "eth0", "up")

    def add_namespace(self, name: str) -> None:
        run("ip", "netns", "add", name)
        self.namespaces.append(name)
        run("ip", "-n", name, "link", "set", "lo", "up")

    def socket(self, role: str) -> str:
        return os.path.join(self.workdir, f"{role}.ctl")

    def start_bird(self, role: str, bird: str, config: str) -> None:
        log = open(os.path.join(self.workdir, f"{role}.log"), "wb")
        # ip netns exec execs bird in place, so the PID we keep is BIRD's own.
        daemon = subprocess.Popen(["ip", "netns", "exec", self.ns(role), bird, "-f", "-c", config,
                                   "-s", self.socket(role)], stdout=log, stderr=subprocess.STDOUT)
        self.daemons.append(daemon)

    def teardown(self) -> None:
        for daemon in self.daemons:
            if daemon.poll() is None:
                daemon.terminate()
        for daemon in self.daemons:
            try:
                daemon.wait(timeout=3)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait(timeout=3)
        for name in self.namespaces:
            subprocess.run(["ip", "netns", "del", name], check=False)


def bgp_states(birdc: str, sock: str) -> dict:
    completed = subprocess.run([birdc, "-s", sock, "show", "protocols"], capture_output=True, text=True, check=False)
    states = {}
    for line in completed.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[1] == "BGP":
            states[fields[0]] = "Established" if "Established" in fields else " ".join(fields[3:])
    return states


def kernel_routes(namespace: str) -> dict:
    routes = {}
    for route in json.loads(run("ip", "-n", namespace, "-j", "route", "show", "proto", "bird") or "[]"):
        hops = route.get("nexthops") or [route]
        routes[route["dst"]] = sorted(hop.get("gateway", "") for hop in hops)
    return routes


def wait_for(what: str, probe, done, interval: float = 0.5):
    started = time.monotonic()
    while True:
        value = probe()
        if done(value):
            print(f"bgp_lab: {what} after {time.monotonic() - started:.1f} s: {value}", flush=True)
            return value
        time.sleep(interval)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--router-config", required=True, help="the host1 BIRD configuration under test")
    parser.add_argument("--router-bird", required=True)
    parser.add_argument("--router-birdc", required=True)
    parser.add_argument("--speaker-bird", required=True, help="a BIRD 1.6 daemon (Calico's BIRD is 1.x)")
    parser.add_argument("--speaker-birdc", required=True)
    parser.add_argument("--neighbor-names", default="control,node1,node2",
                        help="the router's BGP protocols; those for absent nodes stay down")
    parser.add_argument("--timeout", type=int, default=60)
    parser.add_argument("check", nargs="*", help="a command run while the lab is up (BGP_LAB_ROUTER_SOCKET set)")
    return parser.parse_args(argv)


def on_alarm(signum, frame):
    raise LabTimeout("bgp_lab: timed out")


def on_stop(signum, frame):
    raise SystemExit(f"bgp_lab: stopped by signal {signum}")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_stop)
    signal.alarm(args.timeout)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ccbgp.") as workdir:
        lab = Lab(workdir)
        try:
            lab.build_network()
            lab.start_bird("r", args.router_bird, args.router_config)
            for role, speaker in SPEAKERS.items():
                config = os.path.join(workdir, f"{role}.conf")
                with open(config, "w", encoding="utf-8") as handle:
                    handle.write(speaker_config(speaker))
                lab.start_bird(role, args.speaker_bird, config)
            peers = [SPEAKERS[role]["name"] for role in SPEAKERS]
            states = wait_for("sessions Established", lambda: bgp_states(args.router_birdc, lab.socket("r")),
                              lambda s: all(s.get(peer) == "Established" for peer in peers))
            expected_names = set(args.neighbor_names.split(","))
            if set(states) != expected_names:
                print(f"bgp_lab: FAIL router protocols {sorted(states)} != {sorted(expected_names)}")
                return 1
            try:
                wait_for("kernel table as expected", lambda: kernel_routes(lab.ns("r")),
                         lambda routes: routes == EXPECTED_KERNEL_ROUTES)
            except LabTimeout:
                print(f"bgp_lab: FAIL kernel routes {kernel_routes(lab.ns('r'))} != {EXPECTED_KERNEL_ROUTES}")
                raise
            if args.check:
                env = dict(os.environ, BGP_LAB_ROUTER_SOCKET=lab.socket("r"))
                subprocess.run(args.check, check=True, env=env)
            print(f"bgp_lab: PASS in {time.monotonic() - started:.1f} s", flush=True)
            return 0
        except LabTimeout:
            print(f"bgp_lab: FAIL timed out after {args.timeout} s; router log follows", flush=True)
            print(open(os.path.join(workdir, "r.log"), encoding="utf-8", errors="replace").read())
            return 1
        finally:
            signal.alarm(0)
            lab.teardown()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
