# shellcheck shell=bash
# Sourced by the calico_* integration targets' runme.sh: starts the fake Kubernetes API (tests/fake_k8s_api) in the
# background and stops every instance on exit. Needs $root (the collection root) set by the caller.

FAKE_PIDS=()
FAKE_WORK="$(mktemp -d)"
# A private temp dir per run: the modules keep their discovery cache there, so no run sees another's cache.
export TMPDIR="$FAKE_WORK/tmp"
mkdir -p "$TMPDIR"

stop_fake_apis() {
  local pid
  for pid in "${FAKE_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  rm -rf "$FAKE_WORK"
}
trap stop_fake_apis EXIT

fake_schema_dir() {
  local shared="${CCOL1_SHARED:-$root/../shared}"
  local schemas="$shared/reference/calico-crds"
  if [ ! -d "$schemas" ]; then
    echo "The upstream CRD schemas are missing at $schemas: set CCOL1_SHARED to the shared reference folder" >&2
    exit 1
  fi
  echo "$schemas"
}

fake_python() {
  if [ -n "${ANSIBLE_TEST_PYTHON_INTERPRETER:-}" ]; then
    echo "$ANSIBLE_TEST_PYTHON_INTERPRETER"
  else
    command -v python3 || command -v python
  fi
}

# start_fake_api NAME MODE [server options...]: sets FAKE_URL and FAKE_KUBECONFIG for this instance
start_fake_api() {
  local name="$1" mode="$2" dir i
  shift 2
  dir="$FAKE_WORK/$name"
  mkdir -p "$dir"
  "$(fake_python)" "$root/tests/fake_k8s_api/server.py" --mode "$mode" --port 0 \
    --port-file "$dir/port" --kubeconfig "$dir/kubeconfig" --pid-file "$dir/pid" \
    --schema-dir "$(fake_schema_dir)" "$@" 2>"$dir/server.log" &
  FAKE_PIDS+=("$!")
  for i in $(seq 1 100); do
    [ -s "$dir/port" ] && [ -s "$dir/kubeconfig" ] && break
    if ! kill -0 "${FAKE_PIDS[-1]}" 2>/dev/null; then
      cat "$dir/server.log" >&2
      echo "The fake Kubernetes API ($mode) exited before listening" >&2
      exit 1
    fi
    sleep 0.1
  done
  if [ ! -s "$dir/port" ]; then
    cat "$dir/server.log" >&2
    echo "The fake Kubernetes API ($mode) did not start within 10 s (try $i)" >&2
    exit 1
  fi
  FAKE_URL="http://127.0.0.1:$(cat "$dir/port")"
  FAKE_KUBECONFIG="$dir/kubeconfig"
  export FAKE_URL FAKE_KUBECONFIG
}

# The tasks the playbooks include to read the fake's request log.
FAKE_TASKS="$root/tests/integration/targets/setup_calico_fake_api/tasks"
export FAKE_TASKS
