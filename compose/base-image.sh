#!/usr/bin/env bash
# Builds a stand-in for the eclipse-temurin:17-jre image from Debian packages, for machines that reach no
# image registry (CI here): Debian bookworm (minbase) with openjdk-17-jre-headless and curl, imported as
# eclipse-temurin:17-jre so the compose files stay exactly what a user runs. Does nothing when an image of
# that name is already there (the real one, or a stand-in from an earlier run). Needs root, debootstrap
# and a running Docker engine. About 70-120 s.
#
#   compose/base-image.sh            # build it unless present
#   compose/base-image.sh --force    # build it again
set -euo pipefail

IMAGE=${LB_BASE_IMAGE:-eclipse-temurin:17-jre}
MIRROR=${LB_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [[ ${1:-} != --force ]] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE is present"
  exit 0
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
