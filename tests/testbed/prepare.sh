#!/usr/bin/env bash
# Everything a scenario needs before molecule runs: a Docker engine, the base image (BASE_SUITE, BASE_EXTRA) and the
# Kafka (and ZooKeeper) distributions it names in molecule/<scenario>/testbed.env. Each step is cached.
set -euo pipefail
scenario=${1:?usage: prepare.sh SCENARIO}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
env_file="$repo/molecule/$scenario/testbed.env"
[ -f "$env_file" ] || { echo "prepare: no $env_file" >&2; exit 2; }
BASE_SUITE=bookworm
BASE_EXTRA=""
KAFKA_VERSIONS=""
ZOOKEEPER_VERSIONS=""
JDK_ARCHIVE=0
METRICS_EXPORTER=0
# shellcheck source=/dev/null
. "$env_file"
export STREAMOPS_CACHE=${STREAMOPS_CACHE:-$repo/.cache}
mkdir -p "$STREAMOPS_CACHE"
bash "$here/engine.sh"
# The key Ansible and testinfra log in with (see ssh-proxy.sh); test bed only, never leaves this machine.
if ! command -v ssh-keygen >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-client >/dev/null
fi
if [ ! -s "$STREAMOPS_CACHE/ssh/id_ed25519" ]; then
  mkdir -p -m 0700 "$STREAMOPS_CACHE/ssh"
  ssh-keygen -q -t ed25519 -N '' -C streamops-testbed -f "$STREAMOPS_CACHE/ssh/id_ed25519"
fi
bash "$here/base-image.sh" "$BASE_SUITE" $BASE_EXTRA >/dev/null
if [ "$JDK_ARCHIVE" = 1 ]; then
  bash "$here/jdk-archive.sh"
fi
if [ "$METRICS_EXPORTER" = 1 ]; then
  bash "$here/metrics-exporter.sh"
fi
if [ -n "$KAFKA_VERSIONS" ]; then
  # shellcheck disable=SC2086
  bash "$here/kafka-dist.sh" $KAFKA_VERSIONS
fi
if [ -n "$ZOOKEEPER_VERSIONS" ]; then
  # shellcheck disable=SC2086
  bash "$here/zookeeper-dist.sh" $ZOOKEEPER_VERSIONS
fi
