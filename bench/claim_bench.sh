#!/usr/bin/env bash
# The claim benchmark (issue 8): one periscope-claim over ~500 same-model
# peers of which 10 % are dead, against the target "wall time within the
# per-device deadline plus 2 s", with its CPU time and peak RSS.
#
#   bench/claim_bench.sh [BUILD_DIR]     BUILD_DIR defaults to build/release
#
# The fleet: fleet_gen --agents 0 --claim-copiers COPIERS --processes SIM_PROCS
# (tests/support/claim_fleet.h): the claimed CPY-6000 of cust-01, COPIERS
# CPY-6000 peers, 3 CPY-4500 and one CPY-6000 serving garbage (a peer too), so
# COPIERS + 1 peers; with the defaults (495, 10 processes) that is 496 peers
# and 500 agents, 50 per snmpsim process. After one poller run has stored
# every device, the snmpsim process(es) DEAD_PROCS (default "5": agents
# 250-299, all CPY-6000 peers) are killed, leaving 50 dead peers (10.1 %);
# the script checks from DIR/claim.csv that the claimed device is not among
# them. Then RUNS times:
#   /usr/bin/time -f '%e %U %S %M' periscope-claim --customer cust-01
#     --device <claimed serial> --category image-quality --no-mail --format json
# with the claim's poller config: window WINDOW (256), timeout-ms TIMEOUT_MS
# (1000), retries RETRIES (1), device-deadline-s DEVICE_DEADLINE_S (3), and
# the claim config's deadline-ms CLAIM_DEADLINE_MS (10000). Per run: wall,
# user+sys CPU, max RSS, peers asked / answered / dead by error class, the
# claim's own elapsed_ms; then the median run by wall time and whether it met
# the target. Figures (markdown) on stdout, progress on stderr.
#
# Builds nothing: BUILD_DIR must hold claimtool/periscope-claim,
# poller/periscope-poller, store/periscope-store and bench/fleet_gen, e.g.
#   cmake --preset release && cmake --build --preset release \
#     --target periscope-claim periscope-poller periscope-store fleet_gen
# Needs snmpsimd, snmpget, python3 and /usr/bin/time (Debian: snmpsim, snmp,
# python3, time). Takes about a minute on 2 cores.
#
# Everything lives in a temp dir under $TMPDIR (default /tmp), removed at the
# end (KEEP=1 keeps it, with the logs and each run's JSON). Every process
# started here is stopped on exit, also on Ctrl-C or SIGTERM.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(cd "${1:-${here}/../build/release}" 2>/dev/null && pwd)" || {
  echo "claim_bench: build dir ${1:-${here}/../build/release} not found" >&2
  exit 2
}
COPIERS=${COPIERS:-495}
SIM_PROCS=${SIM_PROCS:-10}
DEAD_PROCS=${DEAD_PROCS-5}
CUSTOMERS=${CUSTOMERS:-50}
WINDOW=${WINDOW:-256}
TIMEOUT_MS=${TIMEOUT_MS:-1000}
RETRIES=${RETRIES:-1}
DEVICE_DEADLINE_S=${DEVICE_DEADLINE_S:-3}
CLAIM_DEADLINE_MS=${CLAIM_DEADLINE_MS:-10000}
CATEGORY=${CATEGORY:-image-quality}
RUNS=${RUNS:-3}
WARMUPS=${WARMUPS:-3}

claim_bin="${build}/claimtool/periscope-claim"
poller="${build}/poller/periscope-poller"
store_bin="${build}/store/periscope-store"
fleet_gen="${build}/bench/fleet_gen"
rules="${here}/../etc/claim-rules.xml"
bench_name=claim_bench
# shellcheck source=bench/bench_lib.sh
source "$here/bench_lib.sh"
require_bins "cmake --preset release && cmake --build --preset release --target periscope-claim periscope-poller periscope-store fleet_gen" \
  "$claim_bin" "$poller" "$store_bin" "$fleet_gen"
require_tools "snmpsim, snmp, python3, time" snmpsimd snmpget python3 /usr/bin/time

# One UDP socket per device in flight (bench/README.md, "Poller behaviour").
if (($(ulimit -n) < 4096)); then ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"; fi

# ---- the fleet ----
dir="$work/fleet"
log "fleet_gen --agents 0 --customers $CUSTOMERS --claim-copiers $COPIERS --processes $SIM_PROCS"
"$fleet_gen" --out "$dir" --agents 0 --customers "$CUSTOMERS" --claim-copiers "$COPIERS" \
  --processes "$SIM_PROCS" >/dev/null
claimed=$(awk -F, '$1 == "claimed" {print $2}' "$dir/claim.csv")
claimed_port=$(awk -F, '$1 == "claimed" {print $4}' "$dir/claim.csv")

# Which peers the doomed processes hold: their ports from the args files.
doomed_ports="$work/doomed-ports"
: >"$doomed_ports"
for p in $DEAD_PROCS; do
  [[ -f "$dir/snmpsim-$p.args" ]] || { log "no snmpsim process $p (SIM_PROCS=$SIM_PROCS)"; exit 2; }
  sed -n 's/^--agent-udpv4-endpoint=.*:\([0-9]*\)$/\1/p' "$dir/snmpsim-$p.args" >>"$doomed_ports"
done
if grep -qx "$claimed_port" "$doomed_ports"; then
  log "the claimed device (port $claimed_port) is in DEAD_PROCS=\"$DEAD_PROCS\"; choose others"
  exit 2
fi
peers=$(awk -F, '$1 == "peer" || $1 == "garbage"' "$dir/claim.csv" | wc -l)
doomed=$(awk -F, 'NR == FNR {d[$1] = 1; next} ($1 == "peer" || $1 == "garbage") && ($4 in d)' \
  "$doomed_ports" "$dir/claim.csv" | wc -l)
log "$peers peers of $claimed (CPY-6000, cust-01); processes \"$DEAD_PROCS\" hold $doomed of them"

# ---- serve, store, poll once ----
# One cache dir per process: every snmpsimd indexes every data file at start,
# and ten of them building one shared index race ("unexpected file type or
# format", the process exits).
for ((p = 0; p < SIM_PROCS; p++)); do mkdir -p "$dir/cache-$p"; done
if [[ $(id -u) -eq 0 ]]; then chown -R 65534:65534 "$dir"; fi
declare -A sim_pid
for ((p = 0; p < SIM_PROCS; p++)); do
  [[ -f "$dir/snmpsim-$p.args" ]] || continue
  mapfile -t args <"$dir/snmpsim-$p.args"
  "${as_nobody[@]}" snmpsimd --v2c-arch --data-dir="$dir/data" --cache-dir="$dir/cache-$p" \
    --logging-method=null "${args[@]}" >"$dir/snmpsim-$p.log" 2>&1 3>&- &
  pids+=($!)
  sim_pid[$p]=$!
done
for p in "${!sim_pid[@]}"; do
  wait_snmpsim "$dir/snmpsim-$p.args" "${sim_pid[$p]}" "$dir/snmpsim-$p.log" 600
done
s=("$store_bin" --db "$work/p.db")
"${s[@]}" init >/dev/null
"${s[@]}" import staff "$dir/staff.csv" >/dev/null
"${s[@]}" import customers "$dir/customers.csv" >/dev/null
"${s[@]}" import targets "$dir/targets.csv" >/dev/null
# The set-up poll stores every device; it is not measured, so it is gentle
# with snmpsim (64 in flight, 3 s) and repeated until no target failed.
cat >"$work/poll.xml" <<CONF
<periscope-poller>
  <database path="$work/p.db"/>
  <polling window="64" timeout-ms="3000" retries="2"/>
  <profile name="sim-v2c" version="2c" community="public"/>
</periscope-poller>
CONF
# The claim's engine options: what the benchmark measures.
cat >"$work/claim-poller.xml" <<CONF
<periscope-poller>
  <database path="$work/p.db"/>
  <polling window="$WINDOW" timeout-ms="$TIMEOUT_MS" retries="$RETRIES"
           device-deadline-s="$DEVICE_DEADLINE_S"/>
  <profile name="sim-v2c" version="2c" community="public"/>
</periscope-poller>
CONF
cat >"$work/claim.xml" <<CONF
<periscope-claim>
  <database path="$work/p.db"/>
  <poller config="$work/claim-poller.xml"/>
  <rules path="$rules"/>
  <claim deadline-ms="$CLAIM_DEADLINE_MS"/>
  <output dir="$work/claims"/>
  <mail directory="$work/mail"/>
</periscope-claim>
CONF
chmod 600 "$work/poll.xml" "$work/claim-poller.xml" "$work/claim.xml"
for ((i = 1; ; i++)); do
  t0=$(date +%s.%N)
  run "$poller" -c "$work/poll.xml" --json >"$work/poll-$i.json" 2>"$work/poll-$i.log" ||
    log "poll $i: periscope-poller failed: $(tail -1 "$work/poll-$i.log")"
  failed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("failed", "?"))' \
    "$work/poll-$i.json" 2>/dev/null || echo "?")
  log "poll $i: $(calc %.1f "$(date +%s.%N) - $t0") s, $failed targets failed"
  if [[ "$failed" == 0 ]]; then break; fi
  if ((i >= WARMUPS)); then
    log "the set-up poll still fails $failed targets after $i runs; stopping"
    exit 1
  fi
done

# ---- the doomed peers die ----
for p in $DEAD_PROCS; do
  stop_tree "${sim_pid[$p]}"
  wait_gone "${sim_pid[$p]}"
  wait "${sim_pid[$p]}" 2>/dev/null || true
  keep=()
  for q in "${pids[@]}"; do [[ "$q" == "${sim_pid[$p]}" ]] || keep+=("$q"); done
  pids=("${keep[@]}")
done
dead_port=$(head -1 "$doomed_ports")
if [[ -n "$dead_port" ]] && snmpget -v2c -c public -r0 -t0.5 "127.0.0.1:$dead_port" .1.3.6.1.2.1.1.5.0 >/dev/null 2>&1; then
  log "port $dead_port still answers after its snmpsim process was stopped"
  exit 1
fi
log "stopped snmpsim process(es) \"$DEAD_PROCS\": $doomed peers dead"

# ---- the claims ----
target_s=$((DEVICE_DEADLINE_S + 2))
rows=()
for ((i = 1; i <= RUNS; i++)); do
  rc=0
  run /usr/bin/time -f '%e %U %S %M' -o "$work/claim-$i.time" \
    "$claim_bin" --config "$work/claim.xml" --customer cust-01 --device "$claimed" \
    --category "$CATEGORY" --no-mail --format json >"$work/claim-$i.json" 2>"$work/claim-$i.log" ||
    rc=$?
  if [[ ! -s "$work/claim-$i.json" ]]; then
    log "run $i: periscope-claim exited $rc without a claim:"
    cat "$work/claim-$i.log" >&2
    exit 1
  fi
  read -r wall user sys rss < <(tail -1 "$work/claim-$i.time")
  # asked answered dead classes elapsed_ms completed claimed_answered flagged
  summary=$(python3 - "$work/claim-$i.json" <<'PY'
import collections, json, sys
j = json.load(open(sys.argv[1]))
peers = [d for d in j["devices"] if d["role"] == "peer"]
claimed = [d for d in j["devices"] if d["role"] == "claimed"]
dead = collections.Counter(d["error_class"] for d in peers if not d["answered"])
flagged = ",".join(s["item"] for s in j["stats"] if s["flagged"]) or "-"
print(len(peers), sum(d["answered"] for d in peers), sum(dead.values()),
      ",".join(f"{k}:{v}" for k, v in sorted(dead.items())) or "-",
      j["claim"]["elapsed_ms"], str(j["claim"]["completed"]).lower(),
      str(bool(claimed and claimed[0]["answered"])).lower(), flagged)
PY
  )
  read -r asked answered dead classes elapsed completed claimed_ok flagged <<<"$summary"
  cpu=$(calc %.2f "$user + $sys")
  rows+=("$wall $cpu $rss $asked $answered $dead $classes $elapsed $completed $claimed_ok $rc $flagged")
  log "run $i: exit $rc, wall ${wall} s, cpu ${cpu} s, rss ${rss} kB, peers $asked asked," \
    "$answered answered, $dead dead ($classes), elapsed_ms $elapsed, completed $completed," \
    "flagged $flagged"
done
read -r m_wall m_cpu m_rss m_asked m_answered m_dead m_classes m_elapsed m_completed m_claimed \
  m_rc m_flagged < <(printf '%s\n' "${rows[@]}" | sort -n | sed -n "$(((${#rows[@]} + 1) / 2))p")
met=$(awk -v w="$m_wall" -v t="$target_s" 'BEGIN {print (w <= t) ? "met" : "missed"}')
within=$(printf '%s\n' "${rows[@]}" | awk -v t="$target_s" '$1 <= t {n++} END {print n + 0}')

cat <<TABLE

## periscope-claim: $peers peers, $doomed dead ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r))

Claimed: $claimed (CPY-6000, cust-01), category $CATEGORY, --no-mail --format json.
Fleet: fleet_gen --agents 0 --customers $CUSTOMERS --claim-copiers $COPIERS --processes $SIM_PROCS
($((COPIERS + 5)) simulated copiers on loopback snmpsim; $peers same-model peers); snmpsim
process(es) stopped after the set-up poll: ${DEAD_PROCS:-none}, so $doomed peers dead
($(calc %.1f "100 * $doomed / $peers") %).
Claim engine: window $WINDOW, timeout-ms $TIMEOUT_MS, retries $RETRIES, **per-device deadline
$DEVICE_DEADLINE_S s** (device-deadline-s); claim deadline-ms $CLAIM_DEADLINE_MS.
**Target: wall time within the per-device deadline + 2 s = $target_s s.**

| run | exit | wall | CPU user+sys | max RSS | peers asked | answered | dead (error class) | elapsed_ms (JSON) | completed | flagged |
|---|---|---|---|---|---|---|---|---|---|---|
$(i=0; for r in "${rows[@]}"; do
    i=$((i + 1))
    read -r w c m a n d k e f _ x g <<<"$r"
    printf '| %s | %s | %s s | %s s | %s MiB | %s | %s | %s (%s) | %s | %s | %s |\n' \
      "$i" "$x" "$w" "$c" "$(calc %.1f "$m / 1024")" "$a" "$n" "$d" "$k" "$e" "$f" "$g"
  done)

Median of $RUNS by wall time: **$m_wall s** wall (target $target_s s: **$met**; $within of $RUNS
runs within it), **$m_cpu s** CPU, $(calc %.1f "$m_rss / 1024") MiB max RSS; $m_answered of
$m_asked peers answered, $m_dead dead ($m_classes); the claim's own elapsed_ms $m_elapsed; exit
status $m_rc, completed $m_completed, claimed device answered $m_claimed, flagged: $m_flagged.
TABLE
