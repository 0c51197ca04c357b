#!/usr/bin/env bash
# Package this machine's Debian OpenJDK 17 as a JDK tarball (+ .sha256) so scenarios can exercise the jdk role's
# archive install without downloading a JDK. The containers run the same Debian release, so it runs there.
set -euo pipefail
cache=${STREAMOPS_CACHE:-$(cd "$(dirname "$0")/../.." && pwd)/.cache}
out=$cache/artifacts/jdk-17-local.tgz
src=/usr/lib/jvm/java-17-openjdk-amd64
if [ -f "$out" ] && [ -f "$out.sha256" ] && (cd "${out%/*}" && sha256sum -c --status "${out##*/}.sha256"); then
  exit 0
fi
if [ ! -x "$src/bin/java" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless >/dev/null
fi
mkdir -p "${out%/*}"
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# Dereference Debian's links into /etc; leave out docs and sources (their links dangle in a minimal install).
tar -C "${src%/*}" --dereference --exclude="${src##*/}/legal" --exclude="${src##*/}/lib/src.zip" -czf "$tmp" "${src##*/}"
mv "$tmp" "$out"
(cd "${out%/*}" && sha256sum "${out##*/}" >"${out##*/}.sha256")
echo "jdk-archive: wrote $out" >&2
