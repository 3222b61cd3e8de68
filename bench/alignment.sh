#!/usr/bin/env bash
# Rows on cache lines or not: the CPU backend with objects aligned to 64 bytes (what the
# cifar-linear launcher asks for, so that every row of W and of a batch starts on a cache line)
# against the JVM's default 8 (rows start 16 bytes into a line, and every 512-bit load of them
# spans two lines). Training epochs of the seed configuration, and the scores and the update alone
# (JMH's KernelBenchmarks, batch 100, 10 classes, one thread), the two settings alternating round
# after round so that a slow spell of a shared machine hits both.
#
#   bench/alignment.sh DATA [ROUNDS] [EPOCHS]
#
# DATA is what `train --data` takes (synthetic, a folder, an archive); ROUNDS (default 4) runs of
# each; EPOCHS (default 12) per training run. Needs a Java 25 `java` on the PATH (or JAVA) for JMH.
# Writes bench/results/alignment.md: the machine, the commands, every run and the medians.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:?usage: bench/alignment.sh DATA [ROUNDS] [EPOCHS]}"
rounds="${2:-4}"
epochs="${3:-12}"
out="$here/bench/results/alignment.md"
script=bench/alignment.sh
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
require_java25

cd "$here"
build_benchmarks
settings=(64 8)
train_cmd() { echo "JAVA_OPTS=-XX:ObjectAlignmentInBytes=$1 ./cifar-linear train --data $data --epochs $epochs --no-progress --out DIR"; }
jmh_cmd() { echo "$java -jar target/benchmarks.jar \"KernelBenchmarks.(scores|update)\" -p batch=100 -p classes=10 -p kernels=vector -wi 2 -i 3 -jvmArgsAppend \"--add-modules=jdk.incubator.vector -XX:ObjectAlignmentInBytes=$1\""; }
for round in $(seq 1 "$rounds"); do
  for a in "${settings[@]}"; do
    echo "== round $round: $(train_cmd "$a")" >&2
    rm -rf "$tmp/run"
    if ! JAVA_OPTS="-XX:ObjectAlignmentInBytes=$a" ./cifar-linear train --data "$data" --epochs "$epochs" \
        --no-progress --out "$tmp/run" > "$tmp/run.log" 2>&1; then
      cat "$tmp/run.log" >&2
      echo "$script: training failed" >&2
      exit 1
    fi
    epoch_seconds "$tmp/run" | median >> "$tmp/train-$a"
    echo "== round $round: $(jmh_cmd "$a")" >&2
    for bm in scores update; do
      measure "$tmp/$bm-$a" "/^KernelBenchmarks\.$bm / $(jmh_score)" "$java" -jar target/benchmarks.jar \
        "KernelBenchmarks.$bm\$" -p batch=100 -p classes=10 -p kernels=vector -wi 2 -i 3 \
        -jvmArgsAppend "--add-modules=jdk.incubator.vector -XX:ObjectAlignmentInBytes=$a"
    done
  done
done

ratio() { echo "100 * $(median < "$1") / $(median < "$2")" | bc -l; }
mkdir -p "$(dirname "$out")"
{
  echo "# Rows on cache lines: objects aligned to 64 bytes or to 8"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`bench/alignment.sh $data $rounds $epochs\`: each round runs, one after the other, for each alignment A (64, then 8),"
  echo
  echo '```'
  train_cmd A
  jmh_cmd A
  echo '```'
  echo
  echo "(\`cifar-linear\` itself asks for 64 unless JAVA_OPTS names the option.)"
  echo
  echo "- Machine: $(machine)"
  echo "- Java: $("$java" -version 2>&1 | head -n 1)"
  echo
  echo "| measure | alignment | runs | median |"
  echo "|---|---:|---|---:|"
  for a in "${settings[@]}"; do
    printf '| training epoch, s (median of epochs 2..%s of each run) | %s | %s | %.3f |\n' "$epochs" "$a" \
      "$(paste -sd ' ' "$tmp/train-$a")" "$(median < "$tmp/train-$a")"
  done
  for bm in scores update; do
    for a in "${settings[@]}"; do
      printf '| %s alone, µs per call (JMH, one thread) | %s | %s | %.1f |\n' "$bm" "$a" \
        "$(paste -sd ' ' "$tmp/$bm-$a")" "$(median < "$tmp/$bm-$a")"
    done
  done
  echo
  printf 'With rows on cache lines, a training epoch takes %.0f %% of the time it takes without; the scores %.0f %% and the update %.0f %% (ratios of the medians).\n' \
    "$(ratio "$tmp/train-64" "$tmp/train-8")" "$(ratio "$tmp/scores-64" "$tmp/scores-8")" \
    "$(ratio "$tmp/update-64" "$tmp/update-8")"
} > "$out"
cat "$out"
