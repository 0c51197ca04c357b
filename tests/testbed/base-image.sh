#!/usr/bin/env bash
# Build a Debian systemd base image with debootstrap + docker import (no registry is reachable).
# Usage: base-image.sh [SUITE [EXTRA]]   (default bookworm); prints the image name. Cached: skips when present.
# EXTRA "jdk17" builds streamops-kafka/debian:SUITE-jdk17 on top, with Debian's OpenJDK 17 package installed: the
# scenarios that do not test the jdk role's install (kraft and upgrade-zk do, kraft-dedicated its archive install)
# skip the six JVM-starting dpkg runs (about 30 s of a 6-node converge on 2 cores); their jdk role finds it installed.
set -euo pipefail
suite=${1:-bookworm}
extra=${2:-}
image="streamops-kafka/debian:${suite}"
cache=${STREAMOPS_CACHE:-$(cd "$(dirname "$0")/../.." && pwd)/.cache}
# An image built by another version of this script is rebuilt: the label records the script's own digest.
recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
current() {
  [ "$(docker image inspect -f '{{ index .Config.Labels "org.streamops.recipe" }}' "$1" 2>/dev/null)" = "$recipe" ]
}
if [ -n "$extra" ]; then
  case "$extra" in
    jdk17) packages="openjdk-17-jre-headless" ;;
    *) echo "base-image: unknown extra '$extra' (known: jdk17)" >&2; exit 2 ;;
  esac
  derived="$image-$extra"
  if current "$derived"; then
    echo "$derived"
    exit 0
  fi
  bash "${BASH_SOURCE[0]}" "$suite" >/dev/null
  builder="streamops-image-build-$suite-$extra"
  docker rm -f "$builder" >/dev/null 2>&1 || true
  trap 'docker rm -f "$builder" >/dev/null 2>&1 || true' EXIT
  echo "base-image: installing $packages into $derived" >&2
  docker run --name "$builder" "$image" bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends $packages >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/*" \
    >"$cache/base-image-$suite-$extra.log" 2>&1 \
    || { echo "base-image: installing $packages failed, see $cache/base-image-$suite-$extra.log" >&2; exit 1; }
  docker commit -c 'CMD ["/sbin/init"]' -c "LABEL org.streamops.recipe=$recipe" "$builder" "$derived" >/dev/null
  echo "$derived"
  exit 0
fi
if current "$image"; then
  echo "$image"
  exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
rootfs=$(mktemp -d "${TMPDIR:-/tmp}/streamops-rootfs.XXXXXX")
trap 'rm -rf "$rootfs"' EXIT
echo "base-image: debootstrap $suite into $rootfs" >&2
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,python3,python3-apt,procps,iproute2,ca-certificates,netcat-openbsd,less,openssh-server \
  "$suite" "$rootfs" http://deb.debian.org/debian >"$cache/debootstrap-$suite.log" 2>&1 \
  || { echo "base-image: debootstrap failed, see $cache/debootstrap-$suite.log" >&2; exit 1; }
# A container has no consoles or udev to wait for; masking them keeps boot fast and quiet.
# No sshd daemon either: Ansible reaches a container through tests/testbed/ssh-proxy.sh, which starts one sshd per
# connection over `docker exec` (the image keeps the host keys openssh-server generated).
for unit in getty@tty1.service console-getty.service systemd-udevd.service systemd-udev-trigger.service \
            systemd-logind.service systemd-remount-fs.service sys-kernel-debug.mount ssh.service ssh.socket; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
rm -f "$rootfs"/etc/machine-id && touch "$rootfs/etc/machine-id"
apt-get clean -o RootDir="$rootfs" >/dev/null 2>&1 || true
rm -rf "$rootfs"/var/cache/apt/archives/*.deb
tar -C "$rootfs" -c . | docker import -c 'CMD ["/sbin/init"]' -c "LABEL org.streamops.recipe=$recipe" - "$image" >/dev/null
echo "$image"
