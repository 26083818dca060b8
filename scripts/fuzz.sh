#!/usr/bin/env bash
# Runs every libFuzzer target of fuzz/ for SECONDS each, seeded with the golden files of tests/golden, keeping the
# corpus it grows in BUILD/corpus/<target>. Usage: scripts/fuzz.sh BUILD SECONDS. A finding stops the run with
# the target's report and the crashing input written to BUILD/crash-*; exit code 1. `make test` runs it for a few
# seconds per target with a fixed seed (-seed=1), so that a failure there is reproducible.
set -euo pipefail
build=$1
seconds=$2
extra=("${@:3}")
root=$(cd "$(dirname "$0")/.." && pwd)
golden="$root/tests/golden"
# Each target's seeds (comma-separated files; fuzz_step_proof edits the proof it makes itself and needs none).
declare -A seeds=(
  [fuzz_step_file]="$golden/step.proof"
  [fuzz_step_proof]=""
  [fuzz_run_statement]="$golden/statement.json"
  [fuzz_opening]="$golden/opening.bin,$golden/commitments.bin"
  [fuzz_data_commitment]="$golden/data.commitment.bin"
  [fuzz_weight_commitment]="$golden/weights.commitment.bin"
  [fuzz_checkpoint]="$golden/model/model.safetensors"
  [fuzz_adapter]="$golden/adapter/adapter_model.safetensors"
  [fuzz_configs]="$golden/model/config.json,$golden/adapter/adapter_config.json"
  [fuzz_dataset]="$golden/data.jsonl"
)
for target in fuzz_step_file fuzz_step_proof fuzz_run_statement fuzz_opening fuzz_data_commitment \
    fuzz_weight_commitment fuzz_checkpoint fuzz_adapter fuzz_configs fuzz_dataset; do
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  seed_args=()
  if [ -n "${seeds[$target]}" ]; then seed_args=(-seed_inputs="${seeds[$target]}"); fi
  echo "fuzz: $target for ${seconds} s" >&2
  if ! "$build/fuzz/$target" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$build/crash-$target-" "${seed_args[@]}" "${extra[@]}" "$corpus" \
      > "$build/$target.log" 2>&1; then
    tail -40 "$build/$target.log" >&2
    echo "fuzz: $target found a failure (input in $build/crash-$target-*)" >&2
    exit 1
  fi
  grep -a "stat::number_of_executed_units" "$build/$target.log" | sed "s/^/fuzz: $target: /" >&2 || true
done
