#!/usr/bin/env bash
# The lab rig: real Debian 12 guests (systemd-nspawn in network namespaces) behind a rig-backed `multipass`.
#   scripts/rig.sh base   build (or reuse) the cached base and package repository (scripts/rig/base.sh)
#   scripts/rig.sh up     base + rig namespace/bridge/DHCP/repository + the guests with the rig's sample user data
#   scripts/rig.sh check  read the sample guests and write lab-report/rig.json; rc 1 when an expectation fails
#   scripts/rig.sh down   stop every guest and remove the rig's namespaces, mounts and state (by PID and name)
#   scripts/rig.sh all    base (bounded by RIG_BASE_TIMEOUT), then, bounded by RIG_TIMEOUT seconds: the rig, the trap
#                         guest (sample user data), the lab's own playbooks (lab_vms, workstation, bgp_router; twice),
#                         lab_stop/lab_start/lab_status, the checks, lab_destroy, the report; down also on failure or
#                         timeout (what `make rig` runs)
# Needs root, debootstrap, systemd-container, dnsmasq-base, apt-utils, openssh-client. Nothing but Debian's mirror
# (for the base build, once) is contacted; guests and Ansible talk only inside the rig's namespaces.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export RIG_NAME=${RIG_NAME:-ccol1-rig}
export RIG_DIR=${RIG_DIR:-/var/lib/ccol1-rig/$RIG_NAME}
RIG_GUESTS=${RIG_GUESTS:-control node1 node2 host1}
RIG_TRAP_GUEST=${RIG_TRAP_GUEST-trap1}   # set empty for no trap guest
RIG_TIMEOUT=${RIG_TIMEOUT:-600}             # the rig from a cached base: up, check, down
RIG_BASE_TIMEOUT=${RIG_BASE_TIMEOUT:-900}   # a cold base build
RIG_LAUNCH_TIMEOUT=${RIG_LAUNCH_TIMEOUT:-300}
RIG_REPORT=${RIG_REPORT:-$ROOT/lab-report/rig.json}
PY=${RIG_PYTHON:-/usr/bin/python3}
MULTIPASS=$ROOT/tests/rig/multipass
TIMINGS=$RIG_DIR/timings.jsonl
# Ansible's SSH connection masters (ControlPersist) live on after a playbook; the rig's own go here, to be closed
# by their sockets at teardown.
RIG_SSH_CONTROL_DIR=$RIG_DIR/ssh-control

log() { printf '[rig %s] %s\n' "$(date -u +%T)" "$*" >&2; }
now() { date +%s.%N; }
timing() {  # phase start [guest]
    mkdir -p "$RIG_DIR"
    printf '{"phase": "%s", "guest": "%s", "seconds": %.1f}\n' "$1" "${3:-}" \
        "$(echo "$(now) - $2" | bc)" >>"$TIMINGS"
}

lab_address() {
    case $1 in
        control) echo 198.19.0.1 ;; node1) echo 198.19.0.2 ;; node2) echo 198.19.0.3 ;;
        host1) echo 198.19.15.254 ;; *) echo "198.19.1.$(( $(cksum <<<"$1" | cut -d' ' -f1) % 250 + 1 ))" ;;
    esac
}

preflight() {
    [ "$(id -u)" = 0 ] || { echo "rig: needs root (namespaces, mounts, nspawn)" >&2; exit 1; }
    local tool missing=
    for tool in debootstrap systemd-nspawn dnsmasq apt-ftparchive ip nsenter ssh-keygen ssh bc; do
        command -v "$tool" >/dev/null || missing="$missing $tool"
    done
    [ -z "$missing" ] || { echo "rig: missing:$missing (apt-get install debootstrap systemd-container dnsmasq-base apt-utils openssh-client bc)" >&2; exit 1; }
}

base() {
    local start; start=$(now)
    BASE=$(bash "$ROOT/scripts/rig/base.sh") || return 1
    timing base "$start"
}

launch_one() {  # name netdef; launched from inside the rig namespace, where the lab's Ansible runs
    local name=$1 netdef=$2 start rc=0; start=$(now)
    "$PY" "$ROOT/tests/rig/sample_user_data.py" "$name" "$(lab_address "$name")" "$netdef" "$RIG_DIR/id_ed25519.pub" \
        | ip netns exec "$RIG_NAME" "$MULTIPASS" launch 12 -n "$name" -c 1 -m 512M -d 2G --timeout "$RIG_LAUNCH_TIMEOUT" --cloud-init - \
        >"$RIG_DIR/launch-$name.log" 2>&1 || rc=$?
    timing launch "$start" "$name"
    return $rc
}

infra() {  # base, rig namespace, bridge, DHCP, HTTP (repository, stand-in files, wheels), the rig's own key
    preflight
    rm -f "$TIMINGS"
    base || return 1
    local start; start=$(now)
    "$PY" "$ROOT/tests/rig/riglib.py" up "$BASE" >/dev/null || return 1
    [ -f "$RIG_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "$RIG_NAME" -f "$RIG_DIR/id_ed25519" || return 1
    timing infra "$start"
}

launch_sample_guests() {  # names...; the trap guest among them gets its netplan file under another netdef ID
    local pids=() name failed=0 start; start=$(now)
    log "launching with the rig's sample user data: $*"
    for name in "$@"; do
        if [ "$name" = "$RIG_TRAP_GUEST" ]; then launch_one "$name" lab & else launch_one "$name" default & fi
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
    timing launch_sample "$start"
    for name in "$@"; do
        log "launch $name: $(tr '\n' ' ' <"$RIG_DIR/launch-$name.log")"
    done
    return $failed
}

up() {
    infra || return 1
    # shellcheck disable=SC2086
    launch_sample_guests $RIG_GUESTS $RIG_TRAP_GUEST
}

inventory() {  # names...: an inventory of the sample guests, reached with the rig's own key
    local inv=$RIG_DIR/inventory.ini name address
    {
        echo "[rig]"
        for name in "$@"; do
            address=$("$MULTIPASS" info "$name" --format json | "$PY" -c \
                'import json,sys; d=json.load(sys.stdin)["info"]; print(list(d.values())[0]["ipv4"][0])')
            echo "$name ansible_host=$address"
        done
        echo "[rig:vars]"
        echo "ansible_user=ubuntu"
        echo "ansible_ssh_private_key_file=$RIG_DIR/id_ed25519"
        echo "ansible_python_interpreter=/usr/bin/python3"
        echo "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'"
    } >"$inv"
    echo "$inv"
}

ansible_ping() {  # names...
    local start; start=$(now)
    local inv; inv=$(inventory "$@")
    local ansible=$ROOT/.venv/bin/ansible rc=0
    [ -x "$ansible" ] || ansible=$(command -v ansible)
    ip netns exec "$RIG_NAME" env ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_CONFIG="$ROOT/ansible.cfg" \
        ANSIBLE_SSH_CONTROL_PATH_DIR="$RIG_SSH_CONTROL_DIR" \
        "$ansible" rig -i "$inv" -m ping >"$RIG_DIR/ansible-ping.log" 2>&1 || rc=$?
    timing ansible_ping "$start"
    log "ansible ping (rc $rc): $(grep -c SUCCESS "$RIG_DIR/ansible-ping.log" || true) guests answered"
    echo "$rc" >"$RIG_DIR/ansible-ping.rc"
}

check() {  # the sample guests of `up`
    local start; start=$(now)
    # shellcheck disable=SC2086
    ansible_ping $RIG_GUESTS $RIG_TRAP_GUEST
    mkdir -p "$(dirname "$RIG_REPORT")"
    # shellcheck disable=SC2086
    "$PY" "$ROOT/tests/rig/check.py" read --multipass "$MULTIPASS" --out "$RIG_DIR/guests.json" \
        --sample $RIG_GUESTS --trap "$RIG_TRAP_GUEST"
    "$PY" "$ROOT/tests/rig/check.py" report --rig-dir "$RIG_DIR" --report "$RIG_REPORT" --check-start "$start"
}

# ---------------------------------------------------------------- the lab's own playbooks against the rig

LAB_VMS="control node1 node2 host1"
LAB_LOGS=$RIG_DIR/ansible

# The extra vars that aim the lab at the rig: its state (keys, user data) and timing under the rig directory, so a
# real lab's .lab/ and lab-report/ in the checkout stay untouched; kubectl and calicoctl from the rig's stand-ins.
lab_vars() {
    local served
    served=$("$PY" "$ROOT/tests/rig/standins.py" files "$RIG_DIR/www") || return 1
    "$PY" - "$served" "$RIG_DIR" >"$RIG_DIR/lab-vars.json" <<'PY'
import json, sys
values = json.loads(sys.argv[1])
values.update({"lab_state_dir": sys.argv[2] + "/lab", "lab_report_dir": sys.argv[2] + "/lab-report",
               "lab_vms_poll_interval": 2, "lab_vms_launch_timeout": 240, "lab_vms_cloud_init_timeout": 240})
print(json.dumps(values))
PY
}

# The kubernetes client for host1's venv, packed from the controller's own installed copy (tests/rig/wheels.py).
lab_wheels() {
    local start; start=$(now)
    "$ROOT/.venv/bin/python" "$ROOT/tests/rig/wheels.py" "$RIG_DIR/www/wheels" "kubernetes>=24.2.0" \
        >"$RIG_DIR/wheels.log" 2>&1 || { cat "$RIG_DIR/wheels.log" >&2; return 1; }
    timing wheels "$start"
}

# One ansible-playbook run, inside the rig namespace with the rig's multipass first in PATH; output and rc kept.
# PATH is otherwise the venv's and the system's only: Python shims of the caller's shell (pyenv) would be what
# Ansible's interpreter discovery picks for tasks delegated to localhost, and they fail outside that shell.
RIG_CONTROLLER_PATH=$ROOT/tests/rig:$ROOT/.venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
playbook() {  # log-name ansible-playbook-arguments...
    local name=$1 start rc=0; shift
    start=$(now)
    mkdir -p "$LAB_LOGS"
    ip netns exec "$RIG_NAME" env PATH="$RIG_CONTROLLER_PATH" ANSIBLE_CONFIG="$ROOT/ansible.cfg" \
        ANSIBLE_SSH_CONTROL_PATH_DIR="$RIG_SSH_CONTROL_DIR" \
        ANSIBLE_NOCOLOR=1 ansible-playbook -i "$ROOT/inventories/lab" -e "@$RIG_DIR/lab-vars.json" "$@" \
        >"$LAB_LOGS/$name.log" 2>&1 </dev/null || rc=$?
    echo "$rc" >"$LAB_LOGS/$name.rc"
    timing "playbook $name" "$start"
    log "playbook $name: rc $rc; $(recap "$LAB_LOGS/$name.log")"
    return $rc
}

recap() {  # the PLAY RECAP lines of a log, on one line
    sed -n '/^PLAY RECAP/,$p' "$1" | grep -E '^[A-Za-z0-9_-]+ +:' | tr -s ' ' | tr '\n' ';' || true
}

# What k3s and calico-node would have put on the guests, written by the rig (never by our roles): control's admin
# kubeconfig, and on node1 and node2 a BIRD peering with host1 as Calico's would (tests/rig/standins.py).
lab_standins() {
    local start node pids=() failed=0; start=$(now)
    "$PY" "$ROOT/tests/rig/standins.py" kubeconfig | "$MULTIPASS" exec control -- sudo sh -c \
        'mkdir -p /etc/rancher/k3s && umask 077 && cat >/etc/rancher/k3s/k3s.yaml' || failed=1
    for node in node1 node2; do
        "$PY" "$ROOT/tests/rig/standins.py" bird "$node" | "$MULTIPASS" exec "$node" -- sudo sh -c \
            'cat >/tmp/rig-bird.conf && apt-get install -qy bird2 </dev/null >/tmp/rig-bird-apt.log 2>&1 &&
             install -o bird -g bird -m 0640 /tmp/rig-bird.conf /etc/bird/bird.conf && systemctl enable -q bird &&
             systemctl restart bird' >"$RIG_DIR/standin-$node.log" 2>&1 &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
    timing standins "$start"
    log "stand-ins (k3s kubeconfig on control, BIRD on node1 and node2): $([ $failed = 0 ] && echo ok || echo FAILED)"
    return $failed
}

lab_list() {  # file: the rig multipass's list as JSON
    "$MULTIPASS" list --format json >"$RIG_DIR/$1" 2>&1 || true
}

# The lab from nothing through the VM stage, the workstation and the BGP router (k3s, Calico and yaobank cannot
# run here: no binaries, no images), twice; then the lifecycle playbooks.
lab() {
    # shellcheck disable=SC1091
    . "$ROOT/scripts/dev-env.sh" || return 1
    lab_vars && lab_wheels || return 1
    playbook first_lab_vms "$ROOT/playbooks/lab_vms.yml" || return 1
    lab_standins || return 1
    playbook first_hosts "$ROOT/playbooks/workstation.yml" "$ROOT/playbooks/bgp_router.yml" || return 1
    playbook second_run "$ROOT/playbooks/lab_vms.yml" "$ROOT/playbooks/workstation.yml" \
        "$ROOT/playbooks/bgp_router.yml" || return 1
    # What `make lab` runs: through the VM stage (unchanged), then it must stop where k3s would be downloaded
    # (pointed at the rig's file server, which has no k3s: a 404, no outside address is ever tried).
    if playbook make_lab "$ROOT/site.yml" -e k3s_release_url=http://198.18.0.1:8080/no-k3s-here
    then log "site.yml did not stop at the k3s download"; fi
    playbook lab_stop "$ROOT/playbooks/lab_stop.yml" || return 1
    lab_list list-after-stop.json
    playbook lab_start "$ROOT/playbooks/lab_start.yml" || return 1
    playbook lab_status "$ROOT/playbooks/lab_status.yml" || return 1
}

# First with a marker the guests do not carry: lab_destroy must refuse and delete nothing. Then the real one.
lab_destroy() {
    if playbook lab_destroy_refused "$ROOT/playbooks/lab_destroy.yml" -e confirm=yes -e lab_vms_marker=rig-not-this-lab
    then log "lab_destroy with a foreign marker did not fail"; fi
    lab_list list-after-refused-destroy.json
    playbook lab_destroy "$ROOT/playbooks/lab_destroy.yml" -e confirm=yes || true
    lab_list list-after-destroy.json
}

keep_logs() {  # the rig directory goes with the rig; its logs stay beside the report
    local logs; logs=$(dirname "$RIG_REPORT")/rig-logs
    rm -rf "$logs" && mkdir -p "$logs"
    [ -d "$RIG_DIR" ] || return 0
    (cd "$RIG_DIR" && cp -r --parents ansible ./*.log ./*.json ./*.jsonl "$logs"/ 2>/dev/null) || true
    local console kept
    for console in "$RIG_DIR"/instances/*/console.log; do
        [ -f "$console" ] || continue
        kept=$logs/console-$(basename "$(dirname "$console")").log
        # the console writes CRLF; the checkout's text files (ansible-test sanity sees lab-report/) use LF
        tr -d '\r' <"$console" >"$kept"
    done
    return 0
}

close_ssh_masters() {
    local socket
    for socket in "$RIG_SSH_CONTROL_DIR"/*; do
        [ -S "$socket" ] && ssh -o ControlPath="$socket" -O exit rig-guest >/dev/null 2>&1
    done
    return 0
}

down() {
    log "tearing the rig down"
    close_ssh_masters
    "$PY" "$ROOT/tests/rig/riglib.py" down || true
    rm -rf --one-file-system "$RIG_DIR"
}

all() {
    preflight
    local start; start=$(now)
    down   # leftovers of an earlier run that was killed before its own teardown
    trap 'keep_logs; down' EXIT
    trap 'exit 130' INT TERM
    local rc=0 trap_pid=
    infra || { log "the rig did not come up"; return 1; }
    if [ -n "$RIG_TRAP_GUEST" ]; then
        launch_sample_guests "$RIG_TRAP_GUEST" & trap_pid=$!
    fi
    lab || rc=$?
    [ -z "$trap_pid" ] || wait "$trap_pid" || rc=1
    local check_start; check_start=$(now)
    [ -z "$RIG_TRAP_GUEST" ] || ansible_ping "$RIG_TRAP_GUEST"
    # shellcheck disable=SC2086
    "$PY" "$ROOT/tests/rig/check.py" read --multipass "$MULTIPASS" --out "$RIG_DIR/guests.json" \
        --lab $LAB_VMS --trap "$RIG_TRAP_GUEST" || rc=1
    lab_destroy
    mkdir -p "$(dirname "$RIG_REPORT")"
    "$PY" "$ROOT/tests/rig/check.py" report --rig-dir "$RIG_DIR" --report "$RIG_REPORT" \
        --check-start "$check_start" || rc=1
    log "rig run took $(echo "$(now) - $start" | bc | cut -d. -f1)s (rc $rc)"
    return $rc
}

case ${1:-} in
    base) preflight; base; echo "$BASE" ;;
    up) up ;;
    check) check ;;
    down) down ;;
    all)
        if [ -z "${RIG_BOUNDED:-}" ]; then
            # A cold base (debootstrap from Debian's mirror) is built once, under its own bound; the rig itself then
            # runs under RIG_TIMEOUT.
            preflight
            timeout --signal=TERM --kill-after=30 "$RIG_BASE_TIMEOUT" bash "$ROOT/scripts/rig/base.sh" >/dev/null
            RIG_BOUNDED=1 exec timeout --signal=TERM --kill-after=60 "$RIG_TIMEOUT" "$0" all
        fi
        all ;;
    *) sed -n '2,8p' "$0" >&2; exit 2 ;;
esac
