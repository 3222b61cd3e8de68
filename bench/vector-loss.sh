#!/usr/bin/env bash
# The loss and update coefficients of a step a vector of samples at a time, against one sample at a
# time: the kernels alone (JMH's KernelBenchmarks.softmax and .sigmoid, batch 100, ten classes, with
# the Vector API kernels and with the plain ones, and softmaxJdkExp and sigmoidJdkExp, one sample
# at a time with the JDK's Math.exp, as steps computed them before), then whole training epochs on
# two threads by halves as pairs of epochs in one JVM (cifarlinear.cpu.EpochPairs, seed
# configuration, 49,000 synthetic images), the two ways taking turns; then, the same way, epochs
# of a sigmoid model against those of the softmax one.
#
#   bench/vector-loss.sh [RUNS] [PAIRS]
#
# RUNS (default 3) JVMs of PAIRS (default 60) pairs each. Needs a Java 25 `java` on the PATH (or
# JAVA). Writes bench/results/vector-loss.md: the machine, the commands and their outputs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-3}"
pairs="${2:-60}"
out="$here/bench/results/vector-loss.md"
script=bench/vector-loss.sh
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
require_whole_numbers RUNS "$runs" PAIRS "$pairs"
require_java25

cd "$here"
build_benchmarks
jmh=("$java" -jar target/benchmarks.jar 'KernelBenchmarks\.(softmax|sigmoid)' -p classes=10 -p batch=100 -foe true)
echo "== ${jmh[*]}" >&2
measure "$tmp/kernels" '/^(Benchmark|KernelBenchmarks)/' "${jmh[@]}"
epoch_pairs "$tmp/runs" "$runs" "$pairs" vector-loss
vector_cmd=("${pairs_cmd[@]}")
epoch_pairs "$tmp/sigmoid" "$runs" "$pairs" sigmoid

mkdir -p "$(dirname "$out")"
{
  echo "# The loss and coefficients of a step: a vector of samples at a time, or one by one"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`$script $runs $pairs\`."
  echo
  echo "- Machine: $(machine)"
  echo "- Java: $("$java" -version 2>&1 | head -n 1)"
  echo
  echo "The kernels alone, microseconds for a batch of 100 samples (the ...JdkExp ones do not depend on"
  echo "the kernels' parameter; they ran with each):"
  echo
  echo '```'
  echo "${jmh[*]}"
  echo
  cat "$tmp/kernels"
  echo '```'
  echo
  echo "Training epochs, $runs runs of $pairs pairs after three of warm-up, the two ways taking turns:"
  echo
  echo '```'
  echo "${vector_cmd[*]}"
  echo
  sed '$d' "$tmp/runs"
  echo '```'
  echo
  echo "Training epochs of a sigmoid model and of a softmax one, $runs runs of $pairs pairs, taking turns:"
  echo
  echo '```'
  echo "${pairs_cmd[*]}"
  echo
  sed '$d' "$tmp/sigmoid"
  echo '```'
} > "$out"
cat "$out"
