#!/usr/bin/env bash
# The CPU backend's throughput per batch size against this machine's measured limits, and the
# tuned NumPy loop run by the same invocation (bench --compare); writes bench/results/cpu-bench.md.
#
#   bench/cpu-bench.sh [DATA]      (default: the synthetic set, which times the same as real data)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-synthetic}"
cd "$here"
np_data=(); [[ "$data" != synthetic ]] && np_data=(--data "$data")
cmd=(./cifar-linear bench --data "$data" --compare "python3 bench/numpy_baseline.py --version tuned --epochs 5 ${np_data[*]}")
out="$("${cmd[@]}")"
mkdir -p bench/results
{
  echo "# CPU training throughput"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores$(grep -q avx512f /proc/cpuinfo && echo ' with AVX-512'), by"
  echo
  echo '```'
  echo "bench/cpu-bench.sh $data"
  echo "# which runs: ${cmd[*]}"
  echo '```'
  echo
  echo '```'
  # the baseline's own output, which bench indents, is left out
  awk '/^Baseline: /{inbase=1; print; next} inbase && /^  /{next} {inbase=0; print}' <<< "$out" | sed -n '/^[0-9]* threads*: /,$p'
  echo '```'
} > bench/results/cpu-bench.md
cat bench/results/cpu-bench.md
