#!/usr/bin/env bash
# The main job on an embedded default: builds periscope, starts a private snmpd
# on a free loopback port with periscope-subagent attached over AgentX (unix
# socket), lets it sample for a few seconds and prints the PERISCOPE-MIB
# subtree as tables. Everything lives in build/demo/; every process started here
# is stopped on exit.  --keep leaves snmpd and the subagent running until Ctrl-C.
set -euo pipefail
keep=0
if [ "${1:-}" = "--keep" ]; then keep=1; fi
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release

bin="$root/build/release"
demo="$root/build/demo"
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

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

SNMPCONFPATH="$demo/conf:$demo/persist" SNMP_PERSISTENT_DIR="$demo/persist" MIBS= \
  /usr/sbin/snmpd -f -Lf "$demo/snmpd.log" -I -smux -p "$demo/snmpd.pid" &
pids+=($!)
"$bin/subagent/periscope-subagent" -f -c "$demo/periscope-subagent.xml" >"$demo/subagent.log" 2>&1 &
pids+=($!)

echo "demo: snmpd on udp:127.0.0.1:$port, subagent sampling every 1 s (logs in $demo)"
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
walk="snmpbulkwalk -v3 -l authPriv -u demo -a SHA-256 -A demo-auth-pass -x AES -X demo-priv-pass"
walk="$walk 127.0.0.1:$port .1.3.6.1.4.1.8072.9999.9999.1"
if [ "$keep" = 1 ]; then
  echo "demo: running until Ctrl-C; try: SNMP_PERSISTENT_DIR=$demo/client $walk"
  wait
else
  echo "demo: stopped; run 'scripts/demo.sh --keep' to keep it up and try: $walk"
fi
