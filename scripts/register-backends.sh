#!/bin/sh
# Registers demo backends in a pool through the registry API; used by the compose files' one-shot
# `register` service (any image with sh and curl), and usable by hand against any registry.
#
#   REGISTRY_URL   the registry, e.g. http://registry:9000 (default http://127.0.0.1:9000)
#   LB_ADMIN_TOKEN the admin token (required)
#   POOL           the pool (default "default")
#   BACKENDS       space-separated id=host:port:agentPort[:dc], e.g.
#                  "backend-7001=backends:7001:7101:dc1 backend-7002=backends:7002:7102:dc1"
#
# Idempotent, and respectful of later changes: the pool and each server are created only when missing
# (GET first), so a pool whose algorithm or a server whose weight/state was changed since keeps it.
set -eu

REGISTRY_URL=${REGISTRY_URL:-http://127.0.0.1:9000}
POOL=${POOL:-default}
: "${LB_ADMIN_TOKEN:?set LB_ADMIN_TOKEN}"
: "${BACKENDS:?set BACKENDS (id=host:port:agentPort[:dc] ...)}"
BODY=$(mktemp)
trap 'rm -f "$BODY"' EXIT

api() { # api METHOD PATH [JSON] -> prints the status code; the response body is in $BODY
  if [ $# -ge 3 ]; then
    curl -sS --max-time 10 -o "$BODY" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $LB_ADMIN_TOKEN" \
      -H 'Content-Type: application/json' --data "$3" "$REGISTRY_URL$2" || echo 000
  else
    curl -sS --max-time 10 -o "$BODY" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $LB_ADMIN_TOKEN" \
      "$REGISTRY_URL$2" || echo 000
  fi
}

ensure() { # ensure LABEL PATH JSON
  code=$(api GET "$2")
  case $code in
    200) echo "exists   $1"; return 0 ;;
    404) ;;
    *) echo "GET $2 answered $code: $(head -c 400 "$BODY")" >&2; exit 1 ;;
  esac
  code=$(api PUT "$2" "$3")
  case $code in
    200 | 201) echo "created  $1" ;;
    *) echo "PUT $2 answered $code: $(head -c 400 "$BODY")" >&2; exit 1 ;;
  esac
}

# The registry may still be warming up when this runs outside compose's health gating: wait up to 60 s.
i=0
until curl -fsS --max-time 2 -o /dev/null "$REGISTRY_URL/health/ready"; do
  i=$((i + 1))
  [ "$i" -le 60 ] || { echo "registry at $REGISTRY_URL is not ready after 60 s" >&2; exit 1; }
  sleep 1
done

ensure "pool $POOL" "/api/v1/pools/$POOL" '{"healthCheck":{"type":"http","path":"/health"}}'
for spec in $BACKENDS; do
  id=${spec%%=*}
  rest=${spec#*=}
  host=$(echo "$rest" | cut -d: -f1)
  port=$(echo "$rest" | cut -d: -f2)
  agent=$(echo "$rest" | cut -d: -f3)
  dc=$(echo "$rest" | cut -s -d: -f4)
  json="{\"host\":\"$host\",\"port\":$port"
  [ -n "$agent" ] && json="$json,\"agentPort\":$agent"
  [ -n "$dc" ] && json="$json,\"dc\":\"$dc\""
  ensure "server $id ($host:$port${dc:+, $dc})" "/api/v1/pools/$POOL/servers/$id" "$json}"
done
echo "backends registered in pool '$POOL' at $REGISTRY_URL"
