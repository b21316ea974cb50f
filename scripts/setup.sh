#!/usr/bin/env bash
# Installs every Debian 12 package periscope needs to build, test and run its
# demo. Idempotent: packages already installed are skipped, and apt-get runs
# only when something is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  # build (build-essential pulls libc6-dev, which depends on libcrypt-dev: the
  # portal's yescrypt password hashes)
  build-essential cmake ninja-build pkg-config git clang-format
  # lld: the linker of every preset (about 3 times faster than ld.bfd)
  lld
  # fuzzing (scripts/fuzz.sh): clang 14; libclang-rt-14-dev has libFuzzer (-fsanitize=fuzzer)
  clang libclang-rt-14-dev
  # libraries
  libsnmp-dev libsqlite3-dev libcurl4-openssl-dev libpugixml-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev
  # portal: libcrypto (OpenSSL) for SHA-256 of session, invite and CSRF tokens
  libssl-dev
  # run time and tests: a real snmpd, the CLI tools, MIB lint, SQLite shell
  snmpd snmp smitools sqlite3 python3 snmpsim util-linux time openssl
  # reports: libcurl (SMTP, HTTP inquiries), libmicrohttpd (reference factory site,
  # portal); tests: a real SMTP server and a real browser (Debian matches the
  # chromium and chromium-driver versions)
  libmicrohttpd-dev python3-aiosmtpd chromium chromium-driver python3-selenium
  # benchmarks: wrk, the HTTP load generator of bench/portal_bench.sh
  wrk
  # scale-out (issue 12): libpq for the PostgreSQL store; the PostgreSQL 15
  # server and client for the conformance suite, the fault tests and
  # `scripts/demo.sh --postgres` (throwaway clusters: initdb + pg_ctl)
  libpq-dev postgresql-15 postgresql-client-15
  # a Japanese font, so the portal's Japanese pages render in the browser tests'
  # screenshots (the tests read the text either way)
  fonts-ipafont-gothic
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's snmpd package starts a system snmpd on udp:161; periscope's demo and
# tests start their own on free loopback ports, so the system one is left as is.
