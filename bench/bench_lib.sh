# Shared by the benchmark scripts (poller_bench.sh, peripheral_bench.sh,
# claim_bench.sh): the work dir, the processes a script starts and their
# clean-up on exit, Ctrl-C or SIGTERM, and small helpers. Source it after
# setting `bench_name`:
#   bench_name=claim_bench; source "$here/bench_lib.sh"
# It sets `work` (a temp dir under $TMPDIR, removed at exit unless KEEP=1),
# `pids` (processes to stop at exit), `as_nobody` (setpriv to nobody when run
# as root, for snmpsimd), exports SNMP_PERSISTENT_DIR and MIBS for Net-SNMP's
# tools, and installs the traps. Progress goes to fd 3 (the script's stderr).

exec 3>&2  # progress goes here even while a command's stderr is redirected
log() { echo "$bench_name: $*" >&3; }

# require_bins HINT BIN...: each must be executable (else exit 2 with HINT);
# require_tools PACKAGES TOOL...: each must be on PATH.
require_bins() {
  local hint=$1 bin
  shift
  for bin in "$@"; do
    if [[ ! -x "$bin" ]]; then
      echo "$bench_name: $bin not found; build first, e.g.:" >&2
      echo "  $hint" >&2
      exit 2
    fi
  done
}
require_tools() {
  local packages=$1 tool
  shift
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null; then
      echo "$bench_name: $tool not found (Debian packages: $packages)" >&2
      exit 2
    fi
  done
}

work=$(mktemp -d "${TMPDIR:-/tmp}/$bench_name.XXXXXX")
chmod 755 "$work"  # snmpsimd runs as nobody and reads the fleet data in here
pids=()
descendants() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do
    descendants "$child"
    echo "$child"
  done
}
stop_tree() {  # SIGTERM to a process we started and everything below it
  local pid=$1 all
  all="$(descendants "$pid") $pid"
  # shellcheck disable=SC2086
  kill -TERM $all 2>/dev/null || true
}
wait_gone() {  # up to 5 s, then SIGKILL
  local pid=$1
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
stop_all() {
  local pid
  for pid in "${pids[@]}"; do stop_tree "$pid"; done
  for pid in "${pids[@]}"; do wait_gone "$pid"; done
  wait 2>/dev/null || true
  pids=()
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all
  if [[ "${KEEP:-0}" == 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT
trap 'log terminated; exit 143' TERM

# Runs "$@" in the background and waits for it, so that Ctrl-C/SIGTERM reach
# the traps at once (bash runs traps only between foreground commands).
# Never call it inside $(...): the pid would be recorded in a subshell.
run() {
  "$@" 3>&- &
  local pid=$! rc=0
  pids+=("$pid")
  wait "$pid" || rc=$?
  forget "$pid"
  return "$rc"
}
forget() {  # drops a pid that has exited from the clean-up list
  local keep=() p
  for p in "${pids[@]}"; do [[ "$p" == "$1" ]] || keep+=("$p"); done
  pids=("${keep[@]}")
}

# utime+stime in seconds of the given pids (from /proc/<pid>/stat).
cpu_of() {
  local ticks pid
  ticks=$(getconf CLK_TCK)
  for pid in "$@"; do awk '{print $14 + $15}' "/proc/$pid/stat"; done |
    awk -v t="$ticks" '{s += $1} END {printf "%.2f", s / t}'
}
# start_relay RELAY_BIN TARGETS_CSV OUT_CSV DELAY_MS: udp_delay_relay in front
# of every target (delay each way); sets relay_pid once OUT_CSV (the targets
# rewritten to the relay's ports) exists; exits naming the log if it does not.
start_relay() {
  "$1" --targets "$2" --out "$3" --delay-ms "$4" 2>"$work/relay.log" 3>&- &
  relay_pid=$!
  pids+=("$relay_pid")
  local i
  for i in $(seq 100); do
    [[ -f "$3" ]] && return 0
    if ! kill -0 "$relay_pid" 2>/dev/null || ((i == 100)); then
      log "udp_delay_relay did not start:"
      cat "$work/relay.log" >&2
      exit 1
    fi
    sleep 0.1
  done
}

# wait_snmpsim ARGS_FILE PID LOG TRIES: waits (TRIES x 0.2 s at most) until
# the last endpoint in an snmpsimd args file answers (a process answers once
# all its endpoints are up); exits naming LOG if the process died or never
# answered. `what` (optional, 5th) prefixes the message.
wait_snmpsim() {
  local last i
  last=$(tail -1 "$1" | sed 's/.*=//')
  for i in $(seq "$4"); do
    if snmpget -v2c -c public -r0 -t0.2 "$last" .1.3.6.1.2.1.1.5.0 >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null || ((i == $4)); then
      log "${5:+$5: }snmpsimd did not start ($1):"
      cat "$3" >&2
      exit 1
    fi
    sleep 0.2
  done
}

kv() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }     # kv "$line" key
json() { sed -n "s/.*\"$2\": *\\([^,}]*\\).*/\\1/p" <<<"$1"; }  # json "$obj" key
calc() { awk "BEGIN {printf \"$1\", $2}"; }                     # calc FORMAT EXPR

export SNMP_PERSISTENT_DIR="$work/client" MIBS=
mkdir -p "$SNMP_PERSISTENT_DIR"
as_nobody=()
if [[ $(id -u) -eq 0 ]]; then as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --); fi
