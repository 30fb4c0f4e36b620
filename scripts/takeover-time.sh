#!/usr/bin/env bash
# takeover-time.sh: how long, as a user sees it, from `kill -9` of the failover leader until the
# registry's cluster view (GET /api/v1/cluster, leader.nodeId) names another leader.
#
#   scripts/takeover-time.sh settled [RUNS]   mesh kept up; before each kill it has been up (or the
#                                             killed instance back) for MESH_SETTLE_SECONDS (default 65)
#   scripts/takeover-time.sh fresh [RUNS]     `./mesh down` + `./mesh up` before each run, kill
#                                             MESH_FRESH_DELAY_SECONDS (default 2) after it says ready
#
# RUNS defaults to 5. Uses the mesh's own MESH_* port variables (set them to stay off other meshes);
# prints one line per run and the median and max. Every wait is bounded. `settled` leaves the mesh up;
# `fresh` ends with `./mesh down`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODE=${1:-settled}
RUNS=${2:-5}
REGISTRY_PORT=${MESH_REGISTRY_PORT:-9000}
FAILOVER_ADMIN_PORT=${MESH_FAILOVER_ADMIN_PORT:-9200}
SETTLE=${MESH_SETTLE_SECONDS:-65}
FRESH_DELAY=${MESH_FRESH_DELAY_SECONDS:-2}
LIMIT_S=${TAKEOVER_LIMIT_SECONDS:-20}   # a run that sees no new leader in this long counts as failed
HOST=${MESH_HOST:-127.0.0.1}
MESH=$ROOT/mesh

# Prints "<instance> <nodeId>" of the failover leader (instance 1 or 2), or fails.
find_leader() {
  local i port role node
  for i in 1 2; do
    port=$((FAILOVER_ADMIN_PORT + i - 1))
    role=$(curl -s --max-time 2 "http://$HOST:$port/status" | jq -r '.role // empty' 2>/dev/null || true)
    if [[ $role == leader ]]; then
      node=$(curl -s --max-time 2 "http://$HOST:$port/status" | jq -r '.leader.nodeId')
      printf '%s %s\n' "$i" "$node"
      return 0
    fi
  done
  return 1
}

# Waits (bounded) until the registry's view names a leader that one failover instance confirms.
wait_for_leader() {
  local end=$((SECONDS + 60)) seen
  while ((SECONDS < end)); do
    if find_leader >/dev/null; then
      seen=$(curl -s --max-time 2 "http://$HOST:$REGISTRY_PORT/api/v1/cluster" | jq -r '.leader.nodeId // empty' || true)
      [[ -n $seen ]] && return 0
    fi
    sleep 0.2
  done
  echo "no leader within 60 s" >&2
  return 1
}

# Kills the leader and polls the registry's view every ~20 ms; prints the milliseconds to a new leader.
kill_and_time() {
  local inst node pid
  read -r inst node < <(find_leader) || { echo "no leader found" >&2; return 1; }
  pid=$(tr -dc '0-9' <"$ROOT/.mesh/pids/failover-$inst.pid")
  [[ -n $pid ]] || { echo "no pid for failover-$inst" >&2; return 1; }
  python3 - "$pid" "$node" "$HOST" "$REGISTRY_PORT" "$LIMIT_S" "$inst" <<'EOF'
import json, os, signal, sys, time, urllib.request
pid, old, host, port, limit, inst = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6]
url = f"http://{host}:{port}/api/v1/cluster"
wall = time.strftime("%H:%M:%S", time.localtime()) + f".{int(time.time() * 1000) % 1000:03d}"
t0 = time.monotonic()
os.kill(pid, signal.SIGKILL)
gap = None  # when the view first stopped naming the old leader
slowest = 0.0  # the longest answer of the view, in ms
while time.monotonic() - t0 < limit:
    try:
        asked = time.monotonic()
        with urllib.request.urlopen(url, timeout=2) as r:
            view = json.load(r)
        now = time.monotonic()
        slowest = max(slowest, (now - asked) * 1000)
        leader = (view.get("leader") or {}).get("nodeId")
        if leader != old and gap is None:
            gap = now
        if leader and leader != old:
            ms = (now - t0) * 1000
            print(f"{ms:.0f} killed failover-{inst} ({old}); new leader {leader} epoch {view['leader'].get('epoch')}"
                  f", old one gone from the view after {(gap - t0) * 1000:.0f} ms, slowest view answer {slowest:.0f} ms"
                  f", killed at {wall}")
            sys.exit(0)
    except Exception:
        pass
    time.sleep(0.02)
print(f"FAILED no new leader in the view within {limit:.0f} s (old {old})")
sys.exit(1)
EOF
}

summary() {
  python3 - "$@" <<'EOF'
import statistics, sys
v = [float(x) for x in sys.argv[1:]]
if v:
    print(f"runs={len(v)} ms: {' '.join(f'{x:.0f}' for x in v)}  median={statistics.median(v):.0f}  max={max(v):.0f}")
EOF
}

results=()
case $MODE in
  settled)
    "$MESH" up >/dev/null
    for ((r = 1; r <= RUNS; r++)); do
      wait_for_leader
      echo "run $r: settling ${SETTLE}s" >&2
      sleep "$SETTLE"
      line=$(kill_and_time) || { echo "run $r: $line"; continue; }
      echo "run $r (settled): $line"
      results+=("${line%% *}")
      "$MESH" up >/dev/null
    done
    ;;
  fresh)
    for ((r = 1; r <= RUNS; r++)); do
      "$MESH" down >/dev/null 2>&1 || true
      "$MESH" up >/dev/null
      sleep "$FRESH_DELAY"
      wait_for_leader
      line=$(kill_and_time) || { echo "run $r: $line"; continue; }
      echo "run $r (fresh): $line"
      results+=("${line%% *}")
    done
    "$MESH" down >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 settled|fresh [RUNS]" >&2
    exit 2
    ;;
esac
summary "${results[@]}"
