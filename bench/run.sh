#!/usr/bin/env bash
# Runs both periscope benchmarks against a build tree and prints their figures.
#
#   bench/run.sh [BUILD_DIR]        BUILD_DIR defaults to build/release
#
# The build tree must already hold the benchmarks (PERISCOPE_BUILD_BENCH=ON):
#   cmake --preset release && cmake --build --preset release
# Takes about 1.5 minutes on 2 cores. The benchmarks run one at a time as
# children of this script; SIGINT/SIGTERM are passed on to the running one and
# the script waits for it to exit. snmp_latency_bench stops the snmpd and
# periscope-subagent it started before it exits, interrupted or not. Exit
# status: 0 when both benchmarks succeeded.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-${here}/../build/release}"
sampler="${build}/bench/sampler_bench"
latency="${build}/bench/snmp_latency_bench"

for bin in "${sampler}" "${latency}"; do
  if [[ ! -x "${bin}" ]]; then
    echo "run.sh: ${bin} not found; build first, e.g.:" >&2
    echo "  cmake --preset release && cmake --build --preset release" >&2
    exit 2
  fi
done

child=0
interrupted=0
forward() {
  interrupted=1
  if (( child > 0 )); then kill -s "$1" "${child}" 2>/dev/null; fi
}
# Background children of a script ignore SIGINT, so both signals go on as
# SIGTERM, which both benchmarks handle by cleaning up and exiting.
trap 'forward TERM' INT TERM

# Runs "$@" as a child and waits for it, even across forwarded signals.
run() {
  "$@" &
  child=$!
  local rc
  while true; do
    wait "${child}"
    rc=$?
    # wait returns >128 when a trapped signal interrupted it; the child may
    # still be shutting down.
    if ! kill -0 "${child}" 2>/dev/null; then break; fi
  done
  child=0
  return "${rc}"
}

status=0
echo "== sampler_bench: CPU per sampler pass (Google Benchmark, median of 3) =="
run "${sampler}" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_min_time=0.5 || status=1
if (( interrupted )); then exit 130; fi

echo
echo "== snmp_latency_bench: SNMP latency, subagent RSS and idle CPU =="
run "${latency}" --devices=16 --interval-s=1 --history-days=35 --gets=2000 --walks=100 \
  --v3-gets=500 --v3-walks=20 --idle-s=30 || status=1
if (( interrupted )); then exit 130; fi

exit "${status}"
