#!/usr/bin/env bash
# The lab rig: real Debian 12 guests (systemd-nspawn in network namespaces) behind a rig-backed `multipass`.
#   scripts/rig.sh base   build (or reuse) the cached base and package repository (scripts/rig/base.sh)
#   scripts/rig.sh up     base + rig namespace/bridge/DHCP/repository + the guests with the rig's sample user data
#   scripts/rig.sh check  read every guest and write lab-report/rig.json; rc 1 when an expectation fails
#   scripts/rig.sh down   stop every guest and remove the rig's namespaces, mounts and state (by PID and name)
#   scripts/rig.sh all    base (bounded by RIG_BASE_TIMEOUT), then up, check, down bounded by RIG_TIMEOUT seconds;
#                         down also on failure or timeout (what `make rig` runs)
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

up() {
    preflight
    rm -f "$TIMINGS"
    base || return 1
    local start; start=$(now)
    "$PY" "$ROOT/tests/rig/riglib.py" up "$BASE" >/dev/null || return 1
    [ -f "$RIG_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "$RIG_NAME" -f "$RIG_DIR/id_ed25519" || return 1
    timing infra "$start"
    log "launching $RIG_GUESTS $RIG_TRAP_GUEST"
    start=$(now)
    local pids=() name failed=0
    for name in $RIG_GUESTS; do
        launch_one "$name" default & pids+=($!)
    done
    if [ -n "$RIG_TRAP_GUEST" ]; then
        launch_one "$RIG_TRAP_GUEST" lab & pids+=($!)
    fi
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
    timing launch_all "$start"
    for name in $RIG_GUESTS $RIG_TRAP_GUEST; do
        log "launch $name: $(tr '\n' ' ' <"$RIG_DIR/launch-$name.log")"
    done
    return $failed
}

inventory() {
    local inv=$RIG_DIR/inventory.ini name address
    {
        echo "[rig]"
        for name in $RIG_GUESTS $RIG_TRAP_GUEST; do
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

ansible_ping() {
    local start; start=$(now)
    local inv; inv=$(inventory)
    local ansible=$ROOT/.venv/bin/ansible rc=0
    [ -x "$ansible" ] || ansible=$(command -v ansible)
    ip netns exec "$RIG_NAME" env ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_CONFIG="$ROOT/ansible.cfg" \
        "$ansible" rig -i "$inv" -m ping >"$RIG_DIR/ansible-ping.log" 2>&1 || rc=$?
    timing ansible_ping "$start"
    return $rc
}

check() {
    local start; start=$(now) rc=0
    ansible_ping || rc=$?
    log "ansible ping (rc $rc): $(grep -c SUCCESS "$RIG_DIR/ansible-ping.log" || true) guests answered"
    mkdir -p "$(dirname "$RIG_REPORT")"
    RIG_GUESTS="$RIG_GUESTS" RIG_TRAP_GUEST="$RIG_TRAP_GUEST" "$PY" "$ROOT/tests/rig/check.py" \
        --multipass "$MULTIPASS" --report "$RIG_REPORT" --timings "$TIMINGS" \
        --ansible-log "$RIG_DIR/ansible-ping.log" --ansible-rc "$rc" --check-start "$start"
}

down() {
    log "tearing the rig down"
    "$PY" "$ROOT/tests/rig/riglib.py" down || true
    rm -rf --one-file-system "$RIG_DIR"
}

all() {
    preflight
    local start; start=$(now)
    down   # leftovers of an earlier run that was killed before its own teardown
    trap 'down' EXIT
    trap 'exit 130' INT TERM
    local rc=0
    up || rc=$?
    if [ -f "$RIG_DIR/rig.json" ]; then   # guests that failed to launch still get read and reported
        check || rc=$?
    fi
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
