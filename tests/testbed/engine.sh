#!/usr/bin/env bash
# Make sure a Docker engine answers: install Debian's docker.io and start dockerd when needed.
set -euo pipefail
log=${STREAMOPS_CACHE:-$(cd "$(dirname "$0")/../.." && pwd)/.cache}/dockerd.log
if docker info >/dev/null 2>&1; then
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "engine: installing docker.io from Debian" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi
mkdir -p "$(dirname "$log")"
echo "engine: starting dockerd (log: $log)" >&2
nohup dockerd >"$log" 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "engine: ready" >&2
    exit 0
  fi
  sleep 1
done
echo "engine: dockerd did not answer within 60 s; see $log" >&2
exit 1
