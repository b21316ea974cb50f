#!/usr/bin/env bash
# The main job on an embedded default: builds periscope, starts a private snmpd
# on a free loopback port with periscope-subagent attached over AgentX (unix
# socket) and a simulated fleet of 20 devices (snmpsim) serving 180 days of
# generated history (docs/demo-history.md) plus four peripherals (a PRN-3500
# printer, a CPY-6000 copier, a Periscope PC-200 and an SW-1024 switch of
# cust-01, whose earlier readings are back-dated into the store by
# bench/peripheral_backfill), lets the subagent sample for a few
# seconds, prints the PERISCOPE-MIB subtree as tables, polls the subagent
# (SNMPv3 authPriv) and the fleet (SNMPv2c) with periscope-poller into an
# SQLite store, prints one customer's history, then runs periscope-report:
# forecasts, proposals from etc/catalog.xml, the HTML/CSV/JSON reports and one
# mail per sales person (.eml files), a stock inquiry to the reference factory
# site (periscope-factory on loopback), a second run showing that nothing
# is proposed or mailed twice, and a customer's claim about a copier
# (periscope-claim: its items read from it and 12 more simulated copiers,
# compared with its same-model peers, stored, mailed to the service desk), and
# at last starts the customer portal (periscope-portal, seed 002) on a free
# loopback port for cust-01 and leaves it running. Everything lives in
# build/demo/; every other process started here is stopped on exit.
# --keep leaves snmpd, the subagent and the fleet running until Ctrl-C.
# --no-portal skips the portal.
# --postgres runs the same demo on the scale-out store (docs/scale-out.md): a
# throwaway PostgreSQL cluster in build/demo/pg (scripts/pg-cluster.sh: unix
# socket only, a free port, a password role `periscope` with its password in
# build/demo/pg/pgpass, used through PGPASSFILE), and three pollers
# (periscope-poller --node demo-p1..3) started together share the targets
# through bucket leases. Reports, claims and the portal read the same store.
# The cluster is stopped at the end unless the portal is left running (it
# says how to stop both).
set -euo pipefail
keep=0
portal=1
postgres=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    --no-portal) portal=0 ;;
    --postgres) postgres=1 ;;
    *) echo "usage: scripts/demo.sh [--keep] [--no-portal] [--postgres]" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
cmake --preset release >/dev/null
# What the demo runs (the whole tree, tests included: scripts/test.sh).
cmake --build --preset release --target periscope-subagent periscope-walk periscope-store \
  periscope-poller periscope-report periscope-factory periscope-claim periscope-portal fleet_gen \
  peripheral_backfill

bin="$root/build/release"
demo="$root/build/demo"
# ---- portal (issue 9): a portal left running by an earlier demo serves the
# store about to be removed; stop it (only if its pid is still that portal).
if [ -f "$demo/portal.pid" ]; then
  old_pid=$(cat "$demo/portal.pid")
  if grep -qa periscope-portal "/proc/$old_pid/cmdline" 2>/dev/null; then
    kill "$old_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.1; done
  fi
fi
# ---- end portal ----
# A cluster left running by an earlier `--postgres` demo lives in $demo/pg.
if [ -e "$demo/pg/data/postmaster.pid" ]; then scripts/pg-cluster.sh stop "$demo/pg"; fi
rm -rf "$demo"
mkdir -p "$demo/conf" "$demo/persist" "$demo/client"
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

printf 'mibs :\n' > "$demo/conf/snmp.conf"
cat > "$demo/conf/snmpd.conf" <<CONF
agentaddress udp:127.0.0.1:$port
master agentx
agentXSocket unix:$demo/agentx.sock
agentXPerms 0660 0770
view periscope included .1.3.6.1.4.1.8072.9999.9999.1
view periscope included .1.3.6.1.2.1.1
rocommunity public 127.0.0.1 -V periscope
createUser demo SHA-256 "demo-auth-pass" AES "demo-priv-pass"
rouser -s usm demo priv -V periscope
CONF
sed "s|@DEMO_DIR@|$demo|g" etc/demo/periscope-subagent.xml.in > "$demo/periscope-subagent.xml"
"$bin/bench/fleet_gen" --out "$demo/fleet" --agents 20 --customers 5 --days 180 --patterns \
  --peripherals 4 --claim-copiers 8 >/dev/null
mkdir -p "$demo/fleet/cache"
chown -R 65534:65534 "$demo/fleet" 2>/dev/null || true

pids=()
pg_running=0
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$pg_running" = 1 ]; then "$root/scripts/pg-cluster.sh" stop "$demo/pg" || true; fi
}
trap cleanup EXIT

SNMPCONFPATH="$demo/conf:$demo/persist" SNMP_PERSISTENT_DIR="$demo/persist" MIBS= \
  /usr/sbin/snmpd -f -Lf "$demo/snmpd.log" -I -smux -p "$demo/snmpd.pid" &
pids+=($!)
"$bin/subagent/periscope-subagent" -f -c "$demo/periscope-subagent.xml" >"$demo/subagent.log" 2>&1 &
pids+=($!)

mapfile -t sim_args < "$demo/fleet/snmpsim-0.args"
sim_user=()
if [ "$(id -u)" -eq 0 ]; then sim_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --); fi
"${sim_user[@]}" snmpsimd --v2c-arch --data-dir="$demo/fleet/data" --cache-dir="$demo/fleet/cache" \
  --logging-method=null "${sim_args[@]}" >"$demo/snmpsim.log" 2>&1 &
pids+=($!)

echo "demo: snmpd on udp:127.0.0.1:$port, subagent sampling every 1 s, 20 simulated agents and"
echo "      4 simulated peripherals (printer, copier, PC, switch; logs in $demo)"
export SNMP_PERSISTENT_DIR="$demo/client" MIBS=
for _ in $(seq 1 50); do
  if snmpget -v2c -c public -r0 -t0.2 "127.0.0.1:$port" .1.3.6.1.4.1.8072.9999.9999.1.1.2.1.21.1 2>/dev/null \
      | grep -q 'INTEGER: 1'; then
    break
  fi
  sleep 0.2
done
sleep 3  # a few load intervals
echo
"$bin/tools/periscope-walk" -u demo -A demo-auth-pass -X demo-priv-pass "udp:127.0.0.1:$port" \
  | tee "$demo/walk.txt"
echo
echo "demo: read with SNMPv3 authPriv (SHA-256/AES) as user 'demo'; saved to $demo/walk.txt"

# The vendor side: the store, then one poller run over the subagent and the fleet.
if [ "$postgres" = 1 ]; then
  # The scale-out store: a throwaway PostgreSQL cluster (fsync off: a demo).
  db=$(scripts/pg-cluster.sh start "$demo/pg" --fsync off)
  pg_running=1
  export PGPASSFILE="$demo/pg/pgpass"
  echo
  echo "demo: PostgreSQL store $db"
  echo "      (password in PGPASSFILE=$PGPASSFILE; server log $demo/pg/server.log)"
else
  db="$demo/periscope.db"
fi
db_xml=${db//&/&amp;}  # the store as an XML attribute value
# Pollers sharing a store need an interval: hourly, like etc/cron.d/periscope
# (every bucket is due at first, so the three runs below share all targets).
# A poller claims as many buckets as fill its window: a small window lets the
# three share this small fleet.
poll_schedule="" poll_window=64
if [ "$postgres" = 1 ]; then poll_schedule=' interval-s="3600" buckets="64"' poll_window=8; fi
store=("$bin/store/periscope-store" --db "$db")
"${store[@]}" init >/dev/null
"${store[@]}" import staff "$demo/fleet/staff.csv" >/dev/null
printf 'user_id,name,contact_person,email,phone,address,sales_email\n%s\n' \
  'demo-customer-0001,Demo Customer Ltd.,Ken Yamada,it@demo.example,03-0000-0000,Tokyo,sales@vendor.example' \
  > "$demo/customers-local.csv"
"${store[@]}" import customers "$demo/customers-local.csv" >/dev/null
"${store[@]}" import customers "$demo/fleet/customers.csv" >/dev/null
printf 'address,port,profile,customer_user_id\n127.0.0.1,%s,local-v3,demo-customer-0001\n' "$port" \
  > "$demo/targets-local.csv"
"${store[@]}" import targets "$demo/targets-local.csv" >/dev/null
"${store[@]}" import targets "$demo/fleet/targets.csv" >/dev/null
# Printers, PCs and switches keep no history of their own: their 180 days of
# earlier readings are written as back-dated polls (docs/demo-history.md).
"$bin/bench/peripheral_backfill" --db "$db" --fleet "$demo/fleet"
cat > "$demo/periscope-poller.xml" <<CONF
<periscope-poller>
  <database path="$db_xml"/>
  <polling window="$poll_window" timeout-ms="1000" retries="2"$poll_schedule/>
  <profile name="local-v3" version="3" user="demo" auth="SHA-256" auth-pass="demo-auth-pass"
           priv="AES" priv-pass="demo-priv-pass"/>
  <profile name="sim-v2c" version="2c" community="public"/>
</periscope-poller>
CONF
chmod 600 "$demo/periscope-poller.xml"
# snmpsim needs a moment to load its data; the poller retries, but give it a head start.
for _ in $(seq 1 50); do
  if snmpget -v2c -c public -r0 -t0.2 "$(sed -n 2p "$demo/fleet/snmpsim-0.args" | sed 's/.*=//')" \
      .1.3.6.1.2.1.1.5.0 >/dev/null 2>&1; then
    break
  fi
  sleep 0.2
done
echo
if [ "$postgres" = 1 ]; then
  # Three pollers at once, as on three machines: each claims buckets of due
  # targets (FOR UPDATE SKIP LOCKED), polls them and writes fenced chunks; no
  # target is polled twice. Cron runs: each exits when no bucket is due.
  echo "demo: three pollers at once: periscope-poller --node demo-p1|demo-p2|demo-p3"
  poller_pids=()
  for n in 1 2 3; do
    "$bin/poller/periscope-poller" -c "$demo/periscope-poller.xml" --node "demo-p$n" \
      >"$demo/poller-p$n.out" 2>"$demo/poller-p$n.log" &
    poller_pids+=($!)
  done
  poller_rc=0
  for n in 1 2 3; do
    wait "${poller_pids[$((n - 1))]}" || poller_rc=$?
    sed "s/^periscope-poller:/demo-p$n:/" "$demo/poller-p$n.out"
  done
  if [ "$poller_rc" -ne 0 ]; then
    echo "demo: a poller failed ($poller_rc); logs in $demo/poller-p*.log" >&2
    tail -3 "$demo"/poller-p*.log >&2
    exit 1
  fi
  echo
  echo "demo: periscope-store list pollers"
  "${store[@]}" list pollers
  echo
  echo "demo: each poller's run: its share of the targets (together: every target once)"
  scripts/pg-cluster.sh psql "$demo/pg" --db periscope -c \
    "SELECT r.poller, r.targets_total AS targets, r.targets_ok AS ok,
            r.targets_failed AS failed, r.leases_lost,
            (SELECT count(*) FROM samples s WHERE s.run_id = r.id) AS samples,
            (SELECT count(*) FROM metric_samples m WHERE m.run_id = r.id) AS peripheral_samples
       FROM poll_runs r JOIN pollers p ON p.last_run_id = r.id ORDER BY 1"
else
  "$bin/poller/periscope-poller" -c "$demo/periscope-poller.xml"
fi
echo
echo "demo: periscope-store history --customer demo-customer-0001 (store: $db)"
"${store[@]}" history --customer demo-customer-0001
echo
echo "demo: periscope-store history --customer cust-01 (simulated fleet; last 10 rows of $demo/history-cust-01.txt)"
"${store[@]}" history --customer cust-01 > "$demo/history-cust-01.txt"
tail -10 "$demo/history-cust-01.txt"
for kind in printer host network; do
  echo
  echo "demo: periscope-store history --customer cust-01 --kind $kind (last 8 rows)"
  "${store[@]}" history --customer cust-01 --kind "$kind" | tail -8 || true
done

# The sales side: the reference manufacturing site, then periscope-report.
"$bin/factory/periscope-factory" --listen 127.0.0.1:0 --site kofu-factory \
  --stock "$root/etc/factory-stock.csv" >"$demo/factory.out" 2>"$demo/factory.log" &
pids+=($!)
site_url=""
for _ in $(seq 1 50); do
  site_url=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$demo/factory.out" | head -1)
  if [ -n "$site_url" ]; then break; fi
  sleep 0.1
done
cat > "$demo/periscope-report.xml" <<CONF
<periscope-report>
  <database path="$db_xml"/>
  <catalog path="$root/etc/catalog.xml"/>
  <output dir="$demo/reports"
          data-note="Demo data: the simulated fleet's 180 days of history are generated; the peripherals' earlier readings are back-dated (docs/demo-history.md)."/>
  <mail from="periscope@vendor.example" from-name="periscope demo" directory="$demo/mail"/>
  <inquiry delivery-place="Vendor Tokyo Service Center">
    <site name="kofu-factory" url="$site_url" timeout-ms="5000"/>
  </inquiry>
</periscope-report>
CONF
report="$bin/reports/periscope-report -c $demo/periscope-report.xml"
echo
echo "demo: periscope-report run (forecasts, proposals, reports, mail)"
$report run
echo
echo "demo: periscope-report proposals --customer cust-01"
$report proposals --customer cust-01
proposal=$($report proposals --customer cust-01 --format csv | awk -F, 'NR == 2 { print $1 }')
if [ -n "$proposal" ]; then
  echo
  echo "demo: periscope-report inquire --proposal $proposal (stock and delivery, seed 001 figure 6)"
  $report inquire --proposal "$proposal" --by sales@vendor.example
  $report inquiries --proposal "$proposal"
fi
echo
echo "demo: a second run the same day: nothing is proposed or mailed twice; the site's late answer is fetched"
$report run
if [ -n "$proposal" ]; then $report inquiries --proposal "$proposal"; fi
echo
echo "demo: reports in $demo/reports (open $demo/reports/index.html or"
echo "      $demo/reports/customers/cust-01.html in a browser; fleet view: $demo/reports/fleet.html)"
echo "demo: mails to the sales persons in $demo/mail:"
ls -1 "$demo/mail"/*.eml 2>/dev/null | sed 's/^/  /' || true

# The service side (seed 003): a customer's complaint about the claimed
# CPY-6000 copier of cust-01 (fleet_gen --claim-copiers: 8 CPY-6000 peers of
# other customers, 3 CPY-4500 and one CPY-6000 serving garbage, all polled
# above). periscope-claim reads the category's items from it and its
# same-model peers, compares them item by item, stores the claim and mails the
# copier service desk (.eml files in $demo/mail).
cat > "$demo/periscope-claim.xml" <<CONF
<periscope-claim>
  <database path="$db_xml"/>
  <poller config="$demo/periscope-poller.xml"/>
  <rules path="$root/etc/claim-rules.xml"/>
  <claim deadline-ms="10000" rate-days="30"/>
  <output dir="$demo/claims"/>
  <mail from="periscope@vendor.example" from-name="periscope claims" directory="$demo/mail"/>
</periscope-claim>
CONF
claim="$bin/claimtool/periscope-claim --config $demo/periscope-claim.xml"
claimed=$(awk -F, '$1 == "claimed" { print $2 }' "$demo/fleet/claim.csv")
symptom="Copies come out faint and pale since Monday / コピーがかすれる"
echo
echo "demo: periscope-claim --customer cust-01 --device $claimed --symptom \"$symptom\""
claim_rc=0
$claim --customer cust-01 --device "$claimed" --symptom "$symptom" || claim_rc=$?
if [ "$claim_rc" -ne 0 ]; then
  echo "demo: periscope-claim exited $claim_rc (3: stored but incomplete; see above)"
fi
echo
echo "demo: periscope-claim list"
$claim list
echo
for page in "$demo/claims"/claim-*.html; do
  if [ -f "$page" ]; then echo "demo: the claim's page: $page (open it in a browser)"; fi
done
echo "demo: the mail to the copier service desk in $demo/mail:"
grep -l '^To:.*copier-service@' "$demo/mail"/*.eml 2>/dev/null | sed 's/^/  /' || true

# ---- portal (issue 9, seed 002): the customer's side ----
# periscope-portal on a free loopback port over the demo store: cust-01 signs in
# with the password set below and sees its devices' usage with charts, the
# proposals made above and the products that fit its devices, asks to be
# contacted and updates its registered information; each request is mailed to
# its sales person (.eml files in $demo/mail, like the report's mail). Plain
# HTTP on loopback here; the session cookie stays Secure, which browsers accept
# on http://127.0.0.1 (a secure context); production runs it behind TLS
# (etc/nginx/periscope-portal.conf, etc/periscope-portal.xml). It is started
# detached (its own session, not a child of this script), so it outlives the
# demo: stop it with `kill $(cat build/demo/portal.pid)`.
if [ "$portal" = 1 ]; then
  portal_user=cust-01
  portal_password="demo-portal-password"
  cat > "$demo/periscope-portal.xml" <<CONF
<periscope-portal>
  <database path="$db_xml"/>
  <report config="$demo/periscope-report.xml"/>
  <listen address="127.0.0.1" port="0" threads="4"/>
  <mail from="portal@vendor.example" from-name="periscope portal (demo)" directory="$demo/mail"/>
</periscope-portal>
CONF
  portal_cmd=("$bin/portal/periscope-portal" -c "$demo/periscope-portal.xml")
  echo
  echo "demo: periscope-portal set-password $portal_user"
  echo "$portal_password" | "${portal_cmd[@]}" set-password "$portal_user"
  # shellcheck disable=SC2016  # $$ and $@ are the inner shell's
  setsid -f sh -c 'echo $$ > "$1"; shift; exec "$@" serve' sh "$demo/portal.pid" "${portal_cmd[@]}" \
    </dev/null >"$demo/portal.out" 2>"$demo/portal.log"
  portal_url=""
  for _ in $(seq 1 100); do
    portal_url=$(sed -n 's/^periscope-portal: listening on \(http[^ ]*\).*/\1/p' "$demo/portal.out")
    if [ -n "$portal_url" ]; then break; fi
    sleep 0.1
  done
  portal_pid=$(cat "$demo/portal.pid" 2>/dev/null || true)
  signin_status=000
  if [ -n "$portal_url" ]; then
    signin_status=$(curl -s -o /dev/null -w '%{http_code}' "$portal_url/signin" || true)
  fi
  if [ "$signin_status" != 200 ]; then
    echo "demo: periscope-portal did not answer (GET /signin: $signin_status); its log:" >&2
    cat "$demo/portal.log" >&2
    if [ -n "$portal_pid" ]; then kill "$portal_pid" 2>/dev/null || true; fi
    exit 1
  fi
  echo "demo: the customer portal is running (pid $portal_pid, log $demo/portal.log):"
  echo "        open    $portal_url/signin"
  echo "        sign in as customer ID '$portal_user' with password '$portal_password'"
  echo "        mails to the sales person go to $demo/mail"
  echo "        stop it: kill \$(cat $demo/portal.pid)"
  if [ "$pg_running" = 1 ]; then
    # The portal reads the cluster: both stay up.
    pg_running=0
    echo "      the PostgreSQL store stays up for it; stop both with:"
    echo "        kill \$(cat $demo/portal.pid); scripts/pg-cluster.sh stop $demo/pg"
  fi
fi
# ---- end portal ----

walk="snmpbulkwalk -v3 -l authPriv -u demo -a SHA-256 -A demo-auth-pass -x AES -X demo-priv-pass"
walk="$walk 127.0.0.1:$port .1.3.6.1.4.1.8072.9999.9999.1"
if [ "$keep" = 1 ]; then
  echo "demo: running until Ctrl-C; try: SNMP_PERSISTENT_DIR=$demo/client $walk"
  wait
else
  echo "demo: stopped; run 'scripts/demo.sh --keep' to keep it up and try: $walk"
fi
