#!/usr/bin/env bash
# Compares the lbmesh gateway with HAProxy (and with no proxy at all) on this machine, in one
# interleaved run. See bench/README.md for what it measures and how to read the ratios.
#
#   bench/compare.sh [--rounds 3] [--duration 10s] [--warmup 5s] [--warmup-jvm 20s] [--warmup-max 60s]
#                    [--connections 64,256] [--threads 2] [--only direct,haproxy,gateway] [--backends nginx|java]
#                    [--gateway-wait 60] [--no-install] [--keep-tmp]
#   bench/compare.sh --sharing [same options; --only among s1,s2,s2off]
#
# --sharing measures what sharing live in-flight counts between gateways costs instead: one gateway
# with sharing off (s1) against two clustered gateways with sharing on (s2) and off (s2off), all with
# least-connections.
#
# Everything listens on 127.0.0.1 only, every load run is bounded in time, and every process this
# script starts is recorded by PID and stopped on exit (normal end, error or Ctrl-C).
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")

# ---- settings ------------------------------------------------------------------------------
ROUNDS=3
DURATION=10s
WARMUP=5s
WARMUP_JVM=20s         # a JVM target warms at least this long, then until steady,
WARMUP_MAX=60s         # ... within this
CONNECTIONS=64,256
THREADS=2
ONLY=direct,haproxy,gateway
BACKENDS=nginx
GATEWAY_WAIT=60          # seconds for the registry and gateway to be ready and to proxy a 200
INSTALL=1
KEEP_TMP=0
SHARING=0                # 1: the --sharing mode (targets s1, s2, s2off instead of direct, haproxy, gateway)
ONLY_SET=0
SHARE_INTERVAL_ON=100    # LB_SHARE_INTERVAL_MS of the s2 pair (the gateway's default); s1 and s2off run 0

# Ports: clear of a running ./mesh (7001-7003, 7101-7103, 8080-8081, 9000, 9080-9081, 9100, 9200-9201, 5701+).
BACKEND_PORTS=(17001 17002 17003)
HAPROXY_PORT=18081
GATEWAY_PORT=18080
GATEWAY_ADMIN_PORT=19080
REGISTRY_PORT=19000
HZ_PORT=5901
# --sharing: the gateways of s1 (the ports above), of the s2 pair and of the s2off pair.
# name -> "traffic-port admin-port"
declare -A SHARING_GW_PORTS=(
  [gw-s1]="$GATEWAY_PORT $GATEWAY_ADMIN_PORT"
  [gw-s2-1]="18082 19082" [gw-s2-2]="18083 19083"
  [gw-s2off-1]="18084 19084" [gw-s2off-2]="18085 19085"
)
SHARING_GW_ORDER=(gw-s1 gw-s2-1 gw-s2-2 gw-s2off-1 gw-s2off-2)

# JVM flags, overridable from the environment. The gateway gets a fixed, pre-touched heap and the
# throughput collector: on 2 cores G1's concurrent threads and barriers cost the proxy CPU it needs,
# and young pauses of a 512 MB Parallel heap stay in the low milliseconds.
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-"-Xms512m -Xmx512m -XX:+UseParallelGC -XX:+AlwaysPreTouch -XX:+PerfDisableSharedMem -Dio.netty.leakDetection.level=disabled"}
REGISTRY_JAVA_OPTS=${REGISTRY_JAVA_OPTS:-"-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"}
BACKEND_JAVA_OPTS=${BACKEND_JAVA_OPTS:-"-Xms256m -Xmx256m -XX:+UseParallelGC -XX:+PerfDisableSharedMem"}
# Hazelcast binds the wildcard address unless told not to: keep the bench cluster on loopback.
HZ_LOCAL_OPTS="-Dhazelcast.socket.bind.any=false"

usage() {
  cat <<EOF
usage: bench/compare.sh [options]
  --rounds N            measured rounds, each runs every target once per concurrency (default $ROUNDS)
  --duration D          length of one measured wrk run, e.g. 10s, 1m (default $DURATION)
  --warmup D            unmeasured run per target before round 1, 0 to skip (default $WARMUP);
                        a JVM target (the gateway; any with --backends java) repeats it for at
                        least --warmup-jvm, then until a run gains no more than 10% over the
                        previous one, at most --warmup-max
  --warmup-jvm D        least warm-up of a JVM target (default $WARMUP_JVM)
  --warmup-max D        most warm-up of a JVM target (default $WARMUP_MAX)
  --connections LIST    wrk connection counts (default $CONNECTIONS)
  --threads N           wrk threads (default $THREADS)
  --only LIST           targets among direct,haproxy,gateway (default all three); with
                        --sharing, among s1,s2,s2off (default all three)
  --sharing             measure what sharing in-flight counts between gateways costs: s1 = one
                        gateway, LB_SHARE_INTERVAL_MS=0, one wrk at c connections; s2 = two
                        clustered gateways, LB_SHARE_INTERVAL_MS=$SHARE_INTERVAL_ON, two wrk at c/2 each;
                        s2off = the same two with sharing off. All least-connections; each gateway
                        of a pair gets LB_EVENT_LOOPS = cores/2. Prints s2/s1 and s2/s2off.
  --backends KIND       nginx (a static JSON answer from one nginx worker on three ports) or
                        java (the project's demo-backend.jar) (default $BACKENDS)
  --gateway-wait S      seconds the gateway may take to be ready and proxy a 200 before its
                        case is skipped (default $GATEWAY_WAIT); with --sharing, per JVM, and
                        the mode fails instead
  --no-install          do not apt-get install missing tools
  --keep-tmp            keep the temporary directory (configs, logs, registry data)
Environment: GATEWAY_JAVA_OPTS, BACKEND_JAVA_OPTS, REGISTRY_JAVA_OPTS replace the JVM flags;
GATEWAY_JAR, REGISTRY_JAR replace the jars (default: the module's target/ jar).
Ports used (all on 127.0.0.1): backends ${BACKEND_PORTS[*]}, HAProxy $HAPROXY_PORT,
gateway $GATEWAY_PORT (admin $GATEWAY_ADMIN_PORT), registry $REGISTRY_PORT, Hazelcast $HZ_PORT+;
--sharing: no HAProxy, and also gateways 18082-18085 (admin 19082-19085).
Results go to bench/results/<timestamp>/.
EOF
}

die() { echo "compare.sh: $*" >&2; exit 2; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --duration) DURATION=${2:?}; shift 2 ;;
    --warmup) WARMUP=${2:?}; shift 2 ;;
    --warmup-jvm) WARMUP_JVM=${2:?}; shift 2 ;;
    --warmup-max) WARMUP_MAX=${2:?}; shift 2 ;;
    --connections) CONNECTIONS=${2:?}; shift 2 ;;
    --threads) THREADS=${2:?}; shift 2 ;;
    --only) ONLY=${2:?}; ONLY_SET=1; shift 2 ;;
    --sharing) SHARING=1; shift ;;
    --backends) BACKENDS=${2:?}; shift 2 ;;
    --gateway-wait) GATEWAY_WAIT=${2:?}; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --keep-tmp) KEEP_TMP=1; shift ;;
    --*=*) set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done

# "10s" / "2m" / "10" -> seconds
seconds_of() {
  case "$1" in
    *ms) echo 1 ;;
    *s) echo "${1%s}" ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *h) echo $(( ${1%h} * 3600 )) ;;
    *) echo "$1" ;;
  esac
}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer"
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive integer"
[[ "$(seconds_of "$DURATION")" =~ ^[1-9][0-9]*$ ]] || die "--duration must look like 10s, 1m or 10"
[[ "$(seconds_of "$WARMUP")" =~ ^[0-9]+$ ]] || die "--warmup must look like 5s, 0 or 1m"
[[ "$(seconds_of "$WARMUP_MAX")" =~ ^[0-9]+$ ]] || die "--warmup-max must look like 60s or 1m"
[[ "$(seconds_of "$WARMUP_JVM")" =~ ^[0-9]+$ ]] || die "--warmup-jvm must look like 20s or 0"
[[ "$GATEWAY_WAIT" =~ ^[1-9][0-9]*$ ]] || die "--gateway-wait must be a positive integer (seconds)"
[[ "$CONNECTIONS" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--connections must be a list like 64,256"
case "$BACKENDS" in nginx|java) ;; *) die "--backends must be nginx or java" ;; esac
IFS=, read -r -a CONNS <<<"$CONNECTIONS"
if [ "$SHARING" = 1 ]; then
  [ "$ONLY_SET" = 1 ] || ONLY=s1,s2,s2off
  for c in "${CONNS[@]}"; do
    [ "$c" -ge 2 ] || die "--sharing splits the connections over two wrk processes: use at least 2"
  done
  # Both wrk processes of a pair together get as many threads as the one wrk of s1.
  [ "$THREADS" -ge 2 ] || log "note: --threads $THREADS with --sharing: each of the two wrk processes of s2/s2off still needs 1 thread"
fi
TARGETS=()
IFS=, read -r -a only_list <<<"$ONLY"
for t in "${only_list[@]}"; do
  if [ "$SHARING" = 1 ]; then
    case "$t" in
      s1|s2|s2off) [[ " ${TARGETS[*]-} " == *" $t "* ]] || TARGETS+=("$t") ;;
      *) die "--only with --sharing: unknown target '$t' (use s1, s2, s2off)" ;;
    esac
  else
    case "$t" in
      direct|haproxy|gateway) [[ " ${TARGETS[*]-} " == *" $t "* ]] || TARGETS+=("$t") ;;
      *) die "--only: unknown target '$t' (use direct, haproxy, gateway)" ;;
    esac
  fi
done
[ ${#TARGETS[@]} -gt 0 ] || die "--only names no target"
has_target() { [[ " ${TARGETS[*]-} " == *" $1 "* ]]; }
drop_target() {
  local keep=() t
  for t in "${TARGETS[@]}"; do [ "$t" = "$1" ] || keep+=("$t"); done
  TARGETS=("${keep[@]}")
}

# ---- process bookkeeping and cleanup -------------------------------------------------------
declare -A PIDS=()      # name -> pid of every long-running process this script started
WORK=""
RESULTS=""
CLEANED=0

stop_pid() {  # name pid grace-seconds
  local name=$1 pid=$2 grace=$3 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "compare.sh: $name (pid $pid) did not stop in ${grace}s, killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  set +e
  [ "$CLEANED" = 1 ] && return
  CLEANED=1
  trap - INT TERM
  # Load first, then gateway before registry before backends: nothing talks to a stopped peer.
  local name
  for name in wrk wrk2 "${SHARING_GW_ORDER[@]}" gateway registry haproxy nginx java-backends; do
    if [ -n "${PIDS[$name]-}" ]; then stop_pid "$name" "${PIDS[$name]}" 10; fi
  done
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    if [ -n "$RESULTS" ] && [ -d "$RESULTS" ]; then
      mkdir -p "$RESULTS/logs"
      cp "$WORK"/*.log "$RESULTS/logs/" 2>/dev/null || true
      cp "$WORK"/*.cfg "$WORK"/*.conf "$RESULTS/" 2>/dev/null || true
    fi
    if [ "$KEEP_TMP" = 1 ]; then
      echo "compare.sh: kept $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo; echo "compare.sh: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

# ---- tools -----------------------------------------------------------------------------------
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root (or sudo) to run: $*"; fi
}
ensure_tools() {
  local missing=() pkgs=()
  command -v curl >/dev/null || { missing+=(curl); pkgs+=(curl); }
  command -v wrk >/dev/null || { missing+=(wrk); pkgs+=(wrk); }
  if has_target haproxy && ! command -v haproxy >/dev/null; then missing+=(haproxy); pkgs+=(haproxy); fi
  if [ "$BACKENDS" = nginx ] && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    missing+=(nginx); pkgs+=(nginx-light)
  fi
  [ ${#missing[@]} -eq 0 ] && return
  [ "$INSTALL" = 1 ] || die "missing: ${missing[*]} (run without --no-install, or apt-get install -y ${pkgs[*]})"
  command -v apt-get >/dev/null || die "missing: ${missing[*]}, and there is no apt-get to install them"
  log "installing ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -qq "${pkgs[@]}" >/dev/null 2>&1; then
    as_root apt-get update -qq >/dev/null
    as_root apt-get install -y -qq "${pkgs[@]}" >/dev/null || {
      # Some releases have no nginx-light; the plain package serves just as well.
      [[ " ${pkgs[*]} " == *" nginx-light "* ]] && as_root apt-get install -y -qq "${pkgs[@]/nginx-light/nginx}" >/dev/null
    } || die "could not install ${pkgs[*]}"
  fi
}
NGINX_BIN=""
find_nginx() { NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx); }

# ---- helpers ---------------------------------------------------------------------------------
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true; }

wait_200() {  # url deadline-seconds [pid-name]; returns 1 on timeout or if the process died
  local url=$1 deadline=$(( $(date +%s) + $2 )) name=${3-}
  while [ "$(date +%s)" -lt "$deadline" ]; do
    [ "$(http_code "$url")" = 200 ] && return 0
    if [ -n "$name" ] && ! kill -0 "${PIDS[$name]}" 2>/dev/null; then
      echo "compare.sh: $name exited while waiting for $url" >&2
      return 1
    fi
    sleep 0.25
  done
  return 1
}

# CPU ticks (user+system, all threads) of a list of pids; 0 for a pid that is gone.
cpu_ticks() {
  local total=0 pid rest
  for pid in "$@"; do
    rest=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    rest=${rest##*) }                    # drop "pid (comm) "
    # shellcheck disable=SC2086  # split into the stat fields, on purpose
    set -- $rest                         # field 3 of stat is $1 here
    total=$(( total + ${12} + ${13} ))   # utime + stime (fields 14, 15)
  done
  echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)

backend_pids() {  # the backend processes (nginx master + workers, or the one demo-backend JVM)
  if [ "$BACKENDS" = nginx ]; then
    # shellcheck disable=SC2046  # one pid per word, on purpose
    echo "${PIDS[nginx]}" $(ps -o pid= --ppid "${PIDS[nginx]}" 2>/dev/null)
  else
    echo "${PIDS[java-backends]}"
  fi
}
# --sharing: the gateway JVMs behind a target, and the ports of one of them
target_gateways() {
  case "$1" in
    s1) echo gw-s1 ;;
    s2) echo gw-s2-1 gw-s2-2 ;;
    s2off) echo gw-s2off-1 gw-s2off-2 ;;
  esac
}
gw_port() { local p; read -r -a p <<<"${SHARING_GW_PORTS[$1]}"; echo "${p[0]}"; }
gw_admin_port() { local p; read -r -a p <<<"${SHARING_GW_PORTS[$1]}"; echo "${p[1]}"; }
proxy_pids() {
  local g out=""
  case "$1" in
    haproxy) echo "${PIDS[haproxy]}" ;;
    gateway) echo "${PIDS[gateway]}" ;;
    s1|s2|s2off)
      for g in $(target_gateways "$1"); do out="$out ${PIDS[$g]}"; done
      echo "$out" ;;
    *) echo "" ;;
  esac
}
# --sharing: the JVMs that are not under load in a run of target $1 (the registry, the other gateways)
other_pids() {
  local g out="${PIDS[registry]-}" mine
  mine=" $(target_gateways "$1") "
  for g in "${SHARING_GW_ORDER[@]}"; do
    [[ "$mine" == *" $g "* ]] && continue
    if [ -n "${PIDS[$g]-}" ]; then out="$out ${PIDS[$g]}"; fi
  done
  echo "$out"
}
target_url() {  # one URL per wrk process, separated by spaces (two for s2 and s2off)
  local g out=""
  case "$1" in
    direct) echo "http://127.0.0.1:${BACKEND_PORTS[0]}/" ;;
    haproxy) echo "http://127.0.0.1:$HAPROXY_PORT/" ;;
    gateway) echo "http://127.0.0.1:$GATEWAY_PORT/" ;;
    s1|s2|s2off)
      for g in $(target_gateways "$1"); do out="$out http://127.0.0.1:$(gw_port "$g")/"; done
      echo "${out# }" ;;
  esac
}

# wrk latency value ("812.00us", "4.45ms", "1.02s", "1.50m") -> milliseconds
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else printf "nan" }'
}

# ---- start ---------------------------------------------------------------------------------
ensure_tools
if [ "$BACKENDS" = nginx ]; then find_nginx; fi

STAMP=$(date +%Y%m%d-%H%M%S)
RESULTS="$BENCH_DIR/results/$STAMP"
mkdir -p "$RESULTS/raw"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lbbench.XXXXXX")
CSV="$RESULTS/runs.csv"
if [ "$SHARING" = 1 ]; then
  # rps_1/rps_2: the req/s of each wrk of a pair; others_cpu_pct: the registry and the gateways not
  # under load meanwhile (idle, but they share the cores)
  echo "round,target,connections,rps,p50_ms,p99_ms,errors,backend_cpu_pct,proxy_cpu_pct,others_cpu_pct,rps_1,rps_2" >"$CSV"
else
  echo "round,target,connections,rps,p50_ms,p99_ms,errors,backend_cpu_pct,proxy_cpu_pct" >"$CSV"
fi

busy=()
sharing_ports=()
if [ "$SHARING" = 1 ]; then
  for g in "${SHARING_GW_ORDER[@]}"; do sharing_ports+=("$(gw_port "$g")" "$(gw_admin_port "$g")"); done
fi
for p in "${BACKEND_PORTS[@]}" $HAPROXY_PORT $GATEWAY_PORT $GATEWAY_ADMIN_PORT $REGISTRY_PORT "${sharing_ports[@]}"; do
  port_busy "$p" && busy+=("$p")
done
[ ${#busy[@]} -eq 0 ] || die "ports already in use on 127.0.0.1: ${busy[*]} (another bench running?)"

NCPU=$(nproc)
# --sharing: each gateway of a pair gets half the event loops, so a pair has as many as the one gateway
PAIR_LOOPS=$(( NCPU / 2 )); [ "$PAIR_LOOPS" -ge 1 ] || PAIR_LOOPS=1
{
  echo "date: $(date -Is)"
  echo "host: $(uname -srm), $NCPU cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "args: rounds=$ROUNDS duration=$DURATION warmup=$WARMUP warmup-jvm=$WARMUP_JVM warmup-max=$WARMUP_MAX connections=$CONNECTIONS threads=$THREADS only=$ONLY backends=$BACKENDS"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  if has_target haproxy; then echo "haproxy: $(haproxy -v 2>&1 | head -1)"; fi
  if [ "$BACKENDS" = nginx ]; then echo "nginx: $("$NGINX_BIN" -v 2>&1 | head -1)"; fi
  echo "java: $(java -version 2>&1 | head -1)"
  echo "GATEWAY_JAVA_OPTS: $GATEWAY_JAVA_OPTS"
  if [ "$BACKENDS" = java ]; then echo "BACKEND_JAVA_OPTS: $BACKEND_JAVA_OPTS"; fi
  if [ "$SHARING" = 1 ]; then
    echo "mode: sharing; pool least-connections; s1 = 1 gateway, LB_EVENT_LOOPS=$NCPU, LB_SHARE_INTERVAL_MS=0;" \
      "s2 = 2 gateways, LB_EVENT_LOOPS=$PAIR_LOOPS each, LB_SHARE_INTERVAL_MS=$SHARE_INTERVAL_ON;" \
      "s2off = 2 gateways, LB_EVENT_LOOPS=$PAIR_LOOPS each, LB_SHARE_INTERVAL_MS=0"
  fi
} >"$RESULTS/env.txt"
load1=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load1" 'BEGIN { exit !(l > 0.7) }'; then
  log "warning: load average is $load1 before the bench starts; something else is using the CPU," \
    "so expect noisy numbers (the ratios of one interleaved run still hold up better than absolutes)"
fi
log "results: $RESULTS"

# Backends
if [ "$BACKENDS" = nginx ]; then
  mkdir -p "$WORK/nginx-tmp"
  {
    echo "# one worker: the backends take at most one of the cores, like a single event loop"
    echo "worker_processes 1;"
    echo "daemon off;"
    echo "pid $WORK/nginx.pid;"
    echo "error_log $WORK/nginx.log warn;"
    echo "events { worker_connections 4096; }"
    echo "http {"
    echo "  access_log off;"
    echo "  keepalive_requests 1000000;"
    echo "  keepalive_timeout 120s;"
    for d in client_body proxy fastcgi uwsgi scgi; do echo "  ${d}_temp_path $WORK/nginx-tmp/$d;"; done
    for p in "${BACKEND_PORTS[@]}"; do
      echo "  server {"
      echo "    listen 127.0.0.1:$p;"
      echo "    default_type application/json;"
      echo "    add_header X-Backend-Id nginx-$p;"
      echo "    location / { return 200 '{\"id\":\"nginx-$p\",\"port\":$p}'; }"
      echo "  }"
    done
    echo "}"
  } >"$WORK/nginx.conf"
  "$NGINX_BIN" -t -q -c "$WORK/nginx.conf" -p "$WORK" -e "$WORK/nginx.log" \
    || die "nginx rejected $WORK/nginx.conf"
  # shellcheck disable=SC2094  # nginx appends to its log, and so does its stray output: no read
  "$NGINX_BIN" -c "$WORK/nginx.conf" -p "$WORK" -e "$WORK/nginx.log" >>"$WORK/nginx.log" 2>&1 &
  PIDS[nginx]=$!
  bname=nginx
else
  JAR="$ROOT/demo-backend/target/demo-backend.jar"
  [ -f "$JAR" ] || die "$JAR is missing: build it with mvn -B -q -pl shared,demo-backend package -DskipTests"
  # shellcheck disable=SC2086
  java $BACKEND_JAVA_OPTS -jar "$JAR" --host 127.0.0.1 \
    --ports "$(IFS=,; echo "${BACKEND_PORTS[*]}")" --agent-ports none >"$WORK/backends.log" 2>&1 &
  PIDS[java-backends]=$!
  bname=java-backends
fi
log "starting $BACKENDS backends on ${BACKEND_PORTS[*]} (pid ${PIDS[$bname]})"
for p in "${BACKEND_PORTS[@]}"; do
  wait_200 "http://127.0.0.1:$p/" 30 "$bname" || die "backend on port $p did not answer 200 within 30s (see $WORK)"
done

# HAProxy
if has_target haproxy; then
  cat >"$WORK/haproxy.cfg" <<EOF
global
    nbthread $NCPU
    maxconn 4096
    # no log lines: logging is off on purpose

defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 1s
    timeout client 60s
    timeout server 30s
    timeout http-keep-alive 60s

frontend bench
    bind 127.0.0.1:$HAPROXY_PORT
    # the same header work the gateway does (X-Forwarded-For/-Proto/-Host)
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    default_backend pool

backend pool
    balance roundrobin
EOF
  i=1
  for p in "${BACKEND_PORTS[@]}"; do echo "    server b$i 127.0.0.1:$p" >>"$WORK/haproxy.cfg"; i=$((i + 1)); done
  haproxy -c -q -f "$WORK/haproxy.cfg" || die "haproxy rejected $WORK/haproxy.cfg"
  haproxy -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
  PIDS[haproxy]=$!
  log "starting HAProxy on $HAPROXY_PORT, nbthread $NCPU (pid ${PIDS[haproxy]})"
  wait_200 "$(target_url haproxy)" 15 haproxy || die "HAProxy did not answer 200 within 15s: $(tail -3 "$WORK/haproxy.log")"
fi

# Registry + gateway
skip_gateway() {
  echo
  log "SKIPPING the gateway case: $1"
  if [ -n "${2-}" ] && [ -f "$2" ]; then echo "  last lines of $(basename "$2"):"; tail -5 "$2" | cut -c1-200 | sed 's/^/    /'; fi
  echo
  echo "gateway skipped: $1" >>"$RESULTS/env.txt"
  if [ -n "${PIDS[gateway]-}" ]; then stop_pid gateway "${PIDS[gateway]}" 10; fi
  if [ -n "${PIDS[registry]-}" ]; then stop_pid registry "${PIDS[registry]}" 10; fi
  unset 'PIDS[gateway]' 'PIDS[registry]'
  drop_target gateway
}
# Starts the registry of a bench cluster (first Hazelcast port) with a fresh admin token, kept in
# REGISTRY_TOKEN; its PID goes to PIDS[registry].
start_registry() {
  local cluster=$1 members=$2 reg_jar=$3
  REGISTRY_TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  mkdir -p "$WORK/registry-data"
  # shellcheck disable=SC2086
  env LB_CLUSTER_NAME="$cluster" LB_HZ_PORT=$HZ_PORT LB_MEMBERS="$members" LB_BIND_HOST=127.0.0.1 \
    LB_HTTP_HOST=127.0.0.1 LB_HTTP_PORT=$REGISTRY_PORT LB_ADMIN_TOKEN="$REGISTRY_TOKEN" \
    LB_DATA_DIR="$WORK/registry-data" java $REGISTRY_JAVA_OPTS $HZ_LOCAL_OPTS -jar "$reg_jar" >"$WORK/registry.log" 2>&1 &
  PIDS[registry]=$!
}

start_gateway() {
  local gw_jar=${GATEWAY_JAR:-$ROOT/gateway/target/gateway.jar}
  local reg_jar=${REGISTRY_JAR:-$ROOT/registry-service/target/registry-service.jar}
  [ -f "$gw_jar" ] || { skip_gateway "$gw_jar is missing (mvn -B -q -pl shared,gateway package -DskipTests)"; return; }
  [ -f "$reg_jar" ] || { skip_gateway "$reg_jar is missing (mvn -B -q -pl shared,registry-service package -DskipTests)"; return; }
  local token cluster="bench-$$" members="127.0.0.1:$HZ_PORT,127.0.0.1:$((HZ_PORT + 1))"
  start_registry "$cluster" "$members" "$reg_jar"
  token=$REGISTRY_TOKEN
  # shellcheck disable=SC2086
  env LB_CLUSTER_NAME="$cluster" LB_HZ_PORT=$HZ_PORT LB_MEMBERS="$members" LB_BIND_HOST=127.0.0.1 \
    LB_HTTP_HOST=127.0.0.1 LB_HTTP_PORT=$GATEWAY_PORT LB_ADMIN_PORT=$GATEWAY_ADMIN_PORT LB_EVENT_LOOPS=$NCPU \
    java $GATEWAY_JAVA_OPTS $HZ_LOCAL_OPTS -jar "$gw_jar" >"$WORK/gateway.log" 2>&1 &
  PIDS[gateway]=$!
  log "starting registry (pid ${PIDS[registry]}) and gateway (pid ${PIDS[gateway]}), cluster $cluster;" \
    "waiting up to ${GATEWAY_WAIT}s"
  local t0 left
  t0=$(date +%s)
  wait_200 "http://127.0.0.1:$REGISTRY_PORT/health/ready" "$GATEWAY_WAIT" registry \
    || { skip_gateway "the registry was not ready on :$REGISTRY_PORT within ${GATEWAY_WAIT}s" "$WORK/registry.log"; return; }
  left=$(( GATEWAY_WAIT - ($(date +%s) - t0) )); [ $left -ge 5 ] || left=5
  wait_200 "http://127.0.0.1:$GATEWAY_ADMIN_PORT/health/ready" "$left" gateway \
    || { skip_gateway "the gateway admin port :$GATEWAY_ADMIN_PORT was not ready within ${GATEWAY_WAIT}s" "$WORK/gateway.log"; return; }
  local api="http://127.0.0.1:$REGISTRY_PORT/api/v1" code i=1 p
  local hdr=(-H "Authorization: Bearer $token" -H "Content-Type: application/json")
  code=$(curl -s -o "$WORK/api.out" -w '%{http_code}' --max-time 5 "${hdr[@]}" -X PUT "$api/pools/default" \
    -d '{"algorithm":"round-robin"}' || true)
  [[ "$code" == 20? ]] || { skip_gateway "registering pool default answered $code: $(head -c 300 "$WORK/api.out")"; return; }
  for p in "${BACKEND_PORTS[@]}"; do
    code=$(curl -s -o "$WORK/api.out" -w '%{http_code}' --max-time 5 "${hdr[@]}" -X PUT "$api/pools/default/servers/b$i" \
      -d "{\"host\":\"127.0.0.1\",\"port\":$p}" || true)
    [[ "$code" == 20? ]] || { skip_gateway "registering server b$i answered $code: $(head -c 300 "$WORK/api.out")"; return; }
    i=$((i + 1))
  done
  left=$(( GATEWAY_WAIT - ($(date +%s) - t0) )); [ $left -ge 15 ] || left=15
  if ! wait_200 "$(target_url gateway)" "$left" gateway; then
    local why
    why="no 200 from $(target_url gateway) within the deadline"
    port_busy "$GATEWAY_PORT" || why="nothing listens on :$GATEWAY_PORT (LB_HTTP_PORT): this gateway.jar does not proxy traffic yet"
    skip_gateway "$why" "$WORK/gateway.log"
    return
  fi
  log "gateway proxies to the backends on :$GATEWAY_PORT ($(( $(date +%s) - t0 ))s after start)"
}
if has_target gateway; then start_gateway; fi
# --sharing: one registry and the gateways of the chosen targets, all in one cluster. Every gateway
# runs the whole time (idle while another target is measured), so no JVM is restarted or re-warmed
# between rounds and the three targets interleave like the others do.
sharing_fail() {  # message [log]
  echo
  log "--sharing failed: $1"
  if [ -n "${2-}" ] && [ -f "$2" ]; then echo "  last lines of $(basename "$2"):"; tail -8 "$2" | cut -c1-200 | sed 's/^/    /'; fi
  echo "sharing failed: $1" >>"$RESULTS/env.txt"
  exit 2
}
status_json() { curl -s --max-time 3 "http://127.0.0.1:$1/status" 2>/dev/null | tr -d ' \n\t' || true; }
json_peers() { grep -o '"peers":\[[^]]*\]' <<<"$1" | head -1 | sed 's/^"peers":\[//; s/\]$//; s/"//g'; }
json_interval() { grep -o '"shareIntervalMs":-\{0,1\}[0-9]*' <<<"$1" | head -1 | cut -d: -f2; }
# Checks that each gateway of a target shares (s2: shareIntervalMs on and the other gateway of the
# pair in its "peers") or does not (s1, s2off: shareIntervalMs 0 and no peers). Prints what each
# /status said; returns 1 with the reason in SHARING_WHY if a gateway is not as it should be.
SHARING_WHY=""
check_sharing() {  # target wait-seconds
  local t=$1 deadline=$(( $(date +%s) + $2 )) g other js peers iv want_iv ok gws
  read -r -a gws <<<"$(target_gateways "$t")"
  if [ "$t" = s2 ]; then want_iv=$SHARE_INTERVAL_ON; else want_iv=0; fi
  while :; do
    ok=1 SHARING_WHY=""
    for g in "${gws[@]}"; do
      js=$(status_json "$(gw_admin_port "$g")")
      peers=$(json_peers "$js"); iv=$(json_interval "$js")
      if [ -z "$js" ] || [ -z "$iv" ]; then
        ok=0 SHARING_WHY="$g: no shareIntervalMs in http://127.0.0.1:$(gw_admin_port "$g")/status (${js:0:120})"
      elif [ "$iv" != "$want_iv" ]; then
        ok=0 SHARING_WHY="$g: shareIntervalMs is $iv, expected $want_iv"
      elif [ "$t" = s2 ]; then
        other=${gws[0]}; [ "$other" = "$g" ] && other=${gws[1]}
        [[ ",$peers," == *",bench-$other,"* ]] \
          || ok=0 SHARING_WHY="$g (admin :$(gw_admin_port "$g")) does not list bench-$other in its peers [$peers]: the pair does not share in-flight counts"
      elif [ -n "$peers" ]; then
        ok=0 SHARING_WHY="$g has peers [$peers] although sharing is off"
      fi
      [ "$ok" = 1 ] || break
    done
    [ "$ok" = 1 ] && break
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
  for g in "${gws[@]}"; do
    js=$(status_json "$(gw_admin_port "$g")")
    log "  $t: bench-$g shareIntervalMs=$(json_interval "$js") peers=[$(json_peers "$js")]"
  done
}
start_sharing_gateways() {
  local gw_jar=${GATEWAY_JAR:-$ROOT/gateway/target/gateway.jar}
  local reg_jar=${REGISTRY_JAR:-$ROOT/registry-service/target/registry-service.jar}
  [ -f "$gw_jar" ] || sharing_fail "$gw_jar is missing (mvn -B -q -pl shared,gateway package -DskipTests)"
  [ -f "$reg_jar" ] || sharing_fail "$reg_jar is missing (mvn -B -q -pl shared,registry-service package -DskipTests)"
  local gws=() t g i
  for g in "${SHARING_GW_ORDER[@]}"; do
    for t in "${TARGETS[@]}"; do
      if [[ " $(target_gateways "$t") " == *" $g "* ]]; then gws+=("$g"); fi
    done
  done
  # Each gateway pre-touches its heap (-Xms512m by default) plus some 150 MB of JVM around it.
  local avail_mb need_mb
  avail_mb=$(awk '/^MemAvailable:/ { printf "%d", $2 / 1024 }' /proc/meminfo)
  need_mb=$(( ${#gws[@]} * 700 + 400 ))
  if [ "${avail_mb:-0}" -lt "$need_mb" ]; then
    log "warning: ${#gws[@]} gateway JVMs and a registry need about $need_mb MB, only ${avail_mb} MB available;" \
      "use --only to run fewer targets"
  fi
  local token cluster="bench-$$" members="" hz
  for ((i = 0; i <= ${#gws[@]}; i++)); do members="$members${members:+,}127.0.0.1:$((HZ_PORT + i))"; done
  start_registry "$cluster" "$members" "$reg_jar"
  token=$REGISTRY_TOKEN
  log "starting registry (pid ${PIDS[registry]}), cluster $cluster; waiting up to ${GATEWAY_WAIT}s"
  wait_200 "http://127.0.0.1:$REGISTRY_PORT/health/ready" "$GATEWAY_WAIT" registry \
    || sharing_fail "the registry was not ready on :$REGISTRY_PORT within ${GATEWAY_WAIT}s" "$WORK/registry.log"
  # One gateway after the other: five JVMs starting at once on 2 cores join the cluster slowly.
  local loops interval
  hz=$((HZ_PORT + 1))
  for g in "${gws[@]}"; do
    case "$g" in
      gw-s1) loops=$NCPU interval=0 ;;
      gw-s2-*) loops=$PAIR_LOOPS interval=$SHARE_INTERVAL_ON ;;
      *) loops=$PAIR_LOOPS interval=0 ;;
    esac
    # shellcheck disable=SC2086
    env LB_CLUSTER_NAME="$cluster" LB_HZ_PORT=$hz LB_MEMBERS="$members" LB_BIND_HOST=127.0.0.1 \
      LB_HTTP_HOST=127.0.0.1 LB_HTTP_PORT="$(gw_port "$g")" LB_ADMIN_PORT="$(gw_admin_port "$g")" \
      LB_EVENT_LOOPS=$loops LB_SHARE_INTERVAL_MS=$interval LB_NODE_ID="bench-$g" \
      java $GATEWAY_JAVA_OPTS $HZ_LOCAL_OPTS -jar "$gw_jar" >"$WORK/$g.log" 2>&1 &
    PIDS[$g]=$!
    log "starting gateway bench-$g (pid ${PIDS[$g]}) on :$(gw_port "$g") (admin :$(gw_admin_port "$g")),"\
      "LB_EVENT_LOOPS=$loops LB_SHARE_INTERVAL_MS=$interval"
    wait_200 "http://127.0.0.1:$(gw_admin_port "$g")/health/ready" "$GATEWAY_WAIT" "$g" \
      || sharing_fail "gateway $g was not ready on admin :$(gw_admin_port "$g") within ${GATEWAY_WAIT}s" "$WORK/$g.log"
    hz=$((hz + 1))
  done
  local api="http://127.0.0.1:$REGISTRY_PORT/api/v1" code p
  local hdr=(-H "Authorization: Bearer $token" -H "Content-Type: application/json")
  code=$(curl -s -o "$WORK/api.out" -w '%{http_code}' --max-time 5 "${hdr[@]}" -X PUT "$api/pools/default" \
    -d '{"algorithm":"least-connections"}' || true)
  [[ "$code" == 20? ]] || sharing_fail "registering pool default (least-connections) answered $code: $(head -c 300 "$WORK/api.out")"
  i=1
  for p in "${BACKEND_PORTS[@]}"; do
    code=$(curl -s -o "$WORK/api.out" -w '%{http_code}' --max-time 5 "${hdr[@]}" -X PUT "$api/pools/default/servers/b$i" \
      -d "{\"host\":\"127.0.0.1\",\"port\":$p}" || true)
    [[ "$code" == 20? ]] || sharing_fail "registering server b$i answered $code: $(head -c 300 "$WORK/api.out")"
    i=$((i + 1))
  done
  for g in "${gws[@]}"; do
    wait_200 "http://127.0.0.1:$(gw_port "$g")/" "$GATEWAY_WAIT" "$g" \
      || sharing_fail "no 200 through gateway $g on :$(gw_port "$g") within ${GATEWAY_WAIT}s" "$WORK/$g.log"
    [[ "$(status_json "$(gw_admin_port "$g")")" == *'"algorithm":"least-connections"'* ]] \
      || sharing_fail "gateway $g's /status does not show pool default with least-connections"
  done
  log "gateways proxy to the backends: ${gws[*]}; checking who shares"
  for t in "${TARGETS[@]}"; do
    check_sharing "$t" 15 || sharing_fail "$t: $SHARING_WHY" "$WORK/$(target_gateways "$t" | cut -d' ' -f1).log"
  done
}
if [ "$SHARING" = 1 ]; then start_sharing_gateways; fi
[ ${#TARGETS[@]} -gt 0 ] || die "no target left to measure"

# ---- measure -------------------------------------------------------------------------------
DUR_S=$(seconds_of "$DURATION")
WARM_S=$(seconds_of "$WARMUP")
WARMUP_MAX_S=$(seconds_of "$WARMUP_MAX")
WARMUP_JVM_S=$(seconds_of "$WARMUP_JVM")

WRK_OUTS=()   # the output file(s) of the last run_wrk
run_wrk() {  # target connections duration-seconds outfile -> runs wrk, bounded by timeout
  local urls; read -r -a urls <<<"$(target_url "$1")"
  # In the background with a wait, so that a signal to this script runs its trap at once (bash
  # defers traps until a foreground child ends); --foreground keeps wrk in our process group, so
  # Ctrl-C reaches it too. cleanup stops it by its PID.
  if [ ${#urls[@]} -eq 1 ]; then
    WRK_OUTS=("$4")
    timeout --foreground --signal=INT --kill-after=5 $(( $3 + 30 )) \
      wrk -t"$THREADS" -c"$2" -d"$3s" --timeout 5s --latency "${urls[0]}" >"$4" 2>&1 &
    PIDS[wrk]=$!
    wait "${PIDS[wrk]}" || true
    unset 'PIDS[wrk]'
    return
  fi
  # Two gateways (--sharing s2, s2off): two wrk processes started together, one per gateway, for the
  # same duration, splitting the connections and the threads of the one wrk of s1 between them.
  local c1=$(( ($2 + 1) / 2 )) c2=$(( $2 / 2 )) t1=$(( (THREADS + 1) / 2 )) t2=$(( THREADS / 2 ))
  [ "$t2" -ge 1 ] || t2=1
  [ "$t1" -le "$c1" ] || t1=$c1
  [ "$t2" -le "$c2" ] || t2=$c2
  WRK_OUTS=("${4%.txt}-gw1.txt" "${4%.txt}-gw2.txt")
  timeout --foreground --signal=INT --kill-after=5 $(( $3 + 30 )) \
    wrk -t"$t1" -c"$c1" -d"$3s" --timeout 5s --latency "${urls[0]}" >"${WRK_OUTS[0]}" 2>&1 &
  PIDS[wrk]=$!
  timeout --foreground --signal=INT --kill-after=5 $(( $3 + 30 )) \
    wrk -t"$t2" -c"$c2" -d"$3s" --timeout 5s --latency "${urls[1]}" >"${WRK_OUTS[1]}" 2>&1 &
  PIDS[wrk2]=$!
  wait "${PIDS[wrk]}" || true
  wait "${PIDS[wrk2]}" || true
  unset 'PIDS[wrk]' 'PIDS[wrk2]'
}
# Requests/s of the last run_wrk, summed over its wrk processes; empty if one of them gave none.
wrk_rps() {
  local f v sum=0
  for f in "${WRK_OUTS[@]}"; do
    v=$(awk '/^Requests\/sec:/ { print $2 }' "$f")
    [ -n "$v" ] || { echo ""; return; }
    sum=$(awk -v a="$sum" -v b="$v" 'BEGIN { printf "%.2f", a + b }')
  done
  echo "$sum"
}
# A latency percentile ("50%", "99%") of the last run_wrk in ms: the worse over its wrk processes.
wrk_pct() {
  local f v worst=""
  for f in "${WRK_OUTS[@]}"; do
    v=$(to_ms "$(awk -v p="$1" '$1 == p { print $2 }' "$f")")
    [ "$v" = nan ] && { echo nan; return; }
    worst=$(awk -v a="${worst:-0}" -v b="$v" 'BEGIN { printf "%.3f", (b > a) ? b : a }')
  done
  echo "${worst:-nan}"
}

measure() {  # round target connections
  local r=$1 t=$2 c=$3 out rps p50 p99 errs b0 b1 x0 x1 o0 o1 t0 t1 bpids xpids opids bcpu xcpu ocpu parts=""
  out="$RESULTS/raw/r$r-$t-c$c.txt"
  bpids=$(backend_pids); xpids=$(proxy_pids "$t"); opids=""
  if [ "$SHARING" = 1 ]; then opids=$(other_pids "$t"); fi
  # The pid lists are split into one pid per word, on purpose.
  # shellcheck disable=SC2086
  { b0=$(cpu_ticks $bpids); x0=$(cpu_ticks $xpids); o0=$(cpu_ticks $opids); t0=$(date +%s%N); }
  run_wrk "$t" "$c" "$DUR_S" "$out"
  # shellcheck disable=SC2086
  { b1=$(cpu_ticks $bpids); x1=$(cpu_ticks $xpids); o1=$(cpu_ticks $opids); t1=$(date +%s%N); }
  bcpu=$(awk -v d=$((b1 - b0)) -v hz="$CLK_TCK" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", 100 * d / hz / (ns / 1e9) }')
  if [ -n "$xpids" ]; then
    xcpu=$(awk -v d=$((x1 - x0)) -v hz="$CLK_TCK" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", 100 * d / hz / (ns / 1e9) }')
  else
    xcpu=""
  fi
  # Two wrk processes (s2, s2off): req/s and errors are summed, p50 and p99 are the worse of the two.
  rps=$(wrk_rps)
  p50=$(wrk_pct 50%)
  p99=$(wrk_pct 99%)
  errs=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
              /Socket errors:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i + 0 }
              END { print n + 0 }' "${WRK_OUTS[@]}")
  [ -n "$rps" ] || { rps=nan; log "  wrk gave no result for $t c=$c: $(tail -q -n 2 "${WRK_OUTS[@]}" | tr '\n' ' ')"; }
  if [ "$SHARING" = 1 ]; then
    ocpu=$(awk -v d=$((o1 - o0)) -v hz="$CLK_TCK" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", 100 * d / hz / (ns / 1e9) }')
    local r1="" r2=""
    if [ ${#WRK_OUTS[@]} -eq 2 ]; then
      r1=$(awk '/^Requests\/sec:/ { print $2 }' "${WRK_OUTS[0]}")
      r2=$(awk '/^Requests\/sec:/ { print $2 }' "${WRK_OUTS[1]}")
      parts="  (${r1:-?} + ${r2:-?})"
    fi
    echo "$r,$t,$c,$rps,$p50,$p99,$errs,$bcpu,$xcpu,$ocpu,$r1,$r2" >>"$CSV"
    printf '  round %d  %-8s c=%-4s %10s req/s  p50 %8s ms  p99 %8s ms  errors %s  cpu backend %s%%  gateways %s%%  others %s%%%s\n' \
      "$r" "$t" "$c" "$rps" "$p50" "$p99" "$errs" "$bcpu" "$xcpu" "$ocpu" "$parts"
  else
    echo "$r,$t,$c,$rps,$p50,$p99,$errs,$bcpu,$xcpu" >>"$CSV"
    printf '  round %d  %-8s c=%-4s %10s req/s  p50 %8s ms  p99 %8s ms  errors %s  cpu backend %s%%%s\n' \
      "$r" "$t" "$c" "$rps" "$p50" "$p99" "$errs" "$bcpu" "${xcpu:+  proxy $xcpu%}"
  fi
  sleep 1   # let sockets close and the CPU settle before the next target
}

# The gateway is a JVM; with --backends java every target ends on a JVM that needs warming too.
is_jvm_target() { [ "$1" = gateway ] || [ "$SHARING" = 1 ] || [ "$BACKENDS" = java ]; }

if [ "$WARM_S" -gt 0 ]; then
  cmax=${CONNS[0]}; for c in "${CONNS[@]}"; do [ "$c" -gt "$cmax" ] && cmax=$c; done
  for t in "${TARGETS[@]}"; do
    # One run for nginx and HAProxy. A JVM is still compiling its hot path after 5 s: on 2 busy
    # cores the gateway ran 3000, 4400, 5400, then 12000 req/s in successive 5 s runs, and it can
    # sit on a plateau (2800, 2900) before C2 kicks in. So a JVM target runs at least --warmup-jvm,
    # then until a run no longer gains more than 10% over the one before, within --warmup-max.
    k=1 prev=0 spent=0 seen=""
    while :; do
      f="$RESULTS/raw/warmup-$t-$k.txt"
      run_wrk "$t" "$cmax" "$WARM_S" "$f"
      spent=$((spent + WARM_S))
      cur=$(wrk_rps); cur=$(awk -v v="${cur:-0}" 'BEGIN { printf "%.0f", v }')
      seen="$seen $cur"
      sleep 1
      is_jvm_target "$t" || break
      if [ "$k" -ge 2 ] && [ "$spent" -ge "$WARMUP_JVM_S" ] && [ $((cur * 10)) -le $((prev * 11)) ]; then break; fi
      if [ $((spent + WARM_S)) -gt "$WARMUP_MAX_S" ]; then
        log "  warm-up of $t still gaining after ${spent}s (--warmup-max); measuring anyway"
        break
      fi
      prev=$cur k=$((k + 1))
    done
    log "warm-up: $t, ${spent}s at c=$cmax (not counted), req/s per ${WARM_S}s run:$seen"
  done
fi

n=${#TARGETS[@]}
for ((r = 1; r <= ROUNDS; r++)); do
  log "round $r of $ROUNDS"
  for c in "${CONNS[@]}"; do
    # Rotate the order each round (A B C, B C A, C A B) so no target always follows the same one.
    for ((k = 0; k < n; k++)); do
      measure "$r" "${TARGETS[$(( (k + r - 1) % n ))]}" "$c"
    done
  done
done

# --sharing: the gateways must still share (s2) or not (s1, s2off) after all that load; a pair that
# fell apart meanwhile (say, a cluster split under load) is reported with the table.
SHARING_AFTER=""
if [ "$SHARING" = 1 ]; then
  log "checking again who shares, after the load"
  for t in "${TARGETS[@]}"; do
    check_sharing "$t" 5 || SHARING_AFTER="$SHARING_AFTER
WARNING: after the rounds, $t: $SHARING_WHY"
    # Each gateway's /status after the load (its peers, and the requests and in-flight per server)
    for g in $(target_gateways "$t"); do
      curl -s --max-time 3 -o "$RESULTS/status-$g.json" "http://127.0.0.1:$(gw_admin_port "$g")/status" || true
    done
  done
fi

# ---- report --------------------------------------------------------------------------------
TABLE="$RESULTS/table.txt"
# ratio lines: label:metric:numerator:denominator, separated by |
if [ "$SHARING" = 1 ]; then
  report_targets="s1 s2 s2off"
  report_ratios="s2/s1 req/s (the issue's number):rps:s2:s1|s2/s2off req/s (the cost of sharing):rps:s2:s2off"
  report_ratios="$report_ratios|s2off/s1 req/s (two JVMs, no sharing):rps:s2off:s1|s2/s1 p99 (lower is better):p99:s2:s1"
  report_ratios="$report_ratios|s2/s2off p99 (lower is better):p99:s2:s2off"
else
  report_targets="direct haproxy gateway"
  report_ratios="gateway/haproxy req/s:rps:gateway:haproxy|gateway/direct req/s:rps:gateway:direct"
  report_ratios="$report_ratios|gateway/haproxy p99 (lower is better):p99:gateway:haproxy|haproxy/direct req/s:rps:haproxy:direct"
fi
awk -F, -v targets="$report_targets" -v ratios="$report_ratios" -v sharing="$SHARING" -v conns="${CONNS[*]}" \
    -v rounds="$ROUNDS" -v backends="$BACKENDS" -v dur="$DURATION" -v cores="$NCPU" -v loops="$PAIR_LOOPS" \
    -v share_ms="$SHARE_INTERVAL_ON" -v threads="$THREADS" '
function median(key,   n, i, j, a, tmp) {
  n = cnt[key]; if (n == 0) return "nan"
  for (i = 1; i <= n; i++) a[i] = val[key, i]
  for (i = 2; i <= n; i++) { tmp = a[i]; for (j = i - 1; j >= 1 && a[j] > tmp; j--) a[j + 1] = a[j]; a[j + 1] = tmp }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(key, v) { if (v == "" || v == "nan") return; cnt[key]++; val[key, cnt[key]] = v + 0 }
function ratio(a, b) { return (a == "nan" || b == "nan" || b == 0) ? "n/a" : sprintf("%.2f", a / b) }
function fmt(v, f) { return v == "nan" ? "-" : sprintf(f, v) }
NR == 1 { next }
{
  k = $2 SUBSEP $3
  add("rps" SUBSEP k, $4); add("p50" SUBSEP k, $5); add("p99" SUBSEP k, $6)
  add("bcpu" SUBSEP k, $8); add("xcpu" SUBSEP k, $9)
  if (sharing == 1) { add("ocpu" SUBSEP k, $10); add("rps1" SUBSEP k, $11); add("rps2" SUBSEP k, $12) }
  errs[k] += $7; seen[k] = 1
  if (!(("min" SUBSEP k) in mm) || $4 + 0 < mm["min" SUBSEP k]) mm["min" SUBSEP k] = $4 + 0
  if (!(("max" SUBSEP k) in mm) || $4 + 0 > mm["max" SUBSEP k]) mm["max" SUBSEP k] = $4 + 0
}
END {
  nt = split(targets, T, " "); nc = split(conns, C, " ")
  printf "Medians over %d round(s) of %s each; backends: %s; %d cores shared by wrk, proxy and backends.\n", rounds, dur, backends, cores
  if (sharing == 1) {
    printf "Pool least-connections. s1: one gateway, %d event loops, sharing off, one wrk (-t%d).\n", cores, threads
    printf "s2: two gateways in one cluster, %d event loop(s) each, sharing every %d ms; s2off: the same, sharing off.\n", loops, share_ms
    printf "s2/s2off: two wrk processes at once, one per gateway, each with half the connections and threads;\n"
    printf "req/s is their sum, p50 and p99 the worse of the two. cpu gws: the target'"'"'s gateways; cpu others: the\n"
    printf "registry and the idle gateways meanwhile; us/req: gateway CPU per request (cpu gws / req/s).\n"
  }
  printf "\n"
  if (sharing == 1)
    printf "%-6s %-8s %11s %19s %9s %9s %7s %9s %9s %10s %7s\n", "conns", "target", "req/s", "req/s min..max", "p50 ms", "p99 ms", "errors", "cpu bknd", "cpu gws", "cpu others", "us/req"
  else
    printf "%-6s %-8s %11s %19s %9s %9s %7s %9s %9s\n", "conns", "target", "req/s", "req/s min..max", "p50 ms", "p99 ms", "errors", "cpu bknd", "cpu proxy"
  for (ci = 1; ci <= nc; ci++) for (ti = 1; ti <= nt; ti++) {
    k = T[ti] SUBSEP C[ci]; if (!(k in seen)) continue
    r = median("rps" SUBSEP k); M["rps" SUBSEP k] = r; M["p99" SUBSEP k] = median("p99" SUBSEP k)
    xc = median("xcpu" SUBSEP k)
    printf "%-6s %-8s %11s %19s %9s %9s %7d %8s%% %9s", C[ci], T[ti], fmt(r, "%.0f"),
      sprintf("%.0f..%.0f", mm["min" SUBSEP k], mm["max" SUBSEP k]),
      fmt(median("p50" SUBSEP k), "%.2f"), fmt(M["p99" SUBSEP k], "%.2f"), errs[k],
      fmt(median("bcpu" SUBSEP k), "%.0f"), xc == "nan" ? "-" : sprintf("%.0f%%", xc)
    if (sharing == 1) {
      oc = median("ocpu" SUBSEP k)
      printf " %10s %7s", oc == "nan" ? "-" : sprintf("%.0f%%", oc),
        (xc == "nan" || r == "nan" || r == 0) ? "-" : sprintf("%.1f", xc * 10000 / r)
    }
    printf "\n"
  }
  printf "\n%-40s", "ratios (of medians)"
  for (ci = 1; ci <= nc; ci++) printf " %9s", "c=" C[ci]
  printf "\n"
  nl = split(ratios, L, "|")
  for (li = 1; li <= nl; li++) {
    split(L[li], F, ":")
    printf "%-40s", F[1]
    for (ci = 1; ci <= nc; ci++) {
      a = F[2] SUBSEP F[3] SUBSEP C[ci]; b = F[2] SUBSEP F[4] SUBSEP C[ci]
      printf " %9s", ratio((a in M) ? M[a] : "nan", (b in M) ? M[b] : "nan")
    }
    printf "\n"
  }
  if (sharing == 1) {
    printf "%-40s", "s2/s1 >= 0.95 (the issue'"'"'s target)"
    for (ci = 1; ci <= nc; ci++) {
      a = "rps" SUBSEP "s2" SUBSEP C[ci]; b = "rps" SUBSEP "s1" SUBSEP C[ci]
      x = ((a in M) && (b in M) && M[a] != "nan" && M[b] != "nan" && M[b] != 0) ? M[a] / M[b] : "n/a"
      printf " %9s", x == "n/a" ? "n/a" : sprintf("%s %.3f", x >= 0.95 ? "yes" : "no", x)
    }
    printf "\n\n%-40s", "req/s of gateway 1 + gateway 2 (medians)"
    for (ci = 1; ci <= nc; ci++) printf " %9s", "c=" C[ci]
    printf "\n"
    for (ti = 2; ti <= nt; ti++) {
      printf "%-40s", T[ti]
      for (ci = 1; ci <= nc; ci++) {
        k = T[ti] SUBSEP C[ci]
        r1 = median("rps1" SUBSEP k); r2 = median("rps2" SUBSEP k)
        printf " %9s", (r1 == "nan" || r2 == "nan") ? "-" : sprintf("%.0f+%.0f", r1, r2)
      }
      printf "\n"
    }
  }
}' "$CSV" >"$TABLE"
if [ -n "$SHARING_AFTER" ]; then echo "$SHARING_AFTER" >>"$TABLE"; fi
grep '^gateway skipped' "$RESULTS/env.txt" >>"$TABLE" || true
echo
cat "$TABLE"
echo
log "raw wrk outputs, runs.csv, table.txt, configs and logs: $RESULTS"
