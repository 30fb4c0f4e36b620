#!/usr/bin/env bash
# A failover leader whose host vanishes: no process dies and no socket closes, its packets just stop.
# Three failover-service JVMs in two network namespaces joined by a veth pair: the leader (the oldest
# member, started first) alone in lbmesh-a, two followers in lbmesh-b. Once every member's failure
# detection has settled, an nft rule in lbmesh-a drops every packet in and out (a pulled cable, a host
# gone, a partition). The script measures until a follower in lbmesh-b leads with a newer epoch (by the time
# of its "became leader" log line), lifts the
# rule, checks that the cluster heals into one with one leader, and prints one line:
#   RESULT {"cutToLeaderMs": n, "epochBefore": n, "epochAfter": n, "newLeader": "...", "healedMembers": n}
# Needs root, iproute2 (ip netns) and nftables; cleans up after itself (namespaces, processes by PID).
# Usage: scripts/netns-partition.sh [failover-service jar]   (default: failover-service/target/failover-service.jar)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAR=${1:-$ROOT/failover-service/target/failover-service.jar}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
NS_A=lbmesh-a-$$ NS_B=lbmesh-b-$$
IP_A=10.213.0.1 IP_B=10.213.0.2
WORK=$(mktemp -d /tmp/netns-partition.XXXXXX)
CLUSTER=netns-$$
PIDS=()

[[ $(id -u) == 0 ]] || { echo "netns-partition: needs root (ip netns, nft)" >&2; exit 2; }
command -v ip >/dev/null && command -v nft >/dev/null || { echo "netns-partition: needs ip (iproute2) and nft (nftables)" >&2; exit 2; }
[[ -f $JAR ]] || { echo "netns-partition: no $JAR (mvn -B -q package -DskipTests)" >&2; exit 2; }

cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
  if [[ ${KEEP_LOGS:-0} == 1 ]]; then echo "logs in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add "veth-a-$$" netns "$NS_A" type veth peer name "veth-b-$$" netns "$NS_B"
ip -n "$NS_A" addr add "$IP_A/24" dev "veth-a-$$"
ip -n "$NS_B" addr add "$IP_B/24" dev "veth-b-$$"
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
ip -n "$NS_A" link set "veth-a-$$" up
ip -n "$NS_B" link set "veth-b-$$" up

MEMBERS="$IP_A:5701,$IP_B:5701,$IP_B:5702"
# name ns ip hzport adminport
start() {
  local name=$1 ns=$2 ip=$3 hz=$4 admin=$5
  ip netns exec "$ns" env LB_CLUSTER_NAME="$CLUSTER" LB_MEMBERS="$MEMBERS" LB_BIND_HOST="$ip" LB_HZ_PORT="$hz" \
    LB_NODE_ID="$name" LB_HTTP_HOST="$ip" LB_ADMIN_PORT="$admin" LB_QUORUM=2 \
    LB_HZ_STARTUP_GRACE_SECONDS="${LB_HZ_STARTUP_GRACE_SECONDS:-10}" \
    "$JAVA" -Xms32m -Xmx160m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 --add-modules java.se \
    --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED \
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED -jar "$JAR" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
}
status() { # ns ip port -> /status JSON or nothing
  ip netns exec "$1" curl -fsS --max-time 1 "http://$2:$3/status" 2>/dev/null || true
}
field() { python3 -c 'import json,sys
try: d=json.load(sys.stdin)
except Exception: sys.exit(0)
for k in sys.argv[1].split("."): d = d.get(k) if isinstance(d, dict) else None
print("" if d is None else (str(d).lower() if isinstance(d, bool) else d))' "$1"; }
members() { # ns ip port -> how many members that one sees
  status "$@" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["members"]))' 2>/dev/null || true
}
role_is() { # role ns ip port
  local r=$1; shift
  [[ $(status "$@" | field role) == "$r" ]]
}
now_ms() { date +%s%3N; }
wait_for() { # seconds description command...
  local until=$(($(date +%s) + $1)) what=$2; shift 2
  until "$@"; do
    if (($(date +%s) > until)); then echo "netns-partition: not within the deadline: $what" >&2; tail -5 "$WORK"/*.log >&2; exit 1; fi
    sleep 0.2
  done
}

start failover-1 "$NS_A" "$IP_A" 5701 9200
# failover-1 joins first, so it is the oldest member: the leader once the others give it a quorum
answers() { [[ -n $(status "$@") ]]; }
wait_for 90 "failover-1 up" answers "$NS_A" "$IP_A" 9200
start failover-2 "$NS_B" "$IP_B" 5701 9201
start failover-3 "$NS_B" "$IP_B" 5702 9202

all_settled() {
  local s
  for s in "$NS_A $IP_A 9200" "$NS_B $IP_B 9201" "$NS_B $IP_B 9202"; do
    # shellcheck disable=SC2086
    [[ $(status $s | field failureDetection.settled) == true ]] || return 1
    # shellcheck disable=SC2086
    [[ $(members $s) == 3 ]] || return 1
  done
}
wait_for 180 "three members, failure detection settled on each" all_settled
wait_for 30 "failover-1 leads" role_is leader "$NS_A" "$IP_A" 9200
EPOCH_BEFORE=$(status "$NS_B" "$IP_B" 9201 | field epoch)

# The cut: everything in and out of lbmesh-a is dropped, silently.
T0=$(now_ms)
ip netns exec "$NS_A" nft -f - <<'EOF'
table inet cut {
  chain in { type filter hook input priority -100; policy accept; iifname != "lo" drop; }
  chain out { type filter hook output priority -100; policy accept; oifname != "lo" drop; }
}
EOF
new_leader() {
  local s e
  for s in 9201 9202; do
    e=$(status "$NS_B" "$IP_B" "$s")
    if [[ $(field role <<<"$e") == leader ]] && (($(field epoch <<<"$e") > EPOCH_BEFORE)); then
      LEADER_NODE=$(field nodeId <<<"$e") EPOCH_AFTER=$(field epoch <<<"$e")
      return 0
    fi
  done
  return 1
}
wait_for 30 "a leader in lbmesh-b after the cut" new_leader
# from the cut to the moment the new leader took over, by its own log line (polling /status through
# `ip netns exec` would add a few hundred ms of this script's own)
LEADER_AT=$(grep -h "became leader with epoch $EPOCH_AFTER " "$WORK/$LEADER_NODE.log" | tail -1 | cut -d' ' -f1)
CUT_MS=$(python3 -c 'import datetime,sys; t=datetime.datetime.fromisoformat(sys.argv[1]).timestamp(); print(int(t*1000) - int(sys.argv[2]))' "$LEADER_AT" "$T0")

# Healed: the rule lifted, the isolated member merges back (a split-brain merge), one leader, three members.
ip netns exec "$NS_A" nft delete table inet cut
healed() {
  local a
  [[ $(members "$NS_B" "$IP_B" 9201) == 3 ]] || return 1
  a=$(status "$NS_A" "$IP_A" 9200)
  [[ -n $a && $(field role <<<"$a") != leader ]] || return 1
  EPOCH_FINAL=$(field epoch <<<"$a")
  [[ -n $EPOCH_FINAL ]] && ((EPOCH_FINAL >= EPOCH_AFTER))
}
wait_for 90 "the cluster healed: three members, failover-1 a follower knowing epoch $EPOCH_AFTER or newer" healed
printf 'RESULT {"cutToLeaderMs": %d, "epochBefore": %d, "epochAfter": %d, "epochHealed": %d, "newLeader": "%s", "healedMembers": 3}\n' \
  "$CUT_MS" "$EPOCH_BEFORE" "$EPOCH_AFTER" "$EPOCH_FINAL" "$LEADER_NODE"
