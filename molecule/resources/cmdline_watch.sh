#!/usr/bin/env bash
# cmdline_watch.sh start DIR CONTAINER... | stop DIR
# Records every distinct process command line seen in each container (and on this test host) about every 0.2 s,
# into DIR/cmdlines-<name>.log, until stopped: the verify step greps them for passwords.
set -euo pipefail
action=$1 dir=$2
shift 2
# One ps per round, only lines not seen before.
sampler='while :; do ps -eo args= 2>/dev/null; sleep 0.2; done | awk '"'"'!seen[$0]++ { print; fflush() }'"'"
case $action in
  start)
    mkdir -p "$dir"
    : >"$dir/cmdline-watch.pids"
    for c in "$@"; do
      setsid nohup docker exec "$c" bash -c "$sampler" >"$dir/cmdlines-$c.log" 2>&1 &
      echo $! >>"$dir/cmdline-watch.pids"
    done
    setsid nohup bash -c "$sampler" >"$dir/cmdlines-test-host.log" 2>&1 &
    echo $! >>"$dir/cmdline-watch.pids"
    ;;
  stop)
    [ -f "$dir/cmdline-watch.pids" ] || exit 0
    # Each sampler leads its own process group (setsid): end the whole pipeline.
    while read -r pid; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done <"$dir/cmdline-watch.pids"
    rm -f "$dir/cmdline-watch.pids"
    # docker exec leaves the in-container loops behind when killed: end them too.
    for log in "$dir"/cmdlines-*.log; do
      c=${log##*/cmdlines-}; c=${c%.log}
      [ "$c" = test-host ] || docker exec "$c" pkill -f 'ps -eo args=' >/dev/null 2>&1 || true
    done
    ;;
esac
