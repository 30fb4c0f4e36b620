#!/usr/bin/env bash
# Runs k6/failover.js against the local ./mesh and, while it runs, kills (kill -9) one backend, the
# failover leader and gateway-1, bringing the mesh back with ./mesh up; then prints the k6 result.
# The backend killed is a fourth demo backend started here as its own JVM on port 7004 (./mesh runs its
# three in one JVM, so killing .mesh/pids/backends.pid would take the whole pool down at once).
#   k6/failover-kills.sh            (K6=path/to/k6; extra k6 arguments after --, e.g. -- -e RATE=100)
# Timeline (s from the start of the 180 s run): 15 the backend; 30-60 a server drained by failover.js
# itself; 40 the failover leader, 45 ./mesh up brings it back; 100 gateway-1, back with ./mesh up after
# the run. REJOIN=1 brings gateway-1 back at 105 s, during the run (a gateway opens its traffic port only
# once it has its first routing table, so the requests that reach it then are served).
set -euo pipefail
cd "$(dirname "$0")/.."
K6=${K6:-$(command -v k6 || echo ../shared/tools/k6)}
[[ -x $K6 ]] || { echo "no k6: install it, or set K6=path/to/k6" >&2; exit 2; }
[[ -f .mesh/admin-token ]] || { echo "no .mesh/admin-token: run ./mesh up first" >&2; exit 2; }
[[ ${1:-} == -- ]] && shift
PORT=${EXTRA_PORT:-7004}
LOG=${TMPDIR:-/tmp}/k6-failover-backend-$PORT.log
say() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
pid_of() { tr -dc 0-9 <".mesh/pids/$1.pid"; }
# every wait is bounded; the k6 run itself ends after its DURATION
sleep_until() { local t=$1; while (($(date +%s) - START < t)); do sleep 1; done; }

java -jar .mesh/jars/demo-backend.jar --host 127.0.0.1 --ports "$PORT" --agent-ports none >"$LOG" 2>&1 &
B=$!
trap 'kill -9 $B 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 0.2; done
say "extra backend on :$PORT, pid $B"

TOKEN=$(cat .mesh/admin-token) "$K6" run --no-usage-report -e EXTRA_SERVER=127.0.0.1:$PORT "$@" k6/failover.js &
K=$!
START=$(date +%s)

sleep_until 15; say "kill -9 backend extra-$PORT (pid $B)"; kill -9 $B
sleep_until 40
leader=$(curl -fs http://127.0.0.1:9000/api/v1/cluster | grep -o '"leader":{"nodeId":"[^"]*"' | cut -d'"' -f6)
say "kill -9 failover leader $leader (pid $(pid_of "$leader"))"; kill -9 "$(pid_of "$leader")"
sleep_until 45; say "./mesh up"; ./mesh up >/dev/null; say "mesh up again"
sleep_until 100; say "kill -9 gateway-1 (pid $(pid_of gateway-1))"; kill -9 "$(pid_of gateway-1)"
if [[ ${REJOIN:-0} == 1 ]]; then
  sleep_until 105; say "./mesh up"; ./mesh up >/dev/null; say "mesh up again"
fi
rc=0; wait $K || rc=$?
say "k6 exit $rc"
[[ ${REJOIN:-0} == 1 ]] || { say "./mesh up (gateway-1 back)"; ./mesh up >/dev/null; }
exit $rc
