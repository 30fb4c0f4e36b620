#!/usr/bin/env bash
# Compares the lbmesh gateway with HAProxy, NGINX and no proxy at all on this machine, in one
# interleaved run, over several balancing algorithms and connection counts. See bench/README.md for
# what it measures and how to read the ratios.
#
#   bench/compare.sh [--rounds 3] [--rounds-other 2] [--duration 8s] [--warmup 5s] [--warmup-jvm 20s]
#                    [--warmup-max 60s] [--connections 64,256,1000] [--threads 2]
#                    [--only direct,haproxy1,haproxyN,nginx,gateway,gateway2] [--algorithms rr,lc,sticky]
#                    [--backends nginx|java] [--gateway-wait 60] [--no-install] [--no-publish] [--keep-tmp]
#   bench/compare.sh --sharing [same options; --only among s1,s2,s2off]
#
# The default run writes bench/results/<date>.md and <date>.svg (and latest.md, latest.svg): a table
# per algorithm with the medians, the ratio to HAProxy with one thread, p99 and CPU per request.
#
# --sharing measures what sharing live in-flight counts between gateways costs instead: one gateway
# with sharing off (s1) against two clustered gateways with sharing on (s2) and off (s2off), all with
# least-connections.
#
# Everything listens on 127.0.0.1 only, every load run is bounded in time, and every process this
# script starts is recorded by PID and stopped on exit (normal end, error or Ctrl-C).
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
START_EPOCH=$(date +%s)
RUN_ARGS=""; [ $# -eq 0 ] || RUN_ARGS=$(printf ' %s' "$@")
ROOT=$(dirname "$BENCH_DIR")

# ---- settings ------------------------------------------------------------------------------
ROUNDS=""              # rounds of rr (and of --sharing); default 3
ROUNDS_OTHER=""        # rounds of lc and sticky; default 2
DURATION=""            # default 8s (10s with --sharing)
WARMUP=5s
WARMUP_JVM=20s         # a JVM target warms at least this long, then until steady,
WARMUP_MAX=60s         # ... within this
CONNECTIONS=""         # default 64,256,1000 (64,256 with --sharing)
THREADS=2
ONLY=direct,haproxy1,haproxyN,nginx,gateway,gateway2
ALGORITHMS=rr,lc,sticky
BACKENDS=nginx
GATEWAY_WAIT=60          # seconds for the registry and gateway to be ready and to proxy a 200
INSTALL=1
KEEP_TMP=0
PUBLISH=1                # 1: write bench/results/<date>.md/.svg and latest.md/.svg (not with --sharing)
SHARING=0                # 1: the --sharing mode (targets s1, s2, s2off instead of direct, haproxy, gateway)
ONLY_SET=0
SHARE_INTERVAL_ON=100    # LB_SHARE_INTERVAL_MS of the s2 pair (the gateway's default); s1 and s2off run 0
NGINX_STICKY_COOKIE=LBSTICK   # the cookie whose hash picks the server in the nginx proxy's sticky upstream

# Ports: clear of a running ./mesh (7001-7003, 7101-7103, 8080-8081, 9000, 9080-9081, 9100, 9200-9201, 5701+).
BACKEND_PORTS=(17001 17002 17003)
HAPROXY_PORT=18081       # haproxyN (nbthread left to HAProxy: one thread per core)
HAPROXY1_PORT=18086      # haproxy1 (nbthread 1)
NGINX_PROXY_PORT=18087   # nginx as the reverse proxy
GATEWAY_PORT=18080
GATEWAY_ADMIN_PORT=19080
REGISTRY_PORT=19000
HZ_PORT=5901
# The gateways of s1 (the ports above), of the s2 pair and of the s2off pair. The default run's
# `gateway` is s1's gateway and its `gateway2` the s2 pair. name -> "traffic-port admin-port"
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
  cat <<USAGE
usage: bench/compare.sh [options]
  --rounds N            measured rounds of rr (and of every --sharing target); each round runs
                        every target once per connection count (default 3)
  --rounds-other N      measured rounds of lc and sticky (default 2)
  --duration D          length of one measured wrk run, e.g. 8s, 1m (default 8s; 10s with --sharing)
  --warmup D            unmeasured run per target before round 1, 0 to skip (default $WARMUP);
                        a JVM target (the gateways; any with --backends java) repeats it for at
                        least --warmup-jvm, then until a run gains no more than 10% over the
                        previous one, at most --warmup-max, and then runs it once per other algorithm
  --warmup-jvm D        least warm-up of a JVM target (default $WARMUP_JVM)
  --warmup-max D        most warm-up of a JVM target (default $WARMUP_MAX)
  --connections LIST    wrk connection counts (default 64,256,1000; 64,256 with --sharing)
  --threads N           wrk threads (default $THREADS; gateway2 needs an even number)
  --only LIST           targets among direct, haproxy1 (nbthread 1), haproxyN (nbthread: one per
                        core; "haproxy" is the same), nginx, gateway, gateway2 (two clustered
                        gateways, sharing on, wrk's connections split across both) (default all);
                        with --sharing, among s1,s2,s2off (default all three)
  --algorithms LIST     among rr (round-robin), lc (least-connections), sticky (a sticky cookie
                        over round-robin) (default $ALGORITHMS); direct runs with rr only
  --sharing             measure what sharing in-flight counts between gateways costs: s1 = one
                        gateway, LB_SHARE_INTERVAL_MS=0, one wrk at c connections; s2 = two
                        clustered gateways, LB_SHARE_INTERVAL_MS=$SHARE_INTERVAL_ON, two wrk at c/2 each;
                        s2off = the same two with sharing off. All least-connections; each gateway
                        of a pair gets LB_EVENT_LOOPS = cores/2. Prints s2/s1 and s2/s2off.
  --backends KIND       nginx (a static JSON answer from one nginx worker on three ports) or
                        java (the project's demo-backend.jar) (default $BACKENDS)
  --gateway-wait S      seconds each gateway JVM may take to be ready and proxy a 200 before the
                        gateway cases are skipped (default $GATEWAY_WAIT); with --sharing the mode
                        fails instead
  --no-install          do not apt-get install missing tools
  --no-publish          do not write bench/results/<date>.md/.svg and latest.md/.svg (a quick run)
  --keep-tmp            keep the temporary directory (configs, logs, registry data)
Environment: GATEWAY_JAVA_OPTS, BACKEND_JAVA_OPTS, REGISTRY_JAVA_OPTS replace the JVM flags;
GATEWAY_JAR, REGISTRY_JAR replace the jars (default: the module's target/ jar).
Ports used (all on 127.0.0.1): backends ${BACKEND_PORTS[*]}, HAProxy $HAPROXY_PORT (haproxyN) and
$HAPROXY1_PORT (haproxy1), nginx $NGINX_PROXY_PORT, gateway $GATEWAY_PORT (admin $GATEWAY_ADMIN_PORT), gateway2 18082, 18083
(admin 19082, 19083), registry $REGISTRY_PORT, Hazelcast $HZ_PORT+; --sharing: no HAProxy or nginx proxy,
and gateways 18082-18085 (admin 19082-19085).
Results go to bench/results/<timestamp>/, and the summary to bench/results/<date>.md and .svg.
USAGE
}

die() { echo "compare.sh: $*" >&2; exit 2; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --rounds-other) ROUNDS_OTHER=${2:?}; shift 2 ;;
    --duration) DURATION=${2:?}; shift 2 ;;
    --warmup) WARMUP=${2:?}; shift 2 ;;
    --warmup-jvm) WARMUP_JVM=${2:?}; shift 2 ;;
    --warmup-max) WARMUP_MAX=${2:?}; shift 2 ;;
    --connections) CONNECTIONS=${2:?}; shift 2 ;;
    --threads) THREADS=${2:?}; shift 2 ;;
    --only) ONLY=${2:?}; ONLY_SET=1; shift 2 ;;
    --algorithms) ALGORITHMS=${2:?}; shift 2 ;;
    --sharing) SHARING=1; shift ;;
    --backends) BACKENDS=${2:?}; shift 2 ;;
    --gateway-wait) GATEWAY_WAIT=${2:?}; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --no-publish) PUBLISH=0; shift ;;
    --keep-tmp) KEEP_TMP=1; shift ;;
    --*=*) set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
# Defaults that differ by mode: the matrix is large, so its runs are shorter.
if [ "$SHARING" = 1 ]; then
  : "${ROUNDS:=3}" "${DURATION:=10s}" "${CONNECTIONS:=64,256}"
  PUBLISH=0
else
  : "${ROUNDS:=3}" "${ROUNDS_OTHER:=2}" "${DURATION:=8s}" "${CONNECTIONS:=64,256,1000}"
fi

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
[ "$SHARING" = 1 ] || [[ "$ROUNDS_OTHER" =~ ^[1-9][0-9]*$ ]] || die "--rounds-other must be a positive integer"
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
  ALGS=(lc)
else
  ALGS=()
  IFS=, read -r -a alg_list <<<"$ALGORITHMS"
  for a in "${alg_list[@]}"; do
    case "$a" in
      rr|lc|sticky) [[ " ${ALGS[*]-} " == *" $a "* ]] || ALGS+=("$a") ;;
      *) die "--algorithms: unknown algorithm '$a' (use rr, lc, sticky)" ;;
    esac
  done
  [ ${#ALGS[@]} -gt 0 ] || die "--algorithms names no algorithm"
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
    [ "$t" = haproxy ] && t=haproxyN   # the name of the one HAProxy of earlier versions
    case "$t" in
      direct|haproxy1|haproxyN|nginx|gateway|gateway2) [[ " ${TARGETS[*]-} " == *" $t "* ]] || TARGETS+=("$t") ;;
      *) die "--only: unknown target '$t' (use direct, haproxy1, haproxyN, nginx, gateway, gateway2)" ;;
    esac
  fi
done
[ ${#TARGETS[@]} -gt 0 ] || die "--only names no target"
if [[ " ${TARGETS[*]} " == *" gateway2 "* ]] && [ $((THREADS % 2)) -ne 0 ]; then
  die "gateway2 splits wrk's threads (and with them its connections) evenly over two gateways: use an even --threads"
fi
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
  for name in wrk wrk2 "${SHARING_GW_ORDER[@]}" registry haproxy1 haproxyN nginx-proxy nginx java-backends; do
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
  if { has_target haproxy1 || has_target haproxyN; } && ! command -v haproxy >/dev/null; then
    missing+=(haproxy); pkgs+=(haproxy)
  fi
  if { [ "$BACKENDS" = nginx ] || has_target nginx; } && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
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
# The gateway JVMs behind a target, and the ports of one of them. The default run's gateway is
# --sharing's s1 (sharing off, all cores' event loops), its gateway2 the s2 pair (sharing on).
target_gateways() {
  case "$1" in
    s1|gateway) echo gw-s1 ;;
    s2|gateway2) echo gw-s2-1 gw-s2-2 ;;
    s2off) echo gw-s2off-1 gw-s2off-2 ;;
  esac
}
is_gateway_target() { [ -n "$(target_gateways "$1")" ]; }
# The rounds of an algorithm: --rounds for rr (and --sharing), --rounds-other for lc and sticky.
rounds_of() { if [ "$SHARING" = 1 ] || [ "$1" = rr ]; then echo "$ROUNDS"; else echo "$ROUNDS_OTHER"; fi; }
# The targets measured with an algorithm: direct has no balancing, so it runs with rr only.
targets_of() {
  local t out=""
  for t in "${TARGETS[@]}"; do
    if [ "$t" = direct ] && [ "$1" != rr ]; then continue; fi
    out="$out $t"
  done
  echo "${out# }"
}
gw_port() { local p; read -r -a p <<<"${SHARING_GW_PORTS[$1]}"; echo "${p[0]}"; }
gw_admin_port() { local p; read -r -a p <<<"${SHARING_GW_PORTS[$1]}"; echo "${p[1]}"; }
child_pids() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' | tr '\n' ' '; }
proxy_pids() {  # the proxy processes of a target: the HAProxy, the nginx master and workers, the gateway JVM(s)
  local g out=""
  case "$1" in
    haproxy1|haproxyN) echo "${PIDS[$1]}" ;;
    nginx) echo "${PIDS[nginx-proxy]} $(child_pids "${PIDS[nginx-proxy]}")" ;;
    gateway|gateway2|s1|s2|s2off)
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
# The URL(s) of a target for an algorithm, separated by spaces: two for s2 and s2off (one wrk
# each) and for gateway2 (one wrk whose threads alternate between them). Every proxy routes the
# path /<algorithm>/ to a pool (HAProxy backend, nginx upstream, gateway pool) of that algorithm;
# --sharing has only pool default, at /.
target_url() {  # target [algorithm]
  local g out="" path=/
  [ "$SHARING" = 1 ] || path="/${2:-rr}/"
  case "$1" in
    direct) echo "http://127.0.0.1:${BACKEND_PORTS[0]}$path" ;;
    haproxyN) echo "http://127.0.0.1:$HAPROXY_PORT$path" ;;
    haproxy1) echo "http://127.0.0.1:$HAPROXY1_PORT$path" ;;
    nginx) echo "http://127.0.0.1:$NGINX_PROXY_PORT$path" ;;
    gateway|gateway2|s1|s2|s2off)
      for g in $(target_gateways "$1"); do out="$out http://127.0.0.1:$(gw_port "$g")$path"; done
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
if [ "$BACKENDS" = nginx ] || has_target nginx; then find_nginx; fi

CMAX=${CONNS[0]}; for c in "${CONNS[@]}"; do [ "$c" -gt "$CMAX" ] && CMAX=$c; done
# wrk holds one descriptor per connection, a proxy two (client and backend), and the backends keep
# the other proxies' idle keep-alive connections too: raise the soft limit to the hard one, which
# every process started below inherits.
hard_nofile=$(ulimit -Hn)
if [ "$hard_nofile" = unlimited ]; then ulimit -n 65536 2>/dev/null || true; else ulimit -n "$hard_nofile" 2>/dev/null || true; fi
NOFILE=$(ulimit -n); [ "$NOFILE" = unlimited ] && NOFILE=65536
[ "$NOFILE" -ge $(( 2 * CMAX + 512 )) ] \
  || die "the open-files limit is $NOFILE (hard $hard_nofile), too low for $CMAX connections: a proxy needs two descriptors per connection; raise it to at least $(( 2 * CMAX + 512 ))"
# nginx: the backends' one worker, and each worker of the nginx proxy
NGINX_WORKER_CONNECTIONS=$(( NOFILE - 256 )); [ "$NGINX_WORKER_CONNECTIONS" -le 16384 ] || NGINX_WORKER_CONNECTIONS=16384

STAMP=$(date +%Y%m%d-%H%M%S)
RESULTS="$BENCH_DIR/results/$STAMP"
mkdir -p "$RESULTS/raw"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lbbench.XXXXXX")
CSV="$RESULTS/runs.csv"
# requests: wrk's count over the run; proxy_us_per_req: the proxy processes' CPU time (utime+stime)
# over the run divided by that count, in microseconds
CSV_HEAD="round,target,connections,rps,p50_ms,p99_ms,errors,backend_cpu_pct,proxy_cpu_pct,algorithm,requests,proxy_us_per_req"
if [ "$SHARING" = 1 ]; then
  # rps_1/rps_2: the req/s of each wrk of a pair; others_cpu_pct: the registry and the gateways not
  # under load meanwhile (idle, but they share the cores)
  echo "$CSV_HEAD,others_cpu_pct,rps_1,rps_2" >"$CSV"
else
  echo "$CSV_HEAD" >"$CSV"
fi

# The gateway JVMs the chosen targets need, in start order.
GWS=()
for g in "${SHARING_GW_ORDER[@]}"; do
  for t in "${TARGETS[@]}"; do
    if [[ " $(target_gateways "$t") " == *" $g "* ]]; then GWS+=("$g"); break; fi
  done
done

busy=()
gw_ports=()
for g in "${GWS[@]}"; do gw_ports+=("$(gw_port "$g")" "$(gw_admin_port "$g")"); done
for p in "${BACKEND_PORTS[@]}" $HAPROXY_PORT $HAPROXY1_PORT $NGINX_PROXY_PORT $REGISTRY_PORT "${gw_ports[@]}"; do
  port_busy "$p" && busy+=("$p")
done
[ ${#busy[@]} -eq 0 ] || die "ports already in use on 127.0.0.1: ${busy[*]} (another bench running?)"

NCPU=$(nproc)
# Each gateway of a pair gets half the event loops, so a pair has as many as the one gateway
PAIR_LOOPS=$(( NCPU / 2 )); [ "$PAIR_LOOPS" -ge 1 ] || PAIR_LOOPS=1
ROUNDS_DESC="$ROUNDS"
if [ "$SHARING" = 0 ]; then
  ROUNDS_DESC=""
  for a in "${ALGS[@]}"; do ROUNDS_DESC="$ROUNDS_DESC${ROUNDS_DESC:+, }$a $(rounds_of "$a")"; done
fi
{
  echo "date: $(date -Is)"
  echo "host: $(uname -srm), $NCPU cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/^MemTotal:/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) memory, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "args: rounds=$ROUNDS_DESC duration=$DURATION warmup=$WARMUP warmup-jvm=$WARMUP_JVM warmup-max=$WARMUP_MAX connections=$CONNECTIONS threads=$THREADS only=$ONLY algorithms=${ALGS[*]} backends=$BACKENDS"
  echo "open files: $NOFILE"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  if has_target haproxy1 || has_target haproxyN; then echo "haproxy: $(haproxy -v 2>&1 | head -1)"; fi
  if [ -n "$NGINX_BIN" ]; then echo "nginx: $("$NGINX_BIN" -v 2>&1 | head -1)"; fi
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
    echo "worker_rlimit_nofile $NOFILE;"
    echo "daemon off;"
    echo "pid $WORK/nginx.pid;"
    echo "error_log $WORK/nginx.log warn;"
    echo "events { worker_connections $NGINX_WORKER_CONNECTIONS; }"
    echo "http {"
    echo "  access_log off;"
    echo "  keepalive_requests 1000000;"
    echo "  keepalive_timeout 120s;"
    for d in client_body proxy fastcgi uwsgi scgi; do echo "  ${d}_temp_path $WORK/nginx-tmp/$d;"; done
    for p in "${BACKEND_PORTS[@]}"; do
      echo "  server {"
      echo "    listen 127.0.0.1:$p backlog=4096;"
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

# HAProxy: one process per nbthread setting. Each routes /rr/, /lc/ and /sticky/ to a backend of
# that algorithm over the same three servers.
haproxy_cfg() {  # port nbthread ("" = HAProxy's default, one thread per core it may run on)
  local i p
  cat <<CFG
global
$(if [ -n "$2" ]; then echo "    nbthread $2"; else echo "    # no nbthread: HAProxy starts one thread per core"; fi)
    maxconn $(( 2 * CMAX + 1024 ))
    # HAProxy closes idle backend connections once they pass 25% of its descriptors (maxsock,
    # from maxconn). At 1000 connections that meant a new backend connection for almost every
    # request (as many TCP accepts per second as requests, half the req/s, twice the CPU per
    # request); the other proxies keep theirs. Let idle connections use what the load needs.
    tune.pool-high-fd-ratio 90
    tune.pool-low-fd-ratio 80
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
    bind 127.0.0.1:$1
    # the same header work the gateway does (X-Forwarded-For/-Proto/-Host)
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    use_backend lc if { path_beg /lc/ }
    use_backend sticky if { path_beg /sticky/ }
    default_backend rr

backend rr
    balance roundrobin
$(i=1; for p in "${BACKEND_PORTS[@]}"; do echo "    server b$i 127.0.0.1:$p"; i=$((i + 1)); done)

backend lc
    balance leastconn
$(i=1; for p in "${BACKEND_PORTS[@]}"; do echo "    server b$i 127.0.0.1:$p"; i=$((i + 1)); done)

backend sticky
    # the first request goes round-robin and gets SERVERID=<server>; later ones go where it says
    balance roundrobin
    cookie SERVERID insert indirect nocache
$(i=1; for p in "${BACKEND_PORTS[@]}"; do echo "    server b$i 127.0.0.1:$p cookie b$i"; i=$((i + 1)); done)
CFG
}
start_haproxy() {  # target port nbthread
  local t=$1
  haproxy_cfg "$2" "$3" >"$WORK/$t.cfg"
  haproxy -c -q -f "$WORK/$t.cfg" || die "haproxy rejected $WORK/$t.cfg"
  haproxy -f "$WORK/$t.cfg" >"$WORK/$t.log" 2>&1 &
  PIDS[$t]=$!
  log "starting HAProxy $t on $2, nbthread ${3:-default (one per core)} (pid ${PIDS[$t]})"
  wait_200 "$(target_url "$t")" 15 "$t" || die "HAProxy $t did not answer 200 within 15s: $(tail -3 "$WORK/$t.log")"
}
if has_target haproxy1; then start_haproxy haproxy1 "$HAPROXY1_PORT" 1; fi
if has_target haproxyN; then start_haproxy haproxyN "$HAPROXY_PORT" ""; fi

# nginx as the reverse proxy: one worker per core, an upstream per algorithm with keep-alive
# connections to the backends. Open-source nginx has no sticky cookie (that is NGINX Plus'
# `sticky cookie`); its nearest equivalent is a consistent hash of a cookie the client sends.
if has_target nginx; then
  mkdir -p "$WORK/nginx-proxy-tmp"
  {
    echo "worker_processes auto;"
    echo "worker_rlimit_nofile $NOFILE;"
    echo "daemon off;"
    echo "pid $WORK/nginx-proxy.pid;"
    echo "error_log $WORK/nginx-proxy.log warn;"
    echo "events { worker_connections $NGINX_WORKER_CONNECTIONS; }"
    echo "http {"
    echo "  access_log off;"
    echo "  keepalive_requests 1000000;"
    echo "  keepalive_timeout 120s;"
    for d in client_body proxy fastcgi uwsgi scgi; do echo "  ${d}_temp_path $WORK/nginx-proxy-tmp/$d;"; done
    for a in rr lc sticky; do
      echo "  upstream $a {"
      case "$a" in
        lc) echo "    least_conn;" ;;
        sticky) echo "    hash \$cookie_$NGINX_STICKY_COOKIE consistent;" ;;
      esac
      for p in "${BACKEND_PORTS[@]}"; do echo "    server 127.0.0.1:$p;"; done
      echo "    keepalive 512;              # idle connections kept per worker"
      echo "    keepalive_requests 1000000;"
      echo "  }"
    done
    echo "  server {"
    echo "    listen 127.0.0.1:$NGINX_PROXY_PORT backlog=4096;"
    echo "    proxy_http_version 1.1;"
    echo "    proxy_set_header Connection \"\";"
    echo "    proxy_set_header Host \$http_host;"
    echo "    # the same header work the gateway does (X-Forwarded-For/-Proto/-Host)"
    echo "    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;"
    echo "    proxy_set_header X-Forwarded-Proto \$scheme;"
    echo "    proxy_set_header X-Forwarded-Host \$http_host;"
    for a in rr lc sticky; do echo "    location /$a/ { proxy_pass http://$a; }"; done
    echo "  }"
    echo "}"
  } >"$WORK/nginx-proxy.conf"
  "$NGINX_BIN" -t -q -c "$WORK/nginx-proxy.conf" -p "$WORK" -e "$WORK/nginx-proxy.log" \
    || die "nginx rejected $WORK/nginx-proxy.conf"
  # shellcheck disable=SC2094
  "$NGINX_BIN" -c "$WORK/nginx-proxy.conf" -p "$WORK" -e "$WORK/nginx-proxy.log" >>"$WORK/nginx-proxy.log" 2>&1 &
  PIDS[nginx-proxy]=$!
  log "starting nginx as the proxy on $NGINX_PROXY_PORT, worker_processes auto (pid ${PIDS[nginx-proxy]})"
  wait_200 "$(target_url nginx)" 15 nginx-proxy || die "the nginx proxy did not answer 200 within 15s: $(tail -3 "$WORK/nginx-proxy.log")"
fi

# Registry + gateways: one registry and every gateway JVM the targets need, in one Hazelcast
# cluster, started one after the other and kept up the whole run (idle while another target is
# measured), so no JVM is restarted or re-warmed between rounds.
GATEWAYS_FAILED=0
gateway_fail() {  # message [log]: --sharing fails; the default run goes on without the gateway targets
  echo
  if [ "$SHARING" = 1 ]; then log "--sharing failed: $1"; else log "SKIPPING the gateway cases: $1"; fi
  if [ -n "${2-}" ] && [ -f "$2" ]; then echo "  last lines of $(basename "$2"):"; tail -8 "$2" | cut -c1-200 | sed 's/^/    /'; fi
  echo
  if [ "$SHARING" = 1 ]; then echo "sharing failed: $1" >>"$RESULTS/env.txt"; exit 2; fi
  echo "gateway skipped: $1" >>"$RESULTS/env.txt"
  local g
  for g in "${GWS[@]}" registry; do
    if [ -n "${PIDS[$g]-}" ]; then stop_pid "$g" "${PIDS[$g]}" 10; unset "PIDS[$g]"; fi
  done
  drop_target gateway; drop_target gateway2
  GATEWAYS_FAILED=1
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
API_WHY=""
api_put() {  # path json: 0 on a 2xx, else 1 with the answer in API_WHY
  local code
  code=$(curl -s -o "$WORK/api.out" -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $REGISTRY_TOKEN" \
    -H "Content-Type: application/json" -X PUT "http://127.0.0.1:$REGISTRY_PORT/api/v1$1" -d "$2" || true)
  [[ "$code" == 20? ]] && return 0
  API_WHY="PUT $1 answered $code: $(head -c 300 "$WORK/api.out")"
  return 1
}
status_json() { curl -s --max-time 3 "http://127.0.0.1:$1/status" 2>/dev/null | tr -d ' \n\t' || true; }
json_peers() { grep -o '"peers":\[[^]]*\]' <<<"$1" | head -1 | sed 's/^"peers":\[//; s/\]$//; s/"//g'; }
json_interval() { grep -o '"shareIntervalMs":-\{0,1\}[0-9]*' <<<"$1" | head -1 | cut -d: -f2; }
# Checks that each gateway of a target shares (s2, gateway2: shareIntervalMs on and the other
# gateway of the pair in its "peers") or does not (s1, gateway, s2off: shareIntervalMs 0 and no
# peers). Prints what each /status said; returns 1 with the reason in SHARING_WHY if a gateway is
# not as it should be.
SHARING_WHY=""
check_sharing() {  # target wait-seconds
  local t=$1 deadline=$(( $(date +%s) + $2 )) g other js peers iv want_iv ok gws pair=0
  read -r -a gws <<<"$(target_gateways "$t")"
  case "$t" in s2|gateway2) pair=1 want_iv=$SHARE_INTERVAL_ON ;; *) want_iv=0 ;; esac
  while :; do
    ok=1 SHARING_WHY=""
    for g in "${gws[@]}"; do
      js=$(status_json "$(gw_admin_port "$g")")
      peers=$(json_peers "$js"); iv=$(json_interval "$js")
      if [ -z "$js" ] || [ -z "$iv" ]; then
        ok=0 SHARING_WHY="$g: no shareIntervalMs in http://127.0.0.1:$(gw_admin_port "$g")/status (${js:0:120})"
      elif [ "$iv" != "$want_iv" ]; then
        ok=0 SHARING_WHY="$g: shareIntervalMs is $iv, expected $want_iv"
      elif [ "$pair" = 1 ]; then
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
# The pools each gateway serves: --sharing has pool default with least-connections; the default
# run one pool per algorithm, each routed by its path prefix, as HAProxy and nginx do.
declare -A POOL_JSON=(
  [rr]='{"algorithm":"round-robin"}'
  [lc]='{"algorithm":"least-connections"}'
  [sticky]='{"algorithm":"round-robin","sticky":{"mode":"cookie"}}'
)
start_gateways() {
  local gw_jar=${GATEWAY_JAR:-$ROOT/gateway/target/gateway.jar}
  local reg_jar=${REGISTRY_JAR:-$ROOT/registry-service/target/registry-service.jar}
  [ -f "$gw_jar" ] || { gateway_fail "$gw_jar is missing (mvn -B -q -pl shared,gateway package -DskipTests)"; return; }
  [ -f "$reg_jar" ] || { gateway_fail "$reg_jar is missing (mvn -B -q -pl shared,registry-service package -DskipTests)"; return; }
  local t g i
  # Each gateway pre-touches its heap (-Xms512m by default) plus some 150 MB of JVM around it.
  local avail_mb need_mb
  avail_mb=$(awk '/^MemAvailable:/ { printf "%d", $2 / 1024 }' /proc/meminfo)
  need_mb=$(( ${#GWS[@]} * 700 + 400 ))
  if [ "${avail_mb:-0}" -lt "$need_mb" ]; then
    log "warning: ${#GWS[@]} gateway JVMs and a registry need about $need_mb MB, only ${avail_mb} MB available;" \
      "use --only to run fewer targets"
  fi
  local cluster="bench-$$" members="" hz
  for ((i = 0; i <= ${#GWS[@]}; i++)); do members="$members${members:+,}127.0.0.1:$((HZ_PORT + i))"; done
  start_registry "$cluster" "$members" "$reg_jar"
  log "starting registry (pid ${PIDS[registry]}), cluster $cluster; waiting up to ${GATEWAY_WAIT}s"
  wait_200 "http://127.0.0.1:$REGISTRY_PORT/health/ready" "$GATEWAY_WAIT" registry \
    || { gateway_fail "the registry was not ready on :$REGISTRY_PORT within ${GATEWAY_WAIT}s" "$WORK/registry.log"; return; }
  # One gateway after the other: five JVMs starting at once on 2 cores join the cluster slowly.
  local loops interval
  hz=$((HZ_PORT + 1))
  for g in "${GWS[@]}"; do
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
      || { gateway_fail "gateway $g was not ready on admin :$(gw_admin_port "$g") within ${GATEWAY_WAIT}s" "$WORK/$g.log"; return; }
    hz=$((hz + 1))
  done
  local pools=() pool p a
  if [ "$SHARING" = 1 ]; then
    api_put /pools/default '{"algorithm":"least-connections"}' || { gateway_fail "registering pool default: $API_WHY"; return; }
    pools=(default)
  else
    for a in rr lc sticky; do
      api_put "/pools/$a" "${POOL_JSON[$a]}" || { gateway_fail "registering pool $a: $API_WHY"; return; }
      api_put "/routes/$a" "{\"pathPrefix\":\"/$a/\",\"pool\":\"$a\"}" || { gateway_fail "registering route $a: $API_WHY"; return; }
      pools+=("$a")
    done
  fi
  for pool in "${pools[@]}"; do
    i=1
    for p in "${BACKEND_PORTS[@]}"; do
      api_put "/pools/$pool/servers/b$i" "{\"host\":\"127.0.0.1\",\"port\":$p}" \
        || { gateway_fail "registering server b$i of pool $pool: $API_WHY"; return; }
      i=$((i + 1))
    done
  done
  for g in "${GWS[@]}"; do
    for a in "${ALGS[@]}"; do
      local url="http://127.0.0.1:$(gw_port "$g")/"
      [ "$SHARING" = 1 ] || url="$url$a/"
      if ! wait_200 "$url" "$GATEWAY_WAIT" "$g"; then
        local why="no 200 from $url within ${GATEWAY_WAIT}s"
        port_busy "$(gw_port "$g")" || why="nothing listens on :$(gw_port "$g") (LB_HTTP_PORT)"
        gateway_fail "$why" "$WORK/$g.log"; return
      fi
    done
    if [ "$SHARING" = 1 ] && [[ "$(status_json "$(gw_admin_port "$g")")" != *'"algorithm":"least-connections"'* ]]; then
      gateway_fail "gateway $g's /status does not show pool default with least-connections"; return
    fi
  done
  log "gateways proxy to the backends: ${GWS[*]}; checking who shares"
  for t in "${TARGETS[@]}"; do
    is_gateway_target "$t" || continue
    check_sharing "$t" 15 || { gateway_fail "$t: $SHARING_WHY" "$WORK/$(target_gateways "$t" | cut -d' ' -f1).log"; return; }
  done
}
if [ ${#GWS[@]} -gt 0 ]; then start_gateways; fi
[ ${#TARGETS[@]} -gt 0 ] || die "no target left to measure"

# ---- check ---------------------------------------------------------------------------------
# Before any load: every target answers 200 on every algorithm's path; rr and lc spread over all
# three backends (X-Backend-Id); sticky keeps one cookie on one backend, on both gateways of
# gateway2 too (the stick table is shared), and spreads clients without a valid cookie. The cookie
# of each target is kept for the sticky runs: wrk sends it with every request, so every request is
# a stick-table hit.
declare -A COOKIE=()   # target -> the Cookie header value of its sticky runs
CHECK_N=30
sticky_cookie() {  # target: a cookie the proxy issued (HAProxy, gateway) or one nginx will hash
  local u
  case "$1" in
    nginx) echo "$NGINX_STICKY_COOKIE=bench-client-1" ;;
    *) read -r -a u <<<"$(target_url "$1" sticky)"
       curl -s --max-time 5 -D - -o /dev/null "${u[0]}" | tr -d '\r' \
         | awk 'tolower($1) == "set-cookie:" { sub(/;.*/, "", $2); print $2; exit }' ;;
  esac
}
# "<status> <X-Backend-Id>" per request, for CHECK_N requests cycling over the target's URLs, all
# with the given Cookie header value ("" for none, "@each" for a different unknown one each time)
probe() {  # target algorithm cookie
  local u args=() i
  read -r -a u <<<"$(target_url "$1" "$2")"
  for ((i = 0; i < CHECK_N; i++)); do
    [ "$i" -eq 0 ] || args+=(--next)
    args+=(-s --max-time 5 -w '\n@@ %{http_code} %header{x-backend-id}\n')
    case "$3" in
      "") ;;
      @each) args+=(-H "Cookie: ${COOKIE[$1]%%=*}=client-$i") ;;
      *) args+=(-H "Cookie: $3") ;;
    esac
    args+=("${u[$((i % ${#u[@]}))]}")
  done
  curl "${args[@]}" 2>/dev/null | awk '$1 == "@@" { print $2, ($3 == "" ? "-" : $3) }'
}
CHECK_WHY=""
check_answers() {  # what lines want-backends ("all", "one", "several")
  local n200 ids nids
  n200=$(awk '$1 == 200' <<<"$2" | wc -l)
  ids=$(awk '{ print $2 }' <<<"$2" | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')
  nids=$(awk '$1 == 200 { print $2 }' <<<"$2" | sort -u | wc -l)
  CHECK_WHY="$1: $n200/$CHECK_N x 200 from $nids backend(s): $ids"
  [ "$n200" -eq "$CHECK_N" ] || return 1
  case "$3" in
    all) [ "$nids" -eq ${#BACKEND_PORTS[@]} ] ;;
    one) [ "$nids" -eq 1 ] ;;
    several) [ "$nids" -ge 2 ] ;;
  esac
}
check_target() {  # target algorithm; dies with the reason when a check fails
  local t=$1 a=$2 lines
  if [ "$a" = sticky ]; then
    COOKIE[$t]=$(sticky_cookie "$t")
    [ -n "${COOKIE[$t]}" ] || die "check $t sticky: no Set-Cookie from $(target_url "$t" sticky)"
    lines=$(probe "$t" sticky "${COOKIE[$t]}")
    check_answers "$t sticky, cookie ${COOKIE[$t]:0:40}" "$lines" one || die "check failed, $CHECK_WHY"
    log "  check $CHECK_WHY"
    lines=$(probe "$t" sticky @each)
    check_answers "$t sticky, a new unknown cookie each time" "$lines" several || die "check failed, $CHECK_WHY"
  elif [ "$t" = direct ]; then
    lines=$(probe "$t" "$a" "")
    check_answers "$t $a" "$lines" one || die "check failed, $CHECK_WHY"
  else
    lines=$(probe "$t" "$a" "")
    check_answers "$t $a" "$lines" all || die "check failed, $CHECK_WHY"
  fi
  log "  check $CHECK_WHY"
}
log "checking every target and algorithm ($CHECK_N requests each)"
for a in "${ALGS[@]}"; do
  for t in $(targets_of "$a"); do check_target "$t" "$a"; done
done

# ---- measure -------------------------------------------------------------------------------
DUR_S=$(seconds_of "$DURATION")
WARM_S=$(seconds_of "$WARMUP")
WARMUP_MAX_S=$(seconds_of "$WARMUP_MAX")
WARMUP_JVM_S=$(seconds_of "$WARMUP_JVM")

# gateway2: one wrk whose threads alternate between the two gateways (thread 1 on the first,
# thread 2 on the second, ...). Each thread opens -c/-t connections, so the load splits evenly, and
# wrk merges all threads into one latency histogram: the pair's p99 is a real p99, measured the
# same way as every other target's. setup() runs once per thread; no Lua runs per request.
if has_target gateway2; then
  read -r -a pair <<<"$(target_gateways gateway2)"
  cat >"$WORK/split.lua" <<LUA
local ports = { "$(gw_port "${pair[0]}")", "$(gw_port "${pair[1]}")" }
local n = 0
function setup(thread)
  n = n + 1
  thread.addr = wrk.lookup("127.0.0.1", ports[(n - 1) % #ports + 1])[1]
end
LUA
fi

WRK_OUTS=()   # the output file(s) of the last run_wrk
run_wrk() {  # target algorithm connections duration-seconds outfile -> runs wrk, bounded by timeout
  local urls extra=()
  read -r -a urls <<<"$(target_url "$1" "$2")"
  if [ "$2" = sticky ] && [ -n "${COOKIE[$1]-}" ]; then extra+=(-H "Cookie: ${COOKIE[$1]}"); fi
  if [ "$1" = gateway2 ]; then extra+=(-s "$WORK/split.lua"); urls=("${urls[0]}"); fi
  # In the background with a wait, so that a signal to this script runs its trap at once (bash
  # defers traps until a foreground child ends); --foreground keeps wrk in our process group, so
  # Ctrl-C reaches it too. cleanup stops it by its PID.
  if [ ${#urls[@]} -eq 1 ]; then
    WRK_OUTS=("$5")
    timeout --foreground --signal=INT --kill-after=5 $(( $4 + 30 )) \
      wrk -t"$THREADS" -c"$3" -d"$4s" --timeout 5s --latency "${extra[@]}" "${urls[0]}" >"$5" 2>&1 &
    PIDS[wrk]=$!
    wait "${PIDS[wrk]}" || true
    unset 'PIDS[wrk]'
    return
  fi
  # Two gateways (--sharing s2, s2off): two wrk processes started together, one per gateway, for the
  # same duration, splitting the connections and the threads of the one wrk of s1 between them.
  local c1=$(( ($3 + 1) / 2 )) c2=$(( $3 / 2 )) t1=$(( (THREADS + 1) / 2 )) t2=$(( THREADS / 2 ))
  [ "$t2" -ge 1 ] || t2=1
  [ "$t1" -le "$c1" ] || t1=$c1
  [ "$t2" -le "$c2" ] || t2=$c2
  WRK_OUTS=("${5%.txt}-gw1.txt" "${5%.txt}-gw2.txt")
  timeout --foreground --signal=INT --kill-after=5 $(( $4 + 30 )) \
    wrk -t"$t1" -c"$c1" -d"$4s" --timeout 5s --latency "${urls[0]}" >"${WRK_OUTS[0]}" 2>&1 &
  PIDS[wrk]=$!
  timeout --foreground --signal=INT --kill-after=5 $(( $4 + 30 )) \
    wrk -t"$t2" -c"$c2" -d"$4s" --timeout 5s --latency "${urls[1]}" >"${WRK_OUTS[1]}" 2>&1 &
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

measure() {  # round algorithm target connections
  local r=$1 a=$2 t=$3 c=$4 out rps p50 p99 errs reqs us b0 b1 x0 x1 o0 o1 t0 t1 bpids xpids opids bcpu xcpu ocpu parts=""
  if [ "$SHARING" = 1 ]; then out="$RESULTS/raw/r$r-$t-c$c.txt"; else out="$RESULTS/raw/r$r-$a-$t-c$c.txt"; fi
  bpids=$(backend_pids); xpids=$(proxy_pids "$t"); opids=""
  if [ "$SHARING" = 1 ]; then opids=$(other_pids "$t"); fi
  # The pid lists are split into one pid per word, on purpose.
  # shellcheck disable=SC2086
  { b0=$(cpu_ticks $bpids); x0=$(cpu_ticks $xpids); o0=$(cpu_ticks $opids); t0=$(date +%s%N); }
  run_wrk "$t" "$a" "$c" "$DUR_S" "$out"
  # shellcheck disable=SC2086
  { b1=$(cpu_ticks $bpids); x1=$(cpu_ticks $xpids); o1=$(cpu_ticks $opids); t1=$(date +%s%N); }
  bcpu=$(awk -v d=$((b1 - b0)) -v hz="$CLK_TCK" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", 100 * d / hz / (ns / 1e9) }')
  # Two wrk processes (s2, s2off): req/s, requests and errors are summed, p50 and p99 are the worse of the two.
  rps=$(wrk_rps)
  p50=$(wrk_pct 50%)
  p99=$(wrk_pct 99%)
  reqs=$(awk '$2 == "requests" && $3 == "in" { n += $1 } END { print n + 0 }' "${WRK_OUTS[@]}")
  errs=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
              /Socket errors:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i + 0 }
              END { print n + 0 }' "${WRK_OUTS[@]}")
  # CPU per request: the proxy's utime+stime over the run (all its threads, all its processes)
  # divided by the requests wrk counted; the run's edges (wrk connecting, closing) are included.
  xcpu="" us=""
  if [ -n "$xpids" ]; then
    xcpu=$(awk -v d=$((x1 - x0)) -v hz="$CLK_TCK" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", 100 * d / hz / (ns / 1e9) }')
    [ "$reqs" -gt 0 ] && us=$(awk -v d=$((x1 - x0)) -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN { printf "%.1f", d / hz * 1e6 / n }')
  fi
  [ -n "$rps" ] || { rps=nan; log "  wrk gave no result for $t $a c=$c: $(tail -q -n 2 "${WRK_OUTS[@]}" | tr '\n' ' ')"; }
  if [ "$SHARING" = 1 ]; then
    ocpu=$(awk -v d=$((o1 - o0)) -v hz="$CLK_TCK" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", 100 * d / hz / (ns / 1e9) }')
    local r1="" r2=""
    if [ ${#WRK_OUTS[@]} -eq 2 ]; then
      r1=$(awk '/^Requests\/sec:/ { print $2 }' "${WRK_OUTS[0]}")
      r2=$(awk '/^Requests\/sec:/ { print $2 }' "${WRK_OUTS[1]}")
      parts="  (${r1:-?} + ${r2:-?})"
    fi
    echo "$r,$t,$c,$rps,$p50,$p99,$errs,$bcpu,$xcpu,$a,$reqs,$us,$ocpu,$r1,$r2" >>"$CSV"
    printf '  round %d  %-8s c=%-4s %10s req/s  p50 %8s ms  p99 %8s ms  errors %s  cpu backend %s%%  gateways %s%%  others %s%%%s\n' \
      "$r" "$t" "$c" "$rps" "$p50" "$p99" "$errs" "$bcpu" "$xcpu" "$ocpu" "$parts"
  else
    echo "$r,$t,$c,$rps,$p50,$p99,$errs,$bcpu,$xcpu,$a,$reqs,$us" >>"$CSV"
    printf '  round %d  %-6s %-8s c=%-4s %9s req/s  p50 %7s ms  p99 %8s ms  errors %s  cpu backend %s%%%s\n' \
      "$r" "$a" "$t" "$c" "$rps" "$p50" "$p99" "$errs" "$bcpu" "${xcpu:+  proxy $xcpu% ${us}us/req}"
  fi
  sleep 1   # let sockets close and the CPU settle before the next target
}

# The gateways are JVMs; with --backends java every target ends on a JVM that needs warming too.
is_jvm_target() { is_gateway_target "$1" || [ "$BACKENDS" = java ]; }

if [ "$WARM_S" -gt 0 ]; then
  for t in "${TARGETS[@]}"; do
    # One run for nginx and HAProxy. A JVM is still compiling its hot path after 5 s: on 2 busy
    # cores the gateway ran 3000, 4400, 5400, then 12000 req/s in successive 5 s runs, and it can
    # sit on a plateau (2800, 2900) before C2 kicks in. So a JVM target runs at least --warmup-jvm,
    # then until a run no longer gains more than 10% over the one before, within --warmup-max, on
    # the first algorithm; then one run on each other algorithm, whose code paths differ a little.
    k=1 prev=0 spent=0 seen="" a0=${ALGS[0]}
    [ "$t" = direct ] && a0=rr
    while :; do
      f="$RESULTS/raw/warmup-$t-$k.txt"
      run_wrk "$t" "$a0" "$CMAX" "$WARM_S" "$f"
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
    if is_jvm_target "$t" && [ "$t" != direct ]; then
      for a in "${ALGS[@]}"; do
        [ "$a" = "$a0" ] && continue
        run_wrk "$t" "$a" "$CMAX" "$WARM_S" "$RESULTS/raw/warmup-$t-$a.txt"
        spent=$((spent + WARM_S))
        cur=$(wrk_rps); seen="$seen $a:$(awk -v v="${cur:-0}" 'BEGIN { printf "%.0f", v }')"
        sleep 1
      done
    fi
    log "warm-up: $t, ${spent}s at c=$CMAX (not counted), req/s per ${WARM_S}s run:$seen"
  done
fi

MAX_ROUNDS=0
for a in "${ALGS[@]}"; do [ "$(rounds_of "$a")" -gt "$MAX_ROUNDS" ] && MAX_ROUNDS=$(rounds_of "$a"); done
for ((r = 1; r <= MAX_ROUNDS; r++)); do
  log "round $r of $MAX_ROUNDS"
  for a in "${ALGS[@]}"; do
    [ "$r" -le "$(rounds_of "$a")" ] || continue
    read -r -a ts <<<"$(targets_of "$a")"
    n=${#ts[@]}
    for c in "${CONNS[@]}"; do
      # Rotate the order each round (A B C, B C A, C A B) so no target always follows the same one.
      for ((k = 0; k < n; k++)); do
        measure "$r" "$a" "${ts[$(( (k + r - 1) % n ))]}" "$c"
      done
    done
  done
done

# The gateways must still share (s2, gateway2) or not (s1, gateway, s2off) after all that load; a
# pair that fell apart meanwhile (say, a cluster split under load) is reported with the table.
SHARING_AFTER=""
if [ ${#GWS[@]} -gt 0 ] && [ "$GATEWAYS_FAILED" = 0 ]; then
  log "checking again who shares, after the load"
  for t in "${TARGETS[@]}"; do
    is_gateway_target "$t" || continue
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
# awk helpers both summaries use: median(key) over the values add(key, v) collected (empty or nan skipped)
AWK_STATS='function median(key,   n, i, j, a, tmp) {
  n = cnt[key]; if (n == 0) return "nan"
  for (i = 1; i <= n; i++) a[i] = val[key, i]
  for (i = 2; i <= n; i++) { tmp = a[i]; for (j = i - 1; j >= 1 && a[j] > tmp; j--) a[j + 1] = a[j]; a[j + 1] = tmp }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(key, v) { if (v == "" || v == "nan") return; cnt[key]++; val[key, cnt[key]] = v + 0 }
'
if [ "$SHARING" = 1 ]; then
# ratio lines: label:metric:numerator:denominator, separated by |
report_targets="s1 s2 s2off"
report_ratios="s2/s1 req/s (the issue's number):rps:s2:s1|s2/s2off req/s (the cost of sharing):rps:s2:s2off"
report_ratios="$report_ratios|s2off/s1 req/s (two JVMs, no sharing):rps:s2off:s1|s2/s1 p99 (lower is better):p99:s2:s1"
report_ratios="$report_ratios|s2/s2off p99 (lower is better):p99:s2:s2off"
awk -F, -v targets="$report_targets" -v ratios="$report_ratios" -v sharing="$SHARING" -v conns="${CONNS[*]}" \
    -v rounds="$ROUNDS" -v backends="$BACKENDS" -v dur="$DURATION" -v cores="$NCPU" -v loops="$PAIR_LOOPS" \
    -v share_ms="$SHARE_INTERVAL_ON" -v threads="$THREADS" "$AWK_STATS"'
function ratio(a, b) { return (a == "nan" || b == "nan" || b == 0) ? "n/a" : sprintf("%.2f", a / b) }
function fmt(v, f) { return v == "nan" ? "-" : sprintf(f, v) }
NR == 1 { next }
{
  k = $2 SUBSEP $3
  add("rps" SUBSEP k, $4); add("p50" SUBSEP k, $5); add("p99" SUBSEP k, $6)
  add("bcpu" SUBSEP k, $8); add("xcpu" SUBSEP k, $9)
  if (sharing == 1) { add("ocpu" SUBSEP k, $13); add("rps1" SUBSEP k, $14); add("rps2" SUBSEP k, $15) }
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
else
# The default run: one cell per algorithm, target and connection count, with the medians over its
# rounds and the ratios to haproxy1 in the same cell (cells.csv); the text table, the Markdown
# summary and the chart are all written from those cells.
CELLS="$RESULTS/cells.csv"
awk -F, -v order="direct haproxy1 haproxyN nginx gateway gateway2" -v algs="${ALGS[*]}" -v conns="${CONNS[*]}" "$AWK_STATS"'
function ratio(a, b) { return (a == "nan" || b == "nan" || b == 0) ? "nan" : sprintf("%.2f", a / b) }
function num(v, f) { return v == "nan" ? "nan" : sprintf(f, v) }
NR == 1 { next }
{
  k = $10 SUBSEP $2 SUBSEP $3
  add("rps" SUBSEP k, $4); add("p50" SUBSEP k, $5); add("p99" SUBSEP k, $6)
  add("bcpu" SUBSEP k, $8); add("xcpu" SUBSEP k, $9); add("us" SUBSEP k, $12)
  errs[k] += $7; rounds[k]++
  if (!(k in lo) || $4 + 0 < lo[k]) lo[k] = $4 + 0
  if (!(k in hi) || $4 + 0 > hi[k]) hi[k] = $4 + 0
}
END {
  print "algorithm,target,connections,rounds,rps,rps_min,rps_max,rps_ratio,p50_ms,p99_ms,p99_ratio,errors,backend_cpu_pct,proxy_cpu_pct,proxy_us_per_req,us_ratio"
  na = split(algs, A, " "); nt = split(order, T, " "); nc = split(conns, C, " ")
  for (ai = 1; ai <= na; ai++) for (ci = 1; ci <= nc; ci++) {
    b = A[ai] SUBSEP "haproxy1" SUBSEP C[ci]
    brps = median("rps" SUBSEP b); bp99 = median("p99" SUBSEP b); bus = median("us" SUBSEP b)
    for (ti = 1; ti <= nt; ti++) {
      k = A[ai] SUBSEP T[ti] SUBSEP C[ci]
      if (!(k in rounds)) continue
      r = median("rps" SUBSEP k); p99 = median("p99" SUBSEP k); us = median("us" SUBSEP k)
      printf "%s,%s,%s,%d,%s,%.0f,%.0f,%s,%s,%s,%s,%d,%s,%s,%s,%s\n", A[ai], T[ti], C[ci], rounds[k],
        num(r, "%.0f"), lo[k], hi[k], ratio(r, brps), num(median("p50" SUBSEP k), "%.2f"), num(p99, "%.2f"),
        ratio(p99, bp99), errs[k], num(median("bcpu" SUBSEP k), "%.0f"), num(median("xcpu" SUBSEP k), "%.0f"),
        num(us, "%.1f"), ratio(us, bus)
    }
  }
}' "$CSV" >"$CELLS"

# The text table, printed at the end of the run.
awk -F, -v dur="$DURATION" -v cores="$NCPU" -v backends="$BACKENDS" -v rounds="$ROUNDS_DESC" '
function f(v, fm) { return v == "nan" || v == "" ? "-" : sprintf(fm, v) }
NR == 1 { next }
{
  if ($1 != alg) {
    alg = $1
    printf "\n%s\n", alg == "rr" ? "round-robin (rr)" : alg == "lc" ? "least-connections (lc)" : "sticky cookie (sticky)"
    printf "%-6s %-9s %6s %9s %15s %8s %9s %6s %8s %9s %7s %7s\n", "conns", "target", "x h1", "req/s", "min..max",
      "p50 ms", "p99 ms", "x h1", "us/req", "cpu proxy", "x h1", "errors"
  }
  printf "%-6s %-9s %6s %9s %15s %8s %9s %6s %8s %9s %7s %7d\n", $3, $2, f($8, "%.2f"), f($5, "%.0f"), $6 ".." $7,
    f($9, "%.2f"), f($10, "%.2f"), f($11, "%.2f"), f($15, "%.1f"), f($14, "%.0f%%"), f($16, "%.2f"), $12
}
BEGIN {
  printf "Medians over the rounds (%s) of %s each; backends: %s; %d cores shared by wrk, proxy and backends.\n", rounds, dur, backends, cores
  printf "x h1: the ratio to haproxy1 (HAProxy, nbthread 1) in the same cell: req/s (higher is better), p99 and\n"
  printf "CPU per request (lower is better). us/req: the proxy processes'"'"' CPU time over the run / requests.\n"
}' "$CELLS" >"$TABLE"
if [ -n "$SHARING_AFTER" ]; then echo "$SHARING_AFTER" >>"$TABLE"; fi
grep '^gateway skipped' "$RESULTS/env.txt" >>"$TABLE" || true

# bench/results/<date>.md and .svg, and latest.md and .svg: the summary users read.
write_svg() {  # cells.csv -> a grouped bar chart of req/s / haproxy1, one panel per algorithm
  awk -F, -v title="$1" '
  function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); return s }
  NR == 1 { next }
  $2 == "direct" || $2 == "haproxy1" { next }
  {
    if (!($1 in ai)) { ai[$1] = ++na; A[na] = $1 }
    if (!($3 in ci)) { ci[$3] = ++nc; C[nc] = $3 }
    if (!($2 in ti)) { ti[$2] = 1 }
    v[$1, $2, $3] = $8
    if ($8 != "nan" && $8 + 0 > vmax) vmax = $8 + 0
  }
  END {
    split("haproxyN nginx gateway gateway2", O, " ")
    color["haproxyN"] = "#4e79a7"; color["nginx"] = "#59a14f"; color["gateway"] = "#e15759"; color["gateway2"] = "#f28e2b"
    label["haproxyN"] = "haproxyN (nbthread auto)"; label["nginx"] = "nginx"; label["gateway"] = "gateway"
    label["gateway2"] = "gateway2 (two, clustered)"
    nt = 0; for (i = 1; i <= 4; i++) if (O[i] in ti) T[++nt] = O[i]
    if (na == 0 || nt == 0) exit
    ymax = vmax < 1.2 ? 1.2 : int(vmax * 5 + 1) / 5      # steps of 0.2 above the tallest bar
    bw = 11; gap = 12; gw = nt * bw + gap; pw = nc * gw + gap; left = 40; top = 46; ph = 150
    # the legend, one line, may be wider than the panels (about 6 px per character at 10 px)
    lw = 0; for (i = 1; i <= nt; i++) lw += 13 + length(label[T[i]]) * 6.0 + 14
    lw += 22 + length("HAProxy nbthread 1 = 1.0") * 6.0
    width = left + na * (pw + 16) + 4; if (left + lw + 8 > width) width = int(left + lw + 8)
    height = top + ph + 40
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"10\">\n", width, height, width, height
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
    printf "<text x=\"%d\" y=\"14\" font-size=\"12\" font-weight=\"bold\">%s</text>\n", left, esc(title)
    lx = left
    for (i = 1; i <= nt; i++) {
      printf "<rect x=\"%d\" y=\"22\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"31\">%s</text>\n", lx, color[T[i]], lx + 13, label[T[i]]
      lx += 13 + length(label[T[i]]) * 6.0 + 14
    }
    printf "<line x1=\"%d\" y1=\"27\" x2=\"%d\" y2=\"27\" stroke=\"#333\" stroke-dasharray=\"4,3\"/><text x=\"%d\" y=\"31\">HAProxy nbthread 1 = 1.0</text>\n", lx, lx + 18, lx + 22
    for (a = 1; a <= na; a++) {
      x0 = left + (a - 1) * (pw + 16)
      # axis, grid and the 1.0 line
      for (y = 0; y <= ymax + 0.001; y += (ymax > 2.4 ? 0.5 : 0.2)) {
        yy = top + ph - y / ymax * ph
        printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n", x0, yy, x0 + pw, yy
        if (a == 1) printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n", x0 - 4, yy + 3, y
      }
      for (c = 1; c <= nc; c++) for (i = 1; i <= nt; i++) {
        val = v[A[a], T[i], C[c]]
        if (val == "" || val == "nan") continue
        h = val / ymax * ph; bx = x0 + gap + (c - 1) * gw + (i - 1) * bw
        printf "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"><title>%s %s c=%s: %.2f</title></rect>\n", bx, top + ph - h, bw - 1, h, color[T[i]], A[a], T[i], C[c], val
      }
      y1 = top + ph - 1 / ymax * ph
      printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333\" stroke-dasharray=\"4,3\"/>\n", x0, y1, x0 + pw, y1
      printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", x0, top + ph, x0 + pw, top + ph
      for (c = 1; c <= nc; c++)
        printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">c=%s</text>\n", x0 + gap + (c - 1) * gw + nt * bw / 2, top + ph + 13, C[c]
      name = A[a] == "rr" ? "round-robin" : A[a] == "lc" ? "least-connections" : "sticky cookie"
      printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">%s</text>\n", x0 + pw / 2, top + ph + 30, name
    }
    print "</svg>"
  }' "$CELLS"
}
write_md() {  # the Markdown summary of this run
  local day=$1 a name
  env_line() { grep "^$1: " "$RESULTS/env.txt" | head -1 | cut -d' ' -f2-; }
  echo "# Benchmark, $day"
  echo
  echo "\`bench/compare.sh$RUN_ARGS\` at commit $(env_line commit): one interleaved run of $RUN_COUNT wrk runs,"
  echo "$RUN_MINUTES minutes in all. The chart shows each target's req/s as a share of HAProxy with one thread"
  echo "in the same cell (the dashed line): above 1 is faster."
  echo
  echo "![req/s relative to HAProxy nbthread 1, per algorithm and connection count]($day.svg)"
  echo
  echo "- **Machine**: $(env_line host | sed 's/, load average at start.*//'); load average $(env_line host | sed 's/.*load average at start: //') at the start, $LOAD_END at the end. It is shared with other work, so the absolute numbers are noise; compare the ratios, which are measured in the same minutes."
  echo "- **Versions**: $(env_line wrk | cut -d' ' -f1-2); $(env_line haproxy | cut -d' ' -f1-3); $(env_line nginx | sed 's/nginx version: //'); $(env_line java); the gateway from commit $(env_line commit)."
  echo "- **Layout**: everything on 127.0.0.1, nothing pinned: wrk (-t$THREADS), the backends and the proxy under test share the $NCPU cores (the other proxies sit idle meanwhile). Backends: $(if [ "$BACKENDS" = nginx ]; then echo "three ports of one nginx worker answering a small static JSON"; else echo "the project's demo-backend.jar"; fi)."
  echo "- **Targets**: \`direct\` wrk to one backend (rr table only); \`haproxy1\` HAProxy \`nbthread 1\`; \`haproxyN\` HAProxy with its default \`nbthread\` (one thread per core, $NCPU here); \`nginx\` nginx as the reverse proxy, \`worker_processes auto\`, \`keepalive 512\` upstreams; \`gateway\` one gateway, \`LB_EVENT_LOOPS=$NCPU\`, sharing off; \`gateway2\` two gateways in one cluster, \`LB_EVENT_LOOPS=$PAIR_LOOPS\` each, sharing in-flight counts every $SHARE_INTERVAL_ON ms, one wrk whose threads alternate between the two (half the connections each, one latency histogram). All do the same X-Forwarded-For/-Proto/-Host work, keep-alive both ways, no logging."
  echo "- **Algorithms**: \`rr\` round-robin; \`lc\` least-connections (HAProxy \`leastconn\`, nginx \`least_conn\`, gateway \`least-connections\` with cluster-wide counts); \`sticky\` a sticky cookie over round-robin: HAProxy \`cookie SERVERID insert indirect nocache\`, the gateway's \`sticky.mode: cookie\` (a signed key in the shared stick table), and for open-source nginx, which has no sticky cookie, its nearest equivalent \`hash \$cookie_$NGINX_STICKY_COOKIE consistent\`. wrk sends one cookie the proxy issued before the run (nginx: a fixed one) with every request, so every request is a stick-table hit (for gateway2 the cookie of the first gateway, used on both)."
  echo "- **Settings**: rounds $ROUNDS_DESC, $DURATION per wrk run, connection counts $CONNECTIONS, wrk \`--timeout 5s --latency\`; warm-up before round 1: $WARMUP per target, a gateway target at least $WARMUP_JVM and until steady (at most $WARMUP_MAX), at c=$CMAX. The order of the targets rotates from round to round."
  echo "- **Columns**: medians over the rounds. *÷ haproxy1* is the ratio to haproxy1 in the same algorithm and connection count (req/s: higher is better; p99 and CPU: lower is better). *CPU µs/req* is the proxy's CPU time (utime+stime of all its processes and threads, from /proc) over the run divided by the requests wrk counted. Errors are socket errors and non-2xx answers; a row with errors should not be trusted."
  [ -z "$SHARING_AFTER" ] || echo "- **$(echo "$SHARING_AFTER" | tr -d '\n')**"
  if grep -q '^gateway skipped' "$RESULTS/env.txt"; then echo "- **$(grep '^gateway skipped' "$RESULTS/env.txt")**"; fi
  for a in "${ALGS[@]}"; do
    case "$a" in rr) name="Round-robin (rr)" ;; lc) name="Least-connections (lc)" ;; *) name="Sticky cookie (sticky)" ;; esac
    echo
    echo "## $name, $(rounds_of "$a") round(s)"
    echo
    echo "| conns | target | req/s ÷ haproxy1 | req/s | min..max | p50 ms | p99 ms | p99 ÷ haproxy1 | CPU µs/req | CPU ÷ haproxy1 | errors |"
    echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    awk -F, -v a="$a" 'function f(v, fm) { return v == "nan" || v == "" ? "-" : sprintf(fm, v) }
      NR > 1 && $1 == a {
        b = ($2 == "gateway" || $2 == "gateway2") ? "**" : ""
        printf "| %s | %s | %s%s%s | %s | %s..%s | %s | %s | %s | %s | %s | %d |\n", $3, $2, b, f($8, "%.2f"), b, f($5, "%.0f"), $6, $7,
          f($9, "%.2f"), f($10, "%.2f"), f($11, "%.2f"), f($15, "%.1f"), f($16, "%.2f"), $12 }' "$CELLS"
  done
  echo
  echo "Raw outputs: \`bench/results/$STAMP/\` on the machine that ran it (not in git)."
}
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$PUBLISH" = 1 ]; then
  day=$(date +%F)
  RUN_MINUTES=$(awk -v s=$(( $(date +%s) - START_EPOCH )) 'BEGIN { printf "%.1f", s / 60 }')
  RUN_COUNT=$(( $(wc -l <"$CSV") - 1 ))
  write_md "$day" >"$BENCH_DIR/results/$day.md"
  write_svg "req/s relative to HAProxy nbthread 1 (dashed), $day, $NCPU cores shared" >"$BENCH_DIR/results/$day.svg"
  cp "$BENCH_DIR/results/$day.md" "$BENCH_DIR/results/latest.md"
  sed -i "s|]($day.svg)|](latest.svg)|" "$BENCH_DIR/results/latest.md"
  cp "$BENCH_DIR/results/$day.svg" "$BENCH_DIR/results/latest.svg"
  cp "$BENCH_DIR/results/$day.md" "$BENCH_DIR/results/$day.svg" "$RESULTS/"
fi
echo
cat "$TABLE"
echo
log "raw wrk outputs, runs.csv, table.txt, configs and logs: $RESULTS"
if [ "$PUBLISH" = 1 ]; then log "summary: $BENCH_DIR/results/$day.md and $day.svg (and latest.md, latest.svg)"; fi
