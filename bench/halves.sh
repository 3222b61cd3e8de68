#!/usr/bin/env bash
# One training epoch on two threads, both ways the CPU backend can split it: by halves of the
# features (what it does on two threads) and in chunks of samples and of features (what it does on
# any other number), by the JMH benchmark EpochBenchmark (seed configuration, 49,000 synthetic
# images, batch 100), the two alternating round after round so that a slow spell of a shared
# machine hits both.
#
#   bench/halves.sh [ROUNDS]
#
# ROUNDS (default 4) runs of each. Needs a Java 25 `java` on the PATH (or JAVA).
# Writes bench/results/halves.md: the machine, the commands, every run and the medians.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-4}"
out="$here/bench/results/halves.md"
script=bench/halves.sh
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
require_java25

cd "$here"
build_benchmarks
jvm_args="$(launcher_jvm_args)"
jmh_args=(-jar target/benchmarks.jar EpochBenchmark -foe true -jvmArgsAppend "$jvm_args" -p)
jmh_cmd() { echo "$java -jar target/benchmarks.jar EpochBenchmark -foe true -jvmArgsAppend \"$jvm_args\" -p split=$1"; }
splits=(halves chunks)
for round in $(seq 1 "$rounds"); do
  for split in "${splits[@]}"; do
    echo "== round $round: $(jmh_cmd "$split")" >&2
    measure "$tmp/$split" "/^EpochBenchmark\.epoch / $(jmh_score)" "$java" "${jmh_args[@]}" "split=$split"
  done
done

mkdir -p "$(dirname "$out")"
{
  echo "# Two threads: by halves of the features, or in chunks"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`bench/halves.sh $rounds\`: each round runs, one after the other,"
  echo
  echo '```'
  for split in "${splits[@]}"; do
    jmh_cmd "$split"
  done
  echo '```'
  echo
  echo "- Machine: $(machine)"
  echo "- Java: $("$java" -version 2>&1 | head -n 1)"
  echo
  echo "Milliseconds per training epoch on two threads (JMH's mean of six 2-second iterations after four of warm-up), in the order run:"
  echo
  echo "| split | runs | median |"
  echo "|---|---|---:|"
  for split in "${splits[@]}"; do
    printf '| %s | %s | %.1f |\n' "$split" "$(paste -sd ' ' "$tmp/$split")" "$(median < "$tmp/$split")"
  done
  echo
  printf 'By halves, an epoch takes %.0f %% of the time it takes in chunks (ratio of the medians).\n' \
    "$(echo "100 * $(median < "$tmp/halves") / $(median < "$tmp/chunks")" | bc -l)"
} > "$out"
cat "$out"
