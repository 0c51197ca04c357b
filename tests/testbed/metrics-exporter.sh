#!/usr/bin/env bash
# The Prometheus JMX exporter's agent jar for the scenarios that turn metrics on (METRICS_EXPORTER=1 in testbed.env),
# from Maven Central into $STREAMOPS_CACHE/artifacts, checked against the SHA-1 Central publishes and against the
# SHA-256 the metrics_exporter role pins for its default version (the scenarios copy it with metrics_exporter_src).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${STREAMOPS_CACHE:-$repo/.cache}
central=${MAVEN_CENTRAL_URL:-https://repo1.maven.org/maven2}
version=$(sed -n 's/^metrics_exporter_version: *//p' "$repo/roles/metrics_exporter/defaults/main.yml")
pinned=$(sed -n "s/^  $version: sha256://p" "$repo/roles/metrics_exporter/vars/main.yml")
[ -n "$version" ] && [ -n "$pinned" ] || { echo "metrics-exporter: no default version or pinned SHA-256 in the role" >&2; exit 1; }
jar=jmx_prometheus_javaagent-$version.jar
dest=$cache/artifacts/$jar
mkdir -p "$cache/artifacts"
if [ -f "$dest" ] && echo "$pinned  $dest" | sha256sum --status -c -; then
  echo "metrics-exporter: cached and verified: $dest" >&2
  exit 0
fi
url=$central/io/prometheus/jmx/jmx_prometheus_javaagent/$version/$jar
tmp=$(mktemp "$cache/artifacts/.$jar.XXXXXX")
trap 'rm -f "$tmp"' EXIT
curl -fsSL --retry 3 -o "$tmp" "$url"
sha1=$(curl -fsSL --retry 3 "$url.sha1" | cut -c1-40)
echo "$sha1  $tmp" | sha1sum --status -c - || { echo "metrics-exporter: $url does not match its .sha1" >&2; exit 1; }
echo "$pinned  $tmp" | sha256sum --status -c - || { echo "metrics-exporter: $url does not match the role's pinned SHA-256" >&2; exit 1; }
chmod 0644 "$tmp"
mv -f "$tmp" "$dest"
trap - EXIT
echo "metrics-exporter: $dest" >&2
