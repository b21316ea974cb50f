#!/usr/bin/env bash
# periscope-poller over a simulated fleet: throughput and CPU against a plain
# shell loop of snmpbulkwalk and against what the simulated agents can serve,
# latency hiding behind a 100 ms-each-way UDP relay, and the store's ingest
# rate and size per device-year. Prints a figures table (markdown) on stdout;
# progress on stderr.
#
#   bench/poller_bench.sh [BUILD_DIR]     BUILD_DIR defaults to build/release
#
# Builds nothing: BUILD_DIR must hold periscope-poller, periscope-store and
# the benchmark tools (fleet_gen, agent_capacity, udp_delay_relay,
# ingest_bench). Needs snmpsimd, snmpbulkwalk/snmpget and /usr/bin/time
# (Debian: snmpsim, snmp, time). Takes about 2 minutes on 2 cores.
#
# Everything lives in a temp dir under $TMPDIR (default /tmp), removed at the
# end (KEEP=1 keeps it, with the logs). Every process started here is stopped
# on exit, also on Ctrl-C or SIGTERM. Knobs (environment): AGENTS=1000,
# DAYS=2, SIM_PROCS=2, WINDOW=256, DELAY_MS=100, RELAY_WINDOW=1000,
# RELAY_TIMEOUT_MS=3000, SHELL_SAMPLE=20, STEADY_RUNS=5.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(cd "${1:-${here}/../build/release}" 2>/dev/null && pwd)" || {
  echo "poller_bench: build dir ${1:-${here}/../build/release} not found" >&2
  exit 2
}
AGENTS=${AGENTS:-1000}
DAYS=${DAYS:-2}
SIM_PROCS=${SIM_PROCS:-2}
WINDOW=${WINDOW:-256}
DELAY_MS=${DELAY_MS:-100}
RELAY_WINDOW=${RELAY_WINDOW:-1000}
RELAY_TIMEOUT_MS=${RELAY_TIMEOUT_MS:-3000}
SHELL_SAMPLE=${SHELL_SAMPLE:-20}
STEADY_RUNS=${STEADY_RUNS:-5}
ROOT_OID=.1.3.6.1.4.1.8072.9999.9999.1

poller="${build}/poller/periscope-poller"
store_bin="${build}/store/periscope-store"
fleet_gen="${build}/bench/fleet_gen"
capacity="${build}/bench/agent_capacity"
relay_bin="${build}/bench/udp_delay_relay"
ingest="${build}/bench/ingest_bench"
bench_name=poller_bench
# shellcheck source=bench/bench_lib.sh
source "$here/bench_lib.sh"
require_bins "cmake --preset release && cmake --build --preset release" \
  "$poller" "$store_bin" "$fleet_gen" "$capacity" "$relay_bin" "$ingest"
require_tools "snmpsim, snmp, time" snmpsimd snmpbulkwalk snmpget /usr/bin/time

# ---- the fleet ----
log "work dir $work; fleet of $AGENTS agents, $DAYS days of history, $SIM_PROCS snmpsim processes"
"$fleet_gen" --out "$work/fleet" --agents "$AGENTS" --customers 50 --days "$DAYS" \
  --processes "$SIM_PROCS" >/dev/null
# fleet_gen gives each snmpsim process a contiguous block of agents, and a
# poller walks targets in store order: 1..N would keep one snmpsim process busy
# at a time. Real agents are independent, so the targets are interleaved
# (agent 0 of process 0, agent 0 of process 1, agent 1 of process 0, ...).
awk -v n="$AGENTS" -v p="$SIM_PROCS" 'NR == 1 {print; next} {l[NR - 2] = $0}
  END {per = int((n + p - 1) / p)
       for (i = 0; i < per; i++)
         for (k = 0; k < p; k++) {j = k * per + i; if (j < n) print l[j]}}' \
  "$work/fleet/targets.csv" >"$work/targets.csv"
mkdir -p "$work/fleet/cache"
if [[ $(id -u) -eq 0 ]]; then chown -R 65534:65534 "$work/fleet"; fi
sim_pids=()
for ((p = 0; p < SIM_PROCS; p++)); do
  mapfile -t args <"$work/fleet/snmpsim-$p.args"
  "${as_nobody[@]}" snmpsimd --v2c-arch --data-dir="$work/fleet/data" \
    --cache-dir="$work/fleet/cache" --logging-method=null "${args[@]}" \
    >"$work/snmpsim-$p.log" 2>&1 3>&- &
  pids+=($!)
  sim_pids+=($!)
done
for ((p = 0; p < SIM_PROCS; p++)); do
  wait_snmpsim "$work/fleet/snmpsim-$p.args" "${sim_pids[$p]}" "$work/snmpsim-$p.log" 600
done
log "snmpsim up; warm-up walk of the fleet"
run "$capacity" --targets "$work/targets.csv" --concurrency 64 >/dev/null || true

# ---- periscope-poller, direct ----
new_store() {  # new_store DB TARGETS_CSV
  local s=("$store_bin" --db "$1")
  "${s[@]}" init >/dev/null
  "${s[@]}" import staff "$work/fleet/staff.csv" >/dev/null
  "${s[@]}" import customers "$work/fleet/customers.csv" >/dev/null
  "${s[@]}" import targets "$2" >/dev/null
}
poller_config() {  # poller_config FILE DB WINDOW TIMEOUT_MS
  cat >"$1" <<CONF
<periscope-poller>
  <database path="$2"/>
  <polling window="$3" timeout-ms="$4" retries="2"/>
  <profile name="sim-v2c" version="2c" community="public"/>
</periscope-poller>
CONF
  chmod 600 "$1"
}
# poll NAME CONFIG: one run under /usr/bin/time; sets p_wall p_cpu p_ok p_devices p_failed
# p_sim (CPU the snmpsim processes used meanwhile, in seconds).
poll() {
  local before after out
  before=$(cpu_of "${sim_pids[@]}")
  run /usr/bin/time -f '%e %U %S' -o "$work/$1.time" "$poller" -c "$2" --json \
    >"$work/$1.json" 2>"$work/$1.log" ||
    log "$1: periscope-poller failed: $(tail -1 "$work/$1.log")"
  after=$(cpu_of "${sim_pids[@]}")
  out=$(cat "$work/$1.json")
  read -r p_wall p_user p_sys < <(tail -1 "$work/$1.time")
  p_cpu=$(calc %.3f "$p_user + $p_sys")
  p_ok=$(json "$out" ok)
  p_devices=$(json "$out" devices)
  p_failed=$(json "$out" failed)
  p_sim=$(calc %.2f "$after - $before")
  log "$1: wall ${p_wall}s cpu ${p_cpu}s, $p_ok ok ($p_devices devices), $p_failed failed," \
    "snmpsim cpu ${p_sim}s"
}
# steady NAME CONFIG N [HOOK]: N runs, each after HOOK i (if given); sets s_* to the
# run with the median wall time.
steady() {
  local rows=() i
  for ((i = 1; i <= $3; i++)); do
    if [[ -n "${4:-}" ]]; then "$4" "$i"; fi
    poll "$1-$i" "$2"
    rows+=("$p_wall $p_cpu $p_ok $p_devices $p_failed $p_sim")
  done
  read -r s_wall s_cpu s_ok s_devices s_failed s_sim < <(printf '%s\n' "${rows[@]}" | sort -n |
    sed -n "$(((${#rows[@]} + 1) / 2))p")
  s_all=$(printf '%s\n' "${rows[@]}" | awk '{printf "%s%s", (NR > 1 ? ", " : ""), $1}')
}

# The relay run opens one socket per device in flight.
if (($(ulimit -n) < 4096)); then ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"; fi
new_store "$work/direct.db" "$work/targets.csv"
poller_config "$work/direct.xml" "$work/direct.db" "$WINDOW" 1000
poll direct-first "$work/direct.xml"
first_wall=$p_wall first_cpu=$p_cpu first_ok=$p_ok
# ---- what the agents can serve ----
# agent_capacity walks every agent once (GETBULK, max-repetitions 25, one
# request outstanding per walk, like the poller), from one UDP socket with a
# hand-made BER encoder: its own CPU is ~1% of the agents'. First at 16, 64 and
# 256 walks in flight; then, at the fastest of those, once before each steady
# poller run, so both see the same machine (a VM's speed drifts). The agents'
# capacity is the median of those runs.
capacity_run() {  # capacity_run NAME CONCURRENCY [TARGETS]; sets c_line c_wall
  run "$capacity" --targets "${3:-$work/targets.csv}" --concurrency "$2" --timeout-ms 5000 \
    >"$work/$1.out" || log "agent_capacity: some walks failed"
  c_line=$(cat "$work/$1.out")
  c_wall=$(kv "$c_line" wall_s)
  log "$1: $c_line"
}
best_wall=1e9
for c in 16 64 256; do
  capacity_run "capacity-c$c" "$c"
  if awk "BEGIN {exit !($c_wall < $best_wall)}"; then best_wall=$c_wall best_c=$c; fi
done
fleet_pdus=$(kv "$c_line" pdus)
fleet_vbs=$(kv "$c_line" varbinds)
max_pdus=$(kv "$c_line" max_pdus_per_walk)
cap_walls=()
capacity_hook() {
  capacity_run "capacity-$1" "$best_c"
  cap_walls+=("$c_wall")
}

steady direct "$work/direct.xml" "$STEADY_RUNS" capacity_hook
d_wall=$s_wall d_cpu=$s_cpu d_ok=$s_ok d_devices=$s_devices d_failed=$s_failed d_sim=$s_sim
d_all=$s_all
cap_wall=$(printf '%s\n' "${cap_walls[@]}" | sort -n | sed -n "$(((${#cap_walls[@]} + 1) / 2))p")
cap_all=$(printf '%s\n' "${cap_walls[@]}" | paste -sd, | sed 's/,/, /g')
cap_rate=$(calc %.0f "$fleet_pdus / $cap_wall")

# ---- the shell loop, same fleet ----
# Children's CPU of the whole loop (bash and every snmpbulkwalk), /usr/bin/time.
shell_loop() {  # shell_loop NAME TARGETS_CSV COUNT
  local fails
  # shellcheck disable=SC2016  # the loop's own variables
  run /usr/bin/time -f '%e %U %S' -o "$work/$1.time" bash -c '
    while IFS=, read -r address port _; do
      snmpbulkwalk -v2c -c public -Cr25 "$address:$port" "$3" >/dev/null 2>&1 ||
        echo "fail $address:$port"
    done < <(tail -n +2 "$1" | head -n "$2")' shell "$2" "$3" "$ROOT_OID" >"$work/$1.fails"
  read -r l_wall l_user l_sys <"$work/$1.time"
  l_cpu=$(calc %.3f "$l_user + $l_sys")
  fails=$(wc -l <"$work/$1.fails")
  l_fail=$fails
  log "$1: $3 walks, wall ${l_wall}s cpu ${l_cpu}s, $fails failed"
}
log "shell loop: snmpbulkwalk -v2c -Cr25 of every agent, one after the other"
shell_loop shell "$work/targets.csv" "$AGENTS"
sh_wall=$l_wall sh_cpu=$l_cpu sh_fail=$l_fail

# ---- behind the relay ----
log "relay: ${DELAY_MS} ms each way in front of every agent"
start_relay "$relay_bin" "$work/targets.csv" "$work/targets-relay.csv" "$DELAY_MS"
rcap_walls=()
relay_capacity_hook() {
  capacity_run "capacity-relay-$1" "$RELAY_WINDOW" "$work/targets-relay.csv"
  rcap_walls+=("$c_wall")
}
new_store "$work/relay.db" "$work/targets-relay.csv"
poller_config "$work/relay.xml" "$work/relay.db" "$RELAY_WINDOW" "$RELAY_TIMEOUT_MS"
poll relay-first "$work/relay.xml"
r_first_wall=$p_wall r_first_ok=$p_ok
steady relay "$work/relay.xml" "$STEADY_RUNS" relay_capacity_hook
r_wall=$s_wall r_cpu=$s_cpu r_ok=$s_ok r_failed=$s_failed r_all=$s_all
rcap_wall=$(printf '%s\n' "${rcap_walls[@]}" | sort -n | sed -n "$(((${#rcap_walls[@]} + 1) / 2))p")
rcap_all=$(printf '%s\n' "${rcap_walls[@]}" | paste -sd, | sed 's/,/, /g')
shell_loop shell-relay "$work/targets-relay.csv" "$SHELL_SAMPLE"
rs_wall=$l_wall rs_cpu=$l_cpu rs_fail=$l_fail
stop_tree "$relay_pid"
wait "$relay_pid" 2>/dev/null || true
forget "$relay_pid"
log "$(tail -1 "$work/relay.log")"

# ---- ingest ----
log "ingest: store::PollWriter with synthetic devices (about 20 s)"
TMPDIR="$work" run "$ingest" --targets 1000 --polls 3 --daily-rows 35 \
  --size-devices 50 --size-days 30 >"$work/ingest.out"
TMPDIR="$work" run "$ingest" --targets 1000 --polls 3 --daily-rows "$DAYS" \
  --size-devices 0 >"$work/ingest-$DAYS.out"
ing=$(cat "$work/ingest.out")
ing2=$(cat "$work/ingest-$DAYS.out")
log "$(tr '\n' ' ' <<<"$ing")"

# ---- the figures ----
k=$(calc %.3f "1000 / $AGENTS")  # per 1,000 agents
cat <<TABLE

## periscope-poller benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r))

Fleet: $AGENTS simulated agents = targets ($d_devices devices; every 5th agent serves 2), $DAYS days
of daily history, $SIM_PROCS snmpsim processes on loopback; one full walk of the fleet =
$fleet_pdus GETBULK PDUs (max-repetitions 25), $fleet_vbs varbinds.

| figure | measured | target |
|---|---|---|
| agents' capacity: agent_capacity at $best_c walks in flight (fastest of 16/64/256), median of $STEADY_RUNS runs (${cap_all} s) | $cap_rate PDU/s -> **${cap_wall} s** for the fleet | |
| periscope-poller, window $WINDOW, steady run (median of $STEADY_RUNS: ${d_all} s) | **${d_wall} s** = $(calc %.0f "$AGENTS / $d_wall") agents/s ($(calc %.0f "$d_devices / $d_wall") devices/s), $d_ok ok, $d_failed failed | |
| periscope-poller CPU (utime+stime) | ${d_cpu} s = **$(calc %.3f "$d_cpu * $k") s per 1,000 agents** | |
| periscope-poller, first run (creates every device) | ${first_wall} s, CPU ${first_cpu} s, $first_ok ok | |
| snmpsim CPU during the steady run | ${d_sim} s of $(calc %.2f "$SIM_PROCS * $d_wall") s available ($(calc %.0f "100 * $d_sim / ($SIM_PROCS * $d_wall)") %) | |
| shell loop, snmpbulkwalk -v2c -Cr25 per agent | ${sh_wall} s = $(calc %.0f "$AGENTS / $sh_wall") agents/s, CPU ${sh_cpu} s = $(calc %.2f "$sh_cpu * $k") s per 1,000 agents, $sh_fail failed | |
| **CPU: shell loop / poller** | **$(calc %.1f "$sh_cpu / $d_cpu")x** less CPU | >= 10x |
| **wall: poller / agents' capacity** (medians) | **$(calc %.2f "$d_wall / $cap_wall")x** | <= 1.5x |
| wall: shell loop / poller | $(calc %.1f "$sh_wall / $d_wall")x faster | |
| relay, ${DELAY_MS} ms each way: periscope-poller, window $RELAY_WINDOW, timeout ${RELAY_TIMEOUT_MS} ms (median of $STEADY_RUNS: ${r_all} s) | **${r_wall} s** for $AGENTS agents, CPU ${r_cpu} s, $r_ok ok, $r_failed failed (first run ${r_first_wall} s, $r_first_ok ok) | < 10 s |
| relay: agents' capacity through the relay (agent_capacity, $RELAY_WINDOW in flight; median of ${rcap_all} s) | ${rcap_wall} s: poller **$(calc %.2f "$r_wall / $rcap_wall")x** of it (medians) | |
| relay: floor = the longest walk, $max_pdus round trips of $((2 * DELAY_MS)) ms | $(calc %.1f "$max_pdus * 2 * $DELAY_MS / 1000") s; the agents alone need ${cap_wall} s | |
| relay: shell loop, $SHELL_SAMPLE agents measured, extrapolated x$(calc %.0f "$AGENTS / $SHELL_SAMPLE") | ${rs_wall} s (CPU ${rs_cpu} s) for $SHELL_SAMPLE -> **$(calc %.0f "$rs_wall * $AGENTS / $SHELL_SAMPLE") s** for $AGENTS (extrapolated), $rs_fail failed | > 200 s |
| ingest, synchronous=FULL, 1 device/target, 35 daily rows/sample (subagent default) | **$(calc %.0f "$(kv "$ing" steady_targets_per_s)") targets/s = samples/s**, $(calc %.0f "$(kv "$ing" steady_daily_upserts_per_s)") daily upserts/s, $(kv "$ing" steady_ms_per_target) ms/target ($(kv "$ing" steady_cpu_ms_per_target) ms CPU) | |
| ingest, same with $DAYS daily rows/sample (as the fleet above) | $(calc %.0f "$(kv "$ing2" steady_targets_per_s)") targets/s = samples/s, $(kv "$ing2" steady_ms_per_target) ms/target | |
| ingest, first poll (inserts devices and specs, 35 daily rows) | $(calc %.0f "$(kv "$ing" first_poll_targets_per_s)") targets/s | |
| database size per device-year (hourly polls: 8,760 samples + 365 daily rows) | **$(kv "$ing" mib_per_device_year) MiB** ($(kv "$ing" bytes_per_device_day) bytes/device-day; $(kv "$ing" mib_per_1000_devices_year) MiB per 1,000 devices) | |
TABLE
