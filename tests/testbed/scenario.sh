#!/usr/bin/env bash
# Run one molecule scenario step by step (its own test_sequence), timing each step into
# $STREAMOPS_CACHE/timings.log, so the next person sees where a scenario's minutes go.
# Like `molecule test`, a failed step ends the sequence and the scenario is destroyed anyway.
# Writes, per run, to timings.log (and to SUMMARY_FILE when given):
#   phases <scenario>: destroy 3 s, create 21 s, converge 140 s, ... (verify: 26 passed)
#   scenario <scenario>: passed in 412 s
set -uo pipefail
scenario=${1:?usage: scenario.sh SCENARIO [SUMMARY_FILE]}
summary=${2:-/dev/null}
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${STREAMOPS_CACHE:-$repo/.cache}
mkdir -p "$cache/logs"
timings="$cache/timings.log"
log="$cache/logs/$scenario.verify.log"
cd "$repo" || exit 2

# One read of molecule.yml: its steps on the first line, its container names on the second.
{ read -r steps; read -r -a platforms; } < <(python3 -c 'import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
print(" ".join(cfg["scenario"]["test_sequence"]))
print(" ".join(p["name"] for p in cfg["platforms"]))' "molecule/$scenario/molecule.yml")

# The leading destroy clears what an earlier run left. With no container of this scenario and no molecule state
# that says "created" (molecule keeps it under ~/.ansible/tmp/molecule.*.<scenario>/), there is nothing to clear.
leftovers() {
  local name
  for name in "${platforms[@]}"; do
    docker container inspect "$name" >/dev/null 2>&1 && return 0
  done
  grep -qs '^created: true' "$HOME"/.ansible/tmp/molecule.*."$scenario"/state.yml
}

# A canary left running by an earlier failed run of this scenario would be taken for this run's (same state directory).
stop_stale_canaries() {
  pkill -f "canary\.py run .*/molecule\.[A-Za-z0-9]*\.${scenario}/canary-" 2>/dev/null || true
}
stop_stale_canaries
trap stop_stale_canaries EXIT

# What a failed step's log says went wrong (Ansible's fatal and failed lines, pytest's failures, Molecule's
# errors), without colours or the frame molecule draws around a command's output, cut to the last 25 lines, so that
# the run's summary at the end shows the cause.
failure_lines() {
  sed -E -e 's/\x1b\[[0-9;]*m//g' -e 's/^ *(│|┌|└) ?//' "$1" \
    | grep -v "molecule/default/molecule.yml' glob failed" \
    | grep -E -A 3 '^(fatal|failed):|^FAILED |^E  |ERROR|CRITICAL|Error:' \
    | cut -c 1-400 | tail -n 25
}

# The same in a line or three, for the list that ends a run (a CI log is often read from its tail): pytest's short
# summary lines, which molecule's frame wraps at 80 columns (joined again here), else Ansible's first fatal line with
# the two after it, else Molecule's last error.
failure_cause() {
  local text
  text=$(sed -E -e 's/\x1b\[[0-9;]*m//g' -e 's/^ *(│|┌|└) ?//' "$1")
  {
    awk '/^(FAILED|ERROR)( |$)/ { if (line != "") print line; line = $0; next }
         line != "" && /^  [^ ]/ { sub(/^  /, ""); line = line (line ~ /^(FAILED|ERROR)$/ ? " " : "") $0; next }
         line != "" { print line; line = "" }
         END { if (line != "") print line }' <<<"$text" | grep -E '^(FAILED|ERROR) [^ ]+::' | head -n 3
    grep -E -m 1 -A 2 '^(fatal|failed):' <<<"$text" | sed -E 's/^ +| +$//g' | grep -v "^$" | paste -sd ' '
    grep -E 'CRITICAL|^ERROR ' <<<"$text" | tail -n 1
  } | grep -v "^$" | tr -s ' ' | head -n 3 | cut -c 1-900
}

start=$(date +%s)
phases=()
failure=""
cause=""
result=passed
[ -n "$steps" ] || { result=FAILED; phases=("no test_sequence in molecule/$scenario/molecule.yml"); }
verified=""
first=1
for step in $steps; do
  t0=$(date +%s)
  if [ "$step" = destroy ] && [ "$first" = 1 ] && ! leftovers; then
    first=0
    phases+=("destroy 0 s (nothing to clear)")
    continue
  fi
  first=0
  # Each step's output is shown as it runs and kept, for the verifier's pytest summary line and for the error lines
  # of a failed step.
  step_log="$cache/logs/$scenario.$step.log"
  molecule "${step//_/-}" -s "$scenario" 2>&1 | tee "$step_log"
  rc=${PIPESTATUS[0]}
  if [ "$step" = verify ]; then
    cp "$step_log" "$log"
    verified=$(grep -Eo '[0-9]+ (passed|failed|skipped|errors?)(, [0-9]+ (passed|failed|skipped|errors?))*' "$log" | tail -n 1)
  fi
  phases+=("$step $(( $(date +%s) - t0 )) s")
  if [ "$rc" -ne 0 ]; then
    result=FAILED
    phases[-1]="${phases[-1]} (failed)"
    failure=$(failure_lines "$step_log")
    cause=$(failure_cause "$step_log" | sed "s/^/cause $scenario ($step): /")
    if [ "$step" != destroy ]; then
      t0=$(date +%s)
      molecule destroy -s "$scenario" || true
      phases+=("destroy $(( $(date +%s) - t0 )) s")
    fi
    break
  fi
done

joined=$(printf '%s, ' "${phases[@]}")
{
  echo "phases $scenario: ${joined%, }${verified:+ (verify: $verified)}"
  echo "scenario $scenario: $result in $(( $(date +%s) - start )) s"
  [ -z "$failure" ] || sed 's/^/    | /' <<<"$failure"
  [ -z "$cause" ] || echo "$cause"
} | tee -a "$timings" "$summary"
[ "$result" = passed ]
