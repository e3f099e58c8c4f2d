#!/usr/bin/env bash
# `make bench`: runs every benchmark of a build, each printing its table; JSON lands in
# <build>/bench-results/. Benchmarks measure, they never fail on time.
set -uo pipefail
build=${1:-build/release}
out="$build/bench-results"
mkdir -p "$out"
export HEARTH_BENCH_OUT="$out"
for bench in "$build"/bin/bench_*; do
  [ -x "$bench" ] || continue
  name=$(basename "$bench")
  echo "== $name"
  case "$name" in
    bench_hearthd_idle) "$bench" 10 3 "$out/$name.json" ;;
    bench_load_devices) "$bench" --benchmark_out="$out/$name.json" --benchmark_out_format=json ;;
    # Real time against hearth-sim: about 5 minutes for both trigger modes.
    bench_step_response) "$bench" --steps 10 --fail-safe 5 --out "$out/$name.json" ;;
    *) "$bench" ;;
  esac || echo "($name exited with $?)"
done
echo "JSON results: $out"
