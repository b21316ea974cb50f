#!/usr/bin/env bash
# Builds the libFuzzer harnesses (preset "fuzz": clang, ASan + UBSan) and runs
# each for a bounded time, starting from its seed corpus in fuzz/corpus/.
# Fails when any harness finds a crash, a leak, a timeout or runs out of memory;
# the input that did it is left in build/fuzz/artifacts/<name>/.
#   scripts/fuzz.sh              # 20 s per harness
#   scripts/fuzz.sh 300          # 5 min per harness
#   FUZZ_TARGETS="csv decode" FUZZ_JOBS=1 scripts/fuzz.sh 60
# FUZZ_JOBS harnesses run at once (default 2). New corpus entries go to
# build/fuzz/corpus/<name>/ (kept between runs), never into the repository.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:-20}
jobs=${FUZZ_JOBS:-2}
targets=${FUZZ_TARGETS:-"decode csv poller_config subagent_config state_file table_index catalog
  report_config inquiry_message forecast peripheral_decode claim_rules portal_request
  portal_config"}

scripts/setup.sh >/dev/null
start=$(date +%s)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
built=$(date +%s)
echo "fuzz: build took $((built - start)) s"

bin=build/fuzz/fuzz
work=build/fuzz
max_len() {
  case "$1" in
    poller_config | subagent_config | report_config | catalog | portal_config) echo 16384 ;;  # whole samples fit
    table_index) echo 256 ;;                        # an OID has at most 128 arcs
    *) echo 8192 ;;
  esac
}

run_one() {
  local name=$1
  local corpus=$work/corpus/$name artifacts=$work/artifacts/$name
  mkdir -p "$corpus" "$artifacts"
  local extra=()
  if [ -f "fuzz/$name.dict" ]; then extra+=("-dict=fuzz/$name.dict"); fi
  case "$name" in *_config | catalog | inquiry_message) extra+=("-dict=fuzz/xml.dict") ;; esac
  "$bin/${name}_fuzzer" "${extra[@]}" -max_total_time="$seconds" -max_len="$(max_len "$name")" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$corpus" "fuzz/corpus/$name" >"$work/$name.log" 2>&1
}

declare -A pids=()
failed=()
wait_one() {
  local name=$1
  if wait "${pids[$name]}"; then
    local stats
    stats=$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' \
      "$work/$name.log" | sed 's/^stat:://; s/: */=/' | tr '\n' ' ')
    echo "fuzz: $name ok: $stats"
  else
    echo "fuzz: $name FAILED (log: $work/$name.log, input: $work/artifacts/$name/)"
    grep -E 'ERROR|SUMMARY|FUZZ_CHECK|runtime error' "$work/$name.log" | head -5 || true
    failed+=("$name")
  fi
  unset "pids[$name]"
}

for name in $targets; do
  while [ "${#pids[@]}" -ge "$jobs" ]; do
    wait -n || true
    for n in "${!pids[@]}"; do
      if ! kill -0 "${pids[$n]}" 2>/dev/null; then wait_one "$n"; fi
    done
  done
  run_one "$name" &
  pids[$name]=$!
done
for n in "${!pids[@]}"; do wait_one "$n"; done

echo "fuzz: $(echo $targets | wc -w) harnesses, ${seconds} s each, ${jobs} at once;" \
  "total $(($(date +%s) - start)) s"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
