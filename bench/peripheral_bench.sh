#!/usr/bin/env bash
# periscope-poller over a mixed fleet of peripherals (issue 7) against the
# storage-only figure: poll throughput (targets/s, devices/s) and the poller's
# CPU (user+sys) and peak RSS from /usr/bin/time -v, for AGENTS simulated
# printers, copiers, hosts and switches (ratio 4:2:2:2, fleet_gen
# --peripherals) and for AGENTS periscope agents (PERISCOPE-MIB, fleet_gen as
# in bench/poller_bench.sh), one after the other on the same loopback snmpsim
# set-up. Prints a figures table (markdown) on stdout; progress on stderr.
#
#   bench/peripheral_bench.sh [BUILD_DIR]     BUILD_DIR defaults to build/release
#
# Builds nothing: BUILD_DIR must hold periscope-poller, periscope-store and
# bench/fleet_gen. Needs snmpsimd, snmpget and /usr/bin/time (Debian: snmpsim,
# snmp, time). Takes about 2 minutes on 2 cores.
#
# Everything lives in a temp dir under $TMPDIR (default /tmp), removed at the
# end (KEEP=1 keeps it, with the logs). Every process started here is stopped
# on exit, also on Ctrl-C or SIGTERM. Knobs (environment): AGENTS=1000,
# SIM_PROCS=2, WINDOW=64, TIMEOUT_MS=3000, RUNS=5, DAYS=2 (the periscope
# agents' daily rows), WARMUPS=3.
#
# snmpsim (Python) is the slow side: at poller_bench.sh's window of 256 and a
# 1 s timeout, two snmpsim processes on a busy 2-core machine answer too late
# for part of the mixed fleet's larger walks, and the figures then measure
# timeouts. The defaults here (64 walks in flight, 3 s) keep every target ok;
# the table shows ok/failed so that a run with failures is not mistaken for a
# throughput figure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(cd "${1:-${here}/../build/release}" 2>/dev/null && pwd)" || {
  echo "peripheral_bench: build dir ${1:-${here}/../build/release} not found" >&2
  exit 2
}
AGENTS=${AGENTS:-1000}
SIM_PROCS=${SIM_PROCS:-2}
WINDOW=${WINDOW:-64}
TIMEOUT_MS=${TIMEOUT_MS:-3000}
WARMUPS=${WARMUPS:-3}
RUNS=${RUNS:-5}
DAYS=${DAYS:-2}

poller="${build}/poller/periscope-poller"
store_bin="${build}/store/periscope-store"
fleet_gen="${build}/bench/fleet_gen"
bench_name=peripheral_bench
# shellcheck source=bench/bench_lib.sh
source "$here/bench_lib.sh"
require_bins "cmake --preset release && cmake --build --preset release" \
  "$poller" "$store_bin" "$fleet_gen"
require_tools "snmpsim, snmp, time" snmpsimd snmpget /usr/bin/time
tv() { sed -n "s/^\\s*$2: //p" "$1"; }  # tv TIME_V_FILE "User time (seconds)"

# measure NAME FLEET_GEN_ARGS...: generates a fleet, serves it, polls it once
# (creating every device; snmpsim indexes each data file on its first
# request), again until a run has no failed target (at most WARMUPS runs in
# all), then RUNS times; sets m_* (median wall run).
measure() {
  local name=$1
  shift
  local dir="$work/$name" p i sim_pids=()
  log "$name: fleet_gen $*"
  "$fleet_gen" --out "$dir" --processes "$SIM_PROCS" "$@" >/dev/null
  m_objects=$(cat "$dir"/data/public/*.snmprec | wc -l)
  # Interleave the snmpsim processes' blocks (see bench/poller_bench.sh).
  awk -v p="$SIM_PROCS" 'NR == 1 {print; next} {l[n++] = $0}
    END {per = int((n + p - 1) / p)
         for (i = 0; i < per; i++) for (k = 0; k < p; k++) {j = k * per + i; if (j < n) print l[j]}}' \
    "$dir/targets.csv" >"$dir/targets-interleaved.csv"
  mkdir -p "$dir/cache"
  if [[ $(id -u) -eq 0 ]]; then chown -R 65534:65534 "$dir"; fi
  for ((p = 0; p < SIM_PROCS; p++)); do
    [[ -f "$dir/snmpsim-$p.args" ]] || continue
    mapfile -t args <"$dir/snmpsim-$p.args"
    "${as_nobody[@]}" snmpsimd --v2c-arch --data-dir="$dir/data" --cache-dir="$dir/cache" \
      --logging-method=null "${args[@]}" >"$dir/snmpsim-$p.log" 2>&1 3>&- &
    pids+=($!)
    sim_pids+=($!)
  done
  for ((p = 0; p < ${#sim_pids[@]}; p++)); do
    wait_snmpsim "$dir/snmpsim-$p.args" "${sim_pids[$p]}" "$dir/snmpsim-$p.log" 600 "$name"
  done
  local s=("$store_bin" --db "$dir/p.db")
  "${s[@]}" init >/dev/null
  "${s[@]}" import staff "$dir/staff.csv" >/dev/null
  "${s[@]}" import customers "$dir/customers.csv" >/dev/null
  "${s[@]}" import targets "$dir/targets-interleaved.csv" >/dev/null
  cat >"$dir/poller.xml" <<CONF
<periscope-poller>
  <database path="$dir/p.db"/>
  <polling window="$WINDOW" timeout-ms="$TIMEOUT_MS" retries="2"/>
  <profile name="sim-v2c" version="2c" community="public"/>
</periscope-poller>
CONF
  chmod 600 "$dir/poller.xml"
  local rows=() before after out user sys rss wall
  local warm=0 timed=0
  for ((i = 0; timed < RUNS; i++)); do
    before=$(cpu_of "${sim_pids[@]}")
    run /usr/bin/time -v -o "$dir/run-$i.time" "$poller" -c "$dir/poller.xml" --json \
      >"$dir/run-$i.json" 2>"$dir/run-$i.log" ||
      log "$name run $i: periscope-poller failed: $(tail -1 "$dir/run-$i.log")"
    after=$(cpu_of "${sim_pids[@]}")
    out=$(cat "$dir/run-$i.json")
    user=$(tv "$dir/run-$i.time" "User time (seconds)")
    sys=$(tv "$dir/run-$i.time" "System time (seconds)")
    rss=$(tv "$dir/run-$i.time" "Maximum resident set size (kbytes)")
    wall=$(tv "$dir/run-$i.time" "Elapsed (wall clock) time (h:mm:ss or m:ss)" |
      awk -F: '{s = 0; for (k = 1; k <= NF; k++) s = s * 60 + $k; printf "%.2f", s}')
    local row
    row="$wall $(calc %.3f "$user + $sys") $(json "$out" ok) $(json "$out" devices)"
    row="$row $(json "$out" failed) $(json "$out" warnings) $rss $(calc %.2f "$after - $before")"
    log "$name run $i: wall ${wall}s cpu $(calc %.3f "$user + $sys")s rss ${rss}kB," \
      "ok $(json "$out" ok) devices $(json "$out" devices) failed $(json "$out" failed)"
    if ((i == 0)); then m_first="$row"; fi
    if ((warm == 0)); then
      # Warm-up: until one run has no failed target, at most WARMUPS runs.
      if [[ "$(json "$out" failed)" == 0 ]] || ((i + 1 >= WARMUPS)); then warm=1; fi
      continue
    fi
    rows+=("$row")
    timed=$((timed + 1))
  done
  read -r m_wall m_cpu m_ok m_devices m_failed m_warnings m_rss m_sim < <(printf '%s\n' "${rows[@]}" |
    sort -n | sed -n "$(((${#rows[@]} + 1) / 2))p")
  m_all=$(printf '%s\n' "${rows[@]}" | awk '{printf "%s%s", (NR > 1 ? ", " : ""), $1}')
  m_targets=$(($(wc -l <"$dir/targets.csv") - 1))
  stop_all
}

measure storage --agents "$AGENTS" --customers 50 --days "$DAYS"
s_wall=$m_wall s_cpu=$m_cpu s_ok=$m_ok s_devices=$m_devices s_failed=$m_failed s_rss=$m_rss
s_sim=$m_sim s_all=$m_all s_objects=$m_objects s_targets=$m_targets s_first=$m_first
measure mixed --agents 0 --peripherals "$AGENTS" --customers 50
x_wall=$m_wall x_cpu=$m_cpu x_ok=$m_ok x_devices=$m_devices x_failed=$m_failed x_rss=$m_rss
x_sim=$m_sim x_all=$m_all x_objects=$m_objects x_targets=$m_targets x_first=$m_first
x_warnings=$m_warnings

row() {  # row LABEL TARGETS OBJECTS WALL CPU OK DEVICES FAILED RSS SIM ALL FIRST
  printf '| %s | %s | %s | **%s s** (%s) | **%s** | %s | %s | **%s s** = %s ms | %s | %s MiB | %s s | %s s |\n' \
    "$1" "$2" "$3" "$4" "${11}" "$(calc %.0f "$7 / $4")" "$(calc %.0f "$2 / $4")" "$6/$8" \
    "$5" "$(calc %.2f "$5 * 1000 / $7")" "$(calc %.3f "$5 * 1000 / $2")" \
    "$(calc %.1f "$9 / 1024")" "${10}" "$(awk '{print $1}' <<<"${12}")"
}
cat <<TABLE

## periscope-poller: mixed peripheral fleet vs storage-only ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r))

$AGENTS simulated agents each, $SIM_PROCS snmpsim processes on loopback, window $WINDOW,
timeout $TIMEOUT_MS ms; steady runs (every device already stored, after a warm-up), median of
$RUNS by wall time.
Mixed: printers, copiers, hosts and switches 4:2:2:2 (tests/support/peripheral_fleet.h
MakePeripheralFleet); storage: PERISCOPE-MIB agents with $DAYS daily rows (every 5th serves 2 devices).

| fleet | targets | objects served | wall (runs) | devices/s | targets/s | ok/failed | CPU user+sys = per device | CPU ms per target | max RSS | snmpsim CPU | first run wall |
|---|---|---|---|---|---|---|---|---|---|---|---|
$(row "storage-only (periscope)" "$s_targets" "$s_objects" "$s_wall" "$s_cpu" "$s_ok" "$s_devices" "$s_failed" "$s_rss" "$s_sim" "$s_all" "$s_first")
$(row "mixed peripherals" "$x_targets" "$x_objects" "$x_wall" "$x_cpu" "$x_ok" "$x_devices" "$x_failed" "$x_rss" "$x_sim" "$x_all" "$x_first")

Mixed / storage-only: wall **$(calc %.2f "$x_wall / $s_wall")x**, CPU **$(calc %.2f "$x_cpu / $s_cpu")x**,
objects served $(calc %.2f "$x_objects / $s_objects")x (snmprec lines; the poller walks only the
columns a kind needs). Warnings in the mixed run: $x_warnings (expected: one per host, which serves
no serial and gets a substitute identity, and one per PSV-100 server, whose /srv
hrStorageSize overflows Integer32).
TABLE
