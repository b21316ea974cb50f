#!/usr/bin/env bash
# The portal benchmark (issue 9): periscope-portal serving one signed-in
# customer's pages to Debian's wrk on loopback: (a) GET /products, the heaviest
# page (devices with usage charts, proposals, offers), (b) POST /contact, a
# contact request stored with its outbox mail and delivered, (c) the portal's
# memory under 1,000 concurrent connections.
#
#   bench/portal_bench.sh [BUILD_DIR]     BUILD_DIR defaults to build/release
#
# The store: bench/report_bench --phase generate (DEVICES devices, default 40,
# of the demo fleet's growth patterns, CUSTOMERS customers, default 8, DAYS
# days of daily history, default 365), then --phase run (forecasts and
# proposals stored, as after a daily periscope-report run). CUSTOMER (cust-01)
# thus has DEVICES / CUSTOMERS devices (5) with history and their proposals.
# Its password is set with `periscope-portal set-password`; the script signs
# in with curl (GET /signin for the pre-session cookie and the form's csrf,
# POST /signin for the session cookie), reads the first catalog offer's link
# from /products and the session's csrf from /contact?product=N.
#
# The portal's config (DIR/portal.xml) is the sample's defaults except:
#   - <listen port="0" threads="PORTAL_THREADS"> (4, the default);
#   - <rate-limit> every bucket 1000000 burst, 1000000/s: wrk sends every
#     request from one address and one account, which the production limits
#     (120 burst, 4/s per address; 30, 0.5/s per account; 20, 0.2/s per
#     address for POSTs) would answer with 429 after a few requests;
#   - <limits max-connections="MEM_CONNS + 1000" max-connections-per-ip=same>
#     (2000 by default) for (c), all from 127.0.0.1;
#   - <session secure-cookies="false"> (plain HTTP on loopback);
#   - <mail> without <smtp>: mail goes to the .eml directory mailer (DIR/mail),
#     so (b) measures storing, queuing and writing one .eml per request.
#
# Then RUNS times (default 1):
#   (a) wrk -t WRK_THREADS -c CONNS -d DURATION_S --timeout 10s GET /products
#       (2, 32, 10 s) with the session cookie;
#   (b) the same with POST /contact (DIR/contact.lua: the form with csrf, an
#       Origin header and the cookie); every answer must be 303;
#   (c) wrk -t WRK_THREADS -c MEM_CONNS -d MEM_S --timeout 10s GET /products
#       (1000 connections, 10 s) while the portal's VmRSS, VmHWM, threads and
#       open descriptors are sampled from /proc every 0.1 s, until the portal
#       is idle again (it still answers the requests queued when wrk closed
#       their connections).
# Each phase starts once the portal has been idle (no CPU) for 0.5 s. wrk
# counts every answer's status (DIR/stats.lua); a run where an answer is not
# the expected status is reported, not hidden. Also the portal's CPU time
# (utime+stime) over wrk's run per answered request. Figures
# (markdown) on stdout, progress on stderr; with RUNS > 1 the median run by
# GET requests/s is summarised.
#
# Builds nothing: BUILD_DIR must hold portal/periscope-portal and
# bench/report_bench, e.g.
#   cmake --preset release && cmake --build --preset release \
#     --target periscope-portal report_bench
# Needs wrk, curl, python3 and sqlite3 (Debian packages of those names). Takes about 40 s
# a run on 2 cores.
#
# Everything lives in a temp dir under $TMPDIR (default /tmp), removed at the
# end (KEEP=1 keeps it: configs, the portal's log, wrk's output, the mails).
# Every process started here is stopped on exit, also on Ctrl-C or SIGTERM.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$(cd "${1:-${here}/../build/release}" 2>/dev/null && pwd)" || {
  echo "portal_bench: build dir ${1:-${here}/../build/release} not found" >&2
  exit 2
}
DEVICES=${DEVICES:-40}
CUSTOMERS=${CUSTOMERS:-8}
DAYS=${DAYS:-365}
CUSTOMER=${CUSTOMER:-cust-01}
PORTAL_THREADS=${PORTAL_THREADS:-4}
WRK_THREADS=${WRK_THREADS:-2}
CONNS=${CONNS:-32}
DURATION_S=${DURATION_S:-10}
MEM_CONNS=${MEM_CONNS:-1000}
MEM_S=${MEM_S:-10}
RUNS=${RUNS:-1}
PASSWORD="bench-portal-password-1"

portal_bin="${build}/portal/periscope-portal"
report_bench="${build}/bench/report_bench"
bench_name=portal_bench
# shellcheck source=bench/bench_lib.sh
source "$here/bench_lib.sh"
require_bins "cmake --preset release && cmake --build --preset release --target periscope-portal report_bench" \
  "$portal_bin" "$report_bench"
require_tools "wrk, curl, python3, sqlite3" wrk curl python3 sqlite3

# One descriptor per connection, in wrk and in the portal.
max_conns=$((MEM_CONNS + 1000))
want_fds=$((2 * max_conns + 256))
if (($(ulimit -n) < want_fds)); then
  ulimit -n "$want_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
if (($(ulimit -n) < max_conns + 64)); then
  log "ulimit -n is $(ulimit -n): too low for $MEM_CONNS connections (raise the hard limit)"
  exit 2
fi

# ---- the store: customers, devices with history, proposals ----
log "report_bench --devices $DEVICES --customers $CUSTOMERS --days $DAYS (generate, run)"
run "$report_bench" --devices "$DEVICES" --customers "$CUSTOMERS" --days "$DAYS" --dir "$work/rb" \
  --phase generate >"$work/generate.txt" 2>&1 || { cat "$work/generate.txt" >&2; exit 1; }
run "$report_bench" --dir "$work/rb" --phase run >"$work/report-run.txt" 2>&1 ||
  { cat "$work/report-run.txt" >&2; exit 1; }
proposals_made=$(sed -n 's/^run_summary=.*proposals: \([0-9]*\) new.*/\1/p' "$work/report-run.txt")

cat >"$work/report.xml" <<CONF
<periscope-report>
  <database path="$work/rb/periscope.db"/>
  <catalog path="$root/etc/catalog.xml"/>
  <output dir="$work/reports"/>
</periscope-report>
CONF
cat >"$work/portal.xml" <<CONF
<periscope-portal>
  <database path="$work/rb/periscope.db"/>
  <report config="$work/report.xml"/>
  <listen address="127.0.0.1" port="0" threads="$PORTAL_THREADS"/>
  <!-- One address and one account send everything: the production limits
       would answer 429 after a few requests. -->
  <rate-limit address-burst="1000000" address-per-second="1000000"
              account-burst="1000000" account-per-second="1000000"
              post-burst="1000000" post-per-second="1000000"/>
  <limits max-connections="$max_conns" max-connections-per-ip="$max_conns"/>
  <session secure-cookies="false"/>
  <mail from="portal@vendor.example" directory="$work/mail"/>
</periscope-portal>
CONF
portal=("$portal_bin" -c "$work/portal.xml")
echo "$PASSWORD" | "${portal[@]}" set-password "$CUSTOMER" >/dev/null 2>"$work/set-password.log" ||
  { cat "$work/set-password.log" >&2; exit 1; }

# ---- serve ----
"${portal[@]}" serve >"$work/portal.out" 2>"$work/portal.log" 3>&- &
portal_pid=$!
pids+=("$portal_pid")
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/^periscope-portal: listening on \(http[^ ]*\).*/\1/p' "$work/portal.out")
  if [[ -n "$url" ]]; then break; fi
  if ! kill -0 "$portal_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [[ -z "$url" ]]; then
  log "periscope-portal did not start:"
  cat "$work/portal.log" >&2
  exit 1
fi
log "periscope-portal (pid $portal_pid) on $url"

# ---- sign in, find an offer and the session's csrf ----
cookie_of() {  # cookie_of NAME HEADER_FILE: the value set by its last Set-Cookie
  tr -d '\r' <"$2" | sed -n "s/^[Ss]et-[Cc]ookie: *$1=\\([^;]*\\).*/\\1/p" | tail -1
}
csrf_of() {  # csrf_of HTML_FILE: the value of the first hidden input named csrf
  python3 - "$1" <<'PY'
import html.parser, sys
class P(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") == "csrf" and not hasattr(self, "value"):
            self.value = a.get("value", "")
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
print(getattr(p, "value", ""))
PY
}
status=$(curl -s -D "$work/signin.h" -o "$work/signin.html" -w '%{http_code}' "$url/signin")
pre=$(cookie_of periscope_pre "$work/signin.h")
csrf=$(csrf_of "$work/signin.html")
if [[ "$status" != 200 || -z "$pre" || -z "$csrf" ]]; then
  log "GET /signin: status $status, pre-session cookie '${pre}', csrf '${csrf}'"
  exit 1
fi
status=$(curl -s -D "$work/signed-in.h" -o /dev/null -w '%{http_code}' -H "Origin: $url" \
  -H "Cookie: periscope_pre=$pre" --data-urlencode "csrf=$csrf" \
  --data-urlencode "user_id=$CUSTOMER" --data-urlencode "password=$PASSWORD" "$url/signin")
session=$(cookie_of periscope_session "$work/signed-in.h")
if [[ "$status" != 303 || -z "$session" ]]; then
  log "POST /signin as $CUSTOMER: status $status (expected 303 with a session cookie)"
  exit 1
fi
cookie="periscope_session=$session"
status=$(curl -s -o "$work/products.html" -w '%{http_code}' -H "Cookie: $cookie" "$url/products")
product=$(grep -o 'href="/contact?product=[^"]*"' "$work/products.html" | head -1 |
  sed 's/.*product=//; s/"$//')
if [[ "$status" != 200 || -z "$product" ]]; then
  log "GET /products: status $status, first offer '${product}' (expected 200 and an offer)"
  exit 1
fi
page_kib=$(calc %.1f "$(stat -c %s "$work/products.html") / 1024")
charts=$(grep -o '<svg' "$work/products.html" | wc -l)
offers=$(grep -o 'href="/contact?product=' "$work/products.html" | wc -l)
proposal_links=$(grep -o 'href="/contact?proposal=' "$work/products.html" | wc -l)
status=$(curl -s -o "$work/contact.html" -w '%{http_code}' -H "Cookie: $cookie" \
  "$url/contact?product=$product")
session_csrf=$(csrf_of "$work/contact.html")
if [[ "$status" != 200 || -z "$session_csrf" ]]; then
  log "GET /contact?product=$product: status $status, csrf '${session_csrf}'"
  exit 1
fi
# One contact by hand first: the form as wrk will send it must be accepted.
body="csrf=${session_csrf}&product=${product}&contact_name=Bench+Tester&phone=03-0000-0000"
body+="&email=bench%40customer.example&preferred_time=weekday+mornings"
body+="&message=Please+call+about+this+product."
status=$(curl -s -o "$work/contact-post.html" -w '%{http_code}' -H "Origin: $url" \
  -H "Cookie: $cookie" -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$body" \
  "$url/contact")
if [[ "$status" != 303 ]]; then
  log "POST /contact: status $status (expected 303)"
  exit 1
fi
log "signed in as $CUSTOMER; /products is $page_kib KiB ($charts charts, $offers offers," \
  "$proposal_links proposals); contacting about product $product"

# ---- wrk ----
# Counts each answer's status over all threads; prints key=value lines.
cat >"$work/stats.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local all, text = {}, {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do all[code] = (all[code] or 0) + n end
  end
  for code, n in pairs(all) do table.insert(text, code .. ":" .. n) end
  table.sort(text)
  local e = summary.errors
  io.write(string.format("requests=%d\nduration_s=%.3f\nrps=%.1f\n", summary.requests,
    summary.duration / 1e6, summary.requests / (summary.duration / 1e6)))
  io.write(string.format("p50_ms=%.2f\np90_ms=%.2f\np99_ms=%.2f\nmean_ms=%.2f\nmax_ms=%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, latency.max / 1000))
  io.write(string.format("socket_errors=connect:%d,read:%d,write:%d,timeout:%d\n", e.connect,
    e.read, e.write, e.timeout))
  io.write("statuses=" .. table.concat(text, ",") .. "\n")
end
LUA
{
  cat "$work/stats.lua"
  cat <<'LUA'
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN")
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
LUA
} >"$work/contact.lua"

contacts_stored() { sqlite3 -readonly "$work/rb/periscope.db" 'SELECT count(*) FROM contact_requests'; }
proc_field() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status" 2>/dev/null || true; }
mib() { calc %.1f "${1:-0} / 1024"; }
# Waits (up to 30 s) until the portal has been idle for 0.5 s: requests of
# the previous phase still queued when wrk closed their connections are
# rendered all the same, and must not count against the next phase.
settle() {
  local before after
  for _ in $(seq 60); do
    before=$(cpu_of "$portal_pid")
    sleep 0.5
    after=$(cpu_of "$portal_pid")
    if awk -v a="$before" -v b="$after" 'BEGIN {exit !(b - a < 0.03)}'; then return 0; fi
  done
  log "the portal is still busy 30 s after the last phase"
}
# wrk_run NAME EXPECTED_STATUS WRK_ARGS...: waits for the portal to be idle,
# runs wrk (its key=value lines and the portal's CPU milliseconds per answered
# request, cpu_ms, over wrk's run go to DIR/NAME.txt); logs a summary.
wrk_run() {
  local name=$1 expect=$2
  shift 2
  settle
  local cpu0 cpu1
  cpu0=$(cpu_of "$portal_pid")
  run wrk "$@" >"$work/$name.txt" 2>&1 || { cat "$work/$name.txt" >&2; exit 1; }
  cpu1=$(cpu_of "$portal_pid")
  local out statuses
  out=$(cat "$work/$name.txt")
  echo "cpu_ms=$(calc %.2f "1000 * ($cpu1 - $cpu0) / $(kv "$out" requests)")" >>"$work/$name.txt"
  out=$(cat "$work/$name.txt")
  statuses=$(kv "$out" statuses)
  log "$name: $(kv "$out" rps) req/s, p50 $(kv "$out" p50_ms) ms, p99 $(kv "$out" p99_ms) ms," \
    "portal CPU $(kv "$out" cpu_ms) ms/request, statuses $statuses," \
    "socket errors $(kv "$out" socket_errors)"
  if [[ "$statuses" != "$expect:"* || "$statuses" == *,* ]]; then
    log "$name: answers other than $expect (see above)"
  fi
}

# The form contact.lua posts, and its headers.
export BENCH_BODY="$body" BENCH_ORIGIN="$url" BENCH_COOKIE="$cookie"
rss_start=$(proc_field "$portal_pid" VmRSS)
rows=()
mems=()
for ((i = 1; i <= RUNS; i++)); do
  wrk_run "get-$i" 200 -t "$WRK_THREADS" -c "$CONNS" -d "${DURATION_S}s" --timeout 10s \
    -s "$work/stats.lua" -H "Cookie: $cookie" "$url/products"
  settle  # the hand-made contact's mail, or the previous run's, is written
  mails_before=$(find "$work/mail" -name '*.eml' 2>/dev/null | wc -l)
  stored_before=$(contacts_stored)
  wrk_run "post-$i" 303 -t "$WRK_THREADS" -c "$CONNS" -d "${DURATION_S}s" --timeout 10s \
    -s "$work/contact.lua" "$url/contact"
  # Every contact request stored must be mailed, also those the portal was
  # still answering when wrk stopped counting: once the portal is idle (the
  # delivery thread writes the .eml files right after the requests), count
  # both.
  t_end=$(date +%s.%N)
  settle
  stored=$(($(contacts_stored) - stored_before))
  for _ in $(seq 300); do
    mails=$(($(find "$work/mail" -name '*.eml' | wc -l) - mails_before))
    if ((mails >= stored)); then break; fi
    sleep 0.1
  done
  last_mail=$(find "$work/mail" -name '*.eml' -printf '%T@\n' | sort -n | tail -1)
  drain_s=$(calc %.1f "$last_mail - $t_end")
  log "post-$i: $stored contact requests stored, $mails mails written to $work/mail (the last" \
    "$drain_s s after wrk ended)"
  hwm_before=$(proc_field "$portal_pid" VmHWM)
  sampler_out="$work/mem-$i.txt"
  (
    while kill -0 "$portal_pid" 2>/dev/null; do
      echo "$(proc_field "$portal_pid" VmRSS) $(proc_field "$portal_pid" VmHWM)" \
        "$(proc_field "$portal_pid" Threads) $(find "/proc/$portal_pid/fd" -mindepth 1 | wc -l)"
      sleep 0.1
    done
  ) >"$sampler_out" 2>/dev/null 3>&- &
  sampler=$!
  pids+=("$sampler")
  wrk_run "conn-$i" 200 -t "$WRK_THREADS" -c "$MEM_CONNS" -d "${MEM_S}s" --timeout 10s \
    -s "$work/stats.lua" -H "Cookie: $cookie" "$url/products"
  settle  # the connections' queued requests are still answered after wrk ends
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  forget "$sampler"
  read -r rss_peak hwm_after threads_peak fds_peak < <(awk '
    NF == 4 {if ($1 > r) r = $1; h = $2; if ($3 > t) t = $3; if ($4 > f) f = $4}
    END {print r + 0, h + 0, t + 0, f + 0}' "$sampler_out")
  rss_after=$(proc_field "$portal_pid" VmRSS)
  g=$(cat "$work/get-$i.txt")
  p=$(cat "$work/post-$i.txt")
  c=$(cat "$work/conn-$i.txt")
  rows+=("$(kv "$g" rps) $(kv "$g" p50_ms) $(kv "$g" p90_ms) $(kv "$g" p99_ms) $(kv "$g" max_ms) $(kv "$g" statuses) $(kv "$g" cpu_ms) $(kv "$p" rps) $(kv "$p" p50_ms) $(kv "$p" p90_ms) $(kv "$p" p99_ms) $(kv "$p" max_ms) $(kv "$p" statuses) $(kv "$p" cpu_ms) $stored $mails $(kv "$g" socket_errors) $(kv "$p" socket_errors)")
  mems+=("$(kv "$c" rps) $(kv "$c" p50_ms) $(kv "$c" p99_ms) $(kv "$c" statuses) $(kv "$c" socket_errors) $hwm_before $rss_peak $hwm_after $rss_after $threads_peak $fds_peak")
  log "conn-$i: VmRSS peak $(mib "$rss_peak") MiB, VmHWM $(mib "$hwm_before") -> $(mib "$hwm_after")" \
    "MiB, $threads_peak threads, $fds_peak descriptors at most; idle after: VmRSS $(mib "$rss_after")" \
    "MiB (RssAnon $(mib "$(proc_field "$portal_pid" RssAnon)"), RssFile" \
    "$(mib "$(proc_field "$portal_pid" RssFile)"), RssShmem $(mib "$(proc_field "$portal_pid" RssShmem)"))"
done
median=$(printf '%s\n' "${rows[@]}" | sort -n | sed -n "$(((${#rows[@]} + 1) / 2))p")
read -r m_grps m_gp50 _ m_gp99 _ _ m_gcpu m_prps m_pp50 _ m_pp99 _ _ m_pcpu _ <<<"$median"
m_mem=$(printf '%s\n' "${mems[@]}" | sort -k8 -n | sed -n "$(((${#mems[@]} + 1) / 2))p")
read -r _ _ _ _ _ _ m_rss_peak m_hwm _ _ m_fds <<<"$m_mem"

cat <<TABLE

## periscope-portal under wrk ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r))

Store: report_bench --devices $DEVICES --customers $CUSTOMERS --days $DAYS, then one report run
(${proposals_made:-?} proposals). Signed in as $CUSTOMER: /products is $page_kib KiB with $charts
charts, $offers catalog offers and $proposal_links proposals; POST /contact asks about product
$product. Portal: <listen threads="$PORTAL_THREADS">, rate limits raised to 1,000,000 (one address
and one account send everything), max-connections and max-connections-per-ip $max_conns,
secure-cookies false (plain HTTP on loopback), mail to the .eml directory mailer (no <smtp>).
VmRSS after start-up and sign-in: $(mib "$rss_start") MiB.

| run | request | req/s | p50 | p90 | p99 | max | statuses | portal CPU / request | socket errors | contact requests stored / mailed |
|---|---|---|---|---|---|---|---|---|---|---|
$(i=0; for r in "${rows[@]}"; do
    i=$((i + 1))
    read -r a b c d e f g h j k l m n o q s t u <<<"$r"
    printf '| %s | GET /products | %s | %s ms | %s ms | %s ms | %s ms | %s | %s ms | %s | |\n' \
      "$i" "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$t"
    printf '| %s | POST /contact | %s | %s ms | %s ms | %s ms | %s ms | %s | %s ms | %s | %s / %s |\n' \
      "$i" "$h" "$j" "$k" "$l" "$m" "$n" "$o" "$u" "$q" "$s"
  done)

(a), (b): wrk -t$WRK_THREADS -c$CONNS -d${DURATION_S}s --timeout 10s.

| run | $MEM_CONNS connections: GET /products req/s | p50 | p99 | statuses | socket errors | VmHWM before | VmRSS peak | VmHWM after | VmRSS idle after | threads | descriptors (peak) |
|---|---|---|---|---|---|---|---|---|---|---|---|
$(i=0; for r in "${mems[@]}"; do
    i=$((i + 1))
    read -r a b c d e f g h j k l <<<"$r"
    printf '| %s | %s | %s ms | %s ms | %s | %s | %s MiB | %s MiB | %s MiB | %s MiB | %s | %s |\n' \
      "$i" "$a" "$b" "$c" "$d" "$e" "$(mib "$f")" "$(mib "$g")" "$(mib "$h")" "$(mib "$j")" "$k" "$l"
  done)

(c): wrk -t$WRK_THREADS -c$MEM_CONNS -d${MEM_S}s --timeout 10s; /proc/PID/status sampled every 0.1 s
from wrk's start until the portal is idle again (it still answers the requests queued when wrk closed
the connections).

Median of $RUNS by GET requests/s: **GET /products $m_grps req/s** (p50 $m_gp50 ms, p99 $m_gp99 ms;
$m_gcpu ms of portal CPU each), **POST /contact $m_prps req/s** (p50 $m_pp50 ms, p99 $m_pp99 ms;
$m_pcpu ms CPU each, the mail's delivery included as far as it ran within wrk's run). Under $MEM_CONNS connections (the
run with the median VmHWM, the process's peak since start): **VmRSS peak $(mib "$m_rss_peak") MiB, VmHWM
$(mib "$m_hwm") MiB**, $m_fds descriptors open at most.
TABLE
