#!/usr/bin/env bash
# Runs every libFuzzer target of fuzz/ for SECONDS each, seeded with the golden files of tests/golden, keeping the
# corpus it grows in BUILD/corpus/<target>. Usage: scripts/fuzz.sh BUILD SECONDS. A finding stops the run with
# the target's report and the crashing input written to BUILD/crash-*; exit code 1.
set -euo pipefail
build=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
golden="$root/tests/golden"
declare -A seeds=(
  [fuzz_step_file]="$golden/step.proof"
  [fuzz_run_statement]="$golden/statement.json"
  [fuzz_opening]="$golden/opening.bin,$golden/commitments.bin"
  [fuzz_data_commitment]="$golden/data.commitment.bin"
)
for target in fuzz_step_file fuzz_run_statement fuzz_opening fuzz_data_commitment; do
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  echo "fuzz: $target for ${seconds} s" >&2
  if ! "$build/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=0 \
      -artifact_prefix="$build/crash-$target-" -seed_inputs="${seeds[$target]}" "$corpus" 2> "$build/$target.log"; then
    tail -40 "$build/$target.log" >&2
    echo "fuzz: $target found a failure (input in $build/crash-$target-*)" >&2
    exit 1
  fi
  grep -a -E "^Done|#[0-9]+.*DONE" "$build/$target.log" | tail -1 >&2 || true
done
