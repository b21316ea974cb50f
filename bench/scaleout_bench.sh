#!/usr/bin/env bash
# Scale-out benchmark (issue 12, docs/scale-out.md): 1, 2 and 4
# periscope-poller processes (cron mode, `--node pN`, started together) share
# one PostgreSQL store through bucket leases, over a simulated fleet behind a
# WAN-like UDP relay with dead targets; then the database write path alone
# (chunk_ingest_bench: the poller's own chunk statements, several clients).
# Prints a figures table (markdown) on stdout, progress on stderr.
#
#   bench/scaleout_bench.sh [BUILD_DIR]     BUILD_DIR defaults to build/release
#
# Builds nothing: BUILD_DIR must hold periscope-poller, periscope-store,
# fleet_gen, udp_delay_relay, agent_capacity, chunk_ingest_bench and (for
# AGENT_IMPL=fast) snmprec_agent:
#   cmake --preset release && cmake --build --preset release --target \
#     periscope-poller periscope-store fleet_gen udp_delay_relay agent_capacity \
#     chunk_ingest_bench snmprec_agent
# Needs snmpget, /usr/bin/time, psql and the PostgreSQL 15 server, and for
# AGENT_IMPL=snmpsim snmpsimd (Debian: snmp, time, postgresql-15, snmpsim). As
# root, the server runs as user postgres (scripts/pg-cluster.sh). Takes 3-10
# minutes on 2 cores.
#
# Agents: AGENT_IMPL=fast (default) serves the fleet with bench/snmprec_agent
# (C++, one epoll thread: tens of thousands of PDUs/s, so the pollers are
# measured, not the agents); AGENT_IMPL=snmpsim with snmpsimd (Python: about
# 90 walks/s on 2 shared cores, below the poller; issue 12's figures).
#
# The cluster is production-like where it matters for the write path: fsync,
# synchronous_commit and full_page_writes ON, a password role over the unix
# socket (PGPASSFILE), no TCP listener. Everything lives in a temp dir under
# $TMPDIR (default /tmp), removed at the end (KEEP=1 keeps it, with the logs
# and the cluster's data); every process started here is stopped on exit,
# also on Ctrl-C or SIGTERM.
#
# Knobs (environment), defaults for AGENT_IMPL=fast / snmpsim:
#   AGENTS=4000 / 2000 live simulated agents; DEAD_PCT=5 (share of all targets
#   that are ports with no agent); DAYS=2; SIM_PROCS=2 (snmpsim processes);
#   DELAY_MS=125 (each way: RTT +250 ms); WINDOW=1024 / 256 (sessions in
#   flight per poller); TIMEOUT_MS=1000 / 4000 and RETRIES=1 / 0. The fast
#   agents answer within the RTT (250 ms), so 1000 ms x 2 tries failed no live
#   one here and costs a dead target 2 s of a window slot; a one-pass (cron)
#   run ends with that 2 s tail of dead targets, which is why the window is
#   1024 rather than 512 (512 at 1500 ms x 2: ~310-380 targets/s for 4,211
#   targets, 1024 at 1000 ms x 2: ~560-590; bench13.md). snmpsim on shared
#   cores answers late under load, and a short timeout makes the poller's
#   retransmissions pile onto its queue until nothing is answered in time.
#   BUCKETS_LIST="1024 8" (1024: the
#   default; 8: about 500 / 260 targets per bucket, as 1M devices in 4096
#   buckets); POLLERS_LIST="1 2 4"; CHUNK=50; INGEST_TARGETS=20000 (0: no
#   write-path run); INGEST_CLIENTS=4; POLLER_WRAP (words put before each
#   poller command, for profiling, e.g. "strace -f -w -c -o /tmp/poller.strace").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(cd "${1:-${here}/../build/release}" 2>/dev/null && pwd)" || {
  echo "scaleout_bench: build dir ${1:-${here}/../build/release} not found" >&2
  exit 2
}
AGENT_IMPL=${AGENT_IMPL:-fast}
case "$AGENT_IMPL" in
  fast) AGENTS=${AGENTS:-4000} WINDOW=${WINDOW:-1024} TIMEOUT_MS=${TIMEOUT_MS:-1000} RETRIES=${RETRIES:-1} ;;
  snmpsim) AGENTS=${AGENTS:-2000} WINDOW=${WINDOW:-256} TIMEOUT_MS=${TIMEOUT_MS:-4000} RETRIES=${RETRIES:-0} ;;
  *)
    echo "scaleout_bench: AGENT_IMPL must be fast or snmpsim, not $AGENT_IMPL" >&2
    exit 2
    ;;
esac
DEAD_PCT=${DEAD_PCT:-5}
DAYS=${DAYS:-2}
SIM_PROCS=${SIM_PROCS:-2}
DELAY_MS=${DELAY_MS:-125}
BUCKETS_LIST=${BUCKETS_LIST:-1024 8}
POLLERS_LIST=${POLLERS_LIST:-1 2 4}
CHUNK=${CHUNK:-50}
INGEST_TARGETS=${INGEST_TARGETS:-20000}
INGEST_CLIENTS=${INGEST_CLIENTS:-4}

poller="${build}/poller/periscope-poller"
store_bin="${build}/store/periscope-store"
fleet_gen="${build}/bench/fleet_gen"
capacity="${build}/bench/agent_capacity"
relay_bin="${build}/bench/udp_delay_relay"
chunk_ingest="${build}/bench/chunk_ingest_bench"
agent_bin="${build}/bench/snmprec_agent"
pg_cluster="${here}/../scripts/pg-cluster.sh"
bench_name=scaleout_bench
# shellcheck source=bench/bench_lib.sh
source "$here/bench_lib.sh"
require_bins "cmake --preset release && cmake --build --preset release" \
  "$poller" "$store_bin" "$fleet_gen" "$capacity" "$relay_bin" "$chunk_ingest"
require_tools "snmp, time, postgresql-client-15" snmpget psql /usr/bin/time
if [[ $AGENT_IMPL == fast ]]; then
  require_bins "cmake --build --preset release --target snmprec_agent" "$agent_bin"
else
  require_tools snmpsim snmpsimd
fi

# utime+stime of processes and of their reaped children (the postmaster's
# backends of exited sessions), in seconds.
cpu_tree_of() {
  local ticks pid
  ticks=$(getconf CLK_TCK)
  for pid in "$@"; do awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null || echo 0; done |
    awk -v t="$ticks" '{s += $1} END {printf "%.2f", s / t}'
}

# ---- PostgreSQL ----
pg_dir="$work/pg"
cluster_up=0
stop_cluster() { if [[ $cluster_up == 1 ]]; then "$pg_cluster" stop "$pg_dir" || true; fi; }
# The cluster goes first (its data is in $work), then bench_lib's cleanup,
# which must see the script's exit status.
finish() {
  local rc=$?
  set +e
  stop_cluster
  (exit "$rc")
  cleanup
}
trap finish EXIT
log "work dir $work; PostgreSQL cluster (fsync on) in $pg_dir"
uri=$("$pg_cluster" start "$pg_dir" --fsync on --shared-buffers 512MB)
cluster_up=1
export PGPASSFILE="$pg_dir/pgpass"
sql() { "$pg_cluster" psql "$pg_dir" --db periscope -At -c "$1"; }  # as the superuser
postmaster=$(head -1 "$pg_dir/data/postmaster.pid")

# ---- the fleet ----
dead=$(((AGENTS * DEAD_PCT + 100 - DEAD_PCT - 1) / (100 - DEAD_PCT)))
targets_total=$((AGENTS + dead))
agents_desc="snmprec_agent, 1 process"
[[ $AGENT_IMPL == fast ]] || agents_desc="snmpsim, $SIM_PROCS processes"
uptime_before=$(uptime)
log "uptime: $uptime_before"
log "fleet of $AGENTS agents ($agents_desc) + $dead dead targets, $DAYS days of history"
"$fleet_gen" --out "$work/fleet" --agents "$AGENTS" --customers 50 --days "$DAYS" \
  --processes "$SIM_PROCS" >/dev/null
if (($(ulimit -n) < 16384)); then ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)"; fi
sim_pids=()
if [[ $AGENT_IMPL == fast ]]; then
  # One process serves every agent, on ports the kernel chooses now (the
  # ports fleet_gen saw free may be taken by then on a busy machine); its
  # targets-out file, the fleet's targets.csv with those ports, appears once
  # every port is bound and replaces fleet_gen's.
  "$agent_bin" --dir "$work/fleet" --targets-out "$work/agents-up.csv" --fresh-ports \
    >"$work/agent.log" 2>&1 3>&- &
  pids+=($!)
  sim_pids+=($!)
  for i in $(seq 600); do
    [[ -f "$work/agents-up.csv" ]] && break
    if ! kill -0 "${sim_pids[0]}" 2>/dev/null || ((i == 600)); then
      log "snmprec_agent did not start:"
      cat "$work/agent.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  mv "$work/agents-up.csv" "$work/fleet/targets.csv"
fi
# Interleaved over the snmpsim processes (see poller_bench.sh).
awk -v n="$AGENTS" -v p="$SIM_PROCS" 'NR == 1 {print; next} {l[NR - 2] = $0}
  END {per = int((n + p - 1) / p)
       for (i = 0; i < per; i++)
         for (k = 0; k < p; k++) {j = k * per + i; if (j < n) print l[j]}}' \
  "$work/fleet/targets.csv" >"$work/targets.csv"
# Dead targets: ports below the ephemeral range that nothing listens on (the
# kernel never hands them out, so neither the relay nor snmpsim takes one).
ss -Hunl 2>/dev/null | awk '{n = split($4, a, ":"); print a[n]}' | sort -u >"$work/used-ports"
awk -F, -v OFS=, -v dead="$dead" -v used="$work/used-ports" '
  BEGIN {while ((getline p < used) > 0) busy[p] = 1; srand(12)}
  NR > 1 && NR <= dead + 1 {
    do port = 20000 + int(rand() * 10000); while (port in busy)
    busy[port] = 1; $1 = "127.0.0.1"; $2 = port; print}' \
  "$work/targets.csv" >"$work/dead.csv"
cat "$work/dead.csv" >>"$work/targets.csv"
if [[ $AGENT_IMPL == snmpsim ]]; then
  mkdir -p "$work/fleet/cache"
  if [[ $(id -u) -eq 0 ]]; then chown -R 65534:65534 "$work/fleet"; fi
  for ((p = 0; p < SIM_PROCS; p++)); do
    mapfile -t args <"$work/fleet/snmpsim-$p.args"
    "${as_nobody[@]}" snmpsimd --v2c-arch --data-dir="$work/fleet/data" \
      --cache-dir="$work/fleet/cache" --logging-method=null "${args[@]}" \
      >"$work/snmpsim-$p.log" 2>&1 3>&- &
    pids+=($!)
    sim_pids+=($!)
  done
  for ((p = 0; p < SIM_PROCS; p++)); do
    wait_snmpsim "$work/fleet/snmpsim-$p.args" "${sim_pids[$p]}" "$work/snmpsim-$p.log" 900
  done
fi
log "relay: ${DELAY_MS} ms each way in front of every target"
start_relay "$relay_bin" "$work/targets.csv" "$work/targets-relay.csv" "$DELAY_MS"
head -n $((AGENTS + 1)) "$work/targets-relay.csv" >"$work/targets-relay-live.csv"
log "warm-up: agent_capacity, direct, 64 walks in flight; then through the relay at $WINDOW"
run "$capacity" --targets "$work/fleet/targets.csv" --concurrency 64 >/dev/null || true
run "$capacity" --targets "$work/targets-relay-live.csv" --concurrency "$WINDOW" --timeout-ms 5000 \
  >"$work/capacity.out" || log "agent_capacity: some walks failed"
cap_line=$(cat "$work/capacity.out")
cap_wall=$(kv "$cap_line" wall_s)
cap_pdus=$(kv "$cap_line" pdus)
log "agents through the relay: $cap_line"

# ---- the store ----
s=("$store_bin" --db "$uri")
"${s[@]}" init >/dev/null
"${s[@]}" import staff "$work/fleet/staff.csv" >/dev/null
"${s[@]}" import customers "$work/fleet/customers.csv" >/dev/null
"${s[@]}" import targets "$work/targets-relay.csv" >/dev/null
poller_config() {  # poller_config FILE BUCKETS
  cat >"$1" <<CONF
<periscope-poller>
  <database path="${uri//&/&amp;}"/>
  <polling window="$WINDOW" timeout-ms="$TIMEOUT_MS" retries="$RETRIES"
           interval-s="0" buckets="$2" lease-ttl-s="60" chunk-targets="$CHUNK"/>
  <profile name="sim-v2c" version="2c" community="public"/>
</periscope-poller>
CONF
  chmod 600 "$1"
}

# snapshot: the database's counters, one line "tup_inserted xact_commit
# wal_sync lease_updates samples".
snapshot() {
  sql "SELECT (SELECT tup_inserted FROM pg_stat_database WHERE datname = 'periscope'),
              (SELECT xact_commit FROM pg_stat_database WHERE datname = 'periscope'),
              (SELECT wal_sync FROM pg_stat_wal),
              (SELECT coalesce(n_tup_upd, 0) FROM pg_stat_user_tables WHERE relname = 'poll_buckets'),
              (SELECT count(*) FROM samples)" | tr '|' ' '
}

# fleet_run NAME POLLERS CONFIG: the pollers started together; sets r_* figures.
fleet_run() {
  local name=$1 n=$2 config=$3 i before after t0 t1 ppids=() per=() cpu=0 targets=0 ok=0 failed=0
  local lost=0 sim0 sim1 pg0 pg1 relay0 relay1 classes
  sleep 2.2  # a bucket done in the previous run is due again one second after its slot
  sql "SELECT pg_stat_force_next_flush()" >/dev/null || true
  before=$(snapshot)
  sim0=$(cpu_tree_of "${sim_pids[@]}") pg0=$(cpu_tree_of "$postmaster") relay0=$(cpu_of "$relay_pid")
  t0=$(date +%s.%N)
  for ((i = 1; i <= n; i++)); do
    # shellcheck disable=SC2086  # POLLER_WRAP: words, e.g. "strace -f -w -c -o FILE"
    /usr/bin/time -f '%e %U %S' -o "$work/$name-p$i.time" ${POLLER_WRAP:-} \
      "$poller" -c "$config" --node "p$i" --json >"$work/$name-p$i.json" 2>"$work/$name-p$i.log" 3>&- &
    ppids+=($!)
    pids+=($!)
  done
  local failed_pollers=0
  for i in "${!ppids[@]}"; do
    if ! wait "${ppids[$i]}"; then
      log "$name: poller p$((i + 1)) failed: $(tail -1 "$work/$name-p$((i + 1)).log")"
      failed_pollers=$((failed_pollers + 1))
    fi
    forget "${ppids[$i]}"
  done
  if ((failed_pollers > 0)); then exit 1; fi
  t1=$(date +%s.%N)
  sim1=$(cpu_tree_of "${sim_pids[@]}") pg1=$(cpu_tree_of "$postmaster") relay1=$(cpu_of "$relay_pid")
  sleep 0.5
  after=$(snapshot)
  r_wall=$(calc %.2f "$t1 - $t0")
  for ((i = 1; i <= n; i++)); do
    local out w u sy t
    out=$(cat "$work/$name-p$i.json")
    read -r w u sy < <(tail -1 "$work/$name-p$i.time")
    t=$(json "$out" targets)
    targets=$((targets + t))
    ok=$((ok + $(json "$out" ok)))
    failed=$((failed + $(json "$out" failed)))
    lost=$((lost + $(json "$out" leases_lost)))
    cpu=$(calc %.2f "$cpu + $u + $sy")
    per+=("$(calc %.0f "$t / $w")")
    classes=$(sed -n 's/.*"failed_by_class": *\({[^}]*}\).*/\1/p' <<<"$out")
    if [[ -n "$classes" && "$classes" != "{}" ]]; then log "$name p$i failed by class: $classes"; fi
  done
  read -r ins0 com0 sync0 upd0 rows0 <<<"$before"
  read -r ins1 com1 sync1 upd1 rows1 <<<"$after"
  r_targets=$targets r_ok=$ok r_failed=$failed r_lost=$lost r_cpu=$cpu
  r_per=$(IFS=/; echo "${per[*]}")
  r_total=$(calc %.0f "$targets / $r_wall")
  r_rows=$((rows1 - rows0))
  r_rows_s=$(calc %.0f "$r_rows / $r_wall")
  r_ins_s=$(calc %.0f "($ins1 - $ins0) / $r_wall")
  r_commits=$((com1 - com0))
  r_syncs=$((sync1 - sync0))
  r_per_commit=$(calc %.1f "$targets / ($r_commits > 0 ? $r_commits : 1)")
  r_per_sync=$(calc %.1f "$targets / ($r_syncs > 0 ? $r_syncs : 1)")
  r_lease_upd=$((upd1 - upd0))
  r_lease_s=$(calc %.1f "$r_lease_upd / $r_wall")
  r_sim=$(calc %.1f "$sim1 - $sim0") r_pg=$(calc %.1f "$pg1 - $pg0")
  r_relay=$(calc %.1f "$relay1 - $relay0")
  log "$name: $n pollers, wall ${r_wall}s, $targets targets ($ok ok, $failed failed, $lost chunks" \
    "refused), per process $r_per targets/s, $r_rows sample rows, $r_commits commits," \
    "$r_syncs WAL syncs, $r_lease_upd lease updates; CPU s: pollers $r_cpu, postgres $r_pg," \
    "agents $r_sim, relay $r_relay"
}

rows_md=()
first_done=0
for b in $BUCKETS_LIST; do
  poller_config "$work/poller-b$b.xml" "$b"
  # One poller alone first: sets the bucket count (and, the first time,
  # creates every device), so the measured runs start alike.
  fleet_run "prepare-b$b" 1 "$work/poller-b$b.xml"
  if [[ $first_done == 0 ]]; then
    first_wall=$r_wall first_targets=$r_targets first_ok=$r_ok first_done=1
  fi
  for n in $POLLERS_LIST; do
    fleet_run "b$b-n$n" "$n" "$work/poller-b$b.xml"
    rows_md+=("| $b | $n | $r_wall | $r_per | **$r_total** | $r_ok / $r_failed / $r_lost | $r_rows_s ($r_ins_s tuples) | $r_commits / $r_syncs | $r_per_commit / $r_per_sync | $r_lease_upd = $r_lease_s/s | $r_cpu / $r_pg / $r_sim / $r_relay |")
  done
done
samples_bytes=$(sql "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits
                     WHERE inhparent = 'samples'::regclass")
[[ -n "$samples_bytes" ]] || samples_bytes=$(sql "SELECT pg_total_relation_size('samples')")
samples_rows=$(sql "SELECT count(*) FROM samples")
bytes_per_row=$(calc %.0f "$samples_bytes / $samples_rows")
daily_bytes=$(sql "SELECT pg_total_relation_size('daily')" || echo 0)
daily_rows=$(sql "SELECT count(*) FROM daily" || echo 0)
stop_tree "$relay_pid"
wait "$relay_pid" 2>/dev/null || true
forget "$relay_pid"
for p in "${sim_pids[@]}"; do stop_tree "$p"; wait_gone "$p"; forget "$p"; done
wait 2>/dev/null || true
uptime_after=$(uptime)
log "uptime: $uptime_after"
if [[ $AGENT_IMPL == fast ]]; then log "$(tail -1 "$work/agent.log")"; fi
log "relay: $(tail -1 "$work/relay.log")"

# ---- the write path alone (INGEST_TARGETS=0 skips it) ----
ing_rate=- ing_per_chunk=- ing_chunks_s=- ing_first=- ing_buckets=- ing_commits=- ing_syncs=-
ing_results=0 ing_bytes_per_row=- ing_samples_rows=0
if ((INGEST_TARGETS > 0)); then
  log "write path: chunk_ingest_bench, $INGEST_TARGETS targets, $INGEST_CLIENTS clients, chunk $CHUNK"
  "$pg_cluster" psql "$pg_dir" -c "CREATE DATABASE ingest OWNER periscope" >/dev/null
  ingest_uri=${uri/\/\/\/periscope?/\/\/\/ingest?}
  isql() { "$pg_cluster" psql "$pg_dir" --db ingest -At -c "$1"; }
  ing_before=$(isql "SELECT xact_commit, (SELECT wal_sync FROM pg_stat_wal) FROM pg_stat_database WHERE datname = 'ingest'" | tr '|' ' ')
  run "$chunk_ingest" --db "$ingest_uri" --targets "$INGEST_TARGETS" --clients "$INGEST_CLIENTS" \
    --chunk "$CHUNK" --daily-rows "$DAYS" --passes 2 >"$work/ingest.out"
  sleep 0.5
  ing_after=$(isql "SELECT xact_commit, (SELECT wal_sync FROM pg_stat_wal) FROM pg_stat_database WHERE datname = 'ingest'" | tr '|' ' ')
  ing=$(cat "$work/ingest.out")
  while read -r line; do log "ingest: $line"; done <"$work/ingest.out"
  ing_rate=$(kv "$(tail -1 <<<"$ing")" steady_results_per_s)
  ing_per_chunk=$(kv "$(tail -1 <<<"$ing")" steady_results_per_chunk)
  ing_chunks_s=$(kv "$(tail -1 <<<"$ing")" steady_chunks_per_s)
  ing_first=$(kv "$(grep '^pass=0' <<<"$ing")" results_per_s)
  ing_buckets=$(kv "$(head -1 <<<"$ing")" buckets)
  read -r ic0 is0 <<<"$ing_before"
  read -r ic1 is1 <<<"$ing_after"
  ing_commits=$((ic1 - ic0)) ing_syncs=$((is1 - is0))
  ing_results=$((INGEST_TARGETS * 3))
  ing_samples_bytes=$(isql "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits
                            WHERE inhparent = 'samples'::regclass")
  ing_samples_rows=$(isql "SELECT count(*) FROM samples")
  ing_bytes_per_row=$(calc %.0f "$ing_samples_bytes / $ing_samples_rows")
fi

# ---- the figures ----
cat <<TABLE

## Scale-out benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r), PostgreSQL $(sql "SHOW server_version"))

Fleet: $AGENTS simulated agents ($agents_desc) + $dead dead targets (ports with no
agent) = $targets_total targets, every one behind udp_delay_relay with **${DELAY_MS} ms each way**
(RTT $((2 * DELAY_MS)) ms). One walk of the live fleet = $cap_pdus GETBULK PDUs; agent_capacity at
$WINDOW walks in flight through the relay needs **${cap_wall} s** for it (the agents' ceiling:
$(calc %.0f "$AGENTS / $cap_wall") agents/s). Pollers: \`periscope-poller --node pN --json\` (cron
mode: interval-s 0), window $WINDOW, timeout ${TIMEOUT_MS} ms x $((RETRIES + 1)) tries,
chunk-targets $CHUNK, lease-ttl-s 60, all started together against one PostgreSQL 15 store
(fsync, synchronous_commit, full_page_writes on; shared_buffers 512MB; unix socket). First run
(creates every device): ${first_wall} s for $first_targets targets ($first_ok ok).

Columns: wall = first start to last exit; per process = its targets / its own wall; total =
targets / wall; rows/s = new rows in \`samples\` / wall (all inserted tuples / wall); commits =
pg_stat_database.xact_commit delta (every transaction, read-only ones included) / pg_stat_wal.wal_sync
delta (WAL flushes to disk); lease updates = pg_stat_user_tables.n_tup_upd of poll_buckets; CPU
seconds of pollers / PostgreSQL / agents / relay during the run. Load: \`uptime\` before
"$uptime_before", after the pollers "$uptime_after".

| buckets | pollers | wall s | targets/s per process | targets/s total | ok / failed / chunks refused | sample rows/s at DB | commits / WAL syncs | results per commit / per WAL sync | lease updates | CPU s poll/pg/agents/relay |
|---|---|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows_md[@]}")

Write path alone (chunk_ingest_bench: ClaimDueBuckets + LoadBucketTargets + WriteLeasedChunk, the
poller's statements; $INGEST_TARGETS targets with $DAYS daily rows each, $ing_buckets buckets, $INGEST_CLIENTS
clients, chunk $CHUNK, same cluster, fsync on):
**$ing_rate results/s = sample rows/s** steady ($ing_first/s on the first pass, which creates the
devices), $ing_per_chunk results per chunk transaction, $ing_chunks_s chunk commits/s;
$ing_commits commits / $ing_syncs WAL syncs in the database for $ing_results results.

Storage: \`samples\` (all partitions, heap + indexes) $samples_bytes bytes for $samples_rows rows =
**$bytes_per_row bytes/row** (poller runs); $ing_bytes_per_row bytes/row in the write-path database
($ing_samples_rows rows). \`daily\`: $daily_bytes bytes for $daily_rows rows.

| target (docs/scale-out.md) | measured here |
|---|---|
| >= 400 devices/s per process at 125 ms RTT with >= 256 sessions in flight | see "targets/s per process" (RTT here $((2 * DELAY_MS)) ms, window $WINDOW) |
| >= 10,000 sample rows/s at the DB | write path alone: $ing_rate rows/s; pollers: see "sample rows/s" |
| >= 50 results per commit | write path: $ing_per_chunk per chunk; pollers: see "results per commit" |
| lease updates <= 100/s | see "lease updates" |
TABLE
