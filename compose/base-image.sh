#!/usr/bin/env bash
# Builds stand-ins for the images the compose files use, from Debian packages, for machines that reach no
# image registry (CI here), under the names the compose files give, so the files stay exactly what a user
# runs:
#   eclipse-temurin:17-jre  Debian bookworm (minbase) with openjdk-17-jre-headless and curl (debootstrap,
#                           then docker import; needs root and debootstrap; about 90 s)
#   prom/prometheus         that image plus Debian's prometheus package, entrypoint /usr/bin/prometheus
#                           (docker build FROM the first; about 30 s)
# An image already there (the real one, or a stand-in from an earlier run) is kept.
#
#   compose/base-image.sh                       # both, unless present
#   compose/base-image.sh --force temurin       # rebuild one
set -euo pipefail

IMAGE=eclipse-temurin:17-jre
PROM_IMAGE=prom/prometheus
MIRROR=${LB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
FORCE=0
[[ ${1:-} == --force ]] && { FORCE=1; shift; }
WANT=("$@")
(( ${#WANT[@]} )) || WANT=(temurin prometheus)

present() { (( ! FORCE )) && docker image inspect "$1" >/dev/null 2>&1; }

build_prometheus() {
  if present "$PROM_IMAGE"; then echo "image $PROM_IMAGE is present"; return 0; fi
  local started=$(date +%s)
  docker build -q -t "$PROM_IMAGE" - >/dev/null <<DOCKERFILE || { echo "base-image.sh: building $PROM_IMAGE failed" >&2; exit 1; }
FROM $IMAGE
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus \
 && apt-get clean && rm -rf /var/lib/apt/lists/* && mkdir -p /prometheus && chown nobody:nogroup /prometheus
LABEL lbmesh.standin=prom-prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
DOCKERFILE
  echo "image $PROM_IMAGE built from Debian's prometheus package in $(( $(date +%s) - started )) s"
}

build_temurin() {
  if present "$IMAGE"; then
    echo "base image $IMAGE is present"
    return 0
  fi
  command -v debootstrap >/dev/null || { echo "base-image.sh: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
  [[ $(id -u) == 0 ]] || { echo "base-image.sh: debootstrap needs root" >&2; exit 1; }

  root=$(mktemp -d /tmp/lbmesh-rootfs.XXXXXX)
  cleanup() {
    for m in proc sys dev; do umount "$root/$m" 2>/dev/null || true; done
    rm -rf "$root"
}
trap cleanup EXIT

started=$(date +%s)
echo "debootstrap bookworm (minbase) into $root ..."
debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$root.log" 2>&1 || {
  tail -20 "$root.log" >&2; echo "base-image.sh: debootstrap failed (log $root.log)" >&2; exit 1; }
rm -f "$root.log"
# the host's apt settings (a package proxy or mirror, snapshot validity) reach the archive from the chroot too
cp -a /etc/apt/apt.conf.d/. "$root/etc/apt/apt.conf.d/" 2>/dev/null || true
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
echo "installing openjdk-17-jre-headless and curl in the chroot ..."
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
  'apt-get update -q && apt-get install -y -q --no-install-recommends openjdk-17-jre-headless curl ca-certificates \
   && apt-get clean && rm -rf /var/lib/apt/lists/*' >/tmp/lbmesh-rootfs-apt.log 2>&1 || {
  tail -20 /tmp/lbmesh-rootfs-apt.log >&2; echo "base-image.sh: apt-get in the chroot failed" >&2; exit 1; }
umount "$root/proc"
: >"$root/etc/resolv.conf"   # Docker writes the container's own

tar -C "$root" -c . | docker import \
  --change 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'LABEL lbmesh.standin=eclipse-temurin-17-jre' \
  - "$IMAGE" >/dev/null
echo "base image $IMAGE built from Debian packages in $(( $(date +%s) - started )) s"
}

for w in "${WANT[@]}"; do
  case $w in
    temurin) build_temurin ;;
    prometheus) build_temurin; build_prometheus ;;
    *) echo "base-image.sh: unknown image '$w' (temurin, prometheus)" >&2; exit 2 ;;
  esac
done
