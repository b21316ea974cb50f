#!/usr/bin/env bash
# Installs dependencies, builds with a preset (default: ci = -Werror), and runs
# every test: unit tests and the integration tests that start a real snmpd and
# periscope-subagent on free loopback ports in temp dirs.
#   scripts/test.sh                 # ci preset
#   scripts/test.sh --preset asan   # ASan + UBSan build
#   scripts/test.sh -L unit         # only the unit tests (extra args go to ctest)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
preset=ci
if [ "${1:-}" = "--preset" ]; then preset=$2; shift 2; fi
scripts/setup.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" -j2 "$@"
