#!/usr/bin/env bash
# Training epochs on two threads by halves of the features, with and without each thread reading
# its half of the next step's pixels while it waits for the other, as pairs of epochs in one JVM
# (cifarlinear.cpu.EpochPairs in target/benchmarks.jar: seed configuration, 49,000 synthetic
# images, batch 100). The difference is a few percent, below what separate runs resolve on a
# shared machine, hence the pairs.
#
#   bench/idle-reads.sh [RUNS] [PAIRS]
#
# RUNS (default 3) JVMs of PAIRS (default 60) pairs each. Needs a Java 25 `java` on the PATH (or
# JAVA). Writes bench/results/idle-reads.md: the machine, the command and each run's output.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-3}"
pairs="${2:-60}"
out="$here/bench/results/idle-reads.md"
script=bench/idle-reads.sh
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
require_whole_numbers RUNS "$runs" PAIRS "$pairs"
require_java25

cd "$here"
build_benchmarks
epoch_pairs "$tmp/runs" "$runs" "$pairs" idle-reads

mkdir -p "$(dirname "$out")"
{
  echo "# Two threads by halves: reading the next step's pixels while waiting, or not"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`$script $runs $pairs\`, which runs $runs times"
  echo
  echo '```'
  echo "${pairs_cmd[*]}"
  echo '```'
  echo
  echo "- Machine: $(machine)"
  echo "- Java: $("$java" -version 2>&1 | head -n 1)"
  echo
  echo "Each run: $pairs pairs of training epochs after three of warm-up, the two backends taking turns."
  echo
  echo '```'
  sed '$d' "$tmp/runs"
  echo '```'
} > "$out"
cat "$out"
