#!/usr/bin/env bash
# Brings a compose file of the mesh up for real, checks it the way a user would, and tears it down:
#   1. up -d as README says (stand-in base image built first where no registry is reachable), timed to healthy
#   2. one cluster: every member in /api/v1/cluster, both gateways answer with X-LB-Server
#   3. k6 smoke through both gateways (k6 from LB_K6, PATH or ../shared/tools/k6; skipped when there is
#      none unless LB_K6_REQUIRED=1)
#   4. under a steady client load (each request tried on one gateway, then once on the other, as a client
#      behind round-robin DNS does): docker kill of gateway-1, then of the failover leader; counts what
#      still failed and times the new leader in the registry's view
#   5. a crash inside a container (kill -9 of its java) is restarted by the restart policy
#   6. the registry replaced by a new container keeps every registration (its volume)
#   7. `up -d` brings the killed containers back; the cluster is whole again
# Prints a summary of the figures; exits non-zero at the first check that fails (the logs of every
# container are printed then). Needs a running Docker engine, curl and python3.
#
#   compose/test.sh                       # compose/docker-compose.yml
#   compose/test.sh compose/two-dc.yml
#   LB_PUBLISH_HOST=127.0.0.2 compose/test.sh   # publish on another loopback address (./mesh keeps 127.0.0.1)
#   LB_KEEP=1 compose/test.sh             # leave the stack running afterwards
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

FILE=${1:-compose/docker-compose.yml}
[[ -f $FILE ]] || { echo "test.sh: no compose file $FILE" >&2; exit 2; }
export LB_PUBLISH_HOST=${LB_PUBLISH_HOST:-127.0.0.1}
export LB_ADMIN_TOKEN=${LB_ADMIN_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
PROJECT=lbmesh-$(basename "$FILE" .yml | tr -c 'a-z0-9\n' '-')
PUB=$LB_PUBLISH_HOST
REGISTRY=http://$PUB:9000
GATEWAYS=(http://$PUB:8080 http://$PUB:8081)
HEALTHY_TIMEOUT=${LB_HEALTHY_TIMEOUT:-600}
T0=$(date +%s)

if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); else COMPOSE=(docker-compose); fi
# the optional services (profile monitoring: Prometheus) are part of the test
dc() { "${COMPOSE[@]}" -p "$PROJECT" -f "$FILE" --profile monitoring "$@"; }
say() { printf '[%4ds] %s\n' $(( $(date +%s) - T0 )) "$*"; }
FIGURES=()
figure() { FIGURES+=("$*"); say "figure: $*"; }
fail() {
  say "FAILED: $*"
  for s in $(dc config --services); do
    echo "----- logs of $s (last 40 lines)"
    dc logs --no-color --tail 40 "$s" 2>&1 || true
  done
  exit 1
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
cid() { dc ps -q "$1"; }

docker info >/dev/null 2>&1 || { echo "test.sh: no Docker engine (start dockerd, or see STACK-NOTES)" >&2; exit 2; }
for jar in registry-service health-service failover-service gateway demo-backend; do
  [[ -f $jar/target/$jar.jar ]] || { echo "test.sh: $jar/target/$jar.jar is missing: run mvn -B package -DskipTests" >&2; exit 2; }
done
"$ROOT/compose/base-image.sh"

cleanup() {
  [[ -n ${TRAFFIC_PID:-} ]] && kill "$TRAFFIC_PID" 2>/dev/null || true
  if [[ ${LB_KEEP:-0} == 1 ]]; then
    say "left running (project $PROJECT): ${COMPOSE[*]} -p $PROJECT -f $FILE down -v"
  else
    dc down -v --remove-orphans >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
dc down -v --remove-orphans >/dev/null 2>&1 || true

SERVICES=($(dc config --services))
# cluster members: every service with an LB_NODE_ID
MEMBERS=($(dc config | python3 -c '
import sys
# the config is YAML; services are two-space keys under "services:", members carry LB_NODE_ID
lines, out, svc, in_services = sys.stdin.read().splitlines(), [], None, False
for l in lines:
    if not l.startswith(" "):
        in_services = l.startswith("services:")
        continue
    if in_services and l.startswith("  ") and not l.startswith("   ") and l.rstrip().endswith(":"):
        svc = l.strip()[:-1]
    elif in_services and svc and l.strip().startswith("LB_NODE_ID:"):
        out.append(svc)
print(" ".join(out))'))
(( ${#MEMBERS[@]} > 0 )) || fail "no cluster member found in $FILE"

# 1. up, timed to healthy ---------------------------------------------------------------------------------
say "up -d $FILE (project $PROJECT, ${#MEMBERS[@]} cluster members, published on $PUB)"
up_start=$(date +%s)
dc up -d >/dev/null 2>&1 || fail "up -d failed"

# waits until every service with a healthcheck is healthy and every one-shot service exited 0
wait_healthy() {
  local deadline=$(( $(date +%s) + $1 )) last=0 pending s c st
  while :; do
    pending=()
    for s in "${SERVICES[@]}"; do
      c=$(cid "$s")
      if [[ -z $c ]]; then pending+=("$s(no container)"); continue; fi
      st=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}:{{.State.ExitCode}}{{end}}' "$c")
      case $st in
        healthy) ;;
        exited:0) [[ $s == register ]] || pending+=("$s($st)") ;;
        exited:*) [[ $s == register ]] && fail "$s exited with ${st#exited:}"; pending+=("$s($st)") ;;
        running:*) [[ $s == register ]] && pending+=("$s($st)") ;;   # no healthcheck (prometheus): running
        *) pending+=("$s($st)") ;;
      esac
    done
    (( ${#pending[@]} == 0 )) && return 0
    (( $(date +%s) >= deadline )) && fail "not healthy after $1 s: ${pending[*]}"
    if (( $(date +%s) - last >= 30 )); then say "waiting for: ${pending[*]}"; last=$(date +%s); fi
    sleep 2
  done
}
wait_healthy "$HEALTHY_TIMEOUT"
figure "time to healthy: $(( $(date +%s) - up_start )) s"
restarts=0
for s in "${SERVICES[@]}"; do
  n=$(docker inspect -f '{{.RestartCount}}' "$(cid "$s")")
  (( n > 0 )) && say "note: $s restarted $n time(s) on the way up" && restarts=$((restarts + n))
done
figure "restarts during startup: $restarts"
(( restarts == 0 )) || fail "a service crashed on the way up ($restarts restarts)"

# 2. one cluster, traffic through both gateways ------------------------------------------------------------
cluster() { curl -fsS --max-time 5 "$REGISTRY/api/v1/cluster"; }
member_count() { cluster 2>/dev/null | json 'len(d["members"])' 2>/dev/null || echo 0; }
wait_members() { # wait_members N SECONDS
  local deadline=$(( $(date +%s) + $2 ))
  until (( $(member_count) == $1 )); do
    (( $(date +%s) >= deadline )) && fail "cluster has $(member_count) members, want $1: $(cluster 2>&1 | head -c 600)"
    sleep 1
  done
}
wait_members "${#MEMBERS[@]}" 60
say "cluster members: $(cluster | json '" ".join(sorted(m["nodeId"] + "@" + m["dc"] for m in d["members"]))')"
figure "cluster formed: ${#MEMBERS[@]} of ${#MEMBERS[@]} members"
servers=$(curl -fsS "$REGISTRY/api/v1/pools/default/servers" | json 'len(d)')
(( servers > 0 )) || fail "pool default has no servers"
for g in "${GATEWAYS[@]}"; do
  deadline=$(( $(date +%s) + 90 ))
  until hdr=$(curl -fsS --max-time 3 -D - -o /dev/null "$g/" 2>/dev/null) && grep -qi '^x-lb-server:' <<<"$hdr"; do
    (( $(date +%s) >= deadline )) && fail "$g does not answer 200 with X-LB-Server: $(curl -sS --max-time 3 "$g/" 2>&1 | head -c 300)"
    sleep 1
  done
  say "$g answers from $(grep -i '^x-lb-server:' <<<"$hdr" | tr -d '\r' | cut -d' ' -f2)"
done
if [[ $FILE == *two-dc* ]]; then
  dcs=$(cluster | json '" ".join(sorted(set(m["dc"] for m in d["members"])))')
  [[ $dcs == "dc1 dc2" ]] || fail "members are not in both DCs: $dcs"
  figure "members in both DCs; pool default has $servers servers"
fi

if [[ " ${SERVICES[*]} " == *" prometheus "* ]]; then
  want=$(python3 -c "import re,sys; print(len(re.findall(r'\b[a-z0-9-]+:[0-9]+', ''.join(l for l in open('compose/prometheus.yml') if not l.lstrip().startswith('#')))))")
  deadline=$(( $(date +%s) + 90 ))
  until up=$(curl -fsS --max-time 3 "http://$PUB:9090/api/v1/targets" 2>/dev/null |
             json 'sum(1 for t in d["data"]["activeTargets"] if t["health"] == "up")' 2>/dev/null) && (( up == want )); do
    (( $(date +%s) >= deadline )) && fail "Prometheus scrapes ${up:-0} of $want targets: $(curl -sS "http://$PUB:9090/api/v1/targets" 2>&1 | head -c 800)"
    sleep 2
  done
  figure "Prometheus (profile monitoring) scrapes $up of $want /metrics targets"
fi

# 3. k6 smoke -------------------------------------------------------------------------------------------
K6=${LB_K6:-$(command -v k6 || true)}
[[ -z $K6 && -x $ROOT/../shared/tools/k6 ]] && K6=$ROOT/../shared/tools/k6
[[ -n $K6 && ! -x $K6 ]] && K6=""
if [[ -n $K6 && -f k6/smoke.js ]]; then
  say "k6 smoke through both gateways"
  summary=$(mktemp)
  GATEWAYS=$(IFS=,; echo "${GATEWAYS[*]}") REGISTRY=$REGISTRY TOKEN=$LB_ADMIN_TOKEN \
    "$K6" run --quiet --no-usage-report --summary-export "$summary" k6/smoke.js >/tmp/lbmesh-compose-k6.log 2>&1 ||
    { cat /tmp/lbmesh-compose-k6.log; fail "k6 smoke failed"; }
  figure "k6 smoke: $(json '"%d requests, %d failed, checks %d passed / %d failed" % (d["metrics"]["http_reqs"]["count"], round(d["metrics"]["http_req_failed"]["value"] * d["metrics"]["http_reqs"]["count"]), d["metrics"]["checks"]["passes"], d["metrics"]["checks"]["fails"])' <"$summary")"
  rm -f "$summary"
elif [[ ${LB_K6_REQUIRED:-0} == 1 ]]; then
  fail "k6 is required (LB_K6_REQUIRED=1) but neither k6 on PATH nor ../shared/tools/k6 nor k6/smoke.js is there"
else
  say "no k6 (PATH or ../shared/tools/k6): smoke skipped"
fi

# 4. kills under load -----------------------------------------------------------------------------------
TRAFFIC=$(mktemp -d)
traffic() { # until $TRAFFIC/stop exists (or 15 min): one request at a time, alternating gateways
  local ok=0 retried=0 failed=0 i=0 a b code end=$(( $(date +%s) + 900 ))
  while [[ ! -e $TRAFFIC/stop ]] && (( $(date +%s) < end )); do
    a=${GATEWAYS[$((i % 2))]} b=${GATEWAYS[$(((i + 1) % 2))]} i=$((i + 1))
    code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$a/?n=$i" || true)
    if [[ $code != 200 ]]; then
      retried=$((retried + 1))
      code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$b/?n=$i" || true)
      [[ $code == 200 ]] || { failed=$((failed + 1)); echo "$(date +%T) request $i failed on both gateways ($code)" >>"$TRAFFIC/failures"; }
    fi
    [[ $code == 200 ]] && ok=$((ok + 1))
    echo "$ok $retried $failed" >"$TRAFFIC/counts.tmp" && mv "$TRAFFIC/counts.tmp" "$TRAFFIC/counts"
    sleep 0.02
  done
}
counts() { cat "$TRAFFIC/counts" 2>/dev/null || echo "0 0 0"; }
wait_requests() { # wait_requests N: until N more requests were answered
  local start deadline=$(( $(date +%s) + 60 ))
  start=$(counts | cut -d' ' -f1)
  until (( $(counts | cut -d' ' -f1) >= start + $1 )); do
    (( $(date +%s) >= deadline )) && fail "traffic stalled: $(counts) (ok retried failed)"
    sleep 0.5
  done
}
# Within 30 s of a join (or 5 s of a removal) a member that vanishes is dropped after 10 s, not 2 s (README
# "Configuration"): the kills below wait until the detectors of the members they leave have settled.
settled() { # settled ADMIN-PORT...: every one of these members' failure detection is past its grace
  local p
  for p in "$@"; do
    curl -fsS --max-time 2 "http://$PUB:$p/status" 2>/dev/null | json 'd["failureDetection"]["settled"]' 2>/dev/null |
      grep -q True || return 1
  done
}
await_settled() {
  local t=$(date +%s)
  until settled "$@"; do
    (( $(date +%s) >= t + 90 )) && fail "failure detection not settled within 90 s on admin ports $*"
    sleep 0.5
  done
  say "failure detection settled on admin ports $* ($(( $(date +%s) - t )) s)"
}
traffic & TRAFFIC_PID=$!
wait_requests 50
await_settled 9000 9100 9200 9201 9080 9081

say "docker kill gateway-1"
docker kill "$(cid gateway-1)" >/dev/null
wait_requests 100
figure "after killing gateway-1: $(counts) (answered, retried on the other gateway, failed)"

leader=$(cluster | json 'd["leader"]["nodeId"]')
[[ -n $leader && $leader != None ]] || fail "no failover leader in the cluster view"
await_settled 9000 9100 9200 9201 9081
say "docker kill the failover leader $leader"
k0=$(date +%s%N)
docker kill "$(cid "$leader")" >/dev/null
deadline=$(( $(date +%s) + 90 ))
until new=$(cluster 2>/dev/null | json 'd["leader"]["nodeId"] if d.get("leader") else ""' 2>/dev/null) && [[ -n $new && $new != None && $new != "$leader" ]]; do
  (( $(date +%s) >= deadline )) && fail "no new leader 90 s after killing $leader"
  sleep 0.2
done
figure "new leader $new in the registry's view $(( ($(date +%s%N) - k0) / 1000000 )) ms after docker kill of $leader"
wait_requests 100
figure "after killing the leader: $(counts) (answered, retried, failed)"

# 5. a crash inside a container is restarted by the restart policy ----------------------------------------
c=$(cid health)
before=$(docker inspect -f '{{.RestartCount}}' "$c")
pid=$(docker inspect -f '{{.State.Pid}}' "$c")
say "kill -9 of health's java (host pid $pid): the restart policy must bring it back"
kill -9 "$pid"
deadline=$(( $(date +%s) + 120 ))
until (( $(docker inspect -f '{{.RestartCount}}' "$c") > before )) &&
      [[ $(docker inspect -f '{{.State.Health.Status}}' "$c") == healthy ]]; do
  (( $(date +%s) >= deadline )) && fail "health was not restarted and healthy within 120 s"
  sleep 1
done
figure "crashed health service restarted by policy and healthy again"

# 6. registrations survive a new registry container ------------------------------------------------------
H=(-H "Authorization: Bearer $LB_ADMIN_TOKEN" -H "Content-Type: application/json")
curl -fsS "${H[@]}" -X PUT "$REGISTRY/api/v1/pools/compose-test" -d '{"algorithm":"least-connections"}' >/dev/null ||
  fail "could not create pool compose-test"
curl -fsS "${H[@]}" -X PUT "$REGISTRY/api/v1/pools/compose-test/servers/kept-1" \
  -d '{"host":"10.9.9.9","port":8080,"weight":7}' >/dev/null || fail "could not create server kept-1"
say "registry: stop, remove the container, up a new one (same volume)"
dc stop registry >/dev/null 2>&1
dc rm -f registry >/dev/null 2>&1
dc up -d --no-deps registry >/dev/null 2>&1 || fail "could not start a new registry container"
deadline=$(( $(date +%s) + 180 ))
until [[ $(docker inspect -f '{{.State.Health.Status}}' "$(cid registry)" 2>/dev/null) == healthy ]]; do
  (( $(date +%s) >= deadline )) && fail "the new registry container is not healthy within 180 s"
  sleep 1
done
kept=$(curl -fsS "$REGISTRY/api/v1/pools/compose-test/servers/kept-1" | json '"%s:%s weight %s" % (d["host"], d["port"], d["weight"])') ||
  fail "server kept-1 is gone after the registry's restart"
[[ $kept == "10.9.9.9:8080 weight 7" ]] || fail "server kept-1 came back changed: $kept"
after=$(curl -fsS "$REGISTRY/api/v1/pools/default/servers" | json 'len(d)')
(( after == servers )) || fail "pool default has $after servers after the registry's restart, had $servers"
figure "registry replaced: pool compose-test and its server kept, pool default still $after servers"
curl -fsS "${H[@]}" -X DELETE "$REGISTRY/api/v1/pools/compose-test/servers/kept-1" >/dev/null
curl -fsS "${H[@]}" -X DELETE "$REGISTRY/api/v1/pools/compose-test" >/dev/null

# 7. the killed containers come back --------------------------------------------------------------------
say "up -d brings back what docker kill stopped"
dc up -d >/dev/null 2>&1 || fail "up -d failed"
back_start=$(date +%s)
wait_healthy 300
wait_members "${#MEMBERS[@]}" 60
figure "killed containers back and healthy in $(( $(date +%s) - back_start )) s; cluster whole (${#MEMBERS[@]} members)"
wait_requests 50

touch "$TRAFFIC/stop"
wait "$TRAFFIC_PID" 2>/dev/null || true
TRAFFIC_PID=
read -r ok retried failed < <(counts)
figure "traffic through it all: $ok answered, $retried retried on the other gateway, $failed failed"
[[ -s $TRAFFIC/failures ]] && { say "failed requests:"; cat "$TRAFFIC/failures"; }
(( failed == 0 )) || fail "$failed requests failed on both gateways"

echo
echo "compose test of $FILE passed in $(( $(date +%s) - T0 )) s:"
printf '  - %s\n' "${FIGURES[@]}"
