#!/usr/bin/env bash
# Training epochs on two threads with batches larger than a core's cache keeps (more than 170
# images): by halves of the features, each batch in parts of up to 100 samples (what the CPU
# backend does), and in chunks of samples and of features (what it did before, and does on other
# numbers of threads), as pairs of epochs in one JVM (cifarlinear.cpu.EpochPairs in
# target/benchmarks.jar: seed configuration but for the batch, 49,000 synthetic images). Both
# give the same weights bit for bit.
#
#   bench/parts.sh [RUNS] [PAIRS] [BATCHES]
#
# RUNS (default 2) JVMs of PAIRS (default 30) pairs each, for each of BATCHES (default "256 500
# 1000"). Needs a Java 25 `java` on the PATH (or JAVA). Writes bench/results/parts.md: the
# machine, the commands and each run's output.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-2}"
pairs="${2:-30}"
batches="${3:-256 500 1000}"
out="$here/bench/results/parts.md"
script=bench/parts.sh
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
require_whole_numbers RUNS "$runs" PAIRS "$pairs"
for batch in $batches; do
  require_whole_numbers BATCHES "$batch"
done
require_java25
declare -A cmd

cd "$here"
build_benchmarks
for batch in $batches; do
  epoch_pairs "$tmp/batch$batch" "$runs" "$pairs" halves "$batch"
  cmd[$batch]="${pairs_cmd[*]}"
done

mkdir -p "$(dirname "$out")"
{
  echo "# Two threads with large batches: by halves in parts, or in chunks"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`$script $runs $pairs \"$batches\"\`."
  echo
  echo "- Machine: $(machine)"
  echo "- Java: $("$java" -version 2>&1 | head -n 1)"
  echo
  echo "Each run: $pairs pairs of training epochs after three of warm-up, the two backends taking turns."
  for batch in $batches; do
    echo
    echo "Batch $batch:"
    echo
    echo '```'
    echo "${cmd[$batch]}"
    echo
    sed '$d' "$tmp/batch$batch"
    echo '```'
  done
} > "$out"
cat "$out"
